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

static void cursor_release (Cursor *k) {
  Stmt *s = k->stmt;
  if (s == NULL) return;
  k->stmt = NULL;
  if (k->owns)
    lmb_stmt_release(s);
  else if (s->cursor == k) {
    s->cursor = NULL;
    if (s->handle != NULL) s->conn->drv->reset(s->handle);
  }
}


/* The statement of an open cursor; raises for a closed one. */
static Stmt *cursor_stmt (lua_State *L, Cursor *k) {
  Stmt *s = k->stmt;
  if (s == NULL || s->handle == NULL || s->cursor != k) {
    cursor_release(k);
    luaL_error(L, "attempt to use a closed cursor");
  }
  return s;
}


static int cursor_gc (lua_State *L) {
  cursor_release((Cursor *)luaL_checkudata(L, 1, CURSOR_MT));
  return 0;
}


static int cursor_close (lua_State *L) {
  cursor_release((Cursor *)luaL_checkudata(L, 1, CURSOR_MT));
  lua_pushboolean(L, 1);
  return 1;
}


static int cursor_tostring (lua_State *L) {
  Cursor *k = (Cursor *)luaL_checkudata(L, 1, CURSOR_MT);
  Stmt *s = k->stmt;
  if (s == NULL || s->handle == NULL || s->cursor != k)
    lua_pushliteral(L, "luamig.Cursor (closed)");
  else
    lua_pushfstring(L, "luamig.Cursor (%p)", (void *)k);
  return 1;
}


/* The iterator of a generic for: cursor_next(cursor) -> row | nil. */
static int cursor_next (lua_State *L) {
  Cursor *k = (Cursor *)luaL_checkudata(L, 1, CURSOR_MT);
  Stmt *s = cursor_stmt(L, k);
  lm_error err;
  int rc = s->conn->drv->fetch(s->handle, s->row, &err);
  if (rc == LM_ROW) {
    lmb_push_row(L, s);
    return 1;
  }
  cursor_release(k);
  if (rc == LM_DONE) {
    lua_pushnil(L);
    return 1;
  }
  return luaL_error(L, "%s", err.message);
}


/* Push a new closed cursor reading the statement at `si`. */
Cursor *lmb_new_cursor (lua_State *L, int si) {
  Cursor *k = (Cursor *)lua_newuserdatauv(L, sizeof(Cursor), 1);
  k->stmt = NULL;
  k->owns = 0;
  luaL_setmetatable(L, CURSOR_MT);
  lua_pushvalue(L, si);
  lua_setiuservalue(L, -2, 1);
  return k;
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
  {"close", cursor_close},
  {NULL, NULL}
};

static const luaL_Reg cursor_meta[] = {
  {"__index", NULL},
  {"__gc", cursor_gc},
  {"__close", cursor_gc},
  {"__tostring", cursor_tostring},
  {NULL, NULL}
};


/* Register the Cursor metatable. */
void lmb_open_cursors (lua_State *L) {
  lmb_create_meta(L, CURSOR_MT, cursor_meta, cursor_methods);
}
