/*
** host.c: the Lua host of the luamig executable, after lua.c: a protected
** entry that sets the state up and runs require("luamig.cli").main(args),
** one docall with a message handler that adds a traceback, one report.
** The set-up (lm_setup) is shared with the embedding API (api.c).
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "embedded.h"
#include "host.h"
#include "export.h"
#include "binding/module.h"
#include "modules/checksum.h"
#include "modules/filelock.h"
#include "modules/interrupt.h"
#include "modules/revcache.h"
#include "modules/revscan.h"
#include "modules/revgraph.h"
#include "modules/rowscan.h"
#include "modules/spawn.h"
#include "modules/sys.h"
#include "luamig_config.h"  /* LUAMIG_PREFIX, written by premake5.lua */

#if !defined(LUAMIG_PREFIX)
#define LUAMIG_PREFIX "/usr/local"
#endif


void lm_message (const char *msg) {
  fprintf(stderr, "luamig: %s\n", msg);
  fflush(stderr);
}


int lm_verbose (int argc, char **argv) {
  const char *env = getenv("LUAMIG_TRACEBACK");
  int i;
  if (env != NULL && strcmp(env, "1") == 0) return 1;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
      return 1;
  }
  return 0;
}


/* Message handler: a string message with a traceback appended. */
static int msghandler (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {  /* is error object not a string? */
    if (luaL_callmeta(L, 1, "__tostring") &&
        lua_type(L, -1) == LUA_TSTRING)
      return 1;
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}


int lm_docall (lua_State *L, int narg, int nres) {
  int status;
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  status = lua_pcall(L, narg, nres, base);
  lua_remove(L, base);
  return status;
}


int lm_report (lua_State *L, int status, int verbose) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL) msg = "(error object is not a string)";
    if (verbose)
      lm_message(msg);
    else {
      const char *nl = strchr(msg, '\n');
      fprintf(stderr, "luamig: %.*s\n",
              (int)(nl != NULL ? (size_t)(nl - msg) : strlen(msg)), msg);
      fflush(stderr);
    }
    lua_pop(L, 1);
  }
  return status;
}


/* Push the absolute path of the running executable, or nil. */
static void push_exe_path (lua_State *L, const char *argv0) {
  size_t size = 256;
  for (;;) {
    char *buf = (char *)lua_newuserdatauv(L, size, 0);
    ssize_t n = readlink("/proc/self/exe", buf, size);
    if (n < 0) {
      lua_pop(L, 1);
      break;
    }
    if ((size_t)n < size) {
      lua_pushlstring(L, buf, (size_t)n);
      lua_remove(L, -2);
      return;
    }
    lua_pop(L, 1);
    size *= 2;
  }
  if (argv0 != NULL && strchr(argv0, '/') != NULL) {  /* no /proc */
    char *path = realpath(argv0, NULL);
    if (path != NULL) {
      lua_pushstring(L, path);
      free(path);
      return;
    }
  }
  lua_pushnil(L);
}


/* Does `dir` hold luamig/cli.lua? */
static int has_cli (lua_State *L, const char *dir) {
  struct stat st;
  const char *file = lua_pushfstring(L, "%s/luamig/cli.lua", dir);
  int found = stat(file, &st) == 0 && S_ISREG(st.st_mode);
  lua_pop(L, 1);
  return found;
}


/* Push the directory of the Lua sources (see docs/internals.md), or nil.
** `exe` is the executable's path or NULL. */
static void push_lua_dir (lua_State *L, const char *exe) {
  static const char *const from_exe[] = {
    "%s/../lua", "%s/../../lua", "%s/../share/lua/5.4", NULL
  };
  const char *env = getenv("LUAMIG_LUA_DIR");
  if (env != NULL && env[0] != '\0') {
    if (!has_cli(L, env))
      luaL_error(L, "LUAMIG_LUA_DIR=%s has no luamig/cli.lua", env);
    lua_pushstring(L, env);
    return;
  }
  if (exe != NULL) {
    const char *slash = strrchr(exe, '/');
    if (slash != NULL) {
      int i;
      lua_pushlstring(L, exe, (size_t)(slash - exe));  /* its directory */
      for (i = 0; from_exe[i] != NULL; i++) {
        const char *dir = lua_pushfstring(L, from_exe[i], lua_tostring(L, -1));
        if (has_cli(L, dir)) {
          lua_remove(L, -2);
          return;
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  if (has_cli(L, LUAMIG_PREFIX "/share/lua/5.4")) {
    lua_pushliteral(L, LUAMIG_PREFIX "/share/lua/5.4");
    return;
  }
  lua_pushnil(L);
}


/* package.path = dir/?.lua;dir/?/init.lua;<the default> */
static void prepend_path (lua_State *L, const char *dir) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir,
                  lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 2);
}


static void preload (lua_State *L, const char *name, lua_CFunction open) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, open);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}


/* A package.searchers entry for the modules compiled into the executable
** (embedded.h). */
static int embedded_searcher (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const lm_embedded_module *m;
  for (m = lm_embedded_modules; m->name != NULL; m++) {
    if (strcmp(m->name, name) != 0) continue;
    if (luaL_loadbufferx(L, (const char *)m->code, m->size, name, "b") != LUA_OK)
      return luaL_error(L, "cannot load embedded module '%s': %s", name,
                        lua_tostring(L, -1));
    lua_pushliteral(L, ":embedded:");
    return 2;
  }
  lua_pushfstring(L, "no embedded module '%s'", name);
  return 1;
}


/* Put embedded_searcher right after package.preload, so that luamig's own
** modules come from the executable and the rest (busted, user modules)
** from package.path. With LUAMIG_LUA_DIR set, the sources there win: that
** is how a developer runs edited Lua without rebuilding. */
static void add_embedded_searcher (lua_State *L) {
  lua_Integer i, n;
  if (getenv("LUAMIG_LUA_DIR") != NULL) return;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  n = luaL_len(L, -1);
  for (i = n; i >= 2; i--) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushcfunction(L, embedded_searcher);
  lua_rawseti(L, -2, 2);
  lua_pop(L, 2);
}


/* The exit status from what cli.main returned (on top). */
static int exit_status (lua_State *L) {
  int isnum;
  lua_Integer n;
  switch (lua_type(L, -1)) {
    case LUA_TNONE: case LUA_TNIL:
      return 0;
    case LUA_TBOOLEAN:
      return lua_toboolean(L, -1) ? 0 : 1;
    case LUA_TNUMBER:
      n = lua_tointegerx(L, -1, &isnum);
      if (isnum) return (int)n;
      break;
    default:
      break;
  }
  return luaL_error(L, "luamig.cli.main returned a %s, not an exit status",
                    luaL_typename(L, -1));
}


int lm_setup (lua_State *L, const char *exe) {
  int found;
  luaL_checkversion(L);
  luaL_openlibs(L);
  preload(L, "luamig.driver", luaopen_luamig_driver);
  preload(L, "luamig.sys", luaopen_luamig_sys);
  preload(L, "luamig.revscan", luaopen_luamig_revscan);
  preload(L, "luamig.revgraph", luaopen_luamig_revgraph);
  preload(L, "luamig.revcache", luaopen_luamig_revcache);
  preload(L, "luamig.rowscan", luaopen_luamig_rowscan);
  preload(L, "luamig.interrupt", luaopen_luamig_interrupt);
  preload(L, "luamig.filelock", luaopen_luamig_filelock);
  preload(L, "luamig.checksum", luaopen_luamig_checksum);
  preload(L, "luamig.spawn", luaopen_luamig_spawn);
  add_embedded_searcher(L);
  push_lua_dir(L, exe);
  found = lua_isstring(L, -1);
  if (found)
    prepend_path(L, lua_tostring(L, -1));
  lua_pop(L, 1);
  return found;
}


int lm_pmain (lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  const char *argv0 = (argc > 0 && argv[0] != NULL) ? argv[0] : "luamig";
  int i, status, found;
  push_exe_path(L, argv0);
  if (lua_isstring(L, -1)) {
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, LM_EXE_PATH_KEY);
  }
  found = lm_setup(L, lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_createtable(L, argc, 1);  /* global `arg`, as lua.c makes it */
  lua_pushstring(L, argv0);
  lua_rawseti(L, -2, 0);
  for (i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setglobal(L, "arg");
  lua_getglobal(L, "require");
  lua_pushliteral(L, "luamig.cli");
  if (found)
    lua_call(L, 1, 1);
  else if (lua_pcall(L, 1, 1, 0) != LUA_OK)  /* installed some other way? */
    return luaL_error(L, "cannot find luamig's Lua sources (luamig/cli.lua);"
                      " set LUAMIG_LUA_DIR\n%s", lua_tostring(L, -1));
  if (lua_getfield(L, -1, "main") != LUA_TFUNCTION)
    return luaL_error(L, "luamig.cli has no main function");
  lua_createtable(L, argc, 0);  /* args = arg[1..n] */
  for (i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_call(L, 1, 1);
  status = exit_status(L);
  lua_pushinteger(L, status);
  return 1;
}
