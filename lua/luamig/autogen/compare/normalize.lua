-- luamig.autogen.compare.normalize: column types and server defaults as
-- comparable text, whatever words a database puts them in.

local M = {}

-- Both normalisations are pure functions of a short text, and a schema
-- repeats a few texts over and over (a thousand tables have a few dozen
-- types and defaults between them), so their results are kept, by text.
-- The cache is emptied when it grows past a bound, for an embedding
-- process that compares many different schemas.
local function memoized(fn)
  local cache, size = {}, 0
  return function(text)
    local hit = cache[text]
    if hit ~= nil then return hit end
    local value = fn(text)
    if size >= 4096 then cache, size = {}, 0 end
    cache[text], size = value, size + 1
    return value
  end
end

local TYPE_ALIASES = {
  ["INT"] = "INTEGER", ["INT4"] = "INTEGER", ["INT8"] = "BIGINT", ["INT2"] = "SMALLINT",
  ["BOOL"] = "BOOLEAN", ["FLOAT8"] = "DOUBLE PRECISION", ["FLOAT4"] = "REAL",
  ["CHARACTER VARYING"] = "VARCHAR", ["TIMESTAMP WITHOUT TIME ZONE"] = "TIMESTAMP",
  ["TIMESTAMPTZ"] = "TIMESTAMP WITH TIME ZONE", ["TIME WITHOUT TIME ZONE"] = "TIME",
  ["DECIMAL"] = "NUMERIC",
}

local function normalize_type_text(text)
  local s = tostring(text):upper():gsub("%s+", " "):gsub("%s*([(),])%s*", "%1"):gsub("^%s+", ""):gsub("%s+$", "")
  local base, rest = s:match("^([%a%d_ ]-)%s*(%(.*)$")
  if not base then base, rest = s, "" end
  base = TYPE_ALIASES[base] or base
  if base == "INTEGER" and rest:match("^%(%d+%)$") then rest = "" end  -- MySQL's display width
  if base == "NUMERIC" then rest = rest:gsub("^%((%d+),0%)", "(%1)") end  -- NUMERIC(10, 0) is NUMERIC(10)
  return base .. rest
end
normalize_type_text = memoized(normalize_type_text)
M.normalize_type_text = normalize_type_text

--- The SQL of a snapshot column's type on this dialect, normalised, as a
-- function of the column, for one comparison. aliases: {[normalised SQL]
-- = what the server makes of it} (a snapshot's type_aliases: MySQL's bare
-- NUMERIC is DECIMAL(10,0)). The SQL of each type object is made once:
-- types are immutable, the reflected columns of one type text share one,
-- as models share the bare types, and making it was most of what
-- comparing a column cost.
function M.type_keys(dialect, aliases)
  local sql_of = {}
  return function(col)
    local t, key = col.type, nil
    if t then
      local sql = sql_of[t]
      if sql == nil then
        local ok, text = pcall(dialect.type_sql, dialect, t, col.name)
        sql = ok and text or false
        sql_of[t] = sql
      end
      if sql then key = normalize_type_text(sql) end
    end
    key = key or normalize_type_text(col.type_text or "?")
    return aliases and aliases[key] or key
  end
end

--- type_keys for one column.
function M.type_key(dialect, col, aliases)
  return M.type_keys(dialect, aliases)(col)
end

--- A generated column's expression as comparable text: databases print
-- it back their own way (PostgreSQL adds casts, MySQL backquotes, every
-- one its own spaces and parentheses), so all of those are left out, as
-- Alembic does before it compares.
function M.expression(text)
  if text == nil then return nil end
  local s = tostring(text):gsub("::[%a_][%w_]*%s*varying", ""):gsub("::[%a_][%w_]*", "")
  return (s:gsub("[%s%(%)\"`%[%]]", ""):lower())
end

local function strip_outer_parens(s)
  while s:sub(1, 1) == "(" and s:sub(-1) == ")" do
    local depth, closes_at_end = 0, true
    for i = 1, #s do
      local c = s:sub(i, i)
      if c == "(" then depth = depth + 1 elseif c == ")" then depth = depth - 1 end
      if depth == 0 and i < #s then closes_at_end = false; break end
    end
    if not closes_at_end then break end
    s = s:sub(2, -2)
  end
  return s
end

-- A server default's text as M.normalize_default has it, false for NULL
-- (the cache keeps no nil).
local function normalize_default(s)
  s = strip_outer_parens(s:gsub("^%s+", ""):gsub("%s+$", ""))
  s = s:gsub("::[%w_ %[%]\"]+", "")  -- 'abc'::character varying
  s = strip_outer_parens(s)
  -- lower case outside quotes
  local parts, pos = {}, 1
  while pos <= #s do
    local q1 = s:find("'", pos, true)
    if not q1 then parts[#parts + 1] = s:sub(pos):lower(); break end
    local q2 = s:find("'", q1 + 1, true) or #s
    parts[#parts + 1] = s:sub(pos, q1 - 1):lower()
    parts[#parts + 1] = s:sub(q1, q2)
    pos = q2 + 1
  end
  s = table.concat(parts)
  local quoted_number = s:match("^'(%-?%d+%.?%d*)'$")
  if quoted_number then s = quoted_number end
  -- 5, 5.0 and '5' are one number (Alembic compares them so too)
  local number = tonumber(s)
  if number then
    s = (math.type(number) == "float" and number == math.floor(number) and math.abs(number) < 2 ^ 53)
      and string.format("%d", number) or tostring(number)
  end
  if s == "localtimestamp" then s = "current_timestamp" end
  s = s:gsub("now%(%)", "current_timestamp"):gsub("current_timestamp%(%)", "current_timestamp")
  if s == "true" then s = "1" elseif s == "false" then s = "0" end
  if s == "null" then return false end
  return s
end
normalize_default = memoized(normalize_default)

--- A server default as comparable text: no outer parentheses or
-- PostgreSQL casts, keywords in lower case, quoted numbers unquoted and
-- written one way (5.0 as 5),
-- now() and current_timestamp() as current_timestamp, true/false as 1/0;
-- nil for none (and for NULL).
function M.normalize_default(text)
  if text == nil then return nil end
  return normalize_default(tostring(text)) or nil
end

return M
