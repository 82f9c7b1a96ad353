/*
** sys.c: the operating-system services the Lua side needs (module
** luamig.sys). The API is in docs/internals.md. Failures return
** nil, "path: reason", errno, like io.open.
**
** This file holds the module's table and the small services: stat,
** mkdir, access, the clocks, the process and its host, random bytes.
** Listing a directory and reading files (listdir, read_file, read_files)
** are in sys_files.c.
*/

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
#include "sys_files.h"
#include "version.h"


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


/* sys.setenv(name, value): set a variable of the process's environment,
** where every reader sees it: os.getenv, libpq (PGPASSWORD...), MariaDB
** Connector/C (MYSQL_PWD), child processes. For the .env file
** (luamig.config.dotenv), read before anything connects or starts a
** thread. true | nil, "setenv NAME: reason", errno. */
static int s_setenv (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *value = luaL_checkstring(L, 2);
  if (setenv(name, value, 1) != 0) {
    int en = errno;  /* lua_pushfstring may allocate, and change errno */
    const char *what = lua_pushfstring(L, "setenv %s", name);
    errno = en;
    return luaL_fileresult(L, 0, what);
  }
  lua_pushboolean(L, 1);
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
  {"listdir", lmsys_listdir},
  {"stat", s_stat},
  {"read_files", lmsys_read_files},
  {"mkdir", s_mkdir},
  {"access", s_access},
  {"now", s_now},
  {"monotonic", s_monotonic},
  {"getpid", s_getpid},
  {"hostname", s_hostname},
  {"username", s_username},
  {"isatty", s_isatty},
  {"setenv", s_setenv},
  {"random_hex", s_random_hex},
  {"exe_path", s_exe_path},
  {"version", NULL},  /* set below */
  {NULL, NULL}
};


LM_EXPORT int luaopen_luamig_sys (lua_State *L) {
  lmsys_files_metatables(L);
  luaL_newlib(L, sys_funcs);
  lua_newuserdatauv(L, READ_BUFFER_SIZE, 0);
  lua_pushcclosure(L, lmsys_read_file, 1);
  lua_setfield(L, -2, "read_file");
  lua_pushliteral(L, LUAMIG_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
