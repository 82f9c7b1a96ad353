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
** `function upgrade(`) makes record() return nil, and the Lua side
** evaluates the file instead; before a file's upgrade() runs, the Lua side
** also checks that both readings agree. The record also holds `doc`, the
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


/* The record fields the keys fill, in KEYS' order. */
static const char *const FIELDS[] = {
  "id", "down_revisions", "branch_labels", "depends_on", "transactional", NULL
};

/* Up to 32 letters, digits or _: what script.lua accepts as an id. */
static int valid_id (lua_State *L, int idx) {
  size_t n, i;
  const char *id;
  if (lua_type(L, idx) != LUA_TSTRING) return 0;
  id = lua_tolstring(L, idx, &n);
  if (n == 0 || n > 32) return 0;
  for (i = 0; i < n; i++) if (!is_ident(id[i])) return 0;
  return 1;
}

/* Turns the value on top (nil, a string or an array) into a list field:
** nil and {} become `none` (stack index none_idx), "x" becomes {"x"}. */
static void as_list (lua_State *L, int none_idx) {
  if (lua_isnil(L, -1) || (lua_istable(L, -1) && lua_rawlen(L, -1) == 0)) {
    lua_pop(L, 1);
    lua_pushvalue(L, none_idx);
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    lua_createtable(L, 1, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
  }
}

/* record(src, path, none) -> {id, down_revisions, depends_on, branch_labels,
** transactional, doc, path, source} | nil. The record script.lua keeps for a
** revision, built here in one table: listing ten thousand revisions spends
** most of its time making tables. Lists that are absent or empty are `none`
** (the caller's shared, read-only empty list). nil when the file is not in
** the literal form, or a value has the wrong type (a string where a list is
** due, an id with other characters): the Lua side then evaluates the file
** and reports what is wrong. */
static int r_record (lua_State *L) {
  size_t len;
  const char *src = luaL_checklstring(L, 1, &len);
  Scan s = { src, src + len };
  int seen[5] = { 0, 0, 0, 0, 0 };
  int upgrade = 0, i, rec;
  luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_createtable(L, 0, 8);
  rec = lua_gettop(L);
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
      if (i == 0) {
        if (!valid_id(L, -1)) return 0;
      } else if (i == 4) {
        if (!lua_isboolean(L, -1)) return 0;
      } else {
        if (lua_isboolean(L, -1)) return 0;
        as_list(L, 3);
      }
      lua_setfield(L, rec, FIELDS[i]);
      break;
    }
    if (!upgrade && KEYS[i] == NULL) upgrade = defines_upgrade(line);
    s.p = eol ? eol + 1 : s.end;
  }
  if (!seen[0] || !upgrade) return 0;
  for (i = 1; i <= 3; i++) {
    if (seen[i]) continue;
    lua_pushvalue(L, 3);
    lua_setfield(L, rec, FIELDS[i]);
  }
  if (!seen[4]) {
    lua_pushboolean(L, 1);
    lua_setfield(L, rec, FIELDS[4]);
  }
  push_doc(L, src, len);
  lua_setfield(L, rec, "doc");
  lua_pushvalue(L, 2);
  lua_setfield(L, rec, "path");
  lua_pushvalue(L, 1);
  lua_setfield(L, rec, "source");
  return 1;
}

static const luaL_Reg revscan_funcs[] = {
  {"record", r_record},
  {NULL, NULL}
};

LM_EXPORT int luaopen_luamig_revscan (lua_State *L) {
  luaL_newlib(L, revscan_funcs);
  return 1;
}
