/*
** driver_sqlite.h: what the files of the SQLite driver share; nothing
** else includes it. driver_sqlite.c holds connections, transactions and
** the vtable; driver_sqlite_stmt.c the statements; driver_sqlite_rows.c
** bulk_insert's rows (insert_rows). The connection is here
** because a statement works on its connection (the authorizer's mark, the
** guard); a statement's insides (sq_stmt) are driver_sqlite_stmt.c's
** alone. Shared names start with lmsq_.
*/

#ifndef luamig_driver_sqlite_h
#define luamig_driver_sqlite_h

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "driver.h"

typedef struct sq_conn {
  sqlite3 *db;
  lm_guard guard;
  int control;  /* the authorizer saw BEGIN, COMMIT or ROLLBACK */
} sq_conn;


/* driver_sqlite.c */
int lmsq_db_error (sqlite3 *db, lm_error *err);

/* driver_sqlite_stmt.c: the statement members of the vtable */
int lmsq_exec_script (void *conn, const char *sql, size_t len,
                      int64_t *affected, lm_error *err);
int lmsq_prepare (void *conn, const char *sql, size_t len, void **stmt,
                  lm_error *err);
int lmsq_param_count (void *stmt);
int lmsq_execute (void *stmt, int nparams, const lm_value *params,
                  int64_t *affected, lm_error *err);
int lmsq_column_count (void *stmt);
const char *lmsq_column_name (void *stmt, int i);
int lmsq_fetch (void *stmt, lm_value *row, lm_error *err);
void lmsq_reset (void *stmt);
void lmsq_finalize (void *stmt);

/* driver_sqlite_rows.c */
int lmsq_insert_rows (void *conn, const char *sql, size_t len, int ncols,
                      lm_produce_fn produce, void *ud, int64_t *rows,
                      lm_error *err);

#endif
