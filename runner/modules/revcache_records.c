/*
** revcache_records.c: the list of records cache:lookup() returns, each
** record made when it is first read.
**
** `luamig heads` on 10,000 revisions spent 41 M of 141 M instructions
** making a Lua table per cached record, although it reads a handful of
** them: the graph needs only ids and parents. So the list holds, for each
** hit, the entry's bytes; reading list[i] makes the record (the fields
** revscan.record makes, without `source`), stores it in the list and
** returns it, so that a record is made once and keeps its identity. A
** miss is `false` in the list from the start. `#list` is the number of
** files (__len); indexing, ipairs and pairs (__pairs) see every record,
** only next() sees no more than the records made so far.
**
** The list's metatable also carries a RevRecordsView (revrecords.h): the
** ids and parents of every record as C strings, from which
** luamig.revgraph builds the graph without making a record, and the docs,
** from which it writes history's lines.
**
** The entries point into the index the cache read (RevCache.old): the list
** takes that buffer and frees it when it is collected; the cache keeps the
** list alive (a user value), since the index it writes in save() reuses
** the same bytes.
*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "revcache_index.h"
#include "revrecords.h"

#define RECORDS_MT "luamig.RevCacheRecords"

typedef struct Records {
  size_t n;
  const unsigned char **entry;  /* each file's entry (at its check); NULL: a miss */
  uint32_t *len;
  unsigned char *old;           /* the index the entries point into */
  RevRecordsView view;
} Records;

/* The list userdata's user values. */
enum { UV_DIR = 1, UV_NONE, UV_KEYS, NUV = UV_KEYS };

static int records_gc (lua_State *L) {
  Records *r = (Records *)lua_touserdata(L, 1);
  RevRecordsView *v = &r->view;
  free(r->entry); free(r->len); free(r->old);
  free(v->id); free(v->id_len); free(v->down_at); free(v->down); free(v->down_len);
  free(v->extra); free(v->doc); free(v->doc_len); free(v->strings);
  memset(r, 0, sizeof *r);
  return 0;
}

/* Copies s (len bytes) to *at as a C string; returns the copy. */
static const char *copy_str (char **at, const char *s, size_t len) {
  char *out = *at;
  memcpy(out, s, len);
  out[len] = '\0';
  *at += len + 1;
  return out;
}

/* Room for at least `need` parents in v (doubling); 0 when out of memory. */
static int room_for_parents (RevRecordsView *v, size_t *cap, size_t need) {
  const char **down;
  size_t *down_len, c = *cap;
  if (need <= c) return 1;
  while (c < need) c = c ? 2 * c : 16;
  down = (const char **)realloc((void *)v->down, c * sizeof *down);
  if (down == NULL) return 0;
  v->down = down;
  down_len = (size_t *)realloc(v->down_len, c * sizeof *down_len);
  if (down_len == NULL) return 0;
  v->down_len = down_len;
  *cap = c;
  return 1;
}

/* The ids and parents of every record, when every file was a hit; left
** incomplete otherwise (or out of memory), and revgraph then reads the
** records. Each entry is decoded once; the parents' arrays grow as they
** fill (most revisions have one). */
static void make_view (Records *r) {
  RevRecordsView *v = &r->view;
  size_t i, j, n = r->n, bytes = 0, k = 0, cap = 0;
  char *at;
  EntryLinks l;
  v->n = n;
  for (i = 0; i < n; i++) {
    if (r->entry[i] == NULL) return;
    bytes += r->len[i];  /* each string is there with its 4-byte length: room for a NUL */
  }
  v->id = (const char **)malloc((n + 1) * sizeof *v->id);
  v->id_len = (size_t *)malloc((n + 1) * sizeof *v->id_len);
  v->down_at = (size_t *)malloc((n + 1) * sizeof *v->down_at);
  v->extra = (unsigned char *)malloc(n + 1);
  v->doc = (const char **)malloc((n + 1) * sizeof *v->doc);
  v->doc_len = (size_t *)malloc((n + 1) * sizeof *v->doc_len);
  v->strings = (char *)malloc(bytes + 1);
  if (v->id == NULL || v->id_len == NULL || v->down_at == NULL || v->extra == NULL
      || v->doc == NULL || v->doc_len == NULL || v->strings == NULL || !room_for_parents(v, &cap, n + 1)) return;
  at = v->strings;
  for (i = 0; i < n; i++) {
    const unsigned char *p;
    lmrc_entry_links(r->entry[i], r->entry[i] + r->len[i], &l);
    if (!room_for_parents(v, &cap, k + l.ndown + 1)) return;
    v->id[i] = copy_str(&at, l.id, l.id_len);
    v->id_len[i] = l.id_len;
    v->extra[i] = (unsigned char)l.extra;
    v->doc[i] = l.doc;  /* in the entry, which the list keeps */
    v->doc_len[i] = l.doc_len;
    v->down_at[i] = k;
    for (j = 0, p = l.down; j < l.ndown; j++, k++) {
      const char *s;
      uint32_t slen;
      p = lmrc_next_str(p, &s, &slen);
      v->down[k] = copy_str(&at, s, slen);
      v->down_len[k] = slen;
    }
  }
  v->down_at[n] = k;
  v->complete = 1;
}

/* Push dir/name, a record's path (without lua_pushfstring's parsing of a
** format for each of thousands of files). */
static void push_path (lua_State *L, const char *dir, size_t dir_len, const char *name, size_t name_len) {
  char buf[1024];
  if (dir_len + 1 + name_len > sizeof buf) {
    lua_pushlstring(L, dir, dir_len);
    lua_pushliteral(L, "/");
    lua_pushlstring(L, name, name_len);
    lua_concat(L, 3);
    return;
  }
  memcpy(buf, dir, dir_len);
  buf[dir_len] = '/';
  memcpy(buf + dir_len + 1, name, name_len);
  lua_pushlstring(L, buf, dir_len + 1 + name_len);
}

/* The list's __index(list, i): record i, made now and kept in the list. */
static int records_index (lua_State *L) {
  Records *r = (Records *)lua_touserdata(L, lua_upvalueindex(1));
  int isint, base, k;
  size_t dir_len;
  const char *dir;
  EntryLinks l;
  lua_Integer i = lua_tointegerx(L, 2, &isint);
  if (lua_type(L, 2) != LUA_TNUMBER || !isint || i < 1 || (lua_Unsigned)i > r->n
      || r->entry[i - 1] == NULL) return 0;
  base = lua_gettop(L);
  luaL_checkstack(L, 20, "revision records");
  lua_getiuservalue(L, lua_upvalueindex(1), UV_DIR);
  dir = lua_tolstring(L, base + 1, &dir_len);
  lmrc_entry_links(r->entry[i - 1], r->entry[i - 1] + r->len[i - 1], &l);
  push_path(L, dir, dir_len, l.name, l.name_len);              /* base + 2 */
  lua_getiuservalue(L, lua_upvalueindex(1), UV_NONE);          /* base + 3 */
  lua_getiuservalue(L, lua_upvalueindex(1), UV_KEYS);          /* base + 4 */
  for (k = 1; k <= (int)lua_rawlen(L, base + 4); k++) lua_rawgeti(L, base + 4, k);
  lmrc_push_record(L, r->entry[i - 1], r->entry[i - 1] + r->len[i - 1], base + 2, base + 3, base + 5);
  lua_pushvalue(L, -1);
  lua_rawseti(L, 1, i);
  return 1;
}

/* The iterator of the list's __pairs: (list, i) -> i + 1, list[i + 1]. */
static int records_next (lua_State *L) {
  const Records *r = (const Records *)lua_touserdata(L, lua_upvalueindex(1));
  lua_Integer i = luaL_checkinteger(L, 2) + 1;
  if (i < 1 || (lua_Unsigned)i > r->n) return 0;
  lua_pushinteger(L, i);
  lua_geti(L, 1, i);
  return 2;
}

/* The list's __pairs: every record in order, made as it comes (next()
** sees only the records made so far). */
static int records_pairs (lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, records_next, 1);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

/* The list's __len: the number of files looked up. */
static int records_len (lua_State *L) {
  const Records *r = (const Records *)lua_touserdata(L, lua_upvalueindex(1));
  lua_pushinteger(L, (lua_Integer)r->n);
  return 1;
}

void lmrc_push_records (lua_State *L, RevCache *c, int cache_idx, const unsigned char **entry,
                        uint32_t *len, size_t n, int dir_idx, int none_idx) {
  Records *r;
  int ud, keys, k, nkeys;
  size_t i;
  luaL_checkstack(L, 8, "revision records");
  r = (Records *)lua_newuserdatauv(L, sizeof *r, NUV);
  ud = lua_gettop(L);
  memset(r, 0, sizeof *r);
  r->n = n;
  r->entry = entry;
  r->len = len;
  r->old = c->old;  /* the list's now (see above) */
  c->old = NULL;
  if (luaL_newmetatable(L, RECORDS_MT)) {
    lua_pushcfunction(L, records_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, ud);
  lua_pushvalue(L, ud);
  lua_setiuservalue(L, cache_idx, 1);
  lua_pushvalue(L, dir_idx);
  lua_setiuservalue(L, ud, UV_DIR);
  lua_pushvalue(L, none_idx);
  lua_setiuservalue(L, ud, UV_NONE);
  keys = lmrc_push_record_keys(L);
  nkeys = lua_gettop(L) - keys + 1;
  lua_createtable(L, nkeys, 0);
  for (k = 0; k < nkeys; k++) {
    lua_pushvalue(L, keys + k);
    lua_rawseti(L, -2, k + 1);
  }
  lua_setiuservalue(L, ud, UV_KEYS);
  lua_settop(L, ud);
  make_view(r);

  lua_createtable(L, (int)n, 0);                /* the list */
  for (i = 0; i < n; i++) {
    if (entry[i] != NULL) continue;
    lua_pushboolean(L, 0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, records_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, records_len, 1);
  lua_setfield(L, -2, "__len");
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, records_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushlightuserdata(L, &r->view);
  lua_setfield(L, -2, RECORDS_VIEW_FIELD);
  lua_setmetatable(L, -2);
  lua_remove(L, ud);
}
