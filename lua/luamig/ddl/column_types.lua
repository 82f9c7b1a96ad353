-- luamig.ddl.column_types: the SQL of column types (TIMESTAMP(6) WITH TIME
-- ZONE, VARCHAR(20) CHARACTER SET ... COLLATE ...) and of PostgreSQL's
-- named enum types, as luamig.ddl.base's Dialect methods (`self` is the
-- dialect; each dialect overrides entries of its `types` table).

local types = require("luamig.schema.types")

local describe = types.describe

local Dialect = {}

local function with_length(sql_name)
  return function(_, t)
    if t.length then return string.format("%s(%d)", sql_name, t.length) end
    return sql_name
  end
end

-- TIMESTAMP / TIME, with fractional seconds digits (precision) and a zone.
local function zoned(sql_name)
  return function(_, t)
    local name = t.precision and string.format("%s(%d)", sql_name, t.precision) or sql_name
    if t.timezone then return name .. " WITH TIME ZONE" end
    return name
  end
end

--- A type entry for a type the dialect does not have: the message says
-- what to use instead.
local function no_type(sql_name, advice)
  return function(self, _, column_name)
    return nil, string.format("%s has no %s type (column %s): %s", self.display_name, sql_name,
      self:quote(column_name or "?"), advice)
  end
end

-- Each entry is the SQL text, or function(dialect, type, column_name, schema)
-- returning the text or nil, msg.
Dialect.types = {
  Integer = "INTEGER", BigInteger = "BIGINT", SmallInteger = "SMALLINT",
  String = with_length("VARCHAR"),
  Text = "TEXT",
  Boolean = "BOOLEAN",
  Date = "DATE",
  DateTime = zoned("TIMESTAMP"),
  Timestamp = zoned("TIMESTAMP"),
  Time = zoned("TIME"),
  Float = function(_, t)
    if t.precision then return string.format("FLOAT(%d)", t.precision) end
    return "FLOAT"
  end,
  Numeric = function(_, t)
    if t.scale then return string.format("NUMERIC(%d, %d)", t.precision, t.scale) end
    if t.precision then return string.format("NUMERIC(%d)", t.precision) end
    return "NUMERIC"
  end,
  LargeBinary = "BLOB",
  JSON = "JSON",
  JSONB = "JSONB",
  Uuid = "UUID",
  Interval = "INTERVAL",
  -- A named type of its own, made by CREATE TYPE (see enum_types).
  Enum = function(self, t, column_name, schema)
    if t.native_enum == false then return string.format("VARCHAR(%d)", t.length) end
    if not t.enum_name then
      return nil, string.format("%s needs a name for %s (column %s): add {name = \"...\"}", self.display_name,
        tostring(t), self:quote(column_name or "?"))
    end
    return self:qualify(t.enum_name, t.schema or schema)
  end,
  ARRAY = function(self, t, column_name, schema)
    local item, err = self:type_sql(t.item_type, column_name, schema)
    if not item then return nil, err end
    return item .. ("[]"):rep(t.dimensions or 1)
  end,
  Type = function(_, t) return t.text end,
}

function Dialect:type_sql(t, column_name, schema)
  if not types.is_type(t) then
    error("type_sql: argument #1 must be a type, got " .. describe(t), 2)
  end
  local render = self.types[t.name]
  local text, err
  if render == nil then
    return nil, string.format("%s has no type for %s (column %s)", self.display_name, tostring(t),
      self:quote(column_name or "?"))
  elseif type(render) == "string" then
    text = render
  else
    text, err = render(self, t, column_name, schema)
  end
  if text and t.charset then
    local charset
    charset, err = self:charset_sql(t.charset, column_name)
    if not charset then return nil, err end
    text = text .. " " .. charset
  end
  if text and t.collation then text = text .. " COLLATE " .. self:collation_sql(t.collation) end
  return text, err
end

--- A column's own character set: MySQL's alone; elsewhere the database's
-- encoding applies to every column, and a collation is what differs.
function Dialect:charset_sql(_, column_name)
  return nil, string.format("%s has no per-column character set (column %s): the database's encoding"
    .. " applies; give a collation instead, or set charset only on MySQL", self.display_name,
    self:quote(column_name or "?"))
end

--- A collation's name in COLLATE: a quoted identifier (PostgreSQL's "C"),
-- a bare word where the dialect says so.
function Dialect:collation_sql(name)
  return self:quote(name)
end

--- The Enum types among `column_types` that CREATE TYPE must make first
-- (named_enums dialects), each once: an array of {name, schema, values}.
function Dialect:enum_types(column_types, schema)
  if not self.named_enums then return {} end
  local out, seen = {}, {}
  for _, t in ipairs(column_types) do
    if t.name == "ARRAY" then t = t.item_type end
    if t.name == "Enum" and t.create_type ~= false and t.enum_name and t.native_enum ~= false then
      local s = t.schema or schema
      local key = (s or "") .. "." .. t.enum_name
      if not seen[key] then
        seen[key] = true
        out[#out + 1] = { name = t.enum_name, schema = s, values = t.values }
      end
    end
  end
  return out
end

function Dialect:create_enum_sql(e)
  local vals = {}
  for i, v in ipairs(e.values) do vals[i] = self:string_literal(v) end
  return string.format("CREATE TYPE %s AS ENUM (%s)", self:qualify(e.name, e.schema), table.concat(vals, ", "))
end

function Dialect:drop_enum_sql(name, schema, if_exists)
  return string.format("DROP TYPE %s%s", if_exists and "IF EXISTS " or "", self:qualify(name, schema))
end

return { methods = Dialect, with_length = with_length, no_type = no_type }
