/*
** driver_mysql.h: what the files of the MySQL/MariaDB driver share
** (driver_mysql.c: connecting, errors and the driver table;
** driver_mysql_txn.c: scripts, transactions and the guard;
** driver_mysql_stmt.c: preparing and running statements;
** driver_mysql_result.c: their results; driver_mysql_side.c: cancel and
** heartbeat; driver_mysql_pipeline.c: queued statements, sent in bulk
** (driver_mysql_batch.c) or as SQL text (driver_mysql_text.c)); nothing
** else includes it.
** Shared names start with lmy_ so that none clashes with a symbol of a
** library the executable links.
*/

#ifndef luamig_driver_mysql_h
#define luamig_driver_mysql_h

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "driver.h"

typedef struct my_side my_side;  /* driver_mysql_side.c */
typedef struct my_queue my_queue;  /* driver_mysql_pipeline.c */

typedef struct my_conn {
  MYSQL *db;
  int64_t last_id;  /* the last id a statement reported, as LAST_INSERT_ID() */
  lm_produce_fn produce;  /* the file of the LOAD DATA running, else NULL */
  void *produce_ud;
  lm_guard guard;   /* the transaction guard (driver.h): no backstop here,
                       since MySQL ends a transaction before any DDL */
  my_side *side;    /* the thread and second connection that cancel and
                       keep a heartbeat for this one */
  my_queue *queue;  /* the statements queued (driver.h's queue), NULL
                       until the first */
  int begin_held;   /* begin was called and its START TRANSACTION not
                       sent yet (driver_mysql_txn.c) */
} my_conn;

/* The shape of SQL text, as MySQL's lexer would cut it. */
typedef struct sql_shape {
  int params;         /* `?` outside literals, identifiers and comments */
  int statements;     /* statements that are more than blanks and comments */
  size_t first_end;   /* end of the first statement's text */
  size_t last_end;    /* end of the last statement's text */
} sql_shape;


/*
** A statement, and the columns of its result: driver_mysql_stmt.c
** prepares and runs it, driver_mysql_result.c describes its result and
** fetches the rows; both read and fill these, hence here.
*/

/* How a result column is fetched and given to the caller. */
enum my_kind { K_INT, K_DOUBLE, K_BIT, K_TEXT, K_BLOB, K_DECIMAL };

typedef struct my_col {
  int kind;               /* enum my_kind */
  int is_unsigned;        /* K_INT: UNSIGNED */
  size_t name;            /* offset of the name in my_stmt.names */
  long long i;            /* K_INT value (binary protocol) */
  double f;               /* K_DOUBLE value (binary protocol) */
  char *buf;              /* bytes of the other kinds (binary protocol) */
  unsigned long cap;      /* size of buf */
  unsigned long length;   /* bytes of the value */
  my_bool is_null;
  my_bool truncated;
  char digits[24];        /* an unsigned value above INT64_MAX, as text */
} my_col;

typedef union my_param {  /* storage of a bound number */
  long long i;
  double f;
  signed char b;
} my_param;

typedef struct my_stmt {
  my_conn *conn;
  MYSQL_STMT *st;         /* NULL: a text-protocol statement */
  char *sql;              /* the statement (text protocol: what runs) */
  unsigned long len;
  int nparams;
  MYSQL_BIND *pbind;      /* nparams parameter binds and their storage */
  my_param *pval;
  unsigned long *plen;
  MYSQL_RES *res;         /* text protocol: the stored result */
  char *names;            /* the column names, NUL-terminated, kept until
                             the next execute (libmariadb's go with the
                             rows, or with the next result of a CALL) */
  size_t namecap;
  int ncols;              /* columns of the current result, 0 for none */
  int colcap;             /* size of cols and rbind */
  my_col *cols;
  MYSQL_BIND *rbind;      /* binary protocol: the result binds */
  int active;             /* rows may remain to fetch */
  int streaming;          /* results through a server-side cursor */
  int stale;              /* st failed: prepare it again before it runs
                             (driver_mysql_stmt.c, prepare_again) */
  char *control;          /* the statement's text when it starts or ends a
                             transaction (driver.h, guard), else NULL */
  size_t control_len;
  int queue_mode;         /* driver_mysql_pipeline.c: how queue runs it */
  size_t *marks;          /* driver_mysql_text.c: where its `?` are in sql */
  int marks_backslash;    /* the escaping they were found with, 1 or 0 */
} my_stmt;


/* driver_mysql.c: connecting (the side connection's too) and the errors
** every file reports: a connection's, a statement's, no memory. The
** server's status flags (SERVER_STATUS_*, 0 when unknown) tell connecting
** whether autocommit is on, the SQL's shape whether backslashes escape,
** transactions whether one is open, and a statement whether it may run
** again after a deadlock (lmy_retry_deadlock). */
int lmy_open (const char *const *keys, const char *const *values,
              MYSQL **out, lm_error *err);
int lmy_conn_error (MYSQL *db, lm_error *err);
int lmy_stmt_error (MYSQL_STMT *st, lm_error *err);
int lmy_no_memory (lm_error *err);
unsigned int lmy_server_status (MYSQL *db);
int lmy_retry_deadlock (unsigned int status_before, const lm_error *err,
                        int tries);
int64_t lmy_affected_rows (my_ulonglong n);
void lmy_note_insert_id (my_conn *c, my_ulonglong id);

/* driver_mysql_txn.c: the SQL's shape and the guard's check, which
** statements use too; the members of lm_driver_mysql that run text on
** the connection */
void lmy_shape_of (MYSQL *db, const char *sql, size_t len, sql_shape *sh);
void lmy_placeholders (const char *sql, size_t len, int backslash,
                       size_t *marks);
int lmy_controls (MYSQL *db, const char *sql, size_t len, size_t *at,
                  size_t *n);
int lmy_guard_before (my_conn *c, const char *sql, size_t len, lm_error *err);
int lmy_exec_script (void *conn, const char *sql, size_t len,
                     int64_t *affected, lm_error *err);
int lmy_guard (void *conn, int on, int *rolled_back, lm_error *err);
int lmy_begin (void *conn, lm_error *err);
int lmy_begin_send (my_conn *c, lm_error *err);
int lmy_query_held (my_conn *c, const char *sql, size_t len, int *prefixed,
                    lm_error *err);
#define LMY_BEGIN_SQL "START TRANSACTION;"  /* in front of a multi-statement
                                              query */
#define LMY_BEGIN_LEN (sizeof(LMY_BEGIN_SQL) - 1)
int lmy_commit (void *conn, lm_error *err);
int lmy_rollback (void *conn, lm_error *err);
int lmy_in_transaction (void *conn);
int lmy_load_data (void *conn, const char *sql, size_t len,
                   lm_produce_fn produce, void *ud, int64_t *rows,
                   unsigned int *warnings, lm_error *err);

/* driver_mysql_stmt.c: the statement members of lm_driver_mysql */
int lmy_prepare (void *conn, const char *sql, size_t len, void **stmt,
                 lm_error *err);
int lmy_param_count (void *stmt);
int lmy_execute (void *stmt, int nparams, const lm_value *params,
                 int64_t *affected, lm_error *err);
int lmy_stream (void *stmt, lm_error *err);
void lmy_finalize (void *stmt);

/* driver_mysql_result.c: the result members of lm_driver_mysql, and what
** executing a statement (driver_mysql_stmt.c) does to its result: take
** its columns, bind them (binary protocol), end it, forget it */
int lmy_column_count (void *stmt);
const char *lmy_column_name (void *stmt, int i);
int lmy_fetch (void *stmt, lm_value *row, lm_error *err);
void lmy_reset (void *stmt);
int lmy_describe_result (my_stmt *s, MYSQL_RES *meta, lm_error *err);
int lmy_bind_result (my_stmt *s, lm_error *err);
void lmy_finish (my_stmt *s);
void lmy_clear_result (my_stmt *s);

/* driver_mysql_pipeline.c: queue, sync and sync_commit (lm_driver's
** members), and what closing a connection frees */
int lmy_queue (void *stmt, int nparams, const lm_value *params,
               lm_error *err);
int lmy_sync (void *conn, int64_t *affected, int64_t *failed, lm_error *err);
int lmy_sync_commit (void *conn, int64_t *affected, int64_t *failed,
                     lm_error *err);
int lmy_fetch_ahead (void *stmt);
void lmy_queue_free (my_queue *q);

/* driver_mysql_batch.c: the bulk batch of the queue, rows of one
** statement for one bulk execution (at most LMY_BATCH_ROWS: the binding
** syncs every 1000 queued statements anyway) */
#define LMY_BATCH_ROWS 1000
typedef struct my_batch my_batch;
my_batch *lmy_batch_new (void);
void lmy_batch_free (my_batch *b);
my_stmt *lmy_batch_stmt (const my_batch *b);
int lmy_batch_rows (const my_batch *b);
int lmy_batch_fits (const my_batch *b, const my_stmt *s,
                    const lm_value *params, size_t max_bytes);
int lmy_batch_add (my_batch *b, my_stmt *s, const lm_value *params);
const lm_value *lmy_batch_row (my_batch *b, int r);
MYSQL_BIND *lmy_batch_binds (my_batch *b);
void lmy_batch_clear (my_batch *b);

/* driver_mysql_text.c: a queued statement written as SQL text, its
** values as literals, for a multi-statement query */
int lmy_render (my_stmt *s, const lm_value *params, char **buf,
                size_t *len, size_t *cap);
int lmy_append_sql (const char *sql, size_t n, char **buf, size_t *len,
                    size_t *cap);
size_t lmy_render_size (const my_stmt *s, const lm_value *params);

/* driver_mysql_side.c: cancel and heartbeat (lm_driver's members) */
my_side *lmy_side_start (const char *const *keys, const char *const *values,
                         unsigned long thread_id, lm_error *err);
void lmy_side_stop (my_side *side);
int lmy_side_cancel (void *conn);
void lmy_side_settle (my_side *side);
int lmy_side_heartbeat (void *conn, const char *sql, size_t len,
                        double interval, lm_error *err);

#endif
