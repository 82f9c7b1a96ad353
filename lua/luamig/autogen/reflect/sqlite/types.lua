-- luamig.autogen.reflect.sqlite.types: the luamig type of a column's
-- declared SQLite type (the Enum a column's CHECK makes it is
-- luamig.autogen.reflect.type_checks').

local types = require("luamig.schema.types")
local ddl = require("luamig.ddl")

local M = {}

local dialect = ddl.dialect("sqlite")

-- Declared type text compared as SQLite reads it: case and the spaces
-- around parentheses and commas do not matter.
local function normal(text)
  return (string.upper(text):gsub("%s+", " "):gsub(" ?([(),]) ?", "%1"):gsub("^ ", ""):gsub(" $", ""))
end
M.normal = normal

-- The luamig types a declared name may be, by its upper-cased name; called
-- with the numbers in parentheses (pcall: bad arguments are just not it).
local CANDIDATES = {
  INTEGER = types.Integer, BIGINT = types.BigInteger, SMALLINT = types.SmallInteger,
  BOOLEAN = types.Boolean, VARCHAR = types.String, TEXT = types.Text, FLOAT = types.Float,
  NUMERIC = types.Numeric, DATE = types.Date, DATETIME = types.DateTime, TIME = types.Time,
  BLOB = types.LargeBinary, JSON = types.JSON,
  CHAR = function(n) if n == 36 then return types.Uuid end end,
}

local function type_of(text)
  local n = normal(text)
  local name, args = n:match("^([^(]-) ?%((.*)%)$")
  name = name or n
  local nums = {}
  for part in (args and args .. "," or ""):gmatch("([^,]*),") do
    nums[#nums + 1] = part:match("^%d+$") and tonumber(part) or false
  end
  local ctor = CANDIDATES[name]
  if ctor then
    -- A bare type is the candidate itself (CHAR has none); else call it.
    local ok, t = true, ctor
    if #nums > 0 then ok, t = pcall(ctor, table.unpack(nums)) end
    if ok and types.is_type(t) then
      local back = dialect:type_sql(t)
      if back and normal(back) == n then return t end
    end
  end
  return types.Type(text)
end

-- Types are immutable, so the columns of one declared text share one: a
-- schema repeats a few texts, and finding the type again for each column
-- was a good part of reading it. Bounded, for an embedding process that
-- reads many schemas.
local known, count = {}, 0

--- The luamig type of a declared SQLite type: the one that renders back
-- to it, else Type(text); nil for a column declared without a type.
function M.type_of(text)
  if text == nil or not text:find("%S") then return nil end
  local t = known[text]
  if not t then
    t = type_of(text)
    if count >= 4096 then known, count = {}, 0 end
    known[text], count = t, count + 1
  end
  return t
end

return M
