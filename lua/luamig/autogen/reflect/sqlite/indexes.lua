-- luamig.autogen.reflect.sqlite.indexes: every reflected table's indexes
-- (CREATE INDEX) and UNIQUE constraints.

local sqltext = require "luamig.ops.batch.sqltext"
local batch_reflect = require "luamig.ops.batch.reflect"
local queries = require "luamig.autogen.reflect.sqlite.queries"

local ipairs, pairs = ipairs, pairs
local str_lower, str_sub = string.lower, string.sub
local keyword, key_of = sqltext.keyword, batch_reflect.key_of
local value, take_names = queries.value, queries.take_names

local M = {}

-- The elements of a CREATE INDEX's column list as written, and its WHERE
-- condition (nil when it is not partial).
local function index_parts(text)
  local tokens = sqltext.tokenize(text)
  local open
  for i, t in ipairs(tokens) do
    if keyword(t) == "ON" then
      for j = i + 1, #tokens do
        if tokens[j].kind == "(" then open = j; break end
      end
      break
    end
  end
  if not open then return {}, nil end
  local elements, first, depth, close = {}, open + 1, 0, #tokens + 1
  for j = open + 1, #tokens do
    local k = tokens[j].kind
    if k == "(" then depth = depth + 1
    elseif k == ")" and depth > 0 then depth = depth - 1
    elseif (k == "," or k == ")") and depth == 0 then
      if j > first then elements[#elements + 1] = str_sub(text, tokens[first].s, tokens[j - 1].e) end
      first = j + 1
      if k == ")" then close = j; break end
    end
  end
  local where
  if keyword(tokens[close + 1]) == "WHERE" and tokens[close + 2] then
    where = str_sub(text, tokens[close + 2].s, tokens[#tokens].e)
  end
  return elements, where
end

-- Give each of `found` the name of the entry of `parsed` with its key (a
-- snapshot takes the name only; see batch.reflect.pair_by_key).

-- An index made by CREATE INDEX, as the snapshot has it. `elements` are
-- its key columns from pragma_index_xinfo ({cid, name}; cid -2 and no
-- name for an expression), `text` its CREATE INDEX statement.
local function index_entry(ix, text)
  local written, where = index_parts(text or "")
  local columns, all, has_expression = {}, {}, false
  for i, e in ipairs(ix.elements) do
    if e.name then columns[#columns + 1] = e.name else has_expression = true end
    all[i] = e.name or written[i] or "?"
  end
  return { name = ix.name, columns = columns, expressions = has_expression and all or nil, unique = ix.unique,
    where = ix.partial and where or nil }
end

-- Indexes and UNIQUE constraints; returns the set of tables whose primary
-- key has an index of its own (so it is not the rowid).
local function read_indexes(rows, tables, index_sql)
  local order, by_name, pk_index = {}, {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    if r.origin == "pk" then pk_index[lname] = true end
    local key = lname .. "\0" .. r.idx
    local ix = by_name[key]
    if not ix then
      ix = { table = lname, name = r.idx, unique = r.unique == 1, origin = r.origin, partial = r.partial == 1,
        elements = {} }
      by_name[key] = ix
      order[#order + 1] = ix
    end
    ix.elements[#ix.elements + 1] = { cid = r.cid, name = value(r.col) }
  end
  for _, ix in ipairs(order) do
    local entry = tables[ix.table]
    if entry and ix.origin == "u" then
      local columns = {}
      for i, e in ipairs(ix.elements) do columns[i] = e.name end
      entry.tbl.uniques[#entry.tbl.uniques + 1] = { name = nil, columns = columns }
    elseif entry and ix.origin == "c" then
      entry.tbl.indexes[#entry.tbl.indexes + 1] = index_entry(ix, index_sql[ix.name])
    end
  end
  for _, entry in pairs(tables) do
    take_names(entry.tbl.uniques, entry.parsed.uniques, function(u) return key_of(u.columns) end)
  end
  return pk_index
end
M.read_indexes = read_indexes

return M
