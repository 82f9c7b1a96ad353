-- luamig.schema.revision_env: the constructors a revision file sees.
-- export() puts the types, Column, `sql` and (from luamig.schema.constraints)
-- the table-level constraints into a revision's environment, each refusing
-- arguments it does not take, and reports a mistyped capitalized name.

local kind = require("luamig.schema.value_kind")
local column_type = require("luamig.schema.column_type")
local column = require("luamig.schema.column")
local sql_fragment = require("luamig.schema.sql_fragment")
local generated = require("luamig.schema.generated")

local M = {}

local describe = kind.describe

-- Reading an unknown capitalized name in a revision (`Strng(20)`,
-- `UniqueConstrant(...)`) is a typo for a type or constructor: say so at
-- that line instead of "attempt to call a nil value".
local function unknown_name(_, key)
  if type(key) == "string" and key:find("^%u") then
    local known = {}
    for _, name in ipairs(column_type.type_names) do known[#known + 1] = name end
    for _, name in ipairs(column_type.constructor_names) do known[#known + 1] = name end
    table.sort(known)
    error(string.format("unknown type or constructor %s (types: %s; also Column, Computed, Identity,"
      .. " PrimaryKeyConstraint, UniqueConstraint, CheckConstraint, ForeignKeyConstraint, Index)", key,
      table.concat(known, ", ")), 2)
  end
  return nil
end

-- The arity of each function strict_arity has wrapped, by its name: the op
-- table is made anew for every revision (its functions close over the
-- revision's context), and asking the debug library for a function's
-- parameters 80 times per revision was a tenth of a 1000-revision
-- upgrade's time. A name is one function of luamig's API, the same code in
-- every revision; false for a function that takes `...`.
local arity_of = {}

--- fn, refusing more arguments than it names (trailing nils aside): an
-- argument a function of the revision API does not take is an error at
-- the revision's line, not ignored. Functions with `...` take what they
-- take. The check tail-calls fn, so fn's own errors keep their level.
function M.strict_arity(fname, fn)
  local n = arity_of[fname]
  if n == nil then
    local info = debug.getinfo(fn, "u")
    n = not info.isvararg and info.nparams
    arity_of[fname] = n
  end
  if not n then return fn end
  return function(...)
    local given = select("#", ...)
    while given > n and select(given, ...) == nil do given = given - 1 end
    if given > n then
      local names = {}
      for i = 1, n do names[i] = debug.getlocal(fn, i) end
      error(string.format("%s: unexpected argument #%d (%s): it takes at most %d (%s)", fname, n + 1,
        describe((select(n + 1, ...))), n, table.concat(names, ", ")), 2)
    end
    return fn(...)
  end
end

local strict_column = M.strict_arity("Column", column.Column)
local strict_sql = M.strict_arity("sql", sql_fragment.sql)
local strict_computed = M.strict_arity("Computed", generated.Computed)
local strict_identity = M.strict_arity("Identity", generated.Identity)

--- Put the constructors a revision file uses into `env`; returns env. An
-- env without a metatable gets one that reports unknown capitalized names.
function M.export(env)
  env = env or {}
  for _, name in ipairs(column_type.type_names) do env[name] = column_type[name] end
  for _, name in ipairs(column_type.constructor_names) do env[name] = column_type[name] end
  env.Column = strict_column
  env.sql = strict_sql
  env.Computed = strict_computed
  env.Identity = strict_identity
  -- Required here, not at the top: luamig.schema.constraints requires
  -- luamig.schema.types, which requires this module.
  require("luamig.schema.constraints").export(env)
  if getmetatable(env) == nil then setmetatable(env, { __index = unknown_name }) end
  return env
end

--- A new table holding only the constructors.
function M.environment()
  return M.export({})
end

return M
