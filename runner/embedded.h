/*
** embedded.h: luamig's Lua modules compiled into the executable
** (build/embedded_lua.c, written by runner/embed.lua at build time).
*/
#ifndef LUAMIG_EMBEDDED_H
#define LUAMIG_EMBEDDED_H

#include <stddef.h>

typedef struct lm_embedded_module {
  const char *name;            /* module name, e.g. "luamig.cli" */
  const unsigned char *code;   /* string.dump() of the module's chunk */
  size_t size;
} lm_embedded_module;

/* Terminated by an entry whose name is NULL. */
extern const lm_embedded_module lm_embedded_modules[];

#endif
