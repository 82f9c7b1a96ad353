-- luamig.schema.constraints: the table-level constraints and indexes that
-- op.create_table takes after its columns, named as in SQLAlchemy:
--
--   op.create_table("member",
--     Column("team_id", Integer), Column("user_id", Integer), Column("rank", Integer),
--     PrimaryKeyConstraint("team_id", "user_id"),
--     UniqueConstraint("team_id", "rank", { name = "uq_member_rank" }),
--     CheckConstraint("rank > 0"),
--     ForeignKeyConstraint({ "user_id" }, { "users.id" }, { ondelete = "CASCADE" }),
--     Index("ix_member_rank", "rank"))
--
-- Each constructor returns a constraint record (docs/internals.md) with a
-- metatable that tells it apart from create_table's options table. Bad
-- arguments raise at the revision's line.

local types = require("luamig.schema.types")
local fk_options = require("luamig.schema.fk_options")

local describe, is_sql = types.describe, types.is_sql

local M = {}

local Constraint = { __name = "luamig.Constraint" }
local Index = { __name = "luamig.Index" }

function M.is_constraint(v) return getmetatable(v) == Constraint end
function M.is_index(v) return getmetatable(v) == Index end

local function is_plain_table(v)
  return type(v) == "table" and getmetatable(v) == nil
end

local function is_name(v) return type(v) == "string" and v ~= "" end

local function name_list(v)
  if is_name(v) then return { v } end
  if not is_plain_table(v) or #v == 0 then return nil end
  local out = {}
  for i, c in ipairs(v) do
    if not is_name(c) then return nil end
    out[i] = c
  end
  return out
end

local OPTION_KINDS = {
  name = { function(v) return is_name(v) or (types.is_final(v) and is_name(v.value)) end,
    "a non-empty string or op.f(name)" },
  boolean = { function(v) return type(v) == "boolean" end, "a boolean" },
  sqltext = { function(v) return is_name(v) or is_sql(v) end, "a string or sql fragment" },
  action = { function(v) return fk_options.normal("ondelete", v) ~= nil end, fk_options.expected("ondelete") },
  match = { function(v) return fk_options.normal("match", v) ~= nil end, fk_options.expected("match") },
  initially = { function(v) return fk_options.normal("initially", v) ~= nil end, fk_options.expected("initially") },
  names = { function(v) return name_list(v) ~= nil end, "a list of column names" },
}

local OPTIONS = {
  PrimaryKeyConstraint = { name = "name" },
  UniqueConstraint = { name = "name" },
  CheckConstraint = { name = "name" },
  ForeignKeyConstraint = { name = "name", ondelete = "action", onupdate = "action", match = "match",
    deferrable = "boolean", initially = "initially" },
  Index = { unique = "boolean", postgresql_where = "sqltext", sqlite_where = "sqltext", postgresql_using = "name",
    postgresql_include = "names" },
  ExcludeConstraint = { name = "name", where = "sqltext", using = "name", deferrable = "boolean",
    initially = "initially" },
}

-- `level` is error()'s: where the revision's line is from here.
local function check_opts(ctor, opts, level)
  local allowed = OPTIONS[ctor]
  for k, v in pairs(opts) do
    local kind = allowed[k]
    if kind == nil then
      error(ctor .. ": " .. types.unknown_option(k, allowed), level)
    elseif not OPTION_KINDS[kind][1](v) then
      error(string.format("%s: option %s must be %s, got %s", ctor, k, OPTION_KINDS[kind][2], describe(v)), level)
    end
  end
  return opts
end

-- Column names given as arguments, then an optional options table.
-- with_sql: sql fragments count as columns too (Index expressions).
local function columns_and_opts(ctor, first, with_sql, ...)
  local n = select("#", ...)
  local args = { ... }
  local opts = {}
  -- The options are a table of names; a list ({"a", "b"}, as
  -- op.create_index takes them) is the columns.
  if n > 0 and is_plain_table(args[n]) and args[n][1] == nil then
    opts = args[n]
    n = n - 1
  end
  local listed = n == 1 and is_plain_table(args[1])
  if listed then
    args = args[1]
    n = #args
  end
  local cols = {}
  for i = 1, n do
    local c = args[i]
    if not (is_name(c) or (with_sql and is_sql(c))) then
      local which = listed and string.format("argument #%d[%d]", first, i) or string.format("argument #%d", i + first - 1)
      error(string.format("%s: %s must be a column name%s, got %s", ctor, which,
        with_sql and " or an sql fragment" or "", describe(c)), 3)
    end
    cols[i] = c
  end
  if #cols == 0 then error(ctor .. " needs at least one column", 3) end
  return cols, check_opts(ctor, opts, 4)
end

--- PrimaryKeyConstraint("a", "b", [{name =}])
function M.PrimaryKeyConstraint(...)
  local cols, opts = columns_and_opts("PrimaryKeyConstraint", 1, false, ...)
  return setmetatable({ kind = "primary_key", columns = cols, name = opts.name }, Constraint)
end

--- UniqueConstraint("a", "b", [{name =}])
function M.UniqueConstraint(...)
  local cols, opts = columns_and_opts("UniqueConstraint", 1, false, ...)
  return setmetatable({ kind = "unique", columns = cols, name = opts.name }, Constraint)
end

--- CheckConstraint("price > 0", [{name =}]): the condition is SQL text.
function M.CheckConstraint(sqltext, opts)
  if not (is_name(sqltext) or is_sql(sqltext)) then
    error("CheckConstraint: argument #1 (condition) must be a string or sql fragment, got " .. describe(sqltext), 2)
  end
  if opts ~= nil and not is_plain_table(opts) then
    error("CheckConstraint: argument #2 (options) must be a table, got " .. describe(opts), 2)
  end
  opts = check_opts("CheckConstraint", opts or {}, 3)
  return setmetatable({ kind = "check", sqltext = sqltext, name = opts.name }, Constraint)
end

--- ExcludeConstraint({column or sql "...", operator}..., [{name =, where =, using =, deferrable =,
-- initially =}]): PostgreSQL's EXCLUDE USING using (column WITH operator, ...).
function M.ExcludeConstraint(...)
  local n, args = select("#", ...), { ... }
  local opts = {}
  if n > 0 and is_plain_table(args[n]) and args[n][1] == nil then opts, n = args[n], n - 1 end
  opts = check_opts("ExcludeConstraint", opts, 3)
  if n == 0 then error("ExcludeConstraint needs at least one {column, operator} element", 2) end
  local elements = {}
  for i = 1, n do
    local e = args[i]
    if not (is_plain_table(e) and #e == 2 and (is_name(e[1]) or is_sql(e[1])) and is_name(e[2])) then
      error(string.format('ExcludeConstraint: argument #%d must be {column or sql "...", "operator"}, got %s', i,
        describe(e)), 2)
    end
    elements[i] = { e[1], e[2] }
  end
  return setmetatable({ kind = "exclude", elements = elements, name = opts.name, where = opts.where,
    using = opts.using, deferrable = opts.deferrable,
    initially = opts.initially and fk_options.normal("initially", opts.initially) }, Constraint)
end


--- "table.column" or "schema.table.column" -> schema, table, column.
local function split_reference(ref)
  local tbl, col = ref:match("^(.+)%.([^.]+)$")
  if not tbl then return nil end
  local schema, t = tbl:match("^([^.]+)%.(.+)$")
  if schema then return schema, t, col end
  return nil, tbl, col
end

--- ForeignKeyConstraint({"a"}, {"other.id"}, [{name =, ondelete =, onupdate =, match =, deferrable =,
-- initially =}]) (luamig.schema.fk_options)
function M.ForeignKeyConstraint(columns, refcolumns, opts)
  local cols = name_list(columns)
  if not cols then
    error("ForeignKeyConstraint: argument #1 (columns) must be a list of column names, got " .. describe(columns), 2)
  end
  local refs = name_list(refcolumns)
  if not refs then
    error('ForeignKeyConstraint: argument #2 (referred columns) must be a list of "table.column" names, got '
      .. describe(refcolumns), 2)
  end
  if opts ~= nil and not is_plain_table(opts) then
    error("ForeignKeyConstraint: argument #3 (options) must be a table, got " .. describe(opts), 2)
  end
  opts = check_opts("ForeignKeyConstraint", opts or {}, 3)
  if #cols ~= #refs then
    error(string.format("ForeignKeyConstraint: %d column%s but %d referred column%s", #cols, #cols == 1 and "" or "s",
      #refs, #refs == 1 and "" or "s"), 2)
  end
  local ref_schema, ref_table
  local ref_columns = {}
  for i, r in ipairs(refs) do
    local schema, tbl, col = split_reference(r)
    if not tbl then
      error(string.format('ForeignKeyConstraint: referred column %q must be "table.column"', r), 2)
    end
    if i > 1 and (tbl ~= ref_table or schema ~= ref_schema) then
      error(string.format("ForeignKeyConstraint: referred columns must be in one table, got %q and %q", refs[1], r), 2)
    end
    ref_schema, ref_table, ref_columns[i] = schema, tbl, col
  end
  return setmetatable(fk_options.copy(opts, { kind = "foreign_key", columns = cols, ref_table = ref_table,
    ref_schema = ref_schema, ref_columns = ref_columns, name = opts.name }), Constraint)
end

--- Index(name, "a", sql "lower(b)", ..., [{unique =, postgresql_where =, ...}]):
-- created right after the table. `name` may be nil: the naming convention
-- (or ix_<table>_<column>) names it.
function M.Index(name, ...)
  if name ~= nil and not is_name(name) and not (types.is_final(name) and is_name(name.value)) then
    error("Index: argument #1 (name) must be a non-empty string, op.f(name) or nil, got " .. describe(name), 2)
  end
  local cols, opts = columns_and_opts("Index", 2, true, ...)
  return setmetatable({ kind = "index", name = name, columns = cols, unique = opts.unique or false,
    postgresql_where = opts.postgresql_where, sqlite_where = opts.sqlite_where,
    postgresql_using = opts.postgresql_using, postgresql_include = opts.postgresql_include and
      name_list(opts.postgresql_include) }, Index)
end

M.names = { "PrimaryKeyConstraint", "UniqueConstraint", "CheckConstraint", "ForeignKeyConstraint", "Index",
  "ExcludeConstraint" }

--- Put the constructors into a revision environment.
function M.export(env)
  for _, name in ipairs(M.names) do env[name] = M[name] end
  return env
end

M.split_reference = split_reference

return M
