/*
** binding_copy.c: conn:copy_rows(sql, columns, rows [, first, last]), the
** fast path of bulk_insert where the driver has one (PostgreSQL's COPY
** FROM STDIN). The rows are Lua tables keyed by column name; they are
** written here straight into COPY's text format, 64 KiB at a time, so
** that a million rows never exist as one string and no Lua code runs per
** value.
*/

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"

#define COPY_CHUNK 65536

typedef struct CopyBuf {
  size_t len;
  char data[COPY_CHUNK];
} CopyBuf;

typedef struct CopyRun {
  lua_State *L;
  Conn *c;
  CopyBuf *b;
  lm_error err;
  int failed;
} CopyRun;

static void flush (CopyRun *r) {
  if (r->failed || r->b->len == 0) return;
  if (r->c->drv->copy_data(r->c->handle, r->b->data, r->b->len, &r->err) != LM_OK) r->failed = 1;
  r->b->len = 0;
}

static void put (CopyRun *r, const char *s, size_t n) {
  while (n > 0 && !r->failed) {
    size_t room = COPY_CHUNK - r->b->len, take = n < room ? n : room;
    memcpy(r->b->data + r->b->len, s, take);
    r->b->len += take;
    s += take;
    n -= take;
    if (r->b->len == COPY_CHUNK) flush(r);
  }
}

/* Text, escaped as COPY's text format wants: backslash, and the tab,
** newline and carriage return that would end a field or a row. */
static void put_text (CopyRun *r, const char *s, size_t n) {
  size_t i, start = 0;
  for (i = 0; i < n; i++) {
    const char *esc = NULL;
    switch (s[i]) {
      case '\\': esc = "\\\\"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      default: continue;
    }
    put(r, s + start, i - start);
    put(r, esc, 2);
    start = i + 1;
  }
  put(r, s + start, n - start);
}

static void put_value (CopyRun *r, const lm_value *v) {
  char num[64];
  static const char hex[] = "0123456789abcdef";
  size_t i;
  switch (v->type) {
    case LM_NULL: put(r, "\\N", 2); break;
    case LM_BOOL: put(r, v->v.b ? "t" : "f", 1); break;
    case LM_INTEGER: put(r, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v->v.i)); break;
    case LM_FLOAT:
      if (isnan(v->v.f)) put(r, "NaN", 3);
      else if (isinf(v->v.f)) put(r, v->v.f > 0 ? "Infinity" : "-Infinity", v->v.f > 0 ? 8 : 9);
      else put(r, num, (size_t)snprintf(num, sizeof num, "%.17g", v->v.f));
      break;
    case LM_TEXT: put_text(r, v->v.s.ptr, v->v.s.len); break;
    case LM_BLOB:  /* bytea's hex input, its backslash escaped for COPY */
      put(r, "\\\\x", 3);
      for (i = 0; i < v->v.s.len; i++) {
        unsigned char ch = (unsigned char)v->v.s.ptr[i];
        char two[2];
        two[0] = hex[ch >> 4];
        two[1] = hex[ch & 15];
        put(r, two, 2);
      }
      break;
    default: put(r, "\\N", 2); break;
  }
}

int lmb_conn_copy_rows (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  size_t len;
  const char *sql = luaL_checklstring(L, 2, &len);
  lua_Integer first, last, i;
  int ncols, j;
  int64_t copied = 0;
  CopyRun r;
  if (c->handle == NULL) return luaL_error(L, "attempt to use a closed connection");
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  first = luaL_optinteger(L, 5, 1);
  last = luaL_optinteger(L, 6, (lua_Integer)luaL_len(L, 4));
  ncols = (int)luaL_len(L, 3);
  if (c->drv->copy_begin == NULL)
    return luaL_error(L, "copy_rows: the %s driver has no COPY", c->drv->name);
  r.L = L;
  r.c = c;
  r.failed = 0;
  lm_error_clear(&r.err);
  r.b = (CopyBuf *)lua_newuserdatauv(L, sizeof(CopyBuf), 0);  /* freed by the GC */
  r.b->len = 0;
  if (c->drv->copy_begin(c->handle, sql, len, &r.err) != LM_OK) return lmb_push_failure(L, &r.err);
  for (i = first; i <= last && !r.failed; i++) {
    if (lua_rawgeti(L, 4, i) != LUA_TTABLE) {
      c->drv->copy_end(c->handle, 1, &copied, &r.err);
      return luaL_error(L, "copy_rows: row %d is a %s, not a table", (int)i, luaL_typename(L, -1));
    }
    for (j = 1; j <= ncols; j++) {
      lm_value v;
      lua_rawgeti(L, 3, j);              /* the column name */
      lua_gettable(L, -2);               /* its value in the row */
      if (lua_type(L, -1) == LUA_TTABLE || lua_type(L, -1) == LUA_TFUNCTION) {
        c->drv->copy_end(c->handle, 1, &copied, &r.err);
        return luaL_error(L, "copy_rows: row %d, column %d: cannot copy a %s", (int)i, j, luaL_typename(L, -1));
      }
      lmb_check_value(L, lua_gettop(L), &v);
      put_value(&r, &v);
      put(&r, j < ncols ? "\t" : "\n", 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  flush(&r);
  if (r.failed) {
    lm_error saved = r.err;
    c->drv->copy_end(c->handle, 1, &copied, &r.err);
    return lmb_push_failure(L, &saved);
  }
  if (c->drv->copy_end(c->handle, 0, &copied, &r.err) != LM_OK) return lmb_push_failure(L, &r.err);
  lua_pushinteger(L, (lua_Integer)copied);
  return 1;
}
