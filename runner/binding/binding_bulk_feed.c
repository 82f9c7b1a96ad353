/*
** binding_bulk_feed.c: LOAD DATA LOCAL INFILE, or SQLite's insert_rows, on
** a thread of its own. The driver runs the statement inside one call
** (driver.h's load_data, insert_rows) and asks a callback for the rows'
** bytes; run on the calling thread, the rows would have to be made inside
** that callback, so the Lua code making them (a bulk_insert's row
** function) could not run between two pieces, nor use the connection.
** Here the statement runs on a worker thread whose callback takes buffers
** that the Lua side fills and hands over (lmb_feed_push): the database
** stores the rows handed over while the next are made. Up to FEED_DEPTH
** buffers go back and forth: enough to hold what a stream's chunk of rows
** writes, so that the thread has work while the row function makes the
** next chunk, and few enough that memory stays flat.
**
** While the thread runs, it alone uses the connection: the binding ends
** the load (lmb_feed_finish, through settling) before any other call on
** the connection, as for queued statements.
*/

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"

/* Buffers in all (the writer's, those handed over, the reader's): 64 of
** 64 KiB hold 4 MiB, a chunk of 10,000 rows of a few hundred bytes. */
#define FEED_DEPTH 64

struct lmb_feed {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *full[FEED_DEPTH];  /* buffers handed over, oldest at `head` */
  size_t full_len[FEED_DEPTH];
  int head, nfull;
  char *spare[FEED_DEPTH];  /* buffers drained by the reader */
  int nspare;
  int made;            /* buffers allocated so far */
  size_t bufsize;
  int eof, abort;      /* the writer's word: no more buffers; give up */
  int finished;        /* load_data has returned */
  /* the reader's own (the thread's) */
  char *cur;
  size_t cur_len, cur_pos;
  /* the statement, and its outcome */
  const struct lm_driver *drv;
  void *handle;
  char *sql;
  size_t sql_len;
  int ncols;           /* insert_rows' values a row; 0: load_data */
  int rc;
  int64_t rows;
  unsigned int warnings;
  lm_error err;
};


/* load_data's producer, on the thread: bytes of the buffers handed over,
** 0 at the end, -1 when the writer gave up. */
static int produce (void *ud, char *buf, unsigned int cap) {
  lmb_feed *f = (lmb_feed *)ud;
  unsigned int written = 0;
  while (written < cap) {
    size_t take;
    if (f->cur == NULL || f->cur_pos == f->cur_len) {
      if (written > 0) break;  /* hand what there is before waiting */
      pthread_mutex_lock(&f->mu);
      if (f->cur != NULL) {  /* drained: back to the writer */
        f->spare[f->nspare++] = f->cur;
        f->cur = NULL;
        pthread_cond_broadcast(&f->cv);
      }
      while (f->nfull == 0 && !f->eof && !f->abort)
        pthread_cond_wait(&f->cv, &f->mu);
      if (f->abort) {
        pthread_mutex_unlock(&f->mu);
        return -1;
      }
      if (f->nfull == 0) {  /* the end of the file */
        pthread_mutex_unlock(&f->mu);
        return 0;
      }
      f->cur = f->full[f->head];
      f->cur_len = f->full_len[f->head];
      f->cur_pos = 0;
      f->full[f->head] = NULL;
      f->head = (f->head + 1) % FEED_DEPTH;
      f->nfull--;
      pthread_cond_broadcast(&f->cv);
      pthread_mutex_unlock(&f->mu);
    }
    take = f->cur_len - f->cur_pos;
    if (take > cap - written) take = cap - written;
    memcpy(buf + written, f->cur + f->cur_pos, take);
    f->cur_pos += take;
    written += (unsigned int)take;
  }
  return (int)written;
}


static void *run (void *ud) {
  lmb_feed *f = (lmb_feed *)ud;
  lm_error_clear(&f->err);
  if (f->ncols > 0)
    f->rc = f->drv->insert_rows(f->handle, f->sql, f->sql_len, f->ncols,
                                produce, f, &f->rows, &f->err);
  else
    f->rc = f->drv->load_data(f->handle, f->sql, f->sql_len, produce, f,
                              &f->rows, &f->warnings, &f->err);
  pthread_mutex_lock(&f->mu);
  f->finished = 1;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
  return NULL;
}


static void feed_free (lmb_feed *f) {
  int i;
  pthread_cond_destroy(&f->cv);
  pthread_mutex_destroy(&f->mu);
  for (i = 0; i < FEED_DEPTH; i++) free(f->full[i]);
  for (i = 0; i < f->nspare; i++) free(f->spare[i]);
  free(f->cur);
  free(f->sql);
  free(f);
}


/* Start `sql` on a new thread (ncols > 0: through insert_rows, with that
** many values a row); *first gets the writer's first buffer (of `bufsize`
** bytes). NULL, with err set, when that cannot be done. */
lmb_feed *lmb_feed_start (Conn *c, const char *sql, size_t len, int ncols,
                          size_t bufsize, char **first, lm_error *err) {
  sigset_t all, old;
  int rc;
  lmb_feed *f = (lmb_feed *)calloc(1, sizeof *f);
  if (f == NULL) {
    lm_error_set(err, 0, NULL, "bulk load: out of memory");
    return NULL;
  }
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cv, NULL);
  f->drv = c->drv;
  f->handle = c->handle;
  f->sql = (char *)malloc(len + 1);
  f->bufsize = bufsize;
  f->made = 1;
  *first = (char *)malloc(bufsize);
  if (f->sql == NULL || *first == NULL) {
    free(*first);
    *first = NULL;
    feed_free(f);
    lm_error_set(err, 0, NULL, "bulk load: out of memory");
    return NULL;
  }
  memcpy(f->sql, sql, len);
  f->sql[len] = '\0';
  f->sql_len = len;
  f->ncols = ncols;
  /* signals are the main thread's (the interrupt handler's) */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&f->thread, NULL, run, f);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    free(*first);
    *first = NULL;
    feed_free(f);
    lm_error_set(err, 0, NULL, "bulk load: cannot start a thread");
    return NULL;
  }
  return f;
}


/* Hand over *buf (`len` bytes) and get an empty buffer back in *buf: a
** drained one, a new one while fewer than FEED_DEPTH exist, else the next
** one the reader drains. LM_ERROR when the load is over already (the
** statement failed: finish tells why) or memory runs out; *buf then stays
** the writer's. */
int lmb_feed_push (lmb_feed *f, char **buf, size_t len) {
  char *next;
  pthread_mutex_lock(&f->mu);
  while (f->nspare == 0 && f->made == FEED_DEPTH && !f->finished)
    pthread_cond_wait(&f->cv, &f->mu);
  if (f->finished) {
    pthread_mutex_unlock(&f->mu);
    return LM_ERROR;
  }
  if (f->nspare > 0) next = f->spare[--f->nspare];
  else if ((next = (char *)malloc(f->bufsize)) != NULL) f->made++;
  else {
    pthread_mutex_unlock(&f->mu);
    return LM_ERROR;
  }
  f->full[(f->head + f->nfull) % FEED_DEPTH] = *buf;
  f->full_len[(f->head + f->nfull) % FEED_DEPTH] = len;
  f->nfull++;
  *buf = next;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
  return LM_OK;
}


/* End the file (or, with `abort`, give the load up: the statement fails),
** wait for the statement and free the feed: the statement's result, and
** in *rows the rows it stored (insert_rows: also when it failed). */
int lmb_feed_finish (lmb_feed *f, int abort, int64_t *rows,
                     unsigned int *warnings, lm_error *err) {
  int rc;
  pthread_mutex_lock(&f->mu);
  if (abort) f->abort = 1;
  else f->eof = 1;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
  pthread_join(f->thread, NULL);
  rc = f->rc;
  *rows = f->rows;
  *warnings = f->warnings;
  if (rc != LM_OK) *err = f->err;
  feed_free(f);
  return rc;
}
