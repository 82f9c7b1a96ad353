/*
** main.c: the luamig executable. Like lua.c, main only creates the state
** and calls the protected entry (host.c); the command line lives in
** lua/luamig/cli.lua.
*/

#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"


int main (int argc, char **argv) {
  int status, result = EXIT_FAILURE;
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    lm_message("cannot create the Lua state: not enough memory");
    return EXIT_FAILURE;
  }
  lua_pushcfunction(L, lm_pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lm_docall(L, 2, 1);
  if (status == LUA_OK)
    result = (int)lua_tointeger(L, -1);
  lm_report(L, status, lm_verbose(argc, argv));
  lua_close(L);
  return result;
}
