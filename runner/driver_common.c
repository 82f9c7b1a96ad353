/*
** driver_common.c: what every driver shares (driver.h): filling the
** caller's lm_error, and quoting identifiers. Compiled into luamig and into
** each driver plugin: a plugin loaded from the Lua module luamig.so cannot
** see that module's symbols, so it carries its own copy.
*/

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"


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
