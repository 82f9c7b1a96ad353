/*
** driver_sqlite_stmt.c: statements of the SQLite driver (see
** driver_sqlite.c, and driver.h for the contract): exec_script, prepare,
** execute, the rows of a result, reset, finalize, and the transaction
** guard's checks around each statement. A statement is an `sq_stmt`.
**
** The guard: the authorizer (driver_sqlite.c) marks a statement that
** starts or ends a transaction while it is prepared. Each statement keeps
** that mark, and the guard refuses it when it is to run, whenever it was
** prepared. After it the backstop asks sqlite3_get_autocommit: a RELEASE
** of a savepoint that opened the transaction commits it, for one.
*/

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "driver.h"
#include "driver_sqlite.h"

typedef struct sq_stmt {
  sqlite3_stmt *st;
  sqlite3 *db;
  sq_conn *c;
  int pending;  /* execute stepped onto a row that fetch has not given yet */
  int done;     /* the current result is over (or none was started) */
  int control;  /* the statement starts or ends a transaction */
} sq_stmt;


/* Rows changed by the statement that just finished. sqlite3_changes keeps
** its value across statements that change nothing (DDL, SELECT), so ask it
** only when the total moved. */
static int64_t changes_since (sqlite3 *db, sqlite3_int64 total_before) {
  if (sqlite3_total_changes64(db) == total_before) return 0;
  return (int64_t)sqlite3_changes64(db);
}


/* sqlite3_prepare_v2, and whether the statement controls transactions. */
static int prepare (sq_conn *c, const char *sql, int len, sqlite3_stmt **st,
                    const char **tail, int *control) {
  int rc;
  c->control = 0;
  rc = sqlite3_prepare_v2(c->db, sql, len, st, tail);
  *control = c->control;
  return rc;
}


/* Before a statement runs: LM_OK, or the guard's refusal. */
static int guard_before (sq_conn *c, sqlite3_stmt *st, int control,
                         lm_error *err) {
  const char *sql;
  if (!c->guard.on) return LM_OK;
  if (lm_guard_check(&c->guard, err) != LM_OK) return LM_ERROR;
  if (!control) return LM_OK;
  sql = sqlite3_sql(st);
  return lm_guard_refuse(err, sql, strlen(sql));
}


/* After its first step: the backstop (`was_open`: a transaction was open
** before it; `failed`: it failed, and err says why). A failed statement
** cannot have been a COMMIT (guard_before refuses those), so a failure
** that leaves no transaction open is SQLite's own rollback of all of it. */
static int guard_after (sq_conn *c, sqlite3_stmt *st, int was_open,
                        int failed, lm_error *err) {
  const char *sql;
  if (!c->guard.on || !was_open || !sqlite3_get_autocommit(c->db))
    return failed ? LM_ERROR : LM_OK;
  sql = sqlite3_sql(st);
  return lm_guard_ended(&c->guard, failed, failed, sql, strlen(sql), err);
}


/* Is [p, end) only blanks, semicolons and comments? */
static int only_blanks (const char *p, const char *end) {
  while (p < end) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
        *p == '\f' || *p == '\v' || *p == ';')
      p++;
    else if (*p == '-' && p + 1 < end && p[1] == '-') {
      while (p < end && *p != '\n') p++;
    }
    else if (*p == '/' && p + 1 < end && p[1] == '*') {
      p += 2;
      while (p < end && !(*p == '*' && p + 1 < end && p[1] == '/')) p++;
      if (p < end) p += 2;
    }
    else
      return 0;
  }
  return 1;
}


int lmsq_exec_script (void *conn, const char *sql, size_t len,
                      int64_t *affected, lm_error *err) {
  sq_conn *c = (sq_conn *)conn;
  sqlite3 *db = c->db;
  const char *p = sql, *end = sql + len;
  int64_t total = 0;
  if (len > INT_MAX)
    return lm_error_misuse(err, "SQL text too long");
  while (p < end) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    sqlite3_int64 before;
    int control, was_open;
    int rc = prepare(c, p, (int)(end - p), &st, &tail, &control);
    if (rc != SQLITE_OK) return lmsq_db_error(db, err);
    if (st == NULL) {  /* only blanks or comments left */
      if (tail == NULL || tail <= p) break;
      p = tail;
      continue;
    }
    if (sqlite3_bind_parameter_count(st) > 0) {
      int n = sqlite3_bind_parameter_count(st);
      sqlite3_finalize(st);
      return lm_error_misuse(err, "statement has %d parameters, 0 values given",
                             n);
    }
    if (guard_before(c, st, control, err) != LM_OK) {
      sqlite3_finalize(st);
      return LM_ERROR;
    }
    was_open = !sqlite3_get_autocommit(db);
    before = sqlite3_total_changes64(db);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      ;
    if (rc != SQLITE_DONE) lmsq_db_error(db, err);
    if (guard_after(c, st, was_open, rc != SQLITE_DONE, err) != LM_OK) {
      sqlite3_finalize(st);
      return LM_ERROR;
    }
    total += changes_since(db, before);
    sqlite3_finalize(st);
    if (tail == NULL || tail <= p) break;  /* no progress: a zero byte */
    p = tail;
  }
  *affected = total;
  return LM_OK;
}


int lmsq_prepare (void *conn, const char *sql, size_t len, void **stmt,
                  lm_error *err) {
  sq_conn *c = (sq_conn *)conn;
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  sq_stmt *s;
  int rc, control;
  if (len > INT_MAX)
    return lm_error_misuse(err, "SQL text too long");
  rc = prepare(c, sql, (int)len, &st, &tail, &control);
  if (rc != SQLITE_OK) return lmsq_db_error(db, err);
  if (st == NULL)
    return lm_error_misuse(err, "no SQL statement to prepare");
  if (tail != NULL && !only_blanks(tail, sql + len)) {
    sqlite3_finalize(st);
    return lm_error_misuse(err, "more than one SQL statement "
                           "(a script runs with execute and no values)");
  }
  s = (sq_stmt *)malloc(sizeof(*s));
  if (s == NULL) {
    sqlite3_finalize(st);
    return lm_error_set(err, SQLITE_NOMEM, NULL, "out of memory");
  }
  s->st = st;
  s->db = db;
  s->c = c;
  s->pending = 0;
  s->done = 1;
  s->control = control;
  *stmt = s;
  return LM_OK;
}


int lmsq_param_count (void *stmt) {
  return sqlite3_bind_parameter_count(((sq_stmt *)stmt)->st);
}


/* `text` is how text and blobs are bound: SQLITE_STATIC (SQLite reads
** the caller's bytes where they are) or SQLITE_TRANSIENT (it copies them
** first). */
static int bind_one (sqlite3_stmt *st, int i, const lm_value *v,
                     sqlite3_destructor_type text) {
  switch (v->type) {
    case LM_INTEGER:
      return sqlite3_bind_int64(st, i, (sqlite3_int64)v->v.i);
    case LM_FLOAT:
      return sqlite3_bind_double(st, i, v->v.f);
    case LM_BOOL:
      return sqlite3_bind_int(st, i, v->v.b != 0);
    case LM_TEXT:  /* never a NULL pointer: SQLite would bind NULL */
      return sqlite3_bind_text64(st, i, v->v.s.ptr ? v->v.s.ptr : "",
                                 (sqlite3_uint64)v->v.s.len, text,
                                 SQLITE_UTF8);
    case LM_BLOB:
      return sqlite3_bind_blob64(st, i, v->v.s.ptr ? v->v.s.ptr : "",
                                 (sqlite3_uint64)v->v.s.len, text);
    default:
      return sqlite3_bind_null(st, i);
  }
}


int lmsq_execute (void *stmt, int nparams, const lm_value *params,
                  int64_t *affected, lm_error *err) {
  sq_stmt *s = (sq_stmt *)stmt;
  sqlite3_int64 before;
  int i, rc, was_open, failed;
  /* A statement without result columns (an INSERT, UPDATE or DELETE
  ** without RETURNING) is done with its parameters when this call
  ** returns, and the caller's values live that long: SQLite reads them in
  ** place instead of copying each (a bulk insert binds two strings per
  ** row), and the bindings are cleared before returning, so that none
  ** outlives the values. A statement with rows reads its parameters again
  ** at each later step (fetch), after the caller's values are gone. */
  int in_place = sqlite3_column_count(s->st) == 0;
  sqlite3_reset(s->st);
  sqlite3_clear_bindings(s->st);
  s->pending = 0;
  s->done = 1;
  if (nparams != sqlite3_bind_parameter_count(s->st))
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           sqlite3_bind_parameter_count(s->st), nparams);
  for (i = 0; i < nparams; i++) {
    if (bind_one(s->st, i + 1, &params[i],
                 in_place ? SQLITE_STATIC : SQLITE_TRANSIENT) != SQLITE_OK) {
      lmsq_db_error(s->db, err);
      sqlite3_clear_bindings(s->st);
      return LM_ERROR;
    }
  }
  if (guard_before(s->c, s->st, s->control, err) != LM_OK) {
    sqlite3_clear_bindings(s->st);
    return LM_ERROR;
  }
  was_open = !sqlite3_get_autocommit(s->db);
  before = sqlite3_total_changes64(s->db);
  rc = sqlite3_step(s->st);
  failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
  if (failed) lmsq_db_error(s->db, err);
  if (guard_after(s->c, s->st, was_open, failed, err) != LM_OK) {
    sqlite3_reset(s->st);
    if (in_place) sqlite3_clear_bindings(s->st);
    return LM_ERROR;
  }
  if (rc == SQLITE_ROW) {
    s->pending = 1;
    s->done = 0;
    *affected = 0;
    return LM_OK;
  }
  *affected = changes_since(s->db, before);
  sqlite3_reset(s->st);
  if (in_place) sqlite3_clear_bindings(s->st);
  return LM_OK;
}


int lmsq_column_count (void *stmt) {
  return sqlite3_column_count(((sq_stmt *)stmt)->st);
}


const char *lmsq_column_name (void *stmt, int i) {
  return sqlite3_column_name(((sq_stmt *)stmt)->st, i);
}


int lmsq_fetch (void *stmt, lm_value *row, lm_error *err) {
  sq_stmt *s = (sq_stmt *)stmt;
  int i, n;
  if (s->done) return LM_DONE;
  if (s->pending)
    s->pending = 0;
  else {
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_DONE) {
      s->done = 1;
      sqlite3_reset(s->st);  /* release the read lock at once */
      return LM_DONE;
    }
    if (rc != SQLITE_ROW) {
      lmsq_db_error(s->db, err);
      s->done = 1;
      sqlite3_reset(s->st);
      return LM_ERROR;
    }
  }
  n = sqlite3_column_count(s->st);
  for (i = 0; i < n; i++) {
    lm_value *v = &row[i];
    switch (sqlite3_column_type(s->st, i)) {
      case SQLITE_INTEGER:
        v->type = LM_INTEGER;
        v->v.i = (int64_t)sqlite3_column_int64(s->st, i);
        break;
      case SQLITE_FLOAT:
        v->type = LM_FLOAT;
        v->v.f = sqlite3_column_double(s->st, i);
        break;
      case SQLITE_TEXT:  /* text first, then bytes: no conversion between */
        v->type = LM_TEXT;
        v->v.s.ptr = (const char *)sqlite3_column_text(s->st, i);
        v->v.s.len = (size_t)sqlite3_column_bytes(s->st, i);
        break;
      case SQLITE_BLOB:
        v->type = LM_BLOB;
        v->v.s.ptr = (const char *)sqlite3_column_blob(s->st, i);
        v->v.s.len = (size_t)sqlite3_column_bytes(s->st, i);
        break;
      default:
        v->type = LM_NULL;
        break;
    }
  }
  return LM_ROW;
}


void lmsq_reset (void *stmt) {
  sq_stmt *s = (sq_stmt *)stmt;
  sqlite3_reset(s->st);
  s->pending = 0;
  s->done = 1;
}


void lmsq_finalize (void *stmt) {
  sq_stmt *s = (sq_stmt *)stmt;
  sqlite3_finalize(s->st);
  free(s);
}
