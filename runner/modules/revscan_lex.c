/*
** revscan_lex.c: the Lua tokens of a revision file, for luamig.revscan
** (revscan.c, which builds the record from them). A token is read as
** Lua's own llex.c reads it: comments, long comments and long strings of
** any level, short strings and their escapes (checked, so that a string
** Lua would refuse is an error here too), numerals as llex.c delimits
** them, names and keywords, and the operators; the names that revscan.c
** watches (the metadata keys, upgrade, downgrade, _ENV) are told apart.
*/

#include <string.h>

#include "revscan_lex.h"


/* ---------------------------------------------------------------- lexing */

static int is_alpha (int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit (int c) { return c >= '0' && c <= '9'; }

int lmrs_is_alnum (int c) { return is_alpha(c) || is_digit(c); }

static int is_xdigit (int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int lmrs_is_space (int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* At '[': the level of a long bracket `[==[` (the count of '='), leaving
** the scan after it; -1 when it is a plain '[' (scan after it); -2 for
** '[=' not followed by '[' (an error in Lua). */
static int long_bracket (Scan *s) {
  const char *q = s->p + 1;
  int level;
  while (q < s->end && *q == '=') q++;
  level = (int)(q - s->p - 1);
  if (q < s->end && *q == '[') {
    s->p = q + 1;
    return level;
  }
  s->p++;
  return level == 0 ? -1 : -2;
}

/* Skips a long string or comment's contents up to its closing bracket of
** the same level; 0 if it is never closed. */
static int skip_long (Scan *s, int level) {
  for (;;) {
    const char *q = (const char *)memchr(s->p, ']', (size_t)(s->end - s->p));
    const char *r;
    if (q == NULL) return 0;
    r = q + 1;
    while (r < s->end && *r == '=' && r - q - 1 < level) r++;
    if (r - q - 1 == level && r < s->end && *r == ']') {
      s->p = r + 1;
      return 1;
    }
    s->p = q + 1;
  }
}

/* After a backslash in a short string: checks and skips one escape
** sequence (llex.c's read_string); 0 if Lua would refuse it. */
static int skip_escape (Scan *s) {
  int c, i;
  if (s->p >= s->end) return 0;
  c = (unsigned char)*s->p++;
  switch (c) {
    case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v':
    case '\\': case '"': case '\'':
      return 1;
    case '\n': case '\r':  /* a line break, \n\r or \r\n counting as one */
      if (s->p < s->end && (*s->p == '\n' || *s->p == '\r') && *s->p != c) s->p++;
      return 1;
    case 'z':
      while (s->p < s->end && lmrs_is_space((unsigned char)*s->p)) s->p++;
      return 1;
    case 'x':
      for (i = 0; i < 2; i++, s->p++)
        if (s->p >= s->end || !is_xdigit((unsigned char)*s->p)) return 0;
      return 1;
    case 'u': {
      unsigned long v = 0;
      if (s->p >= s->end || *s->p++ != '{') return 0;
      if (s->p >= s->end || !is_xdigit((unsigned char)*s->p)) return 0;
      while (s->p < s->end && is_xdigit((unsigned char)*s->p)) {
        int d = (unsigned char)*s->p++;
        v = v * 16 + (unsigned long)(is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
        if (v > 0x7FFFFFFFul) return 0;
      }
      return s->p < s->end && *s->p++ == '}';
    }
    default: {
      int v = 0;
      if (!is_digit(c)) return 0;
      v = c - '0';
      for (i = 1; i < 3 && s->p < s->end && is_digit((unsigned char)*s->p); i++)
        v = v * 10 + (*s->p++ - '0');
      return v <= 255;
    }
  }
}

/* A short string; the opening quote is at s->p. */
static Kind read_string (Scan *s, Token *t) {
  char quote = *s->p++;
  t->p = s->p;
  t->plain = 1;
  for (;;) {
    const char *q = s->p;
    while (q < s->end && *q != quote && *q != '\\' && *q != '\n' && *q != '\r') q++;
    s->p = q;
    if (q >= s->end || *q == '\n' || *q == '\r') return T_ERROR;  /* unfinished */
    if (*q == quote) break;
    t->plain = 0;
    s->p++;
    if (!skip_escape(s)) return T_ERROR;
  }
  t->len = (size_t)(s->p - t->p);
  s->p++;
  return T_STRING;
}

/* A numeral, as llex.c's read_numeral delimits it (its value is Lua's
** business: a malformed one fails when the file is compiled). */
static Kind read_number (Scan *s) {
  const char *expo = "Ee";
  if (s->p + 1 < s->end && s->p[0] == '0' && (s->p[1] == 'x' || s->p[1] == 'X')) {
    expo = "Pp";
    s->p += 2;
  }
  while (s->p < s->end) {
    int c = (unsigned char)*s->p;
    if ((c == expo[0] || c == expo[1]) && s->p + 1 < s->end && (s->p[1] == '+' || s->p[1] == '-'))
      s->p += 2;
    else if (is_xdigit(c) || c == '.' || is_alpha(c))
      s->p++;
    else
      break;
  }
  return T_NUMBER;
}

/* The kind of a name: a keyword, or T_NAME. */
static Kind keyword (const char *p, size_t n) {
#define KW(word, kind) if (n == sizeof(word) - 1 && memcmp(p, word, n) == 0) return kind
  switch (p[0]) {
    case 'a': KW("and", K_AND); break;
    case 'b': KW("break", K_BREAK); break;
    case 'd': KW("do", K_DO); break;
    case 'e': KW("end", K_END); KW("else", K_ELSE); KW("elseif", K_ELSEIF); break;
    case 'f': KW("function", K_FUNCTION); KW("false", K_FALSE); KW("for", K_FOR); break;
    case 'g': KW("goto", K_GOTO); break;
    case 'i': KW("if", K_IF); KW("in", K_IN); break;
    case 'l': KW("local", K_LOCAL); break;
    case 'n': KW("nil", K_NIL); KW("not", K_NOT); break;
    case 'o': KW("or", K_OR); break;
    case 'r': KW("return", K_RETURN); KW("repeat", K_REPEAT); break;
    case 't': KW("then", K_THEN); KW("true", K_TRUE); break;
    case 'u': KW("until", K_UNTIL); break;
    case 'w': KW("while", K_WHILE); break;
    default: break;
  }
  return T_NAME;
}

Watched lmrs_watched (const Token *t) {
  const char *p = t->p;
  size_t n = t->len;
  switch (p[0]) {
    case 'r': KW("revision", N_REVISION); break;
    case 'd': KW("down_revision", N_DOWN_REVISION); KW("depends_on", N_DEPENDS_ON);
              KW("downgrade", N_DOWNGRADE); KW("downgrade_expand", N_DOWNGRADE_EXPAND);
              KW("downgrade_contract", N_DOWNGRADE_CONTRACT); break;
    case 'e': KW("expand", N_EXPAND); break;
    case 'c': KW("contract", N_CONTRACT); break;
    case 'b': KW("branch_labels", N_BRANCH_LABELS); break;
    case 't': KW("transactional", N_TRANSACTIONAL); break;
    case 'u': KW("upgrade", N_UPGRADE); break;
    case '_': KW("_ENV", N_ENV); break;
    default: break;
  }
  return N_OTHER;
#undef KW
}

/* At a character that starts `one` alone and `two` when `second` follows
** (= and ==, : and ::, . and ..): consumes the token, returns its kind. */
static int one_or_two (Scan *s, char second, int one, int two) {
  s->p++;
  if (s->p < s->end && *s->p == second) { s->p++; return two; }
  return one;
}

/* Reads the next token into t; comments and blanks are skipped. */
void lmrs_next_token (Scan *s, Token *t) {
  for (;;) {
    int c, level;
    if (s->p >= s->end) { t->kind = T_EOF; return; }
    c = (unsigned char)*s->p;
    switch (c) {
      case ' ': case '\t': case '\n': case '\r': case '\v': case '\f':
        s->p++;
        continue;
      case '-':
        if (s->p + 1 >= s->end || s->p[1] != '-') { s->p++; t->kind = P_OP; return; }
        s->p += 2;
        if (s->p < s->end && *s->p == '[') {
          Scan at = *s;
          level = long_bracket(&at);
          if (level >= 0) {  /* a long comment */
            *s = at;
            if (!skip_long(s, level)) { t->kind = T_ERROR; return; }
            continue;
          }
        }
        while (s->p < s->end && *s->p != '\n' && *s->p != '\r') s->p++;  /* a line comment */
        continue;
      case '[':
        level = long_bracket(s);
        if (level == -1) { t->kind = P_LBRACKET; return; }
        t->plain = 0;
        t->kind = level >= 0 && skip_long(s, level) ? T_STRING : T_ERROR;
        return;
      case '"': case '\'':
        t->kind = read_string(s, t);
        return;
      case '=':
        t->kind = one_or_two(s, '=', P_ASSIGN, P_OP);
        return;
      case '<': case '>': case '/': case '~':
        s->p++;
        if (s->p < s->end && (*s->p == '=' || ((c == '<' || c == '>' || c == '/') && *s->p == c))) s->p++;
        t->kind = P_OP;
        return;
      case ':':
        t->kind = one_or_two(s, ':', P_COLON, P_DBCOLON);
        return;
      case '.':
        if (s->p + 1 < s->end && is_digit((unsigned char)s->p[1])) { t->kind = read_number(s); return; }
        t->kind = one_or_two(s, '.', P_DOT, P_OP);  /* P_OP: .. */
        if (t->kind == P_OP && s->p < s->end && *s->p == '.') { s->p++; t->kind = P_DOTS; }
        return;
      case '(': s->p++; t->kind = P_LPAREN; return;
      case ')': s->p++; t->kind = P_RPAREN; return;
      case ']': s->p++; t->kind = P_RBRACKET; return;
      case '{': s->p++; t->kind = P_LBRACE; return;
      case '}': s->p++; t->kind = P_RBRACE; return;
      case ';': s->p++; t->kind = P_SEMI; return;
      case ',': s->p++; t->kind = P_COMMA; return;
      case '+': case '*': case '%': case '^': case '#': case '&': case '|':
        s->p++;
        t->kind = P_OP;
        return;
      default:
        if (is_digit(c)) { t->kind = read_number(s); return; }
        if (!is_alpha(c)) { t->kind = T_ERROR; return; }  /* not a character of Lua's */
        t->p = s->p;
        while (s->p < s->end && lmrs_is_alnum((unsigned char)*s->p)) s->p++;
        t->len = (size_t)(s->p - t->p);
        t->kind = keyword(t->p, t->len);
        return;
    }
  }
}
