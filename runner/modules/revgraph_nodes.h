/*
** revgraph_nodes.h: what the two files of luamig.revgraph share, and
** nothing else includes. revgraph.c reads the scripts into a Graph, links
** and orders it; revgraph_nodes.c turns the Graph into the graph's fields,
** whose nodes are made on first use.
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

#endif
