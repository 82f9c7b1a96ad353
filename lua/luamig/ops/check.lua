-- luamig.ops.check: argument checks shared by the op functions and by
-- the record builders of luamig.ops.records (which batch mode calls too).
--
-- Each check takes its caller first: an op's name, for an op function
-- checking its own arguments ("op.NAME: ..." raised at level 3, the
-- caller of that op function, which is the revision's line), or a caller
-- table (M.caller) for a builder one frame deeper, which also says how the
-- messages read: their prefix, the numbering of arguments when the caller
-- supplies the table itself (batch mode), the options it takes. So the
-- callers call these as statements, never as tail calls (a tail call
-- would lose the frame the level counts).

local types = require("luamig.schema.types")
local fk_options = require("luamig.schema.fk_options")
local null = require("luamig.driver").null

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
  table.sort(keys)
  return keys
end

--- A caller table, for a builder that its op function (or batch method)
-- calls: `how.prefix` starts every message, `how.options` lists the
-- options it takes (name -> kind of KINDS, or a {test, words} pair), and
-- when `how.table_arg` is set the caller supplies that argument (the
-- table) itself, so it is not checked and later arguments are numbered
-- one lower; `how.whole_lists` reports a bad entry of a list as the whole
-- argument. Other fields (name and convention hooks, ...) are the
-- builders' (luamig.ops.records).
function M.caller(how)
  local c = { level = 4 }
  for k, v in pairs(how) do c[k] = v end
  return c
end

-- The prefix and the error level of caller `c`.
local function who(c)
  if type(c) == "string" then return "op." .. c .. ": ", 3 end
  return c.prefix, c.level
end

--- Argument `n` of the plain op as caller `c` numbers it.
function M.number(c, n)
  if type(c) == "table" and c.table_arg and n > c.table_arg then return n - 1 end
  return n
end

-- The messages, raised by the function that the op function (or the
-- builder) called, so that the level counts from there.
local function message(c, fmt, ...)
  local prefix, level = who(c)
  return prefix .. string.format(fmt, ...), level
end

local function arg_message(c, n, pname, words, v)
  return message(c, "argument #%d (%s) must be %s, got %s", M.number(c, n), pname, words, describe(v))
end

--- Raise `fmt` (formatted) as caller `c`'s error.
function M.fail(c, fmt, ...)
  error(message(c, fmt, ...))
end

--- "argument #N (pname) must be WORDS, got V".
function M.bad_arg(c, n, pname, words, v)
  error(arg_message(c, n, pname, words, v))
end

function M.name(c, n, pname, v)
  if not is_name(v) then error(arg_message(c, n, pname, "a non-empty string", v)) end
end

--- The table argument; nothing to check when the caller supplies it.
function M.table_name(c, n, pname, v)
  if type(c) == "table" and c.table_arg == n then return end
  if not is_name(v) then error(arg_message(c, n, pname, "a non-empty string", v)) end
end

--- A constraint or index name that may be nil (the naming convention
-- then names the object) or op.f(name) (the convention leaves it alone).
function M.optional_name(c, n, pname, v)
  if v ~= nil and not is_name(v) and not (types.is_final(v) and is_name(v.value)) then
    error(arg_message(c, n, pname, "a non-empty string, op.f(name) or nil", v))
  end
end

--- A constraint or index name that must be given (string or op.f(name)).
function M.object_name(c, n, pname, v)
  if not is_name(v) and not (types.is_final(v) and is_name(v.value)) then
    error(arg_message(c, n, pname, "a non-empty string or op.f(name)", v))
  end
end

--- A column list: a list of names (or sql fragments with `allow_sql`),
-- or one. Returns a new list.
function M.column_list(c, n, pname, v, allow_sql)
  local function ok(x) return is_name(x) or (allow_sql and is_sql(x)) end
  local words = allow_sql and "a list of column names or sql fragments" or "a list of column names"
  if ok(v) then return { v } end
  if not is_plain_table(v) or #v == 0 then error(arg_message(c, n, pname, words, v)) end
  local out = {}
  for i, x in ipairs(v) do
    if not ok(x) then
      if type(c) == "table" and c.whole_lists then error(arg_message(c, n, pname, words, v)) end
      error(message(c, "%s[%d] must be a column name%s, got %s", pname, i, allow_sql and " or an sql fragment" or "",
        describe(x)))
    end
    out[i] = x
  end
  return out
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
  -- null drops the default (alter_column); false is refused there by name.
  server_default = {
    function(v) return v == null or v == false or types.is_server_default(v) end,
    "a string, number, boolean or sql fragment (null to drop it)",
  },
  comment = { function(v) return v == null or v == false or type(v) == "string" end, "a string (null to drop it)" },
  sqltext = { function(v) return is_name(v) or is_sql(v) end, "a string or sql fragment" },
  action = { function(v) return fk_options.normal("ondelete", v) ~= nil end, fk_options.expected("ondelete") },
  match = { function(v) return fk_options.normal("match", v) ~= nil end, fk_options.expected("match") },
  initially = { function(v) return fk_options.normal("initially", v) ~= nil end, fk_options.expected("initially") },
  constraint_type = {
    function(v) return v == "foreignkey" or v == "primary" or v == "unique" or v == "check" end,
    'one of "foreignkey", "primary", "unique", "check"',
  },
  table = { is_plain_table, "a table" },
  identity = { function(v) return v == null or types.is_identity(v) end, "an Identity(...) (null to drop it)" },
  count = { function(v) return math.type(v) == "integer" and v >= 0 end, "a non-negative integer" },
  decimals = { function(v) return v == "string" or v == "number" end, '"string" or "number"' },
}

-- Shared with batch mode, whose own options are checked the same way.
M.KINDS = KINDS

local INDEX_OPTIONS = {
  schema = "name", unique = "boolean", if_not_exists = "boolean", postgresql_where = "sqltext",
  sqlite_where = "sqltext", postgresql_using = "name", postgresql_concurrently = "boolean",
  postgresql_include = "names",
}

M.OPTIONS = {
  create_table = { schema = "name", comment = "name", if_not_exists = "boolean", mysql_engine = "name",
    mysql_charset = "name", mysql_collate = "name" },
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
    autoincrement = "boolean", server_onupdate = "server_default", existing_server_onupdate = "server_default",
    identity = "identity", existing_identity = "identity",
  },
  create_index = INDEX_OPTIONS,
  drop_index = { schema = "name", if_exists = "boolean", postgresql_concurrently = "boolean" },
  create_primary_key = { schema = "name" },
  create_unique_constraint = { schema = "name" },
  create_check_constraint = { schema = "name", postgresql_not_valid = "boolean" },
  create_foreign_key = { source_schema = "name", referent_schema = "name", ondelete = "action",
    onupdate = "action", match = "match", deferrable = "boolean", initially = "initially",
    postgresql_not_valid = "boolean" },
  drop_constraint = { schema = "name", type_ = "constraint_type", if_exists = "boolean" },
  create_exclude_constraint = { schema = "name", where = "sqltext", using = "name", deferrable = "boolean",
    initially = "initially" },
  create_table_comment = { schema = "name", existing_comment = "comment" },
  drop_table_comment = { schema = "name", existing_comment = "comment" },
  create_enum = { schema = "name" },
  drop_enum = { schema = "name", if_exists = "boolean" },
  bulk_insert = { schema = "name", multiinsert = "boolean", total = "count" },
  get_bind = { decimals = "decimals" },
}

--- nil or a plain table of known options with values of the right kind;
-- returns the options ({} for nil).
function M.opts(c, n, opts)
  if opts == nil then return {} end
  if not is_plain_table(opts) then error(arg_message(c, n, "options", "a table", opts)) end
  local allowed = type(c) == "table" and c.options or M.OPTIONS[c]
  for k, v in pairs(opts) do
    local kind = allowed[k]
    if kind == nil then
      error(message(c, "%s", types.unknown_option(k, allowed)))
    end
    if type(kind) ~= "table" then kind = KINDS[kind] end
    if not kind[1](v) then error(message(c, "option %s must be %s, got %s", k, kind[2], describe(v))) end
  end
  return opts
end

--- A value op.execute can bind; an inline literal binds its value.
-- Returns the value to bind.
function M.bindable(fname, n, v)
  if types.is_literal(v) then return v.value end
  local t = type(v)
  if t ~= "nil" and t ~= "string" and t ~= "number" and t ~= "boolean" and t ~= "userdata" then
    error(string.format("op.%s: argument #%d cannot be bound as an SQL value, got %s", fname, n, describe(v)), 3)
  end
  return v
end

return M
