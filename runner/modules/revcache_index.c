/*
** revcache_index.c: the index file of luamig.revcache (the module is
** revcache.c): its format, the checks of its entries, reading it and its
** entries as records, and writing it.
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
** the bytes after the check (see lmrc_entry_check); an entry whose check does
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
#include <unistd.h>

#include "lua.h"

#include "fieldkeys.h"
#include "revcache_index.h"
#include "version.h"

#define CACHE_DIR ".luamig_cache"
#define CACHE_MAGIC 0x324d524cu  /* "LRM2" in little-endian order (2: with checks) */


/* ---------------------------------------------------------------- checks */

/* The check of an entry: FNV-1a over 64-bit words, seeded with the
** entry's length. Each step, (h ^ w) * an odd prime, is a bijection of h
** for a given word, so two entries that differ in one word (a flipped
** byte, or up to 8 in a row) always differ in their checks; other damage
** goes unseen with odds of 2^-64. A word at a time keeps the check of a
** 10,000-entry index under a millisecond. */
uint64_t lmrc_entry_check (const unsigned char *p, size_t n, uint32_t len) {
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
  return stored == lmrc_entry_check(e + CHECK_SIZE, len - CHECK_SIZE, len);
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

static int skip_strs (Reader *r, uint32_t n) {
  uint32_t i, len;
  const char *s;
  for (i = 0; i < n; i++) if (!take_str(r, &s, &len)) return 0;
  return 1;
}

static int skip_list (Reader *r) {
  uint32_t n;
  return take(r, &n, sizeof n) && skip_strs(r, n);
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
void lmrc_read_index (RevCache *c) {
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
const unsigned char *lmrc_find_entry (RevCache *c, const char *name, size_t name_len) {
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

/* The links of an old entry (checked by index_entries), for the records
** list's view (revcache_records.c): its file's name, its id, its parents
** (their count, and where the first starts: lmrc_next_str reads each in
** turn), its doc, and whether it has branch labels or depends_on. */
void lmrc_entry_links (const unsigned char *entry, const unsigned char *end, EntryLinks *out) {
  Reader r = { entry + CHECK_SIZE, end };
  FileStamp st;
  unsigned char tr;
  uint32_t nlabels = 0, ndepends = 0;
  entry_head(&r, &st, &tr, &out->name, &out->name_len);
  take_str(&r, &out->id, &out->id_len);
  take_str(&r, &out->doc, &out->doc_len);
  out->ndown = 0;
  take(&r, &out->ndown, 4);
  out->down = r.p;
  skip_strs(&r, out->ndown);
  take(&r, &nlabels, 4);
  skip_strs(&r, nlabels);
  take(&r, &ndepends, 4);
  out->extra = nlabels > 0 || ndepends > 0;
}

/* Reads the string at p (a list's element); returns where the next one starts. */
const unsigned char *lmrc_next_str (const unsigned char *p, const char **s, uint32_t *len) {
  memcpy(len, p, 4);
  *s = (const char *)p + 4;
  return p + 4 + *len;
}

/* A record's fields, in the order of RECORD_KEYS. */
enum { R_ID, R_DOC, R_DOWN, R_BRANCH_LABELS, R_DEPENDS, R_TRANSACTIONAL, R_PATH, NRECORD_KEYS };
static const char *const RECORD_KEYS[NRECORD_KEYS] = {
  "id", "doc", "down_revisions", "branch_labels", "depends_on", "transactional", "path"
};

int lmrc_push_record_keys (lua_State *L) {
  return lmk_push(L, RECORD_KEYS, NRECORD_KEYS);
}

/* The record of an old entry; path at path_idx, the keys from `keys`
** (lmrc_push_record_keys). The same fields as revscan.record's, without
** `source`. */
void lmrc_push_record (lua_State *L, const unsigned char *entry, const unsigned char *end,
                       int path_idx, int none_idx, int keys) {
  Reader r = { entry + CHECK_SIZE, end };
  FileStamp st;
  unsigned char tr;
  const char *name;
  uint32_t name_len;
  int rec;
  entry_head(&r, &st, &tr, &name, &name_len);
  lua_createtable(L, 0, 8);
  rec = lua_gettop(L);
  /* each field: its key, its value, lua_rawset (fieldkeys.h) */
  lua_pushvalue(L, keys + R_ID);
  push_str(L, &r);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_DOC);
  push_str(L, &r);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_DOWN);
  push_list(L, &r, none_idx);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_BRANCH_LABELS);
  push_list(L, &r, none_idx);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_DEPENDS);
  push_list(L, &r, none_idx);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_TRANSACTIONAL);
  lua_pushboolean(L, tr);
  lua_rawset(L, rec);
  lua_pushvalue(L, keys + R_PATH);
  lua_pushvalue(L, path_idx);
  lua_rawset(L, rec);
}


/* ---------------------------------------------------------------- writing */

/* Appends n bytes to b; once out of memory, b->failed and nothing more. */
void lmrc_put (Buf *b, const void *src, size_t n) {
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

static void put_u32 (Buf *b, uint32_t v) { lmrc_put(b, &v, 4); }

void lmrc_put_str (Buf *b, const char *s, size_t len) {
  put_u32(b, (uint32_t)len);
  lmrc_put(b, s, len);
}

/* A record's string field; 0 if it is not a string. */
int lmrc_put_field_str (lua_State *L, Buf *b, int rec, const char *field) {
  size_t len;
  const char *s;
  int ok = lua_getfield(L, rec, field) == LUA_TSTRING;
  if (ok) {
    s = lua_tolstring(L, -1, &len);
    lmrc_put_str(b, s, len);
  }
  lua_pop(L, 1);
  return ok;
}

/* A record's list field (an array of strings); 0 if it is anything else. */
int lmrc_put_field_list (lua_State *L, Buf *b, int rec, const char *field) {
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
        lmrc_put_str(b, s, len);
      }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return ok;
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
int lmrc_write_index (RevCache *c) {
  char tmp[64];
  Buf b = { NULL, 0, 0, 0 };
  size_t i, done = 0;
  int fd, ok;
  uint32_t n = (uint32_t)c->n_out;
  qsort(c->out, c->n_out, sizeof *c->out, compare_out);
  put_u32(&b, CACHE_MAGIC);
  lmrc_put_str(&b, LUAMIG_VERSION, strlen(LUAMIG_VERSION));
  put_u32(&b, n);
  for (i = 0; i < c->n_out; i++) {
    put_u32(&b, (uint32_t)c->out[i].len);
    lmrc_put(&b, c->out[i].bytes, c->out[i].len);
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
