/*
** small_alloc.h: the Lua allocator of the executable's release build
** (small_alloc.c).
*/

#ifndef luamig_small_alloc_h
#define luamig_small_alloc_h

#include <stddef.h>

/* A lua_Alloc: small blocks from free lists by size class, the rest from
** the C library. For one Lua state used by one thread. */
void *lm_small_alloc (void *ud, void *ptr, size_t osize, size_t nsize);

#endif
