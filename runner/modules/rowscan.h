/*
** rowscan.h: the entry point of rowscan.c, what op.bulk_insert must know of its rows (module luamig.rowscan), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_rowscan_module_h
#define luamig_rowscan_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_rowscan (lua_State *L);

#endif
