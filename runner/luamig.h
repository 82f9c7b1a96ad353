/*
** luamig.h: running luamig's migrations from a C program (libluamig).
**
** A program links libluamig.a or libluamig.so (`pkg-config --cflags --libs
** luamig`) and, typically at start-up, brings its database to the newest
** revision:
**
**   luamig_env *env = luamig_open(NULL, "/usr/share/app/migrations",
**                                 "sqlite:/var/lib/app/app.db");
**   if (env == NULL || luamig_upgrade(env, "head") != LUAMIG_OK) {
**     fprintf(stderr, "app: %s\n", env ? luamig_last_error(env) : "out of memory");
**     luamig_close(env);
**     return 1;
**   }
**   luamig_close(env);
**
** An environment is what one `luamig -c FILE -u URL` command line names:
** the settings, the revision files and the database. Each call does what
** the command of the same name does (it connects, takes the migration lock
** when it writes, runs, disconnects), with the same results: the same
** messages and statuses, the same database afterwards.
**
** Threads: each environment owns its own Lua state and shares nothing
** mutable with another, so separate environments may be used by separate
** threads at the same time (even on the same database: the migration lock
** serializes them as it does processes). One environment must not be used
** by two threads at once.
**
** Signals: the library never installs a signal handler (the luamig
** executable catches SIGINT and SIGTERM; a program keeps its own).
**
** SQLite is built in. The PostgreSQL and MySQL/MariaDB drivers are plugins
** (luamig_postgres.so, luamig_mysql.so) loaded when a URL needs one, from
** $LUAMIG_DRIVER_DIR, else the directory of the program (or of
** libluamig.so), else ../lib/luamig from there, else PREFIX/lib/luamig.
**
** Names starting with luamig_, LUAMIG_, lm_ and luaopen_luamig_ are the
** library's.
*/

#ifndef LUAMIG_H
#define LUAMIG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LUAMIG_API __attribute__((visibility("default")))
#else
#define LUAMIG_API
#endif

/* Statuses: the luamig command's exit statuses. */
#define LUAMIG_OK        0  /* done */
#define LUAMIG_FAILED    1  /* ran and failed: a migration, the connection, the lock */
#define LUAMIG_BAD_INPUT 2  /* bad settings, URL, target or revision file */

typedef struct luamig_env luamig_env;

/* Receives each progress line ("Running upgrade 4f1c... -> 9b7e..., create
** clicks"), without its newline, on the thread that made the call. */
typedef void (*luamig_log_fn) (void *userdata, const char *line);

/* Open an environment. Every argument may be NULL:
**   config_file      a luamig.lua settings file (it must exist); NULL: none,
**                    unless script_location is NULL too, in which case
**                    ./luamig.lua is read when present, as the command does
**   script_location  the directory holding versions/ (overrides the
**                    file's script_location); NULL: the file's, else
**                    "migrations"
**   url              the database (overrides the file's url); NULL: the
**                    file's, else $DATABASE_URL, else "sqlite:luamig.db"
** Relative paths are relative to the current directory when a call runs.
** Returns NULL only when memory runs out. Otherwise the environment is
** returned even when the settings are bad: luamig_last_error() then says
** why (it is "" after a good open), and every call fails with that status.
** Nothing connects to the database yet. */
LUAMIG_API luamig_env *luamig_open (const char *config_file,
                                    const char *script_location,
                                    const char *url);

/* Apply the revisions up to `target` (NULL: "head"), or revert those above
** it. Targets as on the command line: "head", "heads", "base", a revision
** id or a unique prefix of 4+ characters, "+1", "-1", "label@head"...
** Returns a LUAMIG_ status. */
LUAMIG_API int luamig_upgrade (luamig_env *env, const char *target);
LUAMIG_API int luamig_downgrade (luamig_env *env, const char *target);

/* Write the revision(s) the database is at to buf, comma-separated and in
** ascending order ("" at base, or before the first upgrade). Returns a
** LUAMIG_ status; LUAMIG_BAD_INPUT with buf set to "" when `size` is too
** small for them (the error says how many bytes they need). */
LUAMIG_API int luamig_current (luamig_env *env, char *buf, size_t size);

/* The last call's error message, one line in most cases ("upgrade 9b7e21c4d8a0
** failed: ... (migrations/versions/9b7e21c4d8a0_create_clicks.lua:12)");
** "" after a success. Valid until the next call on env. A password in a
** URL is never in it. */
LUAMIG_API const char *luamig_last_error (const luamig_env *env);

/* Send progress lines to fn (NULL: drop them, the default). */
LUAMIG_API void luamig_set_log (luamig_env *env, luamig_log_fn fn,
                                void *userdata);

/* Free env (its Lua state; nothing stays connected between calls).
** NULL is harmless. */
LUAMIG_API void luamig_close (luamig_env *env);

/* luamig's version, e.g. "0.1.0". */
LUAMIG_API const char *luamig_version (void);

#ifdef __cplusplus
}
#endif

#endif
