/*
** app.c: a program that brings its SQLite database to the newest revision
** of its migrations when it starts, with libluamig (runner/luamig.h).
**
**   embed_app [-v] DATABASE [MIGRATIONS]
**
** MIGRATIONS is the directory holding versions/ (default: migrations, from
** the current directory; this example's are in examples/embed/migrations).
** -v prints luamig's progress lines on stderr. Prints the revision the
** database is at and exits 0; on failure prints luamig's error on stderr
** and exits 1.
**
** Build against an installed luamig:
**   cc app.c $(pkg-config --cflags --libs luamig) -o app
*/

#include <stdio.h>
#include <string.h>

#include "luamig.h"


static void print_progress (void *userdata, const char *line) {
  (void)userdata;
  fprintf(stderr, "embed_app: %s\n", line);
}


static int fail (luamig_env *env) {
  fprintf(stderr, "embed_app: %s\n", luamig_last_error(env));
  luamig_close(env);
  return 1;
}


int main (int argc, char **argv) {
  const char *database, *migrations = "migrations";
  char url[4096], head[256];
  int verbose = 0, i = 1;
  luamig_env *env;
  if (i < argc && strcmp(argv[i], "-v") == 0) verbose = 1, i++;
  if (i >= argc || argc - i > 2) {
    fprintf(stderr, "usage: embed_app [-v] DATABASE [MIGRATIONS]\n");
    return 2;
  }
  database = argv[i];
  if (i + 1 < argc) migrations = argv[i + 1];
  if (snprintf(url, sizeof url, "sqlite:%s", database) >= (int)sizeof url) {
    fprintf(stderr, "embed_app: the database path is too long\n");
    return 2;
  }

  env = luamig_open(NULL, migrations, url);
  if (env == NULL) {
    fprintf(stderr, "embed_app: out of memory\n");
    return 1;
  }
  if (luamig_last_error(env)[0] != '\0') return fail(env);
  if (verbose) luamig_set_log(env, print_progress, NULL);
  if (luamig_upgrade(env, "head") != LUAMIG_OK) return fail(env);
  if (luamig_current(env, head, sizeof head) != LUAMIG_OK) return fail(env);
  printf("%s is at revision %s (luamig %s)\n", database,
         head[0] != '\0' ? head : "base", luamig_version());
  luamig_close(env);
  return 0;
}
