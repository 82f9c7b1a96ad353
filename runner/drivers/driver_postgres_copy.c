/*
** driver_postgres_copy.c: COPY ... FROM STDIN for bulk_insert, the way
** psql's \copy loads rows: one statement, then the rows as a stream of
** text, without a round trip per row.
*/

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver_postgres.h"


int lmpg_copy_begin (void *conn, const char *sql, size_t len, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGresult *res;
  char *text;
  lmpg_ahead_drop(c);
  if (lmpg_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
  if (lmpg_begin_send(c, err) != LM_OK) return LM_ERROR;
  if ((text = (char *)malloc(len + 1)) == NULL)
    return lm_error_set(err, 0, NULL, "postgres: out of memory");
  memcpy(text, sql, len);
  text[len] = '\0';
  res = PQexec(c->pg, text);
  free(text);
  if (res != NULL && PQresultStatus(res) == PGRES_COPY_IN) {
    PQclear(res);
    return LM_OK;
  }
  if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
    PQclear(res);
    return lm_error_misuse(err, "copy_begin: the statement is not a COPY ... FROM STDIN");
  }
  {
    int rc = lmpg_check_result(c, res, err);
    PQclear(res);
    return rc == LM_OK ? lm_error_misuse(err, "copy_begin: the statement is not a COPY ... FROM STDIN") : rc;
  }
}


int lmpg_copy_data (void *conn, const char *buf, size_t len, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  while (len > 0) {
    int piece = len > (1u << 30) ? (1 << 30) : (int)len;
    if (PQputCopyData(c->pg, buf, piece) != 1)
      return lm_error_set(err, 0, NULL, "%s", PQerrorMessage(c->pg));
    buf += piece;
    len -= (size_t)piece;
  }
  return LM_OK;
}


int lmpg_copy_end (void *conn, int abort, int64_t *rows, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGresult *res;
  int rc = LM_OK;
  *rows = 0;
  if (PQputCopyEnd(c->pg, abort ? "bulk insert stopped by luamig" : NULL) != 1)
    rc = lm_error_set(err, 0, NULL, "%s", PQerrorMessage(c->pg));
  /* The copy's result, then the end of the command. */
  while ((res = PQgetResult(c->pg)) != NULL) {
    if (rc == LM_OK) {
      rc = lmpg_check_result(c, res, err);
      if (rc == LM_OK) *rows = (int64_t)strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
  }
  return rc;
}
