/*
** interrupt.h: the entry point of interrupt.c (module luamig.interrupt:
** Ctrl-C, SIGTERM and SIGHUP during a run), and what the Lua binding tells
** it about connections, so that a signal can cancel the statement a
** connection is running.
*/

#ifndef luamig_interrupt_h
#define luamig_interrupt_h

#include "lua.h"

#include "export.h"
#include "drivers/driver.h"

LM_EXPORT int luaopen_luamig_interrupt (lua_State *L);

/* From connect to close: a signal calls drv->cancel(conn) (when the driver
** has one). */
void lm_interrupt_watch (const struct lm_driver *drv, void *conn);
void lm_interrupt_unwatch (void *conn);

#endif
