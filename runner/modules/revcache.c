/*
** revcache.c: a cache of revision-file metadata, checked against each
** file's stat (module luamig.revcache).
**
** Listing revisions (current, heads, history) reads every revision file
** to know the graph. With a thousand files, open+read+close of each one
** and scanning it cost more than everything else the command does. The
** cache keeps, per file, what revscan.record read from it (id, parents,
** labels, dependencies, transactional, doc) with the file's size, mtime,
** ctime and inode; when all four still match, the record comes from the
** cache and the file is not opened. This is the check git's index and
** make rely on. The file is then read only when its upgrade() must run or
** its checksum is wanted (script.lua reads `source` on demand).
**
** Where: <versions dir>/.luamig_cache/index, beside a .gitignore of `*` so
** that the cache never shows in `git status` (pytest and mypy do the same).
** It is written only for directories of REVCACHE_MIN_FILES files or more
** (a smaller one reads as fast as the cache would), by a rename of a
** temporary file so that concurrent runs see the old or the new index,
** never half of one. Failing to read or write it is never an error: the
** files are then read as they would be without it.
**
** A file changed twice within the file system's timestamp resolution
** could keep its size, mtime and ctime while its content changed. So a
** file whose mtime or ctime is less than REVCACHE_SETTLE_SECONDS old is
** not cached (it is read again on each run until it settles): two seconds
** cover the coarsest Linux file systems' resolution (ext3's one second).
**
** This file is the module: a RevCache per versions directory, the stats
** taken on several threads, the records taken in, and when to save. The
** index file itself (its format, the checks of its entries, reading and
** writing it) is revcache_index.c; the list of records handed out,
** revcache_records.c.
*/

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "revcache.h"
#include "revcache_index.h"
#include "parallel.h"

#define CACHE_MT "luamig.RevCache"
#define REVCACHE_MIN_FILES 100
#define REVCACHE_SETTLE_SECONDS 2
#define PROBE_THREADED_FROM 256  /* fewer files are not worth a thread */


/* ------------------------------------------------------------- the module */

static void release (RevCache *c) {
  size_t i;
  for (i = 0; i < c->n_out; i++) if (c->out[i].owned) free((void *)c->out[i].bytes);
  for (i = 0; i < c->n_misses; i++) free(c->misses[i].name);
  free(c->misses);
  c->misses = NULL;
  c->n_misses = c->cap_misses = 0;
  free(c->out);
  free(c->entries);
  free(c->old);
  c->out = NULL;
  c->entries = NULL;
  c->old = NULL;
  c->n_out = c->cap_out = 0;
  c->n_old = 0;
  if (c->dirfd >= 0) close(c->dirfd);
  c->dirfd = -1;
}

static int cache_gc (lua_State *L) {
  release((RevCache *)luaL_checkudata(L, 1, CACHE_MT));
  return 0;
}

static RevCache *check_open (lua_State *L) {
  RevCache *c = (RevCache *)luaL_checkudata(L, 1, CACHE_MT);
  if (c->dirfd < 0) luaL_error(L, "revision cache is closed");
  return c;
}

/* open(dir [, settle]) -> cache | nil: the cache of one versions
** directory (nil if the directory cannot be opened; script.lua then reads
** the files). settle: the seconds a file must be left unchanged to be
** cached (REVCACHE_SETTLE_SECONDS; the specs pass 0). */
static int rc_open (lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  lua_Number settle = luaL_optnumber(L, 2, REVCACHE_SETTLE_SECONDS);
  RevCache *c = (RevCache *)lua_newuserdatauv(L, sizeof(RevCache), 1);  /* the records list */
  memset(c, 0, sizeof *c);
  c->dirfd = -1;
  luaL_setmetatable(L, CACHE_MT);
  luaL_argcheck(L, settle >= 0 && settle < 1e6, 2, "settle must be 0 to 1e6 seconds");
  c->settle_ns = (int64_t)(settle * 1e9);
  c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd < 0) {
    lua_pushnil(L);
    return 1;
  }
  lmrc_read_index(c);
  return 1;
}

static int64_t ns_of (struct timespec t) {
  return (int64_t)t.tv_sec * 1000000000 + (int64_t)t.tv_nsec;
}

/* Were the file's last change and last write more than settle_ns ago? */
static int settled (const struct stat *st, int64_t now_ns, int64_t settle_ns) {
  return ns_of(st->st_mtim) < now_ns - settle_ns && ns_of(st->st_ctim) < now_ns - settle_ns;
}

/* Remembers a missed file's stat for its put(); dropped if out of memory
** (the file is then just not cached). */
static void add_miss (RevCache *c, const char *name, size_t name_len,
                      const FileStamp *stamp, int is_settled) {
  Miss *m;
  if (c->n_misses == c->cap_misses) {
    size_t cap = c->cap_misses ? c->cap_misses * 2 : 16;
    Miss *nm = (Miss *)realloc(c->misses, cap * sizeof *nm);
    if (nm == NULL) return;
    c->misses = nm;
    c->cap_misses = cap;
  }
  m = &c->misses[c->n_misses];
  m->name = (char *)malloc(name_len + 1);
  if (m->name == NULL) return;
  memcpy(m->name, name, name_len + 1);
  m->stamp = *stamp;
  m->settled = is_settled;
  c->n_misses++;
}

/* Adds an entry to the next index: an old entry's bytes (in c->old) or a
** new one's (owned: malloc'ed, freed by release). */
static void add_out (RevCache *c, const unsigned char *bytes, size_t len, int owned) {
  if (c->n_out == c->cap_out) {
    size_t cap = c->cap_out ? c->cap_out * 2 : 64;
    Out *no = (Out *)realloc(c->out, cap * sizeof *no);
    if (no == NULL) {  /* keep going; the index is then not written */
      if (owned) free((void *)bytes);
      c->failed = 1;
      return;
    }
    c->out = no;
    c->cap_out = cap;
  }
  c->out[c->n_out].bytes = bytes;
  c->out[c->n_out].len = len;
  c->out[c->n_out].owned = owned;
  c->n_out++;
}

/* The stat of one file, taken on one of lookup()'s threads. */
typedef struct Probe {
  const char *name;  /* a string of the caller's table */
  FileStamp stamp;
  int found;         /* a regular file */
  int settled;
} Probe;

typedef struct Probes {
  int dirfd;
  int64_t now_ns, settle_ns;
  Probe *probe;
} Probes;

/* An lm_share_fn: stats one thread's share of the files. */
static void probe_share (void *ctx, size_t first, size_t stride, size_t n) {
  Probes *all = (Probes *)ctx;
  struct stat st;
  size_t i;
  for (i = first; i < n; i += stride) {
    Probe *p = &all->probe[i];
    p->found = fstatat(all->dirfd, p->name, &st, 0) == 0 && S_ISREG(st.st_mode);
    if (!p->found) continue;
    p->stamp.size = (int64_t)st.st_size;
    p->stamp.mtime_s = (int64_t)st.st_mtim.tv_sec;
    p->stamp.mtime_ns = (int64_t)st.st_mtim.tv_nsec;
    p->stamp.ctime_s = (int64_t)st.st_ctim.tv_sec;
    p->stamp.ctime_ns = (int64_t)st.st_ctim.tv_nsec;
    p->stamp.ino = (uint64_t)st.st_ino;
    p->settled = settled(&st, all->now_ns, all->settle_ns);
  }
}

/* The old entry of a probed file when its stamp still matches, or NULL. */
static const unsigned char *current_entry (RevCache *c, const Probe *p, uint32_t *len) {
  const unsigned char *entry;
  FileStamp old;
  if (!p->found || c->old == NULL) return NULL;
  entry = lmrc_find_entry(c, p->name, strlen(p->name));
  if (entry == NULL) return NULL;
  memcpy(len, entry - 4, 4);
  memcpy(&old, entry + CHECK_SIZE, sizeof old);
  return memcmp(&old, &p->stamp, sizeof old) == 0 ? entry : NULL;
}

/* cache:lookup(names, dir, none) -> records, misses: for each file name
** of the directory (dir is its path, for the records' `path`), its record
** when the file's stat matches its entry, else false; misses counts the
** falses. The records are made as they are read (revcache_records.c). The
** files are stat'ed on several threads. The stat of each miss is kept for
** the put() of the same name once the caller has read and scanned the
** file (stat first, read after: a change in between makes the entry
** stale, never a stale entry look current). */
static int rc_lookup (lua_State *L) {
  RevCache *c = check_open(L);
  Probes probes;
  struct timespec now;
  size_t n, i, misses = 0;
  const unsigned char **entry;
  uint32_t *len;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checkstring(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  /* once: the list takes the index, which the next one's entries
  ** (kept for save) would point into */
  if (c->looked_up) return luaL_error(L, "revision cache: lookup was called already");
  c->looked_up = 1;
  n = (size_t)luaL_len(L, 2);
  probes.dirfd = c->dirfd;
  clock_gettime(CLOCK_REALTIME, &now);
  probes.now_ns = ns_of(now);
  probes.settle_ns = c->settle_ns;
  probes.probe = (Probe *)lua_newuserdatauv(L, (n > 0 ? n : 1) * sizeof(Probe), 0);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, (lua_Integer)i + 1);
    probes.probe[i].name = lua_tostring(L, -1);
    if (probes.probe[i].name == NULL) return luaL_argerror(L, 2, "names must be strings");
    lua_pop(L, 1);  /* the table keeps it alive */
    probes.probe[i].found = probes.probe[i].settled = 0;
  }
  lm_parallel_for(n, PROBE_THREADED_FROM, probe_share, &probes);
  entry = (const unsigned char **)calloc(n + 1, sizeof *entry);
  len = (uint32_t *)calloc(n + 1, sizeof *len);
  if (entry == NULL || len == NULL) {  /* every file a miss: read, not cached */
    free(entry); free(len);
    c->failed = 1;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) { lua_pushboolean(L, 0); lua_rawseti(L, -2, (lua_Integer)i + 1); }
    lua_pushinteger(L, (lua_Integer)n);
    return 2;
  }
  for (i = 0; i < n; i++) {
    const Probe *p = &probes.probe[i];
    entry[i] = current_entry(c, p, &len[i]);
    if (entry[i] != NULL) {
      c->hits++;
      add_out(c, entry[i], len[i], 0);
    } else {
      if (p->found) add_miss(c, p->name, strlen(p->name), &p->stamp, p->settled);
      misses++;
    }
  }
  lmrc_push_records(L, c, 1, entry, len, n, 3, 4);
  lua_pushinteger(L, (lua_Integer)misses);
  return 2;
}

/* The miss recorded for name: puts come in the order of the misses, so
** the next one is tried first. */
static Miss *find_miss (RevCache *c, const char *name) {
  size_t i;
  if (c->next_put < c->n_misses && strcmp(c->misses[c->next_put].name, name) == 0)
    return &c->misses[c->next_put++];
  for (i = 0; i < c->n_misses; i++)
    if (strcmp(c->misses[i].name, name) == 0) return &c->misses[i];
  return NULL;
}

/* cache:put(name, record): the record revscan.record made of a file
** lookup() missed. Ignored when that file had not settled. */
static int rc_put (lua_State *L) {
  RevCache *c = check_open(L);
  size_t name_len;
  const char *name = luaL_checklstring(L, 2, &name_len);
  Miss *miss;
  Buf b = { NULL, 0, 0, 0 };
  unsigned char tr;
  uint64_t check = 0;
  int ok;
  luaL_checktype(L, 3, LUA_TTABLE);
  miss = find_miss(c, name);
  if (miss == NULL || !miss->settled) return 0;
  miss->settled = 0;  /* once */
  lua_getfield(L, 3, "transactional");
  tr = (unsigned char)lua_toboolean(L, -1);
  lua_pop(L, 1);
  lmrc_put(&b, &check, CHECK_SIZE);  /* set below */
  lmrc_put(&b, &miss->stamp, sizeof miss->stamp);
  lmrc_put(&b, &tr, 1);
  lmrc_put_str(&b, name, name_len);
  ok = lmrc_put_field_str(L, &b, 3, "id") && lmrc_put_field_str(L, &b, 3, "doc")
    && lmrc_put_field_list(L, &b, 3, "down_revisions") && lmrc_put_field_list(L, &b, 3, "branch_labels")
    && lmrc_put_field_list(L, &b, 3, "depends_on") && !b.failed;
  if (!ok) {
    free(b.p);
    return 0;
  }
  check = lmrc_entry_check(b.p + CHECK_SIZE, b.len - CHECK_SIZE, (uint32_t)b.len);
  memcpy(b.p, &check, CHECK_SIZE);
  add_out(c, b.p, b.len, 1);
  c->dirty = 1;
  return 0;
}

/* cache:save(nfiles) -> written: writes the index when it changed (an
** entry added, or an old one gone) and the directory holds at least
** REVCACHE_MIN_FILES files, then closes the cache. */
static int rc_save (lua_State *L) {
  RevCache *c = check_open(L);
  lua_Integer nfiles = luaL_checkinteger(L, 2);
  int written = 0;
  if ((c->dirty || c->hits != c->n_old) && nfiles >= REVCACHE_MIN_FILES && !c->failed)
    written = lmrc_write_index(c);
  release(c);
  lua_pushboolean(L, written);
  return 1;
}

static const luaL_Reg cache_methods[] = {
  {"lookup", rc_lookup},
  {"put", rc_put},
  {"save", rc_save},
  {NULL, NULL}
};

static const luaL_Reg revcache_funcs[] = {
  {"open", rc_open},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_revcache (lua_State *L) {
  lm_new_class(L, CACHE_MT, cache_methods, cache_gc, NULL);
  luaL_newlib(L, revcache_funcs);
  return 1;
}
