/*
** driver_postgres_prefetch.c: prefetch of the PostgreSQL driver
** (driver.h): reads sent ahead, so that the server runs them while the
** caller works on something else.
**
** `luamig check` on a thousand tables waited about 60 ms for the catalog
** queries of the reflection and then spent 45 ms of its own CPU building
** the models' snapshot, one after the other. Sent ahead, the queries run
** on the server while the client builds the models.
**
** The queries go as one simple query (one message, the statements
** separated by semicolons): the server runs them in order and answers
** each; a failure stops it there, and the query string is one implicit
** transaction, which is why it is sent only outside a transaction (the
** reads then see one snapshot each, as when run one by one outside a
** transaction). The answers are read, in order, at the first call that
** needs the connection (lmpg_ahead_read); execute takes the next answer
** when its statement is the next query sent, with no parameter
** (lmpg_ahead_take). Any other statement, or a call that may change the
** database, drops what is left (lmpg_ahead_drop), and then runs as
** without a prefetch: a prefetch changes when a read runs, never what a
** call returns.
*/

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"


/* A statement that may go ahead: one SELECT without parameters. The
** caller promises that it only reads; SELECT ... INTO, FOR UPDATE or a
** function that writes are its business. COPY, a transaction control or
** a second statement are refused here, as they would not fit the
** answers' reading. */
static char *ahead_sql (pg_conn *c, const char *sql, size_t len) {
  int nstmts;
  size_t at, n, i = 0;
  char *out;
  long np = lmpg_scan_sql(sql, len, NULL, &nstmts);
  if (np != 0 || nstmts != 1 || lmpg_controls(c, sql, len, &at, &n)) return NULL;
  while (i < len && isspace((unsigned char)sql[i])) i++;
  if (len - i < 6 || strncasecmp(sql + i, "SELECT", 6) != 0) return NULL;
  if ((out = (char *)malloc(len + 1)) == NULL) return NULL;
  lmpg_scan_sql(sql, len, out, &nstmts);  /* execute compares this form */
  return out;
}


/* Frees the queries and the answers not taken (close: those still on the
** wire go with the connection). */
void lmpg_ahead_release (pg_conn *c) {
  int i;
  for (i = 0; i < c->nahead; i++) {
    free(c->ahead_sql[i]);
    PQclear(c->ahead_res[i]);
  }
  free(c->ahead_sql);
  free(c->ahead_res);
  c->ahead_sql = NULL;
  c->ahead_res = NULL;
  c->nahead = c->ahead_next = c->ahead_pending = 0;
}


int lmpg_prefetch (void *conn, int n, const char *const *sqls,
                   const size_t *lens, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  size_t total = 0;
  char *text, *at;
  int i, ok;
  (void)err;  /* a hint: what cannot go ahead runs when asked */
  lmpg_ahead_drop(c);
  if (n <= 0 || PQstatus(c->pg) != CONNECTION_OK || lmpg_in_transaction(c) || PQisBusy(c->pg)
      || c->guard.on)
    return LM_OK;
  c->ahead_sql = (char **)calloc((size_t)n, sizeof *c->ahead_sql);
  c->ahead_res = (PGresult **)calloc((size_t)n, sizeof *c->ahead_res);
  if (c->ahead_sql == NULL || c->ahead_res == NULL) {
    lmpg_ahead_release(c);
    return LM_OK;
  }
  c->nahead = n;
  for (i = 0; i < n; i++) {
    if ((c->ahead_sql[i] = ahead_sql(c, sqls[i], lens[i])) == NULL) {
      lmpg_ahead_release(c);
      return LM_OK;
    }
    total += strlen(c->ahead_sql[i]) + 2;
  }
  if ((text = (char *)malloc(total + 1)) == NULL) {
    lmpg_ahead_release(c);
    return LM_OK;
  }
  for (i = 0, at = text; i < n; i++) {
    size_t k = strlen(c->ahead_sql[i]);
    memcpy(at, c->ahead_sql[i], k);
    at += k;
    *at++ = ';';
    *at++ = '\n';
  }
  *at = '\0';
  ok = PQsendQuery(c->pg, text);
  free(text);
  if (!ok) {
    lmpg_ahead_release(c);  /* the connection's trouble is the next call's to tell */
    return LM_OK;
  }
  c->ahead_pending = 1;
  return LM_OK;
}


void lmpg_ahead_read (pg_conn *c) {
  PGresult *res;
  int k = 0;
  if (!c->ahead_pending) return;
  c->ahead_pending = 0;
  /* one answer per statement, up to the first failure, then NULL */
  while ((res = PQgetResult(c->pg)) != NULL) {
    if (k < c->nahead) c->ahead_res[k++] = res;
    else PQclear(res);
  }
}


void lmpg_ahead_drop (pg_conn *c) {
  if (c->nahead == 0) return;
  lmpg_ahead_read(c);
  lmpg_ahead_release(c);
}


PGresult *lmpg_ahead_take (pg_conn *c, const char *sql, int nparams) {
  PGresult *res;
  if (c->nahead == 0) return NULL;
  lmpg_ahead_read(c);
  res = c->ahead_res[c->ahead_next];
  if (nparams != 0 || res == NULL || strcmp(sql, c->ahead_sql[c->ahead_next]) != 0) {
    lmpg_ahead_release(c);
    return NULL;
  }
  c->ahead_res[c->ahead_next++] = NULL;
  if (c->ahead_next == c->nahead) lmpg_ahead_release(c);
  return res;
}
