/*
** checksum.h: the entry point of checksum.c, revision files' checksums (module luamig.checksum), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_checksum_module_h
#define luamig_checksum_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_checksum (lua_State *L);

#endif
