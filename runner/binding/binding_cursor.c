/*
** binding_cursor.c: the Cursor object of the binding (module
** luamig.driver): the result of one execute of a statement read row by
** row in a generic for, by conn:rows and stmt:rows. Lifetimes are in
** binding.h.
*/

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"
#include "binding_statement.h"

#define CURSOR_MT  "luamig.Cursor"

struct Cursor {
  Stmt *stmt;            /* NULL when closed */
  int owns;              /* the statement is private: close it with us */
};


/*
** {======================================================
** Cursors
** =======================================================
*/

static void cursor_release (void *obj) {
  Cursor *k = (Cursor *)obj;
  Stmt *s = k->stmt;
  if (s == NULL) return;
  k->stmt = NULL;
  if (k->owns)
    lmb_stmt_release(s);
  else if (s->cursor == k) {
    s->cursor = NULL;
    if (s->conn->load != NULL) lmb_settle_quiet(s->conn);  /* see lmb_stmt_release */
    if (s->handle != NULL) s->conn->drv->reset(s->handle);
  }
}


/* Open while its statement is and still reads the result the cursor
** started; lmb_check_open releases one found closed, so that it lets its
** statement go. */
static int cursor_is_open (void *obj) {
  Cursor *k = (Cursor *)obj;
  Stmt *s = k->stmt;
  return s != NULL && s->handle != NULL && s->cursor == k;
}


static const lmb_kind cursor_kind = {
  CURSOR_MT, "cursor", cursor_is_open, cursor_release, NULL
};


/* The iterator of a generic for: cursor_next(cursor) -> row | nil. */
static int cursor_next (lua_State *L) {
  Cursor *k = (Cursor *)lmb_check_open(L, &cursor_kind);
  Stmt *s = k->stmt;
  lm_error err;
  int rc;
  if (!LMB_SETTLED(s->conn) && (s->conn->load != NULL ||  /* no fetch during a load */
      s->conn->drv->fetch_ahead == NULL ||
      !s->conn->drv->fetch_ahead(s->handle))) {  /* queued between two rows */
    lua_getiuservalue(L, 1, 1);   /* the statement */
    lua_getiuservalue(L, -1, 1);  /* its connection */
    lmb_settle_or_raise(L, lua_gettop(L));
    lua_pop(L, 2);
  }
  rc = s->conn->drv->fetch(s->handle, s->row, &err);
  if (rc == LM_ROW) {
    if (lua_getiuservalue(L, 1, 2) != LUA_TTABLE) {  /* the rows' keys, made at the first */
      lua_pop(L, 1);
      lmb_push_row_keys(L, s);
      lua_pushvalue(L, -1);
      lua_setiuservalue(L, 1, 2);
    }
    lmb_push_row(L, s, lua_gettop(L));
    return 1;
  }
  cursor_release(k);
  if (rc == LM_DONE) {
    lua_pushnil(L);
    return 1;
  }
  return luaL_error(L, "%s", err.message);
}


/* Push a new closed cursor reading the statement at `si`. User values:
** the statement, then the keys of its rows (lmb_push_row_keys). */
Cursor *lmb_new_cursor (lua_State *L, int si) {
  return (Cursor *)lmb_new_object(L, &cursor_kind, sizeof(Cursor), 2, si);
}


/* Open the cursor at the top of the stack on `s` and return the four
** values of a generic for: iterator, state, control, closing value. */
int lmb_push_iteration (lua_State *L, Cursor *k, Stmt *s, int owns) {
  int ki = lua_gettop(L);
  k->stmt = s;
  k->owns = owns;
  s->cursor = k;
  lua_pushcfunction(L, cursor_next);
  lua_pushvalue(L, ki);
  lua_pushnil(L);
  lua_pushvalue(L, ki);
  return 4;
}

/* }====================================================== */


static const luaL_Reg cursor_methods[] = {
  {"close", lmb_close},
  {NULL, NULL}
};


/* Register the Cursor metatable. */
void lmb_open_cursors (lua_State *L) {
  lmb_create_kind(L, &cursor_kind, cursor_methods);
}
