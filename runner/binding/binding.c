/*
** binding.c: the Lua binding of every driver (module luamig.driver): the
** module's functions, driver.connect and driver.available, opening the
** module, and the lifetime its object kinds share (metatable, close,
** tostring; binding.h's lmb_kind). The Connection object is in
** binding_connection.c; the API is in docs/internals.md, the objects and
** their lifetimes in binding.h.
*/

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "binding.h"
#include "drivers/driver.h"
#include "module.h"
#include "modules/interrupt.h"


/*
** {======================================================
** Module functions
** =======================================================
*/

/* driver.connect(name, params) */
static int d_connect (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char **keys, **values;
  const struct lm_driver *drv;
  lm_error err;
  void *h = NULL;
  Conn *c;
  int n = 0, anchor, rc;
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lm_error_clear(&err);
  drv = lm_find_driver(name, err.message, sizeof(err.message));
  if (drv == NULL) return lmb_push_failure(L, &err);
  lua_pushnil(L);
  while (lua_next(L, 2) != 0) {
    n++;
    lua_pop(L, 1);
  }
  keys = (const char **)lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
  values = (const char **)lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
  lua_newtable(L);  /* anchors values converted from numbers */
  anchor = lua_gettop(L);
  n = 0;
  lua_pushnil(L);
  while (lua_next(L, 2) != 0) {
    size_t len;
    const char *v;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, 2, "parameter names must be strings");
    keys[n] = lua_tostring(L, -2);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, 2, lua_pushfstring(L, "parameter '%s' must be a string",
                                          keys[n]));
    lua_pushvalue(L, -1);
    v = lua_tolstring(L, -1, &len);  /* converts the copy, not the key */
    if (strlen(v) != len)
      luaL_argerror(L, 2, lua_pushfstring(L, "parameter '%s' contains a zero byte",
                                          keys[n]));
    lua_rawseti(L, anchor, n + 1);
    lua_rawgeti(L, anchor, n + 1);
    values[n] = lua_tostring(L, -1);
    lua_pop(L, 2);  /* the anchored copy, the value */
    n++;
  }
  keys[n] = values[n] = NULL;
  c = (Conn *)lua_newuserdatauv(L, sizeof(Conn), 1);  /* the queue's log */
  memset(c, 0, sizeof(Conn));
  c->drv = drv;
  c->logtop = 1;
  luaL_setmetatable(L, CONN_MT);
  rc = lmb_check_misuse(L, drv->connect(keys, values, &h, &err), &err);
  if (rc != LM_OK) return lmb_push_failure(L, &err);
  c->handle = h;
  lm_interrupt_watch(drv, h);
  return 1;
}


/* driver.available(): the drivers that can be used here (a server driver
** whose shared object is missing is left out). */
static int d_available (lua_State *L) {
  int i, n = 0;
  lua_newtable(L);
  for (i = 0; lm_driver_names[i] != NULL; i++) {
    if (lm_find_driver(lm_driver_names[i], NULL, 0) == NULL) continue;
    lua_pushstring(L, lm_driver_names[i]);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

/* }====================================================== */


static const luaL_Reg driver_funcs[] = {
  {"connect", d_connect},
  {"available", d_available},
  {"number_text", lmb_number_text},
  {"blob", NULL},  /* set by lmb_open_values */
  {"null", NULL},  /* likewise */
  {NULL, NULL}
};


/*
** {======================================================
** Object kinds
** =======================================================
*/

/* Register metatable `name` with `meta` and, unless NULL, an __index
** table of `methods`; every function gets `kind` (NULL for a value that
** is no kind) as upvalue 1. */
static void create_meta (lua_State *L, const char *name, const luaL_Reg *meta,
                         const luaL_Reg *methods, const lmb_kind *kind) {
  int nup = kind != NULL;
  if (luaL_newmetatable(L, name)) {  /* not made by another copy of us */
    if (nup) lua_pushlightuserdata(L, (void *)kind);
    luaL_setfuncs(L, meta, nup);
    if (methods != NULL) {
      lua_newtable(L);
      if (nup) lua_pushlightuserdata(L, (void *)kind);
      luaL_setfuncs(L, methods, nup);
      lua_setfield(L, -2, "__index");
    }
  }
  lua_pop(L, 1);
}


void lmb_create_meta (lua_State *L, const char *name, const luaL_Reg *meta,
                      const luaL_Reg *methods) {
  create_meta(L, name, meta, methods, NULL);
}


/* The kind whose metamethod or method is running. */
static const lmb_kind *this_kind (lua_State *L) {
  return (const lmb_kind *)lua_touserdata(L, lua_upvalueindex(1));
}


/* Push a new object of `kind`: `size` bytes, all zero (closed: its
** handles NULL), and `nuv` user values, the first the value at `owner`,
** which the object keeps alive (a statement's connection, a cursor's
** statement). */
void *lmb_new_object (lua_State *L, const lmb_kind *kind, size_t size,
                      int nuv, int owner) {
  void *obj;
  owner = lua_absindex(L, owner);
  obj = lua_newuserdatauv(L, size, nuv);
  memset(obj, 0, size);
  luaL_setmetatable(L, kind->name);
  lua_pushvalue(L, owner);
  lua_setiuservalue(L, -2, 1);
  return obj;
}


/* The open object of `kind` at index 1; raises for a closed one, after
** releasing it (a cursor whose statement moved on lets it go). */
void *lmb_check_open (lua_State *L, const lmb_kind *kind) {
  void *obj = luaL_checkudata(L, 1, kind->name);
  if (!kind->is_open(obj)) {
    kind->release(obj);
    luaL_error(L, "attempt to use a closed %s", kind->noun);
  }
  return obj;
}


static int kind_gc (lua_State *L) {
  const lmb_kind *kind = this_kind(L);
  kind->release(luaL_checkudata(L, 1, kind->name));
  return 0;
}


/* obj:close() -> true; in every kind's methods. */
int lmb_close (lua_State *L) {
  kind_gc(L);
  lua_pushboolean(L, 1);
  return 1;
}


static int kind_tostring (lua_State *L) {
  const lmb_kind *kind = this_kind(L);
  void *obj = luaL_checkudata(L, 1, kind->name);
  if (!kind->is_open(obj))
    lua_pushfstring(L, "%s (closed)", kind->name);
  else if (kind->tag != NULL)
    lua_pushfstring(L, "%s (%s, %p)", kind->name, kind->tag(obj), obj);
  else
    lua_pushfstring(L, "%s (%p)", kind->name, obj);
  return 1;
}


/* Register the metatable of `kind`, with `methods` (lmb_close among
** them) as its __index. */
void lmb_create_kind (lua_State *L, const lmb_kind *kind,
                      const luaL_Reg *methods) {
  static const luaL_Reg kind_meta[] = {
    {"__gc", kind_gc},
    {"__close", kind_gc},
    {"__tostring", kind_tostring},
    {NULL, NULL}
  };
  create_meta(L, kind->name, kind_meta, methods, kind);
}

/* }====================================================== */


LM_EXPORT int luaopen_luamig_driver (lua_State *L) {
  lmb_open_connections(L);
  lmb_open_statements(L);
  lmb_open_cursors(L);
  luaL_newlib(L, driver_funcs);
  lmb_open_values(L);
  return 1;
}
