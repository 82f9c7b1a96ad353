-- luamig.schema.value_kind: the kinds of schema value (type, Column, `sql`
-- fragment, inline literal): their metatables, the is_* tests, and
-- describe() for error messages.
--
-- The metatables live here, apart from the constructors, so that each part
-- of luamig.schema.types can tell the others' values apart without
-- requiring them; each part sets the metamethods of its own kind.

local M = {}

local Type = { __name = "luamig.Type" }
local SQL = { __name = "luamig.SQL" }
local Column = { __name = "luamig.Column" }
local Literal = { __name = "luamig.Literal" }
local Computed = { __name = "luamig.Computed" }
local Identity = { __name = "luamig.Identity" }
local Final = { __name = "luamig.FinalName" }

function M.is_type(v) return getmetatable(v) == Type end
function M.is_sql(v) return getmetatable(v) == SQL end
function M.is_column(v) return getmetatable(v) == Column end
function M.is_literal(v) return getmetatable(v) == Literal end
function M.is_computed(v) return getmetatable(v) == Computed end
function M.is_identity(v) return getmetatable(v) == Identity end
function M.is_final(v) return getmetatable(v) == Final end

--- The metatables, for the parts that make and read these values.
M.mt = { Type = Type, SQL = SQL, Column = Column, Literal = Literal, Computed = Computed, Identity = Identity,
  Final = Final }

--- op.f(name): a constraint or index name the naming convention must not
-- touch (Alembic's op.f).
function M.final_name(name)
  return setmetatable({ value = name }, Final)
end

local function describe_plain(v)
  local t = type(v)
  if t == "string" then
    if #v > 40 then v = v:sub(1, 37) .. "..." end
    return string.format("string %q", v)
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
  elseif mt == Column then return string.format("Column %q", v.name)
  elseif mt == SQL then return string.format("sql %q", v.text)
  elseif mt == Literal then return "inline_literal " .. describe_plain(v.value)
  elseif mt == Final then return string.format("op.f(%q)", v.value)
  end
  if mt ~= nil and type(v) == "table" and type(mt.__name) == "string" and mt.__name:find("^luamig%.") then
    return mt.__name:sub(8) .. (type(v.name) == "string" and string.format(" %q", v.name) or "")
  end
  return describe_plain(v)
end

--- "unknown option <key> (expected one of: <the keys of allowed, sorted>)",
-- the message of every constructor and op that checks its options.
function M.unknown_option(key, allowed)
  local known = {}
  for k in pairs(allowed) do known[#known + 1] = k end
  table.sort(known)
  return string.format("unknown option %s (expected one of: %s)", M.describe(key), table.concat(known, ", "))
end

return M
