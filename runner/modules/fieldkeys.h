/*
** fieldkeys.h: a table's fields set and read through key strings pushed
** once, for the C modules that make thousands of tables with the same
** fields (revcache_index.c's records; revgraph.c reads the scripts' fields
** through them).
**
** lua_setfield and lua_getfield find a C string's Lua string in a small
** cache indexed by the C string's address; the dozen keys these modules
** use in turn miss it more often than not, and each miss hashes the
** string and looks it up in the string table again: 13% of `luamig heads`
** on 10,000 revisions. A key pushed once is a Lua string already, which
** lua_rawset and lua_rawget take as it is. The tables are plain (no
** metatable), so raw access is what the fields' access was.
*/

#ifndef LUAMIG_FIELDKEYS_H
#define LUAMIG_FIELDKEYS_H

#include "lua.h"
#include "lauxlib.h"

/* Push the n keys; returns the stack index of the first (key k is at
** first + k). A field is set with lua_pushvalue(key), then its value,
** then lua_rawset(t). */
static inline int lmk_push (lua_State *L, const char *const *names, int n) {
  int i, first = lua_gettop(L) + 1;
  luaL_checkstack(L, n, "field keys");
  for (i = 0; i < n; i++) lua_pushstring(L, names[i]);
  return first;
}

/* Push t[key]; returns its type. */
static inline int lmk_get (lua_State *L, int t, int key) {
  lua_pushvalue(L, key);
  return lua_rawget(L, t);
}

#endif
