/*
** binding_statement.c: the Statement object of the binding (module
** luamig.driver): running a prepared statement and reading its result as
** rows, whole or first only (for conn:query and conn:first too), and the
** statement's methods. Cursors, which read a result row by row, are in
** binding_cursor.c. Lifetimes are in binding.h.
*/

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"
#include "binding_statement.h"

#define STMT_MT    "luamig.Statement"


/*
** {======================================================
** Statements
** =======================================================
*/

/* Close the statement: finalize it and leave its connection's list. Its
** cursor, if any, is closed with it (binding_cursor.c's cursor_is_open). */
void lmb_stmt_release (Stmt *s) {
  /* An open bulk load may have the connection (on a thread of its own,
  ** binding_bulk_feed.c): it ends first, a failure kept for the next
  ** call, as the queue's would be. */
  if (s->conn != NULL && s->conn->load != NULL) lmb_settle_quiet(s->conn);
  if (s->handle != NULL) {
    s->conn->drv->finalize(s->handle);
    s->handle = NULL;
  }
  if (s->conn != NULL) {
    if (s->prev != NULL) s->prev->next = s->next;
    else s->conn->stmts = s->next;
    if (s->next != NULL) s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->conn = NULL;
  }
  s->cursor = NULL;
}


static int stmt_is_open (void *obj) {
  return ((Stmt *)obj)->handle != NULL;
}


static void stmt_release (void *obj) {
  lmb_stmt_release((Stmt *)obj);
}


static const lmb_kind stmt_kind = {
  STMT_MT, "statement", stmt_is_open, stmt_release, NULL
};


/* Push a new statement of the connection at `connidx`, closed; its
** second user value will be the row buffer (ensure_row), its third the SQL
** (conn:prepare's). */
Stmt *lmb_new_stmt (lua_State *L, int connidx) {
  return (Stmt *)lmb_new_object(L, &stmt_kind, sizeof(Stmt), 3, connidx);
}


/* Prepare `sql` into the closed statement `s`, then mark it open. */
int lmb_stmt_prepare (Conn *c, Stmt *s, const char *sql, size_t len,
                      lm_error *err) {
  void *h = NULL;
  int rc = c->drv->prepare(c->handle, sql, len, &h, err);
  if (rc != LM_OK) return rc;
  s->handle = h;
  s->conn = c;
  s->decimal_numbers = c->decimal_numbers;
  s->prev = NULL;
  s->next = c->stmts;
  if (c->stmts != NULL) c->stmts->prev = s;
  c->stmts = s;
  return LM_OK;
}


/* Make the row buffer of the statement at `si` hold `ncols` values. */
static void ensure_row (lua_State *L, int si, Stmt *s, int ncols) {
  if (ncols > s->rowcap) {
    s->row = (lm_value *)lua_newuserdatauv(L,
                                   (size_t)ncols * sizeof(lm_value), 0);
    lua_setiuservalue(L, si, 2);
    s->rowcap = ncols;
  }
}


/* Run the open statement at `si` with `n` converted values. Raises when
** `n` is not the statement's parameter count (after closing the statement
** when `close_on_raise`). */
int lmb_stmt_run (lua_State *L, int si, Stmt *s, int n,
                  const lm_value *vals, int close_on_raise,
                  int64_t *affected, lm_error *err) {
  const struct lm_driver *drv = s->conn->drv;
  int np = drv->param_count(s->handle);
  int rc;
  if (n != np) {
    if (close_on_raise) lmb_stmt_release(s);
    return luaL_error(L, "statement has %d parameters, %d values given",
                      np, n);
  }
  s->cursor = NULL;  /* a cursor on the previous result is over */
  rc = drv->execute(s->handle, n, vals, affected, err);
  if (rc != LM_OK) {
    s->ncols = 0;
    if (rc == LM_MISUSE && close_on_raise) lmb_stmt_release(s);
    return lmb_check_misuse(L, rc, err);
  }
  s->ncols = drv->column_count(s->handle);
  ensure_row(L, si, s, s->ncols);
  return LM_OK;
}


/* Push the keys of the rows of the current result: each column's name
** as a Lua string (false for a column without a name), once per result.
** lua_setfield with a C string looks it up in Lua's string cache, which
** a result's dozen names in turn miss (runner/modules/fieldkeys.h): the
** rows of `luamig check` on 1000 tables spent 60 M instructions there. */
void lmb_push_row_keys (lua_State *L, Stmt *s) {
  int i;
  lua_createtable(L, s->ncols, 0);
  for (i = 0; i < s->ncols; i++) {
    const char *name = s->conn->drv->column_name(s->handle, i);
    if (name != NULL) lua_pushstring(L, name);
    else lua_pushboolean(L, 0);
    lua_rawseti(L, -2, i + 1);
  }
}


/* Push the current row of `s` as a table keyed by column name (by
** position for a column without a name); keys at `keys` (an absolute
** index) from lmb_push_row_keys. */
void lmb_push_row (lua_State *L, Stmt *s, int keys) {
  int i;
  lua_createtable(L, 0, s->ncols);
  for (i = 0; i < s->ncols; i++) {
    if (lua_rawgeti(L, keys, i + 1) == LUA_TSTRING) {
      lmb_push_value(L, &s->row[i], s->decimal_numbers);
      lua_rawset(L, -3);
    } else {
      lua_pop(L, 1);
      lmb_push_value(L, &s->row[i], s->decimal_numbers);
      lua_rawseti(L, -2, i + 1);
    }
  }
}


static void push_column_names (lua_State *L, Stmt *s) {
  int i;
  lua_createtable(L, s->ncols, 0);
  for (i = 0; i < s->ncols; i++) {
    const char *name = s->conn->drv->column_name(s->handle, i);
    lua_pushstring(L, name != NULL ? name : "?");
    lua_rawseti(L, -2, i + 1);
  }
}


/* Ask the driver to stream the statement's results (rows()); nothing to
** do for a driver whose results stream already. */
int lmb_stmt_stream (Stmt *s, lm_error *err) {
  if (s->conn->drv->stream == NULL) return LM_OK;
  return s->conn->drv->stream(s->handle, err);
}


/* Read the whole result: push rows and column names. */
int lmb_collect_rows (lua_State *L, Stmt *s, lm_error *err) {
  lua_Integer n = 0;
  int rc, rows, keys = 0;
  lua_newtable(L);
  rows = lua_gettop(L);
  while ((rc = s->conn->drv->fetch(s->handle, s->row, err)) == LM_ROW) {
    if (keys == 0) {  /* the names, known once a row came */
      lmb_push_row_keys(L, s);
      keys = lua_gettop(L);
    }
    lmb_push_row(L, s, keys);
    lua_rawseti(L, rows, ++n);
  }
  lua_settop(L, rows);
  if (rc != LM_DONE) return rc;
  push_column_names(L, s);
  return LM_OK;
}


/* Run the open statement at `si` with `n` values (lmb_stmt_run) and read
** its result with `read`, which pushes the `nresults` results; or push the
** failure. query and first, of a statement and of a connection. */
int lmb_stmt_read (lua_State *L, int si, Stmt *s, int n, const lm_value *vals,
                   int close_on_raise, lmb_reader read, int nresults) {
  lm_error err;
  int64_t affected;
  int rc = lmb_stmt_run(L, si, s, n, vals, close_on_raise, &affected, &err);
  if (rc == LM_OK) rc = read(L, s, &err);
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  return nresults;
}


/* Read the first row (or push nil) and end the result. */
int lmb_first_row (lua_State *L, Stmt *s, lm_error *err) {
  int rc = s->conn->drv->fetch(s->handle, s->row, err);
  if (rc == LM_ROW) {
    lmb_push_row_keys(L, s);
    lmb_push_row(L, s, lua_gettop(L));
    lua_remove(L, -2);
  }
  else if (rc == LM_DONE) lua_pushnil(L);
  else return rc;
  s->conn->drv->reset(s->handle);
  return LM_OK;
}

/* }====================================================== */


/*
** {======================================================
** Statement methods
** =======================================================
*/

static Stmt *check_stmt (lua_State *L) {
  return (Stmt *)lmb_check_open(L, &stmt_kind);
}

Stmt *lmb_check_stmt (lua_State *L) {
  return check_stmt(L);
}


/* The open statement at index 1, its connection's queue settled first
** (binding_pipeline.c): 0, or the failure's values pushed (nil, msg,
** info), which the method returns. */
static int settled_stmt (lua_State *L, Stmt **s) {
  int nr = 0;
  *s = check_stmt(L);
  if (!LMB_SETTLED((*s)->conn)) {
    lua_getiuservalue(L, 1, 1);
    nr = lmb_settle_or_fail(L, lua_gettop(L));
    if (nr == 0) lua_pop(L, 1);
  }
  return nr;
}


/* The values of stmt:execute(...), stmt:query(...), stmt:first(...) and
** stmt:rows(...), from index 2: `n` of them, in `small` when they fit. */
static lm_value *stmt_values (lua_State *L, lm_value *small, int *n) {
  *n = lua_gettop(L) - 1;
  return lmb_check_params(L, 2, *n, small);
}


static int stmt_execute (lua_State *L) {
  lm_value small[LMB_NSMALL];
  lm_error err;
  int64_t affected = 0;
  Stmt *s;
  int n, rc = settled_stmt(L, &s);
  lm_value *vals;
  if (rc > 0) return rc;
  vals = stmt_values(L, small, &n);
  rc = lmb_stmt_run(L, 1, s, n, vals, 0, &affected, &err);
  if (rc == LM_OK) s->conn->drv->reset(s->handle);
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  lua_pushinteger(L, (lua_Integer)affected);
  return 1;
}


/* stmt:query and stmt:first. */
static int stmt_read (lua_State *L, lmb_reader read, int nresults) {
  lm_value small[LMB_NSMALL];
  Stmt *s;
  int n, nr = settled_stmt(L, &s);
  lm_value *vals;
  if (nr > 0) return nr;
  vals = stmt_values(L, small, &n);
  return lmb_stmt_read(L, 1, s, n, vals, 0, read, nresults);
}


static int stmt_query (lua_State *L) {
  return stmt_read(L, lmb_collect_rows, 2);  /* rows, column names */
}


static int stmt_first (lua_State *L) {
  return stmt_read(L, lmb_first_row, 1);
}


static int stmt_rows (lua_State *L) {
  lm_value small[LMB_NSMALL];
  lm_error err;
  int64_t affected;
  Stmt *s;
  int n;
  lm_value *vals;
  Cursor *k;
  s = check_stmt(L);
  if (!LMB_SETTLED(s->conn)) {  /* rows raises the message */
    lua_getiuservalue(L, 1, 1);
    lmb_settle_or_raise(L, lua_gettop(L));
    lua_pop(L, 1);
  }
  vals = stmt_values(L, small, &n);
  k = lmb_new_cursor(L, 1);
  if (lmb_stmt_run(L, 1, s, n, vals, 0, &affected, &err) != LM_OK)
    return luaL_error(L, "%s", err.message);
  return lmb_push_iteration(L, k, s, 0);
}


static int stmt_param_count (lua_State *L) {
  Stmt *s = check_stmt(L);
  lua_pushinteger(L, s->conn->drv->param_count(s->handle));
  return 1;
}

/* }====================================================== */


/* stmt:close(), and __close: the executes of the statement still queued
** are synced first (a failure is told by the connection's next call), so
** that the driver never finalizes a statement with queued executes. The
** garbage collector cannot close one: the queue's log holds it. */
static int stmt_close (lua_State *L) {
  Stmt *s = (Stmt *)luaL_checkudata(L, 1, STMT_MT);
  if (s->conn != NULL) lmb_settle_quiet(s->conn);
  return lmb_close(L);
}


static const luaL_Reg stmt_methods[] = {
  {"execute", stmt_execute},
  {"queue", lmb_stmt_queue},
  {"query", stmt_query},
  {"first", stmt_first},
  {"rows", stmt_rows},
  {"param_count", stmt_param_count},
  {"close", stmt_close},
  {NULL, NULL}
};


/* Register the Statement metatable, with stmt_close as its __close. */
void lmb_open_statements (lua_State *L) {
  lmb_create_kind(L, &stmt_kind, stmt_methods);
  luaL_getmetatable(L, STMT_MT);
  lua_getfield(L, -1, "__index");
  lua_getfield(L, -1, "close");
  lua_setfield(L, -3, "__close");
  lua_pop(L, 2);
}
