/*
** binding_bulk.c: bulk_insert's fast paths (module luamig.driver), the
** rows written in C straight into the loader's text: PostgreSQL's COPY
** FROM STDIN (driver.h's copy_*), MySQL's LOAD DATA LOCAL INFILE
** (load_data, run on a thread: binding_bulk_feed.c), or, for SQLite, as
** typed values (LM_ROW_*) that the driver's insert_rows binds to its
** INSERT, run on such a thread too. A million rows never exist as one
** string and no Lua code runs per value.
**
**   conn:bulk_rows(sql, columns, rows [, first, last [, base]])
**       -> true | nil, msg, info
**   conn:bulk_end([abort]) -> rows, warnings | nil, msg, info
**   conn:copy_rows(sql, columns, rows [, first, last]) -> rows
**   conn:load_rows(sql, columns, rows [, first, last]) -> rows, warnings
**
** bulk_rows writes rows[first..last] (tables keyed by the names in
** `columns`) into the load of `sql`, and leaves the load open: the next
** bulk_rows with the same sql goes on with it, so that a stream of rows
** (a bulk_insert's row function, asked between two calls) is one load,
** and the server stores rows while the client makes the next ones. Any
** other call on the connection ends the load first (it is a pending state
** that settling finishes, like queued statements: binding_pipeline.c);
** bulk_end ends it and tells the rows loaded (and MySQL's warnings) by the
** loads ended since the last bulk_end, or with `abort` gives it up.
** copy_rows and load_rows are one bulk_rows and its bulk_end.
**
** A value the loader cannot take gives the load up and raises, naming the
** row (base + its index) and the column; a row that SQLite's INSERT
** refuses fails the load with its number in the message.
*/

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"

#define BULK_CHUNK 65536   /* bytes handed to the driver at a time */

enum { FORMAT_COPY, FORMAT_LOAD, FORMAT_ROWS };

struct lmb_load {
  int format;
  int in_transaction;   /* the state it began in */
  char *sql;
  size_t sql_len;
  char *buf;            /* BULK_CHUNK bytes, `len` of them written */
  size_t len;
  int failed;           /* sending failed: ending the load tells why */
  lm_error err;         /* COPY's reason */
  lmb_feed *feed;       /* LOAD DATA's or insert_rows' thread */
  lua_Integer first_row;  /* the number of its first row, for messages */
};


/*
** {======================================================
** Writing
** =======================================================
*/

static void flush (Conn *c, lmb_load *ld) {
  if (ld->len > 0 && !ld->failed) {
    if (ld->format == FORMAT_COPY) {
      if (c->drv->copy_data(c->handle, ld->buf, ld->len, &ld->err) != LM_OK)
        ld->failed = 1;
    }
    else if (lmb_feed_push(ld->feed, &ld->buf, ld->len) != LM_OK)
      ld->failed = 1;
  }
  ld->len = 0;
}

/* Room for `n` more bytes (n <= BULK_CHUNK). */
#define ROOM(c, ld, n) \
  do { if (BULK_CHUNK - (ld)->len < (n)) flush(c, ld); } while (0)

static void put (Conn *c, lmb_load *ld, const char *s, size_t n) {
  while (n > 0) {
    size_t room = BULK_CHUNK - ld->len, take = n < room ? n : room;
    memcpy(ld->buf + ld->len, s, take);
    ld->len += take;
    s += take;
    n -= take;
    if (ld->len == BULK_CHUNK) flush(c, ld);
  }
}

/* Bytes with the formats' escapes: backslash, and the tab, newline and
** carriage return that would end a field or a row; LOAD DATA also wants
** the zero byte escaped. */
static void put_text (Conn *c, lmb_load *ld, const char *s, size_t n) {
  size_t i, start = 0;
  int load = ld->format == FORMAT_LOAD;
  for (i = 0; i < n; i++) {
    const char *esc;
    switch (s[i]) {
      case '\\': esc = "\\\\"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\0': if (load) { esc = "\\0"; break; } continue;
      default: continue;
    }
    put(c, ld, s + start, i - start);
    put(c, ld, esc, 2);
    start = i + 1;
  }
  put(c, ld, s + start, n - start);
}

/* bytea's hex input, its backslash escaped for COPY */
static void put_hex (Conn *c, lmb_load *ld, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i;
  put(c, ld, "\\\\x", 3);
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    ROOM(c, ld, 2);
    ld->buf[ld->len++] = hex[ch >> 4];
    ld->buf[ld->len++] = hex[ch & 15];
  }
}

/* A tag and `n` bytes of insert_rows' format. */
static void put_typed (Conn *c, lmb_load *ld, char tag, const void *p, size_t n) {
  ROOM(c, ld, 1);
  ld->buf[ld->len++] = tag;
  put(c, ld, (const char *)p, n);
}

/* The value at the top of the stack in insert_rows' format; NULL, or why
** it cannot be written. */
static const char *put_row_value (lua_State *L, Conn *c, lmb_load *ld) {
  lm_value v;
  uint64_t n;
  if (!lmb_to_value(L, -1, &v)) return luaL_typename(L, -1);
  switch (v.type) {
    case LM_INTEGER: put_typed(c, ld, LM_ROW_INTEGER, &v.v.i, 8); break;
    case LM_FLOAT: put_typed(c, ld, LM_ROW_FLOAT, &v.v.f, 8); break;
    case LM_BOOL: put_typed(c, ld, v.v.b ? LM_ROW_TRUE : LM_ROW_FALSE, NULL, 0); break;
    case LM_TEXT: case LM_BLOB:
      n = (uint64_t)v.v.s.len;
      put_typed(c, ld, v.type == LM_TEXT ? LM_ROW_TEXT : LM_ROW_BLOB, &n, 8);
      put(c, ld, v.v.s.ptr, v.v.s.len);
      break;
    default: put_typed(c, ld, LM_ROW_NULL, NULL, 0); break;
  }
  return NULL;
}

/* The value at the top of the stack; NULL, or why it cannot be written. */
static const char *put_value (lua_State *L, Conn *c, lmb_load *ld) {
  int copy = ld->format == FORMAT_COPY;
  lm_value v;
  if (ld->format == FORMAT_ROWS) return put_row_value(L, c, ld);
  switch (lua_type(L, -1)) {
    case LUA_TNIL: put(c, ld, "\\N", 2); return NULL;
    case LUA_TBOOLEAN:
      put(c, ld, lua_toboolean(L, -1) ? (copy ? "t" : "1") : (copy ? "f" : "0"), 1);
      return NULL;
    case LUA_TNUMBER:
      ROOM(c, ld, LMB_NUMTEXT_SIZE);
      if (lua_isinteger(L, -1)) {
        ld->len += lmb_integer_text((int64_t)lua_tointeger(L, -1), ld->buf + ld->len);
        return NULL;
      }
      else {
        double f = (double)lua_tonumber(L, -1);
        if (isfinite(f)) ld->len += lmb_double_text(f, ld->buf + ld->len);
        else if (!copy) return "infinity or NaN, which MySQL cannot store";
        else if (isnan(f)) put(c, ld, "NaN", 3);
        else if (f > 0) put(c, ld, "Infinity", 8);
        else put(c, ld, "-Infinity", 9);
        return NULL;
      }
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      put_text(c, ld, s, n);
      return NULL;
    }
    default:  /* null and blobs; nothing else */
      if (!lmb_to_value(L, -1, &v)) return luaL_typename(L, -1);
      if (v.type == LM_NULL) put(c, ld, "\\N", 2);
      else if (copy) put_hex(c, ld, v.v.s.ptr, v.v.s.len);
      else put_text(c, ld, v.v.s.ptr, v.v.s.len);  /* a binary file */
      return NULL;
  }
}

/* }====================================================== */


/*
** {======================================================
** The load's lifetime
** =======================================================
*/

static void load_free (lmb_load *ld) {
  free(ld->buf);
  free(ld->sql);
  free(ld);
}

/* Begin the load of `sql` on the settled connection: c->load, its rows
** `ncols` values each, the first numbered first_row. */
static int load_begin (Conn *c, const char *sql, size_t len, int ncols,
                       lua_Integer first_row, lm_error *err) {
  lmb_load *ld = (lmb_load *)calloc(1, sizeof *ld);
  int rc = LM_OK;
  if (ld == NULL || (ld->sql = (char *)malloc(len + 1)) == NULL) {
    free(ld);
    return lm_error_set(err, 0, NULL, "bulk load: out of memory");
  }
  memcpy(ld->sql, sql, len);
  ld->sql[len] = '\0';
  ld->sql_len = len;
  ld->first_row = first_row;
  ld->in_transaction = c->drv->in_transaction(c->handle);
  if (c->drv->copy_begin != NULL) {
    ld->format = FORMAT_COPY;
    if ((ld->buf = (char *)malloc(BULK_CHUNK)) == NULL)
      rc = lm_error_set(err, 0, NULL, "bulk load: out of memory");
    else rc = c->drv->copy_begin(c->handle, sql, len, err);
  }
  else if (c->drv->load_data != NULL) {
    ld->format = FORMAT_LOAD;
    ld->feed = lmb_feed_start(c, sql, len, 0, BULK_CHUNK, &ld->buf, err);
    if (ld->feed == NULL) rc = LM_ERROR;
  }
  else if (c->drv->insert_rows != NULL) {
    ld->format = FORMAT_ROWS;
    ld->feed = lmb_feed_start(c, sql, len, ncols, BULK_CHUNK, &ld->buf, err);
    if (ld->feed == NULL) rc = LM_ERROR;
  }
  else rc = lm_error_misuse(err, "the %s driver has no bulk load", c->drv->name);
  if (rc != LM_OK) {
    load_free(ld);
    return rc;
  }
  c->load = ld;
  return LM_OK;
}


/* End the connection's open load (settling does), or with `abort` give it
** up (its statement then fails, which is err). The rows and warnings of a
** load that ended well count toward the next bulk_end. */
int lmb_load_end (Conn *c, int abort, lm_error *err) {
  lmb_load *ld = c->load;
  int64_t rows = 0;
  unsigned int warnings = 0;
  int rc;
  lm_error_clear(err);
  if (ld == NULL) return LM_OK;
  c->load = NULL;
  if (!abort) flush(c, ld);
  if (ld->format == FORMAT_COPY) {
    if (ld->failed) {
      lm_error ignored;
      c->drv->copy_end(c->handle, 1, &rows, &ignored);
      *err = ld->err;
      rc = LM_ERROR;
    }
    else rc = c->drv->copy_end(c->handle, abort, &rows, err);
  }
  else {
    rc = lmb_feed_finish(ld->feed, abort, &rows, &warnings, err);
    if (rc == LM_OK && ld->failed)  /* cannot be: the file was not read */
      rc = lm_error_set(err, 0, NULL, "bulk load: the server ended the load early");
    else if (rc != LM_OK && ld->format == FORMAT_ROWS && (!abort || ld->failed)) {
      /* a row failed (not the writer giving up): the rows before it ran */
      char msg[LM_MESSAGE_SIZE];
      snprintf(msg, sizeof msg, "%s", err->message);
      snprintf(err->message, sizeof err->message, "row %lld: %.400s",
               (long long)(ld->first_row + rows), msg);
    }
  }
  if (abort && rc == LM_OK)
    rc = lm_error_set(err, 0, NULL, "bulk load given up");
  if (rc == LM_OK) {
    c->load_rows += rows;
    c->load_warnings += warnings;
  }
  load_free(ld);
  return rc;
}


int lmb_load_in_transaction (const Conn *c) {
  return c->load != NULL && c->load->in_transaction;
}

/* }====================================================== */


/*
** {======================================================
** Methods
** =======================================================
*/

/* Write rows[first..last] into the open load; raises (the load given up)
** on a row or value it cannot write. Nothing here allocates, so no
** finalizer can end the load midway (binding_pipeline.c). */
static void write_rows (lua_State *L, Conn *c, lua_Integer first,
                        lua_Integer last, lua_Integer base) {
  lmb_load *ld = c->load;
  int ncols = (int)luaL_len(L, 3), names, j;
  lua_Integer i;
  luaL_checkstack(L, ncols + 4, "too many columns");
  names = lua_gettop(L) + 1;
  for (j = 1; j <= ncols; j++) {
    if (lua_rawgeti(L, 3, j) != LUA_TSTRING) {
      lm_error ignored;
      lmb_load_end(c, 1, &ignored);
      luaL_error(L, "bulk_rows: column %d is not a name", j);
    }
  }
  for (i = first; i <= last && !ld->failed; i++) {
    int row = names + ncols;
    if (lua_rawgeti(L, 4, i) != LUA_TTABLE) {
      lm_error ignored;
      lmb_load_end(c, 1, &ignored);
      luaL_error(L, "bulk load: row %I is a %s, not a table", (lua_Integer)(base + i),
                 luaL_typename(L, -1));
    }
    for (j = 0; j < ncols; j++) {
      const char *why;
      lua_pushvalue(L, names + j);
      lua_rawget(L, row);
      why = put_value(L, c, ld);
      if (why != NULL) {
        lm_error ignored;
        lmb_load_end(c, 1, &ignored);
        luaL_error(L, "bulk load: row %I, column %s: cannot insert a %s",
                   (lua_Integer)(base + i), lua_tostring(L, names + j), why);
      }
      if (ld->format != FORMAT_ROWS) {  /* text: a field's end */
        ROOM(c, ld, 1);
        ld->buf[ld->len++] = j + 1 < ncols ? '\t' : '\n';
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_settop(L, names - 1);
}


int lmb_conn_bulk_rows (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  size_t len;
  const char *sql = luaL_checklstring(L, 2, &len);
  lua_Integer first, last, base;
  lm_error err;
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  first = luaL_optinteger(L, 5, 1);
  last = luaL_optinteger(L, 6, (lua_Integer)luaL_len(L, 4));
  base = luaL_optinteger(L, 7, 0);
  lua_settop(L, 4);
  if (c->load == NULL || c->load->sql_len != len || memcmp(c->load->sql, sql, len) != 0) {
    if (!LMB_SETTLED(c)) {  /* another load, queued statements */
      int nr = lmb_settle_or_fail(L, 1);
      if (nr > 0) return nr;
    }
    if (load_begin(c, sql, len, (int)luaL_len(L, 3), base + first, &err) != LM_OK)
      return lmb_push_failure(L, &err);
  }
  write_rows(L, c, first, last, base);
  /* a thread's load gets the rows written so far, to store while the
  ** caller makes the next ones */
  if (c->load->format != FORMAT_COPY) flush(c, c->load);
  if (c->load->failed) {  /* the driver could not send: end it, say why */
    lmb_load_end(c, 1, &err);
    return lmb_push_failure(L, &err);
  }
  lua_pushboolean(L, 1);
  return 1;
}


int lmb_conn_bulk_end (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  int abort = lua_toboolean(L, 2);
  lm_error err;
  if (c->load != NULL && lmb_load_end(c, abort, &err) != LM_OK && !abort) {
    c->load_rows = 0;
    c->load_warnings = 0;
    return lmb_push_failure(L, &err);
  }
  lua_pushinteger(L, abort ? 0 : (lua_Integer)c->load_rows);
  lua_pushinteger(L, abort ? 0 : (lua_Integer)c->load_warnings);
  c->load_rows = 0;
  c->load_warnings = 0;
  return 2;
}


/* copy_rows and load_rows: one load, ended (the connection is settled). */
static int whole_load (lua_State *L, int nresults) {
  int nr;
  Conn *c = (Conn *)lua_touserdata(L, 1);
  lua_settop(L, 6);
  c->load_rows = 0;
  c->load_warnings = 0;
  nr = lmb_conn_bulk_rows(L);
  if (nr != 1) return nr;
  lua_settop(L, 1);
  nr = lmb_conn_bulk_end(L);
  if (nr != 2) return nr;
  lua_pop(L, 2 - nresults);
  return nresults;
}

int lmb_conn_copy_rows (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  if (c->drv->copy_begin == NULL)
    return luaL_error(L, "copy_rows: the %s driver has no COPY", c->drv->name);
  return whole_load(L, 1);
}

int lmb_conn_load_rows (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  if (c->drv->load_data == NULL)
    return luaL_error(L, "load_rows: the %s driver has no bulk load", c->drv->name);
  return whole_load(L, 2);
}

/* }====================================================== */
