/*
** spawn.h: the entry point of spawn.c, a fleet's child processes (module luamig.spawn), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_spawn_module_h
#define luamig_spawn_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_spawn (lua_State *L);

#endif
