/*
** module.h: the entry point of the Lua binding of the drivers (binding.c) (module luamig.driver), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_module_module_h
#define luamig_module_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_driver (lua_State *L);

#endif
