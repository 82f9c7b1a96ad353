-- luamig.reflect.sqlite.keys: the described tables' UNIQUE constraints,
-- indexes and foreign keys, from the pragma rows, with the names (and
-- DEFERRABLE) that only the CREATE TABLE text records.

local sqltext = require("luamig.reflect.sqlite.sqltext")
local queries = require("luamig.reflect.sqlite.queries")

local value = queries.value

local M = {}

--- The key of a column list: its names, case folded (SQLite's names are
-- case-insensitive).
local function key_of(columns)
  local parts = {}
  for i, c in ipairs(columns) do parts[i] = string.lower(c) end
  return table.concat(parts, "\0")
end
M.key_of = key_of

--- The key of a foreign key: its columns and the table it references.
local function fk_key(fk)
  return key_of(fk.columns) .. "\1" .. string.lower(fk.ref_table or "")
end
M.fk_key = fk_key

-- Pair what the PRAGMAs found with what the CREATE TABLE text says: each
-- entry of `found` meets the first unused entry of `parsed` with the same
-- key, both in the order they were declared, and takes the `fields` it
-- has from it.
local function take_from_text(found, parsed, keyfn, fields)
  local pool = {}
  for _, p in ipairs(parsed) do
    local k = keyfn(p)
    pool[k] = pool[k] or {}
    pool[k][#pool[k] + 1] = p
  end
  for _, f in ipairs(found) do
    local list = pool[keyfn(f)]
    if list and #list > 0 then
      local p = table.remove(list, 1)
      for _, k in ipairs(fields) do f[k] = p[k] end
    end
  end
end

-- An index made by CREATE INDEX: each key element ({name} for a column,
-- {name = nil} for an expression) with its text as written, and the
-- partial index's condition. The text is read only for those two: most
-- indexes are of plain columns, and splitting every CREATE INDEX was a
-- good part of reading a large schema.
local function created_index(ix, row)
  local written, where, needs_text = {}, nil, ix.partial
  for _, e in ipairs(ix.elements) do
    if not e.name then needs_text = true end
  end
  if needs_text then written, where = sqltext.parse_create_index(row and row.sql or "") end
  local elements, columns = {}, {}
  for i, e in ipairs(ix.elements) do
    elements[i] = { name = e.name, text = e.name or written[i] or "?" }
    if e.name then columns[#columns + 1] = e.name end
  end
  return { name = ix.name, unique = ix.unique, partial = ix.partial, columns = columns, elements = elements,
    where = ix.partial and where or nil, sql = row and row.sql, position = row and row.position or 0 }
end

--- UNIQUE constraints (origin "u", in the reverse of index_list's order:
-- as declared, but for ON CONFLICT REPLACE ones) and the indexes made by
-- CREATE INDEX (origin "c", in the order they were made); sets
-- `pk_index` on a table whose primary key has an index of its own (so it
-- is not the rowid).
function M.read_indexes(rows, tables, index_rows)
  local order, by_name = {}, {}
  for _, r in ipairs(rows) do
    local lname = string.lower(r.tbl)
    local key = lname .. "\0" .. r.idx
    local ix = by_name[key]
    if not ix then
      ix = { table = lname, name = r.idx, unique = r.unique == 1, origin = r.origin, partial = r.partial == 1,
        elements = {} }
      by_name[key] = ix
      order[#order + 1] = ix
    end
    ix.elements[#ix.elements + 1] = { name = value(r.col) }
  end
  for i = #order, 1, -1 do
    local ix = order[i]
    local entry = tables[ix.table]
    if entry and ix.origin == "pk" then
      entry.pk_index = true
    elseif entry and ix.origin == "u" then
      local columns = {}
      for j, e in ipairs(ix.elements) do columns[j] = e.name or "?" end
      entry.uniques[#entry.uniques + 1] = { name = nil, columns = columns }
    elseif entry and ix.origin == "c" then
      entry.indexes[#entry.indexes + 1] = created_index(ix, index_rows[ix.name])
    end
  end
  for _, entry in pairs(tables) do
    if not entry.virtual then
      table.sort(entry.indexes, function(a, b) return a.position < b.position end)
      take_from_text(entry.uniques, entry.parsed.uniques, function(u) return key_of(u.columns) end, { "name" })
    end
  end
end

--- Foreign keys, in the order they were declared (pragma ids count from
-- the last one), columns in order; ref_columns is {} for REFERENCES
-- parent without columns (the parent's primary key). on_delete and
-- on_update as the pragma says them ("NO ACTION" included).
function M.read_foreign_keys(rows, tables)
  local by_id, order = {}, {}
  for _, r in ipairs(rows) do
    local lname = string.lower(r.tbl)
    if tables[lname] then
      local key = lname .. "\0" .. r.id
      local fk = by_id[key]
      if not fk then
        fk = { table = lname, id = r.id, fk = { columns = {}, ref_table = r.ref_table, ref_columns = {},
          on_delete = r.on_delete, on_update = r.on_update } }
        by_id[key] = fk
        order[#order + 1] = fk
      end
      fk.fk.columns[#fk.fk.columns + 1] = r.col
      local ref = value(r.ref_col)
      if ref then fk.fk.ref_columns[#fk.fk.ref_columns + 1] = ref else fk.implicit = true end
    end
  end
  table.sort(order, function(a, b)
    if a.table ~= b.table then return a.table < b.table end
    return a.id > b.id
  end)
  for _, f in ipairs(order) do
    if f.implicit then f.fk.ref_columns = {} end
    local list = tables[f.table].foreign_keys
    list[#list + 1] = f.fk
  end
  for _, entry in pairs(tables) do
    if not entry.virtual then
      take_from_text(entry.foreign_keys, entry.parsed.foreign_keys, fk_key,
        { "name", "match", "deferrable", "initially" })
    end
  end
end

return M
