/*
** driver_postgres.c: the PostgreSQL driver on libpq (see driver.h for the
** contract): connections, errors, notices, transactions, and the driver's
** vtable. Statements and results are in driver_postgres_stmt.c; what the
** two share in driver_postgres.h. A connection is a `pg_conn`.
**
** Connecting goes through PQconnectStartParams and PQconnectPoll, not the
** blocking PQconnectdbParams, for one reason: to set PQERRORS_VERBOSE
** before the server answers, so that a failed connection's message holds
** the SQLSTATE (28P01, 3D000...), which libpq gives no other way.
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
#include "sqltext.h"

#define PG_CONNECT_TIMEOUT "10"  /* seconds, when the URL gives none */


/*
** {======================================================
** Errors
** =======================================================
*/

/* Copy `src` into `dst` as one line: runs of blanks become one space,
** none at the ends; a line break between the end of a sentence and one
** that starts with a capital, as libpq writes "Connection refused\n\tIs
** the server running ...?", becomes ". ". */
static void copy_line (char *dst, size_t size, const char *src) {
  size_t n = 0;
  int blank = 0, newline = 0;
  if (size == 0) return;
  for (; src != NULL && *src != '\0'; src++) {
    char ch = *src;
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      blank = 1;
      newline |= ch == '\n';
      continue;
    }
    if (blank && n > 0) {
      char last = dst[n - 1];
      if (newline && ch >= 'A' && ch <= 'Z' && last != '.' && last != ':' &&
          last != '?' && last != '!' && last != ';' && n + 2 < size)
        dst[n++] = '.';
      if (n + 1 < size) dst[n++] = ' ';
    }
    blank = newline = 0;
    if (n + 1 < size) dst[n++] = ch;
  }
  dst[n] = '\0';
}


/* Fill `err` from a failed result (which may be NULL: libpq could not
** even send the query) or from the connection's last error. */
int lmpg_result_error (pg_conn *c, const PGresult *res, lm_error *err) {
  const char *state = NULL, *primary = NULL, *detail = NULL, *hint = NULL;
  if (res != NULL) {
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
  }
  lm_error_clear(err);
  lm_error_copy(err->sqlstate, sizeof(err->sqlstate), state);
  if (primary != NULL)
    copy_line(err->message, sizeof(err->message), primary);
  else {  /* libpq's own message ("server closed the connection ...") */
    /* A connection that ended: the connection's message also holds what
    ** the other end said before closing it ("FATAL: terminating
    ** connection due to administrator command", pgbouncer's "transaction
    ** blocks not allowed in statement pooling mode"); the result's has
    ** only libpq's lament. */
    if (res != NULL && PQstatus(c->pg) != CONNECTION_BAD) primary = PQresultErrorMessage(res);
    if (primary == NULL || primary[0] == '\0') primary = PQerrorMessage(c->pg);
    copy_line(err->message, sizeof(err->message), primary);
  }
  if (err->message[0] == '\0')
    lm_error_copy(err->message, sizeof(err->message), "unknown PostgreSQL error");
  if (PQstatus(c->pg) == CONNECTION_BAD) {  /* lost, for good */
    if (err->sqlstate[0] == '\0')
      lm_error_copy(err->sqlstate, sizeof(err->sqlstate), "08006");
    if (strstr(err->message, "connection") == NULL) {
      size_t n = strlen(err->message);
      snprintf(err->message + n, sizeof(err->message) - n, "%s",
               " (the connection to the server is lost)");
    }
  }
  copy_line(err->detail, sizeof(err->detail), detail);
  copy_line(err->hint, sizeof(err->hint), hint);
  return LM_ERROR;
}

/* }====================================================== */


/*
** {======================================================
** Notices
** =======================================================
*/

/* Keep "SEVERITY: message" of every notice, warning etc. the server
** sends; the oldest goes when PG_MAX_NOTICES are kept. */
static void notice_receiver (void *arg, const PGresult *res) {
  pg_conn *c = (pg_conn *)arg;
  const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
  const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  char raw[LM_MESSAGE_SIZE], line[LM_MESSAGE_SIZE];
  char *copy;
  size_t n;
  if (primary == NULL) primary = PQresultErrorMessage(res);
  if (severity != NULL)
    snprintf(raw, sizeof(raw), "%s: %s", severity, primary);
  else
    snprintf(raw, sizeof(raw), "%s", primary);
  copy_line(line, sizeof(line), raw);  /* not in place: it may grow */
  n = strlen(line) + 1;
  if ((copy = (char *)malloc(n)) == NULL) return;  /* dropped */
  memcpy(copy, line, n);
  if (c->count == PG_MAX_NOTICES) {
    free(c->notices[c->first]);
    c->first = (c->first + 1) % PG_MAX_NOTICES;
    c->count--;
  }
  c->notices[(c->first + c->count) % PG_MAX_NOTICES] = copy;
  c->count++;
}


static const char *pg_next_notice (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  free(c->taken);
  c->taken = NULL;
  if (c->count == 0) return NULL;
  c->taken = c->notices[c->first];
  c->first = (c->first + 1) % PG_MAX_NOTICES;
  c->count--;
  return c->taken;
}


static void free_conn (pg_conn *c) {
  while (pg_next_notice(c) != NULL)
    ;
  if (c->cancel != NULL) PQfreeCancel(c->cancel);
  if (c->pg != NULL) PQfinish(c->pg);
  free(c);
}

/* }====================================================== */


/*
** {======================================================
** Connecting
** =======================================================
*/

/* Replace every occurrence of `secret` in `s` (malloc'ed) by "***";
** returns the new string (malloc'ed; `s` is freed), or `s` on no memory. */
static char *scrub (char *s, const char *secret) {
  size_t slen, n = 0, out = 0, len = strlen(s);
  const char *p;
  char *r;
  if (secret == NULL || (slen = strlen(secret)) == 0) return s;
  for (p = strstr(s, secret); p != NULL; p = strstr(p + slen, secret)) n++;
  if (n == 0) return s;
  if ((r = (char *)malloc(len + n * 3 + 1)) == NULL) {
    s[0] = '\0';  /* better nothing than the password */
    return s;
  }
  for (p = s; *p != '\0'; ) {
    if (strncmp(p, secret, slen) == 0) {
      memcpy(r + out, "***", 3);
      out += 3;
      p += slen;
    }
    else r[out++] = *p++;
  }
  r[out] = '\0';
  free(s);
  return r;
}


static int is_state_char (char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
}


/* Fill `err` from the message of a failed connection, which libpq
** wrote with PQERRORS_VERBOSE: the only way to learn the SQLSTATE that
** the server sent ("FATAL:  28P01: password authentication failed ...").
** The password is scrubbed first; then the SQLSTATE is taken out of the
** text, LOCATION lines dropped, DETAIL and HINT lines moved to their
** fields and the rest joined into one line. */
static int connect_error (const char *raw, const char *password,
                          lm_error *err) {
  size_t len = strlen(raw);
  char *msg = (char *)malloc(len + 1), *line, *next, *out, *end;
  lm_error_clear(err);
  if (msg == NULL)
    return lm_error_set(err, 0, NULL, "cannot connect: out of memory");
  memcpy(msg, raw, len + 1);
  msg = scrub(msg, password);
  out = msg;
  end = msg + strlen(msg);
  for (line = msg; line < end; line = next) {
    char *s;
    size_t n = strcspn(line, "\n");
    next = line + n + (line + n < end);
    line[n] = '\0';
    if (strncmp(line, "LOCATION:", 9) == 0) continue;
    if (strncmp(line, "DETAIL:", 7) == 0) {
      if (err->detail[0] == '\0')
        copy_line(err->detail, sizeof(err->detail), line + 7);
      continue;
    }
    if (strncmp(line, "HINT:", 5) == 0) {
      if (err->hint[0] == '\0')
        copy_line(err->hint, sizeof(err->hint), line + 5);
      continue;
    }
    for (s = strstr(line, ":  "); s != NULL; s = strstr(s + 1, ":  ")) {
      char *code = s + 3;
      if (is_state_char(code[0]) && is_state_char(code[1]) &&
          is_state_char(code[2]) && is_state_char(code[3]) &&
          is_state_char(code[4]) && code[5] == ':' && code[6] == ' ') {
        if (err->sqlstate[0] == '\0') {
          memcpy(err->sqlstate, code, 5);
          err->sqlstate[5] = '\0';
        }
        memmove(code, code + 7, strlen(code + 7) + 1);
        break;
      }
    }
    n = strlen(line);
    if (out > msg) *out++ = '\n';  /* then out <= line still */
    memmove(out, line, n);
    out += n;
  }
  *out = '\0';
  copy_line(err->message, sizeof(err->message), msg);
  free(msg);
  if (err->message[0] == '\0')
    lm_error_copy(err->message, sizeof(err->message), "cannot connect");
  return LM_ERROR;
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


static int run (pg_conn *c, const char *sql, lm_error *err);

/* The `schema` setting: where the revisions run (a tenant's schema). It
** is the session's search_path from the start, and pg_begin sets it again
** in every transaction (SET LOCAL), which is what holds behind a
** transaction pooler, where the session SET may stay on another server
** connection. */
static int use_schema (pg_conn *c, const char *schema, lm_error *err) {
  char sql[PG_SCHEMA_SIZE + 32];
  size_t len;
  lm_quote_with('"', schema, strlen(schema), c->schema, &len);
  c->schema[len] = '\0';
  snprintf(sql, sizeof sql, "SET search_path TO %s", c->schema);
  return run(c, sql, err);
}


static int pg_connect (const char *const *keys, const char *const *values,
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
  PQsetErrorVerbosity(c->pg, PQERRORS_VERBOSE);  /* see connect_error */
  PQsetNoticeReceiver(c->pg, notice_receiver, c);
  rc = finish_connect(c->pg, timeout);
  if (rc <= 0) {
    if (rc < 0)
      lm_error_set(err, 0, NULL, "connection to server at \"%s\", port %s "
                   "failed: timeout expired after %d s",
                   PQhost(c->pg) ? PQhost(c->pg) : "?",
                   PQport(c->pg) ? PQport(c->pg) : "?", timeout);
    else
      connect_error(PQerrorMessage(c->pg), password, err);
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


static void pg_close (void *conn) {
  free_conn((pg_conn *)conn);
}


/* PQcancel is documented as safe in a signal handler; the error text
** goes to a buffer on the stack. */
static int pg_cancel (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  char why[256];
  if (c->cancel == NULL) return LM_ERROR;
  return PQcancel(c->cancel, why, (int)sizeof why) ? LM_OK : LM_ERROR;
}


static const char *pg_server_version (void *conn) {
  return ((pg_conn *)conn)->version;
}

/* }====================================================== */


/*
** {======================================================
** Transactions and the rest
** =======================================================
*/

static int run (pg_conn *c, const char *sql, lm_error *err) {
  PGresult *res = PQexec(c->pg, sql);
  int rc = lmpg_check_result(c, res, err);
  PQclear(res);
  return rc;
}


/* The transaction guard (driver.h): the statements of `sql` are looked at
** as the server will read them, with backslash escapes in '...' when
** standard_conforming_strings is off (the server reports the setting). */
int lmpg_controls (pg_conn *c, const char *sql, size_t len, size_t *at,
                   size_t *n) {
  const char *scs = PQparameterStatus(c->pg, "standard_conforming_strings");
  int flags = scs != NULL && strcmp(scs, "off") == 0 ? LM_SQLTEXT_BACKSLASH : 0;
  return lm_sql_transaction_control(sql, len, flags, at, n);
}


/* Before `sql` runs: LM_OK, or the guard's refusal. */
int lmpg_guard_before (pg_conn *c, const char *sql, size_t len,
                       lm_error *err) {
  size_t at, n;
  if (!c->guard.on) return LM_OK;
  if (lm_guard_check(&c->guard, err) != LM_OK) return LM_ERROR;
  if (lmpg_controls(c, sql, len, &at, &n)) return lm_guard_refuse(err, sql + at, n);
  return LM_OK;
}


int lmpg_in_transaction (pg_conn *c) {
  PGTransactionStatusType ts = PQtransactionStatus(c->pg);
  return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}


/* After `sql` ran (`failed`: err says why), with a transaction open before
** it when `was_open`: the backstop. A lost connection is no ended
** transaction: its status is unknown, not idle. */
int lmpg_guard_after (pg_conn *c, int was_open, int failed, const char *sql,
                      size_t len, lm_error *err) {
  if (!c->guard.on || !was_open || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
    return failed ? LM_ERROR : LM_OK;
  return lm_guard_ended(&c->guard, failed, 0, sql, len, err);
}


static int pg_guard (void *conn, int on, int *rolled_back, lm_error *err) {
  return lm_guard_set(&((pg_conn *)conn)->guard, on, rolled_back, err);
}


/* BEGIN, COMMIT and ROLLBACK of the driver are refused by the guard too. */
static int guard_control (pg_conn *c, const char *sql, lm_error *err) {
  if (!c->guard.on) return LM_OK;
  return lm_guard_refuse(err, sql, strlen(sql));
}


static int pg_begin (void *conn, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGTransactionStatusType ts = PQtransactionStatus(c->pg);
  if (guard_control(c, "BEGIN", err) != LM_OK) return LM_ERROR;
  if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
    return lm_error_set(err, 0, "25001", "cannot start a transaction within "
                        "a transaction");
  /* PostgreSQL 14+: in every transaction the server checks each second
  ** that its client is still there. A luamig killed in a long statement
  ** otherwise leaves it running to its end, holding what it locked (a
  ** table it created, the version table) while the next run waits behind
  ** it. SET LOCAL, so that behind a transaction pooler it applies to the
  ** server connection that runs this transaction (a session SET may have
  ** gone to another one); sent with BEGIN, in the same round trip. */
  {
    char sql[PG_SCHEMA_SIZE + 128];
    snprintf(sql, sizeof sql, "BEGIN%s%s%s",
             atoi(c->version) >= 14 ? "; SET LOCAL client_connection_check_interval = 1000" : "",
             c->schema[0] != '\0' ? "; SET LOCAL search_path TO " : "", c->schema);
    return run(c, sql, err);
  }
}


/* The server answers COMMIT of a transaction in which a statement
** failed with ROLLBACK, and no error: that is a failed commit. */
static int pg_commit (void *conn, lm_error *err) {
  pg_conn *c = (pg_conn *)conn;
  PGresult *res;
  int rc;
  if (guard_control(c, "COMMIT", err) != LM_OK) return LM_ERROR;
  if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
    return lm_error_set(err, 0, "25P01", "cannot commit: no transaction is "
                        "active");
  res = PQexec(c->pg, "COMMIT");
  rc = lmpg_check_result(c, res, err);
  if (rc == LM_OK && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
    rc = lm_error_set(err, 0, "25P02", "COMMIT rolled the transaction back: "
                      "a statement in it had failed");
  PQclear(res);
  return rc;
}


/* Like the server, a ROLLBACK with no transaction open succeeds (so that
** cleaning up after a failed COMMIT does not fail again). */
static int pg_rollback (void *conn, lm_error *err) {
  if (guard_control((pg_conn *)conn, "ROLLBACK", err) != LM_OK) return LM_ERROR;
  return run((pg_conn *)conn, "ROLLBACK", err);
}


static int pg_in_transaction (void *conn) {
  return lmpg_in_transaction((pg_conn *)conn);
}


static int pg_quote_ident (void *conn, const char *name, size_t len,
                           char *out, size_t *outlen, lm_error *err) {
  (void)conn; (void)err;
  return lm_quote_with('"', name, len, out, outlen);
}


/* lastval(): the value nextval() gave last in this session, over every
** sequence (identity columns included); 0 when none was used yet, which
** the server reports as an error. Inside a transaction that error would
** abort it, so the query runs in a savepoint there. */
static int64_t pg_last_insert_id (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  PGTransactionStatusType ts = PQtransactionStatus(c->pg);
  int64_t id = 0;
  int ok = 0;
  lm_error err;
  PGresult *res;
  if (ts == PQTRANS_INERROR) return 0;
  if (ts == PQTRANS_INTRANS && run(c, "SAVEPOINT luamig_lastval", &err) != LM_OK)
    return 0;
  res = PQexec(c->pg, "SELECT lastval()");
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
      !PQgetisnull(res, 0, 0)) {
    id = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ok = 1;
  }
  PQclear(res);
  if (ts == PQTRANS_INTRANS) {
    if (!ok) run(c, "ROLLBACK TO SAVEPOINT luamig_lastval", &err);
    run(c, "RELEASE SAVEPOINT luamig_lastval", &err);
  }
  return id;
}

/* }====================================================== */


LM_DRIVER_EXPORT const struct lm_driver lm_driver_postgres = {
  .name = "postgres",
  .connect = pg_connect,
  .close = pg_close,
  .server_version = pg_server_version,
  .exec_script = lmpg_exec_script,
  .prepare = lmpg_prepare,
  .param_count = lmpg_param_count,
  .execute = lmpg_execute,
  .column_count = lmpg_column_count,
  .column_name = lmpg_column_name,
  .fetch = lmpg_fetch,
  .reset = lmpg_reset,
  .finalize = lmpg_finalize,
  .begin = pg_begin,
  .commit = pg_commit,
  .rollback = pg_rollback,
  .in_transaction = pg_in_transaction,
  .guard = pg_guard,
  .quote_ident = pg_quote_ident,
  .last_insert_id = pg_last_insert_id,
  .next_notice = pg_next_notice,
  .cancel = pg_cancel,
  .copy_begin = lmpg_copy_begin,
  .copy_data = lmpg_copy_data,
  .copy_end = lmpg_copy_end,
};
