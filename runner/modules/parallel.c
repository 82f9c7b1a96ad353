/*
** parallel.c: lm_parallel_for (see parallel.h).
*/

#include <pthread.h>
#include <unistd.h>

#include "parallel.h"

typedef struct Share {
  lm_share_fn fn;
  void *ctx;
  size_t first, stride, n;
} Share;

static void *run_share (void *arg) {
  Share *sh = (Share *)arg;
  sh->fn(sh->ctx, sh->first, sh->stride, sh->n);
  return NULL;
}

void lm_parallel_for (size_t n, size_t threaded_from, lm_share_fn fn, void *ctx) {
  pthread_t threads[LM_PARALLEL_THREADS];
  Share shares[LM_PARALLEL_THREADS];
  size_t i, nthreads = 1, started = 0;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (n >= threaded_from && cpus > 1)
    nthreads = cpus < LM_PARALLEL_THREADS ? (size_t)cpus : LM_PARALLEL_THREADS;
  for (i = 0; i < nthreads; i++) {
    shares[i].fn = fn;
    shares[i].ctx = ctx;
    shares[i].first = i;
    shares[i].stride = nthreads;
    shares[i].n = n;
  }
  for (i = 1; i < nthreads; i++) {  /* share 0 is this thread's */
    if (pthread_create(&threads[i], NULL, run_share, &shares[i]) != 0) break;
    started = i;
  }
  run_share(&shares[0]);
  for (i = started + 1; i < nthreads; i++) run_share(&shares[i]);  /* not started */
  for (i = 1; i <= started; i++) pthread_join(threads[i], NULL);
}
