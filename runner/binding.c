/*
** binding.c: the Lua binding of every driver (module luamig.driver).
** The API is in docs/internals.md.
**
** Objects and their lifetimes:
**   Connection  owns a driver connection and a list of its open statements;
**               closing it finalizes them.
**   Statement   a prepared statement; its first user value is its
**               connection (kept alive), its second the row buffer.
**   Cursor      reads the result of one execute of a statement (the first
**               user value); conn:rows makes a private statement that the
**               cursor closes with itself.
** Every object is created closed, then acquires its resource, then is
** marked open; __gc and __close share one function; close() twice is
** harmless; any other method on a closed object raises.
** A cursor is alive while its statement is open and still reading the
** result the cursor started: executing the statement again, or closing it
** (or its connection), closes the cursor.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "driver.h"
#include "host.h"

#define CONN_MT    "luamig.Connection"
#define STMT_MT    "luamig.Statement"
#define CURSOR_MT  "luamig.Cursor"
#define BLOB_MT    "luamig.Blob"
#define NULL_MT    "luamig.Null"
#define NULL_KEY   "luamig.null"   /* registry field of the null sentinel */

#define NSMALL 16  /* parameters bound from the C stack; more go to a
                      userdata */

typedef struct Stmt Stmt;
typedef struct Cursor Cursor;

typedef struct Conn {
  const struct lm_driver *drv;
  void *handle;          /* NULL when closed */
  Stmt *stmts;           /* open statements */
} Conn;

struct Stmt {
  Conn *conn;            /* NULL when closed */
  void *handle;          /* NULL when closed */
  Stmt *prev, *next;     /* in conn->stmts */
  lm_value *row;         /* row buffer (second user value) */
  int rowcap;            /* its size in values */
  int ncols;             /* columns of the current result */
  Cursor *cursor;        /* the cursor reading the current result, if any */
};

struct Cursor {
  Stmt *stmt;            /* NULL when closed */
  int owns;              /* the statement is private: close it with us */
};


/*
** {======================================================
** Values
** =======================================================
*/

static void push_null (lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
}


static void push_value (lua_State *L, const lm_value *v) {
  switch (v->type) {
    case LM_INTEGER: lua_pushinteger(L, (lua_Integer)v->v.i); break;
    case LM_FLOAT: lua_pushnumber(L, (lua_Number)v->v.f); break;
    case LM_BOOL: lua_pushboolean(L, v->v.b); break;
    case LM_TEXT: case LM_BLOB:
      lua_pushlstring(L, v->v.s.ptr ? v->v.s.ptr : "", v->v.s.len);
      break;
    default: push_null(L); break;
  }
}


/* Convert the argument at `idx` into a parameter. Strings stay on the
** stack (a blob's string is anchored by the blob), so the pointers live
** as long as the call. */
static void check_param (lua_State *L, int idx, lm_value *v) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      v->type = LM_NULL;
      return;
    case LUA_TBOOLEAN:
      v->type = LM_BOOL;
      v->v.b = lua_toboolean(L, idx);
      return;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        v->type = LM_INTEGER;
        v->v.i = (int64_t)lua_tointeger(L, idx);
      }
      else {
        v->type = LM_FLOAT;
        v->v.f = (double)lua_tonumber(L, idx);
      }
      return;
    case LUA_TSTRING:
      v->type = LM_TEXT;
      v->v.s.ptr = lua_tolstring(L, idx, &v->v.s.len);
      return;
    case LUA_TUSERDATA:
      if (luaL_testudata(L, idx, NULL_MT) != NULL) {
        v->type = LM_NULL;
        return;
      }
      if (luaL_testudata(L, idx, BLOB_MT) != NULL) {
        lua_getiuservalue(L, idx, 1);
        v->type = LM_BLOB;
        v->v.s.ptr = lua_tolstring(L, -1, &v->v.s.len);
        lua_pop(L, 1);
        return;
      }
      break;
    default:
      break;
  }
  luaL_argerror(L, idx, lua_pushfstring(L, "cannot bind a %s",
                                        luaL_typename(L, idx)));
}


/* Convert the `n` arguments from `first` on. */
static lm_value *check_params (lua_State *L, int first, int n,
                               lm_value *small) {
  lm_value *vals = small;
  int i;
  if (n > NSMALL)
    vals = (lm_value *)lua_newuserdatauv(L, (size_t)n * sizeof(lm_value), 0);
  for (i = 0; i < n; i++)
    check_param(L, first + i, &vals[i]);
  return vals;
}


static const char *check_sql (lua_State *L, int idx, size_t *len) {
  const char *sql = luaL_checklstring(L, idx, len);
  luaL_argcheck(L, strlen(sql) == *len, idx, "SQL contains a zero byte");
  return sql;
}

/* }====================================================== */


/*
** {======================================================
** Failures
** =======================================================
*/

static void set_opt_field (lua_State *L, const char *key, const char *s) {
  if (s[0] != '\0') {
    lua_pushstring(L, s);
    lua_setfield(L, -2, key);
  }
}


/* Database failure: push nil, message, info. */
static int push_failure (lua_State *L, const lm_error *err) {
  const char *msg = err->message[0] != '\0' ? err->message : "unknown error";
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, err->code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  set_opt_field(L, "sqlstate", err->sqlstate);
  set_opt_field(L, "detail", err->detail);
  set_opt_field(L, "hint", err->hint);
  return 3;
}


/* For a driver result: raise on misuse, else return `rc`. */
static int check_misuse (lua_State *L, int rc, const lm_error *err) {
  if (rc == LM_MISUSE)
    luaL_error(L, "%s", err->message);
  return rc;
}

/* }====================================================== */


/*
** {======================================================
** Statements
** =======================================================
*/

/* Close the statement: finalize it and leave its connection's list. Its
** cursor, if any, is closed with it (see cursor_stmt). */
static void stmt_release (Stmt *s) {
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


/* Push a new statement of the connection at `connidx`, closed. */
static Stmt *new_stmt (lua_State *L, int connidx) {
  Stmt *s = (Stmt *)lua_newuserdatauv(L, sizeof(Stmt), 2);
  s->conn = NULL;
  s->handle = NULL;
  s->prev = s->next = NULL;
  s->row = NULL;
  s->rowcap = 0;
  s->ncols = 0;
  s->cursor = NULL;
  luaL_setmetatable(L, STMT_MT);
  lua_pushvalue(L, connidx);
  lua_setiuservalue(L, -2, 1);
  return s;
}


/* Prepare `sql` into the closed statement `s`, then mark it open. */
static int stmt_prepare (Conn *c, Stmt *s, const char *sql, size_t len,
                         lm_error *err) {
  void *h = NULL;
  int rc = c->drv->prepare(c->handle, sql, len, &h, err);
  if (rc != LM_OK) return rc;
  s->handle = h;
  s->conn = c;
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
static int stmt_run (lua_State *L, int si, Stmt *s, int n,
                     const lm_value *vals, int close_on_raise,
                     int64_t *affected, lm_error *err) {
  const struct lm_driver *drv = s->conn->drv;
  int np = drv->param_count(s->handle);
  int rc;
  if (n != np) {
    if (close_on_raise) stmt_release(s);
    return luaL_error(L, "statement has %d parameters, %d values given",
                      np, n);
  }
  s->cursor = NULL;  /* a cursor on the previous result is over */
  rc = drv->execute(s->handle, n, vals, affected, err);
  if (rc != LM_OK) {
    s->ncols = 0;
    if (rc == LM_MISUSE && close_on_raise) stmt_release(s);
    return check_misuse(L, rc, err);
  }
  s->ncols = drv->column_count(s->handle);
  ensure_row(L, si, s, s->ncols);
  return LM_OK;
}


/* Push the current row of `s` as a table keyed by column name. */
static void push_row (lua_State *L, Stmt *s) {
  const struct lm_driver *drv = s->conn->drv;
  int i;
  lua_createtable(L, 0, s->ncols);
  for (i = 0; i < s->ncols; i++) {
    const char *name = drv->column_name(s->handle, i);
    push_value(L, &s->row[i]);
    if (name != NULL)
      lua_setfield(L, -2, name);
    else
      lua_rawseti(L, -2, i + 1);
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


/* Read the whole result: push rows and column names. */
static int collect_rows (lua_State *L, Stmt *s, lm_error *err) {
  lua_Integer n = 0;
  int rc;
  lua_newtable(L);
  while ((rc = s->conn->drv->fetch(s->handle, s->row, err)) == LM_ROW) {
    push_row(L, s);
    lua_rawseti(L, -2, ++n);
  }
  if (rc != LM_DONE) return rc;
  push_column_names(L, s);
  return LM_OK;
}


/* Read the first row (or push nil) and end the result. */
static int first_row (lua_State *L, Stmt *s, lm_error *err) {
  int rc = s->conn->drv->fetch(s->handle, s->row, err);
  if (rc == LM_ROW) push_row(L, s);
  else if (rc == LM_DONE) lua_pushnil(L);
  else return rc;
  s->conn->drv->reset(s->handle);
  return LM_OK;
}

/* }====================================================== */


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
    stmt_release(s);
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
    push_row(L, s);
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
static Cursor *new_cursor (lua_State *L, int si) {
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
static int push_iteration (lua_State *L, Cursor *k, Stmt *s, int owns) {
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


/*
** {======================================================
** Connection methods
** =======================================================
*/

static Conn *check_conn (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  if (c->handle == NULL)
    luaL_error(L, "attempt to use a closed connection");
  return c;
}


static void conn_release (Conn *c) {
  if (c->handle != NULL) {
    while (c->stmts != NULL)
      stmt_release(c->stmts);
    c->drv->close(c->handle);
    c->handle = NULL;
  }
}


static int conn_gc (lua_State *L) {
  conn_release((Conn *)luaL_checkudata(L, 1, CONN_MT));
  return 0;
}


static int conn_close (lua_State *L) {
  conn_release((Conn *)luaL_checkudata(L, 1, CONN_MT));
  lua_pushboolean(L, 1);
  return 1;
}


static int conn_tostring (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  if (c->handle == NULL)
    lua_pushliteral(L, "luamig.Connection (closed)");
  else
    lua_pushfstring(L, "luamig.Connection (%s, %p)", c->drv->name, (void *)c);
  return 1;
}


/* A one-shot statement for conn:execute/query/first. prepare_call checks
** the arguments (conn, sql, values...), converts the values, then pushes a
** statement as a to-be-closed slot (closed however the call ends) and
** prepares sql into it; returns the driver's result. */
typedef struct Call {
  Conn *conn;
  Stmt *stmt;
  int si;           /* stack index of the statement */
  int n;            /* number of values */
  lm_value *vals;
  lm_value small[NSMALL];
} Call;

static int prepare_call (lua_State *L, Call *call, lm_error *err) {
  size_t len;
  const char *sql;
  int rc;
  call->conn = check_conn(L);
  sql = check_sql(L, 2, &len);
  call->n = lua_gettop(L) - 2;
  call->vals = check_params(L, 3, call->n, call->small);
  call->stmt = new_stmt(L, 1);
  call->si = lua_gettop(L);
  lua_toclose(L, call->si);
  rc = stmt_prepare(call->conn, call->stmt, sql, len, err);
  return check_misuse(L, rc, err);
}


static int conn_execute (lua_State *L) {
  lm_error err;
  int64_t affected = 0;
  int rc;
  if (lua_gettop(L) <= 2) {  /* no values: a script */
    Conn *c = check_conn(L);
    size_t len;
    const char *sql = check_sql(L, 2, &len);
    rc = check_misuse(L, c->drv->exec_script(c->handle, sql, len, &affected,
                                             &err), &err);
  }
  else {
    Call call;
    rc = prepare_call(L, &call, &err);
    if (rc == LM_OK) {
      rc = stmt_run(L, call.si, call.stmt, call.n, call.vals, 1,
                    &affected, &err);
      stmt_release(call.stmt);
    }
  }
  if (rc != LM_OK) return push_failure(L, &err);
  lua_pushinteger(L, (lua_Integer)affected);
  return 1;
}


static int conn_query (lua_State *L) {
  lm_error err;
  int64_t affected;
  Call call;
  int rc = prepare_call(L, &call, &err);
  if (rc == LM_OK)
    rc = stmt_run(L, call.si, call.stmt, call.n, call.vals, 1, &affected,
                  &err);
  if (rc == LM_OK)
    rc = collect_rows(L, call.stmt, &err);
  stmt_release(call.stmt);
  if (rc != LM_OK) return push_failure(L, &err);
  return 2;
}


static int conn_first (lua_State *L) {
  lm_error err;
  int64_t affected;
  Call call;
  int rc = prepare_call(L, &call, &err);
  if (rc == LM_OK)
    rc = stmt_run(L, call.si, call.stmt, call.n, call.vals, 1, &affected,
                  &err);
  if (rc == LM_OK)
    rc = first_row(L, call.stmt, &err);
  stmt_release(call.stmt);
  if (rc != LM_OK) return push_failure(L, &err);
  return 1;
}


/* conn:rows(sql, ...): the cursor must outlive this call, so it is not a
** to-be-closed slot here; every failure closes the statement before
** raising. */
static int conn_rows (lua_State *L) {
  lm_value small[NSMALL];
  lm_error err;
  int64_t affected;
  Conn *c = check_conn(L);
  size_t len;
  const char *sql = check_sql(L, 2, &len);
  int n = lua_gettop(L) - 2;
  lm_value *vals = check_params(L, 3, n, small);
  Cursor *k;
  Stmt *s;
  int si, rc;
  s = new_stmt(L, 1);
  si = lua_gettop(L);
  k = new_cursor(L, si);
  rc = stmt_prepare(c, s, sql, len, &err);
  if (rc == LM_OK)
    rc = stmt_run(L, si, s, n, vals, 1, &affected, &err);
  if (rc != LM_OK) {
    stmt_release(s);
    return luaL_error(L, "%s", err.message);
  }
  return push_iteration(L, k, s, 1);
}


static int conn_prepare (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  size_t len;
  const char *sql = check_sql(L, 2, &len);
  Stmt *s = new_stmt(L, 1);
  int rc = check_misuse(L, stmt_prepare(c, s, sql, len, &err), &err);
  if (rc != LM_OK) return push_failure(L, &err);
  return 1;
}


static int push_status (lua_State *L, int rc, const lm_error *err) {
  if (check_misuse(L, rc, err) != LM_OK) return push_failure(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int conn_begin (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  return push_status(L, c->drv->begin(c->handle, &err), &err);
}

static int conn_commit (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  return push_status(L, c->drv->commit(c->handle, &err), &err);
}

static int conn_rollback (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  return push_status(L, c->drv->rollback(c->handle, &err), &err);
}


static int conn_in_transaction (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushboolean(L, c->drv->in_transaction(c->handle));
  return 1;
}


static int conn_quote_ident (lua_State *L) {
  lm_error err;
  luaL_Buffer b;
  Conn *c = check_conn(L);
  size_t len, outlen = 0;
  const char *name = luaL_checklstring(L, 2, &len);
  char *out;
  int rc;
  luaL_argcheck(L, strlen(name) == len, 2, "identifier contains a zero byte");
  luaL_argcheck(L, len > 0, 2, "identifier is empty");
  out = luaL_buffinitsize(L, &b, LM_QUOTE_SIZE(len));
  rc = c->drv->quote_ident(c->handle, name, len, out, &outlen, &err);
  if (rc != LM_OK) {
    luaL_pushresultsize(&b, 0);
    lua_pop(L, 1);
    return push_failure(L, &err);
  }
  luaL_pushresultsize(&b, outlen);
  return 1;
}


static int conn_server_version (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushstring(L, c->drv->server_version(c->handle));
  return 1;
}


static int conn_driver (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushstring(L, c->drv->name);
  return 1;
}


static int conn_last_insert_id (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushinteger(L, (lua_Integer)c->drv->last_insert_id(c->handle));
  return 1;
}

/* }====================================================== */


/*
** {======================================================
** Statement methods
** =======================================================
*/

static Stmt *check_stmt (lua_State *L) {
  Stmt *s = (Stmt *)luaL_checkudata(L, 1, STMT_MT);
  if (s->handle == NULL)
    luaL_error(L, "attempt to use a closed statement");
  return s;
}


static int stmt_gc (lua_State *L) {
  stmt_release((Stmt *)luaL_checkudata(L, 1, STMT_MT));
  return 0;
}


static int stmt_close (lua_State *L) {
  stmt_release((Stmt *)luaL_checkudata(L, 1, STMT_MT));
  lua_pushboolean(L, 1);
  return 1;
}


static int stmt_tostring (lua_State *L) {
  Stmt *s = (Stmt *)luaL_checkudata(L, 1, STMT_MT);
  if (s->handle == NULL)
    lua_pushliteral(L, "luamig.Statement (closed)");
  else
    lua_pushfstring(L, "luamig.Statement (%p)", (void *)s);
  return 1;
}


/* stmt:execute(...), stmt:query(...), stmt:first(...), stmt:rows(...):
** values from index 2. */
static int stmt_start (lua_State *L, Stmt *s, lm_value *small,
                       int64_t *affected, lm_error *err) {
  int n = lua_gettop(L) - 1;
  lm_value *vals = check_params(L, 2, n, small);
  return stmt_run(L, 1, s, n, vals, 0, affected, err);
}


static int stmt_execute (lua_State *L) {
  lm_value small[NSMALL];
  lm_error err;
  int64_t affected = 0;
  Stmt *s = check_stmt(L);
  int rc = stmt_start(L, s, small, &affected, &err);
  if (rc == LM_OK) s->conn->drv->reset(s->handle);
  if (rc != LM_OK) return push_failure(L, &err);
  lua_pushinteger(L, (lua_Integer)affected);
  return 1;
}


static int stmt_query (lua_State *L) {
  lm_value small[NSMALL];
  lm_error err;
  int64_t affected;
  Stmt *s = check_stmt(L);
  int rc = stmt_start(L, s, small, &affected, &err);
  if (rc == LM_OK) rc = collect_rows(L, s, &err);
  if (rc != LM_OK) return push_failure(L, &err);
  return 2;
}


static int stmt_first (lua_State *L) {
  lm_value small[NSMALL];
  lm_error err;
  int64_t affected;
  Stmt *s = check_stmt(L);
  int rc = stmt_start(L, s, small, &affected, &err);
  if (rc == LM_OK) rc = first_row(L, s, &err);
  if (rc != LM_OK) return push_failure(L, &err);
  return 1;
}


static int stmt_rows (lua_State *L) {
  lm_value small[NSMALL];
  lm_error err;
  int64_t affected;
  Stmt *s = check_stmt(L);
  int n = lua_gettop(L) - 1;
  lm_value *vals = check_params(L, 2, n, small);
  Cursor *k = new_cursor(L, 1);
  if (stmt_run(L, 1, s, n, vals, 0, &affected, &err) != LM_OK)
    return luaL_error(L, "%s", err.message);
  return push_iteration(L, k, s, 0);
}


static int stmt_param_count (lua_State *L) {
  Stmt *s = check_stmt(L);
  lua_pushinteger(L, s->conn->drv->param_count(s->handle));
  return 1;
}

/* }====================================================== */


/*
** {======================================================
** Module functions
** =======================================================
*/

/* driver.connect(name, params) */
static int d_connect (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const struct lm_driver *drv = lm_find_driver(name);
  const char **keys, **values;
  lm_error err;
  void *h = NULL;
  Conn *c;
  int n = 0, anchor, rc;
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  if (drv == NULL) {
    luaL_Buffer b;
    int i;
    lm_error_set(&err, 0, NULL, "%s", "");
    luaL_buffinit(L, &b);
    for (i = 0; lm_drivers[i] != NULL; i++) {
      if (i > 0) luaL_addstring(&b, ", ");
      luaL_addstring(&b, lm_drivers[i]->name);
    }
    luaL_pushresult(&b);
    lua_pushfstring(L, "unknown driver '%s' (this build has: %s)", name,
                    lua_tostring(L, -1));
    lm_error_copy(err.message, sizeof(err.message), lua_tostring(L, -1));
    return push_failure(L, &err);
  }
  lua_pushnil(L);
  while (lua_next(L, 2) != 0) {
    n++;
    lua_pop(L, 1);
  }
  keys = (const char **)lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
  values = (const char **)lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
  lua_newtable(L);  /* anchors values converted from numbers */
  anchor = lua_gettop(L);
  n = 0;
  lua_pushnil(L);
  while (lua_next(L, 2) != 0) {
    size_t len;
    const char *v;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, 2, "parameter names must be strings");
    keys[n] = lua_tostring(L, -2);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, 2, lua_pushfstring(L, "parameter '%s' must be a string",
                                          keys[n]));
    lua_pushvalue(L, -1);
    v = lua_tolstring(L, -1, &len);  /* converts the copy, not the key */
    if (strlen(v) != len)
      luaL_argerror(L, 2, lua_pushfstring(L, "parameter '%s' contains a zero byte",
                                          keys[n]));
    lua_rawseti(L, anchor, n + 1);
    lua_rawgeti(L, anchor, n + 1);
    values[n] = lua_tostring(L, -1);
    lua_pop(L, 2);  /* the anchored copy, the value */
    n++;
  }
  keys[n] = values[n] = NULL;
  c = (Conn *)lua_newuserdatauv(L, sizeof(Conn), 0);
  c->drv = drv;
  c->handle = NULL;
  c->stmts = NULL;
  luaL_setmetatable(L, CONN_MT);
  rc = check_misuse(L, drv->connect(keys, values, &h, &err), &err);
  if (rc != LM_OK) return push_failure(L, &err);
  c->handle = h;
  return 1;
}


static int d_available (lua_State *L) {
  int i;
  lua_newtable(L);
  for (i = 0; lm_drivers[i] != NULL; i++) {
    lua_pushstring(L, lm_drivers[i]->name);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}


/* driver.blob(bytes): a string that binds as a BLOB. */
static int d_blob (lua_State *L) {
  luaL_checktype(L, 1, LUA_TSTRING);
  lua_newuserdatauv(L, 0, 1);
  luaL_setmetatable(L, BLOB_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  return 1;
}


/* tostring(blob) gives the bytes back; #blob is their length. */
static int blob_tostring (lua_State *L) {
  luaL_checkudata(L, 1, BLOB_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}


static int blob_len (lua_State *L) {
  luaL_checkudata(L, 1, BLOB_MT);
  lua_getiuservalue(L, 1, 1);
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}


static int null_tostring (lua_State *L) {
  lua_pushliteral(L, "null");
  return 1;
}

/* }====================================================== */


static const luaL_Reg conn_methods[] = {
  {"execute", conn_execute},
  {"query", conn_query},
  {"first", conn_first},
  {"rows", conn_rows},
  {"prepare", conn_prepare},
  {"begin", conn_begin},
  {"commit", conn_commit},
  {"rollback", conn_rollback},
  {"in_transaction", conn_in_transaction},
  {"quote_ident", conn_quote_ident},
  {"server_version", conn_server_version},
  {"driver", conn_driver},
  {"last_insert_id", conn_last_insert_id},
  {"close", conn_close},
  {NULL, NULL}
};

static const luaL_Reg conn_meta[] = {
  {"__index", NULL},  /* set to conn_methods */
  {"__gc", conn_gc},
  {"__close", conn_gc},
  {"__tostring", conn_tostring},
  {NULL, NULL}
};

static const luaL_Reg stmt_methods[] = {
  {"execute", stmt_execute},
  {"query", stmt_query},
  {"first", stmt_first},
  {"rows", stmt_rows},
  {"param_count", stmt_param_count},
  {"close", stmt_close},
  {NULL, NULL}
};

static const luaL_Reg stmt_meta[] = {
  {"__index", NULL},
  {"__gc", stmt_gc},
  {"__close", stmt_gc},
  {"__tostring", stmt_tostring},
  {NULL, NULL}
};

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

static const luaL_Reg blob_meta[] = {
  {"__tostring", blob_tostring},
  {"__len", blob_len},
  {NULL, NULL}
};

static const luaL_Reg null_meta[] = {
  {"__tostring", null_tostring},
  {NULL, NULL}
};

static const luaL_Reg driver_funcs[] = {
  {"connect", d_connect},
  {"available", d_available},
  {"blob", d_blob},
  {"null", NULL},  /* set below */
  {NULL, NULL}
};


static void create_meta (lua_State *L, const char *name, const luaL_Reg *meta,
                         const luaL_Reg *methods) {
  if (luaL_newmetatable(L, name)) {  /* not made by another copy of us */
    luaL_setfuncs(L, meta, 0);
    if (methods != NULL) {
      lua_newtable(L);
      luaL_setfuncs(L, methods, 0);
      lua_setfield(L, -2, "__index");
    }
  }
  lua_pop(L, 1);
}


LM_EXPORT int luaopen_luamig_driver (lua_State *L) {
  create_meta(L, CONN_MT, conn_meta, conn_methods);
  create_meta(L, STMT_MT, stmt_meta, stmt_methods);
  create_meta(L, CURSOR_MT, cursor_meta, cursor_methods);
  create_meta(L, BLOB_MT, blob_meta, NULL);
  create_meta(L, NULL_MT, null_meta, NULL);
  if (lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    lua_newuserdatauv(L, 0, 0);
    luaL_setmetatable(L, NULL_MT);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, NULL_KEY);
  }
  luaL_newlib(L, driver_funcs);
  lua_rotate(L, -2, 1);  /* the sentinel on top */
  lua_setfield(L, -2, "null");
  return 1;
}
