/*
** spawn.c: child processes for fleets (module luamig.spawn).
**
** A fleet runs each target in a luamig process of its own (see
** lua/luamig/fleet/init.lua for why). This module starts such a child with its
** stdout, stderr and descriptor 3 (the child's one-line outcome) on pipes,
** reads those pipes while several children run, reaps them, and sends
** them signals. Nothing here knows about luamig: it is posix_spawn, poll
** and waitpid for Lua.
**
**   spawn.start(path, argv, env) -> proc | nil, msg, errno
**       argv: the list of arguments after argv[0] (which is path);
**       env: name -> value, added to (or replacing in) this environment.
**       The child's stdin is /dev/null, and it runs in a process group of
**       its own: a Ctrl-C at the terminal reaches only the fleet, which
**       forwards it once (a second SIGINT would kill a child that is
**       rolling back, as interrupt.c explains).
**   spawn.wait(procs, seconds) -> list of the procs that ended
**       Waits up to `seconds` for output or an exit, reads what is there,
**       and reaps. Returns early (maybe with none) when a signal arrives,
**       so that the caller can look at interrupt.caught().
**       An exit wakes the wait at once: each child's pidfd (Linux >= 5.3)
**       is in the poll set beside its pipes. Without pidfds (ENOSYS, or a
**       sandbox that refuses them) an exit is seen when the pipes close,
**       or by looking again every 5 ms once they have; a child whose
**       pipes a grandchild holds open is then seen only at the timeout.
**   proc:signal(n)          kill(pid, n), unless the child was reaped
**   proc:output(fd)         what the child wrote on 1, 2 or 3
**   proc:result()           exit status (128 + n when killed by signal n),
**                           and n or nil; nil while it runs
**   proc:pid()
**   spawn.cpus()            online processors
**   spawn.pidfd             true when exits wake spawn.wait (pidfd_open
**                           works here: not under valgrind 3.19, say)
** A proc collected while it runs is killed (SIGKILL) and reaped, so that
** an error in the fleet's Lua never leaves a child behind.
*/

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "spawn.h"

#define PROC_MT "luamig.Process"

#define NSTREAMS 3              /* the child's descriptors 1, 2 and 3 */
#define STREAM_CAP (16 << 20)   /* bytes kept per stream; the rest is dropped */
#define FIRST_FD 10             /* pipe ends live at or above this (see start) */

extern char **environ;

typedef struct Stream {
  int fd;          /* the read end; -1 at end of file */
  char *buf;       /* malloc'd */
  size_t len, cap;
} Stream;

typedef struct Proc {
  pid_t pid;       /* 0 before it started */
  int running;     /* started and not reaped */
  int status;      /* waitpid's status once reaped */
  int pidfd;       /* readable once it has exited; -1 without pidfds or once reaped */
  Stream s[NSTREAMS];
} Proc;


static void close_streams (Proc *p) {
  int i;
  for (i = 0; i < NSTREAMS; i++) {
    if (p->s[i].fd >= 0) close(p->s[i].fd);
    p->s[i].fd = -1;
  }
}

static void close_pidfd (Proc *p) {
  if (p->pidfd >= 0) close(p->pidfd);
  p->pidfd = -1;
}

/* A descriptor that becomes readable when `pid` exits, or -1. The libc
** wrapper pidfd_open is glibc >= 2.36 only, hence syscall(); a kernel
** without it (ENOSYS, before 5.3) or a seccomp filter that refuses it
** leaves the caller on the pipes-and-timer way of noticing an exit. The
** descriptor is close-on-exec, so no later child inherits it. */
static int open_pidfd (pid_t pid) {
#ifdef SYS_pidfd_open
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd >= 0 ? fd : -1;
#else
  (void)pid;
  return -1;
#endif
}

static int proc_gc (lua_State *L) {
  Proc *p = (Proc *)luaL_checkudata(L, 1, PROC_MT);
  int i;
  if (p->running) {
    kill(p->pid, SIGKILL);
    while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR) {}
    p->running = 0;
  }
  close_streams(p);
  close_pidfd(p);
  for (i = 0; i < NSTREAMS; i++) {
    free(p->s[i].buf);
    p->s[i].buf = NULL;
  }
  return 0;
}


/* Read what the stream has without blocking; 1 once at end of file. The
** read ends are non-blocking, so a grandchild that keeps a write end open
** cannot hold the fleet up. */
static int drain (Stream *s) {
  char chunk[8192];
  for (;;) {
    ssize_t r;
    if (s->fd < 0) return 1;
    r = read(s->fd, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;  /* EAGAIN: nothing more for now */
    if (r == 0) {
      close(s->fd);
      s->fd = -1;
      return 1;
    }
    if (s->len + (size_t)r > s->cap && s->cap < STREAM_CAP) {
      size_t cap = s->cap ? s->cap : 4096;
      char *nb;
      while (cap < s->len + (size_t)r && cap < STREAM_CAP) cap *= 2;
      if (cap > STREAM_CAP) cap = STREAM_CAP;
      nb = (char *)realloc(s->buf, cap);
      if (nb != NULL) {
        s->buf = nb;
        s->cap = cap;
      }
    }
    if (s->len < s->cap) {  /* keep what fits */
      size_t keep = s->cap - s->len < (size_t)r ? s->cap - s->len : (size_t)r;
      memcpy(s->buf + s->len, chunk, keep);
      s->len += keep;
    }
  }
}


/* A descriptor moved to FIRST_FD or above and marked close-on-exec. The
** child's dup2 onto 1, 2 and 3 must not overwrite a pipe end it still has
** to dup (fd 3 is free in a parent started with only stdio open). */
static int high_fd (int fd) {
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, FIRST_FD);
  int saved = errno;
  close(fd);
  errno = saved;
  return moved;
}

/* The environment: this process's, with env's entries (table at index
** `t`) replacing or added. The strings stay alive on the Lua stack/table. */
static char **child_environ (lua_State *L, int t) {
  size_t n = 0, extra = 0, i, k = 0;
  char **envp;
  for (; environ[n] != NULL; n++) {}
  lua_pushnil(L);
  while (lua_next(L, t) != 0) { extra++; lua_pop(L, 1); }
  envp = (char **)lua_newuserdatauv(L, (n + extra + 1) * sizeof(char *), 0);
  lua_newtable(L);  /* keeps the "NAME=value" strings alive */
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    const char *name = luaL_checkstring(L, -2);
    const char *value = luaL_checkstring(L, -1);
    luaL_argcheck(L, name[0] != '\0' && strchr(name, '=') == NULL, 3, "bad variable name");
    envp[k] = (char *)lua_pushfstring(L, "%s=%s", name, value);
    lua_rawseti(L, -4, (lua_Integer)k + 1);
    k++;
    lua_pop(L, 1);
  }
  for (i = 0; i < n; i++) {
    size_t j, overridden = 0;
    const char *eq = strchr(environ[i], '=');
    size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
    for (j = 0; j < extra; j++)
      if (strncmp(envp[j], environ[i], len) == 0) overridden = 1;
    if (!overridden) envp[k++] = environ[i];
  }
  envp[k] = NULL;
  return envp;  /* the array and the strings' table stay on the stack */
}

static int sp_start (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer i, argc;
  char **argv, **envp;
  int fds[NSTREAMS][2], made = 0, err = 0, j;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none;
  Proc *p;
  luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_isnoneornil(L, 3)) { lua_settop(L, 2); lua_newtable(L); }
  luaL_checktype(L, 3, LUA_TTABLE);
  argc = luaL_len(L, 2);
  argv = (char **)lua_newuserdatauv(L, (size_t)(argc + 2) * sizeof(char *), 0);  /* 4 */
  argv[0] = (char *)path;
  for (i = 1; i <= argc; i++) {
    lua_rawgeti(L, 2, i);
    argv[i] = (char *)lua_tostring(L, -1);
    if (argv[i] == NULL) return luaL_argerror(L, 2, "arguments must be strings");
    lua_pop(L, 1);  /* the table keeps it alive */
  }
  argv[argc + 1] = NULL;
  envp = child_environ(L, 3);  /* 5 and 6 */
  /* Created closed before anything is acquired; __gc cleans up from here. */
  p = (Proc *)lua_newuserdatauv(L, sizeof(Proc), 0);
  memset(p, 0, sizeof *p);
  p->pidfd = -1;
  for (j = 0; j < NSTREAMS; j++) p->s[j].fd = -1;
  luaL_setmetatable(L, PROC_MT);
  for (made = 0; made < NSTREAMS; made++) {
    if (pipe(fds[made]) != 0) { err = errno; break; }
    fds[made][0] = high_fd(fds[made][0]);
    fds[made][1] = high_fd(fds[made][1]);
    if (fds[made][0] < 0 || fds[made][1] < 0) {
      err = errno;
      if (fds[made][0] >= 0) close(fds[made][0]);
      if (fds[made][1] >= 0) close(fds[made][1]);
      break;
    }
  }
  if (err == 0) {
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    for (j = 0; j < NSTREAMS; j++) posix_spawn_file_actions_adddup2(&fa, fds[j][1], j + 1);
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    err = posix_spawn(&p->pid, path, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
  for (j = 0; j < made; j++) {
    close(fds[j][1]);  /* the child has its copies; EOF comes when it exits */
    if (err == 0) {
      p->s[j].fd = fds[j][0];
      fcntl(fds[j][0], F_SETFL, fcntl(fds[j][0], F_GETFL) | O_NONBLOCK);
    }
    else close(fds[j][0]);
  }
  if (err != 0) {
    p->pid = 0;
    errno = err;
    return luaL_fileresult(L, 0, path);
  }
  p->running = 1;
  /* The child cannot have been reaped yet (only try_reap and __gc reap
  ** it), so the pid is still this child's, exited or not. */
  p->pidfd = open_pidfd(p->pid);
  return 1;
}


static Proc *check_proc (lua_State *L, int idx) {
  return (Proc *)luaL_checkudata(L, idx, PROC_MT);
}

/* Reap p if it has ended; then read what its pipes still hold. */
static int try_reap (Proc *p) {
  int j;
  pid_t r;
  if (!p->running) return 0;
  do r = waitpid(p->pid, &p->status, WNOHANG); while (r < 0 && errno == EINTR);
  if (r == 0) return 0;
  p->running = 0;
  close_pidfd(p);
  for (j = 0; j < NSTREAMS; j++) drain(&p->s[j]);
  close_streams(p);  /* a grandchild holding a write end gets EPIPE, not us a hang */
  return 1;
}

static int sp_wait (lua_State *L) {
  lua_Integer n, i;
  double seconds = luaL_optnumber(L, 2, 0);
  struct pollfd *pfd;
  Stream **owner;
  int nfds = 0, timeout, idle = 0, r, k, found = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_len(L, 1);
  /* Per proc its open pipes and its pidfd; owner is NULL for a pidfd,
  ** which has nothing to read: try_reap below does the rest. */
  pfd = (struct pollfd *)lua_newuserdatauv(L, (size_t)(n * (NSTREAMS + 1) + 1) * sizeof *pfd, 0);
  owner = (Stream **)lua_newuserdatauv(L, (size_t)(n * (NSTREAMS + 1) + 1) * sizeof *owner, 0);
  for (i = 1; i <= n; i++) {
    Proc *p;
    int open = 0, j;
    lua_rawgeti(L, 1, i);
    p = check_proc(L, -1);
    lua_pop(L, 1);
    for (j = 0; j < NSTREAMS; j++) {
      if (p->s[j].fd < 0) continue;
      pfd[nfds].fd = p->s[j].fd;
      pfd[nfds].events = POLLIN;
      pfd[nfds].revents = 0;
      owner[nfds++] = &p->s[j];
      open = 1;
    }
    if (p->running && p->pidfd >= 0) {
      pfd[nfds].fd = p->pidfd;
      pfd[nfds].events = POLLIN;
      pfd[nfds].revents = 0;
      owner[nfds++] = NULL;
    }
    /* No pidfd, and its pipes are closed but it has not exited yet:
    ** nothing to poll on will say when it does, so look again soon. */
    else if (p->running && !open) idle = 1;
  }
  if (seconds < 0) seconds = 0;
  if (idle && seconds > 0.005) seconds = 0.005;
  timeout = (int)(seconds * 1000);
  r = poll(pfd, (nfds_t)nfds, timeout);
  if (r > 0)
    for (k = 0; k < nfds; k++)
      if (pfd[k].revents != 0 && owner[k] != NULL) drain(owner[k]);
  lua_newtable(L);
  for (i = 1; i <= n; i++) {
    Proc *p;
    lua_rawgeti(L, 1, i);
    p = check_proc(L, -1);
    if (try_reap(p)) lua_rawseti(L, -2, ++found);
    else lua_pop(L, 1);
  }
  return 1;
}


static int proc_signal (lua_State *L) {
  Proc *p = check_proc(L, 1);
  int sig = (int)luaL_checkinteger(L, 2);
  /* Never after reaping: the pid may be another process's by now. */
  if (!p->running) { lua_pushboolean(L, 0); return 1; }
  return luaL_fileresult(L, kill(p->pid, sig) == 0, NULL);
}

static int proc_output (lua_State *L) {
  Proc *p = check_proc(L, 1);
  lua_Integer fd = luaL_checkinteger(L, 2);
  luaL_argcheck(L, fd >= 1 && fd <= NSTREAMS, 2, "1, 2 or 3");
  lua_pushlstring(L, p->s[fd - 1].buf ? p->s[fd - 1].buf : "", p->s[fd - 1].len);
  return 1;
}

static int proc_result (lua_State *L) {
  Proc *p = check_proc(L, 1);
  if (p->running || p->pid == 0) return 0;
  if (WIFSIGNALED(p->status)) {
    lua_pushinteger(L, 128 + WTERMSIG(p->status));
    lua_pushinteger(L, WTERMSIG(p->status));
    return 2;
  }
  lua_pushinteger(L, WEXITSTATUS(p->status));
  return 1;
}

static int proc_pid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_proc(L, 1)->pid);
  return 1;
}

static int sp_cpus (lua_State *L) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  lua_pushinteger(L, n > 0 ? (lua_Integer)n : 1);
  return 1;
}


static const luaL_Reg proc_methods[] = {
  {"signal", proc_signal},
  {"output", proc_output},
  {"result", proc_result},
  {"pid", proc_pid},
  {NULL, NULL}
};

static const luaL_Reg spawn_funcs[] = {
  {"start", sp_start},
  {"wait", sp_wait},
  {"cpus", sp_cpus},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_spawn (lua_State *L) {
  lm_new_class(L, PROC_MT, proc_methods, proc_gc, proc_gc);
  luaL_newlib(L, spawn_funcs);
  {  /* a pidfd of this process says whether children will get one */
    int fd = open_pidfd(getpid());
    lua_pushboolean(L, fd >= 0);
    if (fd >= 0) close(fd);
    lua_setfield(L, -2, "pidfd");
  }
  lua_pushinteger(L, SIGINT);
  lua_setfield(L, -2, "SIGINT");
  lua_pushinteger(L, SIGTERM);
  lua_setfield(L, -2, "SIGTERM");
  lua_pushinteger(L, SIGHUP);
  lua_setfield(L, -2, "SIGHUP");
  lua_pushinteger(L, SIGKILL);
  lua_setfield(L, -2, "SIGKILL");
  return 1;
}
