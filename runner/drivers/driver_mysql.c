/*
** driver_mysql.c: the MySQL/MariaDB driver on MariaDB Connector/C
** (libmariadb), see driver.h for the contract: connections, scripts,
** transactions and the driver table; prepared statements and their
** results are in driver_mysql_stmt.c.
** Auto-reconnect stays off: a silent reconnect would lose the open
** transaction and the session's state behind the caller's back.
*/

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>
#include <errmsg.h>

#include "driver.h"
#include "driver_mysql.h"
#include "sqltext.h"

#define MY_CONNECT_TIMEOUT 10   /* seconds, unless connect_timeout says */


/*
** {======================================================
** Errors and helpers
** =======================================================
*/

int lmy_conn_error (MYSQL *db, lm_error *err) {
  return lm_error_set(err, (int)mysql_errno(db), mysql_sqlstate(db), "%s",
                      mysql_error(db));
}


int lmy_no_memory (lm_error *err) {
  return lm_error_set(err, 0, "HY001", "out of memory");
}


static unsigned int server_status (MYSQL *db) {
  unsigned int status = 0;
  if (mariadb_get_infov(db, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0)
    return 0;
  return status;
}


/* Affected rows as the contract counts them: (my_ulonglong)-1 means none. */
int64_t lmy_affected_rows (my_ulonglong n) {
  if (n == (my_ulonglong)-1 || n > (my_ulonglong)INT64_MAX) return 0;
  return (int64_t)n;
}


void lmy_note_insert_id (my_conn *c, my_ulonglong id) {
  if (id != 0 && id <= (my_ulonglong)INT64_MAX) c->last_id = (int64_t)id;
}

/* }====================================================== */


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
                      sql_shape *sh) {
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
        if (ch == '?') sh->params++;
        i++;
      }
      content = 1;
      end = i;
    }
  }
}


void lmy_shape_of (MYSQL *db, const char *sql, size_t len, sql_shape *sh) {
  int backslash = !(server_status(db) & SERVER_STATUS_NO_BACKSLASH_ESCAPES);
  scan_sql(sql, len, backslash, sh);
}


/* The transaction guard (driver.h): the first statement of `sql` that
** controls transactions (sqltext.c), as lm_sql_transaction_control. */
int lmy_controls (MYSQL *db, const char *sql, size_t len, size_t *at,
                  size_t *n) {
  int flags = LM_SQLTEXT_MYSQL;
  if (!(server_status(db) & SERVER_STATUS_NO_BACKSLASH_ESCAPES))
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
** Connections
** =======================================================
*/

/* The integer value `v` of option `key`, in [min, max]. */
static int parse_uint (const char *key, const char *v, unsigned long min,
                       unsigned long max, unsigned int *out, lm_error *err) {
  char *end;
  unsigned long n;
  errno = 0;
  n = strtoul(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < min ||
      n > max)
    return lm_error_set(err, 0, NULL, "mysql: invalid %s '%s' (expected an "
                        "integer from %lu to %lu)", key, v, min, max);
  *out = (unsigned int)n;
  return LM_OK;
}


enum ssl_mode { SSL_DEFAULT, SSL_DISABLED, SSL_PREFERRED, SSL_REQUIRED,
                SSL_VERIFY };

static int parse_ssl_mode (const char *key, const char *v, int *mode,
                           lm_error *err) {
  if (strcmp(key, "ssl") == 0) {
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0) *mode = SSL_REQUIRED;
    else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
      *mode = SSL_DISABLED;
    else
      return lm_error_set(err, 0, NULL, "mysql: invalid ssl '%s' (expected "
                          "true or false)", v);
  }
  else if (strcasecmp(v, "disabled") == 0) *mode = SSL_DISABLED;
  else if (strcasecmp(v, "preferred") == 0) *mode = SSL_PREFERRED;
  else if (strcasecmp(v, "required") == 0) *mode = SSL_REQUIRED;
  else if (strcasecmp(v, "verify_ca") == 0 ||
           strcasecmp(v, "verify_identity") == 0) *mode = SSL_VERIFY;
  else
    return lm_error_set(err, 0, NULL, "mysql: invalid ssl_mode '%s' (expected "
                        "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or "
                        "VERIFY_IDENTITY)", v);
  return LM_OK;
}


typedef struct my_params {
  const char *host, *user, *password, *database, *socket;
  const char *ssl_ca, *ssl_cert, *ssl_key;
  const char *option_file, *option_group;  /* read_default_file, _group */
  unsigned int port, connect_timeout, read_timeout, write_timeout;
  int ssl;
} my_params;

static int parse_params (const char *const *keys, const char *const *values,
                         my_params *p, lm_error *err) {
  int i;
  memset(p, 0, sizeof(*p));
  p->connect_timeout = MY_CONNECT_TIMEOUT;
  p->ssl = SSL_DEFAULT;
  for (i = 0; keys[i] != NULL; i++) {
    const char *k = keys[i], *v = values[i];
    const char *nonempty = v[0] != '\0' ? v : NULL;
    int rc = LM_OK;
    if (strcmp(k, "host") == 0) p->host = nonempty;
    else if (strcmp(k, "user") == 0) p->user = nonempty;
    else if (strcmp(k, "password") == 0) p->password = v;
    else if (strcmp(k, "database") == 0) p->database = nonempty;
    else if (strcmp(k, "unix_socket") == 0) p->socket = nonempty;
    else if (strcmp(k, "ssl_ca") == 0) p->ssl_ca = nonempty;
    else if (strcmp(k, "ssl_cert") == 0) p->ssl_cert = nonempty;
    else if (strcmp(k, "ssl_key") == 0) p->ssl_key = nonempty;
    else if (strcmp(k, "read_default_file") == 0) p->option_file = nonempty;
    else if (strcmp(k, "read_default_group") == 0) p->option_group = nonempty;
    else if (strcmp(k, "port") == 0)
      rc = parse_uint(k, v, 1, 65535, &p->port, err);
    else if (strcmp(k, "connect_timeout") == 0)
      rc = parse_uint(k, v, 1, 31536000, &p->connect_timeout, err);
    else if (strcmp(k, "read_timeout") == 0)
      rc = parse_uint(k, v, 1, 31536000, &p->read_timeout, err);
    else if (strcmp(k, "write_timeout") == 0)
      rc = parse_uint(k, v, 1, 31536000, &p->write_timeout, err);
    else if (strcmp(k, "ssl_mode") == 0 || strcmp(k, "ssl") == 0)
      rc = parse_ssl_mode(k, v, &p->ssl, err);
    else if (strcmp(k, "charset") == 0) {
      /* accepted for URLs written for SQLAlchemy; text is always UTF-8 */
      if (strcasecmp(v, "utf8mb4") != 0)
        rc = lm_error_set(err, 0, NULL, "mysql: invalid charset '%s' (luamig "
                          "always uses utf8mb4)", v);
    }
    else
      rc = lm_error_set(err, 0, NULL, "mysql: unknown connection parameter "
                        "'%s'", k);
    if (rc != LM_OK) return rc;
  }
  return LM_OK;
}


/* Options before mysql_real_connect; a failure is a library refusal. */
static int set_options (MYSQL *db, const my_params *p) {
  my_bool off = 0, on = 1;
  unsigned int local_infile = 1, protocol = MYSQL_PROTOCOL_SOCKET;
  int bad = 0;
  bad |= mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  bad |= mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &p->connect_timeout);
  bad |= mysql_optionsv(db, MYSQL_OPT_RECONNECT, &off);
  /* For load_data only: the connection's handler (infile_init) refuses
  ** the server any file at other times. */
  bad |= mysql_optionsv(db, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  if (p->read_timeout > 0)
    bad |= mysql_optionsv(db, MYSQL_OPT_READ_TIMEOUT, &p->read_timeout);
  if (p->write_timeout > 0)
    bad |= mysql_optionsv(db, MYSQL_OPT_WRITE_TIMEOUT, &p->write_timeout);
  if (p->socket != NULL)  /* an explicit socket wins over host and port */
    bad |= mysql_optionsv(db, MYSQL_OPT_PROTOCOL, &protocol);
  if (p->ssl_ca != NULL) bad |= mysql_optionsv(db, MYSQL_OPT_SSL_CA, p->ssl_ca);
  if (p->ssl_cert != NULL)
    bad |= mysql_optionsv(db, MYSQL_OPT_SSL_CERT, p->ssl_cert);
  if (p->ssl_key != NULL)
    bad |= mysql_optionsv(db, MYSQL_OPT_SSL_KEY, p->ssl_key);
  if (p->ssl == SSL_PREFERRED || p->ssl == SSL_REQUIRED || p->ssl == SSL_VERIFY)
    bad |= mysql_ssl_set(db, NULL, NULL, NULL, NULL, NULL);  /* asks for TLS */
  if (p->ssl == SSL_REQUIRED || p->ssl == SSL_VERIFY)  /* see my_connect */
    bad |= mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
  if (p->ssl == SSL_VERIFY)
    bad |= mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  /* Option files (as the mysql client reads them: a password, a socket)
  ** only when the URL asks: libmariadb reads none by itself. They fill
  ** what the URL leaves out; MYSQL_PWD too, read by libmariadb when no
  ** password is given. */
  if (p->option_file != NULL)
    bad |= mysql_optionsv(db, MYSQL_READ_DEFAULT_FILE, p->option_file);
  if (p->option_group != NULL)
    bad |= mysql_optionsv(db, MYSQL_READ_DEFAULT_GROUP, p->option_group);
  return bad;
}


/* LOAD DATA LOCAL's file, served from load_data's producer. A server
** asking for a file at any other time (a hostile one, to read the
** client's files) is refused. */
static int infile_init (void **ptr, const char *filename, void *userdata) {
  my_conn *c = (my_conn *)userdata;
  (void)filename;
  *ptr = c;
  return c->produce == NULL;
}


static int infile_read (void *ptr, char *buf, unsigned int len) {
  my_conn *c = (my_conn *)ptr;
  return c->produce(c->produce_ud, buf, len);
}


static void infile_end (void *ptr) {
  (void)ptr;
}


static int infile_error (void *ptr, char *msg, unsigned int len) {
  my_conn *c = (my_conn *)ptr;
  snprintf(msg, len, "%s", c->produce == NULL
           ? "luamig sends no local file unless it is loading rows"
           : "luamig abandoned the load");
  return CR_UNKNOWN_ERROR;
}


/* A connection as the URL's parameters say, ready for luamig's use: also
** the side connection's (driver_mysql_side.c). */
int lmy_open (const char *const *keys, const char *const *values,
              MYSQL **out, lm_error *err) {
  my_params p;
  MYSQL *db;
  my_bool reconnect = 0;
  if (parse_params(keys, values, &p, err) != LM_OK) return LM_ERROR;
  if (p.ssl == SSL_DISABLED && (p.ssl_ca || p.ssl_cert || p.ssl_key))
    return lm_error_set(err, 0, NULL, "mysql: ssl_mode DISABLED contradicts "
                        "ssl_ca, ssl_cert and ssl_key");
  db = mysql_init(NULL);
  if (db == NULL) return lmy_no_memory(err);
  if (set_options(db, &p) != 0) {
    lm_error_set(err, 0, NULL, "mysql: the client library refused an option");
    goto fail;
  }
  /* CLIENT_MULTI_STATEMENTS for exec_script; no CLIENT_FOUND_ROWS: an
  ** UPDATE counts the rows it changed. The password is never in a
  ** message: the library's and the server's messages do not quote it. */
  if (p.socket != NULL) p.host = NULL;  /* libmariadb: a socket is local */
  if (mysql_real_connect(db, p.host, p.user, p.password, p.database, p.port,
                         p.socket, CLIENT_MULTI_STATEMENTS) == NULL) {
    lmy_conn_error(db, err);
    goto fail;
  }
  /* libmariadb 3.3 takes SSL_ENFORCE for "use TLS if the server has it"
  ** and insists only when it verifies the certificate: REQUIRED checks
  ** that TLS is on after the fact. */
  if ((p.ssl == SSL_REQUIRED || p.ssl == SSL_VERIFY) &&
      mysql_get_ssl_cipher(db) == NULL) {
    lm_error_set(err, CR_SSL_CONNECTION_ERROR, "HY000", "TLS/SSL error: "
                 "ssl_mode requires TLS, but the server does not support it");
    goto fail;
  }
  /* An option file is read inside mysql_real_connect, after our options:
  ** what luamig relies on is set again over what the file may have said. */
  if ((p.option_file != NULL || p.option_group != NULL) &&
      (mysql_optionsv(db, MYSQL_OPT_RECONNECT, &reconnect) != 0 ||
       mysql_set_character_set(db, "utf8mb4") != 0)) {
    lmy_conn_error(db, err);
    goto fail;
  }
  /* A server started with autocommit=0 would leave every statement of
  ** ours in a transaction that nobody commits. */
  if (!(server_status(db) & SERVER_STATUS_AUTOCOMMIT) &&
      mysql_autocommit(db, 1)) {
    lmy_conn_error(db, err);
    goto fail;
  }
  *out = db;
  return LM_OK;
fail:
  mysql_close(db);
  return LM_ERROR;
}


static int my_connect (const char *const *keys, const char *const *values,
                       void **conn, lm_error *err) {
  my_conn *c;
  MYSQL *db;
  if (lmy_open(keys, values, &db, err) != LM_OK) return LM_ERROR;
  c = (my_conn *)malloc(sizeof(*c));
  if (c == NULL) {
    mysql_close(db);
    return lmy_no_memory(err);
  }
  c->db = db;
  c->last_id = 0;
  c->produce = NULL;
  c->produce_ud = NULL;
  c->guard.on = 0;
  c->guard.ended[0] = '\0';
  c->guard.rolled_back = 0;
  c->side = lmy_side_start(keys, values, mysql_thread_id(db), err);
  if (c->side == NULL) {
    mysql_close(db);
    free(c);
    return LM_ERROR;
  }
  mysql_set_local_infile_handler(db, infile_init, infile_read, infile_end,
                                 infile_error, c);
  *conn = c;
  return LM_OK;
}


static void my_close (void *conn) {
  my_conn *c = (my_conn *)conn;
  lmy_side_stop(c->side);
  mysql_close(c->db);
  free(c);
}


static const char *my_server_version (void *conn) {
  return mysql_get_server_info(((my_conn *)conn)->db);
}


static int my_exec_script (void *conn, const char *sql, size_t len,
                           int64_t *affected, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  MYSQL *db = c->db;
  int64_t total = 0;
  sql_shape sh;
  int status;
  lmy_shape_of(db, sql, len, &sh);
  if (sh.params > 0)
    return lm_error_misuse(err, "statement has %d parameters, 0 values given",
                           sh.params);
  *affected = 0;
  if (sh.statements == 0) return LM_OK;  /* the server would say "empty" */
  if (lmy_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
  if (sh.last_end > ULONG_MAX)
    return lm_error_misuse(err, "SQL text too long");
  lmy_side_settle(c->side);
  /* Only up to the end of the last statement: the server never sees an
  ** empty one (blanks and comments after the last `;`). */
  if (mysql_real_query(db, sql, (unsigned long)sh.last_end))
    return lmy_conn_error(db, err);
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


static int my_guard (void *conn, int on, int *rolled_back, lm_error *err) {
  return lm_guard_set(&((my_conn *)conn)->guard, on, rolled_back, err);
}


static int my_begin (void *conn, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  if (guard_control(c, "START TRANSACTION", err) != LM_OK) return LM_ERROR;
  /* START TRANSACTION inside a transaction commits it first: refuse, as
  ** SQLite does, rather than commit behind the caller's back. */
  if (server_status(c->db) & SERVER_STATUS_IN_TRANS)
    return lm_error_set(err, 0, "25001", "cannot start a transaction within "
                        "a transaction");
  return run(c, "START TRANSACTION", err);
}


static int my_commit (void *conn, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  if (guard_control(c, "COMMIT", err) != LM_OK) return LM_ERROR;
  lmy_side_settle(c->side);
  if (mysql_commit(c->db)) return lmy_conn_error(c->db, err);
  return LM_OK;
}


static int my_rollback (void *conn, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  if (guard_control(c, "ROLLBACK", err) != LM_OK) return LM_ERROR;
  lmy_side_settle(c->side);
  if (mysql_rollback(c->db)) return lmy_conn_error(c->db, err);
  return LM_OK;
}


static int my_in_transaction (void *conn) {
  return (server_status(((my_conn *)conn)->db) & SERVER_STATUS_IN_TRANS) != 0;
}


static int my_quote_ident (void *conn, const char *name, size_t len,
                           char *out, size_t *outlen, lm_error *err) {
  (void)conn; (void)err;
  return lm_quote_with('`', name, len, out, outlen);
}


static int64_t my_last_insert_id (void *conn) {
  return ((my_conn *)conn)->last_id;
}


static int my_load_data (void *conn, const char *sql, size_t len,
                         lm_produce_fn produce, void *ud, int64_t *rows,
                         unsigned int *warnings, lm_error *err) {
  my_conn *c = (my_conn *)conn;
  int failed;
  *rows = 0;
  *warnings = 0;
  if (len > ULONG_MAX) return lm_error_misuse(err, "SQL text too long");
  if (lmy_guard_before(c, sql, len, err) != LM_OK) return LM_ERROR;
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


LM_DRIVER_EXPORT const struct lm_driver lm_driver_mysql = {
  .name = "mysql",
  .connect = my_connect,
  .close = my_close,
  .server_version = my_server_version,
  .exec_script = my_exec_script,
  .prepare = lmy_prepare,
  .param_count = lmy_param_count,
  .execute = lmy_execute,
  .column_count = lmy_column_count,
  .column_name = lmy_column_name,
  .fetch = lmy_fetch,
  .reset = lmy_reset,
  .finalize = lmy_finalize,
  .begin = my_begin,
  .commit = my_commit,
  .rollback = my_rollback,
  .in_transaction = my_in_transaction,
  .guard = my_guard,
  .quote_ident = my_quote_ident,
  .last_insert_id = my_last_insert_id,
  .next_notice = NULL,  /* warnings stay on the server (SHOW WARNINGS) */
  .cancel = lmy_side_cancel,
  .heartbeat = lmy_side_heartbeat,
  .stream = lmy_stream,
  .load_data = my_load_data,
};
