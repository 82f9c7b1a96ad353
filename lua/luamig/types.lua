-- luamig.types: column types, Column, `sql` fragments, and the constructors
-- a revision file sees.
--
-- Everything here is plain data with a metatable, so that operation records
-- stay printable and comparable and the dialects (luamig.ddl) decide alone
-- what SQL a type becomes. Constructors validate eagerly and raise at the
-- revision's line: a typo in a migration should fail before any SQL runs.
-- The table-level constraint constructors live in luamig.constraints;
-- export() puts both into a revision's environment.

local type, pairs, ipairs, tostring, select = type, pairs, ipairs, tostring, select
local setmetatable, getmetatable, error = setmetatable, getmetatable, error
local math_type = math.type
local str_format, str_upper = string.format, string.upper
local table_concat, table_sort = table.concat, table.sort

local M = {}

local Type = { __name = "luamig.Type" }
local SQL = { __name = "luamig.SQL" }
local Column = { __name = "luamig.Column" }
local Literal = { __name = "luamig.Literal" }

function M.is_type(v) return getmetatable(v) == Type end
function M.is_sql(v) return getmetatable(v) == SQL end
function M.is_column(v) return getmetatable(v) == Column end
function M.is_literal(v) return getmetatable(v) == Literal end

local function describe_plain(v)
  local t = type(v)
  if t == "string" then
    if #v > 40 then v = v:sub(1, 37) .. "..." end
    return str_format("string %q", v)
  elseif t == "number" or t == "boolean" then
    return t .. " " .. tostring(v)
  end
  return t
end

--- A short description of a value for error messages: `nil`,
-- `string "varchar"`, `Column "id"`, `type String(16)`...
function M.describe(v)
  local mt = getmetatable(v)
  if mt == Type then return "type " .. tostring(v)
  elseif mt == Column then return str_format("Column %q", v.name)
  elseif mt == SQL then return str_format("sql %q", v.text)
  elseif mt == Literal then return "inline_literal " .. describe_plain(v.value)
  end
  if mt ~= nil and type(v) == "table" and type(mt.__name) == "string" and mt.__name:find("^luamig%.") then
    return mt.__name:sub(8) .. (type(v.name) == "string" and str_format(" %q", v.name) or "")
  end
  return describe_plain(v)
end
local describe = M.describe

-- Type parameters, in the order positional arguments fill them. Enum,
-- ARRAY and Type (a raw type name) have constructors of their own below.
local PARAMS = {
  Integer = {}, BigInteger = {}, SmallInteger = {}, Boolean = {}, Date = {}, JSON = {},
  JSONB = {}, Uuid = {}, Interval = {},
  String = { "length" },
  Text = { "length" },
  LargeBinary = { "length" },
  Float = { "precision" },
  Numeric = { "precision", "scale" },
  DateTime = { "timezone" },
  Time = { "timezone" },
}
M.type_names = {}
for name in pairs(PARAMS) do M.type_names[#M.type_names + 1] = name end
table_sort(M.type_names)

local INTEGER_TYPES = { Integer = true, BigInteger = true, SmallInteger = true }

--- True for the integer types, the ones that can autoincrement.
function M.is_integer(t)
  return M.is_type(t) and INTEGER_TYPES[t.name] == true
end

local function check_param(tname, pname, v)
  if pname == "timezone" then
    if type(v) ~= "boolean" then
      return str_format("%s: timezone must be a boolean, got %s", tname, describe(v))
    end
  elseif math_type(v) ~= "integer" or v < 0 or (v == 0 and pname ~= "scale") then
    local what = pname == "scale" and "a non-negative integer" or "a positive integer"
    return str_format("%s: %s must be %s, got %s", tname, pname, what, describe(v))
  end
end

-- Types are immutable so that the shared bare ones (`Integer`) cannot be
-- changed by one revision under another's feet.
Type.__newindex = function() error("type objects are immutable", 2) end

local function make_type(name, ...)
  local spec = PARAMS[name]
  if spec == nil then
    error(str_format("%s is already a type; make a new one with %s(...)", name, name), 3)
  end
  local t = { name = name }
  local n, first = select("#", ...), ...
  if n == 1 and type(first) == "table" and getmetatable(first) == nil then
    -- Named form: DateTime{timezone = true}, Numeric{precision = 10, scale = 2}.
    local known = {}
    for _, p in ipairs(spec) do known[p] = true end
    for k, v in pairs(first) do
      if not known[k] then
        error(str_format("%s: unknown parameter %s%s", name, describe(k),
          #spec > 0 and " (expected " .. table_concat(spec, ", ") .. ")" or " (it takes none)"), 3)
      end
      local msg = check_param(name, k, v)
      if msg then error(msg, 3) end
      t[k] = v
    end
  else
    if n > #spec then
      error(str_format("%s takes %s, got %d argument%s", name,
        #spec == 0 and "no arguments" or "at most " .. #spec .. " (" .. table_concat(spec, ", ") .. ")",
        n, n == 1 and "" or "s"), 3)
    end
    for i = 1, n do
      local v = select(i, ...)
      if v ~= nil then
        local msg = check_param(name, spec[i], v)
        if msg then error(msg, 3) end
        t[spec[i]] = v
      end
    end
  end
  if t.scale and not t.precision then
    error(str_format("%s: scale needs a precision", name), 3)
  elseif t.scale and t.scale > t.precision then
    error(str_format("%s: scale (%d) must not exceed precision (%d)", name, t.scale, t.precision), 3)
  end
  return setmetatable(t, Type)
end

-- Calling a type, bare or not, makes a new one of the same kind: String(16).
-- Not a tail call: make_type raises at level 3, the caller of this metamethod.
Type.__call = function(self, ...)
  local t = make_type(self.name, ...)
  return t
end

local function same_list(a, b)
  if a == b then return true end
  if a == nil or b == nil or #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

function Type.__eq(a, b)
  if getmetatable(a) ~= Type or getmetatable(b) ~= Type then return false end
  return a.name == b.name and a.length == b.length and a.precision == b.precision
    and a.scale == b.scale and (a.timezone or false) == (b.timezone or false)
    and same_list(a.values, b.values) and a.enum_name == b.enum_name and a.schema == b.schema
    and (a.create_type ~= false) == (b.create_type ~= false)
    and a.item_type == b.item_type and a.dimensions == b.dimensions and a.text == b.text
end

local function quoted_list(values)
  local q = {}
  for i, v in ipairs(values) do q[i] = str_format("%q", v) end
  return table_concat(q, ", ")
end

function Type.__tostring(t)
  if t.name == "Enum" then
    local opts = {}
    if t.enum_name then opts[#opts + 1] = str_format("name = %q", t.enum_name) end
    if t.schema then opts[#opts + 1] = str_format("schema = %q", t.schema) end
    if t.create_type == false then opts[#opts + 1] = "create_type = false" end
    return str_format("Enum(%s%s)", quoted_list(t.values),
      #opts > 0 and ", {" .. table_concat(opts, ", ") .. "}" or "")
  elseif t.name == "ARRAY" then
    return str_format("ARRAY(%s%s)", tostring(t.item_type), t.dimensions and ", " .. t.dimensions or "")
  elseif t.name == "Type" then
    return str_format("Type(%q)", t.text)
  end
  if t.timezone then return t.name .. "{ timezone = true }" end  -- valid Lua: autogenerate writes it
  local args = {}
  for _, p in ipairs(PARAMS[t.name]) do
    if t[p] ~= nil then args[#args + 1] = tostring(t[p]) end
  end
  if #args == 0 then return t.name end
  return t.name .. "(" .. table_concat(args, ", ") .. ")"
end

for name in pairs(PARAMS) do M[name] = setmetatable({ name = name }, Type) end

local function is_plain_table(v)
  return type(v) == "table" and getmetatable(v) == nil
end

local ENUM_OPTS = { name = "string", schema = "string", create_type = "boolean" }

--- Enum("a", "b", ..., [{name =, schema =, create_type =}]), or the values
-- as one list: Enum({"a", "b"}, {name = "mood"}). PostgreSQL makes it a
-- named type (CREATE TYPE; `create_type = false` when it exists already),
-- MySQL an ENUM column, SQLite a VARCHAR with a CHECK.
function M.Enum(...)
  local n = select("#", ...)
  local args = { ... }
  local opts
  if n >= 1 and is_plain_table(args[n]) and (n > 1 or args[n][1] == nil) then
    opts, n = args[n], n - 1
  end
  local list = args
  if n == 1 and is_plain_table(args[1]) then list, n = args[1], #args[1] end
  if n == 0 then error("Enum needs at least one value", 2) end
  local values, seen = {}, {}
  for i = 1, n do
    local v = list[i]
    if type(v) ~= "string" or v == "" then
      error(str_format("Enum: value #%d must be a non-empty string, got %s", i, describe(v)), 2)
    elseif seen[v] then
      error(str_format("Enum: value %q is given twice", v), 2)
    end
    seen[v] = true
    values[i] = v
  end
  local t = { name = "Enum", values = values }
  for k, v in pairs(opts or {}) do
    local want = ENUM_OPTS[k]
    if want == nil then
      error(str_format("Enum: unknown option %s (expected one of: create_type, name, schema)", describe(k)), 2)
    elseif type(v) ~= want or v == "" then
      error(str_format("Enum: option %s must be a %s%s, got %s", k, want == "string" and "non-empty " or "",
        want, describe(v)), 2)
    end
  end
  opts = opts or {}
  t.enum_name, t.schema, t.create_type = opts.name, opts.schema, opts.create_type
  local longest = 0
  for _, v in ipairs(values) do
    if #v > longest then longest = #v end
  end
  t.length = longest
  return setmetatable(t, Type)
end

--- ARRAY(item_type, [dimensions]): PostgreSQL only.
function M.ARRAY(item_type, dimensions)
  if getmetatable(item_type) ~= Type or item_type.name == "ARRAY" then
    error("ARRAY: argument #1 (item type) must be a type such as Integer or String(50), got "
      .. describe(item_type), 2)
  end
  if dimensions ~= nil and (math_type(dimensions) ~= "integer" or dimensions < 1) then
    error("ARRAY: argument #2 (dimensions) must be a positive integer, got " .. describe(dimensions), 2)
  end
  return setmetatable({ name = "ARRAY", item_type = item_type, dimensions = dimensions }, Type)
end

--- Type("CITEXT"): a type the dialects write as given.
function M.Type(text)
  if type(text) ~= "string" or not text:find("%S") then
    error("Type: argument #1 (the type's SQL) must be a non-empty string, got " .. describe(text), 2)
  end
  return setmetatable({ name = "Type", text = text }, Type)
end

M.constructor_names = { "ARRAY", "Enum", "Type" }

--- `sql "CURRENT_TIMESTAMP"`: SQL text used verbatim where a value or a
-- column name would otherwise be quoted.
function M.sql(text)
  if type(text) ~= "string" then
    error("sql: argument #1 (text) must be a string, got " .. describe(text), 2)
  end
  return setmetatable({ text = text }, SQL)
end
SQL.__tostring = function(s) return s.text end
SQL.__eq = function(a, b)
  return getmetatable(a) == SQL and getmetatable(b) == SQL and a.text == b.text
end

--- A value that a dialect writes as an SQL literal (op.inline_literal):
-- `dialect` (optional) renders it when it is turned into a string or
-- concatenated, so that `"... = " .. op.inline_literal("x")` gives SQL text.
function M.literal(value, dialect)
  return setmetatable({ value = value, dialect = dialect }, Literal)
end
local function render_literal(l)
  if l.dialect then return l.dialect:literal(l.value) end
  return tostring(l.value)
end
Literal.__tostring = render_literal
Literal.__concat = function(a, b)
  if getmetatable(a) == Literal then a = render_literal(a) end
  if getmetatable(b) == Literal then b = render_literal(b) end
  if getmetatable(a) == SQL then a = a.text end
  if getmetatable(b) == SQL then b = b.text end
  return a .. b
end
Literal.__eq = function(a, b)
  return getmetatable(a) == Literal and getmetatable(b) == Literal and a.value == b.value
end

local FK_ACTIONS = {
  ["CASCADE"] = true, ["SET NULL"] = true, ["SET DEFAULT"] = true,
  ["RESTRICT"] = true, ["NO ACTION"] = true,
}

--- A foreign key action upper-cased | nil, msg (the message starts with
-- "must be one of").
function M.fk_action(v)
  local action = type(v) == "string" and str_upper(v) or nil
  if not FK_ACTIONS[action] then
    return nil, "must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got " .. describe(v)
  end
  return action
end

-- "users.id" or "auth.users.id" -> {schema, table, column}; nil, msg.
local function parse_reference(ref)
  local schema, tbl, col
  if type(ref) == "string" then
    tbl, col = ref:match("^(.+)%.([^.]+)$")
    if not tbl then
      return nil, str_format('references must be "table.column", got %s', describe(ref))
    end
    local s, t = tbl:match("^([^.]+)%.(.+)$")
    if s then schema, tbl = s, t end
    return { schema = schema, table = tbl, column = col }
  elseif type(ref) == "table" and getmetatable(ref) == nil then
    local r = {}
    for k, v in pairs(ref) do
      if k ~= "table" and k ~= "column" and k ~= "schema" and k ~= "ondelete"
        and k ~= "onupdate" and k ~= "name" then
        return nil, str_format("references: unknown field %s", describe(k))
      end
      if type(v) ~= "string" or v == "" then
        return nil, str_format("references.%s must be a non-empty string, got %s", k, describe(v))
      end
      r[k] = v
    end
    if not r.table or not r.column then
      return nil, "references needs both table and column"
    end
    for _, k in ipairs { "ondelete", "onupdate" } do
      if r[k] then
        local action, msg = M.fk_action(r[k])
        if not action then return nil, str_format("references.%s %s", k, msg) end
        r[k] = action
      end
    end
    return r
  end
  return nil, 'references must be "table.column" or {table = ..., column = ...}, got ' .. describe(ref)
end

local COLUMN_OPTS = {
  primary_key = "boolean", nullable = "boolean", unique = "boolean", index = "boolean",
  autoincrement = "boolean", comment = "string",
  default = true, server_default = true, references = true,
}

--- A server-side default: a Lua string, number or boolean (a literal), a
-- `sql` fragment or an inline literal. Shared with ops.alter_column.
function M.is_server_default(v)
  local t = type(v)
  return t == "string" or t == "number" or t == "boolean" or getmetatable(v) == SQL
    or getmetatable(v) == Literal
end

--- Column(name, type, opts): the column of a create_table or add_column.
function M.Column(name, coltype, opts)
  if type(name) ~= "string" or name == "" then
    error("Column: argument #1 (name) must be a non-empty string, got " .. describe(name), 2)
  end
  if getmetatable(coltype) ~= Type then
    error(str_format("Column: argument #2 (type) must be a type such as Integer or String(50), got %s",
      describe(coltype)), 2)
  end
  if opts ~= nil and (type(opts) ~= "table" or getmetatable(opts) ~= nil) then
    error(str_format("Column %q: argument #3 (options) must be a table, got %s", name, describe(opts)), 2)
  end
  opts = opts or {}
  local col = { name = name, type = coltype }
  for k, v in pairs(opts) do
    local want = COLUMN_OPTS[k]
    if want == nil then
      local known = {}
      for o in pairs(COLUMN_OPTS) do known[#known + 1] = o end
      table_sort(known)
      error(str_format("Column %q: unknown option %s (expected one of: %s)", name, describe(k),
        table_concat(known, ", ")), 2)
    elseif want ~= true and type(v) ~= want then
      error(str_format("Column %q: option %s must be a %s, got %s", name, k, want, describe(v)), 2)
    end
    col[k] = v
  end
  if col.server_default ~= nil and not M.is_server_default(col.server_default) then
    error(str_format("Column %q: server_default must be a string, number, boolean or sql fragment, got %s",
      name, describe(col.server_default)), 2)
  end
  if col.references ~= nil then
    local ref, msg = parse_reference(col.references)
    if not ref then error(str_format("Column %q: %s", name, msg), 2) end
    col.references = ref
  end
  if col.primary_key and col.nullable == true then
    error(str_format("Column %q: a primary key column cannot be nullable", name), 2)
  end
  if col.autoincrement and not INTEGER_TYPES[coltype.name] then
    error(str_format("Column %q: autoincrement needs an integer type, got %s", name, tostring(coltype)), 2)
  end
  -- Normalized so that dialects and autogenerate read one field.
  col.primary_key = col.primary_key or false
  if col.nullable == nil then col.nullable = not col.primary_key end
  return setmetatable(col, Column)
end

-- Column objects are plain records to the rest of luamig; the metatable only
-- identifies them and prints them.
Column.__tostring = function(c) return str_format("Column(%q, %s)", c.name, tostring(c.type)) end

-- Reading an unknown capitalized name in a revision (`Strng(20)`,
-- `UniqueConstrant(...)`) is a typo for a type or constructor: say so at
-- that line instead of "attempt to call a nil value".
local function unknown_name(_, key)
  if type(key) == "string" and key:find("^%u") then
    local known = {}
    for _, name in ipairs(M.type_names) do known[#known + 1] = name end
    for _, name in ipairs(M.constructor_names) do known[#known + 1] = name end
    table_sort(known)
    error(str_format("unknown type or constructor %s (types: %s; also Column, PrimaryKeyConstraint,"
      .. " UniqueConstraint, CheckConstraint, ForeignKeyConstraint, Index)", key, table_concat(known, ", ")), 2)
  end
  return nil
end

--- Put the constructors a revision file uses into `env`; returns env. An
-- env without a metatable gets one that reports unknown capitalized names.
--- fn, refusing more arguments than it names (trailing nils aside): an
-- argument a function of the revision API does not take is an error at
-- the revision's line, not ignored. Functions with `...` take what they
-- take. The check tail-calls fn, so fn's own errors keep their level.
function M.strict_arity(fname, fn)
  local info = debug.getinfo(fn, "u")
  if info.isvararg then return fn end
  local n = info.nparams
  local names = {}
  for i = 1, n do names[i] = debug.getlocal(fn, i) end
  return function(...)
    local given = select("#", ...)
    while given > n and select(given, ...) == nil do given = given - 1 end
    if given > n then
      error(str_format("%s: unexpected argument #%d (%s): it takes at most %d (%s)", fname, n + 1,
        describe((select(n + 1, ...))), n, table.concat(names, ", ")), 2)
    end
    return fn(...)
  end
end

local strict_column, strict_sql = M.strict_arity("Column", M.Column), M.strict_arity("sql", M.sql)

function M.export(env)
  env = env or {}
  for _, name in ipairs(M.type_names) do env[name] = M[name] end
  for _, name in ipairs(M.constructor_names) do env[name] = M[name] end
  env.Column = strict_column
  env.sql = strict_sql
  require("luamig.constraints").export(env)
  if getmetatable(env) == nil then setmetatable(env, { __index = unknown_name }) end
  return env
end

--- A new table holding only the constructors.
function M.environment()
  return M.export({})
end

return M
