/*
** revgraph_nodes.h: what the files of luamig.revgraph share, and nothing
** else includes. revgraph.c reads the scripts into a Graph, links and
** orders it; revgraph_nodes.c turns the Graph into the graph's fields,
** whose nodes are made on first use; revgraph_lines.c writes history's
** lines from the Graph, making no node.
*/

#ifndef luamig_revgraph_nodes_h
#define luamig_revgraph_nodes_h

#include <stddef.h>

#include "lua.h"

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

/* The userdata of a graph's fields (revgraph_nodes.c makes it). */
typedef struct Nodes {
  Graph g;
  size_t *by_rank;   /* node index of each rank - 1 */
  size_t *scratch;   /* a children list being sorted */
} Nodes;

/* Its user values: the scripts (or revcache's records list), their ids
** (unless the records list's view holds them), EMPTY, the nodes' keys,
** the nodes made by index, _order. */
enum { UV_IDS = 1, UV_SCRIPTS, UV_EMPTY, UV_KEYS, UV_BY_INDEX, UV_ORDER, NUV = UV_ORDER };

/* Index of the node with id s, or SIZE_MAX. */
size_t lmrg_find (const Graph *g, const char *s);

/* Sorts a list of node indices by id. */
void lmrg_sort_ids (const Graph *g, size_t *list, size_t n);

/* Frees g's arrays (and leaves g empty). */
void lmrg_release (Graph *g);

/* Pushes the fields table of a linked and ordered graph (build.lua's
** fields). Takes g's arrays (g is left empty); scripts and empty are the
** stack indices of the scripts list and of EMPTY. records_list: scripts
** is revcache's list of records (revrecords.h), which keeps g's ids. */
void lmrg_push_fields (lua_State *L, Graph *g, int scripts, int empty, int records_list);

/* The complete view (revrecords.h) of the records list at idx, or NULL
** (a plain list of scripts). */
const struct RevRecordsView *lmrg_view_of (lua_State *L, int idx);

/* revgraph_lines.c: the graph's _history_text(current), a closure over
** the fields' userdata. */
int lmrg_history_text (lua_State *L);

#endif
