/*
** driver_mysql_batch.c: the bulk batch of the MySQL/MariaDB driver's
** queue (driver_mysql_pipeline.c sends it): rows of one prepared
** statement kept client-side, the values copied, in the shape of
** Connector/C's column-wise array binding (STMT_ATTR_ARRAY_SIZE): per
** parameter an array of values (a fixed-size slot each; text and blobs as
** pointers into one buffer of bytes), one of lengths and one of
** indicators (NULL or not). A bulk execution binds one type per
** parameter, so a row joins the batch only when each of its values is of
** its column's type so far (NULL goes with any).
*/

#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "driver.h"
#include "driver_mysql.h"

#define SLOT 8  /* bytes of a value's slot: a 64-bit number, or an offset
                   into the bytes (a pointer once bound); TINY packs 1 byte,
                   as the library steps through it */

typedef struct b_col {
  enum enum_field_types type;  /* of the batch's values, MYSQL_TYPE_NULL
                                  while they are all NULL */
  int kind;                    /* their lm_type, LM_NULL likewise */
  unsigned char *vals;         /* LMY_BATCH_ROWS slots */
  unsigned long *len;          /* bytes of text and blobs */
  char *ind;                   /* STMT_INDICATOR_NULL or _NONE */
} b_col;

struct my_batch {
  my_stmt *stmt;           /* the batch's statement, NULL when empty */
  int rows;
  size_t est;              /* bytes of its bulk command, estimated */
  int capparams;           /* room for this many parameters */
  b_col *cols;
  MYSQL_BIND *bind;
  lm_value *row;           /* a row of the batch, as values */
  char *bytes;             /* the batch's text and blob values */
  size_t nbytes, capbytes;
  int pointers;            /* the slots of text hold pointers, not offsets */
};


my_batch *lmy_batch_new (void) {
  my_batch *b = (my_batch *)calloc(1, sizeof(*b));
  if (b == NULL) return NULL;
  if ((b->bytes = (char *)malloc(b->capbytes = 64 * 1024)) == NULL) {
    free(b);
    return NULL;
  }
  return b;
}


void lmy_batch_free (my_batch *b) {
  int j;
  if (b == NULL) return;
  for (j = 0; j < b->capparams; j++) {
    free(b->cols[j].vals);
    free(b->cols[j].len);
    free(b->cols[j].ind);
  }
  free(b->cols);
  free(b->bind);
  free(b->row);
  free(b->bytes);
  free(b);
}


my_stmt *lmy_batch_stmt (const my_batch *b) {
  return b->rows > 0 ? b->stmt : NULL;
}


int lmy_batch_rows (const my_batch *b) {
  return b->rows;
}


void lmy_batch_clear (my_batch *b) {
  b->stmt = NULL;
  b->rows = 0;
  b->est = 0;
  b->nbytes = 0;
  b->pointers = 0;
}


/* Room for rows of `n` parameters. */
static int reserve_params (my_batch *b, int n) {
  MYSQL_BIND *bind;
  lm_value *row;
  b_col *cols;
  int j;
  if (n <= b->capparams) return 1;
  if ((bind = (MYSQL_BIND *)realloc(b->bind, (size_t)n * sizeof(MYSQL_BIND))) == NULL)
    return 0;
  b->bind = bind;
  if ((row = (lm_value *)realloc(b->row, (size_t)n * sizeof(lm_value))) == NULL)
    return 0;
  b->row = row;
  if ((cols = (b_col *)realloc(b->cols, (size_t)n * sizeof(b_col))) == NULL)
    return 0;
  b->cols = cols;
  memset(cols + b->capparams, 0, (size_t)(n - b->capparams) * sizeof(b_col));
  for (j = b->capparams; j < n; j++) {
    cols[j].vals = (unsigned char *)malloc(LMY_BATCH_ROWS * SLOT);
    cols[j].len = (unsigned long *)malloc(LMY_BATCH_ROWS * sizeof(unsigned long));
    cols[j].ind = (char *)malloc(LMY_BATCH_ROWS);
    if (!cols[j].vals || !cols[j].len || !cols[j].ind) {
      free(cols[j].vals);
      free(cols[j].len);
      free(cols[j].ind);
      memset(&cols[j], 0, sizeof(b_col));
      return 0;
    }
    b->capparams = j + 1;
  }
  return 1;
}


/* The wire type of a value, as execute binds it (driver_mysql_stmt.c). */
static enum enum_field_types wire_type (int kind) {
  switch (kind) {
    case LM_INTEGER: return MYSQL_TYPE_LONGLONG;
    case LM_FLOAT: return MYSQL_TYPE_DOUBLE;
    case LM_BOOL: return MYSQL_TYPE_TINY;
    case LM_TEXT: return MYSQL_TYPE_STRING;
    case LM_BLOB: return MYSQL_TYPE_BLOB;
    default: return MYSQL_TYPE_NULL;
  }
}


static size_t stride (const b_col *col) {
  return col->type == MYSQL_TYPE_TINY ? 1 : SLOT;
}


/* Bytes a row adds to the bulk command: an indicator, a length and the
** value per parameter (an over-estimate). */
static size_t row_bytes (int n, const lm_value *params) {
  size_t bytes = 0;
  int j;
  for (j = 0; j < n; j++)
    bytes += 10 + ((params[j].type == LM_TEXT || params[j].type == LM_BLOB)
                   ? params[j].v.s.len : 0);
  return bytes;
}


/* 1 when the row of `s` can join the batch (empty or not): the same
** statement, room (at most `max_bytes` in all, unless alone), and each
** value of its column's type. */
int lmy_batch_fits (const my_batch *b, const my_stmt *s,
                    const lm_value *params, size_t max_bytes) {
  int j;
  if (b->rows == 0) return 1;
  if (b->stmt != s || b->rows >= LMY_BATCH_ROWS ||
      b->est + row_bytes(s->nparams, params) > max_bytes)
    return 0;
  for (j = 0; j < s->nparams; j++) {
    int kind = params[j].type;
    if (kind != LM_NULL && b->cols[j].kind != LM_NULL &&
        b->cols[j].kind != kind)
      return 0;
  }
  return 1;
}


/* Add the row (it fits), copying its bytes: 0 when out of memory. */
int lmy_batch_add (my_batch *b, my_stmt *s, const lm_value *params) {
  int j, n = s->nparams, r = b->rows;
  size_t need = b->nbytes;
  if (!reserve_params(b, n)) return 0;
  for (j = 0; j < n; j++)
    if (params[j].type == LM_TEXT || params[j].type == LM_BLOB)
      need += params[j].v.s.len;
  if (need > b->capbytes) {
    size_t cap = 2 * b->capbytes;
    char *bytes;
    while (cap < need) cap *= 2;
    if ((bytes = (char *)realloc(b->bytes, cap)) == NULL) return 0;
    b->bytes = bytes;
    b->capbytes = cap;
  }
  for (j = 0; j < n; j++) {
    b_col *col = &b->cols[j];
    const lm_value *v = &params[j];
    unsigned char *slot;
    if (r == 0) {
      col->kind = LM_NULL;
      col->type = MYSQL_TYPE_NULL;
    }
    if (v->type == LM_NULL) {
      col->ind[r] = STMT_INDICATOR_NULL;
      continue;
    }
    if (col->kind == LM_NULL) {
      col->kind = v->type;
      col->type = wire_type(v->type);
    }
    col->ind[r] = STMT_INDICATOR_NONE;
    slot = col->vals + stride(col) * (size_t)r;
    if (v->type == LM_INTEGER) {
      long long i = (long long)v->v.i;
      memcpy(slot, &i, sizeof(i));
    }
    else if (v->type == LM_FLOAT)
      memcpy(slot, &v->v.f, sizeof(double));
    else if (v->type == LM_BOOL)
      *slot = (unsigned char)(v->v.b != 0);
    else {
      size_t off = b->nbytes;
      if (v->v.s.len > 0) memcpy(b->bytes + off, v->v.s.ptr, v->v.s.len);
      b->nbytes += v->v.s.len;
      memcpy(slot, &off, sizeof(off));
      col->len[r] = (unsigned long)v->v.s.len;
    }
  }
  b->stmt = s;
  b->rows = r + 1;
  b->est += row_bytes(n, params);
  return 1;
}


/* Row `r` as values (for execute, or to write it as text), valid until
** the next call on the batch. */
const lm_value *lmy_batch_row (my_batch *b, int r) {
  int j;
  for (j = 0; j < b->stmt->nparams; j++) {
    b_col *col = &b->cols[j];
    lm_value *v = &b->row[j];
    const unsigned char *slot = col->vals + stride(col) * (size_t)r;
    v->type = col->ind[r] == STMT_INDICATOR_NULL ? LM_NULL : col->kind;
    if (v->type == LM_INTEGER) {
      long long i;
      memcpy(&i, slot, sizeof(i));
      v->v.i = (int64_t)i;
    }
    else if (v->type == LM_FLOAT)
      memcpy(&v->v.f, slot, sizeof(double));
    else if (v->type == LM_BOOL)
      v->v.b = *slot;
    else if (v->type == LM_TEXT || v->type == LM_BLOB) {
      size_t off;
      if (b->pointers) memcpy(&v->v.s.ptr, slot, sizeof(char *));
      else {
        memcpy(&off, slot, sizeof(off));
        v->v.s.ptr = b->bytes + off;
      }
      v->v.s.len = col->len[r];
    }
  }
  return b->row;
}


/* The binds of a bulk execution of the batch. The offsets of text become
** pointers: the bytes no longer move, as nothing is added to the batch
** until it is cleared. */
MYSQL_BIND *lmy_batch_binds (my_batch *b) {
  int j, r;
  for (j = 0; j < b->stmt->nparams; j++) {
    b_col *col = &b->cols[j];
    MYSQL_BIND *bind = &b->bind[j];
    if (!b->pointers && (col->kind == LM_TEXT || col->kind == LM_BLOB)) {
      for (r = 0; r < b->rows; r++) {
        unsigned char *slot = col->vals + SLOT * (size_t)r;
        size_t off;
        const char *p;
        if (col->ind[r] == STMT_INDICATOR_NULL) continue;
        memcpy(&off, slot, sizeof(off));
        p = b->bytes + off;
        memcpy(slot, &p, sizeof(p));
      }
    }
    memset(bind, 0, sizeof(*bind));
    bind->buffer_type = col->type;
    bind->buffer = col->vals;
    bind->length = col->len;
    bind->u.indicator = col->ind;
  }
  b->pointers = 1;
  return b->bind;
}
