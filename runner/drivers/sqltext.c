/*
** sqltext.c: the statements of SQL text that control transactions (see
** sqltext.h), for the transaction guard of the PostgreSQL and MySQL
** drivers. SQLite needs none of this: its authorizer sees every statement
** as SQLite's own parser read it (driver_sqlite.c).
**
** The text is cut into tokens as the server's lexer would: '...' strings
** (with backslash escapes where the server takes them), quoted names,
** comments (nested on PostgreSQL), PostgreSQL's $tag$ bodies and E'...',
** MySQL's # and "-- " comments, and MySQL's executable comments / *! ... * /
** and / *M! ... * /, whose text is code. A statement ends at a `;` outside
** parentheses and outside the body of a routine being defined, tracked
** the way psql does: in CREATE [OR REPLACE] FUNCTION|PROCEDURE (MySQL also
** TRIGGER, EVENT, PACKAGE) a BEGIN (on PostgreSQL BEGIN ATOMIC) opens a
** block that its END closes, and so does a CASE inside one. Statements in a
** routine's body run when it is called, not now, so they are not looked at.
**
** What controls a transaction, by the statement's leading keywords:
**   both:        BEGIN, START TRANSACTION, COMMIT (any form), ROLLBACK
**                (but not ROLLBACK [WORK|TRANSACTION] TO ..., which goes
**                back to a savepoint)
**   PostgreSQL:  END, ABORT, PREPARE TRANSACTION (COMMIT/ROLLBACK PREPARED
**                are COMMIT and ROLLBACK)
**   MySQL:       XA ..., LOCK TABLE(S), UNLOCK TABLE(S), and a SET of the
**                autocommit variable (SET autocommit = 1 commits); MariaDB's
**                BEGIN NOT ATOMIC ... END block runs now, so a statement in
**                it that would be refused alone is refused there too
** SAVEPOINT and RELEASE [SAVEPOINT] never end the transaction they are in.
** MySQL also commits implicitly before DDL and a few other statements:
** that is by design there (its revisions are recorded before they run),
** and not looked for.
*/

#include <string.h>

#include "sqltext.h"

enum { T_END, T_WORD, T_QUOTED, T_SEMI, T_OPEN, T_CLOSE, T_OTHER };

typedef struct Token {
  int kind;
  size_t start, end;
} Token;

typedef struct Lexer {
  const char *s;
  size_t len, i;      /* the text, and where the next token is looked for */
  int flags;
  int exec_comment;   /* inside MySQL's / *! ... * / */
} Lexer;

#define MYSQL(x)  (((x)->flags & LM_SQLTEXT_MYSQL) != 0)

static Lexer lexer (const char *sql, size_t len, int flags) {
  Lexer x;
  x.s = sql;
  x.len = len;
  x.i = 0;
  x.flags = flags;
  x.exec_comment = 0;
  return x;
}


static int is_blank (unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
         ch == '\v';
}

static int is_digit (unsigned char ch) {
  return ch >= '0' && ch <= '9';
}

static int ident_start (unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
         ch >= 0x80;
}

static int ident_char (unsigned char ch) {
  return ident_start(ch) || is_digit(ch) || ch == '$';
}


/* Index just past the quoted run that opens at s[i]: the quote doubled
** stays inside, and so does an escaped character when `backslash`. An
** unterminated one runs to the end. */
static size_t skip_quoted (const Lexer *x, size_t i, int backslash) {
  char q = x->s[i++];
  while (i < x->len) {
    char ch = x->s[i];
    if (backslash && ch == '\\' && i + 1 < x->len)
      i += 2;
    else if (ch == q) {
      if (i + 1 < x->len && x->s[i + 1] == q) i += 2;
      else return i + 1;
    }
    else i++;
  }
  return x->len;
}


/* PostgreSQL: when the `$` at s[i] opens a dollar-quoted body ($$ or
** $tag$), the index just past its end; else 0. */
static size_t skip_dollar (const Lexer *x, size_t i) {
  const char *s = x->s;
  size_t t = i + 1, taglen;
  if (t < x->len && ident_start((unsigned char)s[t])) {
    while (t < x->len && s[t] != '$' && ident_char((unsigned char)s[t])) t++;
  }
  if (t >= x->len || s[t] != '$') return 0;
  taglen = t - i + 1;  /* with both dollars */
  for (t++; t + taglen <= x->len; t++) {
    if (s[t] == '$' && memcmp(s + t, s + i, taglen) == 0) return t + taglen;
  }
  return x->len;
}


/* Index just past the block comment whose body starts at s[i]: nested on
** PostgreSQL, not on MySQL. */
static size_t skip_comment (const Lexer *x, size_t i) {
  int depth = 1;
  while (i < x->len) {
    if (!MYSQL(x) && x->s[i] == '/' && i + 1 < x->len && x->s[i + 1] == '*') {
      depth++;
      i += 2;
    }
    else if (x->s[i] == '*' && i + 1 < x->len && x->s[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    }
    else i++;
  }
  return x->len;
}


/* Move past blanks and comments. MySQL's executable comments are code:
** only their opening (with its version number) and their end are passed. */
static void skip_space (Lexer *x) {
  const char *s = x->s;
  size_t len = x->len;
  while (x->i < len) {
    size_t i = x->i;
    unsigned char ch = (unsigned char)s[i];
    if (is_blank(ch))
      x->i++;
    else if ((ch == '-' && i + 1 < len && s[i + 1] == '-' &&
              (!MYSQL(x) || i + 2 == len || (unsigned char)s[i + 2] <= ' ')) ||
             (ch == '#' && MYSQL(x))) {
      while (x->i < len && s[x->i] != '\n') x->i++;
    }
    else if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
      if (MYSQL(x) && i + 2 < len &&
          (s[i + 2] == '!' || (s[i + 2] == 'M' && i + 3 < len && s[i + 3] == '!'))) {
        size_t j = i + (s[i + 2] == '!' ? 3 : 4), digits = 0;
        while (j < len && digits < 6 && is_digit((unsigned char)s[j])) {
          j++;
          digits++;
        }
        x->i = j;
        x->exec_comment = 1;
      }
      else x->i = skip_comment(x, i + 2);
    }
    else if (x->exec_comment && ch == '*' && i + 1 < len && s[i + 1] == '/') {
      x->i += 2;
      x->exec_comment = 0;
    }
    else break;
  }
}


static Token next_token (Lexer *x) {
  const char *s = x->s;
  size_t len = x->len, i;
  unsigned char ch;
  Token t;
  skip_space(x);
  i = t.start = x->i;
  t.kind = T_OTHER;
  if (i >= len) {
    t.kind = T_END;
    t.end = i;
    return t;
  }
  ch = (unsigned char)s[i];
  if (ch == '\'' || (ch == '"' && MYSQL(x))) {  /* MySQL's "..." is a string */
    x->i = skip_quoted(x, i, (x->flags & LM_SQLTEXT_BACKSLASH) != 0);
    t.kind = T_QUOTED;
  }
  else if (ch == '"' || (ch == '`' && MYSQL(x))) {
    x->i = skip_quoted(x, i, 0);
    t.kind = T_QUOTED;
  }
  else if (ch == '$' && !MYSQL(x) && skip_dollar(x, i) != 0) {
    x->i = skip_dollar(x, i);
    t.kind = T_QUOTED;
  }
  else if (ident_start(ch)) {
    while (x->i < len && ident_char((unsigned char)s[x->i])) x->i++;
    t.kind = T_WORD;
    if (!MYSQL(x) && x->i - i == 1 && (ch == 'E' || ch == 'e') && x->i < len &&
        s[x->i] == '\'') {  /* E'...' takes backslash escapes */
      x->i = skip_quoted(x, x->i, 1);
      t.kind = T_QUOTED;
    }
  }
  else if (is_digit(ch)) {  /* a number, or a MySQL name that starts with digits */
    while (x->i < len && (ident_char((unsigned char)s[x->i]) || s[x->i] == '.')) x->i++;
  }
  else if (ch == '@' && MYSQL(x)) {
    x->i++;
    if (x->i < len && s[x->i] == '@')  /* @@: a system variable's name follows */
      x->i++;
    else {  /* @name: a user variable, which is no keyword */
      while (x->i < len && (ident_char((unsigned char)s[x->i]) || s[x->i] == '.')) x->i++;
    }
  }
  else {
    x->i++;
    if (ch == ';') t.kind = T_SEMI;
    else if (ch == '(') t.kind = T_OPEN;
    else if (ch == ')') t.kind = T_CLOSE;
  }
  t.end = x->i;
  return t;
}


/* The k-th token after the current one (k >= 1), without moving. */
static Token peek (const Lexer *x, int k) {
  Lexer copy = *x;
  Token t;
  do t = next_token(&copy); while (--k > 0);
  return t;
}


/* Is token `t` the keyword `kw` (upper case), in any case? */
static int is (const Lexer *x, Token t, const char *kw) {
  size_t n = strlen(kw), i;
  if (t.kind != T_WORD || t.end - t.start != n) return 0;
  for (i = 0; i < n; i++) {
    char ch = x->s[t.start + i];
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    if (ch != kw[i]) return 0;
  }
  return 1;
}


/* Does a statement that starts with the tokens w[0], w[1], w[2] start,
** commit or roll back a transaction? (The list is in the header comment.) */
static int controls (const Lexer *x, const Token *w) {
  if (is(x, w[0], "BEGIN"))
    return !(MYSQL(x) && is(x, w[1], "NOT") && is(x, w[2], "ATOMIC"));
  if (is(x, w[0], "START")) return is(x, w[1], "TRANSACTION");
  if (is(x, w[0], "COMMIT")) return 1;
  if (is(x, w[0], "ROLLBACK"))
    return !(is(x, w[1], "TO") ||
             ((is(x, w[1], "WORK") || is(x, w[1], "TRANSACTION")) && is(x, w[2], "TO")));
  if (MYSQL(x)) {
    if (is(x, w[0], "XA")) return 1;
    if (is(x, w[0], "LOCK") || is(x, w[0], "UNLOCK"))
      return is(x, w[1], "TABLE") || is(x, w[1], "TABLES");
    return 0;
  }
  if (is(x, w[0], "END") || is(x, w[0], "ABORT")) return 1;
  if (is(x, w[0], "PREPARE")) return is(x, w[1], "TRANSACTION");
  return 0;
}


/* Is `t` the kind of object whose definition has a body of statements? */
static int routine_word (const Lexer *x, Token t) {
  if (is(x, t, "FUNCTION") || is(x, t, "PROCEDURE")) return 1;
  return MYSQL(x) && (is(x, t, "TRIGGER") || is(x, t, "EVENT") ||
                      is(x, t, "PACKAGE"));
}


/* Blocks in a body: BEGIN (PostgreSQL: BEGIN ATOMIC) and, inside one,
** CASE open; END closes (MySQL: not END IF, END LOOP, END WHILE, END
** REPEAT, whose openers are not counted; END CASE closes its CASE). */
static void track_block (const Lexer *x, Token t, Token prev, int *depth) {
  if (is(x, t, "BEGIN")) {
    if (MYSQL(x) || is(x, peek(x, 1), "ATOMIC")) (*depth)++;
  }
  else if (is(x, t, "CASE")) {
    if (*depth > 0 && !(MYSQL(x) && is(x, prev, "END"))) (*depth)++;
  }
  else if (is(x, t, "END")) {
    Token next = peek(x, 1);
    if (MYSQL(x) && (is(x, next, "IF") || is(x, next, "LOOP") ||
                     is(x, next, "WHILE") || is(x, next, "REPEAT")))
      return;
    if (*depth > 0) (*depth)--;
  }
}


int lm_sql_transaction_control (const char *sql, size_t len, int flags,
                                size_t *at, size_t *n) {
  Lexer x = lexer(sql, len, flags);
  for (;;) {
    Token lead[3], t = next_token(&x), prev;
    int ntok = 0, paren = 0, depth = 0, found, routine, compound, is_set;
    size_t start, end;
    if (t.kind == T_END) return 0;
    if (t.kind == T_SEMI) continue;  /* an empty statement */
    lead[0] = t;
    lead[1] = peek(&x, 1);
    lead[2] = peek(&x, 2);
    found = controls(&x, lead);
    routine = is(&x, t, "CREATE");  /* 1: maybe a routine; 2: one */
    compound = MYSQL(&x) && is(&x, t, "BEGIN") && !found;  /* BEGIN NOT ATOMIC */
    is_set = MYSQL(&x) && is(&x, t, "SET");
    start = t.start;
    prev.kind = T_END;
    prev.start = prev.end = 0;
    for (;;) {
      end = t.end;
      ntok++;
      if (t.kind == T_OPEN) paren++;
      else if (t.kind == T_CLOSE) {
        if (paren > 0) paren--;
      }
      else if (t.kind == T_WORD) {
        if (routine == 1 && paren == 0 && ntok <= 12 && routine_word(&x, t))
          routine = 2;
        if ((routine == 2 || compound) && paren == 0)
          track_block(&x, t, prev, &depth);
        if ((is_set || compound) && is(&x, t, "AUTOCOMMIT")) found = 1;
        if (compound && depth > 0 && !is(&x, t, "BEGIN") && !is(&x, t, "END")) {
          Token w[3];
          w[0] = t;
          w[1] = peek(&x, 1);
          w[2] = peek(&x, 2);
          if (controls(&x, w)) found = 1;
        }
      }
      prev = t;
      t = next_token(&x);
      if (t.kind == T_END || (t.kind == T_SEMI && paren == 0 && depth == 0))
        break;
    }
    if (found) {
      *at = start;
      *n = end - start;
      return 1;
    }
    if (t.kind == T_END) return 0;
  }
}


size_t lm_sql_skip_space (const char *sql, size_t len, int flags) {
  Lexer x = lexer(sql, len, flags);
  skip_space(&x);
  return x.i;
}
