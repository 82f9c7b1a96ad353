/*
** binding_load.c: conn:load_rows(sql, columns, rows [, first, last]), the
** fast path of bulk_insert on MySQL: `sql` is a LOAD DATA LOCAL INFILE
** statement whose file is never written anywhere: the driver asks for
** its bytes (driver.h's load_data) and they are made here, row by row,
** from Lua tables keyed by column name, in LOAD DATA's default format
** (tab between fields, newline after a row, backslash escapes, \N for
** NULL). Returns the rows loaded and the server's warning count.
**
** The producer runs inside the client library's callback, so it must not
** raise: it reads rows raw (they are plain tables, luamig.ops.data checked
** them) and converts values with lmb_to_value; a value it cannot write
** abandons the load, and the error is raised once the library returns.
*/

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"

#define ROW_TEXT_MAX 4096   /* a row's text beyond this grows a buffer */

typedef struct Load {
  lua_State *L;
  int rows_idx, cols_idx, ncols;
  lua_Integer next, last;   /* the next row to write, the last one */
  char *row;                /* the text of the row being handed over */
  size_t len, cap, sent;    /* its bytes, room, and bytes already handed */
  char failure[200];        /* why a row could not be written */
} Load;

static int reserve (Load *ld, size_t more) {
  size_t cap;
  char *p;
  if (ld->len + more <= ld->cap) return 1;
  cap = ld->cap ? ld->cap : ROW_TEXT_MAX;
  while (cap < ld->len + more) cap *= 2;
  p = (char *)realloc(ld->row, cap);
  if (p == NULL) return 0;
  ld->row = p;
  ld->cap = cap;
  return 1;
}

static int add (Load *ld, const char *s, size_t n) {
  if (!reserve(ld, n)) return 0;
  memcpy(ld->row + ld->len, s, n);
  ld->len += n;
  return 1;
}

/* Bytes with LOAD DATA's escapes: backslash, and the tab, newline, carriage
** return and zero byte that the reader would take for something else. */
static int add_escaped (Load *ld, const char *s, size_t n) {
  size_t i;
  if (!reserve(ld, 2 * n)) return 0;
  for (i = 0; i < n; i++) {
    char ch = s[i], esc = 0;
    switch (ch) {
      case '\\': esc = '\\'; break;
      case '\t': esc = 't'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\0': esc = '0'; break;
      default: ld->row[ld->len++] = ch; continue;
    }
    ld->row[ld->len++] = '\\';
    ld->row[ld->len++] = esc;
  }
  return 1;
}

/* One value; 0 with *why set when it has no text, or not set when memory
** ran out. */
static int add_value (Load *ld, const lm_value *v, const char **why) {
  char num[64];
  switch (v->type) {
    case LM_NULL: return add(ld, "\\N", 2);
    case LM_BOOL: return add(ld, v->v.b ? "1" : "0", 1);
    case LM_INTEGER:
      return add(ld, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v->v.i));
    case LM_FLOAT:
      if (!isfinite(v->v.f)) {
        *why = "infinity or NaN, which MySQL cannot store";
        return 0;
      }
      return add(ld, num, (size_t)snprintf(num, sizeof num, "%.17g", v->v.f));
    case LM_TEXT: case LM_BLOB:  /* the file's character set is binary */
      return add_escaped(ld, v->v.s.ptr, v->v.s.len);
    default:
      *why = "value of unknown type";
      return 0;
  }
}

/* The text of row ld->next into ld->row; 0 with ld->failure set. */
static int write_row (Load *ld) {
  lua_State *L = ld->L;
  int j;
  ld->len = ld->sent = 0;
  if (lua_rawgeti(L, ld->rows_idx, ld->next) != LUA_TTABLE) {
    snprintf(ld->failure, sizeof ld->failure, "row %lld is a %s, not a table",
             (long long)ld->next, luaL_typename(L, -1));
    lua_pop(L, 1);
    return 0;
  }
  for (j = 1; j <= ld->ncols; j++) {
    lm_value v;
    const char *why = NULL;
    int ok;
    lua_rawgeti(L, ld->cols_idx, j);   /* the column name */
    lua_rawget(L, -2);                 /* its value in the row */
    if (!lmb_to_value(L, -1, &v)) {
      why = luaL_typename(L, -1);
      ok = 0;
    }
    else ok = add_value(ld, &v, &why) && add(ld, j < ld->ncols ? "\t" : "\n", 1);
    lua_pop(L, 1);
    if (!ok) {
      lua_rawgeti(L, ld->cols_idx, j);
      if (why == NULL) snprintf(ld->failure, sizeof ld->failure, "out of memory");
      else snprintf(ld->failure, sizeof ld->failure, "row %lld, column %s: cannot insert a %s",
                    (long long)ld->next, lua_tostring(L, -1), why);
      lua_pop(L, 2);
      return 0;
    }
  }
  lua_pop(L, 1);
  ld->next++;
  return 1;
}

/* The driver's producer: up to cap bytes of the file. */
static int produce (void *ud, char *buf, unsigned int cap) {
  Load *ld = (Load *)ud;
  unsigned int written = 0;
  while (written < cap) {
    size_t take;
    if (ld->sent == ld->len) {
      if (ld->next > ld->last) break;
      if (!write_row(ld)) return -1;
    }
    take = ld->len - ld->sent;
    if (take > cap - written) take = cap - written;
    memcpy(buf + written, ld->row + ld->sent, take);
    ld->sent += take;
    written += (unsigned int)take;
  }
  return (int)written;
}

int lmb_conn_load_rows (lua_State *L) {
  Conn *c = (Conn *)luaL_checkudata(L, 1, CONN_MT);
  size_t len;
  const char *sql = luaL_checklstring(L, 2, &len);
  Load ld;
  lm_error err;
  int64_t loaded = 0;
  unsigned int warnings = 0;
  int rc;
  if (c->handle == NULL) return luaL_error(L, "attempt to use a closed connection");
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  memset(&ld, 0, sizeof ld);
  ld.next = luaL_optinteger(L, 5, 1);
  ld.last = luaL_optinteger(L, 6, (lua_Integer)luaL_len(L, 4));
  if (c->drv->load_data == NULL)
    return luaL_error(L, "load_rows: the %s driver has no bulk load", c->drv->name);
  ld.L = L;
  ld.cols_idx = 3;
  ld.rows_idx = 4;
  ld.ncols = (int)luaL_len(L, 3);
  lm_error_clear(&err);
  rc = c->drv->load_data(c->handle, sql, len, produce, &ld, &loaded, &warnings, &err);
  free(ld.row);
  if (ld.failure[0] != '\0') return luaL_error(L, "load_rows: %s", ld.failure);
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  lua_pushinteger(L, (lua_Integer)loaded);
  lua_pushinteger(L, (lua_Integer)warnings);
  return 2;
}
