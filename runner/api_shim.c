/*
** api_shim.c: libluamig.so, the embedding library a program links or
** loads (SONAME libluamig.so.0). It holds no luamig and no Lua: each call
** goes to the library that does, libluamig_core.so, which this file loads
** on first use with RTLD_DEEPBIND.
**
** Why: a host may have a Lua of its own (LuaJIT, a Lua 5.1 or 5.3 program),
** whose lua_* symbols are in the global scope. A library linked against
** liblua5.4 would then have its lua_* calls bound to the host's functions,
** of another ABI, and crash at the first one. RTLD_DEEPBIND puts the core's
** own dependencies (liblua5.4.so.0) ahead of the global scope for the
** core's references, so luamig always runs the Lua it was built for, and
** the host's Lua never sees luamig's. Only luamig.h's functions are
** exported (the build's version script and -fvisibility=hidden).
**
** AddressSanitizer refuses RTLD_DEEPBIND; the sanitizer build loads the
** core without it (its specs use no foreign Lua).
**
** The core is looked for next to this library, in luamig/ below it (the
** installed layout: PREFIX/lib/libluamig.so.0, PREFIX/lib/luamig/), then
** in LUAMIG_PREFIX/lib/luamig.
*/

#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "luamig.h"
#include "luamig_config.h"  /* LUAMIG_PREFIX, written by premake5.lua */

#if !defined(LUAMIG_PREFIX)
#define LUAMIG_PREFIX "/usr/local"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SHIM_DEEPBIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHIM_DEEPBIND 0
#endif
#endif
#if !defined(SHIM_DEEPBIND)
#define SHIM_DEEPBIND RTLD_DEEPBIND
#endif

#define CORE_FILE "libluamig_core.so"

static struct {
  luamig_env *(*open) (const char *, const char *, const char *);
  int (*upgrade) (luamig_env *, const char *);
  int (*downgrade) (luamig_env *, const char *);
  int (*current) (luamig_env *, char *, size_t);
  const char *(*last_error) (const luamig_env *);
  void (*set_log) (luamig_env *, luamig_log_fn, void *);
  void (*close) (luamig_env *);
  const char *(*version) (void);
} core;

static pthread_once_t core_once = PTHREAD_ONCE_INIT;
static char core_error[PATH_MAX + 256];  /* why the core did not load; "" once it did */


/* The directory of this library, in dir (with no trailing slash). */
static int own_dir (char *dir, size_t size) {
  Dl_info info;
  const char *slash;
  if (dladdr((const void *)own_dir, &info) == 0 || info.dli_fname == NULL) return 0;
  slash = strrchr(info.dli_fname, '/');
  if (slash == NULL || (size_t)(slash - info.dli_fname) >= size) return 0;
  memcpy(dir, info.dli_fname, (size_t)(slash - info.dli_fname));
  dir[slash - info.dli_fname] = '\0';
  return 1;
}


static void *open_core (void) {
  char dir[PATH_MAX], path[PATH_MAX];
  const char *where[3];
  int n = 0, i;
  if (own_dir(dir, sizeof dir)) {
    where[n++] = "%s/" CORE_FILE;
    where[n++] = "%s/luamig/" CORE_FILE;
  }
  for (i = 0; i < n; i++) {
    void *h;
    if (snprintf(path, sizeof path, where[i], dir) >= (int)sizeof path) continue;
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL | SHIM_DEEPBIND);
    if (h != NULL) return h;
    snprintf(core_error, sizeof core_error, "libluamig: cannot load %s: %s", path, dlerror());
  }
  snprintf(path, sizeof path, "%s/lib/luamig/" CORE_FILE, LUAMIG_PREFIX);
  {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | SHIM_DEEPBIND);
    if (h != NULL) return h;
  }
  if (core_error[0] == '\0')
    snprintf(core_error, sizeof core_error, "libluamig: cannot find %s next to libluamig.so, in its luamig/"
             " directory, nor in %s/lib/luamig", CORE_FILE, LUAMIG_PREFIX);
  return NULL;
}


#define BIND(field, name) \
  if ((*(void **)&core.field = dlsym(h, name)) == NULL) { \
    snprintf(core_error, sizeof core_error, "libluamig: %s has no %s", CORE_FILE, name); \
    return; \
  }

static void load_core (void) {
  void *h = open_core();
  if (h == NULL) return;
  BIND(open, "luamig_open")
  BIND(upgrade, "luamig_upgrade")
  BIND(downgrade, "luamig_downgrade")
  BIND(current, "luamig_current")
  BIND(last_error, "luamig_last_error")
  BIND(set_log, "luamig_set_log")
  BIND(close, "luamig_close")
  BIND(version, "luamig_version")
  core_error[0] = '\0';
}


/* Whether the core is there; its functions are set when it is. */
static int ready (void) {
  pthread_once(&core_once, load_core);
  return core.version != NULL && core_error[0] == '\0';
}


/* Without the core, luamig_open has nothing to return but NULL, which
** luamig.h keeps for "out of memory": the reason goes to stderr, once. */
LUAMIG_API luamig_env *luamig_open (const char *config_file, const char *script_location, const char *url) {
  if (!ready()) {
    static int told;
    if (!told) { told = 1; fprintf(stderr, "%s\n", core_error); }
    return NULL;
  }
  return core.open(config_file, script_location, url);
}

/* An env exists only when the core loaded; a call without one (the
** program's mistake) fails instead of jumping to NULL. */
LUAMIG_API int luamig_upgrade (luamig_env *env, const char *target) {
  return ready() ? core.upgrade(env, target) : LUAMIG_FAILED;
}

LUAMIG_API int luamig_downgrade (luamig_env *env, const char *target) {
  return ready() ? core.downgrade(env, target) : LUAMIG_FAILED;
}

LUAMIG_API int luamig_current (luamig_env *env, char *buf, size_t size) {
  return ready() ? core.current(env, buf, size) : LUAMIG_FAILED;
}

LUAMIG_API const char *luamig_last_error (const luamig_env *env) {
  return ready() ? core.last_error(env) : core_error;
}

LUAMIG_API void luamig_set_log (luamig_env *env, luamig_log_fn fn, void *userdata) {
  if (ready()) core.set_log(env, fn, userdata);
}

LUAMIG_API void luamig_close (luamig_env *env) {
  if (env != NULL && ready()) core.close(env);
}

LUAMIG_API const char *luamig_version (void) {
  return ready() ? core.version() : core_error;
}
