/*
** rowscan.c: module luamig.rowscan, what op.bulk_insert must know of its
** rows before it inserts them, read in C: walking a million rows of five
** columns takes Lua about 0.35 s, a fifth of what the server needs to
** store them, and C a small part of that.
**
**   scan(rows [, listed]) -> keys, same_keys, has_tables
**               | nil, index, "row" | "key" | nil, key, "list"
**   stray_key(rows) -> key | nil
**
** keys: the set of the rows' keys (name -> true); same_keys: every row
** has the same keys (as many as the first, and no more in all);
** has_tables: some value is a table (an inline literal or an SQL
** fragment, which the Lua side looks at). On
** failure, the index of the first row that is not a plain table ("row"),
** or that has a key which is not a string ("key"); or a key of `rows`
** itself that a list of n rows does not have ("list"; not looked for when
** `listed` is true: the caller checked with stray_key, or made the list).
*/

#include "lua.h"
#include "lauxlib.h"

#include "rowscan.h"

/* The first row's keys, in the order lua_next gives them, remembered up to
** this many: rows made alike (one constructor, one loop) give the same
** keys in the same order, and a key met where the first row had it is known
** without a lookup in the set of keys. */
#define FIRST_KEYS 64

/* A list has the keys 1..n and no other: one row given without the list's
** braces has string keys (and length 0), a list with holes keys past its
** length; either would lose rows without a word. 1 with the first key
** that does not belong pushed, else 0. */
static int stray_key (lua_State *L, lua_Integer n) {
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_Integer k;
    lua_pop(L, 1);
    k = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
    if (k < 1 || k > n) return 1;
  }
  return 0;
}

static int scan (lua_State *L) {
  lua_Integer i, n;
  lua_Integer first_count = -1, nkeys = 0;
  int same_count = 1, has_tables = 0;
  /* Short strings are interned, so one key is one object and its address
  ** tells it; the set of keys holds them, so none is freed meanwhile. */
  const void *first_keys[FIRST_KEYS];
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (lua_Integer)luaL_len(L, 1);
  if (!lua_toboolean(L, 2) && stray_key(L, n)) {  /* the key on top */
    lua_pushnil(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "list");
    return 3;
  }
  lua_settop(L, 1);
  lua_newtable(L);  /* 2: keys */
  for (i = 1; i <= n; i++) {
    lua_Integer count = 0;
    int row = lua_gettop(L) + 1;
    if (lua_rawgeti(L, 1, i) != LUA_TTABLE || lua_getmetatable(L, row)) {
      lua_pushnil(L);
      lua_pushinteger(L, i);
      lua_pushliteral(L, "row");
      return 3;
    }
    lua_pushnil(L);
    while (lua_next(L, row) != 0) {  /* key at -2, value at -1 */
      if (lua_type(L, -2) != LUA_TSTRING) {
        lua_pushnil(L);
        lua_pushinteger(L, i);
        lua_pushliteral(L, "key");
        return 3;
      }
      if (lua_type(L, -1) == LUA_TTABLE) has_tables = 1;
      lua_pop(L, 1);
      if (first_count < 0) {
        if (count < FIRST_KEYS) first_keys[count] = lua_topointer(L, -1);
      }
      else if (count < first_count && count < FIRST_KEYS &&
               lua_topointer(L, -1) == first_keys[count]) {
        count++;
        continue;  /* the first row's key at the first row's place */
      }
      count++;
      /* known keys need no store: a lookup is cheaper */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, 2) == LUA_TNIL) {
        lua_pushvalue(L, -2);
        lua_pushboolean(L, 1);
        lua_rawset(L, 2);
        nkeys++;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);  /* the row */
    if (first_count < 0) first_count = count;
    else if (count != first_count) same_count = 0;
  }
  /* every row has first_count keys, and all rows together that many: the
  ** same ones (no rows: trivially the same) */
  lua_pushboolean(L, same_count && nkeys == (first_count < 0 ? 0 : first_count));
  lua_pushboolean(L, has_tables);
  return 3;
}

/* stray_key(rows): the first key of `rows` that a list of #rows rows
** does not have, or nil. */
static int list_stray_key (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (!stray_key(L, (lua_Integer)luaL_len(L, 1))) lua_pushnil(L);
  return 1;
}

static const luaL_Reg rowscan_funcs[] = {
  {"scan", scan},
  {"stray_key", list_stray_key},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_rowscan (lua_State *L) {
  luaL_newlib(L, rowscan_funcs);
  return 1;
}
