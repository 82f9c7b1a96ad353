/*
** driver_postgres_pipeline.c: queue and sync of the PostgreSQL driver
** (driver.h), on libpq's pipeline mode: a data migration's UPDATE per row
** is sent without waiting for its answer, and the answers are read in one
** go at sync, so that the loop is no longer bound by round trips.
**
** Inside a transaction (a revision's) the statements go down one pipeline
** with no Sync between them: when one fails, the server skips the rest
** (PGRES_PIPELINE_ABORTED), as execute would never have run them, and the
** transaction is aborted as after a failed execute. Outside a transaction
** the same pipeline would be one implicit transaction, so that a failure
** would undo the statements before it, and a Sync after each statement
** would let those after it run: there the statement runs at once instead,
** and only its row count waits for the sync.
**
** What was sent is listed in order (pg_conn.cmds): the parses of the
** unnamed prepared statement (lmpg_send) and the executes, so that sync
** tells each answer's statement.
*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"


/* Room for `more` commands in the list. */
int lmpg_pipeline_reserve (pg_conn *c, int more, lm_error *err) {
  unsigned char *p;
  int cap;
  if (c->ncmds + more <= c->capcmds) return LM_OK;
  cap = c->capcmds > 0 ? 2 * c->capcmds : 256;
  while (cap < c->ncmds + more) cap *= 2;
  if ((p = (unsigned char *)realloc(c->cmds, (size_t)cap)) == NULL)
    return lm_error_set(err, 0, NULL, "out of memory");
  c->cmds = p;
  c->capcmds = cap;
  return LM_OK;
}


/* A command sent (room reserved before). */
void lmpg_pipeline_note (pg_conn *c, int cmd) {
  c->cmds[c->ncmds++] = (unsigned char)cmd;
}


#ifdef LIBPQ_HAS_PIPELINING  /* libpq 14+ (driver_postgres.c leaves queue and
                                sync out before) */

/* Outside a transaction: execute now, refusing a statement with rows
** (after it ran: PostgreSQL tells only then; it committed, as an execute
** would have). */
static int run_at_once (pg_conn *c, void *stmt, int nparams,
                        const lm_value *params, lm_error *err) {
  int64_t n = 0;
  int rc = lmpg_execute(stmt, nparams, params, &n, err);
  if (rc == LM_OK && lmpg_column_count(stmt) > 0)
    rc = lm_error_set(err, 0, NULL, "%s", LM_QUEUE_ROWS);
  lmpg_reset(stmt);
  if (rc == LM_OK) c->settled += n;
  return rc;
}


int lmpg_queue (void *stmt, int nparams, const lm_value *params,
                lm_error *err) {
  pg_conn *c = lmpg_stmt_conn(stmt);
  int rc = lmpg_queueable(stmt, nparams, err);
  if (rc != LM_OK) return rc;
  if (lmpg_begin_send(c, err) != LM_OK) return LM_ERROR;
  if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) {
    if (!lmpg_in_transaction(c)) return run_at_once(c, stmt, nparams, params, err);
    if (!PQenterPipelineMode(c->pg)) return lmpg_result_error(c, NULL, err);
    c->ncmds = 0;
    c->unnamed = NULL;
  }
  rc = lmpg_send(stmt, nparams, params, err);
  if (rc != LM_OK && c->ncmds == 0) PQexitPipelineMode(c->pg);  /* nothing to sync */
  return rc;
}


/* The answer to command `cmd`, for statement `at` (the one a parse was
** for; the COMMIT's `at` is the number of statements queued): its row
** count into *total, or the first failure into err and *failed. */
static void read_answer (pg_conn *c, PGresult *res, int cmd, int64_t at,
                         int *rc, int64_t *total, int64_t *failed,
                         lm_error *err) {
  ExecStatusType st = PQresultStatus(res);
  if (*rc != LM_OK || st == PGRES_PIPELINE_ABORTED) return;  /* did not run */
  if (cmd == PG_CMD_EXECUTE && st == PGRES_TUPLES_OK && PQnfields(res) > 0)
    *rc = lm_error_set(err, 0, NULL, "%s", LM_QUEUE_ROWS);
  else
    *rc = lmpg_check_result(c, res, err);
  /* as lmpg_commit: the server answers the COMMIT of a failed transaction
  ** with ROLLBACK */
  if (*rc == LM_OK && cmd == PG_CMD_COMMIT && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
    *rc = lm_error_set(err, 0, "25P02", "COMMIT rolled the transaction back: "
                       "a statement in it had failed");
  if (*rc != LM_OK) *failed = at;
  else if (cmd == PG_CMD_EXECUTE) *total += lmpg_changed_rows(res);
}


/* Read the answers: each command's results up to the NULL after them,
** then the Sync's. 1 when the Sync's came (all was read). */
static int read_answers (pg_conn *c, int *rc, int64_t *total,
                         int64_t *failed, lm_error *err) {
  PGresult *res;
  int64_t at = 0;
  int k, any;
  for (k = 0; k < c->ncmds; k++) {
    any = 0;
    while ((res = PQgetResult(c->pg)) != NULL) {
      if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {  /* answers cut short */
        PQclear(res);
        return 0;
      }
      if (!any) read_answer(c, res, c->cmds[k], at, rc, total, failed, err);
      any = 1;
      PQclear(res);
    }
    if (!any && PQstatus(c->pg) == CONNECTION_BAD) return 0;
    if (c->cmds[k] == PG_CMD_EXECUTE) at++;
  }
  res = PQgetResult(c->pg);
  any = res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
  PQclear(res);
  return any;
}


/* The COMMIT that ends the pipeline (sync_commit): sent after the queued
** statements, before the Sync. The server skips it when one of them failed
** (the transaction is then aborted, for the caller to roll back). */
static int send_commit (pg_conn *c, lm_error *err) {
  if (lmpg_pipeline_reserve(c, 1, err) != LM_OK) return LM_ERROR;
  if (!PQsendQueryParams(c->pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
    return lmpg_result_error(c, NULL, err);
  lmpg_pipeline_note(c, PG_CMD_COMMIT);
  return LM_OK;
}


/* Sync the pipeline, `commit` with a COMMIT sent last (its failure has
** *failed = -1). */
static int end_pipeline (pg_conn *c, int commit, int64_t *affected,
                         int64_t *failed, lm_error *err) {
  int64_t total = c->settled, queued = 0;
  int rc = LM_OK, k, synced = 0, sent = 0;
  lm_error unsent;
  c->settled = 0;
  *affected = 0;
  *failed = 0;
  for (k = 0; k < c->ncmds; k++) queued += c->cmds[k] == PG_CMD_EXECUTE;
  /* a COMMIT that cannot be sent fails the call, after the queued
  ** statements are synced, so that the connection leaves pipeline mode */
  if (commit) sent = send_commit(c, &unsent) == LM_OK;
  if (PQpipelineSync(c->pg)) synced = read_answers(c, &rc, &total, failed, err);
  else rc = lmpg_result_error(c, NULL, err);
  c->ncmds = 0;
  c->unnamed = NULL;  /* no plan outlives the pipeline */
  if (!PQexitPipelineMode(c->pg) && rc == LM_OK)
    rc = lmpg_result_error(c, NULL, err);
  if (!synced && rc == LM_OK)
    rc = lm_error_set(err, 0, "08006", "the answers of the queued statements "
                      "were cut short: %s", PQerrorMessage(c->pg));
  /* the guard's backstop (driver.h): lmpg_queueable refused what would end
  ** the transaction; it must still be open (sync_commit refuses to run
  ** with the guard on) */
  if (!commit && lmpg_guard_after(c, 1, rc != LM_OK, "queued statements", 17, err) != LM_OK) {
    if (rc == LM_OK) *failed = queued > 0 ? queued - 1 : 0;
    rc = LM_ERROR;
  }
  if (rc == LM_OK && commit && !sent) {
    *err = unsent;
    rc = LM_ERROR;
    *failed = -1;
  } else if (rc != LM_OK && commit && *failed >= queued)
    *failed = -1;  /* read_answer counted the COMMIT after the statements */
  if (rc == LM_OK) *affected = total;
  return rc;
}


int lmpg_sync (void *conn, int64_t *affected, int64_t *failed,
               lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) {
    *affected = c->settled;
    *failed = 0;
    c->settled = 0;
    return LM_OK;
  }
  return end_pipeline(c, 0, affected, failed, err);
}


/* The queued statements and the COMMIT in one round trip. Without a
** pipeline (nothing queued, or all of it run at once) it is a sync and a
** commit. */
int lmpg_sync_commit (void *conn, int64_t *affected, int64_t *failed,
                      lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  int rc;
  if (c->guard.on) {  /* as the binding's sync, then commit, would */
    if ((rc = lmpg_sync(conn, affected, failed, err)) != LM_OK) return rc;
    *failed = -1;
    return lm_guard_refuse(err, "COMMIT", 6);
  }
  if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) {
    rc = lmpg_sync(conn, affected, failed, err);
    if (rc == LM_OK && (rc = lmpg_commit(conn, err)) != LM_OK) *failed = -1;
    return rc;
  }
  return end_pipeline(c, 1, affected, failed, err);
}

#endif
