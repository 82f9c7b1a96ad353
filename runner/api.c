/*
** api.c: the embedding API (luamig.h). Each environment owns a Lua state,
** set up as the executable's (lm_setup in host.c), in which lua/luamig/
** api.lua runs the commands. Nothing here is shared between environments,
** so that separate threads may use separate environments; the API never
** calls interrupt.c's trap(), whose globals stay untouched.
**
** Every call goes through one protected entry (after lua.c's pmain), so
** that an error, out of memory included, becomes the environment's last
** error instead of a panic.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"
#include "luamig.h"
#include "version.h"

#define ENV_KEY "luamig.api.env"  /* registry: api.open's environment table */

struct luamig_env {
  lua_State *L;
  int open_status;    /* LUAMIG_OK, or what every call returns after a bad open */
  char *error;        /* the last error (malloc'd); NULL when none */
  int error_lost;     /* there is one, but no memory to copy it */
  luamig_log_fn log;
  void *log_data;
};

/* What a protected entry is asked to do. */
enum op { OP_OPEN, OP_UPGRADE, OP_DOWNGRADE, OP_CURRENT };

typedef struct request {
  luamig_env *env;
  enum op op;
  const char *config_file, *script_location, *url;  /* OP_OPEN */
  const char *target;                                /* OP_UPGRADE, OP_DOWNGRADE */
} request;


static void set_error (luamig_env *env, const char *msg, size_t len) {
  char *copy = (char *)malloc(len + 1);
  free(env->error);
  env->error = copy;
  env->error_lost = copy == NULL;
  if (copy != NULL) {
    memcpy(copy, msg, len);
    copy[len] = '\0';
  }
}

static void clear_error (luamig_env *env) {
  free(env->error);
  env->error = NULL;
  env->error_lost = 0;
}


/* The log function given to api.lua: a line to the program's callback. */
static int log_line (lua_State *L) {
  luamig_env *env = (luamig_env *)lua_touserdata(L, lua_upvalueindex(1));
  const char *line = luaL_checkstring(L, 1);
  if (env->log != NULL) env->log(env->log_data, line);
  return 0;
}

static void push_opt_string (lua_State *L, const char *s) {
  if (s != NULL) lua_pushstring(L, s);
  else lua_pushnil(L);
}


/* The protected entry: (request as light userdata) -> the api.lua
** function's value (true, a string) | nil, msg, status; always 3 results. */
static int pcall_api (lua_State *L) {
  request *r = (request *)lua_touserdata(L, 1);
  lua_settop(L, 0);
  if (r->op == OP_OPEN) {
    lm_setup(L, NULL);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "luamig.api");
    lua_call(L, 1, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "luamig.api");
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "luamig.api");
  switch (r->op) {
    case OP_OPEN:
      lua_getfield(L, -1, "open");
      push_opt_string(L, r->config_file);
      push_opt_string(L, r->script_location);
      push_opt_string(L, r->url);
      lua_pushlightuserdata(L, r->env);
      lua_pushcclosure(L, log_line, 1);
      lua_call(L, 4, 3);
      if (lua_istable(L, -3)) {
        lua_pushvalue(L, -3);
        lua_setfield(L, LUA_REGISTRYINDEX, ENV_KEY);
      }
      return 3;
    case OP_UPGRADE: case OP_DOWNGRADE:
      lua_getfield(L, -1, r->op == OP_UPGRADE ? "upgrade" : "downgrade");
      lua_getfield(L, LUA_REGISTRYINDEX, ENV_KEY);
      push_opt_string(L, r->target);
      lua_call(L, 2, 3);
      return 3;
    case OP_CURRENT:
      lua_getfield(L, -1, "current");
      lua_getfield(L, LUA_REGISTRYINDEX, ENV_KEY);
      lua_call(L, 1, 3);
      return 3;
  }
  return luaL_error(L, "unknown request %d", (int)r->op);
}


/* Run the request; leaves its value on the stack (pop it!) and returns
** LUAMIG_OK, or sets the last error and returns its status with nothing
** left on the stack. */
static int call (request *r) {
  luamig_env *env = r->env;
  lua_State *L = env->L;
  int status;
  clear_error(env);
  lua_pushcfunction(L, pcall_api);
  lua_pushlightuserdata(L, r);
  if (lm_docall(L, 1, 3) != LUA_OK) {  /* raised: a bug, or out of memory */
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    const char *tb = getenv("LUAMIG_TRACEBACK");
    if (msg == NULL) msg = "(error object is not a string)", len = strlen(msg);
    else if (tb == NULL || strcmp(tb, "1") != 0) {  /* the first line, as the CLI */
      const char *nl = strchr(msg, '\n');
      if (nl != NULL) len = (size_t)(nl - msg);
    }
    set_error(env, msg, len);
    lua_pop(L, 1);
    return LUAMIG_FAILED;
  }
  if (lua_toboolean(L, -3)) {
    lua_pop(L, 2);
    return LUAMIG_OK;
  }
  {
    size_t len;
    const char *msg = lua_tolstring(L, -2, &len);
    int isnum;
    lua_Integer n = lua_tointegerx(L, -1, &isnum);
    if (msg == NULL) msg = "failed (no message)", len = strlen(msg);
    set_error(env, msg, len);
    status = isnum && n > 0 && n < 256 ? (int)n : LUAMIG_FAILED;
  }
  lua_pop(L, 3);
  return status;
}


LUAMIG_API luamig_env *luamig_open (const char *config_file,
                                    const char *script_location,
                                    const char *url) {
  request r;
  luamig_env *env = (luamig_env *)calloc(1, sizeof *env);
  if (env == NULL) return NULL;
  env->L = luaL_newstate();
  if (env->L == NULL) {
    free(env);
    return NULL;
  }
  memset(&r, 0, sizeof r);
  r.env = env;
  r.op = OP_OPEN;
  r.config_file = config_file;
  r.script_location = script_location;
  r.url = url;
  env->open_status = call(&r);
  if (env->open_status == LUAMIG_OK) lua_pop(env->L, 1);
  return env;
}


/* Runs op unless the open failed, whose error stays. */
static int run (luamig_env *env, enum op op, const char *target) {
  request r;
  if (env->open_status != LUAMIG_OK) return env->open_status;
  memset(&r, 0, sizeof r);
  r.env = env;
  r.op = op;
  r.target = target;
  return call(&r);
}


LUAMIG_API int luamig_upgrade (luamig_env *env, const char *target) {
  int status = run(env, OP_UPGRADE, target);
  if (status == LUAMIG_OK) lua_pop(env->L, 1);
  return status;
}


LUAMIG_API int luamig_downgrade (luamig_env *env, const char *target) {
  int status = run(env, OP_DOWNGRADE, target);
  if (status == LUAMIG_OK) lua_pop(env->L, 1);
  return status;
}


LUAMIG_API int luamig_current (luamig_env *env, char *buf, size_t size) {
  size_t len;
  const char *heads;
  int status;
  if (buf != NULL && size > 0) buf[0] = '\0';
  status = run(env, OP_CURRENT, NULL);
  if (status != LUAMIG_OK) return status;
  heads = lua_tolstring(env->L, -1, &len);
  if (heads == NULL) heads = "", len = 0;
  if (buf == NULL || len >= size) {
    char msg[160];
    int n = snprintf(msg, sizeof msg, "luamig_current: the revisions need a "
                     "buffer of %zu bytes, the one given has %zu", len + 1,
                     buf == NULL ? (size_t)0 : size);
    set_error(env, msg, n > 0 ? strlen(msg) : 0);
    lua_pop(env->L, 1);
    return LUAMIG_BAD_INPUT;
  }
  memcpy(buf, heads, len + 1);
  lua_pop(env->L, 1);
  return LUAMIG_OK;
}


LUAMIG_API const char *luamig_last_error (const luamig_env *env) {
  if (env == NULL) return "no environment (luamig_open ran out of memory)";
  if (env->error_lost) return "failed, and no memory was left for the message";
  return env->error != NULL ? env->error : "";
}


LUAMIG_API void luamig_set_log (luamig_env *env, luamig_log_fn fn,
                                void *userdata) {
  env->log = fn;
  env->log_data = userdata;
}


LUAMIG_API void luamig_close (luamig_env *env) {
  if (env == NULL) return;
  lua_close(env->L);
  free(env->error);
  free(env);
}


LUAMIG_API const char *luamig_version (void) {
  return LUAMIG_VERSION;
}
