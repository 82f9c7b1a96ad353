/*
** revgraph_lines.c: the lines of `luamig history` (every revision, newest
** first) written from a graph revgraph.c built, without making a node.
**
** `history` on 10,000 revisions spent half of its instructions making
** every node and every record (two Lua tables per revision) to print one
** line of each. The graph in C holds what a line shows but the doc: ids,
** parents, children, ranks; and the docs are in revcache's records list's
** view (revrecords.h) or in the scripts. So _history_text(current) writes
** the lines luamig.present.revisions' line() would write for the nodes of
** graph:history(), as one string, lines joined by "\n":
**
**   <parents> -> <id>[ (head)][ (branchpoint)][ (mergepoint)][ (current)], <doc>
**
** A graph built in C has no branch labels, so no label mark. `current` is
** a set of ids (the database's revisions). A doc that is neither a string,
** a number nor nil returns nothing: the caller's Lua formats the nodes and
** says what is wrong. spec/unit/revision/revgraph_spec.lua compares the
** two on graphs with every mark.
*/

#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "revgraph_nodes.h"
#include "revrecords.h"

/* Adds node i's doc; 0 when it is of a type a line cannot show. */
static int add_doc (lua_State *L, luaL_Buffer *b, const RevRecordsView *view, int scripts, size_t i) {
  int t;
  if (view != NULL) {
    luaL_addlstring(b, view->doc[i], view->doc_len[i]);
    return 1;
  }
  lua_rawgeti(L, scripts, (lua_Integer)i + 1);
  lua_pushliteral(L, "doc");
  t = lua_rawget(L, -2);  /* as the node takes it: a raw field of the script */
  lua_remove(L, -2);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 1;
  }
  if (t != LUA_TSTRING && t != LUA_TNUMBER) {
    lua_pop(L, 1);
    return 0;
  }
  luaL_addvalue(b);  /* a number as `..` writes it */
  return 1;
}

/* Whether the set at idx (a table, possibly empty) holds node i's id. */
static int in_set (lua_State *L, int set, const Graph *g, size_t i) {
  int in = lua_getfield(L, set, g->id[i]) != LUA_TNIL && lua_toboolean(L, -1);
  lua_pop(L, 1);
  return in;
}

/* _history_text(current) -> string | nil (a doc a line cannot show). */
int lmrg_history_text (lua_State *L) {
  const Nodes *z = (const Nodes *)lua_touserdata(L, lua_upvalueindex(1));
  const Graph *g = &z->g;
  const RevRecordsView *view;
  luaL_Buffer b;
  int scripts, any_current;
  size_t r, k;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);
  any_current = lua_next(L, 1) != 0;
  lua_settop(L, 1);
  lua_getiuservalue(L, lua_upvalueindex(1), UV_SCRIPTS);
  scripts = lua_gettop(L);
  view = lmrg_view_of(L, scripts);
  luaL_buffinit(L, &b);
  for (r = g->n; r > 0; r--) {
    size_t i = z->by_rank[r - 1];
    size_t nchild = g->child_at[i + 1] - g->child_at[i];
    size_t first = g->down_at[i], ndown = g->down_at[i + 1] - first;
    if (r < g->n) luaL_addchar(&b, '\n');
    if (ndown == 0) luaL_addstring(&b, "<base>");
    for (k = 0; k < ndown; k++) {
      if (k > 0) luaL_addstring(&b, ", ");
      luaL_addstring(&b, g->id[g->down[first + k]]);
    }
    luaL_addstring(&b, " -> ");
    luaL_addstring(&b, g->id[i]);
    if (nchild == 0) luaL_addstring(&b, " (head)");
    if (nchild > 1) luaL_addstring(&b, " (branchpoint)");
    if (ndown > 1) luaL_addstring(&b, " (mergepoint)");
    if (any_current && in_set(L, 1, g, i)) luaL_addstring(&b, " (current)");
    luaL_addstring(&b, ", ");
    if (!add_doc(L, &b, view, scripts, i)) return 0;
  }
  luaL_pushresult(&b);
  return 1;
}
