/*
** driver_postgres_exec.c: running SQL on a PostgreSQL connection without
** a prepared statement, exec_script (a script of statements, as one
** simple query), and what every path that runs SQL does with a result:
** check it, ending a COPY that this API cannot serve (lmpg_check_result),
** and count the rows it changed (lmpg_changed_rows).
*/

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"


/*
** {======================================================
** Running SQL
** =======================================================
*/

/* Rows changed by the command of `res`: INSERT, UPDATE, DELETE and MERGE
** count, the rest (SELECT, DDL, CREATE TABLE AS) give 0. */
int64_t lmpg_changed_rows (PGresult *res) {
  const char *tag = PQcmdStatus(res);
  if (strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
      strncmp(tag, "DELETE ", 7) == 0 || strncmp(tag, "MERGE ", 6) == 0)
    return (int64_t)strtoll(PQcmdTuples(res), NULL, 10);
  return 0;
}


/* A COPY to or from the client cannot go through this API: end it, so
** that the connection is usable again. */
static void end_copy (pg_conn *c, PGresult *res) {
  if (PQresultStatus(res) == PGRES_COPY_IN)
    PQputCopyEnd(c->pg, "COPY FROM STDIN is not supported by luamig");
  else if (PQresultStatus(res) == PGRES_COPY_OUT) {
    char *buf;
    while (PQgetCopyData(c->pg, &buf, 0) > 0) PQfreemem(buf);
  }
}


/* Check a result of a query, ending a COPY; LM_OK for success. */
int lmpg_check_result (pg_conn *c, PGresult *res, lm_error *err) {
  switch (res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_COMMAND_OK: case PGRES_TUPLES_OK: case PGRES_EMPTY_QUERY:
      return LM_OK;
    case PGRES_COPY_IN: case PGRES_COPY_OUT: case PGRES_COPY_BOTH:
      end_copy(c, res);
      return lm_error_set(err, 0, "0A000", "COPY to or from the client is "
                          "not supported (use COPY with a file, or INSERT)");
    default:
      return lmpg_result_error(c, res, err);
  }
}


int lmpg_exec_script (void *conn, const char *sql, size_t len,
                      int64_t *affected, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGresult *res;
  int64_t total = 0;
  int nstmts, rc = LM_OK, was_open;
  long np = lmpg_scan_sql(sql, len, NULL, &nstmts);
  char *text, begin[PG_BEGIN_SIZE];
  size_t at = 0;
  lmpg_ahead_drop(c);
  if (np > 0)
    return lm_error_misuse(err, "statement has %ld parameters, 0 values given",
                           np);
  if (lmpg_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
  was_open = lmpg_in_transaction(c);
  /* a BEGIN held back (lmpg_begin) leads the query: one round trip */
  if (c->begin_held) {
    at = (size_t)lmpg_begin_sql(c, begin, sizeof begin - 2);
    begin[at++] = ';';
    begin[at++] = '\n';
  }
  if ((text = (char *)malloc(at + len + 1)) == NULL)
    return lm_error_set(err, 0, NULL, "out of memory");
  c->begin_held = 0;
  memcpy(text, begin, at);
  memcpy(text + at, sql, len);
  text[at + len] = '\0';
  /* One simple query: the server runs the statements in order and stops
  ** at the first failure; every result is read to learn which. With no
  ** transaction open the server makes the whole string one implicit
  ** transaction, so a failure undoes the statements before it too.
  ** Splitting the script here instead would cut SQL-standard function
  ** bodies (BEGIN ATOMIC ... END) at their semicolons. */
  if (!PQsendQuery(c->pg, text)) {
    free(text);
    return lmpg_result_error(c, NULL, err);
  }
  free(text);
  while ((res = PQgetResult(c->pg)) != NULL) {
    if (rc == LM_OK) {
      rc = lmpg_check_result(c, res, err);
      if (rc == LM_OK) total += lmpg_changed_rows(res);
    }
    else
      end_copy(c, res);
    PQclear(res);
  }
  *affected = total;
  return lmpg_guard_after(c, was_open, rc != LM_OK, sql, len, err);
}

/* }====================================================== */
