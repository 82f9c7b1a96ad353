-- luamig.reflect.sqlite.sqltext: reading the SQL text SQLite keeps in
-- sqlite_master (CREATE TABLE and CREATE INDEX statements).
--
-- SQLite's PRAGMAs describe columns, keys, indexes and foreign keys, but
-- constraint names, CHECK constraints, collations, AUTOINCREMENT,
-- deferrable foreign keys and the written form of an index's expressions
-- live only in the text as it was written. This module tokenizes that text
-- (quotes, comments and nesting understood, nothing evaluated) and splits
-- a CREATE TABLE into its column definitions and table constraints, and a
-- CREATE INDEX into its elements and WHERE clause. It is the reflector's
-- (luamig.reflect.sqlite) parser; batch mode's rewriting of column names
-- (luamig.ops.batch.sqltext) uses its tokens. Pure: no database access.

local M = {}

-- Token kinds: "id" (a bare word, or a quoted identifier: quoted = true),
-- "str" (a '...' or x'...' literal), "num", "(", ")", ",", "op" (any other
-- character). Each token is {kind, value, s, e}: value is the identifier
-- without its quotes, s and e its first and last byte in the text.
local CLOSE = { [34] = 34, [96] = 96, [91] = 93 } -- " ` [
local CLOSE_TEXT = { [34] = '"', [96] = "`", [93] = "]" }

local function is_word_byte(b)
  return b and (b >= 48 and b <= 57 or b >= 65 and b <= 90 or b >= 97 and b <= 122 or b == 95 or b == 36
    or b >= 128)
end

-- The rest of a word and a run of spaces, as patterns: string.find skips
-- them in one call, where a Lua loop went byte by byte (tokenizing is
-- most of the time of reading a large schema). WORD_REST holds
-- is_word_byte's bytes.
local WORD_REST = "^[0-9A-Za-z_$\128-\255]*"
local NOT_SPACE = "[^ \t\n\r\f]"

--- The tokens of `text`; comments and spaces are dropped.
function M.tokenize(text)
  local tokens, i, n = {}, 1, #text
  while i <= n do
    local b = string.byte(text, i)
    if b == 32 or b == 9 or b == 10 or b == 13 or b == 12 then
      i = string.find(text, NOT_SPACE, i + 1) or n + 1
    elseif b == 45 and string.byte(text, i + 1) == 45 then -- -- comment
      local e = string.find(text, "\n", i, true)
      i = e and e + 1 or n + 1
    elseif b == 47 and string.byte(text, i + 1) == 42 then -- /* comment */
      local _, e = string.find(text, "*/", i + 2, true)
      i = e and e + 1 or n + 1
    elseif CLOSE[b] then
      local close, j = CLOSE[b], i + 1
      local k = string.find(text, CLOSE_TEXT[close], j, true) or n + 1
      local value
      -- A doubled closing quote is the quote itself ("a""b"), not for [...].
      if close == 93 or string.byte(text, k + 1) ~= close then
        value, j = string.sub(text, j, k - 1), k  -- none: the usual name, without a list of parts
      else
        local parts = {}
        while true do
          k = string.find(text, CLOSE_TEXT[close], j, true) or n + 1
          parts[#parts + 1] = string.sub(text, j, k - 1)
          if close ~= 93 and string.byte(text, k + 1) == close then
            parts[#parts + 1] = CLOSE_TEXT[close]
            j = k + 2
          else
            j = k
            break
          end
        end
        value = table.concat(parts)
      end
      tokens[#tokens + 1] = { kind = "id", value = value, quoted = true, s = i, e = j }
      i = j + 1
    elseif b == 39 or ((b == 120 or b == 88) and string.byte(text, i + 1) == 39) then
      local j = b == 39 and i + 1 or i + 2
      while true do
        local k = string.find(text, "'", j, true) or n
        if string.byte(text, k + 1) == 39 then j = k + 2 else j = k; break end
      end
      tokens[#tokens + 1] = { kind = "str", value = string.sub(text, i, j), s = i, e = j }
      i = j + 1
    elseif b >= 48 and b <= 57
      or (b == 46 and (string.byte(text, i + 1) or 0) >= 48 and (string.byte(text, i + 1) or 0) <= 57) then
      local j = i
      while j < n do
        local c = string.byte(text, j + 1)
        if is_word_byte(c) or c == 46 then j = j + 1
        elseif (c == 43 or c == 45) and (string.byte(text, j) == 101 or string.byte(text, j) == 69) then j = j + 1
        else break end
      end
      tokens[#tokens + 1] = { kind = "num", value = string.sub(text, i, j), s = i, e = j }
      i = j + 1
    elseif is_word_byte(b) then
      local _, j = string.find(text, WORD_REST, i + 1)
      tokens[#tokens + 1] = { kind = "id", value = string.sub(text, i, j), s = i, e = j }
      i = j + 1
    else
      local kind = b == 40 and "(" or b == 41 and ")" or b == 44 and "," or "op"
      tokens[#tokens + 1] = { kind = kind, value = string.char(b), s = i, e = i }
      i = i + 1
    end
  end
  return tokens
end

-- The upper-cased keyword of a bare word, or nil.
local function kw(tok)
  if tok and tok.kind == "id" and not tok.quoted then return string.upper(tok.value) end
  return nil
end
M.keyword = kw

-- The index of the token closing the parenthesis opened at tokens[i].
local function closing(tokens, i)
  local depth = 0
  for j = i, #tokens do
    local k = tokens[j].kind
    if k == "(" then depth = depth + 1
    elseif k == ")" then
      depth = depth - 1
      if depth == 0 then return j end
    end
  end
  return #tokens
end

-- The text between the parentheses opened at tokens[i], and the index of
-- the closing one.
local function inside(text, tokens, i)
  local j = closing(tokens, i)
  if j == i + 1 then return "", j end
  return string.sub(text, tokens[i + 1].s, tokens[j - 1].e), j
end

-- "(a, b COLLATE nocase DESC)" -> {"a", "b"}: the first name of each element.
local function name_list(tokens, i)
  local names, j, expect = {}, closing(tokens, i), true
  for k = i + 1, j - 1 do
    local t = tokens[k]
    if t.kind == "," then expect = true
    elseif expect and t.kind == "id" then names[#names + 1] = t.value; expect = false
    end
  end
  return names, j
end

-- MATCH name (upper-cased; SQLite keeps it but does not act on it, and
-- its pragma does not report it), from the tokens after a REFERENCES
-- clause; nil when not said.
local function match_clause(tokens, from, to)
  for k = from, to - 1 do
    if kw(tokens[k]) == "MATCH" and tokens[k + 1].kind == "id" then return string.upper(tokens[k + 1].value) end
  end
  return nil
end

-- [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE], from the tokens after
-- a REFERENCES clause: deferrable (true, false or nil when not said) and
-- initially (nil when not said).
local function deferrable_clause(tokens, from, to)
  for k = from, to do
    if kw(tokens[k]) == "DEFERRABLE" then
      local mode = kw(tokens[k + 1]) == "INITIALLY" and kw(tokens[k + 2]) or nil
      return kw(tokens[k - 1]) ~= "NOT", mode
    end
  end
  return nil
end

-- REFERENCES tbl [(cols)] ...: {ref_table, ref_columns, match, deferrable, initially}, and
-- the index after the table name (and columns).
local function references(tokens, i, last)
  local ref = { ref_table = tokens[i + 1] and tokens[i + 1].value, ref_columns = {} }
  local j = i + 2
  -- schema.table: SQLite only allows a bare name here, but be lenient.
  if tokens[j] and tokens[j].value == "." and tokens[j + 1] then ref.ref_table = tokens[j + 1].value; j = j + 2 end
  if tokens[j] and tokens[j].kind == "(" then
    ref.ref_columns, j = name_list(tokens, j)
    j = j + 1
  end
  ref.deferrable, ref.initially = deferrable_clause(tokens, j, last)
  ref.match = match_clause(tokens, j, last)
  return ref
end

local TABLE_CONSTRAINT = { CONSTRAINT = true, PRIMARY = true, UNIQUE = true, CHECK = true, FOREIGN = true }
-- Words that end a column's type name.
local COLUMN_CONSTRAINT = {
  CONSTRAINT = true, PRIMARY = true, NOT = true, NULL = true, UNIQUE = true, CHECK = true,
  DEFAULT = true, COLLATE = true, REFERENCES = true, GENERATED = true, AS = true,
}

-- One table constraint, tokens[a..b].
local function table_constraint(text, tokens, a, b, out)
  local name
  if kw(tokens[a]) == "CONSTRAINT" then name = tokens[a + 1] and tokens[a + 1].value; a = a + 2 end
  local word = kw(tokens[a])
  if word == "PRIMARY" or word == "UNIQUE" then
    local open = a + 1
    while open <= b and tokens[open].kind ~= "(" do open = open + 1 end
    local cols = name_list(tokens, open)
    local list = word == "PRIMARY" and out.primary_keys or out.uniques
    list[#list + 1] = { name = name, columns = cols }
  elseif word == "CHECK" then
    local body = inside(text, tokens, a + 1)
    out.checks[#out.checks + 1] = { name = name, sqltext = body }
  elseif word == "FOREIGN" then
    local open = a + 1
    while open <= b and tokens[open].kind ~= "(" do open = open + 1 end
    local cols, j = name_list(tokens, open)
    local r = j + 1
    while r <= b and kw(tokens[r]) ~= "REFERENCES" do r = r + 1 end
    local ref = references(tokens, r, b)
    ref.name, ref.columns = name, cols
    out.foreign_keys[#out.foreign_keys + 1] = ref
  end
end

-- The last token of a column's REFERENCES clause starting at tokens[i]:
-- before the next column constraint, where SET NULL, SET DEFAULT and NOT
-- DEFERRABLE belong to the clause.
local function fk_clause_end(tokens, i, b)
  local j = i + 1
  while j < b do
    local w = kw(tokens[j + 1])
    if COLUMN_CONSTRAINT[w or ""] and not ((w == "NULL" or w == "DEFAULT") and kw(tokens[j]) == "SET")
      and not (w == "NOT" and kw(tokens[j + 2]) == "DEFERRABLE") then
      break
    end
    if tokens[j + 1].kind == "(" then j = closing(tokens, j + 1) else j = j + 1 end
  end
  return j
end

-- One column definition, tokens[a..b].
local function column_def(text, tokens, a, b, out)
  local col = { name = tokens[a].value }
  out.columns[#out.columns + 1] = col
  local i, name = a + 1, nil
  -- The type: words and a parenthesized size, up to the first constraint word.
  while i <= b and not COLUMN_CONSTRAINT[kw(tokens[i]) or ""] do
    if tokens[i].kind == "(" then i = closing(tokens, i) end
    i = i + 1
  end
  while i <= b do
    local word = kw(tokens[i])
    if word == "CONSTRAINT" then
      name = tokens[i + 1] and tokens[i + 1].value
      i = i + 2
    else
      if word == "PRIMARY" then
        col.primary_key_name = name
        for k = i, b do
          local w = kw(tokens[k])
          if w == "AUTOINCREMENT" then col.autoincrement = true end
          if k > i + 1 and COLUMN_CONSTRAINT[w or ""] then break end
        end
      elseif word == "UNIQUE" then
        out.uniques[#out.uniques + 1] = { name = name, columns = { col.name } }
      elseif word == "CHECK" and tokens[i + 1] and tokens[i + 1].kind == "(" then
        local body, j = inside(text, tokens, i + 1)
        out.checks[#out.checks + 1] = { name = name, sqltext = body, column = col.name }
        i = j
      elseif word == "COLLATE" then
        col.collate = tokens[i + 1] and tokens[i + 1].value
        i = i + 1
      elseif word == "REFERENCES" then
        local last = fk_clause_end(tokens, i, b)
        local ref = references(tokens, i, last)
        ref.name, ref.columns = name, { col.name }
        out.foreign_keys[#out.foreign_keys + 1] = ref
        i = last
      elseif word == "GENERATED" or word == "AS" then
        -- [GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]
        local open = i
        while open <= b and tokens[open].kind ~= "(" do open = open + 1 end
        local body, j = inside(text, tokens, open)
        local storage = kw(tokens[j + 1])
        col.generated = { sqltext = body, persisted = storage == "STORED" or (storage ~= "VIRTUAL" and nil) }
        if storage == "STORED" or storage == "VIRTUAL" then j = j + 1 end
        i = j
      elseif tokens[i].kind == "(" then
        i = closing(tokens, i)
      end
      name = nil
      i = i + 1
    end
  end
end

--- Split a CREATE TABLE statement. Returns {columns = {{name, collate,
-- autoincrement, primary_key_name, generated}...}, primary_keys = {{name,
-- columns}}, uniques = {{name, columns}}, checks = {{name, sqltext,
-- column}}, foreign_keys = {{name, columns, ref_table, ref_columns,
-- deferrable}}, options = "WITHOUT ROWID" etc. or ""} | nil, msg.
function M.parse_create_table(text)
  if type(text) ~= "string" then
    error("parse_create_table: argument #1 must be a string", 2)
  end
  local tokens = M.tokenize(text)
  local open
  for i, t in ipairs(tokens) do
    if t.kind == "(" then open = i; break end
    if kw(t) == "AS" then return nil, "the table was created with CREATE TABLE ... AS SELECT" end
  end
  if not open or kw(tokens[1]) ~= "CREATE" then return nil, "cannot read its CREATE TABLE statement" end
  local close = closing(tokens, open)
  local out = { columns = {}, primary_keys = {}, uniques = {}, checks = {}, foreign_keys = {} }
  local a, depth = open + 1, 0
  for i = open + 1, close do
    local k = tokens[i].kind
    if k == "(" then depth = depth + 1
    elseif k == ")" and i < close then depth = depth - 1
    elseif (k == "," and depth == 0) or i == close then
      if i > a then
        if TABLE_CONSTRAINT[kw(tokens[a]) or ""] then table_constraint(text, tokens, a, i - 1, out)
        else column_def(text, tokens, a, i - 1, out) end
      end
      a = i + 1
    end
  end
  out.options = tokens[close + 1] and string.sub(text, tokens[close + 1].s) or ""
  return out
end

-- Identifier tokens from tokens[first] on that name a column: not a

--- The index of the "(" that opens a CREATE INDEX's column list (the
-- first after ON <table>), or nil.
function M.index_open(tokens)
  for i, t in ipairs(tokens) do
    if kw(t) == "ON" then
      for j = i + 1, #tokens do
        if tokens[j].kind == "(" then return j end
      end
      return nil
    end
  end
  return nil
end

--- Split a CREATE INDEX statement: the elements of its column list as
-- written ({"a", "lower(b) DESC"}), and its WHERE condition (nil when it
-- is not partial).
function M.parse_create_index(text)
  local tokens = M.tokenize(text)
  local open = M.index_open(tokens)
  if not open then return {}, nil end
  local elements, first, depth, close = {}, open + 1, 0, #tokens + 1
  for j = open + 1, #tokens do
    local k = tokens[j].kind
    if k == "(" then depth = depth + 1
    elseif k == ")" and depth > 0 then depth = depth - 1
    elseif (k == "," or k == ")") and depth == 0 then
      if j > first then elements[#elements + 1] = string.sub(text, tokens[first].s, tokens[j - 1].e) end
      first = j + 1
      if k == ")" then close = j; break end
    end
  end
  local where
  if kw(tokens[close + 1]) == "WHERE" and tokens[close + 2] then
    where = string.sub(text, tokens[close + 2].s, tokens[#tokens].e)
  end
  return elements, where
end

return M
