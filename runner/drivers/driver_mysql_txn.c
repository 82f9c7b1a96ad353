/*
** driver_mysql_txn.c: what the MySQL/MariaDB driver runs on a connection
** outside a prepared statement, under the transaction guard (driver.h):
** scripts (exec_script), transactions (begin, commit, rollback, and the
** guard member), bulk loads (load_data); and how SQL text is read for
** them as MySQL's lexer cuts it (placeholders, statements, the ones that
** control transactions), which driver_mysql_stmt.c uses too.
*/

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "driver.h"
#include "driver_mysql.h"
#include "sqltext.h"


/*
** {======================================================
** The shape of SQL text: placeholders and statements
** =======================================================
*/

/* Index just past the literal or quoted identifier that starts at `i`. */
static size_t skip_quoted (const char *s, size_t len, size_t i,
                           int backslash) {
  char q = s[i++];
  while (i < len) {
    if (s[i] == '\\' && backslash && q != '`')
      i += 2;
    else if (s[i] == q) {
      if (i + 1 < len && s[i + 1] == q) i += 2;  /* a doubled quote */
      else return i + 1;
    }
    else
      i++;
  }
  return len;
}


/* MySQL's rules: `-- ` needs a blank or control character after it; `#`
** runs to the end of the line; `/ *! ... * /` and `/ *M! ... * /` are
** executable comments, read as code. */
static void scan_sql (const char *s, size_t len, int backslash,
                      sql_shape *sh, size_t *marks) {
  size_t i = 0, end = 0;
  int content = 0;
  memset(sh, 0, sizeof(*sh));
  while (i <= len) {
    char ch = i < len ? s[i] : ';';
    if (ch == ';') {  /* the end of a statement, or of the text */
      if (content) {
        if (sh->statements++ == 0) sh->first_end = end;
        sh->last_end = end;
        content = 0;
      }
      i++;
    }
    else if (ch == '#' || (ch == '-' && i + 1 < len && s[i + 1] == '-' &&
             (i + 2 == len || (unsigned char)s[i + 2] <= ' '))) {
      while (i < len && s[i] != '\n') i++;
    }
    else if (ch == '/' && i + 1 < len && s[i + 1] == '*' &&
             !(i + 2 < len && (s[i + 2] == '!' ||
               (s[i + 2] == 'M' && i + 3 < len && s[i + 3] == '!')))) {
      i += 2;
      while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) i++;
      i = i < len ? i + 2 : len;
    }
    else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
             ch == '\f' || ch == '\v')
      i++;
    else {
      if (ch == '\'' || ch == '"' || ch == '`')
        i = skip_quoted(s, len, i, backslash);
      else {
        if (ch == '?') {
          if (marks != NULL) marks[sh->params] = i;
          sh->params++;
        }
        i++;
      }
      content = 1;
      end = i;
    }
  }
}


void lmy_shape_of (MYSQL *db, const char *sql, size_t len, sql_shape *sh) {
  int backslash =
    !(lmy_server_status(db) & SERVER_STATUS_NO_BACKSLASH_ESCAPES);
  scan_sql(sql, len, backslash, sh, NULL);
}


/* The offsets of the `?` placeholders of `sql` into `marks` (room for
** all of them: a first lmy_shape_of counts them), as the lexer sees them
** with backslash escapes on or off. */
void lmy_placeholders (const char *sql, size_t len, int backslash,
                       size_t *marks) {
  sql_shape sh;
  scan_sql(sql, len, backslash, &sh, marks);
}


/* The transaction guard (driver.h): the first statement of `sql` that
** controls transactions (sqltext.c), as lm_sql_transaction_control. */
int lmy_controls (MYSQL *db, const char *sql, size_t len, size_t *at,
                  size_t *n) {
  int flags = LM_SQLTEXT_MYSQL;
  if (!(lmy_server_status(db) & SERVER_STATUS_NO_BACKSLASH_ESCAPES))
    flags |= LM_SQLTEXT_BACKSLASH;
  return lm_sql_transaction_control(sql, len, flags, at, n);
}


/* Before `sql` runs: LM_OK, or the guard's refusal. */
int lmy_guard_before (my_conn *c, const char *sql, size_t len,
                      lm_error *err) {
  size_t at, n;
  if (!c->guard.on) return LM_OK;
  if (lmy_controls(c->db, sql, len, &at, &n)) return lm_guard_refuse(err, sql + at, n);
  return LM_OK;
}

/* }====================================================== */


/*
** {======================================================
** Scripts, transactions, bulk loads
** =======================================================
*/

/* mysql_real_query of the `len` bytes of `sql`, after the START
** TRANSACTION begin held back (lmy_begin_send) when there is one, in the
** same multi-statement query: its result then comes first (*prefixed 1).
** LM_OK when sent and the first statement ran, else LM_ERROR and err. */
int lmy_query_held (my_conn *c, const char *sql, size_t len, int *prefixed,
                    lm_error *err) {
  char *text;
  int failed;
  *prefixed = c->begin_held;
  if (!c->begin_held) {
    if (mysql_real_query(c->db, sql, (unsigned long)len)) return lmy_conn_error(c->db, err);
    return LM_OK;
  }
  if ((text = (char *)malloc(LMY_BEGIN_LEN + len)) == NULL) return lmy_no_memory(err);
  memcpy(text, LMY_BEGIN_SQL, LMY_BEGIN_LEN);
  memcpy(text + LMY_BEGIN_LEN, sql, len);
  c->begin_held = 0;
  failed = mysql_real_query(c->db, text, (unsigned long)(LMY_BEGIN_LEN + len)) != 0;
  free(text);
  return failed ? lmy_conn_error(c->db, err) : LM_OK;
}


/* The statements of `sql` up to `end`, their affected rows added up (a
** START TRANSACTION held back goes in front: its result adds nothing). */
static int run_script (my_conn *c, const char *sql, size_t end,
                       int64_t *affected, lm_error *err) {
  MYSQL *db = c->db;
  int64_t total = 0;
  int status, prefixed;
  lmy_side_settle(c->side);
  if (lmy_query_held(c, sql, end, &prefixed, err) != LM_OK) return LM_ERROR;
  do {  /* one result per statement; the server stops at the first error */
    MYSQL_RES *res = mysql_store_result(db);
    if (res != NULL)
      mysql_free_result(res);
    else if (mysql_field_count(db) != 0)
      return lmy_conn_error(db, err);
    else {
      total += lmy_affected_rows(mysql_affected_rows(db));
      lmy_note_insert_id(c, mysql_insert_id(db));
    }
    status = mysql_next_result(db);
    if (status > 0) return lmy_conn_error(db, err);
  } while (status == 0);
  *affected = total;
  return LM_OK;
}


int lmy_exec_script (void *conn, const char *sql, size_t len,
                     int64_t *affected, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  sql_shape sh;
  int tries;
  lmy_shape_of(c->db, sql, len, &sh);
  if (sh.params > 0)
    return lm_error_misuse(err, "statement has %d parameters, 0 values given",
                           sh.params);
  *affected = 0;
  if (sh.statements == 0) return LM_OK;  /* the server would say "empty" */
  if (lmy_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
  if (sh.last_end > ULONG_MAX)
    return lm_error_misuse(err, "SQL text too long");
  /* Only up to the end of the last statement: the server never sees an
  ** empty one (blanks and comments after the last `;`). Of several
  ** statements the first ones may have committed: only one runs again. */
  for (tries = 1;; tries++) {
    unsigned int status = lmy_server_status(c->db);
    int rc;
    if (c->begin_held) status |= SERVER_STATUS_IN_TRANS;  /* sent with it */
    rc = run_script(c, sql, sh.last_end, affected, err);
    if (rc == LM_OK || sh.statements > 1 || !lmy_retry_deadlock(status, err, tries))
      return rc;
  }
}


static int run (my_conn *c, const char *sql, lm_error *err) {
  lmy_side_settle(c->side);
  if (mysql_real_query(c->db, sql, (unsigned long)strlen(sql)))
    return lmy_conn_error(c->db, err);
  return LM_OK;
}


/* BEGIN, COMMIT and ROLLBACK of the driver are refused by the guard too. */
static int guard_control (my_conn *c, const char *sql, lm_error *err) {
  if (!c->guard.on) return LM_OK;
  return lm_guard_refuse(err, sql, strlen(sql));
}


int lmy_guard (void *conn, int on, int *rolled_back, lm_error *err) {
  return lm_guard_set(&((my_conn *)conn)->guard, on, rolled_back, err);
}


/* begin only notes that a transaction is to start (begin_held): its
** START TRANSACTION goes in front of the next script (run_script) or text
** batch of queued statements (driver_mysql_pipeline.c), in the same
** multi-statement query (lmy_query_held), which saves a round trip per
** transaction (a revision's first statement is most often DDL, a script;
** after the DDL's implicit commit, the version and history rows are
** queued). Every other
** path sends it on its own first, here. A COMMIT or ROLLBACK with nothing
** sent since begin has nothing to end. */
int lmy_begin_send (my_conn *c, lm_error *err) {
  if (!c->begin_held) return LM_OK;
  c->begin_held = 0;
  return run(c, "START TRANSACTION", err);
}


int lmy_begin (void *conn, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  if (guard_control(c, "START TRANSACTION", err) != LM_OK) return LM_ERROR;
  /* START TRANSACTION inside a transaction commits it first: refuse, as
  ** SQLite does, rather than commit behind the caller's back. */
  if (c->begin_held || (lmy_server_status(c->db) & SERVER_STATUS_IN_TRANS))
    return lm_error_set(err, 0, "25001", "cannot start a transaction within "
                        "a transaction");
  c->begin_held = 1;
  return LM_OK;
}


/* commit (`commit` 1) and rollback (0) differ only in the statement the
** guard refuses and the client call that ends the transaction. */
static int end_transaction (void *conn, int commit, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  int failed;
  if (guard_control(c, commit ? "COMMIT" : "ROLLBACK", err) != LM_OK)
    return LM_ERROR;
  if (c->begin_held) {  /* nothing ran in it */
    c->begin_held = 0;
    return LM_OK;
  }
  lmy_side_settle(c->side);
  failed = commit ? mysql_commit(c->db) : mysql_rollback(c->db);
  if (failed) return lmy_conn_error(c->db, err);
  return LM_OK;
}


int lmy_commit (void *conn, lm_error *err) {
  return end_transaction(conn, 1, err);
}


int lmy_rollback (void *conn, lm_error *err) {
  return end_transaction(conn, 0, err);
}


int lmy_in_transaction (void *conn) {
  my_conn *c = (my_conn *)conn;
  return c->begin_held || (lmy_server_status(c->db) & SERVER_STATUS_IN_TRANS) != 0;
}


int lmy_load_data (void *conn, const char *sql, size_t len,
                   lm_produce_fn produce, void *ud, int64_t *rows,
                   unsigned int *warnings, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  int failed;
  *rows = 0;
  *warnings = 0;
  if (len > ULONG_MAX) return lm_error_misuse(err, "SQL text too long");
  if (lmy_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
  if (lmy_begin_send(c, err) != LM_OK) return LM_ERROR;
  lmy_side_settle(c->side);
  c->produce = produce;
  c->produce_ud = ud;
  failed = mysql_real_query(c->db, sql, (unsigned long)len) != 0;
  c->produce = NULL;
  c->produce_ud = NULL;
  if (failed) return lmy_conn_error(c->db, err);
  *rows = lmy_affected_rows(mysql_affected_rows(c->db));
  *warnings = mysql_warning_count(c->db);
  return LM_OK;
}

/* }====================================================== */
