-- luamig.schema.column: Column(name, type, opts), the column of a
-- create_table or add_column, with its options checked at the revision's
-- line; and the foreign key references and actions a column names.

local kind = require("luamig.schema.value_kind")
local column_type = require("luamig.schema.column_type")
local fk_options = require("luamig.schema.fk_options")

local M = {}

local Type, SQL, Column, Literal = kind.mt.Type, kind.mt.SQL, kind.mt.Column, kind.mt.Literal
local describe = kind.describe

--- A foreign key action upper-cased | nil, msg (the message starts with
-- "must be one of").
function M.fk_action(v)
  return fk_options.normal("ondelete", v)
end

-- The fields of a references table besides the foreign key options.
local REFERENCE_NAMES = { table = true, column = true, schema = true, name = true }
local FK_OPTION = {}
for _, k in ipairs(fk_options.NAMES) do FK_OPTION[k] = true end

-- "users.id" or "auth.users.id" -> {schema, table, column}; nil, msg.
local function parse_reference(ref)
  local schema, tbl, col
  if type(ref) == "string" then
    tbl, col = ref:match("^(.+)%.([^.]+)$")
    if not tbl then
      return nil, string.format('references must be "table.column", got %s', describe(ref))
    end
    local s, t = tbl:match("^([^.]+)%.(.+)$")
    if s then schema, tbl = s, t end
    return { schema = schema, table = tbl, column = col }
  elseif type(ref) == "table" and getmetatable(ref) == nil then
    local r = {}
    for k, v in pairs(ref) do
      if REFERENCE_NAMES[k] then
        if type(v) ~= "string" or v == "" then
          return nil, string.format("references.%s must be a non-empty string, got %s", k, describe(v))
        end
        r[k] = v
      elseif FK_OPTION[k] then
        local value, msg = fk_options.normal(k, v)
        if value == nil then return nil, string.format("references.%s %s", k, msg) end
        r[k] = value
      else
        return nil, string.format("references: unknown field %s", describe(k))
      end
    end
    if not r.table or not r.column then
      return nil, "references needs both table and column"
    end
    return r
  end
  return nil, 'references must be "table.column" or {table = ..., column = ...}, got ' .. describe(ref)
end

local SERVER_DEFAULTS, DEFAULTS = { "server_default", "server_onupdate" }, { "server_default", "default" }

local COLUMN_OPTS = {
  primary_key = "boolean", nullable = "boolean", unique = "boolean", index = "boolean",
  autoincrement = "boolean", comment = "string",
  default = true, server_default = true, server_onupdate = true, references = true,
}

--- A server-side default: a Lua string, number or boolean (a literal), a
-- `sql` fragment or an inline literal. Shared with ops.alter_column.
function M.is_server_default(v)
  local t = type(v)
  return t == "string" or t == "number" or t == "boolean" or getmetatable(v) == SQL
    or getmetatable(v) == Literal
end

-- A CheckConstraint (luamig.schema.constraints, which requires this
-- module: told apart by its metatable's name).
local function is_check(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name == "luamig.Constraint" and v.kind == "check"
end

-- Column's arguments after the type: a Computed or an Identity (at most
-- one of each), CheckConstraints on the column, as SQLAlchemy takes them,
-- then the options table.
local function generated_and_opts(name, ...)
  local n = select("#", ...)
  -- the usual column: nothing more, or only the options table
  if n <= 1 then
    local v = ...
    if v == nil then return nil, nil, nil, nil end
    if type(v) == "table" and getmetatable(v) == nil then return nil, nil, v, nil end
  end
  local args = { ... }
  while n > 0 and args[n] == nil do n = n - 1 end
  local opts, computed, identity
  local checks = {}
  for i = 1, n do
    local v = args[i]
    if kind.is_computed(v) and not computed then computed = v
    elseif kind.is_identity(v) and not identity then identity = v
    elseif is_check(v) then checks[#checks + 1] = v
    elseif type(v) == "table" and getmetatable(v) == nil then
      if i < n then
        error(string.format("Column %q: unexpected argument #%d (%s): the options table comes last", name, i + 3,
          describe(args[i + 1])), 3)
      end
      opts = v
    else
      local what = (kind.is_computed(v) or kind.is_identity(v)) and "a second " .. describe(v):match("^%a+")
        or describe(v)
      error(string.format("Column %q: argument #%d must be a Computed, an Identity, a CheckConstraint or the"
        .. " options table, got %s", name, i + 2, what), 3)
    end
  end
  return computed, identity, opts, #checks > 0 and checks or nil
end

--- Column(name, type, [Computed(...)], [Identity(...)], [CheckConstraint(...)...], [opts]):
-- the column of a create_table or add_column.
function M.Column(name, coltype, ...)
  if type(name) ~= "string" or name == "" then
    error("Column: argument #1 (name) must be a non-empty string, got " .. describe(name), 2)
  end
  if getmetatable(coltype) ~= Type then
    error(string.format("Column: argument #2 (type) must be a type such as Integer or String(50), got %s",
      describe(coltype)), 2)
  end
  local computed, identity, opts, checks = generated_and_opts(name, ...)
  opts = opts or {}
  local col = { name = name, type = coltype, computed = computed, identity = identity, checks = checks }
  for k, v in pairs(opts) do
    local want = COLUMN_OPTS[k]
    if want == nil then
      error(string.format("Column %q: %s", name, kind.unknown_option(k, COLUMN_OPTS)), 2)
    elseif want ~= true and type(v) ~= want then
      error(string.format("Column %q: option %s must be a %s, got %s", name, k, want, describe(v)), 2)
    end
    col[k] = v
  end
  for _, k in ipairs(SERVER_DEFAULTS) do
    if col[k] ~= nil and not M.is_server_default(col[k]) then
      error(string.format("Column %q: %s must be a string, number, boolean or sql fragment, got %s",
        name, k, describe(col[k])), 2)
    end
  end
  if col.references ~= nil then
    local ref, msg = parse_reference(col.references)
    if not ref then error(string.format("Column %q: %s", name, msg), 2) end
    col.references = ref
  end
  if col.primary_key and col.nullable == true then
    error(string.format("Column %q: a primary key column cannot be nullable", name), 2)
  end
  if col.autoincrement and not column_type.is_integer(coltype) then
    error(string.format("Column %q: autoincrement needs an integer type, got %s", name, tostring(coltype)), 2)
  end
  if identity and not column_type.is_integer(coltype) then
    error(string.format("Column %q: Identity needs an integer type, got %s", name, tostring(coltype)), 2)
  end
  if computed and identity then
    error(string.format("Column %q: a column is either Computed or an Identity, not both", name), 2)
  end
  if computed or identity then
    for _, k in ipairs(DEFAULTS) do
      if col[k] ~= nil then
        error(string.format("Column %q: a %s column takes no %s (the database makes its values)", name,
          computed and "Computed" or "Identity", k), 2)
      end
    end
  end
  -- Normalized so that dialects and autogenerate read one field.
  col.primary_key = col.primary_key or false
  if col.nullable == nil then col.nullable = not col.primary_key end
  return setmetatable(col, Column)
end

-- Column objects are plain records to the rest of luamig; the metatable only
-- identifies them and prints them.
Column.__tostring = function(c) return string.format("Column(%q, %s)", c.name, tostring(c.type)) end

return M
