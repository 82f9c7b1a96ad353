/*
** driver.h: the interface every database driver implements.
**
** One `struct lm_driver` per backend, a `const` instance filled with
** designated initializers (see driver_sqlite.c). drivers.c finds them by
** name: SQLite's is built in, each server driver's is the exported symbol
** of its plugin (luamig_postgres.so, luamig_mysql.so), loaded on first use.
** Drivers know nothing about Lua: no lua_* call, no allocation through the
** Lua state. runner/binding/ wraps any driver for Lua.
**
** Handles are opaque: a connection is a `void *conn`, a prepared statement a
** `void *stmt`. Every function that can fail returns LM_OK or LM_ERROR and,
** on LM_ERROR, fills the caller-owned `lm_error`. A message never contains
** the password.
**
** The life of a statement:
**   prepare -> [ execute -> fetch ... -> reset ]* -> finalize
** `execute` binds the parameters and starts a result; `fetch` returns its
** rows one by one; `reset` ends the result early (or after the last row) and
** keeps the statement prepared for the next `execute`.
*/

#ifndef luamig_driver_h
#define luamig_driver_h

#include <stddef.h>
#include <stdint.h>

/* Return codes. */
#define LM_OK      0     /* success */
#define LM_ERROR   (-1)  /* the database refused; lm_error says why */
#define LM_MISUSE  (-2)  /* the caller misused the API (lm_error says how):
                            the binding raises instead of returning nil, msg */
#define LM_ROW     1     /* fetch: a row is in `row` */
#define LM_DONE    0     /* fetch: no more rows */

/* Sizes of the text fields of lm_error (messages are truncated to fit). */
#define LM_MESSAGE_SIZE 512
#define LM_DETAIL_SIZE  512
#define LM_HINT_SIZE    256

/*
** A failure, as the server or library reported it. Owned by the caller,
** filled by the driver; every field is a NUL-terminated string, empty when
** the driver has nothing to say.
*/
typedef struct lm_error {
  int code;                        /* the driver's native code: SQLite's
                                      extended result code, MySQL's error
                                      number; 0 when there is none
                                      (PostgreSQL: sqlstate says it) */
  char sqlstate[6];                /* five-character SQLSTATE, or "" */
  char message[LM_MESSAGE_SIZE];   /* the primary message, one line */
  char detail[LM_DETAIL_SIZE];     /* secondary message (PostgreSQL DETAIL) */
  char hint[LM_HINT_SIZE];         /* suggestion (PostgreSQL HINT) */
} lm_error;

/* Empty every field. */
void lm_error_clear (lm_error *err);

/* Set code, SQLSTATE (NULL for none) and a printf-formatted message;
** detail and hint are emptied. Returns LM_ERROR, so a driver can write
** `return lm_error_set(err, ...);`. */
int lm_error_set (lm_error *err, int code, const char *sqlstate,
                  const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

/* Like lm_error_set, but for misuse: returns LM_MISUSE. */
int lm_error_misuse (lm_error *err, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* Copy `src` into the fixed-size field `dst` (truncating). */
void lm_error_copy (char *dst, size_t size, const char *src);

/* name quoted with `quote` (" or `), every quote in it doubled. out has
** room for LM_QUOTE_SIZE(len) bytes. */
int lm_quote_with (char quote, const char *name, size_t len, char *out,
                   size_t *outlen);

/* The quote_ident of a driver whose dialect quotes names with " (SQL's
** own: SQLite, PostgreSQL) or with ` (MySQL): lm_quote_with that quote;
** they never fail. */
int lm_quote_ident_double (void *conn, const char *name, size_t len,
                           char *out, size_t *outlen, lm_error *err);
int lm_quote_ident_backtick (void *conn, const char *name, size_t len,
                             char *out, size_t *outlen, lm_error *err);


/* The type of a value (lm_value.type). */
enum lm_type {
  LM_NULL = 0,  /* SQL NULL */
  LM_INTEGER,   /* v.i: a 64-bit signed integer */
  LM_FLOAT,     /* v.f: a double */
  LM_TEXT,      /* v.s: bytes of text (may contain zero bytes) */
  LM_BLOB,      /* v.s: binary bytes */
  LM_BOOL,      /* v.b: 0 or 1 */
  LM_DECIMAL    /* v.s: the exact digits of a number (DECIMAL/NUMERIC, an
                   unsigned BIGINT past 2^63-1); column values only */
};

/*
** A parameter or a column value. For TEXT and BLOB, `v.s.ptr` points at
** `v.s.len` bytes that are not NUL-terminated (ptr may be NULL when len is
** 0). Parameter bytes belong to the caller and are valid only during the
** `execute` call: a driver that needs them later copies them. Column bytes
** belong to the driver and are valid until the next fetch, reset or
** finalize of the statement.
*/
typedef struct lm_value {
  int type;                   /* enum lm_type */
  union {
    int64_t i;
    double f;
    int b;
    struct { const char *ptr; size_t len; } s;
  } v;
} lm_value;

/*
** The transaction guard (lm_driver.guard). luamig runs a transactional
** revision in a transaction that it commits together with the version row;
** a statement of the revision that ended it (COMMIT, ROLLBACK, BEGIN...)
** would commit half a revision, or let the rest of it run outside any
** transaction. While the guard is on, every path that runs SQL on the
** connection (exec_script, execute, copy_begin, load_data, and begin,
** commit and rollback themselves):
**   - refuses, before it runs, a statement that starts, commits or rolls
**     back a transaction (SAVEPOINT, RELEASE and ROLLBACK TO are fine):
**     SQLite by its authorizer (SQLITE_TRANSACTION), the servers by the
**     statement's leading keywords (sqltext.c);
**   - where DDL is transactional (SQLite, PostgreSQL), checks after each
**     statement that a transaction open before it is still open; when not
**     (a statement the keywords did not tell), the call fails, the guard
**     "trips", and every later statement fails too until the guard is
**     turned off, so that nothing runs outside the transaction unnoticed.
** The failures are LM_ERROR with SQLSTATE 2D000 (invalid transaction
** termination) and messages of lm_guard_refuse and lm_guard_ended. A
** driver keeps an lm_guard in its connection and calls these helpers.
*/
#define LM_GUARD_TEXT 100  /* room for the excerpt of a statement */

typedef struct lm_guard {
  int on;                       /* the guard is on */
  char ended[LM_GUARD_TEXT];    /* the statement after which the guarded
                                   transaction was over, "" while none */
  int rolled_back;              /* it was over because the database rolled
                                   it back when that statement failed */
} lm_guard;

/* The body of lm_driver.guard: turn `g` on or off, forget a trip, and
** return the state before (0 or 1); err holds the trip's message when the
** guard had tripped, else its message is "", and *rolled_back (when not
** NULL) is 1 when the trip was the database's own rollback. */
int lm_guard_set (lm_guard *g, int on, int *rolled_back, lm_error *err);

/* LM_OK, or LM_ERROR when the guard is on and has tripped. */
int lm_guard_check (const lm_guard *g, lm_error *err);

/* LM_ERROR: the statement `sql` (`len` bytes; the message quotes its
** start) would end the guarded transaction. */
int lm_guard_refuse (lm_error *err, const char *sql, size_t len);

/* After `sql` ran with the guard on and the transaction open before it is
** over: trip the guard and return LM_ERROR. Unless the statement `failed`
** (err then keeps the database's reason), err says that it ended the
** transaction. `rolled_back`: it failed and the database rolled the whole
** transaction back (SQLite does on an interrupt, a full disk, ON CONFLICT
** ROLLBACK...), so nothing of it can have been committed. */
int lm_guard_ended (lm_guard *g, int failed, int rolled_back, const char *sql,
                    size_t len, lm_error *err);


/* quote_ident writes at most this many bytes for a name of `len` bytes. */
#define LM_QUOTE_SIZE(len) (2 * (len) + 3)


/* A bulk load's source of bytes (load_data, insert_rows). */
typedef int (*lm_produce_fn) (void *ud, char *buf, unsigned int cap);

/* insert_rows' stream of rows: each row its columns' values in order, each
** value a tag byte and its bytes, in the machine's own byte order (the
** stream never leaves the process): LM_ROW_NULL; LM_ROW_INTEGER and 8
** bytes of int64_t; LM_ROW_FLOAT and 8 bytes of double; LM_ROW_TRUE,
** LM_ROW_FALSE; LM_ROW_TEXT or LM_ROW_BLOB, 8 bytes of uint64_t length and
** the bytes. */
enum {
  LM_ROW_NULL = 'n', LM_ROW_INTEGER = 'i', LM_ROW_FLOAT = 'f',
  LM_ROW_TRUE = 't', LM_ROW_FALSE = 'F', LM_ROW_TEXT = 's', LM_ROW_BLOB = 'b'
};

struct lm_driver {
  /* Name of the driver, as given to driver.connect(): "sqlite", ... */
  const char *name;

  /* Open a connection. `keys` and `values` are parallel NULL-terminated
  ** arrays of parameters, as for libpq's PQconnectdbParams: "database",
  ** "host", "port", "user", "password" and driver options. A driver
  ** ignores the common keys it has no use for and fails (LM_MISUSE) on an
  ** option it does not know. On success sets *conn. */
  int (*connect) (const char *const *keys, const char *const *values,
                  void **conn, lm_error *err);

  /* Close a connection. Every statement of the connection has been
  ** finalized before. Never fails (a driver logs nothing). */
  void (*close) (void *conn);

  /* Version of the server (or library) as a string, valid while the
  ** connection is open. */
  const char *(*server_version) (void *conn);

  /* Run `sql` (`len` bytes), which may hold several statements separated
  ** by `;`, none of them taking parameters and none returning rows that
  ** matter. Sets *affected to the rows changed by the statements (added
  ** up). LM_MISUSE when a statement has parameters. */
  int (*exec_script) (void *conn, const char *sql, size_t len,
                      int64_t *affected, lm_error *err);

  /* Prepare one statement of `len` bytes with `?` placeholders (a driver
  ** whose server wants `$n` rewrites them). LM_MISUSE when `sql` holds no
  ** statement or more than one. On success sets *stmt. */
  int (*prepare) (void *conn, const char *sql, size_t len, void **stmt,
                  lm_error *err);

  /* Number of `?` parameters of the statement. */
  int (*param_count) (void *stmt);

  /* Bind `nparams` values (exactly param_count of them) and run the
  ** statement; a result starts, to be read with fetch. Sets *affected to
  ** the rows changed (0 for a statement that changes none). An execute
  ** while a result is open resets it first. */
  int (*execute) (void *stmt, int nparams, const lm_value *params,
                  int64_t *affected, lm_error *err);

  /* Number of columns of the current result (0 for a statement that
  ** returns no rows). Valid after execute. */
  int (*column_count) (void *stmt);

  /* Name of column `i` (0-based) of the current result, valid until the
  ** next execute or finalize. */
  const char *(*column_name) (void *stmt, int i);

  /* Fetch the next row into `row` (column_count values). Returns LM_ROW,
  ** LM_DONE when the result is over, or LM_ERROR. The values are valid
  ** until the next fetch, reset or finalize. */
  int (*fetch) (void *stmt, lm_value *row, lm_error *err);

  /* End the current result, if any; the statement stays prepared. */
  void (*reset) (void *stmt);

  /* Free the statement. */
  void (*finalize) (void *stmt);

  /* Transactions: BEGIN, COMMIT, ROLLBACK. A failed COMMIT is reported;
  ** whether the transaction is still open is then in_transaction's to
  ** tell. A server driver may hold BEGIN back and send it with the next
  ** statement, in the same round trip (in_transaction is 1 from begin
  ** on); a COMMIT or ROLLBACK with nothing sent since then sends nothing.
  ** A BEGIN that fails (a lost connection) then fails that statement. */
  int (*begin) (void *conn, lm_error *err);
  int (*commit) (void *conn, lm_error *err);
  int (*rollback) (void *conn, lm_error *err);

  /* 1 when a transaction is open, else 0. */
  int (*in_transaction) (void *conn);

  /* Optional (NULL: the driver has no guard). Turn the transaction guard
  ** (above) on (`on` 1) or off (0): lm_guard_set on the connection's. */
  int (*guard) (void *conn, int on, int *rolled_back, lm_error *err);

  /* Quote identifier `name` (`len` bytes, no zero byte) by the server's
  ** rules into `out`, which has room for LM_QUOTE_SIZE(len) bytes; sets
  ** *outlen to the bytes written (no NUL needed). */
  int (*quote_ident) (void *conn, const char *name, size_t len,
                      char *out, size_t *outlen, lm_error *err);

  /* Id of the row the connection inserted last (SQLite's rowid, MySQL's
  ** LAST_INSERT_ID(); 0 when there is none). */
  int64_t (*last_insert_id) (void *conn);

  /* Optional (NULL: the driver collects none). Remove the oldest message
  ** the server sent on the connection outside any result (PostgreSQL's
  ** NOTICE, WARNING...; a driver keeps the last hundred or so) and return
  ** it as one line, "SEVERITY: message"; NULL when none is left. The
  ** string belongs to the driver, valid until the next call or close.
  ** One at a time, so that a caller that fails while storing one (out of
  ** memory) leaves nothing behind. */
  const char *(*next_notice) (void *conn);

  /* Optional (NULL: the driver cannot). Ask the server to stop the
  ** statement running on `conn`; the statement then fails. Called from a
  ** signal handler (Ctrl-C), so it must be async-signal-safe: no malloc,
  ** no locks. Returns LM_OK when the request was sent. */
  int (*cancel) (void *conn);
  /* Optional (NULL: the driver cannot tell). 1 when `conn` is up and idle
  ** and the server has sent nothing on it since its last answer (no
  ** message, no end of file), told without a round trip; 0 when that is
  ** not known: only a statement can then tell whether the connection
  ** still works. A lock's holder asks it before each step
  ** (lua/luamig/lock/postgres.lua). */
  int (*quiet) (void *conn);
  /* Optional (NULL: the driver cannot). Run `sql` (`len` bytes, one
  ** statement without parameters, e.g. the UPDATE that renews a lock's
  ** lease) every `interval` seconds on a second connection of the
  ** driver's own, to the same server, until the next heartbeat call or
  ** close; it keeps running while `conn` is busy with a long statement.
  ** The first run is at once; the call fails when it does. With `sql`
  ** NULL, stops the heartbeat; LM_ERROR then when a run since the start
  ** failed or changed no row (the row it renews is gone), err says when
  ** and why. */
  int (*heartbeat) (void *conn, const char *sql, size_t len, double interval,
                    lm_error *err);

  /* Optional (NULL: the driver's results stream already, or cannot).
  ** From now on, `execute` of this statement hands its rows to `fetch` as
  ** the server sends them, a batch at a time, instead of reading the whole
  ** result first; other statements may run on the connection between two
  ** fetches. For scans of millions of rows (rows()). */
  int (*stream) (void *stmt, lm_error *err);

  /* Optional (NULL: no bulk path; bulk_insert uses prepared INSERTs).
  ** COPY ... FROM STDIN: copy_begin runs `sql` (`len` bytes), which must
  ** start a copy from the client; copy_data sends `len` bytes of rows in
  ** the format the statement names, in pieces of any size; copy_end
  ** finishes it and sets *rows to the rows copied, or with `abort` set
  ** cancels it (the server then reports the copy as failed). Between
  ** copy_begin and copy_end nothing else may run on the connection. */
  int (*copy_begin) (void *conn, const char *sql, size_t len, lm_error *err);
  int (*copy_data) (void *conn, const char *buf, size_t len, lm_error *err);
  int (*copy_end) (void *conn, int abort, int64_t *rows, lm_error *err);

  /* Optional (NULL: no bulk load; bulk_insert uses multi-row INSERTs).
  ** Run `sql` (`len` bytes), a LOAD DATA LOCAL INFILE statement, whose
  ** file is whatever produce(ud, buf, cap) writes: up to `cap` bytes into
  ** buf per call, returning how many, 0 at the end, or -1 to abandon the
  ** load (the statement then fails). Sets *rows to the rows loaded and
  ** *warnings to the server's warning count: with LOCAL the server turns
  ** what would be errors (a duplicate key, a value that does not fit)
  ** into warnings, so the caller must look. The server may ask for no
  ** other file: at any other time the driver refuses to send one. */
  int (*load_data) (void *conn, const char *sql, size_t len,
                    lm_produce_fn produce, void *ud, int64_t *rows,
                    unsigned int *warnings, lm_error *err);

  /* Optional (NULL: none; the dialect's bulk_fast_path names the
  ** driver's bulk path, luamig.context.bulk_insert). Run `sql` (`len`
  ** bytes), a statement with `ncols` parameters and no result columns,
  ** once per row of the stream that produce(ud, buf, cap) writes (as for
  ** load_data; the rows in the LM_ROW_* format above), until the stream
  ** ends or a row fails. Sets *rows to the rows that ran, also on failure
  ** (the failing row is the next one). Called on a thread of the
  ** binding's, which alone uses the connection meanwhile, so that the
  ** rows are made while the ones before are stored. */
  int (*insert_rows) (void *conn, const char *sql, size_t len, int ncols,
                      lm_produce_fn produce, void *ud, int64_t *rows,
                      lm_error *err);

  /* Optional (NULL: a queued statement runs at once, through execute).
  ** Pipelining (db:queue): send an execute of prepared `stmt` with
  ** `nparams` values (the driver copies or sends them; they need not
  ** outlive the call) without waiting for its answer. A queued statement
  ** must return no rows: one that does fails, at queue or at sync, with
  ** LM_QUEUE_ROWS. The caller (the binding) calls sync before any other
  ** call on the connection except in_transaction, quote_ident,
  ** server_version and next_notice, so statements never overtake queued
  ** ones (fetch_ahead, below, may let a fetch through); in_transaction
  ** must tell, while statements are queued, the state
  ** they will run in. Lua's garbage collector may still reset or finalize
  ** another statement of the connection (a cursor dropped unfinished)
  ** while some are queued, never a statement with a queued execute.
  ** Pipelined or not, the outcome must be execute's:
  ** the statements before a failing one stay done (committed at once
  ** outside a transaction), those after it do not run; a driver that
  ** cannot promise that outside a transaction (PostgreSQL: a pipeline
  ** between two syncs is one implicit transaction) runs the statement at
  ** once there. A statement that starts or ends a transaction is refused
  ** (LM_MISUSE). On LM_ERROR the statement was not queued (or ran at once
  ** and failed); those queued before it are still to be synced. */
  int (*queue) (void *stmt, int nparams, const lm_value *params,
                lm_error *err);
  /* Read the answers of every statement queued on `conn` since the last
  ** sync, in order. Sets *affected to the rows they changed (added up).
  ** On failure returns LM_ERROR with err the failing statement's error and
  ** *failed its 0-based position among them; those queued after it did
  ** not run; the queue is empty after in every case. With nothing queued,
  ** LM_OK and *affected 0. */
  int (*sync) (void *conn, int64_t *affected, int64_t *failed,
               lm_error *err);
  /* Optional (NULL: the binding syncs, then commits). sync, then commit,
  ** in one round trip: the COMMIT goes after the queued statements, and
  ** when one of them fails it does not run (the transaction is left to
  ** the caller's rollback, as after a failed sync and a failed execute).
  ** On LM_ERROR *failed is the failing statement's position, or -1 when
  ** the COMMIT itself failed (a deferred constraint, a serialization
  ** failure). Refused while the guard is on, as commit is. */
  int (*sync_commit) (void *conn, int64_t *affected, int64_t *failed,
                      lm_error *err);

  /* Optional (NULL: nothing goes ahead; a query runs when executed). A
  ** hint: send the `n` queries sqls[i] (lens[i] bytes each; one SELECT
  ** without parameters that only reads, the caller's promise) now, without
  ** waiting for their answers, so that the server runs them while the
  ** caller does other work. An execute, without values, of the next of
  ** them (the same text) then takes its answer instead of running it;
  ** anything else on the connection drops the answers not taken. The
  ** driver may send nothing (inside a transaction, with the guard on, a
  ** statement it cannot send ahead): every call's outcome is then the
  ** same, only sooner or later. LM_OK whatever was sent; a failure of the
  ** connection is the next call's to tell. */
  int (*prefetch) (void *conn, int n, const char *const *sqls,
                   const size_t *lens, lm_error *err);

  /* Optional (NULL: never). 1 when a fetch of `stmt`'s current result may
  ** go ahead of the statements queued on its connection: the rows it
  ** reads cannot depend on them (MySQL's cursors are materialized when
  ** executed, other results are read whole) and the connection is free
  ** for it. The binding then fetches without syncing first, so that a
  ** scan that queues a statement per row read is not synced at every
  ** row; the queue is synced at the next other call. */
  int (*fetch_ahead) (void *stmt);
};

/* The message of a queued statement that returned rows (driver.h's
** queue); the binding's fallback says the same. */
#define LM_QUEUE_ROWS "a queued statement must return no rows (read rows " \
  "with query, first or rows)"


/* Every driver name luamig knows, NULL-terminated (drivers.c). */
extern const char *const lm_driver_names[];

/* The driver called `name`: SQLite is built in, the others are loaded from
** their shared objects on first use. NULL when unknown or not loadable,
** with the reason in why (may be NULL). */
const struct lm_driver *lm_find_driver (const char *name, char *why,
                                        size_t whysize);

/* What a plugin exports: its driver, by a name drivers.c knows, and the
** version of struct lm_driver it was built with, as <name>_interface. A
** plugin of another luamig (an older install left in lib/luamig, a
** LUAMIG_DRIVER_DIR of another build) would be read with the wrong
** layout; drivers.c refuses it instead. Add one whenever struct lm_driver
** changes (2: sync_commit). */
#define LM_DRIVER_EXPORT __attribute__((visibility("default")))
#define LM_DRIVER_INTERFACE 2

/* The drivers. */
extern const struct lm_driver lm_driver_sqlite;
LM_DRIVER_EXPORT extern const struct lm_driver lm_driver_mysql;     /* luamig_mysql.so */
LM_DRIVER_EXPORT extern const struct lm_driver lm_driver_postgres;  /* luamig_postgres.so */
LM_DRIVER_EXPORT extern const int lm_driver_mysql_interface;
LM_DRIVER_EXPORT extern const int lm_driver_postgres_interface;

#endif
