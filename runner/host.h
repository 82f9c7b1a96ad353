/*
** host.h: the luamig executable's Lua host (host.c): what main.c and the
** embedding API (api.c) call. The C modules it preloads have export
** headers of their own (modules/NAME.h, binding/module.h).
*/

#ifndef luamig_host_h
#define luamig_host_h

#include "lua.h"

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
** `verbose`. Pops it. Returns `status`. A command's failures never reach
** it: cli.lua reports those (luamig.errors); this is for what fails before
** or around cli.main (no memory, embedded code that does not load). */
int lm_report (lua_State *L, int status, int verbose);

/* Whether -v/--verbose is among the arguments or LUAMIG_TRACEBACK=1. */
int lm_verbose (int argc, char **argv);

/* Print `luamig: msg` on stderr. */
void lm_message (const char *msg);

#endif
