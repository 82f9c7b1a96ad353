/*
** driver_mysql_pipeline.c: queue and sync of the MySQL/MariaDB driver
** (driver.h), so that a data migration's UPDATE per row no longer costs
** a round trip per row. Two batches, sent in one round trip each:
**  - the bulk batch, on MariaDB's bulk execution (COM_STMT_BULK_EXECUTE,
**    10.2+): consecutive queues of one prepared statement kept client-side
**    as arrays of values (driver_mysql_batch.c), which the server runs row
**    by row without parsing them again;
**  - the text batch (driver_mysql_text.c): statements written as SQL
**    text with their values as literals, joined by `;` into one
**    multi-statement query, for what bulk cannot carry: short runs of a
**    statement among others (a bulk execution costs two round trips),
**    statements that generate AUTO_INCREMENT ids, a server without bulk
**    execution (MySQL).
** The text batch's statements come before the bulk batch's rows. Both go
** when they are full (LMY_BATCH_ROWS, or BATCH_BYTES, under the server's
** max_allowed_packet), when the bulk batch's statement or the type of one
** of its values changes, before a statement that runs at once, and at
** sync; sync_commit puts the COMMIT last in the text batch. Nothing is
** ever in flight between two calls: each answer is read before the call
** that sent it returns, so that the connection is free for any other call
** (fetch_ahead).
**
** The outcome must be execute's (driver.h). A multi-statement query stops
** at its first failing statement, and its k-th result tells the k-th
** statement's error. A bulk execution stops at its failing row, the rows
** before it done, but does not say which row it was: a SAVEPOINT is taken
** before each and, on a failure, the batch is rolled back to it and its
** rows run again one by one with execute until one fails, whose error is
** then execute's own; rows before it are as execute would leave them.
** Where that cannot be done (the server rolled the whole transaction back,
** a cancel, a lost connection, a non-transactional table that the
** rollback could not undo) the batch's first statement is named, with a
** note saying so.
**
** Only inside a transaction, and only prepared statements. Otherwise, and
** for the first queue of each statement (which tells whether it returns
** rows, since a RETURNING clause shows only when it runs, and whether it
** generates ids), the statement runs at once, after the batches; so do
** statements that the server refuses in bulk (anything but INSERT,
** UPDATE, DELETE, REPLACE: ER_UNSUPPORTED_PS, before any row ran) and
** values that have no literal in a text batch.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include "driver.h"
#include "driver_mysql.h"

#define BATCH_BYTES  (1u << 20)  /* bytes of one batch's command, at most */
#define TEXT_RUN     4           /* a run of fewer rows of one statement
                                    goes as text: a bulk execution costs
                                    two round trips (its savepoint's) */

#define SAVEPOINT    "SAVEPOINT luamig_queue"
#define ROLLBACK_TO  "ROLLBACK TO SAVEPOINT luamig_queue"

enum { Q_PROBE = 0,  /* my_stmt.queue_mode: not queued yet: run at once */
       Q_BULK,       /* queued in bulk batches (short runs as text) */
       Q_TEXT,       /* queued as text: it generates AUTO_INCREMENT ids,
                        or the server has no bulk execution */
       Q_AT_ONCE };  /* the server refused it in bulk: run at once */

struct my_queue {
  int bulk;                /* the server takes bulk execution */
  size_t max_bytes;        /* of one batch's command, 0: no batches */
  my_batch *batch;         /* the bulk batch (driver_mysql_batch.c) */
  char *text;              /* the text batch: statements with their values
                              as literals, joined by `;`; before the bulk
                              batch's rows when both have some */
  size_t ntext, captext;
  int ntexts;              /* statements in it */
  int64_t done;            /* statements queued since the last sync, run or
                              sent before the batches */
  int64_t settled;         /* the rows they changed */
  int failed;              /* one of them failed: sync tells which */
  int64_t failed_at;
  lm_error failure;
};


/*
** {======================================================
** The queue
** =======================================================
*/

void lmy_queue_free (my_queue *q) {
  if (q == NULL) return;
  lmy_batch_free(q->batch);
  free(q->text);
  free(q);
}


/* The server's max_allowed_packet, which a batch's command must stay
** under (0 when it cannot be read). One round trip, once a connection. */
static size_t max_packet (MYSQL *db) {
  MYSQL_RES *res;
  MYSQL_ROW r;
  size_t n = 0;
  if (mysql_query(db, "SELECT @@max_allowed_packet")) return 0;
  if ((res = mysql_store_result(db)) == NULL) return 0;
  if ((r = mysql_fetch_row(res)) != NULL && r[0] != NULL)
    n = (size_t)strtoull(r[0], NULL, 10);
  mysql_free_result(res);
  return n;
}


static my_queue *queue_of (my_conn *c, lm_error *err) {
  my_queue *q = c->queue;
  unsigned long caps = 0, ext = 0;
  size_t packet;
  if (q != NULL) return q;
  if ((q = (my_queue *)calloc(1, sizeof(*q))) == NULL ||
      (q->batch = lmy_batch_new()) == NULL) {
    free(q);
    lmy_no_memory(err);
    return NULL;
  }
  /* MariaDB tells bulk execution among its extended capabilities and
  ** clears CLIENT_MYSQL; MySQL has neither. */
  mariadb_get_infov(c->db, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps);
  mariadb_get_infov(c->db, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES,
                    &ext);
  q->bulk = !(caps & CLIENT_MYSQL) &&
            (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
  lmy_side_settle(c->side);
  packet = max_packet(c->db);
  q->max_bytes = packet / 2 < BATCH_BYTES ? packet / 2 : BATCH_BYTES;
  if (q->max_bytes < 1024) q->max_bytes = 0;  /* cannot tell: no batches */
  c->queue = q;
  return q;
}


/* Statement `pos` (since the last sync) failed with `e`: kept for sync. */
static int fail_at (my_queue *q, int64_t pos, const lm_error *e) {
  q->failed = 1;
  q->failed_at = pos;
  q->failure = *e;
  return LM_ERROR;
}

/* }====================================================== */


/*
** {======================================================
** The bulk batch: sending it, finding its failing row
** =======================================================
*/

/* Rows [from, to) of the batch, one execute each, stopping at a failure
** (row r is the statement q->done + r since the last sync). */
static int one_by_one (my_conn *c, my_stmt *s, int from, int to) {
  my_queue *q = c->queue;
  lm_error e;
  int r;
  for (r = from; r < to; r++) {
    int64_t n = 0;
    int rc;
    lm_error_clear(&e);
    rc = lmy_execute(s, s->nparams, lmy_batch_row(q->batch, r), &n, &e);
    lmy_reset(s);
    if (rc != LM_OK) return fail_at(q, q->done + r, &e);
    q->settled += n;
  }
  return LM_OK;
}


/* After a failed batch: can it be rolled back to its savepoint and run
** again? Not after a cancel or timeout (the caller asked to stop), a
** client-side error (the connection), or when the server rolled the
** transaction back (a deadlock): the savepoint is gone. */
static int replayable (my_conn *c, const lm_error *e) {
  if (e->code == ER_QUERY_INTERRUPTED || e->code == ER_STATEMENT_TIMEOUT ||
      e->code >= CR_MIN_ERROR || e->code == 0)
    return 0;
  return lmy_in_transaction(c);
}


/* A failed batch that could not be run again: its first statement is the
** one named, and the message says why. */
static int fail_unknown (my_queue *q, int n, lm_error *e) {
  char msg[LM_MESSAGE_SIZE + 128];  /* cut to fit by lm_error_copy */
  snprintf(msg, sizeof(msg), "%s (one of the %d statements queued from "
           "this one, sent together; which one failed is not known)",
           e->message, n);
  lm_error_copy(e->message, sizeof(e->message), msg);
  return fail_at(q, q->done, e);
}


/* The batch's `n` rows as one bulk execution, inside a savepoint. */
static int run_bulk (my_conn *c, my_stmt *s, int n) {
  my_queue *q = c->queue;
  MYSQL *db = c->db;
  unsigned int size = (unsigned int)n, zero = 0;
  my_ulonglong affected, id;
  lm_error e;
  int failed;
  lmy_side_settle(c->side);
  if (lmy_begin_send(c, &e) != LM_OK) return fail_at(q, q->done, &e);
  if (mysql_real_query(db, SAVEPOINT, (unsigned long)strlen(SAVEPOINT))) {
    lmy_conn_error(db, &e);
    return fail_at(q, q->done, &e);
  }
  lm_error_clear(&e);
  failed = mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &size) ||
           mysql_stmt_bind_param(s->st, lmy_batch_binds(q->batch)) ||
           mysql_stmt_execute(s->st);
  if (failed) lmy_stmt_error(s->st, &e);
  affected = mysql_stmt_affected_rows(s->st);
  id = mysql_stmt_insert_id(s->st);
  mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &zero);  /* execute's again */
  if (!failed) {
    q->settled += lmy_affected_rows(affected);
    lmy_note_insert_id(c, id);
    if (id != 0) s->queue_mode = Q_TEXT;  /* see run_at_once */
    return LM_OK;
  }
  if (e.code == ER_UNSUPPORTED_PS) {  /* refused before any row ran */
    s->queue_mode = Q_AT_ONCE;
    return one_by_one(c, s, 0, n);
  }
  if (!replayable(c, &e)) return fail_unknown(q, n, &e);
  if (mysql_real_query(db, ROLLBACK_TO, (unsigned long)strlen(ROLLBACK_TO)) ||
      mysql_warning_count(db) > 0)  /* a table the rollback did not undo */
    return fail_unknown(q, n, &e);
  return one_by_one(c, s, 0, n);
}


/* Send the bulk batch (the text batch is empty) and read its answer:
** LM_OK, or LM_ERROR with the failure kept in the queue. A statement that
** failed before (stale: driver_mysql_stmt.c prepares it again) runs one
** by one, through execute. */
static int send_batch (my_conn *c) {
  my_queue *q = c->queue;
  my_stmt *s = lmy_batch_stmt(q->batch);
  int n = lmy_batch_rows(q->batch), rc;
  if (n == 0) return LM_OK;
  if (n < 2 || s->queue_mode != Q_BULK || s->stale || !lmy_in_transaction(c))
    rc = one_by_one(c, s, 0, n);
  else
    rc = run_bulk(c, s, n);
  if (rc == LM_OK) q->done += n;
  lmy_batch_clear(q->batch);
  return rc;
}

/* }====================================================== */


/*
** {======================================================
** The text batch
** =======================================================
*/

/* Send the text batch as one query and read its results, one per
** statement: the server stops at the first failing one, so that the k-th
** result's error is the k-th statement's, those before it done, those
** after it not run. */
static int send_text (my_conn *c) {
  my_queue *q = c->queue;
  MYSQL *db = c->db;
  lm_error e;
  int k, rc = LM_OK, status, prefixed;
  if (q->ntexts == 0) return LM_OK;
  lmy_side_settle(c->side);
  if (lmy_query_held(c, q->text, q->ntext, &prefixed, &e) != LM_OK)
    rc = fail_at(q, q->done, &e);
  /* k: the statement whose result comes; -1 the held START TRANSACTION's */
  else for (k = -prefixed, status = 0; status == 0;) {
    MYSQL_RES *res = mysql_store_result(db);
    if (res != NULL) {  /* rows: cannot be (the first queue ran at once) */
      mysql_free_result(res);
      lm_error_set(&e, 0, NULL, "%s", LM_QUEUE_ROWS);
      if (rc == LM_OK) rc = fail_at(q, q->done + (k > 0 ? k : 0), &e);
    }
    else if (mysql_field_count(db) != 0) {
      lmy_conn_error(db, &e);
      if (rc == LM_OK) rc = fail_at(q, q->done + (k > 0 ? k : 0), &e);
    }
    else if (rc == LM_OK) {
      q->settled += lmy_affected_rows(mysql_affected_rows(db));
      lmy_note_insert_id(c, mysql_insert_id(db));
    }
    k++;
    if ((status = mysql_next_result(db)) > 0) {
      lmy_conn_error(db, &e);
      if (rc == LM_OK) rc = fail_at(q, q->done + k, &e);
    }
  }
  if (rc == LM_OK) q->done += q->ntexts;
  q->ntext = 0;
  q->ntexts = 0;
  return rc;
}


/* A short run of one statement in the bulk batch goes into the text
** batch instead: unless a row has no text, or there is no room. */
static void short_run_to_text (my_queue *q) {
  my_stmt *s = lmy_batch_stmt(q->batch);
  size_t ntext = q->ntext;
  int r, n = lmy_batch_rows(q->batch), ntexts = q->ntexts;
  if (n == 0 || n >= TEXT_RUN || ntexts + n > LMY_BATCH_ROWS) return;
  for (r = 0; r < n; r++) {
    const lm_value *row = lmy_batch_row(q->batch, r);
    if (q->ntext + lmy_render_size(s, row) > q->max_bytes ||
        lmy_render(s, row, &q->text, &q->ntext, &q->captext) != 1) {
      q->ntext = ntext;  /* sent as it is */
      q->ntexts = ntexts;
      return;
    }
    q->ntexts++;
  }
  lmy_batch_clear(q->batch);
}


/* Send all that is queued: the text batch, then the bulk batch. */
static int flush (my_conn *c) {
  my_queue *q = c->queue;
  short_run_to_text(q);
  if (send_text(c) != LM_OK) {
    lmy_batch_clear(q->batch);  /* its rows came after: not run */
    return LM_ERROR;
  }
  return send_batch(c);
}


/* The bulk batch makes way for another statement: a short run goes into
** the text batch, a long one is sent (after the text). */
static int close_batch (my_conn *c) {
  short_run_to_text(c->queue);
  return lmy_batch_rows(c->queue->batch) > 0 ? flush(c) : LM_OK;
}


/* Append the statement to the text batch, after what is queued: 1
** written, 0 it has no text (run it with execute), -1 out of memory,
** LM_ERROR when sending what was queued failed. */
static int add_text (my_conn *c, my_stmt *s, const lm_value *params) {
  my_queue *q = c->queue;
  size_t size = lmy_render_size(s, params);
  if (size > q->max_bytes) return 0;  /* a blob as hex would pass the limit */
  if (close_batch(c) != LM_OK) return LM_ERROR;
  if (q->ntexts > 0 && (q->ntexts >= LMY_BATCH_ROWS ||
      q->ntext + size > q->max_bytes) &&
      send_text(c) != LM_OK)
    return LM_ERROR;
  switch (lmy_render(s, params, &q->text, &q->ntext, &q->captext)) {
    case 1: q->ntexts++; return 1;
    case 0: return 0;
    default: return -1;
  }
}

/* }====================================================== */


/*
** {======================================================
** queue, sync, sync_commit
** =======================================================
*/

static int earlier_failed (lm_error *err) {
  return lm_error_set(err, 0, NULL, "a statement queued before failed");
}


/* Run the statement now, after the batches: outside a transaction, what
** the server refused in bulk, a statement without text, or a statement's
** first queue. A statement that returns rows has run, as an execute would
** have, and fails. One that generated an AUTO_INCREMENT id goes as text
** from then on: in bulk the server reserves ids as for a multi-row
** INSERT, leaving gaps that execute would not, and reports the batch's
** first id where execute leaves the last. */
static int run_at_once (my_conn *c, my_stmt *s, int nparams,
                        const lm_value *params, lm_error *err) {
  my_queue *q = c->queue;
  int64_t n = 0;
  int rc;
  if (flush(c) != LM_OK) return earlier_failed(err);
  rc = lmy_execute(s, nparams, params, &n, err);
  if (rc == LM_OK && lmy_column_count(s) > 0)
    rc = lm_error_set(err, 0, NULL, "%s", LM_QUEUE_ROWS);
  if (rc == LM_OK && s->st != NULL && s->queue_mode == Q_PROBE)
    s->queue_mode = q->bulk && mysql_stmt_insert_id(s->st) == 0
      ? Q_BULK : Q_TEXT;
  lmy_reset(s);
  if (rc != LM_OK) return rc;
  q->settled += n;
  q->done++;
  return LM_OK;
}


int lmy_queue (void *stmt, int nparams, const lm_value *params,
               lm_error *err) {
  my_stmt *s = (my_stmt *)stmt;
  my_conn *c = s->conn;
  my_queue *q;
  int rc;
  if (nparams != s->nparams)
    return lm_error_misuse(err, "statement has %d parameters, %d values given",
                           s->nparams, nparams);
  if (s->control != NULL)
    return lm_error_misuse(err, "a statement that starts or ends a "
                           "transaction cannot be queued: run it with execute");
  /* a SELECT says so when prepared: refused before it runs */
  if (s->queue_mode == Q_PROBE && s->st != NULL &&
      mysql_stmt_field_count(s->st) > 0)
    return lm_error_set(err, 0, NULL, "%s", LM_QUEUE_ROWS);
  if ((q = queue_of(c, err)) == NULL) return LM_ERROR;
  if (q->failed) return earlier_failed(err);
  /* a statement without parameters (kept as text) stays Q_PROBE */
  if (q->max_bytes == 0 || s->queue_mode == Q_PROBE ||
      s->queue_mode == Q_AT_ONCE || !lmy_in_transaction(c))
    return run_at_once(c, s, nparams, params, err);
  if (s->queue_mode == Q_TEXT) {
    rc = add_text(c, s, params);
    if (rc == LM_ERROR) return earlier_failed(err);
    if (rc == 0) return run_at_once(c, s, nparams, params, err);
    return rc == 1 ? LM_OK : lmy_no_memory(err);
  }
  if (!lmy_batch_fits(q->batch, s, params, q->max_bytes) &&
      close_batch(c) != LM_OK)
    return earlier_failed(err);
  if (!lmy_batch_add(q->batch, s, params)) return lmy_no_memory(err);
  return LM_OK;
}


int lmy_sync (void *conn, int64_t *affected, int64_t *failed,
              lm_error *err) {
  my_conn *c = (my_conn *)conn;
  my_queue *q = c->queue;
  int rc = LM_OK;
  *affected = 0;
  *failed = 0;
  if (q == NULL) return LM_OK;
  if (!q->failed) flush(c);
  if (q->failed) {
    *failed = q->failed_at;
    *err = q->failure;
    rc = LM_ERROR;
  }
  else
    *affected = q->settled;
  q->failed = 0;
  q->done = 0;
  q->settled = 0;
  q->ntext = 0;
  q->ntexts = 0;
  lmy_batch_clear(q->batch);
  return rc;
}


/* The COMMIT last in the text batch: the server stops a multi-statement
** query at its first failing statement, so that it runs only when every
** statement before it did. 1 when added; 0 when there is no room, or a
** bulk batch's long run still has to go after the text (the caller syncs,
** then commits). */
static int add_commit (my_queue *q) {
  static const char commit[] = "COMMIT";
  size_t n = sizeof(commit) - 1;
  short_run_to_text(q);
  if (q->ntexts == 0 || lmy_batch_rows(q->batch) > 0 ||
      q->ntexts >= LMY_BATCH_ROWS || q->ntext + n + 2 > q->max_bytes ||
      lmy_append_sql(commit, n, &q->text, &q->ntext, &q->captext) != 1)
    return 0;
  q->ntexts++;
  return 1;
}


/* The queued statements and the COMMIT in one round trip (driver.h). Where
** the COMMIT cannot go in the text batch, and with the guard on (which
** refuses the COMMIT after the sync, as the binding would), it is a sync
** and a commit. */
int lmy_sync_commit (void *conn, int64_t *affected, int64_t *failed,
                     lm_error *err) {
  my_conn *c = (my_conn *)conn;
  my_queue *q = c->queue;
  int64_t at;
  int rc;
  if (c->guard.on || q == NULL || q->failed || !add_commit(q)) {
    if ((rc = lmy_sync(conn, affected, failed, err)) != LM_OK) return rc;
    if ((rc = lmy_commit(conn, err)) != LM_OK) *failed = -1;
    return rc;
  }
  at = q->done + q->ntexts - 1;  /* the COMMIT's position */
  rc = lmy_sync(conn, affected, failed, err);
  if (rc != LM_OK && *failed == at) *failed = -1;
  return rc;
}


/* Every result of the driver can be read ahead of the queue: a stored
** result is on the client already, a cursor's rows were materialized on
** the server when it was executed (MariaDB and MySQL have no other
** cursors), and no answer is ever pending between two calls. */
int lmy_fetch_ahead (void *stmt) {
  (void)stmt;
  return 1;
}

/* }====================================================== */
