/*
** interrupt.c: Ctrl-C, SIGTERM and SIGHUP during a run (module luamig.interrupt).
**
** A migration cut off by a signal must not die half-way through a
** transaction while it holds the migration lock: it rolls back what can be
** rolled back, releases the lock, says what happened and exits 128 + the
** signal's number. So luamig catches SIGINT, SIGTERM and SIGHUP itself:
**
**   - the handler only records the signal, asks every open connection's
**     driver to cancel the statement it is running (PostgreSQL's PQcancel
**     and sqlite3_interrupt may be called from a signal handler; MySQL's
**     driver posts a semaphore to its side thread, which sends KILL QUERY
**     on a second connection: driver_mysql_side.c), and, while a
**     revision body runs ("guarded"), sets a Lua hook that raises
**     "interrupted by SIGINT" at the body's next instruction;
**   - the Lua side checks caught() between steps and before each commit.
**
** The handler then restores the default action, so a second Ctrl-C kills
** luamig at once (the server rolls back what was open; see the README for
** MySQL). A SIGINT that was ignored when luamig started (a background job
** of a non-interactive shell) stays ignored, as the convention wants.
*/

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "lua.h"
#include "lauxlib.h"

#include "interrupt.h"

#define MAX_WATCHED 8  /* open connections a run has: one, two with --sql tests */

typedef struct Watched {
  const struct lm_driver *volatile drv;
  void *volatile conn;
} Watched;

static Watched watched[MAX_WATCHED];
static volatile sig_atomic_t caught_signal = 0;
static volatile sig_atomic_t guarded = 0;
static lua_State *volatile hook_state = NULL;  /* the main thread of the state that trapped */

#define REARM_COUNT 1000  /* instructions between two raises once fired */

/* Only once trap() ran (the luamig executable): a program embedding
** luamig keeps its signals, and its threads never touch this table. */
void lm_interrupt_watch (const struct lm_driver *drv, void *conn) {
  int i;
  if (drv->cancel == NULL || hook_state == NULL) return;
  for (i = 0; i < MAX_WATCHED; i++) {
    if (watched[i].conn == NULL) {
      watched[i].drv = drv;
      watched[i].conn = conn;  /* last: the handler skips a slot without conn */
      return;
    }
  }
}

void lm_interrupt_unwatch (void *conn) {
  int i;
  for (i = 0; i < MAX_WATCHED; i++)
    if (watched[i].conn == conn) watched[i].conn = NULL;
}

static const char *signal_name (int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

/* Raise in the revision body; stays armed (every REARM_COUNT instructions)
** so that a body that catches the error with pcall is stopped again, until
** guard(false) removes it. */
static void stop_hook (lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, stop_hook, LUA_MASKCOUNT, REARM_COUNT);
  luaL_error(L, "interrupted by %s", signal_name((int)caught_signal));
}

static void arm_hook (void) {
  lua_State *L = hook_state;
  if (L != NULL) lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static void on_signal (int sig) {
  int i, saved = errno;
  if (caught_signal == 0) caught_signal = sig;
  signal(sig, SIG_DFL);
  for (i = 0; i < MAX_WATCHED; i++) {
    void *conn = watched[i].conn;
    const struct lm_driver *drv = watched[i].drv;
    if (conn != NULL && drv != NULL) drv->cancel(conn);
  }
  if (guarded) arm_hook();
  errno = saved;
}

static void install (int sig) {
  struct sigaction sa, old;
  /* An ignored SIGINT (a background job) or SIGHUP (nohup) stays ignored. */
  if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN && sig != SIGTERM) return;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(sig, &sa, NULL);
}

/* trap(): catch SIGINT, SIGTERM and SIGHUP (the terminal or the ssh
** session that ran luamig went away) from now on. */
static int i_trap (lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  hook_state = lua_tothread(L, -1);
  lua_pop(L, 1);
  install(SIGINT);
  install(SIGTERM);
  install(SIGHUP);
  return 0;
}

/* caught() -> "SIGINT" | "SIGTERM" | "SIGHUP", number | nil */
static int i_caught (lua_State *L) {
  int sig = (int)caught_signal;
  if (sig == 0) return 0;
  lua_pushstring(L, signal_name(sig));
  lua_pushinteger(L, sig);
  return 2;
}

/* guard(on): while on, a caught signal raises in the running Lua code.
** Nothing to do before trap(): an embedding program's threads leave the
** globals alone. */
static int i_guard (lua_State *L) {
  int on = lua_toboolean(L, 1);
  if (hook_state == NULL) return 0;
  guarded = on;
  if (on && caught_signal != 0) arm_hook();
  if (!on) lua_sethook(hook_state, NULL, 0, 0);
  return 0;
}

/* sleep(seconds) -> true, or false when a signal cut it short. */
static int i_sleep (lua_State *L) {
  double s = luaL_checknumber(L, 1);
  struct timespec req, rem;
  if (s < 0) s = 0;
  req.tv_sec = (time_t)s;
  req.tv_nsec = (long)((s - (double)req.tv_sec) * 1e9);
  while (caught_signal == 0 && nanosleep(&req, &rem) != 0 && errno == EINTR) req = rem;
  lua_pushboolean(L, caught_signal == 0);
  return 1;
}

static const luaL_Reg interrupt_funcs[] = {
  {"trap", i_trap},
  {"caught", i_caught},
  {"guard", i_guard},
  {"sleep", i_sleep},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_interrupt (lua_State *L) {
  luaL_newlib(L, interrupt_funcs);
  return 1;
}
