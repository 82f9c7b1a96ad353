/*
** driver_mysql.h: what the two files of the MySQL/MariaDB driver share
** (driver_mysql.c: connections, scripts, transactions and the driver
** table; driver_mysql_stmt.c: prepared statements and their results);
** nothing else includes it. Shared names start with lmy_ so that none
** clashes with a symbol of a library the executable links.
*/

#ifndef luamig_driver_mysql_h
#define luamig_driver_mysql_h

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "driver.h"

typedef struct my_side my_side;  /* driver_mysql_side.c */

typedef struct my_conn {
  MYSQL *db;
  int64_t last_id;  /* the last id a statement reported, as LAST_INSERT_ID() */
  lm_produce_fn produce;  /* the file of the LOAD DATA running, else NULL */
  void *produce_ud;
  lm_guard guard;   /* the transaction guard (driver.h): no backstop here,
                       since MySQL ends a transaction before any DDL */
  my_side *side;    /* the thread and second connection that cancel and
                       keep a heartbeat for this one */
} my_conn;

/* The shape of SQL text, as MySQL's lexer would cut it. */
typedef struct sql_shape {
  int params;         /* `?` outside literals, identifiers and comments */
  int statements;     /* statements that are more than blanks and comments */
  size_t first_end;   /* end of the first statement's text */
  size_t last_end;    /* end of the last statement's text */
} sql_shape;


/* driver_mysql.c */
int lmy_open (const char *const *keys, const char *const *values,
              MYSQL **out, lm_error *err);
int lmy_conn_error (MYSQL *db, lm_error *err);
int lmy_no_memory (lm_error *err);
int64_t lmy_affected_rows (my_ulonglong n);
void lmy_note_insert_id (my_conn *c, my_ulonglong id);
void lmy_shape_of (MYSQL *db, const char *sql, size_t len, sql_shape *sh);
int lmy_controls (MYSQL *db, const char *sql, size_t len, size_t *at,
                  size_t *n);
int lmy_guard_before (my_conn *c, const char *sql, size_t len, lm_error *err);

/* driver_mysql_stmt.c: the statement members of lm_driver_mysql */
int lmy_prepare (void *conn, const char *sql, size_t len, void **stmt,
                 lm_error *err);
int lmy_param_count (void *stmt);
int lmy_execute (void *stmt, int nparams, const lm_value *params,
                 int64_t *affected, lm_error *err);
int lmy_column_count (void *stmt);
const char *lmy_column_name (void *stmt, int i);
int lmy_fetch (void *stmt, lm_value *row, lm_error *err);
int lmy_stream (void *stmt, lm_error *err);
void lmy_reset (void *stmt);
void lmy_finalize (void *stmt);

/* driver_mysql_side.c: cancel and heartbeat (lm_driver's members) */
my_side *lmy_side_start (const char *const *keys, const char *const *values,
                         unsigned long thread_id, lm_error *err);
void lmy_side_stop (my_side *side);
int lmy_side_cancel (void *conn);
void lmy_side_settle (my_side *side);
int lmy_side_heartbeat (void *conn, const char *sql, size_t len,
                        double interval, lm_error *err);

#endif
