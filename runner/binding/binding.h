/*
** binding.h: what the files of the Lua binding of every driver (module
** luamig.driver, API in docs/internals.md) share; nothing else includes
** it. Each function is described where it is defined. Shared names start
** with lmb_ so that none clashes with a symbol of a library the
** executable links.
**
** Objects and their lifetimes:
**   Connection  owns a driver connection and a list of its open statements;
**               closing it finalizes them.
**   Statement   a prepared statement; its first user value is its
**               connection (kept alive), its second the row buffer, its
**               third the SQL (conn:prepare's: what a failed queued
**               statement's message shows).
**   Cursor      reads the result of one execute of a statement (the first
**               user value); conn:rows makes a private statement that the
**               cursor closes with itself.
** Every object is created closed, then acquires its resource, then is
** marked open; __gc and __close share one function; close() twice is
** harmless; any other method on a closed object raises.
** A cursor is alive while its statement is open and still reading the
** result the cursor started: executing the statement again, or closing it
** (or its connection), closes the cursor.
*/

#ifndef luamig_binding_h
#define luamig_binding_h

#include <stddef.h>
#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"

#include "drivers/driver.h"

#define LMB_NSMALL 16  /* parameters converted into an array on the C
                          stack; more go to a userdata */
#define LMB_PREFETCH_MAX 16  /* queries one conn:prefetch sends ahead */

typedef struct Stmt Stmt;
typedef struct Cursor Cursor;
typedef struct lmb_load lmb_load;   /* an open bulk load (binding_bulk.c) */

#define CONN_MT "luamig.Connection"  /* the Connection objects' metatable */

/* Shared because a statement reaches its driver and the other statements
** of its connection through it. The pipeline's fields are
** binding_pipeline.c's: the statements queued (stmt:queue) and not yet
** settled are noted in a log, the connection's user value, so that a
** failure found later can say which statement it was. */
typedef struct Conn {
  const struct lm_driver *drv;
  void *handle;          /* NULL when closed */
  Stmt *stmts;           /* open statements */
  int decimal_numbers;   /* statements prepared now read DECIMAL as numbers */
  int queued;            /* statements in the log: queued and not synced,
                            or the ones a failed sync was about */
  int logtop;            /* the log's next free slot */
  size_t queued_bytes;   /* bytes of SQL and values queued since the sync */
  int64_t affected;      /* rows changed by the statements settled since the
                            last conn:sync */
  int failed;            /* a sync failed and no call has said so yet: */
  int failed_entry;      /* the failing statement's position in the log */
  lm_error failure;      /* and its error */
  /* The bulk load (COPY, LOAD DATA) left open between two conn:bulk_rows,
  ** NULL when none: the other pending state that settling finishes
  ** (binding_bulk.c). Never open together with queued statements. */
  lmb_load *load;
  int64_t load_rows;     /* rows loaded by the loads ended since the last */
  unsigned int load_warnings;  /* conn:bulk_end, and their warnings */
} Conn;

/* failed_entry when the failure is an open bulk load's, not a queued
** statement's */
#define LMB_LOAD_FAILED (-1)

/* Nothing queued, no bulk load open and no failure to tell: a call may go
** ahead. */
#define LMB_SETTLED(c) ((c)->queued == 0 && !(c)->failed && (c)->load == NULL)


/* An object kind (Connection, Statement, Cursor): what binding.c needs to
** give it the lifetime above in one place. __gc, __close and the close
** method (lmb_close) call `release`; __tostring says "<name> (closed)",
** or "<name> (<tag>, <address>)" for an open one ("<name> (<address>)"
** when `tag` is NULL). */
typedef struct lmb_kind {
  const char *name;                   /* the metatable's name */
  const char *noun;                   /* "attempt to use a closed <noun>" */
  int (*is_open) (void *obj);
  void (*release) (void *obj);        /* close; harmless when closed */
  const char *(*tag) (void *obj);     /* NULL, or what tostring shows */
} lmb_kind;

/* binding.c: the module, and what every kind shares */
void lmb_create_meta (lua_State *L, const char *name, const luaL_Reg *meta,
                      const luaL_Reg *methods);
void lmb_create_kind (lua_State *L, const lmb_kind *kind,
                      const luaL_Reg *methods);
void *lmb_new_object (lua_State *L, const lmb_kind *kind, size_t size,
                      int nuv, int owner);
void *lmb_check_open (lua_State *L, const lmb_kind *kind);
int lmb_close (lua_State *L);

/* binding_connection.c: Connection objects */
void lmb_open_connections (lua_State *L);

/* How conn:query/first and stmt:query/first read a result: it pushes the
** call's results (lmb_collect_rows, lmb_first_row). */
typedef int (*lmb_reader) (lua_State *L, Stmt *s, lm_error *err);

/* binding_statement.c: Statement objects (their insides are in
** binding_statement.h) */
void lmb_open_statements (lua_State *L);
Stmt *lmb_new_stmt (lua_State *L, int connidx);
int lmb_stmt_prepare (Conn *c, Stmt *s, const char *sql, size_t len,
                      lm_error *err);
int lmb_stmt_run (lua_State *L, int si, Stmt *s, int n,
                  const lm_value *vals, int close_on_raise,
                  int64_t *affected, lm_error *err);
void lmb_stmt_release (Stmt *s);
Stmt *lmb_check_stmt (lua_State *L);
/* Stream the statement's results where the driver can (rows()). */
int lmb_stmt_stream (Stmt *s, lm_error *err);
int lmb_collect_rows (lua_State *L, Stmt *s, lm_error *err);
int lmb_first_row (lua_State *L, Stmt *s, lm_error *err);
int lmb_stmt_read (lua_State *L, int si, Stmt *s, int n, const lm_value *vals,
                   int close_on_raise, lmb_reader read, int nresults);

/* binding_cursor.c: Cursor objects */
void lmb_open_cursors (lua_State *L);
Cursor *lmb_new_cursor (lua_State *L, int si);
int lmb_push_iteration (lua_State *L, Cursor *k, Stmt *s, int owns);

/* binding_bulk.c: bulk loads kept open across calls (conn:bulk_rows,
** conn:bulk_end, and conn:copy_rows and conn:load_rows over them); ending
** the open one, which settling does */
int lmb_conn_bulk_rows (lua_State *L);
int lmb_conn_bulk_end (lua_State *L);
int lmb_conn_copy_rows (lua_State *L);
int lmb_conn_load_rows (lua_State *L);
int lmb_load_end (Conn *c, int abort, lm_error *err);
int lmb_load_in_transaction (const Conn *c);

/* binding_bulk_feed.c: LOAD DATA LOCAL (ncols 0) or the driver's
** insert_rows (ncols values a row) run on a thread of its own, fed bytes a
** buffer at a time */
typedef struct lmb_feed lmb_feed;
lmb_feed *lmb_feed_start (Conn *c, const char *sql, size_t len, int ncols,
                          size_t bufsize, char **first, lm_error *err);
int lmb_feed_push (lmb_feed *f, char **buf, size_t len);
int lmb_feed_finish (lmb_feed *f, int abort, int64_t *rows,
                     unsigned int *warnings, lm_error *err);

/* binding_numtext.c: numbers as the loaders' text, as "%lld" and "%.17g"
** write them (at most LMB_NUMTEXT_SIZE bytes, no terminating zero) */
#define LMB_NUMTEXT_SIZE 32
size_t lmb_integer_text (int64_t i, char *out);
size_t lmb_double_text (double x, char *out);
int lmb_number_text (lua_State *L);

/* binding_pipeline.c: stmt:queue, and settling the queue before any other
** call on the connection (the connection at stack index `ci`) */
int lmb_stmt_queue (lua_State *L);
int lmb_settle (lua_State *L, int ci, lm_error *err);
int lmb_settle_or_fail (lua_State *L, int ci);
void lmb_settle_or_raise (lua_State *L, int ci);
int lmb_push_settle_failure (lua_State *L, const lm_error *err);
int lmb_commit_queued (lua_State *L, int ci);
void lmb_settle_quiet (Conn *c);
void lmb_settle_drop (Conn *c);

/* binding_value.c: null, blob, Lua values <-> lm_value, failures */
void lmb_open_values (lua_State *L);
/* The Lua value at idx as a parameter (raises for a value that cannot be
** bound); a string's pointer lives while the value does. */
void lmb_check_value (lua_State *L, int idx, lm_value *v);
int lmb_to_value (lua_State *L, int idx, lm_value *v);
lm_value *lmb_check_params (lua_State *L, int first, int n,
                            lm_value *small);
void lmb_push_value (lua_State *L, const lm_value *v, int decimal_numbers);
int lmb_push_failure (lua_State *L, const lm_error *err);
int lmb_check_misuse (lua_State *L, int rc, const lm_error *err);

#endif
