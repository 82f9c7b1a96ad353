-- luamig.schema.sql_fragment: `sql "..."` fragments, SQL text used as
-- written, and inline literals, values a dialect writes as SQL literals.

local kind = require("luamig.schema.value_kind")

local M = {}

local SQL, Literal = kind.mt.SQL, kind.mt.Literal
local describe = kind.describe

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

return M
