-- luamig.autogen.compare: what must change so that the database (a
-- reflected snapshot) becomes what the models declare (a model snapshot).
--
-- The result is a list of changes, each an operation and its exact
-- inverse: {up = op, down = op, phase = n}. render.lua writes the `up`s in
-- phase order for upgrade() and the `down`s in the reverse order for
-- downgrade(). The phases order the work so that it applies:
--
--   1 rename tables        4 add columns          7 add constraints and indexes
--   2 create tables        5 alter columns        8 drop columns
--     (referenced first)   6 drop constraints     9 drop tables (referencing first)
--   3 rename columns         and indexes         10 comments, enum values
--
-- Matching: tables and columns by name (or by `renamed_from`, which turns
-- a drop and an add into a rename, keeping the data); indexes by name,
-- else by definition; unique constraints and foreign keys by definition
-- (databases name unnamed ones as they like); check constraints by name
-- only, and only for being there or not: databases rewrite a CHECK's text
-- (PostgreSQL adds parentheses and casts), so comparing texts would report
-- changes nobody made. Types compare as the SQL the dialect writes for
-- them, so INTEGER and INT4, or BOOLEAN and TINYINT(1), are the same.
-- Server defaults compare after normalize_default (compare/normalize.lua).
-- The version and history tables never take part; cfg.include_name(name,
-- type, parents) and cfg.include_object(object, name, type, reflected,
-- compare_to) can leave out more, as in Alembic (compare/filter.lua).
--
-- This file pairs the tables, orders the changes and adds those of enum
-- values. The rest is in compare/: table.lua compares a table both sides
-- have (constraints.lua its constraints and indexes), enums.lua settles
-- PostgreSQL's named enum types, change.lua makes and describes a change.

local snapshot = require("luamig.autogen.snapshot")
local normalize = require("luamig.autogen.compare.normalize")
local filter = require("luamig.autogen.compare.filter")
local changes = require("luamig.autogen.compare.change")
local table_changes = require("luamig.autogen.compare.table")
local enums = require("luamig.autogen.compare.enums")

local included, change = filter.included, changes.change
local compare_table, settle_enums = table_changes.compare, enums.settle

local M = {}

M.normalize_type_text = normalize.normalize_type_text
M.type_key = normalize.type_key
M.normalize_default = normalize.normalize_default

-- Tables in an order where each comes after the tables it references
-- (ties by name); a cycle is broken at the lowest name.
local function dependency_order(tables)
  local by_name, names = {}, {}
  for _, t in ipairs(tables) do by_name[t.name] = t; names[#names + 1] = t.name end
  table.sort(names)
  local state, order = {}, {}
  local function visit(name)
    if state[name] then return end
    state[name] = 1
    for _, fk in ipairs(by_name[name].foreign_keys) do
      if by_name[fk.ref_table] and fk.ref_table ~= name then visit(fk.ref_table) end
    end
    state[name] = 2
    order[#order + 1] = by_name[name]
  end
  for _, name in ipairs(names) do visit(name) end
  return order
end

--- changes = compare.diff(model_snap, db_snap, dialect, cfg, excluded)
-- excluded: set of table names never compared (version, history).
function M.diff(model_snap, db_snap, dialect, cfg, excluded)
  cfg, excluded = cfg or {}, excluded or {}
  local out = {}
  local db_names = {}
  for _, name in ipairs(snapshot.table_names(db_snap)) do
    if not excluded[name] and included(cfg, db_snap.tables[name], name, "table", true, nil) then
      db_names[name] = true
    end
  end
  local claimed, new_tables = {}, {}
  local type_key = normalize.type_keys(dialect, db_snap.type_aliases)
  for _, name in ipairs(snapshot.table_names(model_snap)) do
    local m = model_snap.tables[name]
    -- compare_to: the database's table of that name, or the one it is renamed from
    local db_t = db_snap.tables[name] or (m.renamed_from and not model_snap.tables[m.renamed_from]
      and db_snap.tables[m.renamed_from]) or nil
    if not excluded[name] and included(cfg, m, name, "table", false, db_t) then
      if db_names[name] then
        claimed[name] = true
        compare_table(out, cfg, dialect, name, m, db_snap.tables[name], type_key)
      elseif m.renamed_from and db_names[m.renamed_from] and not model_snap.tables[m.renamed_from] then
        claimed[m.renamed_from] = true
        out[#out + 1] = change(1, { op = "rename_table", from = m.renamed_from, to = name },
          { op = "rename_table", from = name, to = m.renamed_from })
        compare_table(out, cfg, dialect, name, m, db_snap.tables[m.renamed_from], type_key)
      else
        new_tables[#new_tables + 1] = m
      end
    end
  end
  local created = dependency_order(new_tables)
  for i, t in ipairs(created) do
    local c = change(2, { op = "create_table", table = t }, { op = "drop_table", table = t })
    c.rank = i
    out[#out + 1] = c
  end
  local dropped = {}
  for name in pairs(db_names) do
    if not claimed[name] then dropped[#dropped + 1] = db_snap.tables[name] end
  end
  local drop_order = dependency_order(dropped)
  for i = #drop_order, 1, -1 do
    local t = drop_order[i]
    local c = change(9, { op = "drop_table", table = t }, { op = "create_table", table = t })
    c.rank = #drop_order - i + 1
    out[#out + 1] = c
  end
  -- PostgreSQL enum types whose values change; the columns that use one
  -- (by their names after this revision's renames) for a rebuild
  for name, values in pairs(model_snap.enums or {}) do
    local old = db_snap.enums and db_snap.enums[name]
    if old and table.concat(old, "\0") ~= table.concat(values, "\0") then
      local users = {}
      for _, tname in ipairs(snapshot.table_names(model_snap)) do
        for _, col in ipairs(model_snap.tables[tname].columns) do
          if col.type and col.type.name == "Enum" and col.type.enum_name == name then
            users[#users + 1] = { table = tname, column = col.name }
          end
        end
      end
      out[#out + 1] = change(10, { op = "enum_values", name = name, from = old, to = values, columns = users },
        { op = "enum_values", name = name, from = values, to = old, columns = users })
    end
  end
  -- stable: by phase, then in the order found
  for i, c in ipairs(out) do c.seq = i end
  table.sort(out, function(a, b)
    if a.phase ~= b.phase then return a.phase < b.phase end
    return a.seq < b.seq
  end)
  if dialect.named_enums then settle_enums(out, model_snap, db_snap) end
  return out
end

M.describe = changes.describe

return M
