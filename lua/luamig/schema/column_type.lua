-- luamig.schema.column_type: the column types (Integer, String(16),
-- Numeric{precision = 10, scale = 2}, Enum, ARRAY, Type("CITEXT")...):
-- immutable data that the dialects (luamig.ddl) alone turn into SQL.

local kind = require("luamig.schema.value_kind")

local M = {}

local Type = kind.mt.Type
local describe, is_type = kind.describe, kind.is_type

-- Type parameters, in the order positional arguments fill them. Enum,
-- ARRAY and Type (a raw type name) have constructors of their own below.
local PARAMS = {
  Integer = {}, BigInteger = {}, SmallInteger = {}, Boolean = {}, Date = {}, JSON = {},
  JSONB = {}, Uuid = {}, Interval = {},
  String = { "length", "collation", "charset" },
  Text = { "length", "collation", "charset" },
  LargeBinary = { "length" },
  Float = { "precision" },
  Numeric = { "precision", "scale" },
  DateTime = { "timezone", "precision" },
  Timestamp = { "timezone", "precision" },
  Time = { "timezone", "precision" },
}
M.type_names = {}
for name in pairs(PARAMS) do M.type_names[#M.type_names + 1] = name end
table.sort(M.type_names)

local INTEGER_TYPES = { Integer = true, BigInteger = true, SmallInteger = true }

--- True for the integer types, the ones that can autoincrement.
function M.is_integer(t)
  return is_type(t) and INTEGER_TYPES[t.name] == true
end

local function check_param(tname, pname, v)
  if pname == "collation" or pname == "charset" then
    if type(v) ~= "string" or not v:match("^[%w_.%-]+$") then
      return string.format("%s: %s must be a %s name such as %s, got %s", tname, pname,
        pname == "charset" and "character set" or "collation",
        pname == "charset" and '"utf8mb4"' or '"utf8mb4_bin" or "C"', describe(v))
    end
    return nil
  end
  if pname == "timezone" then
    if type(v) ~= "boolean" then
      return string.format("%s: timezone must be a boolean, got %s", tname, describe(v))
    end
  elseif math.type(v) ~= "integer" or v < 0 or (v == 0 and pname ~= "scale") then
    local what = pname == "scale" and "a non-negative integer" or "a positive integer"
    return string.format("%s: %s must be %s, got %s", tname, pname, what, describe(v))
  end
end

-- Types are immutable so that the shared bare ones (`Integer`) cannot be
-- changed by one revision under another's feet.
Type.__newindex = function() error("type objects are immutable", 2) end

-- Boolean{create_constraint = true, name = "ck_x"}: a CHECK (col IN (0, 1))
-- where the database has no boolean of its own (SQLite), named `name` (or
-- by the convention), as SQLAlchemy's Boolean(create_constraint=True).
local function boolean_type(opts)
  for k, v in pairs(opts) do
    if k ~= "create_constraint" and k ~= "name" then
      error("Boolean: " .. kind.unknown_option(k, { create_constraint = true, name = true }), 3)
    elseif k == "create_constraint" and type(v) ~= "boolean" then
      error("Boolean: option create_constraint must be a boolean, got " .. describe(v), 3)
    elseif k == "name" and (type(v) ~= "string" or v == "") then
      error("Boolean: option name must be a non-empty string, got " .. describe(v), 3)
    end
  end
  return setmetatable({ name = "Boolean", create_constraint = opts.create_constraint, check_name = opts.name }, Type)
end

local function make_type(name, ...)
  if name == "Boolean" and select("#", ...) == 1 and type((...)) == "table" and getmetatable((...)) == nil then
    return boolean_type(...)
  end
  local spec = PARAMS[name]
  if spec == nil then
    error(string.format("%s is already a type; make a new one with %s(...)", name, name), 3)
  end
  local t = { name = name }
  local n, first = select("#", ...), ...
  if n == 1 and type(first) == "table" and getmetatable(first) == nil then
    -- Named form: DateTime{timezone = true}, Numeric{precision = 10, scale = 2}.
    local known = {}
    for _, p in ipairs(spec) do known[p] = true end
    for k, v in pairs(first) do
      if not known[k] then
        error(string.format("%s: unknown parameter %s%s", name, describe(k),
          #spec > 0 and " (expected " .. table.concat(spec, ", ") .. ")" or " (it takes none)"), 3)
      end
      local msg = check_param(name, k, v)
      if msg then error(msg, 3) end
      t[k] = v
    end
  else
    if n > #spec then
      error(string.format("%s takes %s, got %d argument%s", name,
        #spec == 0 and "no arguments" or "at most " .. #spec .. " (" .. table.concat(spec, ", ") .. ")",
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
    error(string.format("%s: scale needs a precision", name), 3)
  elseif t.scale and t.scale > t.precision then
    error(string.format("%s: scale (%d) must not exceed precision (%d)", name, t.scale, t.precision), 3)
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
    and a.scale == b.scale and (a.timezone or false) == (b.timezone or false) and a.collation == b.collation and a.charset == b.charset
    and same_list(a.values, b.values) and a.enum_name == b.enum_name and a.schema == b.schema
    and (a.create_type ~= false) == (b.create_type ~= false) and a.native_enum == b.native_enum
    and (a.create_constraint or false) == (b.create_constraint or false) and a.check_name == b.check_name
    and a.item_type == b.item_type and a.dimensions == b.dimensions and a.text == b.text
end

local function quoted_list(values)
  local q = {}
  for i, v in ipairs(values) do q[i] = string.format("%q", v) end
  return table.concat(q, ", ")
end

function Type.__tostring(t)
  if t.name == "Enum" then
    local opts = {}
    if t.enum_name then opts[#opts + 1] = string.format("name = %q", t.enum_name) end
    if t.schema then opts[#opts + 1] = string.format("schema = %q", t.schema) end
    if t.create_type == false then opts[#opts + 1] = "create_type = false" end
    if t.native_enum == false then opts[#opts + 1] = "native_enum = false" end
    if t.create_constraint ~= nil then opts[#opts + 1] = "create_constraint = " .. tostring(t.create_constraint) end
    return string.format("Enum(%s%s)", quoted_list(t.values),
      #opts > 0 and ", {" .. table.concat(opts, ", ") .. "}" or "")
  elseif t.name == "ARRAY" then
    return string.format("ARRAY(%s%s)", tostring(t.item_type), t.dimensions and ", " .. t.dimensions or "")
  elseif t.name == "Type" then
    return string.format("Type(%q)", t.text)
  end
  if t.precision and (t.name == "DateTime" or t.name == "Timestamp" or t.name == "Time") then
    return string.format("%s{ %sprecision = %d }", t.name, t.timezone and "timezone = true, " or "", t.precision)
  end
  if t.timezone then return t.name .. "{ timezone = true }" end  -- valid Lua: autogenerate writes it
  if t.collation or t.charset then
    return string.format("%s{ %s%s%s }", t.name, t.length and ("length = " .. t.length .. ", ") or "",
      t.collation and string.format("collation = %q", t.collation) or "",
      t.charset and string.format("%scharset = %q", t.collation and ", " or "", t.charset) or "")
  end
  if t.name == "Boolean" and (t.create_constraint or t.check_name) then
    return string.format("Boolean{ create_constraint = %s%s }", tostring(t.create_constraint or false),
      t.check_name and string.format(", name = %q", t.check_name) or "")
  end
  local args = {}
  for _, p in ipairs(PARAMS[t.name]) do
    if t[p] ~= nil then args[#args + 1] = tostring(t[p]) end
  end
  if #args == 0 then return t.name end
  return t.name .. "(" .. table.concat(args, ", ") .. ")"
end

for name in pairs(PARAMS) do M[name] = setmetatable({ name = name }, Type) end

-- SQLAlchemy's Unicode and UnicodeText differ from String and Text only on
-- SQL Server; here they are the same types under the names a port keeps.
M.Unicode, M.UnicodeText = setmetatable({ name = "String" }, Type), setmetatable({ name = "Text" }, Type)
M.type_names[#M.type_names + 1] = "Unicode"
M.type_names[#M.type_names + 1] = "UnicodeText"
table.sort(M.type_names)

local function is_plain_table(v)
  return type(v) == "table" and getmetatable(v) == nil
end

local ENUM_OPTS = { name = "string", schema = "string", create_type = "boolean", native_enum = "boolean",
  create_constraint = "boolean" }

--- Enum("a", "b", ..., [{name =, schema =, create_type =, native_enum =,
-- create_constraint =}]), or the values as one list: Enum({"a", "b"},
-- {name = "mood"}). PostgreSQL makes it a named type (CREATE TYPE;
-- `create_type = false` when it exists already), MySQL an ENUM column,
-- SQLite a VARCHAR with a CHECK. native_enum = false: a VARCHAR everywhere,
-- with a CHECK (col IN (...)) when create_constraint = true (SQLite: unless
-- create_constraint = false), named `name`, as SQLAlchemy's.
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
      error(string.format("Enum: value #%d must be a non-empty string, got %s", i, describe(v)), 2)
    elseif seen[v] then
      error(string.format("Enum: value %q is given twice", v), 2)
    end
    seen[v] = true
    values[i] = v
  end
  local t = { name = "Enum", values = values }
  for k, v in pairs(opts or {}) do
    local want = ENUM_OPTS[k]
    if want == nil then
      error("Enum: " .. kind.unknown_option(k, ENUM_OPTS), 2)
    elseif type(v) ~= want or v == "" then
      error(string.format("Enum: option %s must be a %s%s, got %s", k, want == "string" and "non-empty " or "",
        want, describe(v)), 2)
    end
  end
  opts = opts or {}
  t.enum_name, t.schema, t.create_type = opts.name, opts.schema, opts.create_type
  t.native_enum, t.create_constraint = opts.native_enum, opts.create_constraint
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
  if dimensions ~= nil and (math.type(dimensions) ~= "integer" or dimensions < 1) then
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

return M
