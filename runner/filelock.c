/*
** filelock.c: the SQLite migration lock (module luamig.filelock).
**
** SQLite has no session lock a run could hold from start to end, so luamig
** takes an exclusive flock() on a file next to the database
** ("app.db-luamig-lock"). The kernel drops the lock when the descriptor is
** closed, and so when the process ends in any way, kill -9 included: a
** crashed run never leaves a stale lock, and the file itself may stay. The
** holder writes who it is into the file, so that a waiting run can say
** whom it waits for. flock() locks are per machine: processes on several
** machines sharing one SQLite file over NFS are not covered (SQLite itself
** advises against that).
*/

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"

#define LOCK_MT "luamig.FileLock"
#define OWNER_MAX 512  /* what owner() reads of the holder's note */

typedef struct FileLock {
  int fd;  /* -1 once closed */
} FileLock;

static FileLock *check_lock (lua_State *L) {
  FileLock *l = (FileLock *)luaL_checkudata(L, 1, LOCK_MT);
  if (l->fd < 0) luaL_error(L, "attempt to use a closed lock file");
  return l;
}

/* open(path) -> lock | nil, msg: the file is created when missing. */
static int f_open (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  FileLock *l = (FileLock *)lua_newuserdatauv(L, sizeof(FileLock), 0);
  l->fd = -1;
  luaL_setmetatable(L, LOCK_MT);
  l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (l->fd < 0) return luaL_fileresult(L, 0, path);
  return 1;
}

/* lock:try() -> true (taken) | false (another process holds it) | nil, msg */
static int f_try (lua_State *L) {
  FileLock *l = check_lock(L);
  int rc;
  do rc = flock(l->fd, LOCK_EX | LOCK_NB); while (rc != 0 && errno == EINTR);
  if (rc == 0) { lua_pushboolean(L, 1); return 1; }
  if (errno == EWOULDBLOCK) { lua_pushboolean(L, 0); return 1; }
  return luaL_fileresult(L, 0, NULL);
}

/* lock:set_owner(text): replace the note (the holder calls it). */
static int f_set_owner (lua_State *L) {
  FileLock *l = check_lock(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  if (ftruncate(l->fd, 0) != 0 || pwrite(l->fd, text, len, 0) != (ssize_t)len)
    return luaL_fileresult(L, 0, NULL);
  lua_pushboolean(L, 1);
  return 1;
}

/* lock:owner() -> the holder's note ("" when it wrote none yet) */
static int f_owner (lua_State *L) {
  FileLock *l = check_lock(L);
  char buf[OWNER_MAX];
  ssize_t n = pread(l->fd, buf, sizeof buf, 0);
  if (n < 0) return luaL_fileresult(L, 0, NULL);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

/* lock:close(): release the lock (if held) and the descriptor. */
static int f_close (lua_State *L) {
  FileLock *l = (FileLock *)luaL_checkudata(L, 1, LOCK_MT);
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
  return 0;
}

static const luaL_Reg lock_methods[] = {
  {"try", f_try},
  {"set_owner", f_set_owner},
  {"owner", f_owner},
  {"close", f_close},
  {NULL, NULL}
};

static const luaL_Reg filelock_funcs[] = {
  {"open", f_open},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_filelock (lua_State *L) {
  if (luaL_newmetatable(L, LOCK_MT)) {
    luaL_newlib(L, lock_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, f_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, f_close);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  luaL_newlib(L, filelock_funcs);
  return 1;
}
