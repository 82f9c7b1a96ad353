/*
** driver_mysql_text.c: a queued statement of the MySQL/MariaDB driver
** written as SQL text, its values as literals, for the multi-statement
** queries of driver_mysql_pipeline.c: what bulk execution cannot carry
** (statements that alternate, ones that generate AUTO_INCREMENT ids, a
** server without bulk execution) still goes in one round trip per batch.
**
** A literal must mean what the bound value means: integers as digits,
** floats with an exponent (a DOUBLE literal: 2.5 alone would be DECIMAL)
** and 17 digits (they read back as the same double), booleans as TRUE and
** FALSE (1 and 0, as the bound TINYINT), blobs as X'..' (binary strings),
** text between quotes escaped by the library for the connection's
** character set and backslash mode, the ones the lexer will read it with.
** A value that has no such literal makes lmy_render refuse the statement,
** which then runs with execute: an infinite or NaN float, text that is not
** well-formed UTF-8 (the server checks a literal when it parses the query,
** a bound value only where it is stored), a zero byte when backslashes do
** not escape. So does a statement whose placeholders this file's lexer
** (driver_mysql_txn.c) does not count as the server did.
*/

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "driver.h"
#include "driver_mysql.h"


/* Well-formed UTF-8 (RFC 3629): no overlong form, no surrogate, nothing
** past U+10FFFF. */
static int valid_utf8 (const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t k, more;
    unsigned long cp;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xC2 && c <= 0xDF) { more = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { more = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { more = 3; cp = c & 0x07; }
    else return 0;
    if (n - i <= more) return 0;
    for (k = 1; k <= more; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((more == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return 0;
    i += more + 1;
  }
  return 1;
}


/* The statement's placeholders, found again when the backslash mode
** changed (SET sql_mode) since: 0 when the lexer disagrees with the
** server's count, or no memory. */
static int marks_of (my_stmt *s, int backslash) {
  sql_shape sh;
  if (s->marks != NULL && s->marks_backslash == backslash) return 1;
  free(s->marks);
  s->marks = NULL;
  if (s->nparams <= 0) return 0;
  lmy_shape_of(s->conn->db, s->sql, s->len, &sh);
  if (sh.params != s->nparams || sh.statements != 1) return 0;
  if ((s->marks = (size_t *)malloc((size_t)s->nparams * sizeof(size_t))) == NULL)
    return 0;
  lmy_placeholders(s->sql, s->len, backslash, s->marks);
  s->marks_backslash = backslash;
  return 1;
}


/* Bytes the statement takes as text with these values, at most. */
size_t lmy_render_size (const my_stmt *s, const lm_value *params) {
  size_t n = s->len + 2;  /* and the `;\n` before it */
  int j;
  for (j = 0; j < s->nparams; j++) {
    const lm_value *v = &params[j];
    if (v->type == LM_TEXT || v->type == LM_BLOB) n += 2 * v->v.s.len + 3;
    else n += 32;
  }
  return n;
}


static int has_literal (const lm_value *v, int backslash) {
  if (v->type == LM_FLOAT) return isfinite(v->v.f);
  if (v->type != LM_TEXT || v->v.s.len == 0) return 1;
  if (!backslash && memchr(v->v.s.ptr, 0, v->v.s.len) != NULL) return 0;
  return valid_utf8((const unsigned char *)v->v.s.ptr, v->v.s.len);
}


/* Write the literal of `v` at `out` (room: lmy_render_size's share);
** returns the bytes written. */
static size_t literal (MYSQL *db, char *out, const lm_value *v) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n, i;
  switch (v->type) {
    case LM_INTEGER:
      return (size_t)sprintf(out, "%lld", (long long)v->v.i);
    case LM_FLOAT:
      n = (size_t)sprintf(out, "%.17g", v->v.f);
      if (strpbrk(out, "eE") == NULL) {
        memcpy(out + n, "e0", 2);
        n += 2;
      }
      return n;
    case LM_BOOL:
      memcpy(out, v->v.b ? "TRUE" : "FALSE", v->v.b ? 4 : 5);
      return v->v.b ? 4 : 5;
    case LM_TEXT:
      out[0] = '\'';
      n = v->v.s.len == 0 ? 0 : mysql_real_escape_string(db, out + 1,
            v->v.s.ptr, (unsigned long)v->v.s.len);
      out[n + 1] = '\'';
      return n + 2;
    case LM_BLOB:
      out[0] = 'X';
      out[1] = '\'';
      for (i = 0; i < v->v.s.len; i++) {
        unsigned char c = (unsigned char)v->v.s.ptr[i];
        out[2 + 2 * i] = hex[c >> 4];
        out[3 + 2 * i] = hex[c & 15];
      }
      out[2 + 2 * v->v.s.len] = '\'';
      return 2 * v->v.s.len + 3;
    default:
      memcpy(out, "NULL", 4);
      return 4;
  }
}


/* Room in *buf (*cap bytes) for `need` bytes: 1, or 0 when out of
** memory. */
static int reserve (char **buf, size_t *cap, size_t need) {
  size_t c = *cap > 0 ? *cap : 4096;
  char *b;
  if (need <= *cap) return 1;
  while (c < need) c *= 2;
  if ((b = (char *)realloc(*buf, c)) == NULL) return 0;
  *buf = b;
  *cap = c;
  return 1;
}


/* Where the next statement starts in *buf (*len bytes used): after a `;`
** that ends the one before, when there is one. */
static size_t next_statement (char *buf, size_t len) {
  if (len > 0) {
    buf[len++] = ';';
    buf[len++] = '\n';
  }
  return len;
}


/* Append `n` bytes of SQL without placeholders (the COMMIT of
** sync_commit) as a statement of *buf, as lmy_render does: 1, or -1 when
** out of memory. */
int lmy_append_sql (const char *sql, size_t n, char **buf, size_t *len,
                    size_t *cap) {
  size_t at;
  if (!reserve(buf, cap, *len + n + 3)) return -1;
  at = next_statement(*buf, *len);
  memcpy(*buf + at, sql, n);
  *len = at + n;
  return 1;
}


/* Append the statement with its values as literals to *buf (*len bytes
** used of *cap), after a `;` when there is text before it. 1 when
** written; 0 when a value has no literal (the statement runs with
** execute); -1 when out of memory. */
int lmy_render (my_stmt *s, const lm_value *params, char **buf,
                size_t *len, size_t *cap) {
  int backslash =
    !(lmy_server_status(s->conn->db) & SERVER_STATUS_NO_BACKSLASH_ESCAPES);
  size_t at, prev = 0;
  char *out;
  int j;
  if (!marks_of(s, backslash)) return 0;
  for (j = 0; j < s->nparams; j++)
    if (!has_literal(&params[j], backslash)) return 0;
  if (!reserve(buf, cap, *len + lmy_render_size(s, params) + 1))  /* sprintf's NUL */
    return -1;
  out = *buf;
  at = next_statement(out, *len);
  for (j = 0; j < s->nparams; j++) {
    memcpy(out + at, s->sql + prev, s->marks[j] - prev);
    at += s->marks[j] - prev;
    at += literal(s->conn->db, out + at, &params[j]);
    prev = s->marks[j] + 1;
  }
  memcpy(out + at, s->sql + prev, s->len - prev);
  *len = at + (s->len - prev);
  return 1;
}
