-- luamig.ops.batch.sqltext: the column names in SQL text that batch mode
-- follows when a column is renamed or dropped.
--
-- CHECK constraints and index definitions name columns in SQL text, which
-- a rebuilt table must write again with the new names, or not at all when
-- the column is gone; CREATE INDEX and CREATE TRIGGER statements of an
-- attached schema must name it. This module finds and rewrites those
-- names over the tokens of the reflector's parser
-- (luamig.reflect.sqlite.sqltext, which reads the text SQLite keeps).
-- Pure: no database access.

local reading = require("luamig.reflect.sqlite.sqltext")

local tokenize, kw = reading.tokenize, reading.keyword

local M = {}

-- Identifier tokens from tokens[first] on that name a column: not a
-- function name (followed by "("), not a qualifier (followed by ".").
local function column_refs(tokens, first)
  local refs = {}
  for i = first or 1, #tokens do
    local t = tokens[i]
    local nxt = tokens[i + 1]
    if t.kind == "id" and not (nxt and (nxt.kind == "(" or nxt.value == ".")) then refs[#refs + 1] = t end
  end
  return refs
end

-- Where the names to look at start: an expression's first token, or the
-- "(" that opens a CREATE INDEX's column list (not its table's name).
local function start_of(tokens, what)
  if what == "index" then return reading.index_open(tokens) or #tokens + 1 end
  return 1
end

--- Does the expression (what = "expr") or CREATE INDEX statement
-- (what = "index") use the column `name` (case-insensitive)?
function M.uses_column(text, name, what)
  local tokens = tokenize(text)
  local lname = string.lower(name)
  for _, t in ipairs(column_refs(tokens, start_of(tokens, what))) do
    if string.lower(t.value) == lname then return true end
  end
  return false
end

--- Do two SQL texts say the same, their tokens compared (identifiers
-- quoted or not, and keywords, case-blind; white space aside)?
function M.same_sql(a, b)
  local ta, tb = tokenize(a), tokenize(b)
  if #ta ~= #tb then return false end
  for i = 1, #ta do
    local x, y = ta[i], tb[i]
    if x.kind ~= y.kind then return false end
    local same = x.value == y.value or (x.kind == "id" and string.lower(x.value) == string.lower(y.value))
    if not same then return false end
  end
  return true
end

--- The text with every use of a column renamed: `renames` maps lower-case
-- old names to new names; `quote` quotes an identifier.
function M.rename_columns(text, renames, quote, what)
  local tokens = tokenize(text)
  local parts, pos = {}, 1
  for _, t in ipairs(column_refs(tokens, start_of(tokens, what))) do
    local new = renames[string.lower(t.value)]
    if new then
      parts[#parts + 1] = string.sub(text, pos, t.s - 1)
      parts[#parts + 1] = quote(new)
      pos = t.e + 1
    end
  end
  parts[#parts + 1] = string.sub(text, pos)
  return table.concat(parts)
end

--- A CREATE INDEX or CREATE TRIGGER statement with its name put in
-- `prefix` (a quoted schema name), unless it names a schema already.
function M.qualify_created(text, prefix)
  local tokens = tokenize(text)
  for i, t in ipairs(tokens) do
    local w = kw(t)
    if w == "INDEX" or w == "TRIGGER" then
      local j = i + 1
      if kw(tokens[j]) == "IF" then j = j + 3 end
      local name = tokens[j]
      if not name or (tokens[j + 1] and tokens[j + 1].value == ".") then return text end
      return string.sub(text, 1, name.s - 1) .. prefix .. "." .. string.sub(text, name.s)
    end
  end
  return text
end

--- Does the SQL text mention the name as an identifier at all? (Views and
-- triggers that may use a table.)
function M.mentions(text, name)
  local lname = string.lower(name)
  for _, t in ipairs(tokenize(text)) do
    if t.kind == "id" and string.lower(t.value) == lname then return true end
  end
  return false
end

return M
