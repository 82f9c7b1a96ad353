/*
** driver_postgres_messages.c: what the server and libpq say, as the one
** line luamig shows: the error of a failed result (lmpg_result_error), the
** error of a failed connection (lmpg_connect_error: its SQLSTATE taken out
** of the text, the password scrubbed), and the notices the server sends
** outside any result (lmpg_notice_receiver, lmpg_next_notice). One file,
** because all of them are made one line by copy_line.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "driver.h"
#include "driver_postgres.h"


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
void lmpg_notice_receiver (void *arg, const PGresult *res) {
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


const char *lmpg_next_notice (void *conn) {
  pg_conn *c = (pg_conn *)conn;
  free(c->taken);
  c->taken = NULL;
  if (c->count == 0) return NULL;
  c->taken = c->notices[c->first];
  c->first = (c->first + 1) % PG_MAX_NOTICES;
  c->count--;
  return c->taken;
}

/* }====================================================== */


/*
** {======================================================
** Connection errors
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
int lmpg_connect_error (const char *raw, const char *password,
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

/* }====================================================== */
