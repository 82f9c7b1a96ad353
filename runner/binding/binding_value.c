/*
** binding_value.c: values crossing the binding (module luamig.driver):
** the null sentinel, blobs, Lua arguments converted to lm_value
** parameters, column values and failures converted to Lua values.
** See binding.h.
*/

#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"

#define BLOB_MT    "luamig.Blob"
#define NULL_MT    "luamig.Null"
#define NULL_KEY   "luamig.null"   /* registry field of the null sentinel */


/*
** {======================================================
** null and blob
** =======================================================
*/

static void push_null (lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY);
}


static int null_tostring (lua_State *L) {
  lua_pushliteral(L, "null");
  return 1;
}


/* driver.blob(bytes): a string that binds as a BLOB. */
static int d_blob (lua_State *L) {
  luaL_checktype(L, 1, LUA_TSTRING);
  lua_newuserdatauv(L, 0, 1);
  luaL_setmetatable(L, BLOB_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  return 1;
}


/* tostring(blob) gives the bytes back; #blob is their length. */
static int blob_tostring (lua_State *L) {
  luaL_checkudata(L, 1, BLOB_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}


static int blob_len (lua_State *L) {
  luaL_checkudata(L, 1, BLOB_MT);
  lua_getiuservalue(L, 1, 1);
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
  return 1;
}

/* }====================================================== */


/*
** {======================================================
** Parameters
** =======================================================
*/

/* The Lua value at `idx` as a parameter: 1, or 0 for a value no driver
** can take (a table, a function...), without raising, for callers that
** must clean up first (a bulk insert with a statement in flight). Strings
** stay on the stack (a blob's string is anchored by the blob), so the
** pointers live as long as the value does. */
int lmb_to_value (lua_State *L, int idx, lm_value *v) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      v->type = LM_NULL;
      return 1;
    case LUA_TBOOLEAN:
      v->type = LM_BOOL;
      v->v.b = lua_toboolean(L, idx);
      return 1;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        v->type = LM_INTEGER;
        v->v.i = (int64_t)lua_tointeger(L, idx);
      }
      else {
        v->type = LM_FLOAT;
        v->v.f = (double)lua_tonumber(L, idx);
      }
      return 1;
    case LUA_TSTRING:
      v->type = LM_TEXT;
      v->v.s.ptr = lua_tolstring(L, idx, &v->v.s.len);
      return 1;
    case LUA_TUSERDATA:
      if (luaL_testudata(L, idx, NULL_MT) != NULL) {
        v->type = LM_NULL;
        return 1;
      }
      if (luaL_testudata(L, idx, BLOB_MT) != NULL) {
        lua_getiuservalue(L, idx, 1);
        v->type = LM_BLOB;
        v->v.s.ptr = lua_tolstring(L, -1, &v->v.s.len);
        lua_pop(L, 1);
        return 1;
      }
      return 0;
    default:
      return 0;
  }
}

/* Convert the argument at `idx` into a parameter; raises for a value that
** cannot be bound. */
void lmb_check_value (lua_State *L, int idx, lm_value *v) {
  if (!lmb_to_value(L, idx, v))
    luaL_argerror(L, idx, lua_pushfstring(L, "cannot bind a %s",
                                          luaL_typename(L, idx)));
}


/* Convert the `n` arguments from `first` on, into `small` when they fit. */
lm_value *lmb_check_params (lua_State *L, int first, int n,
                            lm_value *small) {
  lm_value *vals = small;
  int i;
  if (n > LMB_NSMALL)
    vals = (lm_value *)lua_newuserdatauv(L, (size_t)n * sizeof(lm_value), 0);
  for (i = 0; i < n; i++)
    lmb_check_value(L, first + i, &vals[i]);
  return vals;
}

/* }====================================================== */


/*
** {======================================================
** Results and failures
** =======================================================
*/

/* A DECIMAL's digits as a Lua number: an integer when they are one that
** fits, else the nearest float (PostgreSQL's NaN and Infinity included). */
static void push_decimal_number (lua_State *L, const char *p, size_t len) {
  const char *text = lua_pushlstring(L, p ? p : "", len);
  if (lua_stringtonumber(L, text) != 0) {
    lua_remove(L, -2);
    return;
  }
  /* NaN, Infinity, or more digits than Lua reads */
  lua_pushnumber(L, (lua_Number)strtod(text, NULL));
  lua_remove(L, -2);
}

/* SQL NULL becomes the sentinel, not nil, so that rows have no holes.
** DECIMAL comes as its digits, exactly, unless the statement was prepared
** with decimals = "number". */
void lmb_push_value (lua_State *L, const lm_value *v, int decimal_numbers) {
  switch (v->type) {
    case LM_INTEGER: lua_pushinteger(L, (lua_Integer)v->v.i); break;
    case LM_FLOAT: lua_pushnumber(L, (lua_Number)v->v.f); break;
    case LM_BOOL: lua_pushboolean(L, v->v.b); break;
    case LM_DECIMAL:
      if (decimal_numbers) {
        push_decimal_number(L, v->v.s.ptr, v->v.s.len);
        break;
      }
      /* FALLTHROUGH */
    case LM_TEXT: case LM_BLOB:
      lua_pushlstring(L, v->v.s.ptr ? v->v.s.ptr : "", v->v.s.len);
      break;
    default: push_null(L); break;
  }
}


static void set_opt_field (lua_State *L, const char *key, const char *s) {
  if (s[0] != '\0') {
    lua_pushstring(L, s);
    lua_setfield(L, -2, key);
  }
}


/* Database failure: push nil, message, info. */
int lmb_push_failure (lua_State *L, const lm_error *err) {
  const char *msg = err->message[0] != '\0' ? err->message : "unknown error";
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, err->code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  set_opt_field(L, "sqlstate", err->sqlstate);
  set_opt_field(L, "detail", err->detail);
  set_opt_field(L, "hint", err->hint);
  return 3;
}


/* For a driver result: raise on misuse, else return `rc`. */
int lmb_check_misuse (lua_State *L, int rc, const lm_error *err) {
  if (rc == LM_MISUSE)
    luaL_error(L, "%s", err->message);
  return rc;
}

/* }====================================================== */


static const luaL_Reg blob_meta[] = {
  {"__tostring", blob_tostring},
  {"__len", blob_len},
  {NULL, NULL}
};

static const luaL_Reg null_meta[] = {
  {"__tostring", null_tostring},
  {NULL, NULL}
};


/* Register the Blob and Null metatables; set `blob` and `null` in the
** module table on top of the stack. */
void lmb_open_values (lua_State *L) {
  lmb_create_meta(L, BLOB_MT, blob_meta, NULL);
  lmb_create_meta(L, NULL_MT, null_meta, NULL);
  lua_pushcfunction(L, d_blob);
  lua_setfield(L, -2, "blob");
  /* in the registry, so that every copy of this module in the state (the
  ** executable's and luamig.so) hands out the one that rows carry */
  if (lua_getfield(L, LUA_REGISTRYINDEX, NULL_KEY) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    lua_newuserdatauv(L, 0, 0);
    luaL_setmetatable(L, NULL_MT);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, NULL_KEY);
  }
  lua_setfield(L, -2, "null");
}
