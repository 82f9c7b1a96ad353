/*
** binding_connection.c: the Connection object of the binding (module
** luamig.driver): its methods, conn:execute to conn:close, over the
** driver's connection. driver.connect (binding.c) makes it; the API is in
** docs/internals.md, the objects and their lifetimes in binding.h.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"
#include "drivers/driver.h"
#include "modules/interrupt.h"


static const char *check_sql (lua_State *L, int idx, size_t *len) {
  const char *sql = luaL_checklstring(L, idx, len);
  luaL_argcheck(L, strlen(sql) == *len, idx, "SQL contains a zero byte");
  return sql;
}


/*
** {======================================================
** Connection methods
** =======================================================
*/

static int conn_is_open (void *obj) {
  return ((Conn *)obj)->handle != NULL;
}


/* Close the connection and, first, its open statements; statements
** still queued are synced (outside a transaction they would have run
** through execute), a failure told to no one. */
static void conn_release (void *obj) {
  Conn *c = (Conn *)obj;
  if (c->handle != NULL) {
    lmb_settle_drop(c);
    while (c->stmts != NULL)
      lmb_stmt_release(c->stmts);
    lm_interrupt_unwatch(c->handle);
    c->drv->close(c->handle);
    c->handle = NULL;
  }
}


static const char *conn_tag (void *obj) {
  return ((Conn *)obj)->drv->name;
}


static const lmb_kind conn_kind = {
  CONN_MT, "connection", conn_is_open, conn_release, conn_tag
};


static Conn *check_conn (lua_State *L) {
  return (Conn *)lmb_check_open(L, &conn_kind);
}


/* The methods that reach the driver settle the queue of statements
** (binding_pipeline.c) before anything else, so that nothing overtakes a
** queued statement: SETTLE_OR_FAIL in those that return nil, msg, info on
** a failure (the failure of a queued statement, named), SETTLE_OR_RAISE in
** those that raise. */
#define SETTLE_OR_FAIL(L, c) \
  do { if (!LMB_SETTLED(c)) { int nr_ = lmb_settle_or_fail(L, 1); \
                              if (nr_ > 0) return nr_; } } while (0)
#define SETTLE_OR_RAISE(L, c) \
  do { if (!LMB_SETTLED(c)) lmb_settle_or_raise(L, 1); } while (0)


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
  lm_value small[LMB_NSMALL];
} Call;

static int prepare_call (lua_State *L, Call *call, lm_error *err) {
  size_t len;
  const char *sql;
  int rc;
  call->conn = check_conn(L);
  if (!LMB_SETTLED(call->conn) && lmb_settle(L, 1, err) != LM_OK) {
    call->stmt = NULL;
    return LM_ERROR;  /* the message is on the stack's top */
  }
  sql = check_sql(L, 2, &len);
  call->n = lua_gettop(L) - 2;
  call->vals = lmb_check_params(L, 3, call->n, call->small);
  call->stmt = lmb_new_stmt(L, 1);
  call->si = lua_gettop(L);
  lua_toclose(L, call->si);
  rc = lmb_stmt_prepare(call->conn, call->stmt, sql, len, err);
  return lmb_check_misuse(L, rc, err);
}


static int conn_execute (lua_State *L) {
  lm_error err;
  int64_t affected = 0;
  int rc;
  if (lua_gettop(L) <= 2) {  /* no values: a script */
    Conn *c = check_conn(L);
    size_t len;
    const char *sql;
    SETTLE_OR_FAIL(L, c);
    sql = check_sql(L, 2, &len);
    rc = lmb_check_misuse(L, c->drv->exec_script(c->handle, sql, len,
                                                 &affected, &err), &err);
  }
  else {
    Call call;
    rc = prepare_call(L, &call, &err);
    if (rc == LM_OK) {
      rc = lmb_stmt_run(L, call.si, call.stmt, call.n, call.vals, 1,
                        &affected, &err);
      lmb_stmt_release(call.stmt);
    }
    else if (call.stmt == NULL)
      return lmb_push_settle_failure(L, &err);
  }
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  lua_pushinteger(L, (lua_Integer)affected);
  return 1;
}


/* conn:query and conn:first: run the one-shot statement and read its
** result with `read`, which pushes the `nresults` results. */
static int conn_read (lua_State *L, lmb_reader read, int nresults) {
  lm_error err;
  Call call;
  if (prepare_call(L, &call, &err) != LM_OK) {
    if (call.stmt == NULL) return lmb_push_settle_failure(L, &err);
    lmb_stmt_release(call.stmt);
    return lmb_push_failure(L, &err);
  }
  nresults = lmb_stmt_read(L, call.si, call.stmt, call.n, call.vals, 1,
                           read, nresults);
  lmb_stmt_release(call.stmt);
  return nresults;
}


static int conn_query (lua_State *L) {
  return conn_read(L, lmb_collect_rows, 2);  /* rows, column names */
}


static int conn_first (lua_State *L) {
  return conn_read(L, lmb_first_row, 1);
}


/* conn:rows(sql, ...): the cursor must outlive this call, so it is not a
** to-be-closed slot here; every failure closes the statement before
** raising. */
static int conn_rows (lua_State *L) {
  lm_value small[LMB_NSMALL];
  lm_error err;
  int64_t affected;
  Conn *c = check_conn(L);
  size_t len;
  const char *sql = check_sql(L, 2, &len);
  int n = lua_gettop(L) - 2;
  lm_value *vals = lmb_check_params(L, 3, n, small);
  Cursor *k;
  Stmt *s;
  int si, rc;
  SETTLE_OR_RAISE(L, c);
  s = lmb_new_stmt(L, 1);
  si = lua_gettop(L);
  k = lmb_new_cursor(L, si);
  rc = lmb_stmt_prepare(c, s, sql, len, &err);
  if (rc == LM_OK) rc = lmb_stmt_stream(s, &err);
  if (rc == LM_OK)
    rc = lmb_stmt_run(L, si, s, n, vals, 1, &affected, &err);
  if (rc != LM_OK) {
    lmb_stmt_release(s);
    return luaL_error(L, "%s", err.message);
  }
  return lmb_push_iteration(L, k, s, 1);
}


static int conn_prepare (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  size_t len;
  const char *sql = check_sql(L, 2, &len);
  Stmt *s;
  int rc;
  SETTLE_OR_FAIL(L, c);
  s = lmb_new_stmt(L, 1);
  rc = lmb_check_misuse(L, lmb_stmt_prepare(c, s, sql, len, &err), &err);
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  lua_pushvalue(L, 2);  /* the SQL, for a queued execute's failure */
  lua_setiuservalue(L, -2, 3);
  return 1;
}


/* conn:sync() -> the rows changed by the statements queued (stmt:queue)
** since the last sync | nil, msg, info: the failure of one of them,
** named (binding_pipeline.c). */
static int conn_sync (lua_State *L) {
  Conn *c = check_conn(L);
  SETTLE_OR_FAIL(L, c);
  lua_pushnil(L);  /* a new log next time: the old one holds the last values */
  lua_setiuservalue(L, 1, 1);
  lua_pushinteger(L, (lua_Integer)c->affected);
  c->affected = 0;
  return 1;
}


static int push_status (lua_State *L, int rc, const lm_error *err) {
  if (lmb_check_misuse(L, rc, err) != LM_OK) return lmb_push_failure(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int conn_begin (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  SETTLE_OR_FAIL(L, c);
  return push_status(L, c->drv->begin(c->handle, &err), &err);
}

/* conn:commit() -> true and the rows changed by the statements queued
** since the last sync (as sync counts them) | nil, msg, info. Statements
** queued go with the COMMIT where the driver can send them together
** (sync_commit). */
static int conn_commit (lua_State *L) {
  lm_error err;
  int64_t affected;
  int rc;
  Conn *c = check_conn(L);
  if (c->queued > 0 && !c->failed && c->load == NULL && c->drv->sync_commit != NULL)
    return lmb_commit_queued(L, 1);
  SETTLE_OR_FAIL(L, c);
  affected = c->affected;
  c->affected = 0;
  rc = c->drv->commit(c->handle, &err);
  if (lmb_check_misuse(L, rc, &err) != LM_OK) return lmb_push_failure(L, &err);
  lua_pushboolean(L, 1);
  lua_pushinteger(L, (lua_Integer)affected);
  return 2;
}

/* The rollback undoes the queued statements: a failure among them is
** no longer anyone's. */
static int conn_rollback (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  lmb_settle_drop(c);
  return push_status(L, c->drv->rollback(c->handle, &err), &err);
}


/* During a bulk load the state it began in (no load ends a
** transaction), without asking the driver: the load may have the
** connection on a thread, and this is asked between two of its pieces
** (a journal's note). */
static int conn_in_transaction (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushboolean(L, c->load != NULL ? lmb_load_in_transaction(c)
                                     : c->drv->in_transaction(c->handle));
  return 1;
}


/* conn:quiet() -> true when the connection is up and the server has sent
** nothing since its last answer, known without a round trip (driver.h's
** quiet); false when only a statement can tell, or while statements or a
** bulk load wait to be settled. */
static int conn_quiet (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushboolean(L, LMB_SETTLED(c) && c->drv->quiet != NULL && c->drv->quiet(c->handle));
  return 1;
}


/* conn:guard_transactions(on) -> the guard before (boolean), and when the
** guarded transaction was found ended by a statement (driver.h), the
** message that said so and whether the database rolled it back itself
** (boolean); turning the guard on or off forgets it. */
static int conn_guard_transactions (lua_State *L) {
  lm_error err;
  Conn *c = check_conn(L);
  int on, before, rolled_back;
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  on = lua_toboolean(L, 2);
  if (c->drv->guard == NULL)
    return luaL_error(L, "the %s driver cannot guard transactions", c->drv->name);
  /* the queued statements ran under the guard as it was (a failure is
  ** told by the next call) */
  lmb_settle_quiet(c);
  before = c->drv->guard(c->handle, on, &rolled_back, &err);
  lua_pushboolean(L, before);
  if (err.message[0] == '\0') return 1;
  lua_pushstring(L, err.message);
  lua_pushboolean(L, rolled_back);
  return 3;
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
    return lmb_push_failure(L, &err);
  }
  luaL_pushresultsize(&b, outlen);
  return 1;
}


static int conn_server_version (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushstring(L, c->drv->server_version(c->handle));
  return 1;
}


/* conn:decimals([mode]) -> the mode before: "string" (the default) or
** "number", how DECIMAL/NUMERIC values of the statements prepared from now
** on (conn:query's, first's and rows' own included) come back. A
** statement keeps the mode it was prepared with. */
static int conn_decimals (lua_State *L) {
  static const char *const modes[] = { "string", "number", NULL };
  Conn *c = check_conn(L);
  int before = c->decimal_numbers;
  if (!lua_isnoneornil(L, 2)) c->decimal_numbers = luaL_checkoption(L, 2, NULL, modes);
  lua_pushstring(L, modes[before]);
  return 1;
}


static int conn_driver (lua_State *L) {
  Conn *c = check_conn(L);
  lua_pushstring(L, c->drv->name);
  return 1;
}


static int conn_last_insert_id (lua_State *L) {
  Conn *c = check_conn(L);
  lmb_settle_quiet(c);  /* a queued INSERT's id; a failure is the next call's */
  lua_pushinteger(L, (lua_Integer)c->drv->last_insert_id(c->handle));
  return 1;
}


/* conn:notices() -> the messages the server sent since the last call
** (oldest first), as an array of strings; the driver forgets them. */
static int conn_notices (lua_State *L) {
  Conn *c = check_conn(L);
  const char *msg;
  lua_Integer n = 0;
  lua_newtable(L);
  if (c->drv->next_notice == NULL) return 1;
  lmb_settle_quiet(c);  /* a load's notices too; a failure is the next call's */
  while ((msg = c->drv->next_notice(c->handle)) != NULL) {
    lua_pushstring(L, msg);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}


/* conn:heartbeat(sql, seconds) -> true | nil, err: run sql every `seconds`
** on the driver's second connection (driver.h); conn:heartbeat(nil) stops
** it -> true, or nil, err when a run failed or changed no row. A driver
** without heartbeats raises. */
static int conn_heartbeat (lua_State *L) {
  Conn *c = check_conn(L);
  const char *sql = NULL;
  size_t len = 0;
  double interval = 0;
  lm_error err;
  if (c->drv->heartbeat == NULL)
    return luaL_error(L, "the %s driver has no heartbeat", c->drv->name);
  SETTLE_OR_FAIL(L, c);
  if (!lua_isnoneornil(L, 2)) {
    sql = check_sql(L, 2, &len);
    interval = luaL_checknumber(L, 3);
  }
  lm_error_clear(&err);
  if (lmb_check_misuse(L, c->drv->heartbeat(c->handle, sql, len, interval,
                                            &err), &err) != LM_OK)
    return lmb_push_failure(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* conn:prefetch({sql, ...}) -> true: a hint (driver.h's prefetch) that
** these reads come next, in this order, so that the server may run them
** while the caller works; conn:query of each then reads its answer.
** Where the driver cannot, nothing is sent. */
static int conn_prefetch (lua_State *L) {
  Conn *c = check_conn(L);
  const char *sqls[LMB_PREFETCH_MAX];
  size_t lens[LMB_PREFETCH_MAX];
  int n, i;
  lm_error err;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = (int)luaL_len(L, 2);
  luaL_argcheck(L, n <= LMB_PREFETCH_MAX, 2, "too many queries to prefetch");
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, i + 1);  /* the table keeps the string alive */
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_argerror(L, 2, "a list of SQL strings expected");
    sqls[i] = lua_tolstring(L, -1, &lens[i]);
    lua_pop(L, 1);
  }
  SETTLE_OR_FAIL(L, c);
  lm_error_clear(&err);
  if (c->drv->prefetch != NULL && n > 0 &&
      lmb_check_misuse(L, c->drv->prefetch(c->handle, n, sqls, lens, &err), &err) != LM_OK)
    return lmb_push_failure(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* conn:bulk_rows, conn:bulk_end, conn:copy_rows and conn:load_rows
** (binding_bulk.c) settle what they must themselves: bulk_rows goes on
** with the load it left open. */
static int conn_bulk_rows (lua_State *L) {
  check_conn(L);
  return lmb_conn_bulk_rows(L);
}

static int conn_bulk_end (lua_State *L) {
  check_conn(L);
  return lmb_conn_bulk_end(L);
}

static int conn_copy_rows (lua_State *L) {
  SETTLE_OR_FAIL(L, check_conn(L));
  return lmb_conn_copy_rows(L);
}

static int conn_load_rows (lua_State *L) {
  SETTLE_OR_FAIL(L, check_conn(L));
  return lmb_conn_load_rows(L);
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
  {"quiet", conn_quiet},
  {"guard_transactions", conn_guard_transactions},
  {"copy_rows", conn_copy_rows},
  {"load_rows", conn_load_rows},
  {"bulk_rows", conn_bulk_rows},
  {"bulk_end", conn_bulk_end},
  {"sync", conn_sync},
  {"quote_ident", conn_quote_ident},
  {"server_version", conn_server_version},
  {"driver", conn_driver},
  {"decimals", conn_decimals},
  {"last_insert_id", conn_last_insert_id},
  {"notices", conn_notices},
  {"heartbeat", conn_heartbeat},
  {"prefetch", conn_prefetch},
  {"close", lmb_close},
  {NULL, NULL}
};


/* Register the Connection metatable. */
void lmb_open_connections (lua_State *L) {
  lmb_create_kind(L, &conn_kind, conn_methods);
}
