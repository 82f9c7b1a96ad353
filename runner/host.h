/*
** host.h: the luamig executable's Lua host (host.c), shared with the
** embedding API (api.c), and the C modules it preloads (binding.c, sys.c),
** which luamig.so exports for plain `lua`.
*/

#ifndef luamig_host_h
#define luamig_host_h

#include "lua.h"

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

/* The C modules: `require "luamig.driver"`, `require "luamig.sys"`. */
LM_EXPORT int luaopen_luamig_driver (lua_State *L);
LM_EXPORT int luaopen_luamig_sys (lua_State *L);
LM_EXPORT int luaopen_luamig_revscan (lua_State *L);
LM_EXPORT int luaopen_luamig_revcache (lua_State *L);
LM_EXPORT int luaopen_luamig_rowscan (lua_State *L);
LM_EXPORT int luaopen_luamig_interrupt (lua_State *L);
LM_EXPORT int luaopen_luamig_filelock (lua_State *L);
LM_EXPORT int luaopen_luamig_checksum (lua_State *L);
LM_EXPORT int luaopen_luamig_spawn (lua_State *L);

/* Set a new state up as luamig's host: open the standard libraries,
** preload the C modules, add the searcher of the modules compiled in
** (build/embedded_lua.c) and put the Lua sources' directory, when found,
** in front of package.path. `exe` is the running executable's path, or
** NULL in a program that embeds libluamig. Returns whether the sources'
** directory was found. Raises errors: call it in protected mode. */
int lm_setup (lua_State *L, const char *exe);

/* The protected entry: call with (argc as integer, argv as light userdata)
** and one result, the process exit status (an integer). It opens the
** libraries, preloads the modules, finds the Lua sources and runs
** require("luamig.cli").main(arg). */
int lm_pmain (lua_State *L);

/* Call the function under `narg` arguments on top of the stack in
** protected mode, with a message handler that adds a traceback. */
int lm_docall (lua_State *L, int narg, int nres);

/* Print the error on top of the stack if `status` is not LUA_OK:
** `luamig: <first line>`, or the whole message and traceback when
** `verbose`. Pops it. Returns `status`. */
int lm_report (lua_State *L, int status, int verbose);

/* Whether -v/--verbose is among the arguments or LUAMIG_TRACEBACK=1. */
int lm_verbose (int argc, char **argv);

/* Print `luamig: msg` on stderr. */
void lm_message (const char *msg);

#endif
