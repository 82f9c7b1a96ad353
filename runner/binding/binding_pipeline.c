/*
** binding_pipeline.c: pipelined statements (module luamig.driver):
** stmt:queue(level, ...) sends an execute without waiting for its answer
** where the driver can (driver.h's queue and sync; PostgreSQL), and runs
** it at once where it cannot; the answers are read at conn:sync() or,
** whatever comes first, at the next other call on the connection: every
** method of the binding that reaches the driver settles the queue first
** (lmb_settle and its variants), so that no statement, read or commit can
** overtake a queued statement, and a queued statement's failure is told
** by whichever call finds it.
**
** A failure must name the statement: the Lua line that queued it, its SQL
** and its values. Each queued statement is noted in a log, a Lua table
** in the connection's user value, flat so that noting costs no table per
** statement: [statement, function or false, line, n, value 1 .. value n],
** one after the other. The log holds the statements since the last sync,
** at most QUEUE_MAX of them (or QUEUE_BYTES of SQL and values): past
** that, queue syncs by itself. Holding the statement object keeps it
** from the garbage collector while its execute is queued; settling runs
** only in calls made from Lua, never in a finalizer, which may run in the
** middle of another call on the same connection.
**
** The other pending state is an open bulk load (binding_bulk.c: a COPY or
** LOAD DATA left open between two conn:bulk_rows, so that a bulk_insert's
** row function runs while the server loads): settling ends it the same
** way, before any other call, and its failure is told the same way. The
** two are never pending together (each settles the other first). A
** finalizer may end a load (lmb_stmt_release): it never runs inside the
** one call that writes into a load, which allocates nothing meanwhile.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"
#include "binding_statement.h"

#define QUEUE_MAX   1000        /* statements queued between two syncs */
#define QUEUE_BYTES (4 << 20)   /* bytes of SQL and values, likewise */
#define SHOW_SQL    300         /* bytes of a failed statement shown */
#define SHOW_VALUE  60          /* bytes of one text value shown */
#define SHOW_VALUES 20          /* values shown */

#define NULL_KEY   "luamig.null"   /* binding_value.c's sentinel */


/*
** {======================================================
** The log
** =======================================================
*/

/* Push the log of the connection at `ci`, made when it has none. */
static void push_log (lua_State *L, int ci) {
  if (lua_getiuservalue(L, ci, 1) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, 64, 0);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, ci, 1);
  }
}


/* Forget the log's statements (their slots are overwritten later). */
static void clear_log (Conn *c) {
  c->queued = 0;
  c->logtop = 1;
  c->queued_bytes = 0;
}


/* Note the statement at 1 with the `n` values from index 3 (converted:
** `vals`), queued by the Lua function at stack `level`. */
static void note (lua_State *L, int ci, Conn *c, int level, int n,
                  const lm_value *vals) {
  lua_Debug ar;
  int log, i, slot = c->logtop;
  push_log(L, ci);
  log = lua_gettop(L);
  if (lua_getiuservalue(L, 1, 3) == LUA_TSTRING)  /* the SQL */
    c->queued_bytes += lua_rawlen(L, -1);
  lua_pop(L, 1);
  lua_pushvalue(L, 1);
  lua_rawseti(L, log, slot);
  if (level > 0 && lua_getstack(L, level, &ar) && lua_getinfo(L, "fl", &ar)) {
    lua_rawseti(L, log, slot + 1);
    lua_pushinteger(L, ar.currentline);
  }
  else {
    lua_pushboolean(L, 0);
    lua_rawseti(L, log, slot + 1);
    lua_pushinteger(L, -1);
  }
  lua_rawseti(L, log, slot + 2);
  lua_pushinteger(L, n);
  lua_rawseti(L, log, slot + 3);
  for (i = 0; i < n; i++) {
    if (lua_isnil(L, 3 + i)) lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
    else lua_pushvalue(L, 3 + i);
    lua_rawseti(L, log, slot + 4 + i);
    if (vals[i].type == LM_TEXT || vals[i].type == LM_BLOB)
      c->queued_bytes += vals[i].v.s.len;
  }
  lua_pop(L, 1);
  c->logtop = slot + 4 + n;
  c->queued++;
}


/* Drop the last statement noted, `n` values (the driver refused it as
** misuse: it was not queued). */
static void unnote_last (Conn *c, int n) {
  c->logtop -= 4 + n;
  c->queued--;
}


/* Add the value at the top of the stack (a value of the log, which keeps
** strings alive once popped) to `b`, short, and pop it: the buffer wants
** nothing else above it when it grows. */
static void add_value (lua_State *L, luaL_Buffer *b) {
  size_t len, i;
  const char *s;
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      s = lua_tolstring(L, -1, &len);
      lua_pop(L, 1);
      luaL_addchar(b, '\'');
      for (i = 0; i < len && i < SHOW_VALUE; i++) {  /* one line, no zero byte */
        if (s[i] == '\'') luaL_addchar(b, '\'');
        luaL_addchar(b, (unsigned char)s[i] < ' ' ? ' ' : s[i]);
      }
      luaL_addchar(b, '\'');
      if (len > SHOW_VALUE) luaL_addstring(b, "...");
      break;
    case LUA_TBOOLEAN:
      i = (size_t)lua_toboolean(L, -1);
      lua_pop(L, 1);
      luaL_addstring(b, i ? "true" : "false");
      break;
    case LUA_TNUMBER:
      luaL_addvalue(b);  /* converts and pops it */
      break;
    default: {  /* the null sentinel, or a blob (which has a length) */
      int blob = luaL_getmetafield(L, -1, "__len") != LUA_TNIL;
      if (blob) {
        lua_pop(L, 1);
        len = (size_t)luaL_len(L, -1);
      }
      lua_pop(L, 1);
      if (!blob) luaL_addstring(b, "NULL");
      else {
        lua_pushfstring(L, "<blob of %I bytes>", (lua_Integer)len);
        luaL_addvalue(b);
      }
      break;
    }
  }
}


/* Push the message of the failure of log entry `entry` (0-based): where
** it was queued, its SQL and values, then the database's message. */
static void push_message (lua_State *L, int ci, Conn *c, int entry,
                          const lm_error *err) {
  luaL_Buffer b;
  lua_Debug ar;
  int log, slot = 1, k, n, line;
  size_t len;
  const char *sql;
  if (entry == LMB_LOAD_FAILED) {
    lua_pushfstring(L, "bulk load failed: %s", err->message);
    return;
  }
  if (entry >= c->queued) entry = c->queued - 1;
  if (entry < 0) {  /* no note: cannot happen, but say something */
    lua_pushfstring(L, "queued statement failed: %s", err->message);
    return;
  }
  push_log(L, ci);
  log = lua_gettop(L);
  for (k = 0; k < entry; k++) {
    lua_rawgeti(L, log, slot + 3);
    slot += 4 + (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  luaL_buffinit(L, &b);
  lua_rawgeti(L, log, slot + 2);
  line = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (lua_rawgeti(L, log, slot + 1) == LUA_TFUNCTION &&
      lua_getinfo(L, ">S", &ar)) {  /* pops the function */
    luaL_addstring(&b, "statement queued at ");
    luaL_addstring(&b, ar.source[0] == '@' ? ar.source + 1 : ar.short_src);
    lua_pushfstring(L, ":%d", line);
    luaL_addvalue(&b);
    luaL_addstring(&b, " failed: ");
  }
  else {  /* queued at level 0: no line of the caller's to name */
    lua_pop(L, 1);
    luaL_addstring(&b, "queued statement failed: ");
  }
  lua_rawgeti(L, log, slot);  /* the statement, whose third user value is its SQL */
  lua_getiuservalue(L, -1, 3);
  sql = lua_tolstring(L, -1, &len);  /* kept alive by the statement */
  lua_pop(L, 2);
  if (sql == NULL) sql = "?", len = 1;
  luaL_addlstring(&b, sql, len > SHOW_SQL ? SHOW_SQL : len);
  if (len > SHOW_SQL) luaL_addstring(&b, "...");
  lua_rawgeti(L, log, slot + 3);
  n = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (n > 0) {
    luaL_addstring(&b, " with parameters (");
    for (k = 0; k < n && k < SHOW_VALUES; k++) {
      if (k > 0) luaL_addstring(&b, ", ");
      lua_rawgeti(L, log, slot + 4 + k);
      add_value(L, &b);
    }
    if (n > SHOW_VALUES) luaL_addstring(&b, ", ...");
    luaL_addchar(&b, ')');
  }
  luaL_addstring(&b, ": ");
  luaL_addstring(&b, err->message[0] != '\0' ? err->message : "unknown error");
  luaL_pushresult(&b);
  lua_remove(L, log);
}

/* }====================================================== */


/*
** {======================================================
** Settling
** =======================================================
*/

/* Sync the driver's queue without Lua (a statement closing, the guard, a
** connection closing): a failure is kept for the next call to tell. */
void lmb_settle_quiet (Conn *c) {
  int64_t affected = 0, failed = 0;
  if (c->load != NULL) {  /* then nothing is queued */
    lm_error err;
    unsigned int warnings = c->load_warnings;
    int rc = lmb_load_end(c, 0, &err);
    /* MySQL's warnings (a value that did not fit, a duplicate key) are
    ** failures of a bulk insert, read with SHOW WARNINGS after the load:
    ** the call settling it now would replace them */
    if (rc == LM_OK && c->load_warnings > warnings)
      rc = lm_error_set(&err, 0, NULL, "the server gave %u warnings "
                        "(a value that did not fit, a duplicate key...)",
                        c->load_warnings - warnings);
    if (rc != LM_OK && !c->failed) {
      c->failed = 1;
      c->failed_entry = LMB_LOAD_FAILED;
      c->failure = err;
      c->affected = 0;
    }
    return;
  }
  if (c->queued == 0 || c->failed || c->handle == NULL) return;
  if (c->drv->sync == NULL) {  /* nothing waits: the fallback ran them */
    clear_log(c);
    return;
  }
  lm_error_clear(&c->failure);
  if (c->drv->sync(c->handle, &affected, &failed, &c->failure) != LM_OK) {
    c->failed = 1;
    c->failed_entry = (int)failed;
    c->affected = 0;
    return;
  }
  c->affected += affected;
  clear_log(c);
}


/* Sync and forget any failure: the caller undoes the statements anyway
** (rollback), or cannot tell anyone (close). */
void lmb_settle_drop (Conn *c) {
  if (c->load != NULL) {  /* given up, not ended: its rows are undone */
    lm_error err;
    lmb_load_end(c, 1, &err);
  }
  lmb_settle_quiet(c);
  c->load_rows = 0;
  c->load_warnings = 0;
  c->failed = 0;
  c->affected = 0;
  clear_log(c);
}


/* Settle the queue of the connection at `ci`: LM_OK, or LM_ERROR with err
** the failing statement's error and the message that names it pushed. */
int lmb_settle (lua_State *L, int ci, lm_error *err) {
  Conn *c = (Conn *)lua_touserdata(L, ci);
  lmb_settle_quiet(c);
  if (!c->failed) return LM_OK;
  *err = c->failure;
  push_message(L, ci, c, c->failed_entry, err);
  c->failed = 0;
  c->affected = 0;
  clear_log(c);
  lua_pushnil(L);  /* a new log: the old one holds the values */
  lua_setiuservalue(L, ci, 1);
  return LM_ERROR;
}


/* With the message on top: nil, message, info (the database's, `queued`
** true). */
int lmb_push_settle_failure (lua_State *L, const lm_error *err) {
  int msg = lua_gettop(L);
  lmb_push_failure(L, err);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "queued");
  lua_pushvalue(L, msg);
  lua_replace(L, -3);
  return 3;
}


/* For a call that returns nil, msg, info: 0 when the connection at `ci` is
** settled, else the number of failure values pushed. */
int lmb_settle_or_fail (lua_State *L, int ci) {
  lm_error err;
  Conn *c = (Conn *)lua_touserdata(L, ci);
  if (LMB_SETTLED(c)) return 0;
  if (lmb_settle(L, ci, &err) == LM_OK) return 0;
  return lmb_push_settle_failure(L, &err);
}


/* conn:commit() with statements queued, where the driver can send the
** COMMIT after them (sync_commit): one round trip for both. Returns what
** conn:commit returns: true and the rows the queued statements changed;
** or nil, msg, info, the failing statement named as at a sync
** (info.queued true), or the COMMIT's own failure. */
int lmb_commit_queued (lua_State *L, int ci) {
  lm_error err;
  int64_t affected = 0, failed = 0;
  Conn *c = (Conn *)lua_touserdata(L, ci);
  int rc;
  lm_error_clear(&err);
  rc = c->drv->sync_commit(c->handle, &affected, &failed, &err);
  affected += c->affected;  /* and those of a settle on the way (QUEUE_MAX) */
  c->affected = 0;
  if (rc != LM_OK && failed >= 0) {  /* a queued statement's: told as a sync tells it */
    c->failed = 1;
    c->failed_entry = (int)failed;
    c->failure = err;
    return lmb_settle_or_fail(L, ci);
  }
  clear_log(c);  /* the statements ran */
  if (rc == LM_OK) {
    lua_pushboolean(L, 1);
    lua_pushinteger(L, (lua_Integer)affected);
    return 2;
  }
  lmb_check_misuse(L, rc, &err);  /* a misuse raises, as at commit */
  return lmb_push_failure(L, &err);
}


/* For a call that raises (rows). */
void lmb_settle_or_raise (lua_State *L, int ci) {
  lm_error err;
  Conn *c = (Conn *)lua_touserdata(L, ci);
  if (LMB_SETTLED(c)) return;
  if (lmb_settle(L, ci, &err) != LM_OK) lua_error(L);
}

/* }====================================================== */


/*
** {======================================================
** stmt:queue
** =======================================================
*/

/* Without the driver's queue: run it now (the failure is this
** statement's), refusing one that returns rows. */
static int run_now (Conn *c, Stmt *s, int n, const lm_value *vals,
                    lm_error *err) {
  int64_t affected = 0;
  int rc = c->drv->execute(s->handle, n, vals, &affected, err);
  if (rc == LM_OK && c->drv->column_count(s->handle) > 0)
    rc = lm_error_set(err, 0, NULL, "%s", LM_QUEUE_ROWS);
  c->drv->reset(s->handle);
  if (rc == LM_OK) {
    c->affected += affected;
    clear_log(c);
  }
  return rc;
}


/* stmt:queue(level, ...) -> true | nil, msg, info: queue an execute of the
** statement with the values; `level` is the stack level (as error()'s) of
** the Lua line a failure names, 0 for none (luamig's own bookkeeping,
** whose lines mean nothing to a user). Misuse raises (the statement is
** not queued). */
int lmb_stmt_queue (lua_State *L) {
  lm_value small[LMB_NSMALL], *vals;
  lm_error err;
  Stmt *s = lmb_check_stmt(L);
  Conn *c = s->conn;
  int level = (int)luaL_checkinteger(L, 2);
  int n = lua_gettop(L) - 2, np, ci, rc;
  vals = lmb_check_params(L, 3, n, small);
  np = c->drv->param_count(s->handle);
  if (n != np)
    return luaL_error(L, "statement has %d parameters, %d values given", np, n);
  lua_getiuservalue(L, 1, 1);  /* the connection */
  ci = lua_gettop(L);
  if (c->failed && lmb_settle(L, ci, &err) != LM_OK)  /* an earlier failure */
    return lmb_push_settle_failure(L, &err);
  note(L, ci, c, level, n, vals);
  s->cursor = NULL;  /* a cursor on the previous result is over */
  c->drv->reset(s->handle);
  if (c->drv->queue == NULL) rc = run_now(c, s, n, vals, &err);
  else rc = c->drv->queue(s->handle, n, vals, &err);
  if (rc == LM_MISUSE) {
    unnote_last(c, n);
    return lmb_check_misuse(L, rc, &err);
  }
  if (rc != LM_OK) {
    /* The statements queued before it come first: a failure among them
    ** is the one to tell; else this statement's. */
    if (c->queued > 1 && c->drv->sync != NULL) {
      lm_error earlier;
      int64_t affected = 0, failed = 0;
      lm_error_clear(&earlier);
      if (c->drv->sync(c->handle, &affected, &failed, &earlier) != LM_OK) {
        err = earlier;
        c->failed_entry = (int)failed;
      }
      else
        c->failed_entry = c->queued - 1;
    }
    else
      c->failed_entry = c->queued - 1;
    c->failed = 1;
    c->failure = err;
    if (lmb_settle(L, ci, &err) != LM_OK) return lmb_push_settle_failure(L, &err);
  }
  if (c->queued >= QUEUE_MAX || c->queued_bytes >= QUEUE_BYTES) {
    int nr = lmb_settle_or_fail(L, ci);
    if (nr > 0) return nr;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* }====================================================== */
