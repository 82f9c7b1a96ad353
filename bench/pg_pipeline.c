/*
** bench/pg_pipeline.c: the backfill of bench/data.sh as a C program on
** libpq, the server's fastest client path for one statement per row: read
** (id, n) of every row, then send `UPDATE backfill_rows SET label = $1
** WHERE id = $2` for each in libpq's pipeline mode, in one transaction, a
** sync every 1000 statements (as luamig's db:queue does). What it takes
** over `UPDATE ... FROM (VALUES ...)` is the server running 100,000
** statements instead of one: no client can send them faster.
**
**   pg_pipeline CONNINFO   (prints "operation_seconds=S" on stderr)
*/

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libpq-fe.h>

#define BATCH 1000

static double now (void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail (PGconn *c, const char *what) {
  fprintf(stderr, "pg_pipeline: %s: %s", what, PQerrorMessage(c));
  exit(1);
}

/* Reads the answers up to the sync's; exits on a failure. */
static void read_sync (PGconn *c) {
  for (;;) {
    PGresult *r = PQgetResult(c);
    ExecStatusType st;
    if (r == NULL) continue;  /* the end of one statement's answers */
    st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC) return;
    if (st != PGRES_COMMAND_OK) fail(c, "UPDATE");
  }
}

int main (int argc, char **argv) {
  PGconn *c;
  PGresult *rows;
  double start;
  int i, n;
  if (argc != 2) {
    fprintf(stderr, "usage: pg_pipeline CONNINFO\n");
    return 2;
  }
  c = PQconnectdb(argv[1]);
  if (PQstatus(c) != CONNECTION_OK) fail(c, "connect");
  start = now();
  PQclear(PQexec(c, "BEGIN"));
  rows = PQexec(c, "SELECT id, n FROM backfill_rows");
  if (PQresultStatus(rows) != PGRES_TUPLES_OK) fail(c, "SELECT");
  n = PQntuples(rows);
  if (!PQenterPipelineMode(c)) fail(c, "pipeline mode");
  if (!PQsendPrepare(c, "", "UPDATE backfill_rows SET label = $1 WHERE id = $2", 2, NULL)) fail(c, "prepare");
  for (i = 0; i < n; i++) {
    char label[48];
    const char *values[2];
    snprintf(label, sizeof label, "n=%s", PQgetvalue(rows, i, 1));
    values[0] = label;
    values[1] = PQgetvalue(rows, i, 0);
    if (!PQsendQueryPrepared(c, "", 2, values, NULL, NULL, 0)) fail(c, "send");
    if ((i + 1) % BATCH == 0 || i + 1 == n) {
      if (!PQpipelineSync(c)) fail(c, "sync");
      read_sync(c);
    }
  }
  if (!PQexitPipelineMode(c)) fail(c, "pipeline mode");
  PQclear(rows);
  rows = PQexec(c, "COMMIT");
  if (PQresultStatus(rows) != PGRES_COMMAND_OK) fail(c, "COMMIT");
  PQclear(rows);
  fprintf(stderr, "operation_seconds=%.3f\n", now() - start);
  PQfinish(c);
  return 0;
}
