/*
** filelock.h: the entry point of filelock.c, SQLite's lock file (module luamig.filelock), which the host
** preloads and luamig.so exports for plain `lua`.
*/

#ifndef luamig_filelock_module_h
#define luamig_filelock_module_h

#include "lua.h"

#include "export.h"

LM_EXPORT int luaopen_luamig_filelock (lua_State *L);

#endif
