/*
** export.h: what the C modules (modules/, and the binding's luamig.driver)
** share with the host: how a module's entry point is exported, how a
** module makes the metatable of its objects, and where the host leaves the
** executable's path.
*/

#ifndef luamig_export_h
#define luamig_export_h

#include <stddef.h>

#include "lua.h"
#include "lauxlib.h"

/* What luamig.so exports. libluamig.so defines it empty: it exports the
** API of luamig.h alone. */
#if !defined(LM_EXPORT)
#if defined(__GNUC__)
#define LM_EXPORT __attribute__((visibility("default")))
#else
#define LM_EXPORT
#endif
#endif

/* Registry field holding the absolute path of the running executable (a
** string; absent in luamig.so loaded by another program). */
#define LM_EXE_PATH_KEY "luamig.exe_path"

/* Make metatable `name` for a module's objects: `gc` as __gc and `close` as
** __close (either may be NULL), and an __index table of `methods` (unless
** NULL). The C modules include only this header (docs/ARCHITECTURE.md),
** hence inline here. Made once: when luamig.so is loaded beside the host's
** own copy of the module, the first copy's metatable stays. */
static inline void lm_new_class (lua_State *L, const char *name,
                                 const luaL_Reg *methods, lua_CFunction gc,
                                 lua_CFunction close) {
  if (luaL_newmetatable(L, name)) {
    if (methods != NULL) {
      lua_newtable(L);
      luaL_setfuncs(L, methods, 0);
      lua_setfield(L, -2, "__index");
    }
    if (gc != NULL) {
      lua_pushcfunction(L, gc);
      lua_setfield(L, -2, "__gc");
    }
    if (close != NULL) {
      lua_pushcfunction(L, close);
      lua_setfield(L, -2, "__close");
    }
  }
  lua_pop(L, 1);
}

#endif
