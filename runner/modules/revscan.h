/*
** revscan.h: the entry point of revscan.c, the fast reader of revision files' metadata (module luamig.revscan), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_revscan_module_h
#define luamig_revscan_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_revscan (lua_State *L);

#endif
