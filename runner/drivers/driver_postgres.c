/*
** driver_postgres.c: the PostgreSQL driver on libpq (see driver.h for the
** contract): its vtable, lm_driver_postgres, the symbol luamig_postgres.so
** exports. A connection is a `pg_conn`, a statement a `pg_stmt`; the
** members are in the files of their jobs, which share driver_postgres.h:
**   driver_postgres_connect.c   connect, close, cancel, server_version,
**                               quiet
**   driver_postgres_messages.c  error text, notices (next_notice)
**   driver_postgres_txn.c       begin, commit, rollback, the guard,
**                               last_insert_id
**   driver_postgres_scan.c      the `?` -> `$n` rewrite
**   driver_postgres_exec.c      exec_script, and checking a result
**   driver_postgres_stmt.c      prepare, execute, fetch ... finalize
**   driver_postgres_copy.c      copy_begin, copy_data, copy_end
**   driver_postgres_pipeline.c  queue, sync, sync_commit (libpq's pipeline mode)
**   driver_postgres_prefetch.c  prefetch (reads sent ahead)
** The member below is too small for a file of its own.
*/

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"


/* in_transaction of the contract takes a `void *`; lmpg_in_transaction,
** which the other files call, a pg_conn. */
static int pg_in_transaction (void *conn) {
  return lmpg_in_transaction((pg_conn *)conn);
}


LM_DRIVER_EXPORT const int lm_driver_postgres_interface = LM_DRIVER_INTERFACE;

LM_DRIVER_EXPORT const struct lm_driver lm_driver_postgres = {
  .name = "postgres",
  .connect = lmpg_connect,
  .close = lmpg_close,
  .server_version = lmpg_server_version,
  .exec_script = lmpg_exec_script,
  .prepare = lmpg_prepare,
  .param_count = lmpg_param_count,
  .execute = lmpg_execute,
  .column_count = lmpg_column_count,
  .column_name = lmpg_column_name,
  .fetch = lmpg_fetch,
  .reset = lmpg_reset,
  .finalize = lmpg_finalize,
  .begin = lmpg_begin,
  .commit = lmpg_commit,
  .rollback = lmpg_rollback,
  .in_transaction = pg_in_transaction,
  .guard = lmpg_guard,
  .quote_ident = lm_quote_ident_double,
  .last_insert_id = lmpg_last_insert_id,
  .next_notice = lmpg_next_notice,
  .cancel = lmpg_cancel,
  .quiet = lmpg_quiet,
  .copy_begin = lmpg_copy_begin,
  .copy_data = lmpg_copy_data,
  .copy_end = lmpg_copy_end,
  .prefetch = lmpg_prefetch,
#ifdef LIBPQ_HAS_PIPELINING  /* libpq 14+; older: queued statements run at once */
  .queue = lmpg_queue,
  .sync = lmpg_sync,
  .sync_commit = lmpg_sync_commit,
#endif
};
