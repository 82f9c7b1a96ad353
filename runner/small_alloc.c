/*
** small_alloc.c: the Lua allocator of the luamig executable's release
** build (main.c): blocks of up to SMALL_MAX bytes come from free lists by
** size class, carved from slabs; larger ones from the C library.
**
** Why: a run over thousands of revisions makes and drops hundreds of
** thousands of small Lua objects (a table and its parts per revision
** record, per graph node, per list), and the C library's malloc/free cost
** about 15% of `luamig heads` on 10,000 revisions. Lua tells the allocator
** the size of every block it frees or resizes, so the free lists need no
** header on a block and a free is two stores.
**
** The memory of small blocks is reused, never returned to the system: a
** run's peak of small objects stays mapped until it exits. One Lua state,
** one thread (luamig's threads never touch the Lua state). The debug and
** sanitizer builds use the C library's allocator throughout, so that
** valgrind and AddressSanitizer see every Lua block on its own.
*/

#include <stdlib.h>
#include <string.h>

#include "small_alloc.h"

#define GRAIN 16                        /* size classes: 16, 32, ... bytes */
#define SMALL_MAX 1024
#define NCLASSES (SMALL_MAX / GRAIN)
#define SLAB_SIZE (256 * 1024)

typedef struct FreeBlock { struct FreeBlock *next; } FreeBlock;

typedef struct Slab { struct Slab *next; } Slab;  /* at each slab's start */

static FreeBlock *free_list[NCLASSES];
static unsigned char *carve_at = NULL, *carve_end = NULL;  /* rest of the newest slab */
static Slab *slabs = NULL;  /* every slab, so that a leak checker sees them */

static size_t class_of (size_t size) { return (size + GRAIN - 1) / GRAIN - 1; }

static void *small_new (size_t cls) {
  size_t size = (cls + 1) * GRAIN;
  FreeBlock *b = free_list[cls];
  if (b != NULL) {
    free_list[cls] = b->next;
    return b;
  }
  if ((size_t)(carve_end - carve_at) < size) {
    /* what is left of the old slab is too small for this class: it stays
    ** unused (at most SMALL_MAX - GRAIN bytes a slab) */
    Slab *s = (Slab *)malloc(SLAB_SIZE);
    if (s == NULL) return NULL;
    s->next = slabs;
    slabs = s;
    carve_at = (unsigned char *)s + GRAIN;  /* keep blocks GRAIN-aligned */
    carve_end = (unsigned char *)s + SLAB_SIZE;
  }
  carve_at += size;
  return carve_at - size;
}

static void small_free (void *ptr, size_t cls) {
  FreeBlock *b = (FreeBlock *)ptr;
  b->next = free_list[cls];
  free_list[cls] = b;
}

void *lm_small_alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
  int was_small = ptr != NULL && osize <= SMALL_MAX;
  void *np;
  (void)ud;
  if (ptr == NULL) osize = 0;  /* then osize is the kind of object, not a size */
  if (nsize == 0) {
    if (ptr == NULL) return NULL;
    if (was_small) small_free(ptr, class_of(osize));
    else free(ptr);
    return NULL;
  }
  if (nsize <= SMALL_MAX) {
    size_t cls = class_of(nsize);
    if (was_small && class_of(osize) == cls) return ptr;
    np = small_new(cls);
  }
  else if (ptr != NULL && !was_small)
    return realloc(ptr, nsize);
  else
    np = malloc(nsize);
  if (np == NULL) return NULL;  /* Lua keeps the old block */
  if (ptr != NULL) {
    memcpy(np, ptr, osize < nsize ? osize : nsize);
    if (was_small) small_free(ptr, class_of(osize));
    else free(ptr);
  }
  return np;
}
