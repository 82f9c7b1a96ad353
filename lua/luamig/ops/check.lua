-- luamig.ops.check: argument checks shared by the op functions.
--
-- Every check raises at level 3: the caller of the op function that called
-- it, which is the revision's line. So the op functions call these as
-- statements, never as tail calls (a tail call would lose that frame).

local types = require "luamig.schema.types"

local type, ipairs, pairs, getmetatable, error = type, ipairs, pairs, getmetatable, error
local str_format, table_concat, table_sort = string.format, table.concat, table.sort
local describe, is_sql, is_type = types.describe, types.is_sql, types.is_type

local M = {}

function M.is_plain_table(v)
  return type(v) == "table" and getmetatable(v) == nil
end
local is_plain_table = M.is_plain_table

local function is_name(v) return type(v) == "string" and v ~= "" end
M.is_name = is_name

function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table_sort(keys)
  return keys
end

function M.name(fname, n, pname, v)
  if not is_name(v) then
    error(str_format("op.%s: argument #%d (%s) must be a non-empty string, got %s",
      fname, n, pname, describe(v)), 3)
  end
end

--- A name that may be nil: the naming convention then names the object.
function M.optional_name(fname, n, pname, v)
  if v ~= nil and not is_name(v) then
    error(str_format("op.%s: argument #%d (%s) must be a non-empty string or nil, got %s",
      fname, n, pname, describe(v)), 3)
  end
end

--- A column list: a list of names, or one name. Returns the list.
function M.column_list(fname, n, pname, v)
  if is_name(v) then return { v } end
  if is_plain_table(v) and #v > 0 then
    local out = {}
    for i, c in ipairs(v) do
      if not is_name(c) then
        error(str_format("op.%s: %s[%d] must be a column name, got %s", fname, pname, i, describe(c)), 3)
      end
      out[i] = c
    end
    return out
  end
  error(str_format("op.%s: argument #%d (%s) must be a list of column names, got %s", fname, n, pname,
    describe(v)), 3)
end

local function is_name_list(v)
  if not is_plain_table(v) then return false end
  for _, x in ipairs(v) do
    if not is_name(x) then return false end
  end
  return #v > 0
end

-- What an option may hold: a test and the words for the error message.
local KINDS = {
  name = { is_name, "a non-empty string" },
  names = { is_name_list, "a list of names" },
  boolean = { function(v) return type(v) == "boolean" end, "a boolean" },
  type = { is_type, "a type such as Integer or String(50)" },
  -- false drops the default (alter_column); a boolean default is sql "TRUE".
  server_default = {
    function(v) return v == false or types.is_server_default(v) end,
    "a string, number, boolean or sql fragment (false to drop it)",
  },
  comment = { function(v) return v == false or type(v) == "string" end, "a string (false to drop it)" },
  sqltext = { function(v) return is_name(v) or is_sql(v) end, "a string or sql fragment" },
  action = { function(v) return types.fk_action(v) ~= nil end,
    "one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION" },
  constraint_type = {
    function(v) return v == "foreignkey" or v == "primary" or v == "unique" or v == "check" end,
    'one of "foreignkey", "primary", "unique", "check"',
  },
  table = { is_plain_table, "a table" },
  count = { function(v) return math.type(v) == "integer" and v >= 0 end, "a non-negative integer" },
  decimals = { function(v) return v == "string" or v == "number" end, '"string" or "number"' },
}

-- Shared with batch.lua, whose methods check their options the same way.
M.KINDS = KINDS

local INDEX_OPTIONS = {
  schema = "name", unique = "boolean", if_not_exists = "boolean", postgresql_where = "sqltext",
  sqlite_where = "sqltext", postgresql_using = "name", postgresql_concurrently = "boolean",
}

M.OPTIONS = {
  create_table = { schema = "name", comment = "name", if_not_exists = "boolean" },
  drop_table = { schema = "name", if_exists = "boolean", enums = "names" },
  rename_table = { schema = "name" },
  add_column = { schema = "name", if_not_exists = "boolean" },
  drop_column = { schema = "name", if_exists = "boolean", enums = "names" },
  alter_column = {
    schema = "name", nullable = "boolean", type_ = "type", type = "type",
    server_default = "server_default", new_column_name = "name", comment = "comment",
    existing_type = "type", existing_nullable = "boolean",
    existing_server_default = "server_default", existing_comment = "comment",
    existing_autoincrement = "boolean", using = "sqltext", postgresql_using = "sqltext",
  },
  create_index = INDEX_OPTIONS,
  drop_index = { schema = "name", if_exists = "boolean", postgresql_concurrently = "boolean" },
  create_primary_key = { schema = "name" },
  create_unique_constraint = { schema = "name" },
  create_check_constraint = { schema = "name" },
  create_foreign_key = { source_schema = "name", referent_schema = "name", ondelete = "action",
    onupdate = "action" },
  drop_constraint = { schema = "name", type_ = "constraint_type" },
  create_table_comment = { schema = "name", existing_comment = "comment" },
  drop_table_comment = { schema = "name", existing_comment = "comment" },
  create_enum = { schema = "name" },
  drop_enum = { schema = "name", if_exists = "boolean" },
  bulk_insert = { schema = "name", multiinsert = "boolean", total = "count" },
  get_bind = { decimals = "decimals" },
}

--- nil or a plain table of known options with values of the right kind;
-- returns the options ({} for nil).
function M.opts(fname, n, opts)
  if opts == nil then return {} end
  if not is_plain_table(opts) then
    error(str_format("op.%s: argument #%d (options) must be a table, got %s", fname, n, describe(opts)), 3)
  end
  local allowed = M.OPTIONS[fname]
  for k, v in pairs(opts) do
    local kind = allowed[k]
    if kind == nil then
      error(str_format("op.%s: unknown option %s (expected one of: %s)", fname, describe(k),
        table_concat(M.sorted_keys(allowed), ", ")), 3)
    end
    local test, words = KINDS[kind][1], KINDS[kind][2]
    if not test(v) then
      error(str_format("op.%s: option %s must be %s, got %s", fname, k, words, describe(v)), 3)
    end
  end
  return opts
end

--- A value op.execute can bind; an inline literal binds its value.
-- Returns the value to bind.
function M.bindable(fname, n, v)
  if types.is_literal(v) then return v.value end
  local t = type(v)
  if t ~= "nil" and t ~= "string" and t ~= "number" and t ~= "boolean" and t ~= "userdata" then
    error(str_format("op.%s: argument #%d cannot be bound as an SQL value, got %s", fname, n, describe(v)), 3)
  end
  return v
end

return M
