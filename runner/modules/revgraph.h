/*
** revgraph.h: the entry point of revgraph.c, the revision graph of a clean
** project built in C (module luamig.revgraph), which the host preloads and
** luamig.so exports for plain `lua`.
*/

#ifndef luamig_revgraph_module_h
#define luamig_revgraph_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_revgraph (lua_State *L);

#endif
