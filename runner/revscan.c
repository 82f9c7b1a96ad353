/*
** revscan.c: reading a revision file's metadata without compiling it
** (module luamig.revscan). Listing revisions (current, heads, history) must
** stay fast for tens of thousands of files; compiling each one, or even
** scanning it with Lua patterns, costs more than reading it. So the literal
** top-level assignments that `luamig revision` writes are read here:
**
**   revision = "id"
**   down_revision = nil | "id" | { "a", "b" }
**   branch_labels = ...   depends_on = ...   transactional = true | false
**
** each at the start of a line, once, with a plain quoted string (no
** escapes) or a one-line list of them, optionally followed by a comment.
** Anything else (a computed value, a repeated key, an escape, no visible
** `function upgrade(`) makes metadata() return nil, and the Lua side
** evaluates the file instead; before a file's upgrade() runs, the Lua side
** also checks that both readings agree. The table also holds `doc`, the
** first line's comment, the revision's description.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"

static const char *const KEYS[] = {
  "revision", "down_revision", "branch_labels", "depends_on", "transactional", NULL
};

typedef struct Scan {
  const char *p, *end;
} Scan;

static void skip_blanks (Scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t')) s->p++;
}

static int is_ident (char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int take_word (Scan *s, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return 0;
  if (s->p + n < s->end && is_ident(s->p[n])) return 0;
  s->p += n;
  return 1;
}

/* A quoted string without escapes or line breaks: pushes it. */
static int string_literal (lua_State *L, Scan *s) {
  const char *start;
  char quote;
  if (s->p >= s->end || (*s->p != '"' && *s->p != '\'')) return 0;
  quote = *s->p++;
  start = s->p;
  while (s->p < s->end && *s->p != quote) {
    if (*s->p == '\\' || *s->p == '\n') return 0;
    s->p++;
  }
  if (s->p >= s->end) return 0;
  lua_pushlstring(L, start, (size_t)(s->p - start));
  s->p++;
  return 1;
}

/* { "a", "b" } on one line: pushes an array. */
static int list_literal (lua_State *L, Scan *s) {
  lua_Integer n = 0;
  if (s->p >= s->end || *s->p != '{') return 0;
  s->p++;
  lua_newtable(L);
  for (;;) {
    skip_blanks(s);
    if (s->p < s->end && *s->p == '}') { s->p++; return 1; }
    if (!string_literal(L, s)) { lua_pop(L, 1); return 0; }
    lua_rawseti(L, -2, ++n);
    skip_blanks(s);
    if (s->p < s->end && *s->p == ',') s->p++;
  }
}

/* The value after `key =`: pushes it (nil included); 0 if not a literal. */
static int value (lua_State *L, Scan *s) {
  skip_blanks(s);
  if (take_word(s, "nil")) lua_pushnil(L);
  else if (take_word(s, "true")) lua_pushboolean(L, 1);
  else if (take_word(s, "false")) lua_pushboolean(L, 0);
  else if (!string_literal(L, s) && !list_literal(L, s)) return 0;
  skip_blanks(s);
  if (s->p < s->end && *s->p == '\r') s->p++;
  if (s->p == s->end || *s->p == '\n') return 1;
  if (s->end - s->p >= 2 && s->p[0] == '-' && s->p[1] == '-') return 1;
  lua_pop(L, 1);
  return 0;
}

/* `function upgrade(` or `upgrade = function` at the start of this line. */
static int defines_upgrade (Scan line) {
  if (take_word(&line, "function")) {
    skip_blanks(&line);
    if (!take_word(&line, "upgrade")) return 0;
    skip_blanks(&line);
    return line.p < line.end && *line.p == '(';
  }
  if (!take_word(&line, "upgrade")) return 0;
  skip_blanks(&line);
  if (line.p >= line.end || *line.p != '=') return 0;
  line.p++;
  skip_blanks(&line);
  return take_word(&line, "function");
}

/* The first line's comment text (`-- create links` -> "create links"), as
** `luamig revision -m` writes the docstring; "" when the file does not
** start with a line comment. Pushes it. */
static void push_doc (lua_State *L, const char *src, size_t len) {
  Scan s = { src, src + len };
  const char *start;
  while (s.p < s.end && (*s.p == ' ' || *s.p == '\t' || *s.p == '\r' || *s.p == '\n')) s.p++;
  if (s.end - s.p < 2 || s.p[0] != '-' || s.p[1] != '-' || (s.p + 2 < s.end && s.p[2] == '[')) {
    lua_pushliteral(L, "");
    return;
  }
  s.p += 2;
  skip_blanks(&s);
  start = s.p;
  while (s.p < s.end && *s.p != '\n' && *s.p != '\r') s.p++;
  lua_pushlstring(L, start, (size_t)(s.p - start));
}


/* metadata(src) -> {revision = ..., down_revision = ..., ..., doc = ...} | nil */
static int r_metadata (lua_State *L) {
  size_t len;
  const char *src = luaL_checklstring(L, 1, &len);
  Scan s = { src, src + len };
  int seen[5] = { 0, 0, 0, 0, 0 };
  int upgrade = 0, i;
  lua_createtable(L, 0, 5);
  while (s.p < s.end) {
    const char *eol = memchr(s.p, '\n', (size_t)(s.end - s.p));
    Scan line = { s.p, eol ? eol : s.end };
    for (i = 0; KEYS[i] != NULL; i++) {
      Scan at = line;
      if (!take_word(&at, KEYS[i])) continue;
      skip_blanks(&at);
      if (at.p >= at.end || *at.p != '=' || (at.p + 1 < at.end && at.p[1] == '=')) break;
      at.p++;
      if (seen[i] || !value(L, &at)) return 0;  /* repeated or not literal */
      seen[i] = 1;
      lua_setfield(L, -2, KEYS[i]);
      break;
    }
    if (!upgrade && KEYS[i] == NULL) upgrade = defines_upgrade(line);
    s.p = eol ? eol + 1 : s.end;
  }
  if (!seen[0] || !upgrade) return 0;
  push_doc(L, src, len);
  lua_setfield(L, -2, "doc");
  return 1;
}

static const luaL_Reg revscan_funcs[] = {
  {"metadata", r_metadata},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_revscan (lua_State *L) {
  luaL_newlib(L, revscan_funcs);
  return 1;
}
