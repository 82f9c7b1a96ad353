/*
** drivers.c: finding a driver by name. SQLite is built in. The server
** drivers live in shared objects of their own (luamig_postgres.so,
** luamig_mysql.so, each linking its client library) and are loaded the
** first time a URL needs one: linking libpq and libmariadb into luamig
** itself costs ~5 ms at every start, most of what `luamig current` takes.
** Nothing is cached and nothing unloaded: dlopen of a loaded object only
** counts a reference, so this stays safe for several threads.
*/

#define _GNU_SOURCE  /* dladdr */

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "luamig_config.h"  /* LUAMIG_PREFIX */


const char *const lm_driver_names[] = { "sqlite", "postgres", "mysql", NULL };

typedef struct plugin {
  const char *name;       /* as in URLs */
  const char *file;       /* the shared object */
  const char *symbol;     /* its `const struct lm_driver` */
  const char *interface;  /* its `const int` LM_DRIVER_INTERFACE */
} plugin;

static const plugin PLUGINS[] = {
  { "postgres", "luamig_postgres.so", "lm_driver_postgres", "lm_driver_postgres_interface" },
  { "mysql", "luamig_mysql.so", "lm_driver_mysql", "lm_driver_mysql_interface" },
  { NULL, NULL, NULL, NULL }
};


static void set_why (char *why, size_t size, const char *fmt, const char *a,
                     const char *b) {
  if (why != NULL && size > 0) snprintf(why, size, fmt, a, b);
}


/* The directory of the file this code runs from: bin/ for the executable
** and for the Lua module luamig.so alike. */
static int own_dir (char *out, size_t size) {
  Dl_info info;
  char exe[PATH_MAX];
  const char *file = NULL;
  char *slash;
  ssize_t n;
  if (dladdr((const void *)PLUGINS, &info) != 0 && info.dli_fname != NULL
      && strchr(info.dli_fname, '/') != NULL)
    file = info.dli_fname;
  else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
    exe[n] = '\0';
    file = exe;
  }
  if (file == NULL || strlen(file) >= size) return 0;
  strcpy(out, file);
  slash = strrchr(out, '/');
  if (slash == NULL) return 0;
  *slash = '\0';
  return 1;
}


/* out = a + b, or 0 when it does not fit. */
static int join (char *out, size_t size, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la + lb + 1 > size) return 0;
  memcpy(out, a, la);
  memcpy(out + la, b, lb + 1);
  return 1;
}


/* Load p from the first place that has it: $LUAMIG_DRIVER_DIR, next to
** luamig, ../lib/luamig from there (make install), ../lib/lua/5.4 from
** there (a LuaRocks tree, where the drivers sit beside luamig.so),
** PREFIX/lib/luamig. */
static const struct lm_driver *load_plugin (const plugin *p, char *why,
                                            size_t whysize) {
  char dirs[5][PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
  int ndirs = 0, i;
  const char *env = getenv("LUAMIG_DRIVER_DIR");
  if (env != NULL && join(dirs[ndirs], PATH_MAX, env, "")) ndirs++;
  if (own_dir(dirs[ndirs], PATH_MAX)) {
    const char *own = dirs[ndirs++];
    if (join(dirs[ndirs], PATH_MAX, own, "/../lib/luamig")) ndirs++;
    if (join(dirs[ndirs], PATH_MAX, own, "/../lib/lua/5.4")) ndirs++;
  }
  if (join(dirs[ndirs], PATH_MAX, LUAMIG_PREFIX, "/lib/luamig")) ndirs++;
  for (i = 0; i < ndirs; i++) {
    void *handle;
    const struct lm_driver *drv;
    const int *interface;
    if (!join(dir, PATH_MAX, dirs[i], "/") || !join(path, PATH_MAX, dir, p->file)) continue;
    if (access(path, R_OK) != 0) continue;
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
      set_why(why, whysize, "cannot load the %s driver: %s", p->name, dlerror());
      return NULL;
    }
    interface = (const int *)dlsym(handle, p->interface);
    if (interface == NULL || *interface != LM_DRIVER_INTERFACE) {
      set_why(why, whysize, "%s was built for another luamig (its driver "
              "interface is not this luamig's): install the drivers that came "
              "with this luamig", path, "");
      return NULL;
    }
    drv = (const struct lm_driver *)dlsym(handle, p->symbol);
    if (drv == NULL)
      set_why(why, whysize, "%s has no driver in it (%s)", path, p->symbol);
    return drv;
  }
  set_why(why, whysize, "the %s driver is not installed: %s is neither next to "
          "luamig nor in its lib/luamig directory", p->name, p->file);
  return NULL;
}


const struct lm_driver *lm_find_driver (const char *name, char *why,
                                        size_t whysize) {
  int i;
  if (strcmp(name, lm_driver_sqlite.name) == 0) return &lm_driver_sqlite;
  for (i = 0; PLUGINS[i].name != NULL; i++) {
    if (strcmp(PLUGINS[i].name, name) == 0)
      return load_plugin(&PLUGINS[i], why, whysize);
  }
  set_why(why, whysize, "unknown driver '%s' (luamig has: sqlite, postgres, mysql)%s",
          name, "");
  return NULL;
}
