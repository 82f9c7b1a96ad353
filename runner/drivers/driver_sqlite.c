/*
** driver_sqlite.c: the SQLite driver (see driver.h for the contract):
** its connections, transactions and the vtable, lm_driver_sqlite. A
** connection is an `sq_conn` (driver_sqlite.h); statements are in
** driver_sqlite_stmt.c.
**
** The transaction guard (driver.h) learns what a statement does from
** SQLite's own parser: the authorizer, installed here at connect and
** called while a statement is prepared, reports BEGIN, COMMIT, END and
** ROLLBACK (but not SAVEPOINT, RELEASE or ROLLBACK TO) as
** SQLITE_TRANSACTION. driver_sqlite_stmt.c keeps that mark with each
** statement and checks the guard around it.
*/

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "driver.h"
#include "driver_sqlite.h"

#define SQ_BUSY_TIMEOUT 5000  /* ms to wait for a lock held by another */

/* SQLITE_DBCONFIG_DQS_DDL and _DML came with 3.29. */
#if SQLITE_VERSION_NUMBER < 3029000
#error "luamig needs SQLite 3.29 or later (SQLITE_DBCONFIG_DQS_DDL)"
#endif
#define SQ_DQS_VERSION 3029000


int lmsq_db_error (sqlite3 *db, lm_error *err) {
  return lm_error_set(err, sqlite3_extended_errcode(db), NULL, "%s",
                      sqlite3_errmsg(db));
}


/* SQLite reads a double-quoted name that names no column as a string
** literal: CREATE INDEX ix ON t ("emial") would index a constant, and a
** misspelt column in a CHECK or a WHERE would go unnoticed. Turn that off,
** for DDL and DML: "..." is an identifier, always. The library may be older
** than the header luamig was built with, hence the run-time check. */
static int strict_quotes (sqlite3 *db, lm_error *err) {
  if (sqlite3_libversion_number() < SQ_DQS_VERSION ||
      sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL) != SQLITE_OK ||
      sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL) != SQLITE_OK)
    return lm_error_set(err, SQLITE_MISUSE, NULL, "sqlite: SQLite %s cannot turn "
                        "double-quoted string literals off: luamig needs 3.29 "
                        "or later", sqlite3_libversion());
  return LM_OK;
}


/* SQLite counts every allocation it makes in statistics that luamig never
** reads (sqlite3_memory_used, the soft heap limit), under a process-wide
** mutex: a lock and an unlock per malloc and per free, 4% of a bulk insert
** (callgrind). The count can only be turned off before the library is
** initialized, so once, before the first connection; where something in
** the process initialized SQLite first (a Lua module loaded before
** luamig's), sqlite3_config refuses and nothing changes. */
static void skip_memory_statistics (void) {
  static int done = 0;
  if (!done) {
    done = 1;
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  }
}


/* Marks the statement being prepared that starts or ends a transaction;
** refuses nothing. */
static int authorize (void *ud, int action, const char *a, const char *b,
                      const char *db, const char *trigger) {
  (void)a; (void)b; (void)db; (void)trigger;
  if (action == SQLITE_TRANSACTION) ((sq_conn *)ud)->control = 1;
  return SQLITE_OK;
}


static int sq_connect (const char *const *keys, const char *const *values,
                       void **conn, lm_error *err) {
  const char *database = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int timeout = SQ_BUSY_TIMEOUT;
  sqlite3 *db = NULL;
  sq_conn *c;
  int i, rc;
  for (i = 0; keys[i] != NULL; i++) {
    const char *k = keys[i], *v = values[i];
    if (strcmp(k, "database") == 0)
      database = v;
    else if (strcmp(k, "mode") == 0) {
      if (strcmp(v, "rwc") == 0)
        flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      else if (strcmp(v, "rw") == 0)
        flags = SQLITE_OPEN_READWRITE;
      else
        return lm_error_set(err, SQLITE_MISUSE, NULL,
                            "sqlite: invalid mode '%s' (expected rwc or rw)",
                            v);
    }
    else if (strcmp(k, "busy_timeout") == 0) {
      char *end;
      long ms;
      errno = 0;
      ms = strtol(v, &end, 10);
      if (errno != 0 || end == v || *end != '\0' || ms < 0 || ms > INT_MAX)
        return lm_error_set(err, SQLITE_MISUSE, NULL,
                            "sqlite: invalid busy_timeout '%s' (milliseconds)",
                            v);
      timeout = (int)ms;
    }
    else if (strcmp(k, "host") != 0 && strcmp(k, "port") != 0 &&
             strcmp(k, "user") != 0 && strcmp(k, "password") != 0)
      return lm_error_set(err, SQLITE_MISUSE, NULL,
                          "sqlite: unknown connection parameter '%s'", k);
  }
  if (database == NULL || database[0] == '\0')
    return lm_error_set(err, SQLITE_MISUSE, NULL, "sqlite: no database given");
#if defined(SQLITE_OPEN_EXRESCODE)
  flags |= SQLITE_OPEN_EXRESCODE;
#endif
  /* A connection is used by one thread at a time (its Lua state's), and
  ** sqlite3_interrupt is safe from any thread or a signal handler: the
  ** connection's own mutex is not needed, and taking it around every call
  ** was 2% of `upgrade head` on 1000 revisions (callgrind). */
  flags |= SQLITE_OPEN_NOMUTEX;
  skip_memory_statistics();
  rc = sqlite3_open_v2(database, &db, flags, NULL);
  if (rc != SQLITE_OK) {
    if (db == NULL)
      lm_error_set(err, rc, NULL, "cannot open '%s': %s", database,
                   sqlite3_errstr(rc));
    else
      lm_error_set(err, sqlite3_extended_errcode(db), NULL,
                   "cannot open '%s': %s", database, sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return LM_ERROR;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, timeout);
  if (strict_quotes(db, err) != LM_OK) {
    sqlite3_close_v2(db);
    return LM_ERROR;
  }
  if ((c = (sq_conn *)calloc(1, sizeof(*c))) == NULL) {
    sqlite3_close_v2(db);
    return lm_error_set(err, SQLITE_NOMEM, NULL, "out of memory");
  }
  c->db = db;
  sqlite3_set_authorizer(db, authorize, c);
  *conn = c;
  return LM_OK;
}


static void sq_close (void *conn) {
  sq_conn *c = (sq_conn *)conn;
  sqlite3_close_v2(c->db);
  free(c);
}


/* sqlite3_interrupt only sets a flag the running statement checks. */
static int sq_cancel (void *conn) {
  sqlite3_interrupt(((sq_conn *)conn)->db);
  return LM_OK;
}


static const char *sq_server_version (void *conn) {
  (void)conn;
  return sqlite3_libversion();
}


static int run (sqlite3 *db, const char *sql, lm_error *err) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return lmsq_db_error(db, err);
  return LM_OK;
}

/* BEGIN, COMMIT or ROLLBACK, unless the guard is on. */
static int run_control (sq_conn *c, const char *sql, lm_error *err) {
  if (c->guard.on) return lm_guard_refuse(err, sql, strlen(sql));
  return run(c->db, sql, err);
}

static int sq_begin (void *conn, lm_error *err) {
  return run_control((sq_conn *)conn, "BEGIN", err);
}

static int sq_commit (void *conn, lm_error *err) {
  return run_control((sq_conn *)conn, "COMMIT", err);
}

static int sq_rollback (void *conn, lm_error *err) {
  return run_control((sq_conn *)conn, "ROLLBACK", err);
}


static int sq_in_transaction (void *conn) {
  return !sqlite3_get_autocommit(((sq_conn *)conn)->db);
}


static int sq_guard (void *conn, int on, int *rolled_back, lm_error *err) {
  return lm_guard_set(&((sq_conn *)conn)->guard, on, rolled_back, err);
}


static int64_t sq_last_insert_id (void *conn) {
  return (int64_t)sqlite3_last_insert_rowid(((sq_conn *)conn)->db);
}


const struct lm_driver lm_driver_sqlite = {
  .name = "sqlite",
  .connect = sq_connect,
  .close = sq_close,
  .server_version = sq_server_version,
  .exec_script = lmsq_exec_script,
  .prepare = lmsq_prepare,
  .param_count = lmsq_param_count,
  .execute = lmsq_execute,
  .column_count = lmsq_column_count,
  .column_name = lmsq_column_name,
  .fetch = lmsq_fetch,
  .reset = lmsq_reset,
  .finalize = lmsq_finalize,
  .begin = sq_begin,
  .commit = sq_commit,
  .rollback = sq_rollback,
  .in_transaction = sq_in_transaction,
  .guard = sq_guard,
  .quote_ident = lm_quote_ident_double,
  .last_insert_id = sq_last_insert_id,
  .insert_rows = lmsq_insert_rows,
  .next_notice = NULL,  /* SQLite sends none */
  .cancel = sq_cancel,
};
