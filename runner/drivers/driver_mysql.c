/*
** driver_mysql.c: the MySQL/MariaDB driver on MariaDB Connector/C
** (libmariadb), see driver.h for the contract: connecting (the URL's
** parameters, the library's options, TLS, the handler that serves LOAD
** DATA LOCAL its file), the errors every file of the driver reports, and
** the driver table. Scripts, transactions and the guard are in
** driver_mysql_txn.c; statements in driver_mysql_stmt.c, their results
** in driver_mysql_result.c; queued statements in driver_mysql_pipeline.c;
** what the files share in driver_mysql.h.
** Auto-reconnect stays off: a silent reconnect would lose the open
** transaction and the session's state behind the caller's back.
*/

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include "driver.h"
#include "driver_mysql.h"

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


int lmy_stmt_error (MYSQL_STMT *st, lm_error *err) {
  return lm_error_set(err, (int)mysql_stmt_errno(st), mysql_stmt_sqlstate(st),
                      "%s", mysql_stmt_error(st));
}


int lmy_no_memory (lm_error *err) {
  return lm_error_set(err, 0, "HY001", "out of memory");
}


unsigned int lmy_server_status (MYSQL *db) {
  unsigned int status = 0;
  if (mariadb_get_infov(db, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0)
    return 0;
  return status;
}


/* On a Galera cluster a DDL statement of another node runs in total order
** and aborts any local statement that holds a metadata lock in its way,
** even a read of information_schema or a SELECT ... WHERE 1 = 0 of the
** table being created: the victim gets ER_LOCK_DEADLOCK (InnoDB gives it
** too, to the victim of a deadlock). A statement that ran in autocommit
** mode was all its transaction held, and the server undid it: running it
** again is what the message asks for, and changes nothing twice. Inside
** a transaction the caller's whole transaction is gone: the error is
** theirs. `status_before` is lmy_server_status before the statement;
** `tries` the runs so far. Sleeps 10, 20, 40, 80 ms before the next. */
#define MY_DEADLOCK_TRIES 5

int lmy_retry_deadlock (unsigned int status_before, const lm_error *err,
                        int tries) {
  struct timespec pause;
  if (err->code != ER_LOCK_DEADLOCK || tries >= MY_DEADLOCK_TRIES) return 0;
  if ((status_before & SERVER_STATUS_IN_TRANS) ||
      !(status_before & SERVER_STATUS_AUTOCOMMIT))
    return 0;
  pause.tv_sec = 0;
  pause.tv_nsec = (10L << (tries - 1)) * 1000000L;
  nanosleep(&pause, NULL);  /* a signal cuts it short: no harm */
  return 1;
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
  if (!(lmy_server_status(db) & SERVER_STATUS_AUTOCOMMIT) &&
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
  c = (my_conn *)calloc(1, sizeof(*c));  /* every member 0 or NULL */
  if (c == NULL) {
    mysql_close(db);
    return lmy_no_memory(err);
  }
  c->db = db;
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
  lmy_queue_free(c->queue);
  mysql_close(c->db);
  free(c);
}


static const char *my_server_version (void *conn) {
  return mysql_get_server_info(((my_conn *)conn)->db);
}


static int64_t my_last_insert_id (void *conn) {
  return ((my_conn *)conn)->last_id;
}

/* }====================================================== */


LM_DRIVER_EXPORT const int lm_driver_mysql_interface = LM_DRIVER_INTERFACE;

LM_DRIVER_EXPORT const struct lm_driver lm_driver_mysql = {
  .name = "mysql",
  .connect = my_connect,
  .close = my_close,
  .server_version = my_server_version,
  .exec_script = lmy_exec_script,
  .prepare = lmy_prepare,
  .param_count = lmy_param_count,
  .execute = lmy_execute,
  .column_count = lmy_column_count,
  .column_name = lmy_column_name,
  .fetch = lmy_fetch,
  .reset = lmy_reset,
  .finalize = lmy_finalize,
  .begin = lmy_begin,
  .commit = lmy_commit,
  .rollback = lmy_rollback,
  .in_transaction = lmy_in_transaction,
  .guard = lmy_guard,
  .quote_ident = lm_quote_ident_backtick,
  .last_insert_id = my_last_insert_id,
  .next_notice = NULL,  /* warnings stay on the server (SHOW WARNINGS) */
  .cancel = lmy_side_cancel,
  .heartbeat = lmy_side_heartbeat,
  .stream = lmy_stream,
  .load_data = lmy_load_data,
  .queue = lmy_queue,
  .sync = lmy_sync,
  .sync_commit = lmy_sync_commit,
  .fetch_ahead = lmy_fetch_ahead,
};
