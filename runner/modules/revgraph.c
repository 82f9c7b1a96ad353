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
** the definition) at a fraction of the cost. Anything else (a label, a
** dependency, a list given as a string, and every fault: a duplicate id, a
** missing parent, a cycle) makes build() return nothing, and build.lua
** does the whole work and says what is wrong, as before. A unit spec
** (spec/unit/revision/revgraph_spec.lua) builds graphs both ways and
** compares them.
**
**   revgraph.build(scripts, EMPTY) -> fields | nil
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

/* The fields read of a script and set on a node, as keys pushed once
** (fieldkeys.h) at index KEYS of rg_build's stack, in this order. */
enum { K_ID, K_DOWN, K_DEPENDS, K_BRANCH_LABELS, K_PATH, K_DOC, K_SCRIPT,
       K_CHILDREN, K_DEPENDENTS, K_LABELS, K_RANK, NKEYS };
static const char *const KEY_NAMES[NKEYS] = {
  "id", "down_revisions", "depends_on", "branch_labels", "path", "doc", "script",
  "children", "dependents", "labels", "rank"
};
#define KEYS 3   /* scripts at 1, EMPTY at 2, then the keys */
#define KEY(k) (KEYS + (k))

typedef struct Graph {
  size_t n;
  const char **id;      /* each script's id (alive: the scripts hold them) */
  size_t *down_at;      /* node i's parents: down[down_at[i] .. down_at[i+1]) */
  size_t *down;
  size_t *child_at;     /* node i's children: child[child_at[i] .. child_at[i+1]) */
  size_t *child;
  size_t *rank;         /* 0 not reached, SIZE_MAX on the walk's stack */
  size_t *slot;         /* the id hash: node index + 1, 0 empty */
  size_t nslots;
} Graph;

static void release (Graph *g) {
  free(g->id); free(g->down_at); free(g->down); free(g->child_at);
  free(g->child); free(g->rank); free(g->slot);
}

static uint64_t hash_of (const char *s) {
  uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* Index of the node with id s, or SIZE_MAX. */
static size_t find (const Graph *g, const char *s) {
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

/* Parents as indices, children lists. 0 on any fault (build.lua says it). */
static int link (Graph *g) {
  size_t i, j, k, total = g->down_at[g->n];
  size_t *fill;
  for (i = 0; i < g->n; i++)
    if (!add(g, i)) return 0;                              /* duplicate id */
  for (i = 0; i < g->n; i++) {
    for (j = g->down_at[i]; j < g->down_at[i + 1]; j++) {
      const char *pid = (const char *)(uintptr_t)g->down[j];
      size_t p = find(g, pid);
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

static void sort_ids (const Graph *g, size_t *list, size_t n) {
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

/* Pushes a list of node ids (indices into ids_idx's array), or EMPTY when n is 0. */
static void push_ids (lua_State *L, const size_t *list, size_t n, int ids_idx, int empty_idx) {
  size_t i;
  if (n == 0) { lua_pushvalue(L, empty_idx); return; }
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, ids_idx, (lua_Integer)list[i] + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Pushes a list of nodes (indices into nodes_idx's array). */
static void push_nodes (lua_State *L, const size_t *list, size_t n, int nodes_idx) {
  size_t i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, nodes_idx, (lua_Integer)list[i] + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* The fields table (build.lua's), from a linked and ordered graph. */
static void push_fields (lua_State *L, Graph *g, size_t *scratch, int empty_idx) {
  int ids_idx, nodes_idx, by_id_idx, order_idx;
  size_t i, nlist;
  lua_createtable(L, (int)g->n, 0);             /* ids, by list index */
  ids_idx = lua_gettop(L);
  for (i = 0; i < g->n; i++) {
    lua_rawgeti(L, 1, (lua_Integer)i + 1);
    lmk_get(L, lua_gettop(L), KEY(K_ID));
    lua_rawseti(L, ids_idx, (lua_Integer)i + 1);
    lua_pop(L, 1);
  }
  lua_createtable(L, (int)g->n, 0);             /* nodes, by list index */
  nodes_idx = lua_gettop(L);
  lua_createtable(L, 0, (int)g->n);             /* _nodes: id -> node */
  by_id_idx = lua_gettop(L);
  lua_createtable(L, (int)g->n, 0);             /* _order */
  order_idx = lua_gettop(L);
  for (i = 0; i < g->n; i++) {
    size_t nchild = g->child_at[i + 1] - g->child_at[i];
    int script, node;
    lua_rawgeti(L, 1, (lua_Integer)i + 1);     /* the script */
    script = lua_gettop(L);
    lua_createtable(L, 0, NKEYS);
    node = script + 1;
    lua_rawgeti(L, ids_idx, (lua_Integer)i + 1);
    lmk_set(L, node, KEY(K_ID));
    if (g->down_at[i + 1] == g->down_at[i]) lua_pushvalue(L, empty_idx);
    else lmk_get(L, script, KEY(K_DOWN));  /* clean: the script's own list */
    lmk_set(L, node, KEY(K_DOWN));
    lua_pushvalue(L, empty_idx);
    lmk_set(L, node, KEY(K_DEPENDS));
    lua_pushvalue(L, empty_idx);
    lmk_set(L, node, KEY(K_BRANCH_LABELS));
    lmk_get(L, script, KEY(K_PATH));
    lmk_set(L, node, KEY(K_PATH));
    lmk_get(L, script, KEY(K_DOC));
    lmk_set(L, node, KEY(K_DOC));
    lua_pushvalue(L, script);
    lmk_set(L, node, KEY(K_SCRIPT));
    memcpy(scratch, g->child + g->child_at[i], nchild * sizeof *scratch);
    sort_ids(g, scratch, nchild);
    push_ids(L, scratch, nchild, ids_idx, empty_idx);
    lmk_set(L, node, KEY(K_CHILDREN));
    lua_pushvalue(L, empty_idx);
    lmk_set(L, node, KEY(K_DEPENDENTS));
    lua_pushvalue(L, empty_idx);
    lmk_set(L, node, KEY(K_LABELS));
    lua_pushinteger(L, (lua_Integer)g->rank[i]);
    lmk_set(L, node, KEY(K_RANK));
    lua_pushvalue(L, -1);
    lua_rawseti(L, order_idx, (lua_Integer)g->rank[i]);
    lua_rawgeti(L, ids_idx, (lua_Integer)i + 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, by_id_idx);
    lua_rawseti(L, nodes_idx, (lua_Integer)i + 1);
    lua_pop(L, 1);                             /* the script */
  }
  lua_createtable(L, 0, 8);
  lua_pushvalue(L, by_id_idx);
  lua_setfield(L, -2, "_nodes");
  lua_pushvalue(L, order_idx);
  lua_setfield(L, -2, "_order");
  /* heads, bases, branch points, merge points: each sorted by id */
  nlist = 0;
  for (i = 0; i < g->n; i++) if (g->child_at[i + 1] == g->child_at[i]) scratch[nlist++] = i;
  sort_ids(g, scratch, nlist);
  push_nodes(L, scratch, nlist, nodes_idx);
  lua_setfield(L, -2, "_heads");
  nlist = 0;
  for (i = 0; i < g->n; i++) if (g->down_at[i + 1] == g->down_at[i]) scratch[nlist++] = i;
  sort_ids(g, scratch, nlist);
  push_nodes(L, scratch, nlist, nodes_idx);
  lua_setfield(L, -2, "_bases");
  nlist = 0;
  for (i = 0; i < g->n; i++) if (g->child_at[i + 1] - g->child_at[i] > 1) scratch[nlist++] = i;
  sort_ids(g, scratch, nlist);
  push_nodes(L, scratch, nlist, nodes_idx);
  lua_setfield(L, -2, "_branch_points");
  nlist = 0;
  for (i = 0; i < g->n; i++) if (g->down_at[i + 1] - g->down_at[i] > 1) scratch[nlist++] = i;
  sort_ids(g, scratch, nlist);
  push_nodes(L, scratch, nlist, nodes_idx);
  lua_setfield(L, -2, "_merge_points");
  lua_newtable(L);
  lua_setfield(L, -2, "_labels");
  lua_newtable(L);
  lua_setfield(L, -2, "_label_names");
}

/* revgraph.build(scripts, EMPTY) -> fields | nil */
static int rg_build (lua_State *L) {
  Graph g;
  size_t i, n, nheads = 0, *heads, *stack, *next, *scratch;
  int ok = 0;
  if (lua_type(L, 1) != LUA_TTABLE || lua_type(L, 2) != LUA_TTABLE) return 0;
  lua_settop(L, 2);
  lmk_push(L, KEY_NAMES, NKEYS);
  n = (size_t)lua_rawlen(L, 1);
  if (n == 0) return 0;
  memset(&g, 0, sizeof g);
  g.n = n;
  for (g.nslots = 16; g.nslots < 2 * n; g.nslots *= 2) {}
  g.id = (const char **)malloc(n * sizeof *g.id);
  g.down_at = (size_t *)malloc((n + 1) * sizeof *g.down_at);
  g.child_at = (size_t *)malloc((n + 1) * sizeof *g.child_at);
  g.rank = (size_t *)malloc(n * sizeof *g.rank);
  g.slot = (size_t *)calloc(g.nslots, sizeof *g.slot);
  /* heads, the walk's stack and its cursors, a list being sorted */
  heads = (size_t *)malloc(4 * n * sizeof *heads);
  if (g.id == NULL || g.down_at == NULL || g.child_at == NULL || g.rank == NULL || g.slot == NULL
      || heads == NULL || !read_scripts(L, &g)) goto done;
  lua_settop(L, KEY(NKEYS) - 1);
  g.child = (size_t *)malloc((g.down_at[n] + 1) * sizeof *g.child);
  if (g.child == NULL || !link(&g)) goto done;
  stack = heads + n; next = heads + 2 * n; scratch = heads + 3 * n;
  for (i = 0; i < n; i++) if (g.child_at[i + 1] == g.child_at[i]) heads[nheads++] = i;
  sort_ids(&g, heads, nheads);
  if (!order(&g, heads, nheads, stack, next)) goto done;
  push_fields(L, &g, scratch, 2);
  ok = 1;
done:
  release(&g);
  free(heads);
  if (!ok) { lua_settop(L, KEY(NKEYS) - 1); return 0; }
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
