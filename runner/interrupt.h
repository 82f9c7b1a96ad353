/*
** interrupt.h: what the Lua binding tells interrupt.c about connections,
** so that a signal can cancel the statement a connection is running.
*/

#ifndef luamig_interrupt_h
#define luamig_interrupt_h

#include "driver.h"

/* From connect to close: a signal calls drv->cancel(conn) (when the driver
** has one). */
void lm_interrupt_watch (const struct lm_driver *drv, void *conn);
void lm_interrupt_unwatch (void *conn);

#endif
