/*
** sys_files.c: listing a directory and reading files, for luamig.sys
** (sys.c registers them): listdir, read_file and read_files, which
** listing thousands of revisions spends most of its time in.
**
** Files are read only when they are regular files (symbolic links to one
** included): a FIFO named like a revision would block the read forever,
** a device could be endless. See read_into for how that costs no system
** call more than reading a regular file.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "export.h"
#include "sys_files.h"
#include "parallel.h"

#define DIR_MT "luamig.Dir"
#define JOBS_MT "luamig.ReadJobs"


/* An open directory while listdir reads it, so that an error raised
** meanwhile (out of memory) still closes it. */
typedef struct Dir {
  DIR *dir;  /* NULL when closed */
} Dir;

static int dir_gc (lua_State *L) {
  Dir *d = (Dir *)luaL_checkudata(L, 1, DIR_MT);
  if (d->dir != NULL) {
    closedir(d->dir);
    d->dir = NULL;
  }
  return 0;
}


/* A name and where the listing has its Lua string. */
typedef struct Named {
  const char *name;
  lua_Integer at;
} Named;

static int compare_names (const void *a, const void *b) {
  return strcmp(((const Named *)a)->name, ((const Named *)b)->name);
}


/* Sort the array of n names on top in byte order (what table.sort does,
** at a fraction of its cost for ten thousand names). The sorted array
** takes the listing's own strings (pushing a name again would hash it and
** look it up again: 5 M instructions for ten thousand names). */
static void sort_names (lua_State *L, lua_Integer n) {
  Named *names;
  lua_Integer i;
  int t = lua_gettop(L);
  names = (Named *)lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *names, 0);
  for (i = 0; i < n; i++) {  /* the strings stay alive in the table */
    lua_rawgeti(L, t, i + 1);
    names[i].name = lua_tostring(L, -1);
    names[i].at = i + 1;
    lua_pop(L, 1);
  }
  qsort(names, (size_t)n, sizeof *names, compare_names);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, t, names[i].at);
    lua_rawseti(L, -2, i + 1);
  }
  lua_replace(L, t);
  lua_pop(L, 1);  /* names */
}


/* Does name pass listdir's filter: ends with suffix (len bytes), and does
** not start with one of the bytes of skip? */
static int wanted (const char *name, const char *suffix, size_t len, const char *skip) {
  size_t n = strlen(name);
  if (suffix != NULL && (n < len || memcmp(name + n - len, suffix, len) != 0)) return 0;
  return skip == NULL || strchr(skip, name[0]) == NULL;
}


/* listdir(path [, suffix [, skip]]) -> names | nil, msg: the entries
** (without . and ..), sorted bytewise; with suffix, only those ending
** with it, and none starting with a byte of skip. The filter runs here
** rather than over a Lua list: script.lua lists revisions with it
** (".lua", "._"), which on 10,000 files was a fifth of `history`'s Lua. */
int lmsys_listdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t suffix_len = 0;
  const char *suffix = luaL_optlstring(L, 2, NULL, &suffix_len);
  const char *skip = luaL_optstring(L, 3, NULL);
  struct dirent *e;
  lua_Integer n = 0;
  Dir *d = (Dir *)lua_newuserdatauv(L, sizeof(Dir), 0);
  d->dir = NULL;
  luaL_setmetatable(L, DIR_MT);
  lua_toclose(L, -1);
  d->dir = opendir(path);
  if (d->dir == NULL) return luaL_fileresult(L, 0, path);
  lua_newtable(L);
  for (;;) {
    errno = 0;
    e = readdir(d->dir);
    if (e == NULL) break;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
        || !wanted(e->d_name, suffix, suffix_len, skip))
      continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, -2, ++n);
  }
  if (errno != 0) return luaL_fileresult(L, 0, path);
  closedir(d->dir);
  d->dir = NULL;
  sort_names(L, n);
  return 1;
}


/* Read up to n bytes of a regular file; -1 on error (errno set). A read
** of a regular file returns less than asked only at its end, so a short
** read ends the loop without the second read() that would return 0: that
** read was a third of the system calls of listing ten thousand revisions.
** pread, not read: it fails (ESPIPE) on a FIFO, a socket or a terminal. */
static ssize_t read_regular (int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t want = n - got;
    ssize_t r = pread(fd, buf + got, want, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    got += (size_t)r;
    if ((size_t)r < want) break;
  }
  return (ssize_t)got;
}

/* What a file that is not a regular one is, for "PATH: is a FIFO, not a
** regular file". */
static const char *file_kind (mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}

#define NOT_REGULAR (-2)  /* read_into's result for a file of another kind */

/* Pushes nil, "path: is <kind>, not a regular file", errno. */
static int not_regular_result (lua_State *L, const char *path, mode_t mode) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: is %s, not a regular file", path, file_kind(mode));
  lua_pushinteger(L, S_ISDIR(mode) ? EISDIR : EINVAL);
  return 3;
}

/* Open path (relative to dirfd, or AT_FDCWD), read up to n bytes into buf,
** close. -1 on error, errno kept; NOT_REGULAR (with *mode) for a file
** that is not a regular one. *size: the file's size, set when n bytes
** were read (the caller then reads the rest).
**
** Listing ten thousand revisions is bound by system calls, and an fstat
** per file would add a sixth to the time spent reading them. So the file
** is opened without blocking (O_NONBLOCK, which regular files ignore) and
** read with pread, and fstat'ed only when the result is one that a file
** of another kind can give: pread fails on a directory (EISDIR) and on
** FIFOs, sockets and terminals (ESPIPE, whether a writer is there or
** not); a seekable device gives nothing (/dev/null) or fills the buffer
** (/dev/zero, a disk). A socket cannot even be opened (ENXIO). */
static ssize_t read_into (int dirfd, const char *path, char *buf, size_t n,
                          mode_t *mode, size_t *size) {
  struct stat st;
  ssize_t got;
  int saved, fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    /* a socket cannot be opened: say what it is rather than ENXIO */
    saved = errno;
    if (saved == ENXIO && fstatat(dirfd, path, &st, 0) == 0 && !S_ISREG(st.st_mode)) {
      *mode = st.st_mode;
      return NOT_REGULAR;
    }
    errno = saved;
    return -1;
  }
  got = read_regular(fd, buf, n);
  saved = errno;
  if (got <= 0 || (size_t)got == n) {
    if (fstat(fd, &st) != 0) {
      saved = errno;
      got = -1;
    }
    else if (!S_ISREG(st.st_mode)) {
      *mode = st.st_mode;
      got = NOT_REGULAR;
    }
    else
      *size = (size_t)st.st_size;
  }
  close(fd);
  errno = saved;
  return got;
}

/* read_file(path) -> contents | nil, msg, errno. Listing thousands of
** revisions is dominated by this: a small file costs open, read, close
** and nothing else. A larger one is read again into a buffer of its
** size, allocated before the file is opened so that nothing raises while
** a descriptor is open. */
int lmsys_read_file (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char *buf = (char *)lua_touserdata(L, lua_upvalueindex(1));
  mode_t mode = 0;
  size_t size = 0;
  ssize_t got = read_into(AT_FDCWD, path, buf, READ_BUFFER_SIZE, &mode, &size);
  if (got == NOT_REGULAR) return not_regular_result(L, path, mode);
  if (got < 0) return luaL_fileresult(L, 0, path);
  if (got < READ_BUFFER_SIZE) {
    lua_pushlstring(L, buf, (size_t)got);
    return 1;
  }
  buf = (char *)lua_newuserdatauv(L, size + 1, 0);
  got = read_into(AT_FDCWD, path, buf, size + 1, &mode, &size);
  if (got == NOT_REGULAR) return not_regular_result(L, path, mode);
  if (got < 0) return luaL_fileresult(L, 0, path);
  lua_pushlstring(L, buf, (size_t)got);
  return 1;
}


/* read_files(dir, names) -> array of contents | nil, msg, errno: read_file
** for many files of one directory at once, on several threads. Listing tens
** of thousands of revisions is bound by the kernel's open/read/close, which
** two cores do in about half the time; opening each name relative to the
** directory's descriptor spares the kernel the walk of the directory's path.
** The jobs live in a userdata whose __gc frees what was read and closes the
** directory, so nothing leaks if pushing a result raises. */
#define READ_THREADED_FROM 256  /* fewer files are not worth a thread */

typedef struct ReadJob {
  const char *name;  /* a string in the caller's table */
  char *data;        /* malloc'd contents, NULL until read */
  size_t len;
  int err;           /* errno of the failure, 0 when read */
  int not_regular;   /* the failure: a file of another kind (mode) */
  mode_t mode;
} ReadJob;

typedef struct ReadJobs {
  int dirfd;         /* -1 once closed */
  size_t n;
  ReadJob jobs[1];   /* n of them */
} ReadJobs;

static void read_job (int dirfd, ReadJob *j, char *buf) {
  size_t size = 0;
  ssize_t got = read_into(dirfd, j->name, buf, READ_BUFFER_SIZE, &j->mode, &size);
  if (got == NOT_REGULAR) { j->not_regular = 1; j->err = EINVAL; return; }
  if (got < 0) { j->err = errno; return; }
  if (got < READ_BUFFER_SIZE) {  /* the common case: it fitted */
    size = (size_t)got;
    j->data = (char *)malloc(size > 0 ? size : 1);
    if (j->data == NULL) { j->err = ENOMEM; return; }
    memcpy(j->data, buf, size);
    j->len = size;
    return;
  }
  size++;
  j->data = (char *)malloc(size);
  if (j->data == NULL) { j->err = ENOMEM; return; }
  got = read_into(dirfd, j->name, j->data, size, &j->mode, &size);
  if (got == NOT_REGULAR) { j->not_regular = 1; j->err = EINVAL; return; }
  if (got < 0) { j->err = errno; return; }
  j->len = (size_t)got;
}

/* An lm_share_fn: one thread's share of the files. */
static void read_share (void *ctx, size_t first, size_t stride, size_t n) {
  ReadJobs *all = (ReadJobs *)ctx;
  char *buf = (char *)malloc(READ_BUFFER_SIZE);
  size_t i;
  for (i = first; i < n; i += stride) {
    if (buf == NULL) all->jobs[i].err = ENOMEM;
    else read_job(all->dirfd, &all->jobs[i], buf);
  }
  free(buf);
}

static int jobs_gc (lua_State *L) {
  ReadJobs *r = (ReadJobs *)luaL_checkudata(L, 1, JOBS_MT);
  size_t i;
  for (i = 0; i < r->n; i++) {
    free(r->jobs[i].data);
    r->jobs[i].data = NULL;
  }
  if (r->dirfd >= 0) close(r->dirfd);
  r->dirfd = -1;
  return 0;
}

int lmsys_read_files (lua_State *L) {
  size_t n, i;
  ReadJobs *r;
  const char *dir = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  n = (size_t)luaL_len(L, 2);
  r = (ReadJobs *)lua_newuserdatauv(L, sizeof(ReadJobs) + (n > 0 ? n - 1 : 0) * sizeof(ReadJob), 0);
  r->n = 0;
  r->dirfd = -1;
  luaL_setmetatable(L, JOBS_MT);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, (lua_Integer)i + 1);
    r->jobs[i].name = lua_tostring(L, -1);
    if (r->jobs[i].name == NULL) return luaL_argerror(L, 2, "names must be strings");
    lua_pop(L, 1);  /* the table keeps it alive */
    r->jobs[i].data = NULL;
    r->jobs[i].len = 0;
    r->jobs[i].err = 0;
    r->jobs[i].not_regular = 0;
    r->jobs[i].mode = 0;
  }
  r->n = n;
  r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (r->dirfd < 0) return luaL_fileresult(L, 0, dir);
  lm_parallel_for(n, READ_THREADED_FROM, read_share, r);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    ReadJob *j = &r->jobs[i];
    if (j->not_regular)
      return not_regular_result(L, lua_pushfstring(L, "%s/%s", dir, j->name), j->mode);
    if (j->err != 0) {
      errno = j->err;
      return luaL_fileresult(L, 0, lua_pushfstring(L, "%s/%s", dir, j->name));
    }
    lua_pushlstring(L, j->data, j->len);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
    free(j->data);
    j->data = NULL;
  }
  return 1;
}


/* Makes the metatables of listdir's Dir and of read_files' ReadJobs;
** luaopen_luamig_sys calls it first. */
void lmsys_files_metatables (lua_State *L) {
  lm_new_class(L, DIR_MT, NULL, dir_gc, dir_gc);
  lm_new_class(L, JOBS_MT, NULL, jobs_gc, NULL);
}
