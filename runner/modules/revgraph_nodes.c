/*
** revgraph_nodes.c: the fields of a graph revgraph.c has linked and
** ordered, with nodes made on first use.
**
** Making every node's table up front was most of `luamig heads` on 10,000
** revisions (76 M of 194 M instructions), yet `heads` and `current` read a
** handful of nodes. So the graph (ids, parents, children, ranks) stays in
** C, in a userdata, and the fields' `_nodes` (id -> node) and `_order`
** (rank -> node) are tables whose __index hands out the node asked for,
** made once and kept (so nodes keep their identity: the graph's code keys
** sets by node); `_order` holds them all after its first read by rank.
** `#_order` is the number of revisions (__len), and pairs walks every
** node (__pairs); only next() sees no more than the nodes made so far. The
** heads, bases, branch and merge points are made at once.
**
** A node is build.lua's: the same fields, the script's own down_revisions
** list or EMPTY, the children's ids sorted. The graph keeps its own copy
** of the scripts list and of the ids, so a node made late is the one the
** list held when the graph was built; revcache's records list (whose
** records are made on first use too, and which nothing changes) is kept
** as it is.
*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "revgraph_nodes.h"


/* A node's fields, as strings in the UV_KEYS list (a key pushed once is a
** Lua string already: see fieldkeys.h). */
enum { K_ID, K_DOWN, K_DEPENDS, K_BRANCH_LABELS, K_PATH, K_DOC, K_SCRIPT,
       K_CHILDREN, K_DEPENDENTS, K_LABELS, K_RANK, NKEYS };
static const char *const KEY_NAMES[NKEYS] = {
  "id", "down_revisions", "depends_on", "branch_labels", "path", "doc", "script",
  "children", "dependents", "labels", "rank"
};

#define NODES_META "luamig.revgraph.nodes"

/* A field of a node is set as: push_key, then push its value, then
** lua_rawset (key first: no lua_rotate). */
static void push_key (lua_State *L, int keys, int k) {
  lua_rawgeti(L, keys, k + 1);
}

/* t[key k] = the value at stack index v. */
static void set_to (lua_State *L, int t, int keys, int k, int v) {
  push_key(L, keys, k);
  lua_pushvalue(L, v);
  lua_rawset(L, t);
}

/* Push t[key k]. */
static void get_key (lua_State *L, int t, int keys, int k) {
  lua_rawgeti(L, keys, k + 1);
  lua_rawget(L, t);
}

/* Pushes node i of the graph in userdata ud (an upvalue or a stack
** index), making it on first use. */
static void push_node (lua_State *L, int ud, size_t i) {
  Nodes *z = (Nodes *)lua_touserdata(L, ud);
  const Graph *g = &z->g;
  int base = lua_gettop(L), keys, scripts, empty, script, node;
  size_t j, nchild = g->child_at[i + 1] - g->child_at[i];
  luaL_checkstack(L, 16, "revision graph");
  lua_getiuservalue(L, ud, UV_BY_INDEX);                       /* base + 1 */
  if (lua_rawgeti(L, base + 1, (lua_Integer)i + 1) != LUA_TNIL) {
    lua_replace(L, base + 1);
    return;
  }
  lua_pop(L, 1);
  lua_getiuservalue(L, ud, UV_KEYS);    keys = base + 2;
  lua_getiuservalue(L, ud, UV_SCRIPTS); scripts = base + 3;
  lua_getiuservalue(L, ud, UV_EMPTY);   empty = base + 4;
  lua_geti(L, scripts, (lua_Integer)i + 1); script = base + 5;  /* revcache's list makes it */
  lua_createtable(L, 0, NKEYS);         node = base + 6;
  push_key(L, keys, K_ID);
  lua_pushstring(L, g->id[i]);
  lua_rawset(L, node);
  if (g->down_at[i + 1] == g->down_at[i]) set_to(L, node, keys, K_DOWN, empty);
  else {  /* clean: the script's own list */
    push_key(L, keys, K_DOWN);
    get_key(L, script, keys, K_DOWN);
    lua_rawset(L, node);
  }
  set_to(L, node, keys, K_DEPENDS, empty);
  set_to(L, node, keys, K_BRANCH_LABELS, empty);
  push_key(L, keys, K_PATH);
  get_key(L, script, keys, K_PATH);
  lua_rawset(L, node);
  push_key(L, keys, K_DOC);
  get_key(L, script, keys, K_DOC);
  lua_rawset(L, node);
  set_to(L, node, keys, K_SCRIPT, script);
  if (nchild == 0) set_to(L, node, keys, K_CHILDREN, empty);
  else {
    memcpy(z->scratch, g->child + g->child_at[i], nchild * sizeof *z->scratch);
    lmrg_sort_ids(g, z->scratch, nchild);
    push_key(L, keys, K_CHILDREN);
    lua_createtable(L, (int)nchild, 0);
    for (j = 0; j < nchild; j++) {
      lua_pushstring(L, g->id[z->scratch[j]]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawset(L, node);
  }
  set_to(L, node, keys, K_DEPENDENTS, empty);
  set_to(L, node, keys, K_LABELS, empty);
  push_key(L, keys, K_RANK);
  lua_pushinteger(L, (lua_Integer)g->rank[i]);
  lua_rawset(L, node);
  /* kept by index and by rank (not by id: see nodes_index) */
  lua_pushvalue(L, node);
  lua_rawseti(L, base + 1, (lua_Integer)i + 1);
  lua_getiuservalue(L, ud, UV_ORDER);
  lua_pushvalue(L, node);
  lua_rawseti(L, -2, (lua_Integer)g->rank[i]);
  lua_pushvalue(L, node);
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);
}

/* _nodes' __index(t, id): the node of that id, or nil. The node is not
** stored in _nodes: growing a hash table one key at a time to 10,000
** costs more than finding the id in the graph's own hash each time. */
static int nodes_index (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  size_t len, i;
  const char *id;
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  id = lua_tolstring(L, 2, &len);
  if (strlen(id) != len || (i = lmrg_find(&z->g, id)) == SIZE_MAX) return 0;
  push_node(L, lua_upvalueindex(1), i);
  return 1;
}

/* _order's __index(t, rank): the node of that rank, or nil. Whatever
** reads _order by rank walks it (ipairs, a loop to #_order): the first
** read makes every node, so that the walk reads a plain array. */
static int order_index (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  int isint;
  size_t r;
  lua_Integer rank = lua_tointegerx(L, 2, &isint);
  if (lua_type(L, 2) != LUA_TNUMBER || !isint || rank < 1 || (lua_Unsigned)rank > z->g.n) return 0;
  for (r = 0; r < z->g.n; r++) {
    push_node(L, lua_upvalueindex(1), z->by_rank[r]);
    lua_pop(L, 1);
  }
  lua_rawgeti(L, 1, rank);
  return 1;
}

/* _order's __len: the number of revisions. */
static int order_len (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  lua_pushinteger(L, (lua_Integer)z->g.n);
  return 1;
}

/* The iterators of __pairs: every node, made as it comes. _order's:
** (t, rank) -> rank + 1, its node; _nodes': (t, id) -> the id of the
** next rank, its node (in rank order). */
static int order_next (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  lua_Integer rank = luaL_checkinteger(L, 2) + 1;
  if (rank < 1 || (lua_Unsigned)rank > z->g.n) return 0;
  lua_pushinteger(L, rank);
  push_node(L, lua_upvalueindex(1), z->by_rank[rank - 1]);
  return 2;
}

static int nodes_next (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  size_t rank = 0, i;  /* the rank just past the key's */
  if (!lua_isnil(L, 2)) {
    const char *id = luaL_checkstring(L, 2);
    i = lmrg_find(&z->g, id);
    if (i == SIZE_MAX) return luaL_error(L, "invalid key to 'next'");
    rank = z->g.rank[i];
  }
  if (rank >= z->g.n) return 0;
  i = z->by_rank[rank];
  lua_pushstring(L, z->g.id[i]);
  push_node(L, lua_upvalueindex(1), i);
  return 2;
}

static int order_pairs (lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, order_next, 1);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

static int nodes_pairs (lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, nodes_next, 1);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

static int nodes_gc (lua_State *L) {
  Nodes *z = (Nodes *)lua_touserdata(L, 1);
  lmrg_release(&z->g);
  free(z->by_rank); z->by_rank = NULL;
  free(z->scratch); z->scratch = NULL;
  return 0;
}

/* Pushes the nodes of a list of indices (sorted by id here), as a table. */
static void push_list (lua_State *L, int ud, size_t *list, size_t n) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, ud);
  size_t i;
  lmrg_sort_ids(&z->g, list, n);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    push_node(L, ud, list[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Sets metatable {__index = index, __pairs = pairs, __len = len (unless
** NULL)} on the table on top, each a closure over userdata ud. */
static void set_proxy (lua_State *L, int ud, lua_CFunction index, lua_CFunction pairs, lua_CFunction len) {
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, pairs, 1);
  lua_setfield(L, -2, "__pairs");
  if (len != NULL) {
    lua_pushvalue(L, ud);
    lua_pushcclosure(L, len, 1);
    lua_setfield(L, -2, "__len");
  }
  lua_setmetatable(L, -2);
}

void lmrg_push_fields (lua_State *L, Graph *g, int scripts, int empty, int records_list) {
  size_t i, nlist, n = g->n, *list;
  int ud, k;
  Nodes *z;
  luaL_checkstack(L, 8, "revision graph");
  z = (Nodes *)lua_newuserdatauv(L, sizeof *z, NUV);
  ud = lua_gettop(L);
  z->g = *g;
  memset(g, 0, sizeof *g);
  z->by_rank = NULL;
  z->scratch = NULL;
  if (luaL_newmetatable(L, NODES_META)) {
    lua_pushcfunction(L, nodes_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, ud);
  z->by_rank = (size_t *)malloc(n * sizeof *z->by_rank);
  z->scratch = (size_t *)malloc(2 * n * sizeof *z->scratch);
  if (z->by_rank == NULL || z->scratch == NULL) luaL_error(L, "not enough memory for the revision graph");
  list = z->scratch + n;  /* the lists below; scratch[0 .. n) is push_node's */
  for (i = 0; i < n; i++) z->by_rank[z->g.rank[i] - 1] = i;
  lua_createtable(L, NKEYS, 0);
  for (k = 0; k < NKEYS; k++) {
    lua_pushstring(L, KEY_NAMES[k]);
    lua_rawseti(L, -2, k + 1);
  }
  lua_setiuservalue(L, ud, UV_KEYS);
  if (records_list) {  /* revcache's: no one changes it, and its view holds the ids */
    lua_pushvalue(L, scripts);
    lua_setiuservalue(L, ud, UV_SCRIPTS);
  } else {
    lua_createtable(L, (int)n, 0);          /* the scripts, as they are now */
    lua_createtable(L, (int)n, 0);          /* their ids, which g's point into */
    lua_pushliteral(L, "id");
    for (i = 0; i < n; i++) {
      lua_rawgeti(L, scripts, (lua_Integer)i + 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, -5, (lua_Integer)i + 1);
      lua_pushvalue(L, -2);
      lua_rawget(L, -2);
      lua_rawseti(L, -4, (lua_Integer)i + 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_setiuservalue(L, ud, UV_IDS);
    lua_setiuservalue(L, ud, UV_SCRIPTS);
  }
  lua_pushvalue(L, empty);
  lua_setiuservalue(L, ud, UV_EMPTY);
  lua_createtable(L, (int)n, 0);
  lua_setiuservalue(L, ud, UV_BY_INDEX);

  lua_createtable(L, 0, 8);                 /* the fields */
  lua_newtable(L);
  set_proxy(L, ud, nodes_index, nodes_pairs, NULL);
  lua_setfield(L, -2, "_nodes");
  lua_createtable(L, (int)n, 0);
  set_proxy(L, ud, order_index, order_pairs, order_len);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, ud, UV_ORDER);
  lua_setfield(L, -2, "_order");
  /* heads, bases, branch points, merge points: each sorted by id */
  nlist = 0;
  for (i = 0; i < n; i++) if (z->g.child_at[i + 1] == z->g.child_at[i]) list[nlist++] = i;
  push_list(L, ud, list, nlist);
  lua_setfield(L, -2, "_heads");
  nlist = 0;
  for (i = 0; i < n; i++) if (z->g.down_at[i + 1] == z->g.down_at[i]) list[nlist++] = i;
  push_list(L, ud, list, nlist);
  lua_setfield(L, -2, "_bases");
  nlist = 0;
  for (i = 0; i < n; i++) if (z->g.child_at[i + 1] - z->g.child_at[i] > 1) list[nlist++] = i;
  push_list(L, ud, list, nlist);
  lua_setfield(L, -2, "_branch_points");
  nlist = 0;
  for (i = 0; i < n; i++) if (z->g.down_at[i + 1] - z->g.down_at[i] > 1) list[nlist++] = i;
  push_list(L, ud, list, nlist);
  lua_setfield(L, -2, "_merge_points");
  lua_newtable(L);
  lua_setfield(L, -2, "_labels");
  lua_newtable(L);
  lua_setfield(L, -2, "_label_names");
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, lmrg_history_text, 1);
  lua_setfield(L, -2, "_history_text");
  lua_remove(L, ud);
}
