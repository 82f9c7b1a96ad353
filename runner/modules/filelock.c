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
** advises against that). Whoever can write the database's directory can
** put something at the lock's path: luamig then refuses to run rather
** than follow a link or write into a file that is not its own (f_open).
*/

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "filelock.h"

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

/* Refuse the file open on `fd` unless it can only be luamig's lock file:
** a regular file, with no other name (a hard link to a file elsewhere
** would have it overwritten), holding no more than a note. */
static const char *unsafe_file (int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return strerror(errno);
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (!S_ISREG(st.st_mode)) return "it is not a regular file";
  if (st.st_nlink > 1) return "it has other names (hard links)";
  if (st.st_size > OWNER_MAX) return "it holds more than a lock note";
  return NULL;
}

/* open(path) -> lock | nil, msg, errno | nil, msg, "unsafe": the file is
** created when missing. A file planted at the path is never followed nor
** truncated: O_NOFOLLOW refuses a symbolic link (a deploy would otherwise
** overwrite whatever it points to), O_NONBLOCK keeps a FIFO from blocking
** the open, and anything but a plain lock file is refused untouched. */
static int f_open (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *why;
  FileLock *l = (FileLock *)lua_newuserdatauv(L, sizeof(FileLock), 0);
  l->fd = -1;
  luaL_setmetatable(L, LOCK_MT);
  l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
               0644);
  if (l->fd < 0 && errno == ELOOP)
    why = "it is a symbolic link";
  else if (l->fd < 0 && errno == EISDIR)
    why = "it is a directory";
  else if (l->fd < 0)
    return luaL_fileresult(L, 0, path);
  else
    why = unsafe_file(l->fd);
  if (why == NULL) return 1;
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: %s", path, why);
  lua_pushliteral(L, "unsafe");
  return 3;
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

/* lock:set_owner(text): replace the note (the holder calls it). The
** descriptor is the checked lock file (see f_open): truncating it can
** only shorten an older note. */
static int f_set_owner (lua_State *L) {
  FileLock *l = check_lock(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  if (len > OWNER_MAX) len = OWNER_MAX;  /* the file stays a note */
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
  lm_new_class(L, LOCK_MT, lock_methods, f_close, f_close);
  luaL_newlib(L, filelock_funcs);
  return 1;
}
