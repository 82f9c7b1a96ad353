/*
** sys.c: the operating-system services the Lua side needs (module
** luamig.sys). The API is in docs/internals.md. Failures return
** nil, "path: reason", errno, like io.open.
**
** Files are read only when they are regular files (symbolic links to one
** included): a FIFO named like a revision would block the read forever,
** a device could be endless. See read_into for how that costs no system
** call more than reading a regular file.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "sys.h"
#include "parallel.h"
#include "version.h"

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


static int compare_names (const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}


/* Sort the array of n names on top in byte order (what table.sort does,
** at a fraction of its cost for ten thousand names). */
static void sort_names (lua_State *L, lua_Integer n) {
  const char **names;
  lua_Integer i;
  int t = lua_gettop(L);
  names = (const char **)lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof(char *), 0);
  for (i = 0; i < n; i++) {  /* the strings stay alive in the table */
    lua_rawgeti(L, t, i + 1);
    names[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  qsort(names, (size_t)n, sizeof(char *), compare_names);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_replace(L, t);
  lua_pop(L, 1);  /* names */
}


static int s_listdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
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
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
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


/* Files up to this size are read in one read() into a buffer kept per Lua
** state (an upvalue of read_file, so separate states share nothing). */
#define READ_BUFFER_SIZE 65536

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
static int s_read_file (lua_State *L) {
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

static int s_read_files (lua_State *L) {
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


static int s_stat (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) return luaL_fileresult(L, 0, path);
  lua_createtable(L, 0, 3);
  if (S_ISREG(st.st_mode)) lua_pushliteral(L, "file");
  else if (S_ISDIR(st.st_mode)) lua_pushliteral(L, "dir");
  else lua_pushliteral(L, "other");
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)st.st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)st.st_mtime);
  lua_setfield(L, -2, "mtime");
  return 1;
}


static int s_mkdir (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  return luaL_fileresult(L, mkdir(path, 0777) == 0, path);
}


/* access(path, "rwx") -> true | nil, msg, errno: whether this process may
** read/write/search path (by its real ids, as access(2) checks). */
static int s_access (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *how = luaL_optstring(L, 2, "");
  int mode = F_OK;
  for (; *how != '\0'; how++) {
    switch (*how) {
      case 'r': mode |= R_OK; break;
      case 'w': mode |= W_OK; break;
      case 'x': mode |= X_OK; break;
      default: return luaL_argerror(L, 2, "use the letters r, w and x");
    }
  }
  return luaL_fileresult(L, access(path, mode) == 0, path);
}


static int push_clock (lua_State *L, clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0)
    return luaL_error(L, "clock_gettime: %s", strerror(errno));
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

static int s_now (lua_State *L) {
  return push_clock(L, CLOCK_REALTIME);
}

static int s_monotonic (lua_State *L) {
  return push_clock(L, CLOCK_MONOTONIC);
}


static int s_getpid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}


static int s_hostname (lua_State *L) {
  char name[256];
  if (gethostname(name, sizeof(name)) != 0)
    return luaL_fileresult(L, 0, "gethostname");
  name[sizeof(name) - 1] = '\0';
  lua_pushstring(L, name);
  return 1;
}


/* getpwuid_r, not getpwuid: threads of a program embedding luamig may ask
** at the same time. */
static int s_username (lua_State *L) {
  struct passwd pwd, *pw = NULL;
  char buf[1024];
  const char *name;
  if (getpwuid_r(geteuid(), &pwd, buf, sizeof buf, &pw) != 0) pw = NULL;
  name = pw != NULL ? pw->pw_name : NULL;
  if (name == NULL) name = getenv("USER");
  if (name == NULL) name = getenv("LOGNAME");
  if (name == NULL) lua_pushnil(L);
  else lua_pushstring(L, name);
  return 1;
}


/* sys.isatty(fd): fd is a number, or a Lua file such as io.stdout. */
static int s_isatty (lua_State *L) {
  int fd;
  luaL_Stream *p = (luaL_Stream *)luaL_testudata(L, 1, LUA_FILEHANDLE);
  if (p != NULL) {
    luaL_argcheck(L, p->closef != NULL && p->f != NULL, 1, "file is closed");
    fd = fileno(p->f);
  }
  else
    fd = (int)luaL_checkinteger(L, 1);
  lua_pushboolean(L, isatty(fd) == 1);
  return 1;
}


static int read_random (unsigned char *buf, size_t n) {
  size_t got = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = (r == 0) ? EIO : errno;
      close(fd);
      errno = e;
      return -1;
    }
    got += (size_t)r;
  }
  close(fd);
  return 0;
}


/* sys.random_hex(nchars): lowercase hex from the OS's CSPRNG. */
static int s_random_hex (lua_State *L) {
  static const char hex[] = "0123456789abcdef";
  lua_Integer nchars = luaL_checkinteger(L, 1);
  size_t nbytes, i;
  unsigned char *bytes;
  luaL_Buffer b;
  char *out;
  luaL_argcheck(L, nchars >= 0 && nchars <= 1024 * 1024, 1, "out of range");
  nbytes = ((size_t)nchars + 1) / 2;
  bytes = (unsigned char *)lua_newuserdatauv(L, nbytes + 1, 0);
  if (read_random(bytes, nbytes) != 0)
    return luaL_error(L, "cannot read /dev/urandom: %s", strerror(errno));
  out = luaL_buffinitsize(L, &b, 2 * nbytes + 1);
  for (i = 0; i < nbytes; i++) {
    out[2 * i] = hex[bytes[i] >> 4];
    out[2 * i + 1] = hex[bytes[i] & 0x0f];
  }
  luaL_pushresultsize(&b, (size_t)nchars);
  return 1;
}


/* sys.exe_path(): the running executable, as the host found it. */
static int s_exe_path (lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, LM_EXE_PATH_KEY) != LUA_TSTRING)
    lua_pushnil(L);
  return 1;
}


static const luaL_Reg sys_funcs[] = {
  {"listdir", s_listdir},
  {"stat", s_stat},
  {"read_files", s_read_files},
  {"mkdir", s_mkdir},
  {"access", s_access},
  {"now", s_now},
  {"monotonic", s_monotonic},
  {"getpid", s_getpid},
  {"hostname", s_hostname},
  {"username", s_username},
  {"isatty", s_isatty},
  {"random_hex", s_random_hex},
  {"exe_path", s_exe_path},
  {"version", NULL},  /* set below */
  {NULL, NULL}
};


LM_EXPORT int luaopen_luamig_sys (lua_State *L) {
  if (luaL_newmetatable(L, DIR_MT)) {
    lua_pushcfunction(L, dir_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, dir_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, JOBS_MT)) {
    lua_pushcfunction(L, jobs_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, sys_funcs);
  lua_newuserdatauv(L, READ_BUFFER_SIZE, 0);
  lua_pushcclosure(L, s_read_file, 1);
  lua_setfield(L, -2, "read_file");
  lua_pushliteral(L, LUAMIG_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
