/*
** driver_mysql_result.c: the results of the MySQL/MariaDB driver's
** statements (driver_mysql_stmt.c runs them): the columns of a result
** (kinds, names, the binary protocol's binds and the string buffers that
** grow to fit a value), and its rows fetched into lm_values from either
** protocol.
*/

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "driver.h"
#include "driver_mysql.h"

#define MY_MIN_BUFFER      64   /* first size of a column's string buffer */
#define MY_BINARY_CHARSET  63   /* charsetnr of BLOB, BINARY, VARBINARY */


/*
** {======================================================
** Results: columns and their buffers
** =======================================================
*/

/* Make room for `n` result columns (new ones zeroed). */
static int ensure_cols (my_stmt *s, int n) {
  if (n > s->colcap) {
    my_col *cols = (my_col *)realloc(s->cols, (size_t)n * sizeof(my_col));
    MYSQL_BIND *rbind;
    if (cols == NULL) return 0;
    memset(cols + s->colcap, 0, (size_t)(n - s->colcap) * sizeof(my_col));
    s->cols = cols;
    rbind = (MYSQL_BIND *)realloc(s->rbind, (size_t)n * sizeof(MYSQL_BIND));
    if (rbind == NULL) return 0;  /* cols stay valid and owned */
    s->rbind = rbind;
    s->colcap = n;
  }
  return 1;
}


/* At least `size` bytes, doubling so that growing values cost few
** reallocations. */
static int grow (my_col *col, unsigned long size) {
  if (size > col->cap) {
    char *buf;
    if (col->cap <= ULONG_MAX / 2 && size < 2 * col->cap) size = 2 * col->cap;
    buf = (char *)realloc(col->buf, size);
    if (buf == NULL) return 0;
    col->buf = buf;
    col->cap = size;
  }
  return 1;
}


/* The mapping of docs/internals.md: integers, floats, BIT as numbers;
** DECIMAL as its digits (LM_DECIMAL); byte strings for the binary
** character set; text for the rest (dates and times, JSON, ENUM, SET) in
** the server's own format. */
static int column_kind (const MYSQL_FIELD *f) {
  switch (f->type) {
    case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
      return K_DECIMAL;
    case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG: case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
      return K_INT;
    case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
      return K_DOUBLE;
    case MYSQL_TYPE_BIT:
      return K_BIT;
    case MYSQL_TYPE_TINY_BLOB: case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB: case MYSQL_TYPE_BLOB: case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING: case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_GEOMETRY:
      return f->charsetnr == MY_BINARY_CHARSET ? K_BLOB : K_TEXT;
    default:
      return K_TEXT;
  }
}


/* Take the columns of a result: their kinds and names. */
int lmy_describe_result (my_stmt *s, MYSQL_RES *meta, lm_error *err) {
  int i, n = (int)mysql_num_fields(meta);
  MYSQL_FIELD *fields = mysql_fetch_fields(meta);
  size_t size = 0;
  if (!ensure_cols(s, n)) return lmy_no_memory(err);
  for (i = 0; i < n; i++)
    size += strlen(fields[i].name) + 1;
  if (size > s->namecap) {
    char *names = (char *)realloc(s->names, size);
    if (names == NULL) return lmy_no_memory(err);
    s->names = names;
    s->namecap = size;
  }
  size = 0;
  for (i = 0; i < n; i++) {
    my_col *col = &s->cols[i];
    size_t len = strlen(fields[i].name) + 1;
    col->kind = column_kind(&fields[i]);
    col->is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
    col->name = size;
    memcpy(s->names + size, fields[i].name, len);
    size += len;
  }
  s->ncols = n;
  return LM_OK;
}


/* Binary protocol: a bind per column, numbers into numbers, the rest into
** string buffers that grow when a value does not fit (refetch_truncated). */
int lmy_bind_result (my_stmt *s, lm_error *err) {
  int i;
  for (i = 0; i < s->ncols; i++) {
    my_col *col = &s->cols[i];
    MYSQL_BIND *b = &s->rbind[i];
    memset(b, 0, sizeof(*b));
    b->length = &col->length;
    b->is_null = &col->is_null;
    b->error = &col->truncated;
    if (col->kind == K_INT) {
      b->buffer_type = MYSQL_TYPE_LONGLONG;
      b->buffer = &col->i;
      b->is_unsigned = (my_bool)col->is_unsigned;
    }
    else if (col->kind == K_DOUBLE) {
      b->buffer_type = MYSQL_TYPE_DOUBLE;
      b->buffer = &col->f;
    }
    else {
      if (!grow(col, MY_MIN_BUFFER)) return lmy_no_memory(err);
      b->buffer_type = MYSQL_TYPE_STRING;
      b->buffer = col->buf;
      b->buffer_length = col->cap;
    }
  }
  if (mysql_stmt_bind_result(s->st, s->rbind))
    return lmy_stmt_error(s->st, err);
  return LM_OK;
}


/* End the current result: its rows, and any further results (CALL). */
void lmy_finish (my_stmt *s) {
  if (s->st != NULL) {
    if (s->streaming) mysql_stmt_reset(s->st);  /* closes the server's cursor */
    mysql_stmt_free_result(s->st);
    while (mysql_stmt_more_results(s->st) &&
           mysql_stmt_next_result(s->st) == 0)
      mysql_stmt_free_result(s->st);
  }
  s->active = 0;
}


/* Forget the previous result, columns included. */
void lmy_clear_result (my_stmt *s) {
  if (s->active) lmy_finish(s);
  if (s->res != NULL) mysql_free_result(s->res);
  s->res = NULL;
  s->ncols = 0;
}


int lmy_column_count (void *stmt) {
  return ((my_stmt *)stmt)->ncols;
}


const char *lmy_column_name (void *stmt, int i) {
  my_stmt *s = (my_stmt *)stmt;
  if (i < 0 || i >= s->ncols) return NULL;
  return s->names + s->cols[i].name;
}

/* }====================================================== */


/*
** {======================================================
** Results: fetching rows
** =======================================================
*/

/* An unsigned value: an integer when it fits, else its decimal digits. */
static void give_unsigned (my_col *col, lm_value *v, unsigned long long u) {
  if (u <= (unsigned long long)INT64_MAX) {
    v->type = LM_INTEGER;
    v->v.i = (int64_t)u;
  }
  else {
    int n = snprintf(col->digits, sizeof(col->digits), "%llu", u);
    v->type = LM_DECIMAL;
    v->v.s.ptr = col->digits;
    v->v.s.len = (size_t)n;
  }
}


/* BIT(n) arrives as big-endian bytes in both protocols. */
static void give_bits (my_col *col, lm_value *v, const char *p,
                       unsigned long len) {
  unsigned long long u = 0;
  unsigned long i;
  for (i = 0; i < len; i++)
    u = (u << 8) | (unsigned char)p[i];
  give_unsigned(col, v, u);
}


static void give_bytes (my_col *col, lm_value *v, const char *p,
                        unsigned long len) {
  v->type = col->kind == K_BLOB ? LM_BLOB : col->kind == K_DECIMAL ? LM_DECIMAL : LM_TEXT;
  v->v.s.ptr = p;
  v->v.s.len = (size_t)len;
}


/* The text protocol gives numbers as digits. */
static void give_text_number (my_col *col, lm_value *v, const char *p,
                              unsigned long len) {
  char num[64];
  if (len >= sizeof(num)) {  /* not a number this driver knows */
    v->type = LM_TEXT;
    v->v.s.ptr = p;
    v->v.s.len = (size_t)len;
    return;
  }
  memcpy(num, p, len);
  num[len] = '\0';
  if (col->kind == K_DOUBLE) {
    v->type = LM_FLOAT;
    v->v.f = strtod(num, NULL);
  }
  else if (col->is_unsigned)
    give_unsigned(col, v, strtoull(num, NULL, 10));
  else {
    v->type = LM_INTEGER;
    v->v.i = (int64_t)strtoll(num, NULL, 10);
  }
}


static int fetch_text (my_stmt *s, lm_value *row) {
  MYSQL_ROW r = mysql_fetch_row(s->res);
  unsigned long *lengths;
  int i;
  if (r == NULL) {
    s->active = 0;
    return LM_DONE;
  }
  lengths = mysql_fetch_lengths(s->res);
  for (i = 0; i < s->ncols; i++) {
    my_col *col = &s->cols[i];
    lm_value *v = &row[i];
    if (r[i] == NULL)
      v->type = LM_NULL;
    else if (col->kind == K_INT || col->kind == K_DOUBLE)
      give_text_number(col, v, r[i], lengths[i]);
    else if (col->kind == K_BIT)
      give_bits(col, v, r[i], lengths[i]);
    else
      give_bytes(col, v, r[i], lengths[i]);
  }
  return LM_ROW;
}


/* MYSQL_DATA_TRUNCATED: fetch the values that did not fit again into
** grown buffers, and bind those for the rows to come. */
static int refetch_truncated (my_stmt *s, lm_error *err) {
  int i, rebind = 0;
  for (i = 0; i < s->ncols; i++) {
    my_col *col = &s->cols[i];
    MYSQL_BIND *b = &s->rbind[i];
    if (col->kind == K_INT || col->kind == K_DOUBLE || col->is_null ||
        col->length <= col->cap)
      continue;
    if (!grow(col, col->length + 1)) return lmy_no_memory(err);
    b->buffer = col->buf;
    b->buffer_length = col->cap;
    if (mysql_stmt_fetch_column(s->st, b, (unsigned int)i, 0))
      return lmy_stmt_error(s->st, err);
    rebind = 1;
  }
  if (rebind && mysql_stmt_bind_result(s->st, s->rbind))
    return lmy_stmt_error(s->st, err);
  return LM_OK;
}


static int fetch_binary (my_stmt *s, lm_value *row, lm_error *err) {
  int i, rc = mysql_stmt_fetch(s->st);
  if (rc == MYSQL_NO_DATA) {
    lmy_finish(s);
    return LM_DONE;
  }
  if (rc == MYSQL_DATA_TRUNCATED)
    rc = refetch_truncated(s, err);
  else if (rc != 0)
    rc = lmy_stmt_error(s->st, err);
  if (rc != LM_OK) {
    lmy_finish(s);
    return LM_ERROR;
  }
  for (i = 0; i < s->ncols; i++) {
    my_col *col = &s->cols[i];
    lm_value *v = &row[i];
    if (col->is_null)
      v->type = LM_NULL;
    else if (col->kind == K_INT) {
      if (col->is_unsigned)
        give_unsigned(col, v, (unsigned long long)col->i);
      else {
        v->type = LM_INTEGER;
        v->v.i = (int64_t)col->i;
      }
    }
    else if (col->kind == K_DOUBLE) {
      v->type = LM_FLOAT;
      v->v.f = col->f;
    }
    else if (col->kind == K_BIT)
      give_bits(col, v, col->buf, col->length);
    else
      give_bytes(col, v, col->buf, col->length);
  }
  return LM_ROW;
}


int lmy_fetch (void *stmt, lm_value *row, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  if (!s->active || s->ncols == 0) return LM_DONE;
  if (s->st == NULL) return fetch_text(s, row);
  return fetch_binary(s, row, err);
}


void lmy_reset (void *stmt) {
  my_stmt *s = (my_stmt *)stmt;
  if (s->active) lmy_finish(s);
}

/* }====================================================== */
