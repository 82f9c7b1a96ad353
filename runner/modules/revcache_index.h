/*
** revcache_index.h: what the three files of luamig.revcache share;
** nothing else includes it. revcache.c is the module (open, lookup, put,
** save) and keeps the state of one open cache in a RevCache;
** revcache_index.c reads the index file into that state and writes it
** from there, so both need the state's types; revcache_records.c makes
** the list lookup returns from the entries. Each function is described
** where it is defined.
** Shared names start with lmrc_ so that none clashes with a symbol of a
** program that links libluamig.a.
*/

#ifndef luamig_revcache_index_h
#define luamig_revcache_index_h

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

#define CHECK_SIZE 8  /* an entry's check, before its stamp */

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
  uint32_t next_entry;        /* where lmrc_find_entry looks first */
  Out *out;                   /* the next index's entries */
  size_t n_out, cap_out;
  Miss *misses;               /* in lookup() order */
  size_t n_misses, cap_misses, next_put;
  int dirty;                  /* an entry was added */
  int failed;                 /* out of memory: write nothing */
  int64_t settle_ns;          /* see settled() */
  int looked_up;              /* lookup() ran: its list holds the index now */
} RevCache;

/* The bytes of an entry or of the index being written. */
typedef struct Buf {
  unsigned char *p;
  size_t len, cap;
  int failed;
} Buf;


/* revcache_index.c: the checks; reading (rc_open, rc_lookup) */
uint64_t lmrc_entry_check (const unsigned char *p, size_t n, uint32_t len);
void lmrc_read_index (RevCache *c);
const unsigned char *lmrc_find_entry (RevCache *c, const char *name, size_t name_len);
/* The record's field names, pushed once by lmrc_push_record_keys
** (fieldkeys.h) before the records. */
int lmrc_push_record_keys (lua_State *L);
void lmrc_push_record (lua_State *L, const unsigned char *entry, const unsigned char *end,
                       int path_idx, int none_idx, int keys);

/* An old entry's links (revcache_index.c), for revcache_records.c. */
typedef struct EntryLinks {
  const char *name;           /* the file's; not NUL-terminated */
  uint32_t name_len;
  const char *id;             /* not NUL-terminated */
  uint32_t id_len;
  const char *doc;            /* not NUL-terminated */
  uint32_t doc_len;
  uint32_t ndown;             /* parents */
  const unsigned char *down;  /* the first parent, for lmrc_next_str */
  int extra;                  /* branch labels or depends_on */
} EntryLinks;
void lmrc_entry_links (const unsigned char *entry, const unsigned char *end, EntryLinks *out);
const unsigned char *lmrc_next_str (const unsigned char *p, const char **s, uint32_t *len);

/* revcache_records.c: pushes the list lookup() returns, each record
** made on first use from entry[i] (len[i] bytes; NULL for a miss, which
** is false in the list). Takes entry, len (malloc'ed) and c->old: the
** list frees them, and the cache at cache_idx keeps the list alive. */
void lmrc_push_records (lua_State *L, RevCache *c, int cache_idx, const unsigned char **entry,
                        uint32_t *len, size_t n, int dir_idx, int none_idx);

/* revcache_index.c: writing. rc_put makes a new entry with the same
** functions that write the index, so that an entry has one layout. */
void lmrc_put (Buf *b, const void *src, size_t n);
void lmrc_put_str (Buf *b, const char *s, size_t len);
int lmrc_put_field_str (lua_State *L, Buf *b, int rec, const char *field);
int lmrc_put_field_list (lua_State *L, Buf *b, int rec, const char *field);
int lmrc_write_index (RevCache *c);

#endif
