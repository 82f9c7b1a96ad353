/*
** revgraph.c: the revision graph of a clean project, built in C (module
** luamig.revgraph).
**
** luamig.revision.build makes the graph in Lua: it checks every record,
** links parents and children, orders the nodes by a depth-first walk and
** finds heads, bases, branch and merge points. On 10,000 revisions that
** was more than half of what `luamig heads` took. Most projects are
** clean: every id plain, one parent or a few, no branch labels, no
** depends_on, no fault. For them this module makes the very same tables
** (each node's fields, the lists, the order: see build.lua, which stays
** the definition) at a fraction of the cost, each node on first use
** (revgraph_nodes.c). Anything else (a label, a
** dependency, a list given as a string, and every fault: a duplicate id, a
** missing parent, a cycle) makes build() return nothing, and build.lua
** does the whole work and says what is wrong, as before. A unit spec
** (spec/unit/revision/revgraph_spec.lua) builds graphs both ways and
** compares them.
**
**   revgraph.build(scripts, EMPTY) -> fields | nil
**
** The scripts may be the records list of luamig.revcache, whose records
** are made on first use: its ids and parents are then read from the
** list's view (revrecords.h), and no record is made for the graph.
**
** Ids are compared bytewise (strcmp): that is Lua's `<` on strings in the
** C locale, which luamig never changes.
*/

#define _GNU_SOURCE  /* qsort_r */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "fieldkeys.h"
#include "revgraph.h"
#include "revgraph_nodes.h"
#include "revrecords.h"

/* The fields read of a script, as keys pushed once (fieldkeys.h) at
** index KEYS of rg_build's stack, in this order. */
enum { K_ID, K_DOWN, K_DEPENDS, K_BRANCH_LABELS, NKEYS };
static const char *const KEY_NAMES[NKEYS] = {
  "id", "down_revisions", "depends_on", "branch_labels"
};
#define KEYS 3   /* scripts at 1, EMPTY at 2, then the keys */
#define KEY(k) (KEYS + (k))

void lmrg_release (Graph *g) {
  free(g->id); free(g->down_at); free(g->down); free(g->child_at);
  free(g->child); free(g->rank); free(g->slot);
  memset(g, 0, sizeof *g);
}

static uint64_t hash_of (const char *s) {
  uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

size_t lmrg_find (const Graph *g, const char *s) {
  size_t i = (size_t)hash_of(s) & (g->nslots - 1);
  while (g->slot[i] != 0) {
    if (strcmp(g->id[g->slot[i] - 1], s) == 0) return g->slot[i] - 1;
    i = (i + 1) & (g->nslots - 1);
  }
  return SIZE_MAX;
}

/* Adds node k to the hash; 0 if its id is there already. */
static int add (Graph *g, size_t k) {
  size_t i = (size_t)hash_of(g->id[k]) & (g->nslots - 1);
  while (g->slot[i] != 0) {
    if (strcmp(g->id[g->slot[i] - 1], g->id[k]) == 0) return 0;
    i = (i + 1) & (g->nslots - 1);
  }
  g->slot[i] = k + 1;
  return 1;
}

/* An id build.lua takes without a word: not empty, none of @ : , or
** Lua's %s (space, \t \n \v \f \r), not a reserved word. */
static int plain_id (const char *s, size_t len) {
  static const char *const reserved[] = { "head", "heads", "base", "current", NULL };
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '@' || c == ':' || c == ',' || c == ' ' || (c >= '\t' && c <= '\r')) return 0;
  }
  for (i = 0; reserved[i] != NULL; i++) if (strcmp(s, reserved[i]) == 0) return 0;
  return 1;
}

/* A list field build.lua would take as EMPTY: nil, or a table without a
** first element (EMPTY itself, {}); 0 also for a table with holes
** ({nil, "a"}), which is build.lua's to judge. */
static int is_empty_list (lua_State *L, int idx) {
  int first;
  if (lua_isnil(L, idx)) return 1;
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  first = lua_rawgeti(L, idx, 1);
  lua_pop(L, 1);
  return first == LUA_TNIL && lua_rawlen(L, idx) == 0;
}

/* Reads the scripts (at index 1) into g: ids, parents. 0: not a clean
** project (build.lua's business; so is a script with a metatable, whose
** fields raw access might not see). Leaves the stack as it found it. */
static int read_scripts (lua_State *L, Graph *g) {
  size_t i, j, ndown = 0, cap = 0;
  for (i = 0; i < g->n; i++) {
    size_t len, nd;
    int script;
    if (lua_rawgeti(L, 1, (lua_Integer)i + 1) != LUA_TTABLE) return 0;
    script = lua_gettop(L);
    if (lua_getmetatable(L, script)) return 0;
    if (lmk_get(L, script, KEY(K_ID)) != LUA_TSTRING) return 0;
    g->id[i] = lua_tolstring(L, -1, &len);
    if (!plain_id(g->id[i], len) || strlen(g->id[i]) != len) return 0;
    lua_pop(L, 1);
    lmk_get(L, script, KEY(K_DEPENDS));
    lmk_get(L, script, KEY(K_BRANCH_LABELS));
    if (!is_empty_list(L, -1) || !is_empty_list(L, -2)) return 0;
    lua_pop(L, 2);
    g->down_at[i] = ndown;
    lmk_get(L, script, KEY(K_DOWN));
    if (is_empty_list(L, -1)) nd = 0;
    else if (lua_type(L, -1) != LUA_TTABLE) return 0;  /* a string: build.lua copies it */
    else nd = (size_t)lua_rawlen(L, -1);
    for (j = 0; j < nd; j++) {
      if (ndown == cap) {
        size_t *p;
        cap = cap ? 2 * cap : g->n + 16;
        p = (size_t *)realloc(g->down, cap * sizeof *p);
        if (p == NULL) return 0;
        g->down = p;
      }
      /* a parent id for now; made an index once every id is known */
      if (lua_rawgeti(L, -1, (lua_Integer)j + 1) != LUA_TSTRING) return 0;
      g->down[ndown++] = (size_t)(uintptr_t)lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    if (nd > 0) {  /* what follows the last parent: nothing, or an odd list */
      if (lua_rawgeti(L, -1, (lua_Integer)nd + 1) != LUA_TNIL) return 0;
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  g->down_at[g->n] = ndown;
  return 1;
}

/* The same as read_scripts, from the ids and parents of the cache's
** records list (revrecords.h): no record is made. */
static int read_view (Graph *g, const RevRecordsView *v) {
  size_t i, j, ndown = v->down_at[v->n];
  for (i = 0; i < g->n; i++) {
    if (v->extra[i] || !plain_id(v->id[i], v->id_len[i]) || strlen(v->id[i]) != v->id_len[i]) return 0;
    g->id[i] = v->id[i];
    g->down_at[i] = v->down_at[i];
  }
  g->down_at[g->n] = ndown;
  g->down = (size_t *)malloc((ndown + 1) * sizeof *g->down);
  if (g->down == NULL) return 0;
  for (j = 0; j < ndown; j++) {
    if (strlen(v->down[j]) != v->down_len[j]) return 0;
    g->down[j] = (size_t)(uintptr_t)v->down[j];  /* an id for now, as in read_scripts */
  }
  return 1;
}

const RevRecordsView *lmrg_view_of (lua_State *L, int idx) {
  const RevRecordsView *v = NULL;
  if (lua_getmetatable(L, idx)) {
    if (lua_getfield(L, -1, RECORDS_VIEW_FIELD) == LUA_TLIGHTUSERDATA)
      v = (const RevRecordsView *)lua_touserdata(L, -1);
    lua_pop(L, 2);
  }
  return v != NULL && v->complete ? v : NULL;
}

/* Parents as indices, children lists. 0 on any fault (build.lua says it). */
static int link (Graph *g) {
  size_t i, j, k, total = g->down_at[g->n];
  size_t *fill;
  for (i = 0; i < g->n; i++)
    if (!add(g, i)) return 0;                              /* duplicate id */
  for (i = 0; i < g->n; i++) {
    for (j = g->down_at[i]; j < g->down_at[i + 1]; j++) {
      const char *pid = (const char *)(uintptr_t)g->down[j];
      size_t p = lmrg_find(g, pid);
      if (p == SIZE_MAX || p == i) return 0;                /* missing, itself */
      for (k = g->down_at[i]; k < j; k++) if (g->down[k] == p) return 0;  /* repeated */
      g->down[j] = p;
    }
  }
  memset(g->child_at, 0, (g->n + 1) * sizeof *g->child_at);
  for (j = 0; j < total; j++) g->child_at[g->down[j] + 1]++;
  for (i = 0; i < g->n; i++) g->child_at[i + 1] += g->child_at[i];
  fill = g->rank;  /* borrowed: the next free place of each node's children */
  for (i = 0; i < g->n; i++) fill[i] = g->child_at[i];
  for (i = 0; i < g->n; i++)
    for (j = g->down_at[i]; j < g->down_at[i + 1]; j++) g->child[fill[g->down[j]]++] = i;
  memset(g->rank, 0, g->n * sizeof *g->rank);
  return 1;
}

static int by_id (const void *a, const void *b, void *graph) {
  const Graph *g = (const Graph *)graph;
  return strcmp(g->id[*(const size_t *)a], g->id[*(const size_t *)b]);
}

void lmrg_sort_ids (const Graph *g, size_t *list, size_t n) {
  if (n > 1) qsort_r(list, n, sizeof *list, by_id, (void *)g);
}

/* build.lua's canonical order: a depth-first walk from each tip in
** ascending ids, parents in their listed order, a node numbered after its
** parents. tips: the heads (no node depends on another here). 0 when a
** cycle is met or a node is not reached (it lies on a cycle). */
static int order (Graph *g, const size_t *tips, size_t ntips, size_t *stack, size_t *next) {
  size_t t, count = 0;
  for (t = 0; t < ntips; t++) {
    size_t sp = 0;
    if (g->rank[tips[t]] != 0) continue;
    stack[0] = tips[t]; next[0] = g->down_at[tips[t]]; g->rank[tips[t]] = SIZE_MAX;
    while (1) {
      size_t n = stack[sp];
      if (next[sp] < g->down_at[n + 1]) {
        size_t p = g->down[next[sp]++];
        if (g->rank[p] == SIZE_MAX) return 0;               /* a cycle */
        if (g->rank[p] == 0) {
          sp++;
          stack[sp] = p; next[sp] = g->down_at[p]; g->rank[p] = SIZE_MAX;
        }
      }
      else {
        g->rank[n] = ++count;
        if (sp == 0) break;
        sp--;
      }
    }
  }
  return count == g->n;
}

/* revgraph.build(scripts, EMPTY) -> fields | nil */
static int rg_build (lua_State *L) {
  Graph g;
  const RevRecordsView *view;
  size_t i, n, nheads = 0, *heads, *stack, *next;
  int ok = 0;
  if (lua_type(L, 1) != LUA_TTABLE || lua_type(L, 2) != LUA_TTABLE) return 0;
  lua_settop(L, 2);
  lmk_push(L, KEY_NAMES, NKEYS);
  view = lmrg_view_of(L, 1);
  n = view != NULL ? view->n : (size_t)lua_rawlen(L, 1);
  if (n == 0) return 0;
  memset(&g, 0, sizeof g);
  g.n = n;
  for (g.nslots = 16; g.nslots < 2 * n; g.nslots *= 2) {}
  g.id = (const char **)malloc(n * sizeof *g.id);
  g.down_at = (size_t *)malloc((n + 1) * sizeof *g.down_at);
  g.child_at = (size_t *)malloc((n + 1) * sizeof *g.child_at);
  g.rank = (size_t *)malloc(n * sizeof *g.rank);
  g.slot = (size_t *)calloc(g.nslots, sizeof *g.slot);
  /* heads, the walk's stack and its cursors */
  heads = (size_t *)malloc(3 * n * sizeof *heads);
  if (g.id == NULL || g.down_at == NULL || g.child_at == NULL || g.rank == NULL || g.slot == NULL
      || heads == NULL || !(view != NULL ? read_view(&g, view) : read_scripts(L, &g))) goto done;
  lua_settop(L, KEY(NKEYS) - 1);
  g.child = (size_t *)malloc((g.down_at[n] + 1) * sizeof *g.child);
  if (g.child == NULL || !link(&g)) goto done;
  stack = heads + n; next = heads + 2 * n;
  for (i = 0; i < n; i++) if (g.child_at[i + 1] == g.child_at[i]) heads[nheads++] = i;
  lmrg_sort_ids(&g, heads, nheads);
  ok = order(&g, heads, nheads, stack, next);
done:
  free(heads);
  if (!ok) {
    lmrg_release(&g);
    lua_settop(L, KEY(NKEYS) - 1);
    return 0;
  }
  lmrg_push_fields(L, &g, 1, 2, view != NULL);  /* takes g's arrays */
  return 1;
}

static const luaL_Reg revgraph_funcs[] = {
  {"build", rg_build},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_revgraph (lua_State *L) {
  luaL_newlib(L, revgraph_funcs);
  return 1;
}
