/*
** revscan.c: reading a revision file's metadata without compiling it
** (module luamig.revscan). Listing revisions (current, heads, history) must
** stay fast for tens of thousands of files; compiling each one costs more
** than reading it. So the file is read as Lua tokens (revscan_lex.c, after
** Lua's own llex.c: comments, long comments and long strings of any level,
** short strings and their escapes), followed here with the nesting of
** blocks and brackets, and the literal top-level statements that `luamig
** revision` writes are taken:
**
**   revision = "id"
**   down_revision = nil | "id" | { "a", "b" }
**   branch_labels = ...   depends_on = ...   transactional = nil | true | false
**   function upgrade() ... end   [function downgrade() ... end]
**   (or function expand() and function contract(), with downgrade_expand
**   and downgrade_contract beside them: a phased revision)
**
** A key is taken only as a statement of its own at the top level (after a
** statement's end, and followed by the start of another), once, with a
** plain value: nil, true, false, a quoted string without escapes or a
** list of them. Anything the scanner cannot vouch for makes record()
** return nil, and the Lua side evaluates the file instead (correct, only
** slower): a key or upgrade/downgrade named anywhere else as a global (in
** a block, a function, a table constructor, a local, an expression), any
** _ENV, goto, a return outside a function (either can skip statements), a
** value of another form, unbalanced blocks or brackets, an unfinished
** string or comment, a character Lua does not read. Before a file's
** upgrade() runs, script.lua evaluates it and checks that both readings
** agree. The top level may hold nothing else but `local function f(`:
** any other top-level statement (a call, a local, a loop) runs when the
** file is listed, so such a file is evaluated, and what it does there (an
** error, an op outside upgrade()) is seen by every command, not only by
** the one that runs the revision. The record also holds `doc`, the first
** line's comment, the revision's description.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "revscan.h"
#include "revscan_lex.h"

/* Deeper nesting is left to evaluation (Lua's own parser stops at 200
** nested C levels). */
#define MAX_DEPTH 200

#define N_KEYS 5  /* the metadata keys: N_REVISION .. N_TRANSACTIONAL */

/* The record fields the keys fill. */
static const char *const FIELDS[N_KEYS] = {
  "id", "down_revisions", "branch_labels", "depends_on", "transactional"
};


/* ---------------------------------------------------------------- values */

/* Pushes the plain value that starts at t (its last token is left in t):
** nil, true, false, a plain string or a list of them; 0 for anything else. */
static int push_value (lua_State *L, Scan *s, Token *t) {
  lua_Integer n = 0;
  switch (t->kind) {
    case K_NIL: lua_pushnil(L); return 1;
    case K_TRUE: lua_pushboolean(L, 1); return 1;
    case K_FALSE: lua_pushboolean(L, 0); return 1;
    case T_STRING:
      if (!t->plain) return 0;
      lua_pushlstring(L, t->p, t->len);
      return 1;
    case P_LBRACE:
      lua_newtable(L);
      for (;;) {
        lmrs_next_token(s, t);
        if (t->kind == P_RBRACE) return 1;
        if (t->kind != T_STRING || !t->plain) break;
        lua_pushlstring(L, t->p, t->len);
        lua_rawseti(L, -2, ++n);
        lmrs_next_token(s, t);
        if (t->kind == P_RBRACE) return 1;
        if (t->kind != P_COMMA && t->kind != P_SEMI) break;
      }
      lua_pop(L, 1);
      return 0;
    default:
      return 0;
  }
}

/* Up to 32 letters, digits or _: what script.lua accepts as an id. */
static int valid_id (lua_State *L, int idx) {
  size_t n, i;
  const char *id;
  if (lua_type(L, idx) != LUA_TSTRING) return 0;
  id = lua_tolstring(L, idx, &n);
  if (n == 0 || n > 32) return 0;
  for (i = 0; i < n; i++) if (!lmrs_is_alnum((unsigned char)id[i])) return 0;
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

/* Checks the value on top for key k, sets it in the record (at rec);
** 0 if it has the wrong type for its key (evaluation then says so). */
static int set_field (lua_State *L, int k, int rec, int none_idx) {
  if (k == N_REVISION) {
    if (!valid_id(L, -1)) return 0;
  } else if (k == N_TRANSACTIONAL) {
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushboolean(L, 1);  /* the default */
    }
    else if (!lua_isboolean(L, -1)) return 0;
  } else {
    if (lua_isboolean(L, -1)) return 0;
    as_list(L, none_idx);
  }
  lua_setfield(L, rec, FIELDS[k]);
  return 1;
}


/* ------------------------------------------------------------ statements */

/* Can a statement start after a token of this kind (at the top level)?
** After the end of an expression or of a block, yes; after an operator,
** a keyword that wants more, `=`, `,` or `::`, no. */
static int ends_statement (Kind k) {
  switch (k) {
    case T_EOF:  /* the start of the file */
    case P_SEMI: case P_RPAREN: case P_RBRACKET: case P_RBRACE: case K_END:
    case T_NAME: case T_STRING: case T_NUMBER: case K_NIL: case K_TRUE: case K_FALSE:
    case P_DOTS:
      return 1;
    default:
      return 0;
  }
}

/* Does a token of this kind start a statement, or end the file? What must
** follow a key's value: anything else (`..`, `or`, `==`, `,`...) would
** make the value part of a longer expression. */
static int starts_statement (Kind k) {
  switch (k) {
    case T_EOF: case P_SEMI: case T_NAME: case P_DBCOLON:
    case K_LOCAL: case K_FUNCTION: case K_IF: case K_WHILE: case K_DO: case K_FOR:
    case K_REPEAT: case K_RETURN: case K_GOTO: case K_BREAK:
      return 1;
    default:
      return 0;
  }
}

/* The opener each closer needs: blocks end with `end` (F for a function's),
** `repeat` with `until`, brackets with theirs. */
#define OPEN_BLOCK 'e'
#define OPEN_FUNCTION 'f'
#define OPEN_REPEAT 'r'

/* Pushes the fields of the record at rec from the file's tokens; 0 if the
** file is not in the literal form. */
static int scan (lua_State *L, Scan *s, int rec, int none_idx) {
  char stack[MAX_DEPTH];
  int depth = 0, functions = 0;  /* functions: open function bodies */
  int seen[N_OTHER] = { 0 };
  Kind prev = T_EOF;
  int prev_starts = 0;  /* prev is a `function` that starts a top-level statement */
  int need_start = 0;   /* a key's value was just read */
  int after_local = 0;  /* a top-level `local`, which must be `local function` */
  Token t;
  for (;;) {
    lmrs_next_token(s, &t);
    if (need_start && !starts_statement(t.kind)) return 0;
    need_start = 0;
    if (after_local && t.kind != K_FUNCTION) return 0;
    after_local = 0;
    if (depth == 0) {
      /* only keys, functions and `local function` at the top level */
      switch (t.kind) {
        case K_LOCAL: after_local = 1; prev = t.kind; continue;
        case K_IF: case K_DO: case K_WHILE: case K_FOR: case K_REPEAT: case K_BREAK:
        case P_DBCOLON: case P_LPAREN:
          return 0;
        case T_NAME:
          if (lmrs_watched(&t) == N_OTHER) return 0;
          break;
        default:
          break;
      }
    }
    switch (t.kind) {
      case T_EOF:
        /* a phased revision (expand/contract) may leave upgrade out */
        return depth == 0 && seen[N_REVISION] && (seen[N_UPGRADE] || (seen[N_EXPAND] && seen[N_CONTRACT]));
      case T_ERROR: case K_GOTO:
        return 0;
      case K_RETURN:
        if (functions == 0) return 0;  /* leaves the main chunk */
        break;
      case T_NAME: {
        Watched w = prev == P_DOT || prev == P_COLON ? N_OTHER : lmrs_watched(&t);
        if (w == N_OTHER) break;
        if (w == N_ENV || seen[w]) return 0;
        seen[w] = 1;
        if (w >= N_UPGRADE && w <= N_DOWNGRADE_CONTRACT) {
          /* only `function upgrade(` as a top-level statement */
          if (!prev_starts) return 0;
          lmrs_next_token(s, &t);
          if (t.kind != P_LPAREN) return 0;
          stack[depth++] = '(';
          break;
        }
        if (depth != 0 || !ends_statement(prev)) return 0;
        lmrs_next_token(s, &t);
        if (t.kind != P_ASSIGN) return 0;
        lmrs_next_token(s, &t);
        if (!push_value(L, s, &t) || !set_field(L, (int)w, rec, none_idx)) return 0;
        need_start = 1;
        break;
      }
      case K_FUNCTION: case K_DO: case K_IF: case K_REPEAT:
      case P_LPAREN: case P_LBRACKET: case P_LBRACE: {
        int starts = t.kind == K_FUNCTION && depth == 0 && ends_statement(prev);
        if (depth == MAX_DEPTH) return 0;
        switch (t.kind) {
          case K_FUNCTION: stack[depth++] = OPEN_FUNCTION; functions++; break;
          case K_REPEAT: stack[depth++] = OPEN_REPEAT; break;
          case P_LPAREN: stack[depth++] = '('; break;
          case P_LBRACKET: stack[depth++] = '['; break;
          case P_LBRACE: stack[depth++] = '{'; break;
          default: stack[depth++] = OPEN_BLOCK; break;
        }
        prev = t.kind;
        prev_starts = starts;
        continue;
      }
      case K_END:
        if (depth == 0 || (stack[depth - 1] != OPEN_BLOCK && stack[depth - 1] != OPEN_FUNCTION)) return 0;
        if (stack[--depth] == OPEN_FUNCTION) functions--;
        break;
      case K_UNTIL:
        if (depth == 0 || stack[--depth] != OPEN_REPEAT) return 0;
        break;
      case P_RPAREN: case P_RBRACKET: case P_RBRACE: {
        char want = t.kind == P_RPAREN ? '(' : t.kind == P_RBRACKET ? '[' : '{';
        if (depth == 0 || stack[--depth] != want) return 0;
        break;
      }
      default:
        break;
    }
    prev = t.kind;
    prev_starts = 0;
  }
}

/* The first line's comment text (`-- create links` -> "create links"), as
** `luamig revision -m` writes the docstring; "" when the file does not
** start with a line comment. Pushes it. */
static void push_doc (lua_State *L, const char *src, size_t len) {
  Scan s = { src, src + len };
  const char *start;
  while (s.p < s.end && lmrs_is_space((unsigned char)*s.p)) s.p++;
  if (s.end - s.p < 2 || s.p[0] != '-' || s.p[1] != '-' || (s.p + 2 < s.end && s.p[2] == '[')) {
    lua_pushliteral(L, "");
    return;
  }
  s.p += 2;
  while (s.p < s.end && (*s.p == ' ' || *s.p == '\t')) s.p++;
  start = s.p;
  while (s.p < s.end && *s.p != '\n' && *s.p != '\r') s.p++;
  lua_pushlstring(L, start, (size_t)(s.p - start));
}

/* record(src, path, none) -> {id, down_revisions, depends_on, branch_labels,
** transactional, doc, path, source} | nil. The record script.lua keeps for a
** revision, built here in one table: listing ten thousand revisions spends
** most of its time making tables. Lists that are absent or empty are `none`
** (the caller's shared, read-only empty list). nil when the file is not in
** the literal form, or a value has the wrong type (a string where a list is
** due, an id with other characters, a transactional that is not a
** boolean): the Lua side then evaluates the file and reports what is
** wrong. */
static int r_record (lua_State *L) {
  size_t len;
  const char *src = luaL_checklstring(L, 1, &len);
  Scan s = { src, src + len };
  int rec, i;
  luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lua_createtable(L, 0, 8);
  rec = lua_gettop(L);
  if (!scan(L, &s, rec, 3)) return 0;
  for (i = N_DOWN_REVISION; i <= N_DEPENDS_ON; i++) {
    if (lua_getfield(L, rec, FIELDS[i]) == LUA_TNIL) {
      lua_pushvalue(L, 3);
      lua_setfield(L, rec, FIELDS[i]);
    }
    lua_pop(L, 1);
  }
  if (lua_getfield(L, rec, FIELDS[N_TRANSACTIONAL]) == LUA_TNIL) {
    lua_pushboolean(L, 1);
    lua_setfield(L, rec, FIELDS[N_TRANSACTIONAL]);
  }
  lua_pop(L, 1);
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
