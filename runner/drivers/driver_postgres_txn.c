/*
** driver_postgres_txn.c: transactions of the PostgreSQL driver: BEGIN,
** COMMIT and ROLLBACK, the transaction guard (driver.h) that every path
** running SQL asks before and after (lmpg_guard_before, lmpg_guard_after),
** and last_insert_id, whose query must not abort an open transaction.
** lmpg_run, the plain query they use, is here too.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"
#include "sqltext.h"


/*
** {======================================================
** Transactions and the guard
** =======================================================
*/

int lmpg_run (pg_conn *c, const char *sql, lm_error *err) {
  PGresult *res;
  int rc;
  lmpg_ahead_drop(c);
  res = PQexec(c->pg, sql);
  rc = lmpg_check_result(c, res, err);
  PQclear(res);
  return rc;
}


/* The transaction guard (driver.h): the statements of `sql` are looked at
** as the server will read them, with backslash escapes in '...' when
** standard_conforming_strings is off (the server reports the setting). */
int lmpg_controls (pg_conn *c, const char *sql, size_t len, size_t *at,
                   size_t *n) {
  const char *scs = PQparameterStatus(c->pg, "standard_conforming_strings");
  int flags = scs != NULL && strcmp(scs, "off") == 0 ? LM_SQLTEXT_BACKSLASH : 0;
  return lm_sql_transaction_control(sql, len, flags, at, n);
}


/* Before `sql` runs: LM_OK, or the guard's refusal. */
int lmpg_guard_before (pg_conn *c, const char *sql, size_t len,
                       lm_error *err) {
  size_t at, n;
  if (!c->guard.on) return LM_OK;
  if (lm_guard_check(&c->guard, err) != LM_OK) return LM_ERROR;
  if (lmpg_controls(c, sql, len, &at, &n)) return lm_guard_refuse(err, sql + at, n);
  return LM_OK;
}


/* While statements are queued (pipeline mode) libpq says the connection
** is busy; a pipeline is only ever entered inside a transaction, and no
** queued statement may end it (lmpg_queueable), so it is open. */
int lmpg_in_transaction (pg_conn *c) {
  PGTransactionStatusType ts;
  lmpg_ahead_read(c);
  if (c->begin_held) return 1;
#ifdef LIBPQ_HAS_PIPELINING
  if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF) return 1;
#endif
  ts = PQtransactionStatus(c->pg);
  return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}


/* After `sql` ran (`failed`: err says why), with a transaction open before
** it when `was_open`: the backstop. A lost connection is no ended
** transaction: its status is unknown, not idle. */
int lmpg_guard_after (pg_conn *c, int was_open, int failed, const char *sql,
                      size_t len, lm_error *err) {
  if (!c->guard.on || !was_open || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
    return failed ? LM_ERROR : LM_OK;
  return lm_guard_ended(&c->guard, failed, 0, sql, len, err);
}


int lmpg_guard (void *conn, int on, int *rolled_back, lm_error *err) {
  lmpg_ahead_drop((pg_conn *)conn);
  return lm_guard_set(&((pg_conn *)conn)->guard, on, rolled_back, err);
}


/* BEGIN, COMMIT and ROLLBACK of the driver are refused by the guard too. */
static int guard_control (pg_conn *c, const char *sql, lm_error *err) {
  if (!c->guard.on) return LM_OK;
  return lm_guard_refuse(err, sql, strlen(sql));
}


/* The text of BEGIN, as one simple query; its length.
** PostgreSQL 14+: in every transaction the server checks each second that
** its client is still there. A luamig killed in a long statement otherwise
** leaves it running to its end, holding what it locked (a table it
** created, the version table) while the next run waits behind it. SET
** LOCAL, so that behind a transaction pooler it applies to the server
** connection that runs this transaction (a session SET may have gone to
** another one). */
int lmpg_begin_sql (pg_conn *c, char *buf, size_t size) {
  return snprintf(buf, size, "BEGIN%s%s%s",
                  atoi(c->version) >= 14 ? "; SET LOCAL client_connection_check_interval = 1000" : "",
                  c->schema[0] != '\0' ? "; SET LOCAL search_path TO " : "", c->schema);
}


/* begin only notes that a transaction is to start (begin_held): its
** BEGIN goes in front of the next script (lmpg_exec_script), as one simple
** query, which saves a round trip per transaction (a revision's first
** statement is most often DDL, a script); every other path sends it on
** its own first, here. A COMMIT or ROLLBACK with nothing sent since
** begin has nothing to end. */
int lmpg_begin_send (pg_conn *c, lm_error *err) {
  char sql[PG_BEGIN_SIZE];
  if (!c->begin_held) return LM_OK;
  c->begin_held = 0;
  lmpg_begin_sql(c, sql, sizeof sql);
  return lmpg_run(c, sql, err);
}


int lmpg_begin (void *conn, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGTransactionStatusType ts;
  lmpg_ahead_drop(c);
  ts = PQtransactionStatus(c->pg);
  if (guard_control(c, "BEGIN", err) != LM_OK) return LM_ERROR;
  if (c->begin_held || ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
    return lm_error_set(err, 0, "25001", "cannot start a transaction within "
                        "a transaction");
  /* a connection already lost says so now, as BEGIN sent at once would */
  if (PQstatus(c->pg) != CONNECTION_OK) return lmpg_result_error(c, NULL, err);
  c->begin_held = 1;
  return LM_OK;
}


/* The server answers COMMIT of a transaction in which a statement
** failed with ROLLBACK, and no error: that is a failed commit. */
int lmpg_commit (void *conn, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGresult *res;
  int rc;
  lmpg_ahead_drop(c);
  if (guard_control(c, "COMMIT", err) != LM_OK) return LM_ERROR;
  if (c->begin_held) {  /* nothing ran in it */
    c->begin_held = 0;
    return LM_OK;
  }
  if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
    return lm_error_set(err, 0, "25P01", "cannot commit: no transaction is "
                        "active");
  res = PQexec(c->pg, "COMMIT");
  rc = lmpg_check_result(c, res, err);
  if (rc == LM_OK && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
    rc = lm_error_set(err, 0, "25P02", "COMMIT rolled the transaction back: "
                      "a statement in it had failed");
  PQclear(res);
  return rc;
}


/* Like the server, a ROLLBACK with no transaction open succeeds (so that
** cleaning up after a failed COMMIT does not fail again). */
int lmpg_rollback (void *conn, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  if (guard_control(c, "ROLLBACK", err) != LM_OK) return LM_ERROR;
  if (c->begin_held) {  /* nothing ran in it */
    c->begin_held = 0;
    return LM_OK;
  }
  return lmpg_run(c, "ROLLBACK", err);
}


/* lastval(): the value nextval() gave last in this session, over every
** sequence (identity columns included); 0 when none was used yet, which
** the server reports as an error. Inside a transaction that error would
** abort it, so the query runs in a savepoint there. */
int64_t lmpg_last_insert_id (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  PGTransactionStatusType ts;
  int64_t id = 0;
  int ok = 0;
  lm_error err;
  PGresult *res;
  lmpg_ahead_drop(c);
  if (lmpg_begin_send(c, &err) != LM_OK) return 0;
  ts = PQtransactionStatus(c->pg);
  if (ts == PQTRANS_INERROR) return 0;
  if (ts == PQTRANS_INTRANS && lmpg_run(c, "SAVEPOINT luamig_lastval", &err) != LM_OK)
    return 0;
  res = PQexec(c->pg, "SELECT lastval()");
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
      !PQgetisnull(res, 0, 0)) {
    id = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ok = 1;
  }
  PQclear(res);
  if (ts == PQTRANS_INTRANS) {
    if (!ok) lmpg_run(c, "ROLLBACK TO SAVEPOINT luamig_lastval", &err);
    lmpg_run(c, "RELEASE SAVEPOINT luamig_lastval", &err);
  }
  return id;
}

/* }====================================================== */
