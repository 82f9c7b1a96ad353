/*
** sqltext.h: finding the statements of SQL text that control transactions,
** for the transaction guard of the server drivers (driver.h, guard). A
** lexer, not a parser: it cuts the text into statements the way the
** server's lexer does (quotes, comments, dollar-quoted bodies, MySQL's
** executable comments) and looks at each statement's leading keywords.
** No lua_* call: compiled into luamig and into each driver plugin.
*/

#ifndef luamig_sqltext_h
#define luamig_sqltext_h

#include <stddef.h>

#define LM_SQLTEXT_MYSQL      1  /* MySQL's lexer and keywords, else
                                    PostgreSQL's */
#define LM_SQLTEXT_BACKSLASH  2  /* '...' takes backslash escapes (MySQL
                                    unless NO_BACKSLASH_ESCAPES; PostgreSQL
                                    with standard_conforming_strings off) */

/* The first statement of sql[0, len) that starts, commits or rolls back a
** transaction (sqltext.c says which do): 1, with its text (from its first
** keyword to its end, without the `;`) at sql + *at, *n bytes; else 0. */
int lm_sql_transaction_control (const char *sql, size_t len, int flags,
                                size_t *at, size_t *n);

/* Offset of the first byte of sql[0, len) that is neither a blank nor in a
** comment (len when there is none). */
size_t lm_sql_skip_space (const char *sql, size_t len, int flags);

#endif
