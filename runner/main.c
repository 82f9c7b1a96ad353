/*
** main.c: the luamig executable. Like lua.c, main only creates the state
** and calls the protected entry (host.c); the command line lives in
** lua/luamig/cli.lua.
*/

#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"
#include "small_alloc.h"


static int exiting = 0;

/* The release build (NDEBUG) takes small blocks from size-class free lists
** (small_alloc.c), and once the run is over (lua_close, whose finalizers
** still run: connections and lock files are closed as always) frees no
** object one by one: the process ends next and the kernel takes its memory
** back at once. Freeing the tables of a run over 10,000 revisions one by
** one was 7% of `luamig heads`. The debug and sanitizer builds use the C
** library's allocator for every block and free everything, so that
** valgrind and LeakSanitizer check each block and a clean exit. */
static void *l_alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
#if defined(NDEBUG)
  if (nsize == 0 && exiting) return NULL;
  return lm_small_alloc(ud, ptr, osize, nsize);
#else
  (void)ud; (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
#endif
}

/* As luaL_newstate's: an error outside any protected call. */
static int panic (lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL) msg = "error object is not a string";
  lua_writestringerror("luamig: PANIC: unprotected error in call to Lua API (%s)\n", msg);
  return 0;  /* return to Lua to abort */
}


int main (int argc, char **argv) {
  int status, result = EXIT_FAILURE;
  lua_State *L = lua_newstate(l_alloc, NULL);
  if (L == NULL) {
    lm_message("cannot create the Lua state: not enough memory");
    return EXIT_FAILURE;
  }
  lua_atpanic(L, panic);
  lua_pushcfunction(L, lm_pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lm_docall(L, 2, 1);
  if (status == LUA_OK)
    result = (int)lua_tointeger(L, -1);
  lm_report(L, status, lm_verbose(argc, argv));
  exiting = 1;
  lua_close(L);
  return result;
}
