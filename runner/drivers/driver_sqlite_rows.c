/*
** driver_sqlite_rows.c: insert_rows (driver.h), bulk_insert's rows run
** through one prepared INSERT on the binding's thread (binding_bulk_feed.c)
** while the Lua side makes the next ones. The rows arrive as a stream of
** typed values (LM_ROW_*) that the producer copies into the reader's
** buffer a piece at a time; a row is read whole, then bound where its
** bytes lie: the statement has no result columns, so lmsq_execute lets
** SQLite read them in place and forgets them before it returns, and the
** buffer moves only while the next row is read.
*/

#include <stdlib.h>
#include <string.h>

#include "driver_sqlite.h"

#define PIECE 65536  /* bytes asked of the producer at a time */
#define NO_MORE_ROWS 2  /* need, read_row: the stream ended between rows */

typedef struct reader {
  lm_produce_fn produce;
  void *ud;
  char *buf;          /* bytes [pos, len) not read yet */
  size_t cap, pos, len;
  size_t mark;        /* where the row being read begins */
  int moved;          /* the row's bytes moved since the mark was set */
  int eof;            /* the producer said 0 (-1: gave up) */
} reader;


/* At least `n` unread bytes in r->buf: LM_OK, NO_MORE_ROWS at the
** stream's end (between rows), LM_ERROR when it ends or is given up
** midway, or memory runs out. To make room, the bytes from the row's mark on move to the front
** (r->moved: values read since the mark point elsewhere now). */
static int need (reader *r, size_t n, lm_error *err) {
  while (r->len - r->pos < n) {
    int got;
    if (r->eof) {
      if (r->eof < 0)
        return lm_error_set(err, SQLITE_ABORT, NULL, "bulk insert given up");
      if (r->len == r->pos && r->pos == r->mark) return NO_MORE_ROWS;
      return lm_error_set(err, SQLITE_MISUSE, NULL,
                          "bulk insert: the rows end inside a row");
    }
    if (r->mark > 0) {
      memmove(r->buf, r->buf + r->mark, r->len - r->mark);
      r->len -= r->mark;
      r->pos -= r->mark;
      r->mark = 0;
      r->moved = 1;
    }
    if (r->cap - r->len < PIECE) {
      size_t cap = r->cap * 2 > r->len + PIECE ? r->cap * 2 : r->len + PIECE;
      char *b = (char *)realloc(r->buf, cap);
      if (b == NULL)
        return lm_error_set(err, SQLITE_NOMEM, NULL, "bulk insert: out of memory");
      if (b != r->buf) r->moved = 1;
      r->buf = b;
      r->cap = cap;
    }
    got = r->produce(r->ud, r->buf + r->len, PIECE);
    if (got <= 0) r->eof = got < 0 ? -1 : 1;
    else r->len += (size_t)got;
  }
  return LM_OK;
}


/* The next value into *v (its bytes pointing into r->buf). */
static int read_value (reader *r, lm_value *v, lm_error *err) {
  int rc = need(r, 1, err);
  char tag;
  uint64_t n;
  if (rc != LM_OK) return rc;
  tag = r->buf[r->pos++];
  switch (tag) {
    case LM_ROW_NULL: v->type = LM_NULL; return LM_OK;
    case LM_ROW_TRUE: case LM_ROW_FALSE:
      v->type = LM_BOOL;
      v->v.b = tag == LM_ROW_TRUE;
      return LM_OK;
    case LM_ROW_INTEGER: case LM_ROW_FLOAT:
      if (need(r, 8, err) != LM_OK) return LM_ERROR;
      if (tag == LM_ROW_INTEGER) {
        v->type = LM_INTEGER;
        memcpy(&v->v.i, r->buf + r->pos, 8);
      }
      else {
        v->type = LM_FLOAT;
        memcpy(&v->v.f, r->buf + r->pos, 8);
      }
      r->pos += 8;
      return LM_OK;
    case LM_ROW_TEXT: case LM_ROW_BLOB:
      if (need(r, 8, err) != LM_OK) return LM_ERROR;
      memcpy(&n, r->buf + r->pos, 8);
      r->pos += 8;
      if (need(r, (size_t)n, err) != LM_OK) return LM_ERROR;
      v->type = tag == LM_ROW_TEXT ? LM_TEXT : LM_BLOB;
      v->v.s.ptr = r->buf + r->pos;
      v->v.s.len = (size_t)n;
      r->pos += (size_t)n;
      return LM_OK;
    default:
      return lm_error_set(err, SQLITE_MISUSE, NULL,
                          "bulk insert: a value of unknown kind (%d)", tag);
  }
}


/* A row's values (NO_MORE_ROWS: the stream ended before it). When making
** room moved the row's bytes, the values read before point at where they
** were: the row is read again from its new place. */
static int read_row (reader *r, lm_value *vals, int ncols, lm_error *err) {
  int j;
  r->mark = r->pos;
  r->moved = 0;
  for (j = 0; j < ncols; j++) {
    int rc = read_value(r, &vals[j], err);
    if (rc != LM_OK) return rc;
    if (r->moved) {
      r->pos = r->mark;
      r->moved = 0;
      j = -1;
    }
  }
  return LM_OK;
}


int lmsq_insert_rows (void *conn, const char *sql, size_t len, int ncols,
                      lm_produce_fn produce, void *ud, int64_t *rows,
                      lm_error *err) {
  reader r;
  void *stmt;
  lm_value small[16], *vals = small;
  int rc;
  *rows = 0;
  if (lmsq_prepare(conn, sql, len, &stmt, err) != LM_OK) return LM_ERROR;
  if (lmsq_param_count(stmt) != ncols || lmsq_column_count(stmt) != 0) {
    lmsq_finalize(stmt);
    return lm_error_misuse(err, "insert_rows: the statement must take %d values"
                           " and return no rows", ncols);
  }
  if (ncols > 16 && (vals = (lm_value *)malloc((size_t)ncols * sizeof *vals)) == NULL) {
    lmsq_finalize(stmt);
    return lm_error_set(err, SQLITE_NOMEM, NULL, "bulk insert: out of memory");
  }
  memset(&r, 0, sizeof r);
  r.produce = produce;
  r.ud = ud;
  while ((rc = read_row(&r, vals, ncols, err)) == LM_OK) {
    int64_t affected;
    if ((rc = lmsq_execute(stmt, ncols, vals, &affected, err)) != LM_OK) break;
    (*rows)++;
  }
  /* a failing row leaves the rest of the stream unread: the producer's
  ** writer learns that the load is over when it hands the next piece */
  if (vals != small) free(vals);
  free(r.buf);
  lmsq_finalize(stmt);
  return rc == NO_MORE_ROWS ? LM_OK : LM_ERROR;
}
