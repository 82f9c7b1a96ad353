/*
** driver_postgres_connect.c: opening and closing a connection of the
** PostgreSQL driver (a `pg_conn`, driver_postgres.h): the connection
** parameters (libpq's keywords, luamig's `schema`, connect_timeout), the
** connect itself, close, cancel, the server's version, and whether the
** server has said anything since its last answer (quiet).
**
** Connecting goes through PQconnectStartParams and PQconnectPoll, not the
** blocking PQconnectdbParams, for one reason: to set PQERRORS_VERBOSE
** before the server answers, so that a failed connection's message holds
** the SQLSTATE (28P01, 3D000...), which libpq gives no other way
** (lmpg_connect_error reads it).
*/

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"

#define PG_CONNECT_TIMEOUT "10"  /* seconds, when the URL gives none */


/*
** {======================================================
** Connecting
** =======================================================
*/

static void free_conn (pg_conn *c) {
  lmpg_ahead_release(c);
  while (lmpg_next_notice(c) != NULL)
    ;
  if (c->cancel != NULL) PQfreeCancel(c->cancel);
  if (c->pg != NULL) PQfinish(c->pg);
  free(c->cmds);
  free(c);
}


static double now_seconds (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* Wait until the connection's socket can be read (or written); 1 when
** it can, 0 at `deadline` (0: none), -1 on a poll error. */
static int wait_socket (PGconn *pg, int for_write, double deadline) {
  struct pollfd p;
  p.fd = PQsocket(pg);
  p.events = for_write ? POLLOUT : POLLIN;
  p.revents = 0;
  if (p.fd < 0) return -1;
  for (;;) {
    int ms = -1, rc;
    if (deadline > 0) {
      double left = deadline - now_seconds();
      if (left <= 0) return 0;
      ms = (int)(left * 1000) + 1;
    }
    rc = poll(&p, 1, ms);
    if (rc > 0) return 1;
    if (rc < 0 && errno != EINTR) return -1;
  }
}


/* Is `key` a connection option of libpq? */
static int libpq_option (const char *key) {
  PQconninfoOption *opts = PQconndefaults(), *o;
  int found = 0;
  if (opts == NULL) return 1;  /* no memory: let libpq judge */
  for (o = opts; o->keyword != NULL; o++) {
    if (strcmp(o->keyword, key) == 0) {
      found = 1;
      break;
    }
  }
  PQconninfoFree(opts);
  return found;
}


/* Seconds of connect_timeout as libpq reads it (0: no limit). */
static int parse_timeout (const char *v, int *seconds) {
  char *end;
  long n;
  errno = 0;
  n = strtol(v, &end, 10);
  while (*end == ' ') end++;
  if (errno != 0 || end == v || *end != '\0' || n > INT_MAX) return 0;
  if (n > 0 && n < 2) n = 2;  /* libpq's minimum */
  *seconds = n > 0 ? (int)n : 0;
  return 1;
}


/* Drive PQconnectPoll until the connection is made, fails, or the
** timeout expires. */
static int finish_connect (PGconn *pg, int timeout) {
  double deadline = timeout > 0 ? now_seconds() + timeout : 0;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  if (PQstatus(pg) == CONNECTION_BAD) return 0;
  for (;;) {
    int rc;
    if (st == PGRES_POLLING_OK) return 1;
    if (st == PGRES_POLLING_FAILED) return 0;
    rc = wait_socket(pg, st == PGRES_POLLING_WRITING, deadline);
    if (rc == 0) return -1;
    if (rc < 0) return 0;
    st = PQconnectPoll(pg);
  }
}


/* The `schema` setting: where the revisions run (a tenant's schema). It
** is the session's search_path from the start, and lmpg_begin sets it again
** in every transaction (SET LOCAL), which is what holds behind a
** transaction pooler, where the session SET may stay on another server
** connection. */
static int use_schema (pg_conn *c, const char *schema, lm_error *err) {
  char sql[PG_SCHEMA_SIZE + 32];
  size_t len;
  lm_quote_with('"', schema, strlen(schema), c->schema, &len);
  c->schema[len] = '\0';
  snprintf(sql, sizeof sql, "SET search_path TO %s", c->schema);
  return lmpg_run(c, sql, err);
}


int lmpg_connect (const char *const *keys, const char *const *values,
                  void **conn, lm_error *err) {
  const char **k, **v;
  const char *password = NULL, *schema = NULL;
  int i, n = 0, has_timeout = 0, timeout = 0, rc;
  pg_conn *c;
  for (i = 0; keys[i] != NULL; i++) {
    if (strcmp(keys[i], "schema") == 0) {  /* luamig's, not libpq's */
      if (values[i][0] == '\0' || strlen(values[i]) > PG_SCHEMA_MAX)
        return lm_error_set(err, 0, NULL, "postgres: schema must be a name "
                            "of 1 to %d bytes", PG_SCHEMA_MAX);
      schema = values[i];
      continue;
    }
    if (strcmp(keys[i], "client_encoding") == 0)
      return lm_error_set(err, 0, NULL, "postgres: client_encoding cannot be "
                          "set (luamig always talks UTF8)");
    if (strcmp(keys[i], "connect_timeout") == 0) {
      if (!parse_timeout(values[i], &timeout))
        return lm_error_set(err, 0, NULL, "postgres: invalid connect_timeout "
                            "'%s' (seconds)", values[i]);
      has_timeout = 1;
    }
    if (strcmp(keys[i], "password") == 0) password = values[i];
    if (strcmp(keys[i], "database") != 0 && !libpq_option(keys[i]))
      return lm_error_set(err, 0, NULL, "postgres: unknown connection "
                          "parameter '%s'", keys[i]);
  }
  k = (const char **)malloc((size_t)(i + 3) * sizeof(char *));
  v = (const char **)malloc((size_t)(i + 3) * sizeof(char *));
  c = (pg_conn *)calloc(1, sizeof(pg_conn));
  if (k == NULL || v == NULL || c == NULL) {
    free(k); free(v); free(c);
    return lm_error_set(err, 0, NULL, "postgres: out of memory");
  }
  for (i = 0; keys[i] != NULL; i++) {
    if (strcmp(keys[i], "schema") == 0) continue;
    k[n] = strcmp(keys[i], "database") == 0 ? "dbname" : keys[i];
    v[n++] = values[i];
  }
  if (!has_timeout) {
    k[n] = "connect_timeout";
    v[n++] = PG_CONNECT_TIMEOUT;
    timeout = atoi(PG_CONNECT_TIMEOUT);
  }
  k[n] = "client_encoding";
  v[n++] = "UTF8";
  k[n] = v[n] = NULL;
  c->pg = PQconnectStartParams(k, v, 0);
  free(k);
  free(v);
  if (c->pg == NULL) {
    free(c);
    return lm_error_set(err, 0, NULL, "postgres: out of memory");
  }
  PQsetErrorVerbosity(c->pg, PQERRORS_VERBOSE);  /* see lmpg_connect_error */
  PQsetNoticeReceiver(c->pg, lmpg_notice_receiver, c);
  rc = finish_connect(c->pg, timeout);
  if (rc <= 0) {
    if (rc < 0)
      lm_error_set(err, 0, NULL, "connection to server at \"%s\", port %s "
                   "failed: timeout expired after %d s",
                   PQhost(c->pg) ? PQhost(c->pg) : "?",
                   PQport(c->pg) ? PQport(c->pg) : "?", timeout);
    else
      lmpg_connect_error(PQerrorMessage(c->pg), password, err);
    free_conn(c);
    return LM_ERROR;
  }
  PQsetErrorVerbosity(c->pg, PQERRORS_DEFAULT);
  c->cancel = PQgetCancel(c->pg);  /* NULL only out of memory: no cancel then */
  if (schema != NULL && use_schema(c, schema, err) != LM_OK) {
    free_conn(c);
    return LM_ERROR;
  }
  {
    const char *ver = PQparameterStatus(c->pg, "server_version");
    size_t len = ver != NULL ? strcspn(ver, " ") : 0;  /* "15.2 (Debian...)" */
    if (len >= sizeof(c->version)) len = sizeof(c->version) - 1;
    if (len > 0) memcpy(c->version, ver, len);
    c->version[len] = '\0';
  }
  *conn = c;
  return LM_OK;
}


void lmpg_close (void *conn) {
  free_conn((pg_conn *)conn);
}


/* PQcancel is documented as safe in a signal handler; the error text
** goes to a buffer on the stack. */
int lmpg_cancel (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  char why[256];
  if (c->cancel == NULL) return LM_ERROR;
  return PQcancel(c->cancel, why, (int)sizeof why) ? LM_OK : LM_ERROR;
}


const char *lmpg_server_version (void *conn) {
  return ((pg_conn *)conn)->version;
}


/* A connection that the server (or a pooler in front of it) ended has
** its socket readable: the FATAL message, then end of file. So an idle
** connection whose socket has nothing to read is still up, known without
** a round trip. Anything readable, or a connection libpq already knows is
** bad or busy, is not quiet: the caller then asks with a query, which
** reads what came and says what happened. */
int lmpg_quiet (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  struct pollfd p;
  lmpg_ahead_read(c);  /* answers on the wire are not the server's news */
  if (PQstatus(c->pg) != CONNECTION_OK || PQisBusy(c->pg)) return 0;
#ifdef LIBPQ_HAS_PIPELINING
  if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF) return 0;
#endif
  p.fd = PQsocket(c->pg);
  p.events = POLLIN;
  p.revents = 0;
  if (p.fd < 0) return 0;
  return poll(&p, 1, 0) == 0;
}

/* }====================================================== */
