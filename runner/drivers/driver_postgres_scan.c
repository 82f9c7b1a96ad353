/*
** driver_postgres_scan.c: the scan of SQL text for the PostgreSQL driver
** (lmpg_scan_sql): it counts the statements (prepare takes one, a script
** any number) and the `?` placeholders, and rewrites each `?` into the
** `$n` that the server wants.
**
** The `?` rewrite skips string literals ('...', E'...'), quoted
** identifiers, comments (nested block comments too) and dollar-quoted
** bodies; it assumes standard_conforming_strings = on (the default since
** 9.1). Every other `?` is a placeholder, so JSONB's `?`, `?|` and `?&`
** operators are written with their functions: jsonb_exists(),
** jsonb_exists_any(), jsonb_exists_all().
*/

#include <stdio.h>
#include <string.h>

#include "driver_postgres.h"


/*
** {======================================================
** Placeholders: `?` -> `$n`
** =======================================================
*/

static int ident_start (unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
         ch >= 0x80;
}

static int ident_char (unsigned char ch) {
  return ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}


/* End of a literal or identifier opened by `q` just before `p`: `q`
** doubled stays inside, and so does an escaped character when
** `backslash` (E'...'). An unterminated one runs to `end`. */
static const char *skip_quoted (const char *p, const char *end, char q,
                                int backslash) {
  while (p < end) {
    if (backslash && *p == '\\' && p + 1 < end)
      p += 2;
    else if (*p == q) {
      if (p + 1 < end && p[1] == q) p += 2;
      else return p + 1;
    }
    else p++;
  }
  return end;
}


/* End of a (nestable) block comment whose opening is just before `p`. */
static const char *skip_block_comment (const char *p, const char *end) {
  int depth = 1;
  while (p < end) {
    if (*p == '/' && p + 1 < end && p[1] == '*') {
      depth++;
      p += 2;
    }
    else if (*p == '*' && p + 1 < end && p[1] == '/') {
      p += 2;
      if (--depth == 0) return p;
    }
    else p++;
  }
  return end;
}


/* When `p` (a `$`) opens a dollar-quoted body ($$ or $tag$), its end;
** else NULL. */
static const char *skip_dollar (const char *p, const char *end) {
  const char *t = p + 1;
  size_t taglen;
  if (t < end && ident_start((unsigned char)*t)) {
    while (t < end && ident_char((unsigned char)*t) && *t != '$') t++;
  }
  if (t >= end || *t != '$') return NULL;
  taglen = (size_t)(t - p) + 1;  /* with both dollars */
  for (t++; t + taglen <= end; t++) {
    if (*t == '$' && memcmp(t, p, taglen) == 0) return t + taglen;
  }
  return end;
}


/* Scan `len` bytes of SQL: count the `?` placeholders and the statements
** (separated by `;`, blanks and comments alone are none). When `out` is
** not NULL, write the SQL there with `$n` for each placeholder, and a
** NUL; it needs room for len + 1 + (digits of n + 1) * placeholders. */
long lmpg_scan_sql (const char *sql, size_t len, char *out, int *nstmts) {
  const char *p = sql, *end = sql + len, *mark = sql;
  long nparams = 0;
  int content = 0;
  *nstmts = 0;
  while (p < end) {
    unsigned char ch = (unsigned char)*p;
    if (ch == '\'') {
      p = skip_quoted(p + 1, end, '\'', 0);
      content = 1;
    }
    else if (ch == '"') {
      p = skip_quoted(p + 1, end, '"', 0);
      content = 1;
    }
    else if (ch == '-' && p + 1 < end && p[1] == '-') {
      while (p < end && *p != '\n') p++;
    }
    else if (ch == '/' && p + 1 < end && p[1] == '*')
      p = skip_block_comment(p + 2, end);
    else if (ch == '$' && skip_dollar(p, end) != NULL) {
      p = skip_dollar(p, end);
      content = 1;
    }
    else if (ident_start(ch)) {
      const char *s = p;
      while (p < end && ident_char((unsigned char)*p)) p++;
      if (p - s == 1 && (*s == 'E' || *s == 'e') && p < end && *p == '\'')
        p = skip_quoted(p + 1, end, '\'', 1);
      content = 1;
    }
    else if (ch == '?') {
      nparams++;
      if (out != NULL) {
        memcpy(out, mark, (size_t)(p - mark));
        out += p - mark;
        out += sprintf(out, "$%ld", nparams);
      }
      mark = ++p;
      content = 1;
    }
    else if (ch == ';') {
      if (content) (*nstmts)++;
      content = 0;
      p++;
    }
    else {
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' &&
          ch != '\f' && ch != '\v')
        content = 1;
      p++;
    }
  }
  if (content) (*nstmts)++;
  if (out != NULL) {
    memcpy(out, mark, (size_t)(end - mark));
    out[end - mark] = '\0';
  }
  return nparams;
}

/* }====================================================== */
