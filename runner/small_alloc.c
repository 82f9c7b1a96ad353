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
** Past the first HUGE_SLABS_FROM slabs, a slab is one huge page (see
** huge_slab): large runs take far fewer page faults.
**
** The memory of small blocks is reused, never returned to the system: a
** run's peak of small objects stays mapped until it exits. One Lua state,
** one thread (luamig's threads never touch the Lua state). The debug and
** sanitizer builds use the C library's allocator throughout, so that
** valgrind and AddressSanitizer see every Lua block on its own.
*/

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, madvise */
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "small_alloc.h"

#define GRAIN 16                        /* size classes: 16, 32, ... bytes */
#define SMALL_MAX 1024
#define NCLASSES (SMALL_MAX / GRAIN)
#define SLAB_SIZE (256 * 1024)
#define HUGE_SLAB_SIZE (2 * 1024 * 1024)  /* one huge page of x86-64 */
#define HUGE_SLABS_FROM 16                /* slabs before those are huge */

typedef struct FreeBlock { struct FreeBlock *next; } FreeBlock;

typedef struct Slab { struct Slab *next; } Slab;  /* at each slab's start */

static FreeBlock *free_list[NCLASSES];
static unsigned char *carve_at = NULL, *carve_end = NULL;  /* rest of the newest slab */
static Slab *slabs = NULL;  /* every malloc'ed slab, so that a leak checker sees them */
static size_t nslabs = 0;

/* A slab of HUGE_SLAB_SIZE bytes at an address aligned to that size,
** which the kernel is asked to back with one huge page; NULL when it
** cannot be mapped. A run that makes a heap of tens of megabytes (check
** on a thousand tables: 45 MB) otherwise takes a page fault per 4 KB
** touched, about a tenth of its time; small runs never get here, so that
** their memory stays as small as it was. */
static void *huge_slab (void) {
  size_t span = 2 * HUGE_SLAB_SIZE;
  unsigned char *p = (unsigned char *)mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *start;
  size_t head;
  if (p == MAP_FAILED) return NULL;
  start = (unsigned char *)(((uintptr_t)p + HUGE_SLAB_SIZE - 1) & ~(uintptr_t)(HUGE_SLAB_SIZE - 1));
  head = (size_t)(start - p);
  if (head > 0) munmap(p, head);
  munmap(start + HUGE_SLAB_SIZE, span - head - HUGE_SLAB_SIZE);
#ifdef MADV_HUGEPAGE
  madvise(start, HUGE_SLAB_SIZE, MADV_HUGEPAGE);  /* advice: without it, small pages */
#endif
  return start;
}

/* Starts a new slab to carve from; 0 when out of memory. */
static int new_slab (void) {
  unsigned char *p = NULL;
  size_t size = SLAB_SIZE;
  if (nslabs >= HUGE_SLABS_FROM && (p = (unsigned char *)huge_slab()) != NULL) size = HUGE_SLAB_SIZE;
  else {
    Slab *s = (Slab *)malloc(SLAB_SIZE);
    if (s == NULL) return 0;
    s->next = slabs;
    slabs = s;
    p = (unsigned char *)s;
  }
  nslabs++;
  carve_at = p + GRAIN;  /* keep blocks GRAIN-aligned */
  carve_end = p + size;
  return 1;
}

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
    if (!new_slab()) return NULL;
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
