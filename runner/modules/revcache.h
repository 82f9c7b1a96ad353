/*
** revcache.h: the entry point of revcache.c, the cache of revision files' metadata (module luamig.revcache), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_revcache_module_h
#define luamig_revcache_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_revcache (lua_State *L);

#endif
