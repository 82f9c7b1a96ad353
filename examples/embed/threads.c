/*
** threads.c: several luamig environments used at the same time, one per
** thread (run by spec/integration/embed_spec.lua).
**
**   embed_threads MIGRATIONS DATABASE...
**
** Each DATABASE gets a thread with an environment of its own, which
** upgrades to head and downgrades to base ROUNDS times, then upgrades to
** head. A file named twice gets two threads on one database, which the
** migration lock serializes. Then prints, for each thread, how many
** progress lines its log callback received, and for each database the
** revision it is at; exits 0 when every call succeeded, else 1.
*/

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "luamig.h"

#define MAX_THREADS 16
#define ROUNDS 5

typedef struct job {
  const char *migrations;
  const char *database;
  char url[4096];
  int status;           /* the first failure's status, else LUAMIG_OK */
  char error[512];
  long upgrades_logged; /* "Running upgrade" lines this thread's callback got */
} job;


static void count_line (void *userdata, const char *line) {
  job *j = (job *)userdata;
  if (strncmp(line, "Running upgrade", 15) == 0) j->upgrades_logged++;
}


static int check (job *j, luamig_env *env, int status, const char *what) {
  if (status != LUAMIG_OK && j->status == LUAMIG_OK) {
    j->status = status;
    snprintf(j->error, sizeof j->error, "%s: %s", what,
             env != NULL ? luamig_last_error(env) : "out of memory");
  }
  return status == LUAMIG_OK;
}


static void *run (void *arg) {
  job *j = (job *)arg;
  int round;
  luamig_env *env = luamig_open(NULL, j->migrations, j->url);
  if (!check(j, env, env == NULL ? LUAMIG_FAILED : LUAMIG_OK, "open")) return NULL;
  if (!check(j, env, luamig_last_error(env)[0] == '\0' ? LUAMIG_OK : LUAMIG_BAD_INPUT, "open")) {
    luamig_close(env);
    return NULL;
  }
  luamig_set_log(env, count_line, j);
  for (round = 0; round < ROUNDS; round++) {
    if (!check(j, env, luamig_upgrade(env, "head"), "upgrade head")) break;
    if (!check(j, env, luamig_downgrade(env, "base"), "downgrade base")) break;
  }
  check(j, env, luamig_upgrade(env, "head"), "upgrade head");
  luamig_close(env);
  return NULL;
}


int main (int argc, char **argv) {
  pthread_t threads[MAX_THREADS];
  job jobs[MAX_THREADS];
  int n = argc - 2, i, failed = 0;
  if (n < 1 || n > MAX_THREADS) {
    fprintf(stderr, "usage: embed_threads MIGRATIONS DATABASE... (1 to %d)\n", MAX_THREADS);
    return 2;
  }
  for (i = 0; i < n; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].migrations = argv[1];
    jobs[i].database = argv[i + 2];
    snprintf(jobs[i].url, sizeof jobs[i].url, "sqlite:%s", argv[i + 2]);
  }
  for (i = 0; i < n; i++) {
    if (pthread_create(&threads[i], NULL, run, &jobs[i]) != 0) {
      fprintf(stderr, "embed_threads: cannot start thread %d\n", i + 1);
      return 1;
    }
  }
  for (i = 0; i < n; i++) pthread_join(threads[i], NULL);
  for (i = 0; i < n; i++) {
    job *j = &jobs[i];
    char head[256];
    luamig_env *env;
    if (j->status != LUAMIG_OK) {
      fprintf(stderr, "embed_threads: thread %d (%s): %s\n", i + 1, j->database, j->error);
      failed = 1;
      continue;
    }
    env = luamig_open(NULL, j->migrations, j->url);
    if (env == NULL || luamig_current(env, head, sizeof head) != LUAMIG_OK) {
      fprintf(stderr, "embed_threads: %s: %s\n", j->database, luamig_last_error(env));
      failed = 1;
    } else {
      printf("thread %d: %s at %s, %ld upgrade lines logged\n", i + 1, j->database,
             head, j->upgrades_logged);
    }
    luamig_close(env);
  }
  return failed;
}
