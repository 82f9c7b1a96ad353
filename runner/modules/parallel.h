/*
** parallel.h: running a loop over many files on a few threads. Listing
** thousands of revisions is bound by the kernel's per-file work (stat,
** open, read), which two cores do in about half the time.
*/

#ifndef luamig_parallel_h
#define luamig_parallel_h

#include <stddef.h>

/* Does items first, first + stride, ... of a loop of n items. Must not
** touch a lua_State: it may run on another thread. */
typedef void (*lm_share_fn) (void *ctx, size_t first, size_t stride, size_t n);

/* Runs the loop on up to LM_PARALLEL_THREADS threads (no more than the
** online CPUs), this one included, when n is at least threaded_from;
** otherwise on this thread alone. A thread that cannot be started has its
** share done here, so every item is always done. */
#define LM_PARALLEL_THREADS 4
void lm_parallel_for (size_t n, size_t threaded_from, lm_share_fn fn, void *ctx);

#endif
