-- luamig.autogen.reflect.sqlite.foreign_keys: every reflected table's
-- foreign keys.

local batch_reflect = require "luamig.ops.batch.reflect"
local snapshot = require "luamig.autogen.snapshot"
local SQLITE = require "luamig.ddl.sqlite"  -- its defaults (snapshot.action)
local queries = require "luamig.autogen.reflect.sqlite.queries"

local ipairs, pairs = ipairs, pairs
local str_lower = string.lower
local key_of = batch_reflect.key_of
local value, take_names = queries.value, queries.take_names

local M = {}

-- Give each of `found` the name of the entry of `parsed` with its key (a
-- snapshot takes the name only; see batch.reflect.pair_by_key).

local function fk_key(fk)
  return key_of(fk.columns) .. "\1" .. str_lower(fk.ref_table or "")
end

-- The name a parent table's column has, when the parent is known.
local function spelled(columns_of, lname, col)
  for _, c in ipairs(columns_of[lname] or {}) do
    if str_lower(c) == str_lower(col) then return c end
  end
  return col
end

-- Foreign keys, one per pragma id, columns in seq order. `all` spells
-- every table name, `pks` and `columns_of` give every table's key and
-- columns (a parent may be a table left out).
local function read_foreign_keys(rows, tables, all, pks, columns_of)
  local by_id, order = {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    if tables[lname] then
      local key = lname .. "\0" .. r.id
      local fk = by_id[key]
      if not fk then
        local parent = str_lower(r.ref_table)
        fk = { table = lname, parent = parent, fk = { name = nil, columns = {}, ref_table = all[parent] or r.ref_table,
          ref_columns = {}, ondelete = snapshot.action(r.on_delete, SQLITE),
          onupdate = snapshot.action(r.on_update, SQLITE) } }
        by_id[key] = fk
        order[#order + 1] = fk
      end
      fk.fk.columns[#fk.fk.columns + 1] = r.col
      local ref = value(r.ref_col)
      if ref then
        fk.fk.ref_columns[#fk.fk.ref_columns + 1] = spelled(columns_of, fk.parent, ref)
      else
        fk.implicit = true
      end
    end
  end
  for _, f in ipairs(order) do
    -- REFERENCES parent: the parent's primary key.
    if f.implicit then
      local pk = pks[f.parent]
      f.fk.ref_columns = {}
      for i, c in ipairs(pk or {}) do f.fk.ref_columns[i] = c end
    end
    local list = tables[f.table].tbl.foreign_keys
    list[#list + 1] = f.fk
  end
  for _, entry in pairs(tables) do
    take_names(entry.tbl.foreign_keys, entry.parsed.foreign_keys, fk_key)
  end
end
M.read_foreign_keys = read_foreign_keys

return M
