/*
** sys.h: the entry point of sys.c, the operating-system services (module luamig.sys), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_sys_module_h
#define luamig_sys_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_sys (lua_State *L);

#endif
