/*
** driver_postgres_stmt.c: prepared statements of the PostgreSQL driver
** (see driver_postgres.c, and driver.h for the contract): prepare,
** execute with its parameters, the rows of the result, reset, finalize.
** A statement is a `pg_stmt`.
**
** Statements are not prepared on the server: `prepare` rewrites the `?`
** placeholders into `$n` (driver_postgres_scan.c) and every `execute` is
** one PQexecParams. That costs no extra round trip for one-shot
** statements, and no server-side plan outlives the DDL that a migration
** runs between two executes ("cached plan must not change result type").
** Results are read whole (text format) and decoded by column type, so
** other statements can run on the connection while a cursor walks an
** earlier result.
*/

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"

#define PG_MAX_PARAMS 65535  /* the protocol's limit */

/* Type OIDs (catalog/pg_type.h, which is a server header). */
#define BOOLOID     16
#define BYTEAOID    17
#define INT8OID     20
#define INT2OID     21
#define INT4OID     23
#define OIDOID      26
#define FLOAT4OID   700
#define FLOAT8OID   701
#define NUMERICOID  1700

typedef struct pg_stmt {
  pg_conn *c;
  char *sql;              /* with $n placeholders */
  int nparams;
  PGresult *res;          /* the current result, NULL when none */
  int ncols, nrows, row;  /* row: the next row to fetch */
  unsigned char **bytes;  /* unescaped bytea values of the row fetched last */
  int bytescap;
  int control;            /* starts or ends a transaction (driver.h, guard) */
} pg_stmt;


/*
** {======================================================
** Statements
** =======================================================
*/

int lmpg_prepare (void *conn, const char *sql, size_t len, void **stmt,
                  lm_error *err) {
  int nstmts;
  long np = lmpg_scan_sql(sql, len, NULL, &nstmts);
  size_t at, n;
  pg_stmt *s;
  if (nstmts == 0)
    return lm_error_misuse(err, "no SQL statement to prepare");
  if (nstmts > 1)
    return lm_error_misuse(err, "more than one SQL statement "
                           "(a script runs with execute and no values)");
  if (np > PG_MAX_PARAMS)
    return lm_error_misuse(err, "statement has %ld parameters "
                           "(PostgreSQL takes at most %d)", np, PG_MAX_PARAMS);
  if ((s = (pg_stmt *)calloc(1, sizeof(pg_stmt))) == NULL ||
      (s->sql = (char *)malloc(len + 1 + (size_t)np * 6)) == NULL) {
    free(s);
    return lm_error_set(err, 0, NULL, "out of memory");
  }
  lmpg_scan_sql(sql, len, s->sql, &nstmts);
  s->c = (pg_conn *)conn;
  s->nparams = (int)np;
  s->control = lmpg_controls(s->c, sql, len, &at, &n);
  *stmt = s;
  return LM_OK;
}


int lmpg_param_count (void *stmt) {
  return ((pg_stmt *)stmt)->nparams;
}


static void free_bytes (pg_stmt *s) {
  int i;
  for (i = 0; i < s->bytescap; i++) {
    if (s->bytes[i] != NULL) {
      PQfreemem(s->bytes[i]);
      s->bytes[i] = NULL;
    }
  }
}


void lmpg_reset (void *stmt) {
  pg_stmt *s = (pg_stmt *)stmt;
  free_bytes(s);
  PQclear(s->res);
  s->res = NULL;
  s->ncols = s->nrows = s->row = 0;
}


/* A double as the shortest text that reads back as the same double. */
static void format_double (char *buf, size_t size, double d) {
  int prec;
  if (isnan(d))
    snprintf(buf, size, "NaN");
  else if (isinf(d))
    snprintf(buf, size, "%s", d > 0 ? "Infinity" : "-Infinity");
  else {
    for (prec = 15; prec <= 17; prec++) {
      snprintf(buf, size, "%.*g", prec, d);
      if (strtod(buf, NULL) == d) break;
    }
  }
}


#define NUMBER_SIZE 32  /* room for an int64 or a double as text */

/* The parameters of PQexecParams, in one block: text values are
** NUL-terminated copies, numbers formatted; blobs are sent in binary
** (bytea) so that zero bytes pass, everything else as text of unknown
** type, for the server to read as the column or operator needs. */
typedef struct pg_params {
  Oid *types;
  const char **values;
  int *lengths;
  int *formats;
  void *block;
} pg_params;

static int make_params (int n, const lm_value *params, pg_params *pp,
                        lm_error *err) {
  size_t room = 0;
  char *text;
  int i;
  memset(pp, 0, sizeof(*pp));
  for (i = 0; i < n; i++) {
    if (params[i].type == LM_BLOB && params[i].v.s.len > INT_MAX)
      return lm_error_set(err, 0, "54000", "parameter %d: blob too long",
                          i + 1);
    if (params[i].type == LM_TEXT) {
      if (params[i].v.s.len > 0 &&
          memchr(params[i].v.s.ptr, '\0', params[i].v.s.len) != NULL)
        return lm_error_set(err, 0, "22021", "parameter %d: text with a zero "
                            "byte (bind bytes with driver.blob)", i + 1);
      room += params[i].v.s.len + 1;
    }
    else if (params[i].type != LM_BLOB && params[i].type != LM_NULL)
      room += NUMBER_SIZE;
  }
  room += (size_t)n * (sizeof(Oid) + sizeof(char *) + 2 * sizeof(int));
  if ((pp->block = malloc(room + 1)) == NULL)
    return lm_error_set(err, 0, NULL, "out of memory");
  pp->values = (const char **)pp->block;
  pp->types = (Oid *)(pp->values + n);
  pp->lengths = (int *)(pp->types + n);
  pp->formats = pp->lengths + n;
  text = (char *)(pp->formats + n);
  for (i = 0; i < n; i++) {
    const lm_value *v = &params[i];
    pp->types[i] = 0;
    pp->lengths[i] = 0;
    pp->formats[i] = 0;
    pp->values[i] = text;
    switch (v->type) {
      case LM_NULL:
        pp->values[i] = NULL;
        break;
      case LM_INTEGER:
        text += snprintf(text, NUMBER_SIZE, "%lld", (long long)v->v.i) + 1;
        break;
      case LM_FLOAT:
        format_double(text, NUMBER_SIZE, v->v.f);
        text += strlen(text) + 1;
        break;
      case LM_BOOL:
        *text++ = v->v.b ? 't' : 'f';
        *text++ = '\0';
        break;
      case LM_TEXT:
        if (v->v.s.len > 0) memcpy(text, v->v.s.ptr, v->v.s.len);
        text += v->v.s.len;
        *text++ = '\0';
        break;
      case LM_BLOB:
        pp->types[i] = BYTEAOID;
        pp->values[i] = v->v.s.len > 0 ? v->v.s.ptr : "";
        pp->lengths[i] = (int)v->v.s.len;
        pp->formats[i] = 1;
        break;
      default:
        free(pp->block);
        return lm_error_misuse(err, "parameter %d: unknown value type %d",
                               i + 1, v->type);
    }
  }
  return LM_OK;
}


int lmpg_execute (void *stmt, int nparams, const lm_value *params,
                  int64_t *affected, lm_error *err) {
  pg_stmt *s = (pg_stmt *)stmt;
  pg_params pp;
  PGresult *res;
  int rc, was_open;
  lmpg_reset(s);
  if (nparams != s->nparams)
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           s->nparams, nparams);
  if (s->c->guard.on) {
    if (lm_guard_check(&s->c->guard, err) != LM_OK) return LM_ERROR;
    if (s->control) return lm_guard_refuse(err, s->sql, strlen(s->sql));
  }
  if (lmpg_begin_send(s->c, err) != LM_OK) return LM_ERROR;
  if ((rc = make_params(nparams, params, &pp, err)) != LM_OK) return rc;
  /* sent ahead (prefetch): its answer, read now; else run it */
  res = lmpg_ahead_take(s->c, s->sql, nparams);
  was_open = lmpg_in_transaction(s->c);
  if (res == NULL)
    res = PQexecParams(s->c->pg, s->sql, nparams, pp.types, pp.values,
                       pp.lengths, pp.formats, 0);
  free(pp.block);
  rc = lmpg_check_result(s->c, res, err);
  if (lmpg_guard_after(s->c, was_open, rc != LM_OK, s->sql, strlen(s->sql),
                       err) != LM_OK) {
    PQclear(res);
    return LM_ERROR;
  }
  *affected = lmpg_changed_rows(res);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    PQclear(res);
    return LM_OK;
  }
  s->res = res;
  s->ncols = PQnfields(res);
  s->nrows = PQntuples(res);
  if (s->ncols > s->bytescap) {
    unsigned char **b = (unsigned char **)calloc((size_t)s->ncols,
                                                 sizeof(*b));
    if (b == NULL) {
      lmpg_reset(s);
      return lm_error_set(err, 0, NULL, "out of memory");
    }
    free(s->bytes);
    s->bytes = b;
    s->bytescap = s->ncols;
  }
  return LM_OK;
}


int lmpg_column_count (void *stmt) {
  return ((pg_stmt *)stmt)->ncols;
}


const char *lmpg_column_name (void *stmt, int i) {
  pg_stmt *s = (pg_stmt *)stmt;
  return s->res != NULL ? PQfname(s->res, i) : NULL;
}


int lmpg_fetch (void *stmt, lm_value *row, lm_error *err) {
  pg_stmt *s = (pg_stmt *)stmt;
  int i;
  free_bytes(s);
  if (s->res == NULL || s->row >= s->nrows) return LM_DONE;
  for (i = 0; i < s->ncols; i++) {
    lm_value *v = &row[i];
    const char *text = PQgetvalue(s->res, s->row, i);
    if (PQgetisnull(s->res, s->row, i)) {
      v->type = LM_NULL;
      continue;
    }
    switch (PQftype(s->res, i)) {
      case INT2OID: case INT4OID: case INT8OID: case OIDOID:
        v->type = LM_INTEGER;
        v->v.i = (int64_t)strtoll(text, NULL, 10);
        break;
      case FLOAT4OID: case FLOAT8OID:  /* strtod reads NaN and Infinity */
        v->type = LM_FLOAT;
        v->v.f = strtod(text, NULL);
        break;
      case BOOLOID:
        v->type = LM_BOOL;
        v->v.b = text[0] == 't';
        break;
      case BYTEAOID: {
        size_t n = 0;
        s->bytes[i] = PQunescapeBytea((const unsigned char *)text, &n);
        if (s->bytes[i] == NULL)
          return lm_error_set(err, 0, NULL, "out of memory");
        v->type = LM_BLOB;
        v->v.s.ptr = (const char *)s->bytes[i];
        v->v.s.len = n;
        break;
      }
      case NUMERICOID:  /* its digits: no double holds it exactly */
        v->type = LM_DECIMAL;
        v->v.s.ptr = text;
        v->v.s.len = (size_t)PQgetlength(s->res, s->row, i);
        break;
      default:
        v->type = LM_TEXT;
        v->v.s.ptr = text;
        v->v.s.len = (size_t)PQgetlength(s->res, s->row, i);
        break;
    }
  }
  s->row++;
  return LM_ROW;
}


/* The connection of a statement, for the pipeline's queue. */
pg_conn *lmpg_stmt_conn (void *stmt) {
  return ((pg_stmt *)stmt)->c;
}


/* What queue refuses before anything runs, guard on or off: a statement
** that starts or ends a transaction would end the one the pipeline runs
** in (or start one mid-pipeline), so that the statements after it would
** run under other rules than execute's. */
int lmpg_queueable (void *stmt, int nparams, lm_error *err) {
  pg_stmt *s = (pg_stmt *)stmt;
  lmpg_ahead_drop(s->c);
  if (nparams != s->nparams)
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           s->nparams, nparams);
  if (s->control)
    return lm_error_misuse(err, "a statement that starts or ends a "
                           "transaction cannot be queued: run it with execute");
  return LM_OK;
}


/* The bytea parameters (blobs) of an execute, as a mask: they are typed
** when the statement is parsed, so that another mask parses it again.
** All ones when one is past the 64th (parsed every time). */
static uint64_t blob_mask (int n, const lm_value *params) {
  uint64_t mask = 0;
  int i;
  for (i = 0; i < n; i++) {
    if (params[i].type != LM_BLOB) continue;
    if (i >= 64) return ~(uint64_t)0;
    mask |= (uint64_t)1 << i;
  }
  return mask;
}


/* Send an execute of the statement without waiting for its answer (the
** connection is in pipeline mode); driver_postgres_pipeline.c reads the
** answers at sync. The statement is parsed into the unnamed prepared
** statement when it is not there already, so that a backfill's UPDATE is
** parsed and planned once per pipeline instead of once per row; the
** unnamed statement is forgotten at sync, so no plan outlives the
** pipeline (nothing else runs on the connection meanwhile). */
int lmpg_send (void *stmt, int nparams, const lm_value *params,
               lm_error *err) {
  pg_stmt *s = (pg_stmt *)stmt;
  pg_conn *c = s->c;
  pg_params pp;
  uint64_t blobs = blob_mask(nparams, params);
  int rc, sent = 1;
  if (c->guard.on && lm_guard_check(&c->guard, err) != LM_OK)
    return LM_ERROR;
  if (lmpg_pipeline_reserve(c, 2, err) != LM_OK) return LM_ERROR;
  if ((rc = make_params(nparams, params, &pp, err)) != LM_OK) return rc;
  if (c->unnamed != s || c->unnamed_blobs != blobs || blobs == ~(uint64_t)0) {
    c->unnamed = NULL;
    sent = PQsendPrepare(c->pg, "", s->sql, nparams, pp.types);
    if (sent) {
      lmpg_pipeline_note(c, PG_CMD_PARSE);
      c->unnamed = s;
      c->unnamed_blobs = blobs;
    }
  }
  if (sent) {
    sent = PQsendQueryPrepared(c->pg, "", nparams, pp.values, pp.lengths,
                               pp.formats, 0);
    if (sent) lmpg_pipeline_note(c, PG_CMD_EXECUTE);
  }
  free(pp.block);
  if (!sent) return lmpg_result_error(c, NULL, err);
  return LM_OK;
}


void lmpg_finalize (void *stmt) {
  pg_stmt *s = (pg_stmt *)stmt;
  if (s->c->unnamed == s) s->c->unnamed = NULL;
  lmpg_reset(s);
  free(s->bytes);
  free(s->sql);
  free(s);
}

/* }====================================================== */
