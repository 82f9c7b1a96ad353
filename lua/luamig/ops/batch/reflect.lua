-- luamig.ops.batch.reflect: the model of one SQLite table that batch mode
-- rebuilds (a luamig.schema.table_model table), read from the database or
-- from a table definition.
--
-- Batch mode keeps the model exact, in SQLite's own terms (type_text as
-- declared, defaults as SQL text, an index read from the database as its
-- `sql`, the table's options and AUTOINCREMENT sequence), so that a column
-- nobody asked to change is written back exactly as it was; `from` is a
-- column's name in the old table (nil for a new column). A table in the
-- database is read by SQLite's one reader (luamig.reflect.sqlite), which
-- autogenerate reads with too; this file keeps what batch mode writes back
-- and refuses what it cannot rebuild.

local catalog = require("luamig.reflect.sqlite")
local table_model = require("luamig.schema.table_model")
local types = require("luamig.schema.types")
local naming = require("luamig.schema.naming")
local fk_options = require("luamig.schema.fk_options")

local key_of, fk_key = catalog.key_of, catalog.fk_key

local M = {}

--- The model of table `tname` as the database has it | nil, msg: what
-- SQLite's reader (luamig.reflect.sqlite) describes, less what batch
-- mode does not write back (the PRAGMAs' own spellings of actions).
function M.from_database(conn, dialect, tname, schema)
  local cat, err = catalog.read(conn, { schema = schema, table = tname })
  if not cat then return nil, err end
  local _, entry = next(cat.tables)
  if not entry then return nil, string.format("there is no table %s", dialect:qualify(tname, schema)) end
  tname = entry.name
  if entry.virtual then
    return nil, string.format("%s is a virtual table, which batch mode cannot rebuild", dialect:quote(tname))
  end

  local model = table_model.new(tname, schema)
  model.options = entry.options
  for _, c in ipairs(entry.columns) do
    if c.hidden ~= 0 and c.hidden ~= nil and not c.generated then
      return nil, string.format("table %s has a hidden column, %s, that batch mode cannot rebuild",
        dialect:quote(tname), dialect:quote(c.name))
    end
    -- a generated column is written again, its values made anew: not copied
    model.columns[#model.columns + 1] = { name = c.name, type_text = c.type, nullable = not c.notnull,
      default = c.default, collate = c.collate, sqlite_autoincrement = c.autoincrement or nil,
      computed = c.generated, from = c.name }
  end
  model.primary_key = entry.primary_key
  for _, u in ipairs(entry.uniques) do model.uniques[#model.uniques + 1] = { name = u.name, columns = u.columns } end
  for _, c in ipairs(entry.checks) do model.checks[#model.checks + 1] = { name = c.name, sqltext = c.sqltext } end
  for _, fk in ipairs(entry.foreign_keys) do
    model.foreign_keys[#model.foreign_keys + 1] = { name = fk.name, columns = fk.columns, ref_table = fk.ref_table,
      ref_columns = fk.ref_columns, deferrable = fk.deferrable, initially = fk.initially, match = fk.match,
      ondelete = fk.on_delete ~= "NO ACTION" and fk.on_delete or nil,
      onupdate = fk.on_update ~= "NO ACTION" and fk.on_update or nil }
  end
  for _, ix in ipairs(entry.indexes) do
    model.indexes[#model.indexes + 1] = { name = ix.name, unique = ix.unique, sql = ix.sql }
  end
  for _, c in ipairs(model.columns) do
    if c.sqlite_autoincrement then model.sequence = catalog.sequence(conn, tname, schema) end
  end
  return model
end

-- Constraint records as op.create_table holds them (luamig.schema.constraints
-- objects or plain records of docs/internals.md) into the model.
function M.add_constraint(model, c)
  local kind = c.kind
  if kind == "primary_key" then
    model.primary_key = { name = c.name, columns = c.columns }
  elseif kind == "unique" then
    model.uniques[#model.uniques + 1] = { name = c.name, columns = c.columns }
  elseif kind == "check" then
    local text = c.sqltext or c.condition
    model.checks[#model.checks + 1] = { name = c.name, sqltext = types.is_sql(text) and text.text or text }
  elseif kind == "foreign_key" then
    model.foreign_keys[#model.foreign_keys + 1] = fk_options.copy(c, { name = c.name, columns = c.columns,
      ref_table = c.ref_table, ref_columns = c.ref_columns or {} })
  elseif kind == "index" then
    model.indexes[#model.indexes + 1] = { name = c.name, unique = c.unique or false, columns = c.columns,
      where = c.sqlite_where }
  else
    return nil, "unknown constraint kind " .. tostring(kind)
  end
  return true
end

--- A model column from a Column (add_column, copy_from) | nil, msg.
-- `info` as dialect:column_sql takes it (primary_key, autoincrement).
function M.column(dialect, col, info)
  local tsql, err = dialect:column_type_sql(col, info)
  if not tsql then return nil, err end
  local default
  if col.server_default ~= nil then default = dialect:literal(col.server_default) end
  return { name = col.name, type_text = tsql, nullable = col.nullable and true or false, default = default,
    sqlite_autoincrement = info.autoincrement and col.autoincrement == true or nil, computed = col.computed }
end

-- What a Column declares besides itself: key, unique, reference, index.
function M.column_extras(model, col)
  if col.unique and not col.index then
    model.uniques[#model.uniques + 1] = { columns = { col.name } }
  end
  local ref = col.references
  if ref then
    model.foreign_keys[#model.foreign_keys + 1] = fk_options.copy(ref, { name = ref.name, columns = { col.name },
      ref_table = ref.table, ref_columns = { ref.column } })
  end
  if col.index then
    model.indexes[#model.indexes + 1] = { name = "ix_" .. model.name .. "_" .. col.name, unique = col.unique or false,
      columns = { col.name } }
  end
end

-- What op.create_table named by the naming convention: the unnamed
-- constraints and indexes of a definition.
local function convention_names(dialect, model, convention)
  local function name(kind, c)
    if c.name then return end
    local n = naming.name(convention, kind, { table = model.name, columns = c.columns, ref_table = c.ref_table,
      ref_columns = c.ref_columns }, dialect.max_identifier_length)
    c.name = n
  end
  if model.primary_key then name("primary_key", model.primary_key) end
  for _, c in ipairs(model.uniques) do name("unique", c) end
  for _, c in ipairs(model.checks) do name("check", c) end
  for _, c in ipairs(model.foreign_keys) do name("foreign_key", c) end
  for _, c in ipairs(model.indexes) do name("index", c) end
end

--- The model of a table definition as op.create_table returns it
-- ({table, schema, columns = {Column...}, constraints = {...}}, plus
-- optional `indexes`), for offline mode where nothing can be read; unnamed
-- constraints and indexes get the names `convention` gives | nil, msg.
function M.from_definition(dialect, def, tname, schema, convention)
  local columns = def.columns or {}
  local autoinc, aerr = dialect:autoincrement_column(columns)
  if autoinc == nil then return nil, aerr end
  local inline = dialect:inline_primary_key(columns, autoinc)
  local model = table_model.new(tname, schema)
  model.options = ""
  local pk = {}
  for _, col in ipairs(columns) do
    local mc, err = M.column(dialect, col, { primary_key = col == inline, autoincrement = col == autoinc })
    if not mc then return nil, err end
    mc.from = col.name
    model.columns[#model.columns + 1] = mc
    if col.primary_key then pk[#pk + 1] = col.name end
  end
  if #pk > 0 then model.primary_key = { columns = pk } end
  for _, col in ipairs(columns) do M.column_extras(model, col) end
  for _, c in ipairs(def.constraints or {}) do
    local ok, err = M.add_constraint(model, c)
    if not ok then return nil, err end
  end
  for _, ix in ipairs(def.indexes or {}) do
    model.indexes[#model.indexes + 1] = { name = ix.name, unique = ix.unique or false, columns = ix.columns,
      where = ix.sqlite_where }
  end
  convention_names(dialect, model, convention)
  return model
end

--- table_args: constraints given by the revision that replace the
-- reflected ones with the same columns (to name an unnamed one so that
-- drop_constraint finds it), or are added.
function M.apply_table_args(model, args)
  for _, c in ipairs(args) do
    if c.kind == "unique" then
      local k = key_of(c.columns)
      for i = #model.uniques, 1, -1 do
        if key_of(model.uniques[i].columns) == k then table.remove(model.uniques, i) end
      end
    elseif c.kind == "foreign_key" then
      local k = fk_key(c)
      for i = #model.foreign_keys, 1, -1 do
        if fk_key(model.foreign_keys[i]) == k then table.remove(model.foreign_keys, i) end
      end
    elseif c.kind == "check" then
      local text = types.is_sql(c.sqltext) and c.sqltext.text or c.sqltext
      for i = #model.checks, 1, -1 do
        if model.checks[i].sqltext == text then table.remove(model.checks, i) end
      end
    end
    local ok, err = M.add_constraint(model, c)
    if not ok then return nil, err end
  end
  return true
end

return M
