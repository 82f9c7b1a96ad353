/*
** driver_postgres.h: what the files of the PostgreSQL driver share;
** nothing else includes it. driver_postgres.c holds the vtable and says
** which file holds which member; every function is described where it is
** defined. Shared names start with lmpg_. The connection, pg_conn, is
** here because every file works on one; a statement's insides (pg_stmt)
** are driver_postgres_stmt.c's alone.
*/

#ifndef luamig_driver_postgres_h
#define luamig_driver_postgres_h

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "driver.h"

#define PG_MAX_NOTICES 100  /* notices kept per connection */

/* A schema name (at most 63 bytes, PostgreSQL's limit) quoted: every
** quote doubled, two around, a zero. */
#define PG_SCHEMA_MAX 63
#define PG_SCHEMA_SIZE (2 * PG_SCHEMA_MAX + 3)
/* The text of BEGIN with its SET LOCALs (lmpg_begin_sql). */
#define PG_BEGIN_SIZE (PG_SCHEMA_SIZE + 128)

typedef struct pg_conn {
  PGconn *pg;
  char version[64];
  char *notices[PG_MAX_NOTICES];  /* ring of the last notices */
  int first, count;
  char *taken;                    /* the notice next_notice gave last */
  PGcancel *cancel;               /* made at connect: PQcancel may run in
                                     a signal handler, PQgetCancel not */
  lm_guard guard;                 /* the transaction guard (driver.h) */
  char schema[PG_SCHEMA_SIZE];    /* the `schema` connection setting,
                                     quoted; "" when none */
  /* the pipeline (driver_postgres_pipeline.c) */
  unsigned char *cmds;            /* what was sent since the sync, in
                                     order: PG_CMD_PARSE, PG_CMD_EXECUTE,
                                     PG_CMD_COMMIT */
  int ncmds, capcmds;
  void *unnamed;                  /* the pg_stmt the unnamed prepared
                                     statement holds in this pipeline */
  uint64_t unnamed_blobs;         /* the bytea parameters it was parsed with */
  int64_t settled;                /* rows changed by statements queued
                                     outside a transaction, which ran at
                                     once, since the last sync */
  /* the queries sent ahead (driver_postgres_prefetch.c) */
  char **ahead_sql;               /* each one's SQL, in execute's form */
  PGresult **ahead_res;           /* each one's answer once read, until
                                     taken */
  int nahead, ahead_next;         /* how many; the next one to take */
  int ahead_pending;              /* their answers are still to read */
  int begin_held;                 /* begin was called and its BEGIN not
                                     sent yet (driver_postgres_txn.c) */
} pg_conn;

#define PG_CMD_PARSE   0
#define PG_CMD_EXECUTE 1
#define PG_CMD_COMMIT  2   /* sync_commit's COMMIT, last */


/* driver_postgres_messages.c: errors and notices as one line */
int lmpg_result_error (pg_conn *c, const PGresult *res, lm_error *err);
int lmpg_connect_error (const char *raw, const char *password,
                        lm_error *err);
void lmpg_notice_receiver (void *arg, const PGresult *res);
const char *lmpg_next_notice (void *conn);

/* driver_postgres_connect.c: the connection members of the vtable */
int lmpg_connect (const char *const *keys, const char *const *values,
                  void **conn, lm_error *err);
void lmpg_close (void *conn);
int lmpg_cancel (void *conn);
const char *lmpg_server_version (void *conn);
int lmpg_quiet (void *conn);

/* driver_postgres_txn.c: the transaction members of the vtable, the
** guard's checks around every path that runs SQL, and lmpg_run */
int lmpg_run (pg_conn *c, const char *sql, lm_error *err);
int lmpg_controls (pg_conn *c, const char *sql, size_t len, size_t *at,
                   size_t *n);
int lmpg_guard_before (pg_conn *c, const char *sql, size_t len, lm_error *err);
int lmpg_in_transaction (pg_conn *c);
int lmpg_guard_after (pg_conn *c, int was_open, int failed, const char *sql,
                      size_t len, lm_error *err);
int lmpg_guard (void *conn, int on, int *rolled_back, lm_error *err);
int lmpg_begin (void *conn, lm_error *err);
int lmpg_begin_sql (pg_conn *c, char *buf, size_t size);
int lmpg_begin_send (pg_conn *c, lm_error *err);
int lmpg_commit (void *conn, lm_error *err);
int lmpg_rollback (void *conn, lm_error *err);
int64_t lmpg_last_insert_id (void *conn);

/* driver_postgres_scan.c: `?` -> `$n`, statements counted */
long lmpg_scan_sql (const char *sql, size_t len, char *out, int *nstmts);

/* driver_postgres_exec.c: exec_script, and what every path does with a
** result */
int lmpg_check_result (pg_conn *c, PGresult *res, lm_error *err);
int64_t lmpg_changed_rows (PGresult *res);
int lmpg_exec_script (void *conn, const char *sql, size_t len,
                      int64_t *affected, lm_error *err);

/* driver_postgres_stmt.c: the statement members of the vtable */
int lmpg_prepare (void *conn, const char *sql, size_t len, void **stmt,
                  lm_error *err);
int lmpg_param_count (void *stmt);
int lmpg_execute (void *stmt, int nparams, const lm_value *params,
                  int64_t *affected, lm_error *err);
int lmpg_column_count (void *stmt);
const char *lmpg_column_name (void *stmt, int i);
int lmpg_fetch (void *stmt, lm_value *row, lm_error *err);
void lmpg_reset (void *stmt);
void lmpg_finalize (void *stmt);
pg_conn *lmpg_stmt_conn (void *stmt);
int lmpg_queueable (void *stmt, int nparams, lm_error *err);
int lmpg_send (void *stmt, int nparams, const lm_value *params,
               lm_error *err);
int lmpg_pipeline_reserve (pg_conn *c, int more, lm_error *err);
void lmpg_pipeline_note (pg_conn *c, int cmd);

/* driver_postgres_pipeline.c: queue and sync (libpq's pipeline mode) */
int lmpg_queue (void *stmt, int nparams, const lm_value *params,
                lm_error *err);
int lmpg_sync (void *conn, int64_t *affected, int64_t *failed,
               lm_error *err);
int lmpg_sync_commit (void *conn, int64_t *affected, int64_t *failed,
                      lm_error *err);

/* driver_postgres_prefetch.c: queries sent ahead (prefetch). Every path
** that uses the connection calls lmpg_ahead_read (one that only looks) or
** lmpg_ahead_drop (one that may change what the answers would be) first;
** execute calls lmpg_ahead_take, which gives the answer of `sql` when it
** is the next query sent (and drops them all otherwise). */
int lmpg_prefetch (void *conn, int n, const char *const *sqls,
                   const size_t *lens, lm_error *err);
void lmpg_ahead_read (pg_conn *c);
void lmpg_ahead_drop (pg_conn *c);
PGresult *lmpg_ahead_take (pg_conn *c, const char *sql, int nparams);
void lmpg_ahead_release (pg_conn *c);

/* driver_postgres_copy.c: COPY FROM STDIN (bulk_insert) */
int lmpg_copy_begin (void *conn, const char *sql, size_t len, lm_error *err);
int lmpg_copy_data (void *conn, const char *buf, size_t len, lm_error *err);
int lmpg_copy_end (void *conn, int abort, int64_t *rows, lm_error *err);

#endif
