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
** Format (host byte order; the cache is a machine's own): the magic, then
** the luamig version that wrote it (a different version ignores it, as
** revscan's rules may differ), an entry count, then the entries in file
** name order:
**   u32 entry length, u64 check, i64 size, i64 mtime s, i64 mtime ns,
**   i64 ctime s, i64 ctime ns, u64 inode, u8 transactional, str name,
**   str id, str doc, list down_revisions, list branch_labels, list depends_on
** where str is u32 length + bytes and list is u32 count + strs; the entry
** length counts what follows it. A damaged entry must never pass for a
** good one (a flipped transactional byte would run a revision outside its
** transaction), so each entry carries `check`, a hash of its length and of
** the bytes after the check (see entry_check); an entry whose check does
** not match is dropped alone (its file is read again, and the index
** rewritten). Anything out of bounds or malformed makes the whole cache
** unread. The index file is read only when it is a regular file: a FIFO
** in its place must not block.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "revcache.h"
#include "parallel.h"
#include "version.h"

#define CACHE_MT "luamig.RevCache"
#define CACHE_DIR ".luamig_cache"
#define CACHE_MAGIC 0x324d524cu  /* "LRM2" in little-endian order (2: with checks) */
#define CHECK_SIZE 8             /* an entry's check, before its stamp */
#define REVCACHE_MIN_FILES 100
#define REVCACHE_SETTLE_SECONDS 2
#define PROBE_THREADED_FROM 256  /* fewer files are not worth a thread */

/* The stat fields an entry must match. */
typedef struct FileStamp {
  int64_t size, mtime_s, mtime_ns, ctime_s, ctime_ns;
  uint64_t ino;
} FileStamp;

/* An entry of the index being written: the bytes of an old entry still
** valid (pointing into RevCache.old), or of a new record. */
typedef struct Out {
  const unsigned char *bytes;
  size_t len;
  int owned;  /* bytes were malloc'ed here */
} Out;

/* A file lookup() missed: its stat, taken before the caller reads it. */
typedef struct Miss {
  char *name;
  FileStamp stamp;
  int settled;
} Miss;

typedef struct RevCache {
  int dirfd;                  /* the versions directory; -1 when closed */
  unsigned char *old;         /* the index read, or NULL */
  size_t old_len;
  const unsigned char **entries;  /* each good old entry (at its check), by name */
  uint32_t n_old, hits;
  uint32_t next_entry;        /* where find_entry looks first */
  Out *out;                   /* the next index's entries */
  size_t n_out, cap_out;
  Miss *misses;               /* in lookup() order */
  size_t n_misses, cap_misses, next_put;
  int dirty;                  /* an entry was added */
  int failed;                 /* out of memory: write nothing */
  int64_t settle_ns;          /* see settled() */
} RevCache;


/* ---------------------------------------------------------------- checks */

/* The check of an entry: FNV-1a over 64-bit words, seeded with the
** entry's length. Each step, (h ^ w) * an odd prime, is a bijection of h
** for a given word, so two entries that differ in one word (a flipped
** byte, or up to 8 in a row) always differ in their checks; other damage
** goes unseen with odds of 2^-64. A word at a time keeps the check of a
** 10,000-entry index under a millisecond. */
static uint64_t entry_check (const unsigned char *p, size_t n, uint32_t len) {
  const uint64_t prime = 0x100000001b3ull;
  uint64_t h = 0xcbf29ce484222325ull ^ len;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * prime;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    h = (h ^ *p++) * prime;
    n--;
  }
  return h ^ (h >> 32);
}

/* Does the entry of len bytes at e (at its check) match its check? */
static int entry_ok (const unsigned char *e, uint32_t len) {
  uint64_t stored;
  if (len < CHECK_SIZE) return 0;
  memcpy(&stored, e, CHECK_SIZE);
  return stored == entry_check(e + CHECK_SIZE, len - CHECK_SIZE, len);
}


/* ---------------------------------------------------------------- reading */

typedef struct Reader {
  const unsigned char *p, *end;
} Reader;

static int take (Reader *r, void *dst, size_t n) {
  if ((size_t)(r->end - r->p) < n) return 0;
  memcpy(dst, r->p, n);
  r->p += n;
  return 1;
}

static int take_str (Reader *r, const char **s, uint32_t *len) {
  if (!take(r, len, sizeof *len) || (size_t)(r->end - r->p) < *len) return 0;
  *s = (const char *)r->p;
  r->p += *len;
  return 1;
}

static int skip_list (Reader *r) {
  uint32_t n, i, len;
  const char *s;
  if (!take(r, &n, sizeof n)) return 0;
  for (i = 0; i < n; i++) if (!take_str(r, &s, &len)) return 0;
  return 1;
}

/* File names in byte order (listdir's), like memcmp. */
static int compare_names (const char *a, size_t alen, const char *b, size_t blen) {
  int cmp = memcmp(a, b, alen < blen ? alen : blen);
  if (cmp != 0) return cmp;
  return alen < blen ? -1 : alen > blen;
}

/* An entry's fixed part, then its name; the reader is left after the name. */
static int entry_head (Reader *r, FileStamp *st, unsigned char *transactional,
                       const char **name, uint32_t *name_len) {
  return take(r, &st->size, 8) && take(r, &st->mtime_s, 8) && take(r, &st->mtime_ns, 8)
    && take(r, &st->ctime_s, 8) && take(r, &st->ctime_ns, 8) && take(r, &st->ino, 8)
    && take(r, transactional, 1) && take_str(r, name, name_len);
}

/* Checks the whole index and fills c->entries with its good entries; 0 if
** it is not usable. */
static int index_entries (RevCache *c) {
  Reader r = { c->old, c->old + c->old_len };
  uint32_t magic, vlen, n, i, kept = 0, prev_len = 0;
  const char *version, *prev = NULL;
  if (!take(&r, &magic, 4) || magic != CACHE_MAGIC) return 0;
  if (!take_str(&r, &version, &vlen) || vlen != strlen(LUAMIG_VERSION)
      || memcmp(version, LUAMIG_VERSION, vlen) != 0) return 0;
  if (!take(&r, &n, 4) || n > c->old_len / 16) return 0;
  c->entries = (const unsigned char **)malloc((n > 0 ? n : 1) * sizeof *c->entries);
  if (c->entries == NULL) return 0;
  for (i = 0; i < n; i++) {
    uint32_t len, name_len, id_len, doc_len;
    FileStamp st;
    unsigned char tr;
    const char *name, *id, *doc;
    Reader e;
    if (!take(&r, &len, 4) || (size_t)(r.end - r.p) < len) return 0;
    if (!entry_ok(r.p, len)) {  /* damaged: dropped, its file read again */
      r.p += len;
      c->dirty = 1;
      continue;
    }
    e.p = r.p + CHECK_SIZE;
    e.end = r.p + len;
    if (!entry_head(&e, &st, &tr, &name, &name_len) || !take_str(&e, &id, &id_len)
        || !take_str(&e, &doc, &doc_len) || !skip_list(&e) || !skip_list(&e)
        || !skip_list(&e) || e.p != e.end || id_len == 0)
      return 0;
    /* strictly ascending names, for the binary search */
    if (prev != NULL && compare_names(prev, prev_len, name, name_len) >= 0) return 0;
    prev = name;
    prev_len = name_len;
    c->entries[kept++] = r.p;
    r.p += len;
  }
  if (r.p != r.end) return 0;
  c->n_old = kept;
  return 1;
}

/* Reads <dir>/.luamig_cache/index whole; leaves c->old NULL if absent or
** unusable. */
static void read_index (RevCache *c) {
  struct stat st;
  ssize_t got;
  int fd = openat(c->dirfd, CACHE_DIR "/index", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (1 << 30)) {
    c->old = (unsigned char *)malloc((size_t)st.st_size);
    if (c->old != NULL) {
      got = read(fd, c->old, (size_t)st.st_size);
      c->old_len = got == st.st_size ? (size_t)got : 0;
    }
  }
  close(fd);
  if (c->old != NULL && (c->old_len == 0 || !index_entries(c))) {
    free(c->old);
    free(c->entries);
    c->old = NULL;
    c->entries = NULL;
    c->old_len = 0;
    c->n_old = 0;
    c->dirty = 0;
  }
}

/* Compares an old entry's name with name, like memcmp. */
static int compare_entry (const RevCache *c, uint32_t i, const char *name, size_t name_len) {
  Reader r = { c->entries[i] + CHECK_SIZE, c->old + c->old_len };
  FileStamp st;
  unsigned char tr;
  const char *ename = "";
  uint32_t elen = 0;
  entry_head(&r, &st, &tr, &ename, &elen);  /* checked by index_entries */
  return compare_names(ename, elen, name, name_len);
}

/* The old entry for name (its start, at the check), or NULL. The names
** are looked up in the order they are listed, which is the entries' order:
** the entry after the last one found is tried before a binary search. */
static const unsigned char *find_entry (RevCache *c, const char *name, size_t name_len) {
  uint32_t lo = 0, hi = c->n_old;
  if (c->next_entry < c->n_old && compare_entry(c, c->next_entry, name, name_len) == 0)
    return c->entries[c->next_entry++];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int cmp = compare_entry(c, mid, name, name_len);
    if (cmp == 0) {
      c->next_entry = mid + 1;
      return c->entries[mid];
    }
    if (cmp < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

/* ------------------------------------------------------- entries as records */

static void push_str (lua_State *L, Reader *r) {
  const char *s = "";
  uint32_t len = 0;
  take_str(r, &s, &len);  /* checked by index_entries */
  lua_pushlstring(L, s, len);
}

/* A list field: an empty list is `none` (stack index none_idx), as
** revscan.record makes it. */
static void push_list (lua_State *L, Reader *r, int none_idx) {
  uint32_t n = 0, i;
  take(r, &n, 4);
  if (n == 0) {
    lua_pushvalue(L, none_idx);
    return;
  }
  lua_createtable(L, (int)n, 0);
  for (i = 1; i <= n; i++) {
    push_str(L, r);
    lua_rawseti(L, -2, (lua_Integer)i);
  }
}

/* The record of an old entry; path at path_idx. The same fields as
** revscan.record's, without `source`. */
static void push_record (lua_State *L, const unsigned char *entry, const unsigned char *end,
                         int path_idx, int none_idx) {
  Reader r = { entry + CHECK_SIZE, end };
  FileStamp st;
  unsigned char tr;
  const char *name;
  uint32_t name_len;
  entry_head(&r, &st, &tr, &name, &name_len);
  lua_createtable(L, 0, 8);
  push_str(L, &r);
  lua_setfield(L, -2, "id");
  push_str(L, &r);
  lua_setfield(L, -2, "doc");
  push_list(L, &r, none_idx);
  lua_setfield(L, -2, "down_revisions");
  push_list(L, &r, none_idx);
  lua_setfield(L, -2, "branch_labels");
  push_list(L, &r, none_idx);
  lua_setfield(L, -2, "depends_on");
  lua_pushboolean(L, tr);
  lua_setfield(L, -2, "transactional");
  lua_pushvalue(L, path_idx);
  lua_setfield(L, -2, "path");
}


/* ---------------------------------------------------------------- writing */

typedef struct Buf {
  unsigned char *p;
  size_t len, cap;
  int failed;
} Buf;

static void put (Buf *b, const void *src, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    unsigned char *np;
    while (cap < b->len + n) cap *= 2;
    np = (unsigned char *)realloc(b->p, cap);
    if (np == NULL) { b->failed = 1; return; }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

static void put_u32 (Buf *b, uint32_t v) { put(b, &v, 4); }

static void put_str (Buf *b, const char *s, size_t len) {
  put_u32(b, (uint32_t)len);
  put(b, s, len);
}

/* A record's string field; 0 if it is not a string. */
static int put_field_str (lua_State *L, Buf *b, int rec, const char *field) {
  size_t len;
  const char *s;
  int ok = lua_getfield(L, rec, field) == LUA_TSTRING;
  if (ok) {
    s = lua_tolstring(L, -1, &len);
    put_str(b, s, len);
  }
  lua_pop(L, 1);
  return ok;
}

/* A record's list field (an array of strings); 0 if it is anything else. */
static int put_field_list (lua_State *L, Buf *b, int rec, const char *field) {
  lua_Integer n, i;
  int ok = lua_getfield(L, rec, field) == LUA_TTABLE;
  if (ok) {
    n = (lua_Integer)lua_rawlen(L, -1);
    put_u32(b, (uint32_t)n);
    for (i = 1; ok && i <= n; i++) {
      size_t len;
      const char *s;
      ok = lua_rawgeti(L, -1, i) == LUA_TSTRING;
      if (ok) {
        s = lua_tolstring(L, -1, &len);
        put_str(b, s, len);
      }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return ok;
}

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

/* Creates .luamig_cache with its .gitignore; 0 on failure. */
static int make_cache_dir (int dirfd) {
  static const char ignore[] = "# written by luamig: a cache of revision metadata\n*\n";
  int fd;
  if (mkdirat(dirfd, CACHE_DIR, 0777) != 0 && errno != EEXIST) return 0;
  fd = openat(dirfd, CACHE_DIR "/.gitignore", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd >= 0) {
    ssize_t w = write(fd, ignore, sizeof ignore - 1);
    close(fd);
    if (w != (ssize_t)(sizeof ignore - 1)) return 0;
  }
  return 1;
}

/* Entries in name order: an entry's name follows its check, stamp and flag. */
static int compare_out (const void *a, const void *b) {
  const Out *x = (const Out *)a, *y = (const Out *)b;
  uint32_t xl, yl;
  size_t at = CHECK_SIZE + sizeof(FileStamp) + 1;
  memcpy(&xl, x->bytes + at, 4);
  memcpy(&yl, y->bytes + at, 4);
  return compare_names((const char *)x->bytes + at + 4, xl, (const char *)y->bytes + at + 4, yl);
}

/* Writes the index to a temporary file and renames it over the old. */
static int write_index (RevCache *c) {
  char tmp[64];
  Buf b = { NULL, 0, 0, 0 };
  size_t i, done = 0;
  int fd, ok;
  uint32_t n = (uint32_t)c->n_out;
  qsort(c->out, c->n_out, sizeof *c->out, compare_out);
  put_u32(&b, CACHE_MAGIC);
  put_str(&b, LUAMIG_VERSION, strlen(LUAMIG_VERSION));
  put_u32(&b, n);
  for (i = 0; i < c->n_out; i++) {
    put_u32(&b, (uint32_t)c->out[i].len);
    put(&b, c->out[i].bytes, c->out[i].len);
  }
  if (b.failed || !make_cache_dir(c->dirfd)) { free(b.p); return 0; }
  snprintf(tmp, sizeof tmp, CACHE_DIR "/index.%ld.tmp", (long)getpid());
  /* not through a symbolic link, nor blocking on a FIFO of that name */
  fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
  if (fd < 0) { free(b.p); return 0; }
  while (done < b.len) {
    ssize_t w = write(fd, b.p + done, b.len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  ok = close(fd) == 0 && done == b.len
    && renameat(c->dirfd, tmp, c->dirfd, CACHE_DIR "/index") == 0;
  if (!ok) unlinkat(c->dirfd, tmp, 0);
  free(b.p);
  return ok;
}


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
  RevCache *c = (RevCache *)lua_newuserdatauv(L, sizeof(RevCache), 0);
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
  read_index(c);
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
  entry = find_entry(c, p->name, strlen(p->name));
  if (entry == NULL) return NULL;
  memcpy(len, entry - 4, 4);
  memcpy(&old, entry + CHECK_SIZE, sizeof old);
  return memcmp(&old, &p->stamp, sizeof old) == 0 ? entry : NULL;
}

/* cache:lookup(names, dir, none) -> records: for each file name of the
** directory (dir is its path, for the records' `path`), its record when
** the file's stat matches its entry, else false. The files are stat'ed on
** several threads. The stat of each miss is kept for the put() of the
** same name once the caller has read and scanned the file (stat first,
** read after: a change in between makes the entry stale, never a stale
** entry look current). */
static int rc_lookup (lua_State *L) {
  RevCache *c = check_open(L);
  Probes probes;
  struct timespec now;
  size_t n, i;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checkstring(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
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
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    const Probe *p = &probes.probe[i];
    uint32_t len;
    const unsigned char *entry = current_entry(c, p, &len);
    if (entry != NULL) {
      c->hits++;
      add_out(c, entry, len, 0);
      lua_pushfstring(L, "%s/%s", lua_tostring(L, 3), p->name);
      push_record(L, entry, entry + len, lua_gettop(L), 4);
      lua_remove(L, -2);
    } else {
      if (p->found) add_miss(c, p->name, strlen(p->name), &p->stamp, p->settled);
      lua_pushboolean(L, 0);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
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
  put(&b, &check, CHECK_SIZE);  /* set below */
  put(&b, &miss->stamp, sizeof miss->stamp);
  put(&b, &tr, 1);
  put_str(&b, name, name_len);
  ok = put_field_str(L, &b, 3, "id") && put_field_str(L, &b, 3, "doc")
    && put_field_list(L, &b, 3, "down_revisions") && put_field_list(L, &b, 3, "branch_labels")
    && put_field_list(L, &b, 3, "depends_on") && !b.failed;
  if (!ok) {
    free(b.p);
    return 0;
  }
  check = entry_check(b.p + CHECK_SIZE, b.len - CHECK_SIZE, (uint32_t)b.len);
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
    written = write_index(c);
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
  if (luaL_newmetatable(L, CACHE_MT)) {
    luaL_newlib(L, cache_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, cache_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, revcache_funcs);
  return 1;
}
