/*
** driver_common.c: what every driver shares (driver.h): filling the
** caller's lm_error, quoting identifiers, and the transaction guard's
** state and messages. Compiled into luamig and into
** each driver plugin: a plugin loaded from the Lua module luamig.so cannot
** see that module's symbols, so it carries its own copy.
*/

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "sqltext.h"


void lm_error_clear (lm_error *err) {
  err->code = 0;
  err->sqlstate[0] = '\0';
  err->message[0] = '\0';
  err->detail[0] = '\0';
  err->hint[0] = '\0';
}


void lm_error_copy (char *dst, size_t size, const char *src) {
  size_t n;
  if (size == 0) return;
  if (src == NULL) src = "";
  n = strlen(src);
  if (n >= size) n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}


static void set_message (lm_error *err, const char *fmt, va_list ap) {
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
}


int lm_error_set (lm_error *err, int code, const char *sqlstate,
                  const char *fmt, ...) {
  va_list ap;
  lm_error_clear(err);
  err->code = code;
  lm_error_copy(err->sqlstate, sizeof(err->sqlstate), sqlstate);
  va_start(ap, fmt);
  set_message(err, fmt, ap);
  va_end(ap);
  return LM_ERROR;
}


int lm_error_misuse (lm_error *err, const char *fmt, ...) {
  va_list ap;
  lm_error_clear(err);
  va_start(ap, fmt);
  set_message(err, fmt, ap);
  va_end(ap);
  return LM_MISUSE;
}


int lm_quote_with (char quote, const char *name, size_t len, char *out,
                   size_t *outlen) {
  size_t i, n = 0;
  out[n++] = quote;
  for (i = 0; i < len; i++) {
    if (name[i] == quote) out[n++] = quote;
    out[n++] = name[i];
  }
  out[n++] = quote;
  *outlen = n;
  return LM_OK;
}


int lm_quote_ident_double (void *conn, const char *name, size_t len,
                           char *out, size_t *outlen, lm_error *err) {
  (void)conn; (void)err;
  return lm_quote_with('"', name, len, out, outlen);
}


int lm_quote_ident_backtick (void *conn, const char *name, size_t len,
                             char *out, size_t *outlen, lm_error *err) {
  (void)conn; (void)err;
  return lm_quote_with('`', name, len, out, outlen);
}


/*
** {======================================================
** The transaction guard
** =======================================================
*/

#define GUARD_STATE "2D000"  /* invalid transaction termination */
#define GUARD_ADVICE "set transactional = false in the revision, or run " \
  "the statement inside op.autocommit_block()"

/* The start of a statement for a message: from its first word, blanks
** folded, at most LM_GUARD_TEXT bytes with "..." when cut (never in the
** middle of a UTF-8 character). */
static void excerpt (char *out, const char *sql, size_t len) {
  size_t i = lm_sql_skip_space(sql, len, 0), n = 0;
  const size_t max = LM_GUARD_TEXT - 4;  /* room for "..." and the NUL */
  int blank = 0;
  while (len > i && (sql[len - 1] == ';' || sql[len - 1] == ' ' ||
                     sql[len - 1] == '\t' || sql[len - 1] == '\n' ||
                     sql[len - 1] == '\r'))
    len--;
  for (; i < len; i++) {
    unsigned char ch = (unsigned char)sql[i];
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
        ch == '\v') {
      blank = 1;
      continue;
    }
    if (n + (blank && n > 0) >= max) break;
    if (blank && n > 0) out[n++] = ' ';
    blank = 0;
    out[n++] = (char)ch;
  }
  if (i < len) {  /* cut: drop the last character, which may be partial */
    while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) n--;
    if (n > 0 && (unsigned char)out[n - 1] >= 0xC0) n--;
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
}


int lm_guard_set (lm_guard *g, int on, int *rolled_back, lm_error *err) {
  int before = g->on;
  lm_error_clear(err);
  if (rolled_back != NULL) *rolled_back = 0;
  if (g->on && g->ended[0] != '\0') {
    lm_guard_check(g, err);
    if (rolled_back != NULL) *rolled_back = g->rolled_back;
  }
  g->on = on != 0;
  g->ended[0] = '\0';
  g->rolled_back = 0;
  return before;
}


int lm_guard_check (const lm_guard *g, lm_error *err) {
  if (!g->on || g->ended[0] == '\0') return LM_OK;
  if (g->rolled_back)
    return lm_error_set(err, 0, GUARD_STATE, "the revision's transaction was "
                        "rolled back by the database when \"%s\" failed, so "
                        "nothing more runs in it", g->ended);
  return lm_error_set(err, 0, GUARD_STATE, "the revision's transaction was "
                      "ended by \"%s\", so nothing more runs in it (%s)",
                      g->ended, GUARD_ADVICE);
}


int lm_guard_refuse (lm_error *err, const char *sql, size_t len) {
  char text[LM_GUARD_TEXT];
  excerpt(text, sql, len);
  return lm_error_set(err, 0, GUARD_STATE, "refused \"%s\": a transactional "
                      "revision runs in a transaction that luamig commits with "
                      "its version row, and cannot end it itself (%s)", text,
                      GUARD_ADVICE);
}


int lm_guard_ended (lm_guard *g, int failed, int rolled_back, const char *sql,
                    size_t len, lm_error *err) {
  excerpt(g->ended, sql, len);
  g->rolled_back = failed && rolled_back;
  if (failed) return LM_ERROR;
  return lm_error_set(err, 0, GUARD_STATE, "\"%s\" ended the revision's "
                      "transaction: what the revision did before it may be "
                      "committed (%s)", g->ended, GUARD_ADVICE);
}

/* }====================================================== */
