/*
** driver_mysql_side.c: the side connection of a MySQL/MariaDB connection:
** a thread with a second connection to the same server that does for the
** first what the first cannot do while it waits for a statement:
**
**   - cancel (lm_driver.cancel): MySQL has no PQcancel, a statement is
**     stopped by KILL QUERY <id> sent on another connection, and nothing
**     of libmariadb may run in a signal handler. So the handler only
**     raises a flag and posts a semaphore (both async-signal-safe); this
**     thread wakes up and sends the KILL QUERY. The main connection's
**     next statement waits until it has been sent (lmy_side_settle): a
**     KILL QUERY still on its way when the interrupted statement had
**     ended would stop that next one, the rollback or the history row
**     that records the failure, instead (one that reaches an idle
**     connection is ignored by the server);
**   - heartbeat (lm_driver.heartbeat): the migration lock's row must be
**     renewed while the main connection spends minutes in one ALTER TABLE,
**     or other runs would take the lock over; the thread runs the renewing
**     UPDATE every few seconds, whatever the main connection does.
**
** The thread starts with the connection and sleeps on the semaphore; it
** opens its own connection only on first need (a run that is never
** interrupted and takes no lock never opens it). It blocks every signal,
** so that Ctrl-C reaches the main thread, whose system calls it must cut.
*/

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>

#include "driver.h"
#include "driver_mysql.h"

#define IDLE_WAIT 3600.0  /* seconds: no heartbeat, wake for a signal or stop */
#define SIDE_TIMEOUT "60" /* seconds: read and write limit of the side connection */

struct my_side {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t beaten;     /* a heartbeat run finished (hb_ran changed) */
  pthread_cond_t settled;    /* a KILL QUERY was sent (cancel_busy went 0) */
  sem_t wake;                /* cancel, a new heartbeat, stop */
  volatile sig_atomic_t cancel_wanted;
  unsigned long target;      /* the main connection's id, for KILL QUERY */
  char **keys, **values;     /* copies of the connection's parameters */
  MYSQL *db;                 /* the side connection: the thread's only */
  /* Under mu: */
  int stop;
  int cancel_busy;           /* taken cancel_wanted, KILL QUERY not sent yet */
  char *hb_sql;              /* NULL: no heartbeat */
  size_t hb_len;
  double hb_interval;
  unsigned long hb_gen;      /* bumped by every heartbeat call */
  unsigned long hb_ran;      /* the generation whose first run is over */
  int hb_failed;             /* a run of this generation failed */
  lm_error hb_err;           /* its first failure */
};


static double now_real (void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static void free_strings (char **a) {
  size_t i;
  if (a == NULL) return;
  for (i = 0; a[i] != NULL; i++) free(a[i]);
  free(a);
}


/* A copy of the NULL-terminated `a`, with `extra` (NULL-terminated too)
** after it. */
static char **copy_strings (const char *const *a, const char *const *extra) {
  size_t n = 0, m = 0, i;
  char **out;
  while (a[n] != NULL) n++;
  while (extra[m] != NULL) m++;
  out = (char **)calloc(n + m + 1, sizeof(char *));
  if (out == NULL) return NULL;
  for (i = 0; i < n + m; i++) {
    out[i] = strdup(i < n ? a[i] : extra[i - n]);
    if (out[i] == NULL) {
      free_strings(out);
      return NULL;
    }
  }
  return out;
}


static int has_key (const char *const *keys, const char *key) {
  size_t i;
  for (i = 0; keys[i] != NULL; i++)
    if (strcmp(keys[i], key) == 0) return 1;
  return 0;
}


/* The side connection, opened on first need and again after it broke. */
static int side_db (my_side *s, lm_error *err) {
  if (s->db != NULL) return LM_OK;
  return lmy_open((const char *const *)s->keys, (const char *const *)s->values,
                  &s->db, err);
}


/* Run `sql` on the side connection; *changed: the rows it changed. A
** broken connection is dropped, to be opened again next time. */
static int side_run (my_side *s, const char *sql, size_t len,
                     int64_t *changed, lm_error *err) {
  MYSQL_RES *res;
  unsigned int code;
  *changed = 0;
  if (side_db(s, err) != LM_OK) return LM_ERROR;
  if (mysql_real_query(s->db, sql, (unsigned long)len) == 0) {
    res = mysql_store_result(s->db);
    if (res != NULL) mysql_free_result(res);
    *changed = lmy_affected_rows(mysql_affected_rows(s->db));
    return LM_OK;
  }
  lmy_conn_error(s->db, err);
  code = mysql_errno(s->db);
  if (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST) {
    mysql_close(s->db);
    s->db = NULL;
  }
  return LM_ERROR;
}


static void send_cancel (my_side *s) {
  char sql[64];
  int64_t changed;
  lm_error err;
  int n = snprintf(sql, sizeof sql, "KILL QUERY %lu", s->target);
  /* Nobody to tell of a failure: the main connection's statement then
  ** runs to its end, as it would without a side connection. */
  (void)side_run(s, sql, (size_t)n, &changed, &err);
}


/* One run of the heartbeat of generation `gen` (sql is the thread's copy). */
static void beat (my_side *s, const char *sql, size_t len, unsigned long gen) {
  lm_error err;
  int64_t changed;
  int rc;
  lm_error_clear(&err);
  rc = side_run(s, sql, len, &changed, &err);
  if (rc == LM_OK && changed == 0)
    rc = lm_error_set(&err, 0, NULL, "the heartbeat changed no row");
  pthread_mutex_lock(&s->mu);
  if (gen == s->hb_gen) {
    if (rc != LM_OK && !s->hb_failed) {
      s->hb_failed = 1;
      s->hb_err = err;
    }
    s->hb_ran = gen;
    pthread_cond_broadcast(&s->beaten);
  }
  pthread_mutex_unlock(&s->mu);
}


static void wait_until (my_side *s, double when) {
  struct timespec ts;
  ts.tv_sec = (time_t)when;
  ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
  while (sem_timedwait(&s->wake, &ts) != 0 && errno == EINTR) {}
}


static void *side_main (void *arg) {
  my_side *s = (my_side *)arg;
  double next_beat = 0;
  unsigned long done_gen = 0;
  mysql_thread_init();
  for (;;) {
    char *sql = NULL;
    size_t len = 0;
    unsigned long gen = 0;
    double wake_at;
    if (s->cancel_wanted) {
      pthread_mutex_lock(&s->mu);
      s->cancel_busy = 1;
      s->cancel_wanted = 0;
      pthread_mutex_unlock(&s->mu);
      send_cancel(s);
      pthread_mutex_lock(&s->mu);
      s->cancel_busy = 0;
      pthread_cond_broadcast(&s->settled);
      pthread_mutex_unlock(&s->mu);
      continue;
    }
    pthread_mutex_lock(&s->mu);
    if (s->stop) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    wake_at = now_real() + IDLE_WAIT;
    if (s->hb_sql != NULL) {
      if (s->hb_gen != done_gen || now_real() >= next_beat) {
        gen = s->hb_gen;
        len = s->hb_len;
        sql = (char *)malloc(len);
        if (sql != NULL) memcpy(sql, s->hb_sql, len);
        next_beat = now_real() + s->hb_interval;
      }
      wake_at = next_beat;
    }
    pthread_mutex_unlock(&s->mu);
    if (gen != 0) {
      done_gen = gen;
      if (sql != NULL) beat(s, sql, len, gen);
      else {  /* out of memory: a failed run */
        lm_error err;
        lmy_no_memory(&err);
        pthread_mutex_lock(&s->mu);
        if (gen == s->hb_gen) {
          if (!s->hb_failed) { s->hb_failed = 1; s->hb_err = err; }
          s->hb_ran = gen;
          pthread_cond_broadcast(&s->beaten);
        }
        pthread_mutex_unlock(&s->mu);
      }
      free(sql);
      continue;
    }
    wait_until(s, wake_at);
  }
  if (s->db != NULL) mysql_close(s->db);
  s->db = NULL;
  mysql_thread_end();
  return NULL;
}


static void side_free (my_side *s) {
  free_strings(s->keys);
  free_strings(s->values);
  free(s->hb_sql);
  free(s);
}


my_side *lmy_side_start (const char *const *keys, const char *const *values,
                         unsigned long thread_id, lm_error *err) {
  sigset_t all, old;
  int rc, n = 0;
  const char *extra_keys[3] = { NULL, NULL, NULL };
  const char *extra_values[3] = { NULL, NULL, NULL };
  my_side *s = (my_side *)calloc(1, sizeof(*s));
  if (s == NULL) {
    lmy_no_memory(err);
    return NULL;
  }
  /* The side connection's statements are short (KILL QUERY, one UPDATE):
  ** a time limit, unless the URL gives one, so that a server that stopped
  ** answering cannot hold up close() for ever. */
  if (!has_key(keys, "read_timeout")) {
    extra_keys[n] = "read_timeout";
    extra_values[n++] = SIDE_TIMEOUT;
  }
  if (!has_key(keys, "write_timeout")) {
    extra_keys[n] = "write_timeout";
    extra_values[n++] = SIDE_TIMEOUT;
  }
  s->target = thread_id;
  s->keys = copy_strings(keys, extra_keys);
  s->values = copy_strings(values, extra_values);
  if (s->keys == NULL || s->values == NULL) {
    side_free(s);
    lmy_no_memory(err);
    return NULL;
  }
  if (sem_init(&s->wake, 0, 0) != 0) {
    side_free(s);
    lm_error_set(err, 0, NULL, "mysql: sem_init: %s", strerror(errno));
    return NULL;
  }
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->beaten, NULL);
  pthread_cond_init(&s->settled, NULL);
  /* The thread inherits the mask: every signal stays with the others. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&s->thread, NULL, side_main, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    pthread_cond_destroy(&s->settled);
    pthread_cond_destroy(&s->beaten);
    pthread_mutex_destroy(&s->mu);
    sem_destroy(&s->wake);
    side_free(s);
    lm_error_set(err, 0, NULL, "mysql: cannot start a thread: %s", strerror(rc));
    return NULL;
  }
  return s;
}


void lmy_side_stop (my_side *s) {
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_mutex_unlock(&s->mu);
  sem_post(&s->wake);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->settled);
  pthread_cond_destroy(&s->beaten);
  pthread_mutex_destroy(&s->mu);
  sem_destroy(&s->wake);
  side_free(s);
}


/* From a signal handler: a flag and sem_post only. */
int lmy_side_cancel (void *conn) {
  my_side *s = ((my_conn *)conn)->side;
  s->cancel_wanted = 1;
  return sem_post(&s->wake) == 0 ? LM_OK : LM_ERROR;
}


/* Before each statement of the main connection: wait until a cancel that
** a signal asked for has been sent, so that it cannot reach this statement
** (see the top). The side thread takes a flag raised at any time: it is
** woken by the handler's sem_post, and sets cancel_busy before clearing
** the flag, under mu, so that one of the two is seen until it is done. */
void lmy_side_settle (my_side *s) {
  pthread_mutex_lock(&s->mu);
  while (s->cancel_wanted || s->cancel_busy)
    pthread_cond_wait(&s->settled, &s->mu);
  pthread_mutex_unlock(&s->mu);
}


int lmy_side_heartbeat (void *conn, const char *sql, size_t len,
                        double interval, lm_error *err) {
  my_side *s = ((my_conn *)conn)->side;
  char *copy = NULL;
  int failed;
  if (sql != NULL) {
    if (!(interval >= 0.1 && interval <= 86400))
      return lm_error_misuse(err, "heartbeat interval must be from 0.1 to "
                             "86400 seconds");
    copy = (char *)malloc(len > 0 ? len : 1);
    if (copy == NULL) return lmy_no_memory(err);
    memcpy(copy, sql, len);
  }
  pthread_mutex_lock(&s->mu);
  failed = s->hb_sql != NULL && s->hb_failed;
  if (failed) *err = s->hb_err;
  free(s->hb_sql);
  s->hb_sql = copy;
  s->hb_len = len;
  s->hb_interval = interval;
  s->hb_gen++;
  s->hb_failed = 0;
  if (sql == NULL) {
    pthread_mutex_unlock(&s->mu);
    return failed ? LM_ERROR : LM_OK;
  }
  /* The first run at once, and its outcome is the call's. */
  sem_post(&s->wake);
  while (s->hb_ran != s->hb_gen) pthread_cond_wait(&s->beaten, &s->mu);
  failed = s->hb_failed;
  if (failed) {
    *err = s->hb_err;
    free(s->hb_sql);
    s->hb_sql = NULL;
    s->hb_gen++;
  }
  pthread_mutex_unlock(&s->mu);
  return failed ? LM_ERROR : LM_OK;
}
