/*
** driver_mysql_stmt.c: the statements of the MySQL/MariaDB driver
** (driver_mysql.c has the rest): a server-side prepared statement when
** there are values to bind; otherwise (and for the few statements the
** binary protocol refuses: PREPARE, EXECUTE, DEALLOCATE PREPARE) the
** statement's text run with mysql_real_query.
** Execute stores the whole result client-side, so that other statements
** can run on the connection while it is read.
*/

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "driver.h"
#include "driver_mysql.h"

#define MY_MIN_BUFFER      64   /* first size of a column's string buffer */
#define MY_BINARY_CHARSET  63   /* charsetnr of BLOB, BINARY, VARBINARY */

/* How a result column is fetched and given to the caller. */
enum my_kind { K_INT, K_DOUBLE, K_BIT, K_TEXT, K_BLOB, K_DECIMAL };

typedef struct my_col {
  int kind;               /* enum my_kind */
  int is_unsigned;        /* K_INT: UNSIGNED */
  size_t name;            /* offset of the name in my_stmt.names */
  long long i;            /* K_INT value (binary protocol) */
  double f;               /* K_DOUBLE value (binary protocol) */
  char *buf;              /* bytes of the other kinds (binary protocol) */
  unsigned long cap;      /* size of buf */
  unsigned long length;   /* bytes of the value */
  my_bool is_null;
  my_bool truncated;
  char digits[24];        /* an unsigned value above INT64_MAX, as text */
} my_col;

typedef union my_param {  /* storage of a bound number */
  long long i;
  double f;
  signed char b;
} my_param;

typedef struct my_stmt {
  my_conn *conn;
  MYSQL_STMT *st;         /* NULL: a text-protocol statement */
  char *sql;              /* text protocol: the statement */
  unsigned long len;
  int nparams;
  MYSQL_BIND *pbind;      /* nparams parameter binds and their storage */
  my_param *pval;
  unsigned long *plen;
  MYSQL_RES *res;         /* text protocol: the stored result */
  char *names;            /* the column names, NUL-terminated, kept until
                             the next execute (libmariadb's go with the
                             rows, or with the next result of a CALL) */
  size_t namecap;
  int ncols;              /* columns of the current result, 0 for none */
  int colcap;             /* size of cols and rbind */
  my_col *cols;
  MYSQL_BIND *rbind;      /* binary protocol: the result binds */
  int active;             /* rows may remain to fetch */
  int streaming;          /* results through a server-side cursor */
  char *control;          /* the statement's text when it starts or ends a
                             transaction (driver.h, guard), else NULL */
  size_t control_len;
} my_stmt;


static int stmt_error (MYSQL_STMT *st, lm_error *err) {
  return lm_error_set(err, (int)mysql_stmt_errno(st), mysql_stmt_sqlstate(st),
                      "%s", mysql_stmt_error(st));
}


/*
** {======================================================
** Statements: preparing, binding, executing
** =======================================================
*/

/* The statement's text, for the text protocol. */
static int keep_text (my_stmt *s, const char *sql, size_t len,
                      lm_error *err) {
  s->sql = (char *)malloc(len + 1);
  if (s->sql == NULL) return lmy_no_memory(err);
  memcpy(s->sql, sql, len);
  s->sql[len] = '\0';
  s->len = (unsigned long)len;
  return LM_OK;
}


static int alloc_params (my_stmt *s, lm_error *err) {
  size_t n;
  s->nparams = (int)mysql_stmt_param_count(s->st);
  if (s->nparams == 0) return LM_OK;
  n = (size_t)s->nparams;
  s->pbind = (MYSQL_BIND *)calloc(n, sizeof(MYSQL_BIND));
  s->pval = (my_param *)calloc(n, sizeof(my_param));
  s->plen = (unsigned long *)calloc(n, sizeof(unsigned long));
  if (s->pbind == NULL || s->pval == NULL || s->plen == NULL)
    return lmy_no_memory(err);
  return LM_OK;
}


int lmy_prepare (void *conn, const char *sql, size_t len, void **stmt,
                 lm_error *err) {
  my_conn *c = (my_conn *)conn;
  size_t send = len, at, n;
  sql_shape sh;
  my_stmt *s;
  int rc;
  lmy_shape_of(c->db, sql, len, &sh);
  if (sh.statements == 0)
    return lm_error_misuse(err, "no SQL statement to prepare");
  if (sh.statements == 1) send = sh.first_end;  /* without a trailing `;` */
  if (send > ULONG_MAX)
    return lm_error_misuse(err, "SQL text too long");
  s = (my_stmt *)calloc(1, sizeof(*s));
  if (s == NULL) return lmy_no_memory(err);
  s->conn = c;
  if (lmy_controls(c->db, sql, len, &at, &n)) {
    if ((s->control = (char *)malloc(n + 1)) == NULL) {
      free(s);
      return lmy_no_memory(err);
    }
    memcpy(s->control, sql + at, n);
    s->control_len = n;
  }
  if (sh.params == 0 && sh.statements == 1)
    /* Nothing to bind: the text protocol runs it in one round trip where
    ** a server-side statement takes two (prepare, execute). DDL and the
    ** bookkeeping statements of a migration are mostly of this kind. */
    return (rc = keep_text(s, sql, send, err)) == LM_OK
      ? (*stmt = s, LM_OK) : (lmy_finalize(s), rc);
  lmy_side_settle(c->side);  /* a prepare is a round trip too */
  s->st = mysql_stmt_init(c->db);
  if (s->st == NULL)
    rc = lmy_no_memory(err);
  else if (mysql_stmt_prepare(s->st, sql, (unsigned long)send) == 0)
    rc = alloc_params(s, err);
  else {
    unsigned int code = mysql_stmt_errno(s->st);
    if (code == ER_UNSUPPORTED_PS && sh.params == 0) {
      /* PREPARE, EXECUTE...: run as text, there is nothing to bind */
      mysql_stmt_close(s->st);
      s->st = NULL;
      rc = keep_text(s, sql, send, err);
    }
    else if (code == ER_PARSE_ERROR && sh.statements > 1)
      rc = lm_error_misuse(err, "more than one SQL statement "
                           "(a script runs with execute and no values)");
    else
      rc = stmt_error(s->st, err);
  }
  if (rc != LM_OK) {
    lmy_finalize(s);
    return rc;
  }
  *stmt = s;
  return LM_OK;
}


int lmy_param_count (void *stmt) {
  return ((my_stmt *)stmt)->nparams;
}


static void bind_param (MYSQL_BIND *b, my_param *pv, unsigned long *plen,
                        const lm_value *v) {
  memset(b, 0, sizeof(*b));
  switch (v->type) {
    case LM_INTEGER:
      pv->i = (long long)v->v.i;
      b->buffer_type = MYSQL_TYPE_LONGLONG;
      b->buffer = &pv->i;
      break;
    case LM_FLOAT:
      pv->f = v->v.f;
      b->buffer_type = MYSQL_TYPE_DOUBLE;
      b->buffer = &pv->f;
      break;
    case LM_BOOL:
      pv->b = (signed char)(v->v.b != 0);
      b->buffer_type = MYSQL_TYPE_TINY;
      b->buffer = &pv->b;
      break;
    case LM_TEXT:
    case LM_BLOB:
      b->buffer_type = v->type == LM_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
      b->buffer = (void *)(v->v.s.ptr != NULL ? v->v.s.ptr : "");
      *plen = (unsigned long)v->v.s.len;
      b->buffer_length = *plen;
      b->length = plen;
      break;
    default:
      b->buffer_type = MYSQL_TYPE_NULL;
      break;
  }
}


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
static int describe_result (my_stmt *s, MYSQL_RES *meta, lm_error *err) {
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
static int bind_result (my_stmt *s, lm_error *err) {
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
  if (mysql_stmt_bind_result(s->st, s->rbind)) return stmt_error(s->st, err);
  return LM_OK;
}


/* End the current result: its rows, and any further results (CALL). */
static void finish (my_stmt *s) {
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
static void clear_result (my_stmt *s) {
  if (s->active) finish(s);
  if (s->res != NULL) mysql_free_result(s->res);
  s->res = NULL;
  s->ncols = 0;
}


static int exec_binary (my_stmt *s, int nparams, const lm_value *params,
                        int64_t *affected, lm_error *err) {
  MYSQL_STMT *st = s->st;
  MYSQL_RES *meta;
  int i, rc;
  for (i = 0; i < nparams; i++)
    bind_param(&s->pbind[i], &s->pval[i], &s->plen[i], &params[i]);
  if (nparams > 0 && mysql_stmt_bind_param(st, s->pbind))
    return stmt_error(st, err);
  if (mysql_stmt_execute(st)) return stmt_error(st, err);
  s->active = 1;
  if (mysql_stmt_field_count(st) == 0) {
    *affected = lmy_affected_rows(mysql_stmt_affected_rows(st));
    lmy_note_insert_id(s->conn, mysql_stmt_insert_id(st));
    finish(s);
    return LM_OK;
  }
  /* A cursor's rows stay on the server until fetched: nothing to store. */
  if (!s->streaming && mysql_stmt_store_result(st)) {
    stmt_error(st, err);
    finish(s);
    return LM_ERROR;
  }
  meta = mysql_stmt_result_metadata(st);
  if (meta == NULL) {
    stmt_error(st, err);
    finish(s);
    return LM_ERROR;
  }
  rc = describe_result(s, meta, err);
  mysql_free_result(meta);
  if (rc == LM_OK) rc = bind_result(s, err);
  if (rc != LM_OK) clear_result(s);
  return rc;
}


static int exec_text (my_stmt *s, int64_t *affected, lm_error *err) {
  MYSQL *db = s->conn->db;
  int status, rc = LM_OK;
  if (mysql_real_query(db, s->sql, s->len)) return lmy_conn_error(db, err);
  s->res = mysql_store_result(db);
  if (s->res != NULL)
    rc = describe_result(s, s->res, err);
  else if (mysql_field_count(db) != 0)
    return lmy_conn_error(db, err);
  else {
    *affected = lmy_affected_rows(mysql_affected_rows(db));
    lmy_note_insert_id(s->conn, mysql_insert_id(db));
  }
  /* The stored result is ours; read what follows now (EXECUTE of a CALL)
  ** so that the connection is free. */
  while ((status = mysql_next_result(db)) == 0) {
    MYSQL_RES *more = mysql_store_result(db);
    if (more != NULL) mysql_free_result(more);
  }
  if (status > 0 && rc == LM_OK) rc = lmy_conn_error(db, err);
  if (rc != LM_OK) {
    clear_result(s);
    return rc;
  }
  s->active = s->res != NULL;
  return LM_OK;
}


int lmy_execute (void *stmt, int nparams, const lm_value *params,
                 int64_t *affected, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  clear_result(s);
  *affected = 0;
  if (nparams != s->nparams)
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           s->nparams, nparams);
  if (s->control != NULL && s->conn->guard.on)
    return lm_guard_refuse(err, s->control, s->control_len);
  lmy_side_settle(s->conn->side);
  if (s->st != NULL) return exec_binary(s, nparams, params, affected, err);
  return exec_text(s, affected, err);
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
** Statements: fetching rows
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
      return stmt_error(s->st, err);
    rebind = 1;
  }
  if (rebind && mysql_stmt_bind_result(s->st, s->rbind))
    return stmt_error(s->st, err);
  return LM_OK;
}


static int fetch_binary (my_stmt *s, lm_value *row, lm_error *err) {
  int i, rc = mysql_stmt_fetch(s->st);
  if (rc == MYSQL_NO_DATA) {
    finish(s);
    return LM_DONE;
  }
  if (rc == MYSQL_DATA_TRUNCATED)
    rc = refetch_truncated(s, err);
  else if (rc != 0)
    rc = stmt_error(s->st, err);
  if (rc != LM_OK) {
    finish(s);
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


/* rows(): a read-only server-side cursor fetched STREAM_ROWS at a time.
** The rows wait on the server (MariaDB keeps them in a temporary table),
** so the client holds one batch, and the connection is free for other
** statements between fetches, which a plain unbuffered result would not
** allow. A statement kept as text (no parameters) is prepared now. */
#define STREAM_ROWS 1000

int lmy_stream (void *stmt, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  unsigned long cursor = CURSOR_TYPE_READ_ONLY, prefetch = STREAM_ROWS;
  if (s->st == NULL) {
    lmy_side_settle(s->conn->side);
    s->st = mysql_stmt_init(s->conn->db);
    if (s->st == NULL) return lmy_no_memory(err);
    if (mysql_stmt_prepare(s->st, s->sql, s->len) != 0) {
      int rc = stmt_error(s->st, err);
      mysql_stmt_close(s->st);
      s->st = NULL;
      return rc;
    }
  }
  if (mysql_stmt_attr_set(s->st, STMT_ATTR_CURSOR_TYPE, &cursor) ||
      mysql_stmt_attr_set(s->st, STMT_ATTR_PREFETCH_ROWS, &prefetch))
    return stmt_error(s->st, err);
  s->streaming = 1;
  return LM_OK;
}


int lmy_fetch (void *stmt, lm_value *row, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  if (!s->active || s->ncols == 0) return LM_DONE;
  if (s->st == NULL) return fetch_text(s, row);
  return fetch_binary(s, row, err);
}


void lmy_reset (void *stmt) {
  my_stmt *s = (my_stmt *)stmt;
  if (s->active) finish(s);
}


void lmy_finalize (void *stmt) {
  my_stmt *s = (my_stmt *)stmt;
  int i;
  clear_result(s);
  if (s->st != NULL) mysql_stmt_close(s->st);
  for (i = 0; i < s->colcap; i++)
    free(s->cols[i].buf);
  free(s->cols);
  free(s->rbind);
  free(s->pbind);
  free(s->pval);
  free(s->plen);
  free(s->names);
  free(s->sql);
  free(s->control);
  free(s);
}

/* }====================================================== */
