/*
** driver_mysql_stmt.c: preparing and running the statements of the
** MySQL/MariaDB driver (see driver_mysql.c): a server-side prepared
** statement when there are values to bind; otherwise (and for the few
** statements the binary protocol refuses: PREPARE, EXECUTE, DEALLOCATE
** PREPARE) the statement's text run with mysql_real_query.
** Execute stores the whole result client-side, so that other statements
** can run on the connection while it is read; driver_mysql_result.c
** describes and fetches it.
*/

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "driver.h"
#include "driver_mysql.h"


/*
** {======================================================
** Statements: preparing, binding, executing
** =======================================================
*/

/* The statement's text: the text protocol runs it, a server-side
** statement is prepared from it again after an error (prepare_again). */
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
  else if (mysql_stmt_prepare(s->st, sql, (unsigned long)send) == 0) {
    rc = alloc_params(s, err);
    if (rc == LM_OK) rc = keep_text(s, sql, send, err);
  }
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
      rc = lmy_stmt_error(s->st, err);
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


/* rows(): how many rows a server-side cursor fetches at a time. */
#define STREAM_ROWS 1000

static int open_cursor (my_stmt *s, lm_error *err) {
  unsigned long cursor = CURSOR_TYPE_READ_ONLY, prefetch = STREAM_ROWS;
  if (mysql_stmt_attr_set(s->st, STMT_ATTR_CURSOR_TYPE, &cursor) ||
      mysql_stmt_attr_set(s->st, STMT_ATTR_PREFETCH_ROWS, &prefetch))
    return lmy_stmt_error(s->st, err);
  return LM_OK;
}


/* A server-side statement that failed is prepared anew before it runs
** again: after a Galera node aborted it for another node's DDL while its
** rows were on the way (ER_LOCK_DEADLOCK from mysql_stmt_store_result),
** libmariadb 3.3 waits forever for the reply to its next execute,
** mysql_stmt_reset or not. One round trip, after errors only. */
static int prepare_again (my_stmt *s, lm_error *err) {
  MYSQL_STMT *st;
  mysql_stmt_close(s->st);
  s->st = st = mysql_stmt_init(s->conn->db);
  if (st == NULL) return lmy_no_memory(err);
  lmy_side_settle(s->conn->side);
  if (mysql_stmt_prepare(st, s->sql, s->len)) return lmy_stmt_error(st, err);
  if (s->streaming && open_cursor(s, err) != LM_OK) return LM_ERROR;
  s->stale = 0;
  return LM_OK;
}


static int exec_binary (my_stmt *s, int nparams, const lm_value *params,
                        int64_t *affected, lm_error *err) {
  MYSQL_STMT *st = s->st;
  MYSQL_RES *meta;
  int i, rc;
  for (i = 0; i < nparams; i++)
    bind_param(&s->pbind[i], &s->pval[i], &s->plen[i], &params[i]);
  if (nparams > 0 && mysql_stmt_bind_param(st, s->pbind))
    return lmy_stmt_error(st, err);
  if (mysql_stmt_execute(st)) return lmy_stmt_error(st, err);
  s->active = 1;
  if (mysql_stmt_field_count(st) == 0) {
    *affected = lmy_affected_rows(mysql_stmt_affected_rows(st));
    lmy_note_insert_id(s->conn, mysql_stmt_insert_id(st));
    lmy_finish(s);
    return LM_OK;
  }
  /* A cursor's rows stay on the server until fetched: nothing to store. */
  if (!s->streaming && mysql_stmt_store_result(st)) {
    lmy_stmt_error(st, err);
    lmy_finish(s);
    return LM_ERROR;
  }
  meta = mysql_stmt_result_metadata(st);
  if (meta == NULL) {
    lmy_stmt_error(st, err);
    lmy_finish(s);
    return LM_ERROR;
  }
  rc = lmy_describe_result(s, meta, err);
  mysql_free_result(meta);
  if (rc == LM_OK) rc = lmy_bind_result(s, err);
  if (rc != LM_OK) lmy_clear_result(s);
  return rc;
}


static int exec_text (my_stmt *s, int64_t *affected, lm_error *err) {
  MYSQL *db = s->conn->db;
  int status, rc = LM_OK;
  if (mysql_real_query(db, s->sql, s->len)) return lmy_conn_error(db, err);
  s->res = mysql_store_result(db);
  if (s->res != NULL)
    rc = lmy_describe_result(s, s->res, err);
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
    lmy_clear_result(s);
    return rc;
  }
  s->active = s->res != NULL;
  return LM_OK;
}


int lmy_execute (void *stmt, int nparams, const lm_value *params,
                 int64_t *affected, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  int tries;
  lmy_clear_result(s);
  *affected = 0;
  if (nparams != s->nparams)
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           s->nparams, nparams);
  if (s->control != NULL && s->conn->guard.on)
    return lm_guard_refuse(err, s->control, s->control_len);
  if (lmy_begin_send(s->conn, err) != LM_OK) return LM_ERROR;
  /* Outside a transaction, a statement a deadlock undid runs again
  ** (lmy_retry_deadlock says when, and how long to wait first). */
  for (tries = 1;; tries++) {
    unsigned int status = lmy_server_status(s->conn->db);
    int rc;
    if (s->stale && prepare_again(s, err) != LM_OK) return LM_ERROR;
    lmy_side_settle(s->conn->side);
    if (s->st == NULL)
      rc = exec_text(s, affected, err);
    else if ((rc = exec_binary(s, nparams, params, affected, err)) != LM_OK)
      s->stale = 1;
    if (rc == LM_OK || !lmy_retry_deadlock(status, err, tries)) return rc;
    lmy_clear_result(s);
  }
}

/* }====================================================== */


/*
** {======================================================
** Statements: streaming, freeing
** =======================================================
*/

/* rows(): a read-only server-side cursor fetched STREAM_ROWS at a time.
** The rows wait on the server (MariaDB keeps them in a temporary table),
** so the client holds one batch, and the connection is free for other
** statements between fetches, which a plain unbuffered result would not
** allow. A statement kept as text (no parameters) is prepared now. */
int lmy_stream (void *stmt, lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  if (s->st == NULL) {
    lmy_side_settle(s->conn->side);
    s->st = mysql_stmt_init(s->conn->db);
    if (s->st == NULL) return lmy_no_memory(err);
    if (mysql_stmt_prepare(s->st, s->sql, s->len) != 0) {
      int rc = lmy_stmt_error(s->st, err);
      mysql_stmt_close(s->st);
      s->st = NULL;
      return rc;
    }
  }
  if (open_cursor(s, err) != LM_OK) return LM_ERROR;
  s->streaming = 1;
  return LM_OK;
}


void lmy_finalize (void *stmt) {
  my_stmt *s = (my_stmt *)stmt;
  int i;
  lmy_clear_result(s);
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
  free(s->marks);
  free(s);
}

/* }====================================================== */
