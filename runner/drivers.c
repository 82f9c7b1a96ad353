/*
** drivers.c: the drivers compiled in, and the lm_error helpers they share.
** Adding a driver is one line in lm_drivers (and its extern in driver.h).
*/

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"


const struct lm_driver *const lm_drivers[] = {
  &lm_driver_sqlite,
#ifdef LUAMIG_WITH_MYSQL
  &lm_driver_mysql,
#endif
#ifdef LUAMIG_WITH_POSTGRES
  &lm_driver_postgres,
#endif
  NULL
};


const struct lm_driver *lm_find_driver (const char *name) {
  int i;
  for (i = 0; lm_drivers[i] != NULL; i++) {
    if (strcmp(lm_drivers[i]->name, name) == 0)
      return lm_drivers[i];
  }
  return NULL;
}


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
