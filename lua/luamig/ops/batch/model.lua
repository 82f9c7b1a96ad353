-- luamig.ops.batch.model: the queued operations of a batch applied, in order,
-- to the model of a table (luamig.schema.table_model, read by
-- luamig.ops.batch.reflect), giving the table to rebuild; and which
-- operations SQLite can run without a rebuild.
--
-- A renamed column is followed everywhere the table names it: keys,
-- unique and foreign key constraints (its own references to itself too),
-- CHECK expressions and index definitions. A dropped column takes with it
-- every index and constraint that uses it (the primary key included), as
-- nothing else could keep them meaning what they meant. Pure: no database
-- access.

local reflect = require("luamig.ops.batch.reflect")
local sqltext = require("luamig.ops.batch.sqltext")
local types = require("luamig.schema.types")
local table_model = require("luamig.schema.table_model")
local fk_options = require("luamig.schema.fk_options")

local is_sql = types.is_sql
local copy, find_column = table_model.copy, table_model.find_column

local M = {}

local function same(a, b) return string.lower(a) == string.lower(b) end

local function has(list, name)
  for _, n in ipairs(list) do
    if same(n, name) then return true end
  end
  return false
end

local function column_names(model)
  local names = {}
  for i, c in ipairs(model.columns) do names[i] = c.name end
  return table.concat(names, ", ")
end

local function no_column(model, name, dialect)
  return nil, string.format("table %s has no column %s (its columns: %s)", dialect:quote(model.name),
    dialect:quote(name), column_names(model))
end

local function check_columns(model, list, dialect)
  for _, n in ipairs(list) do
    if not is_sql(n) and not find_column(model, n) then return no_column(model, n, dialect) end
  end
  return true
end

-- What uses column `name`: a predicate per kind of dependent.
local function index_uses(ix, name)
  if ix.sql then return sqltext.uses_column(ix.sql, name, "index") end
  for _, c in ipairs(ix.columns) do
    if is_sql(c) then
      if sqltext.uses_column(c.text, name, "expr") then return true end
    elseif same(c, name) then
      return true
    end
  end
  return ix.where ~= nil and sqltext.uses_column(is_sql(ix.where) and ix.where.text or ix.where, name, "expr")
end

local function is_self(model, fk) return same(fk.ref_table, model.name) end

local function rename_in(list, old, new)
  for i, n in ipairs(list) do
    if type(n) == "string" and same(n, old) then list[i] = new end
  end
end

local function rename_column(model, col, new, dialect)
  local other = find_column(model, new)
  if other and other ~= col then
    return nil, string.format("table %s already has a column %s", dialect:quote(model.name), dialect:quote(new))
  end
  local old = col.name
  col.name = new
  local map = { [string.lower(old)] = new }
  local function quote(n) return dialect:quote(n) end
  if model.primary_key then rename_in(model.primary_key.columns, old, new) end
  for _, u in ipairs(model.uniques) do rename_in(u.columns, old, new) end
  for _, fk in ipairs(model.foreign_keys) do
    rename_in(fk.columns, old, new)
    if is_self(model, fk) then rename_in(fk.ref_columns, old, new) end
  end
  for _, ck in ipairs(model.checks) do ck.sqltext = sqltext.rename_columns(ck.sqltext, map, quote, "expr") end
  for _, ix in ipairs(model.indexes) do
    if ix.sql then
      ix.sql = sqltext.rename_columns(ix.sql, map, quote, "index")
    else
      for i, c in ipairs(ix.columns) do
        if is_sql(c) then ix.columns[i] = types.sql(sqltext.rename_columns(c.text, map, quote, "expr"))
        elseif same(c, old) then ix.columns[i] = new end
      end
      if ix.where then
        ix.where = sqltext.rename_columns(is_sql(ix.where) and ix.where.text or ix.where, map, quote, "expr")
      end
    end
  end
  return true
end

local function drop_column(model, rec, dialect, notes)
  local col, pos = find_column(model, rec.column)
  if not col then
    if rec.if_exists then return true end
    return no_column(model, rec.column, dialect)
  end
  if #model.columns == 1 then
    return nil, string.format("cannot drop %s, the only column of %s: use op.drop_table", dialect:quote(col.name),
      dialect:quote(model.name))
  end
  table.remove(model.columns, pos)
  local name = col.name
  local function note(what) notes[#notes + 1] = string.format("%s (it uses column %s)", what, name) end
  if model.primary_key and has(model.primary_key.columns, name) then
    note("the primary key")
    model.primary_key = nil
  end
  for i = #model.uniques, 1, -1 do
    if has(model.uniques[i].columns, name) then note("a unique constraint"); table.remove(model.uniques, i) end
  end
  for i = #model.foreign_keys, 1, -1 do
    local fk = model.foreign_keys[i]
    if has(fk.columns, name) or (is_self(model, fk) and has(fk.ref_columns, name)) then
      note("a foreign key"); table.remove(model.foreign_keys, i)
    end
  end
  for i = #model.checks, 1, -1 do
    if sqltext.uses_column(model.checks[i].sqltext, name, "expr") then
      note("CHECK (" .. model.checks[i].sqltext .. ")"); table.remove(model.checks, i)
    end
  end
  for i = #model.indexes, 1, -1 do
    if index_uses(model.indexes[i], name) then
      note("index " .. dialect:quote(model.indexes[i].name)); table.remove(model.indexes, i)
    end
  end
  return true
end

local function alter_column(model, rec, dialect)
  local col = find_column(model, rec.column)
  if not col then return no_column(model, rec.column, dialect) end
  for _, k in ipairs { "autoincrement", "identity", "server_onupdate" } do
    if rec[k] ~= nil then
      return nil, string.format("alter_column %s: SQLite batch mode cannot change %s of an existing column",
        dialect:quote(rec.column), k)
    end
  end
  if rec.type_ ~= nil then
    local tsql, err = dialect:type_sql(rec.type_, col.name)
    if not tsql then return nil, err end
    col.type_text = tsql
    if rec.type_.collation then col.collate = nil end  -- the type's COLLATE is in its text
    -- the old type's CHECK (an Enum's values...) goes, the new type's comes
    local old_cond, old_name = dialect:type_check_condition(rec.existing_type, col.name, model.name)
    for i = #model.checks, 1, -1 do
      local ck = model.checks[i]
      if old_cond and ((old_name and ck.name == old_name) or (not ck.name and sqltext.same_sql(ck.sqltext, old_cond)))
      then
        table.remove(model.checks, i)
      end
    end
    local new_cond, new_name = dialect:type_check_condition(rec.type_, col.name, model.name)
    if new_cond then model.checks[#model.checks + 1] = { name = new_name, sqltext = new_cond } end
  end
  if rec.nullable ~= nil then col.nullable = rec.nullable end
  if rec.server_default == false then
    col.default = nil
  elseif rec.server_default ~= nil then
    col.default = dialect:literal(rec.server_default)
  end
  if rec.new_column_name and rec.new_column_name ~= col.name then
    return rename_column(model, col, rec.new_column_name, dialect)
  end
  return true
end

local function add_column(model, rec, dialect)
  local col = rec.column
  if find_column(model, col.name) then
    if rec.if_not_exists then return true end
    return nil, string.format("table %s already has a column %s", dialect:quote(model.name), dialect:quote(col.name))
  end
  local alone = col.primary_key and not model.primary_key
  local mc, err = reflect.column(dialect, col, { primary_key = alone,
    autoincrement = alone and col.autoincrement ~= false and types.is_integer(col.type) })
  if not mc then return nil, err end
  local anchor = rec.insert_before or rec.insert_after
  local pos = #model.columns + 1
  if anchor then
    local _, i = find_column(model, anchor)
    if not i then return no_column(model, anchor, dialect) end
    pos = rec.insert_before and i or i + 1
  end
  table.insert(model.columns, pos, mc)
  if col.primary_key then
    model.primary_key = model.primary_key or { columns = {} }
    model.primary_key.columns[#model.primary_key.columns + 1] = col.name
  end
  reflect.column_extras(model, col)
  return true
end

local function find_index(model, name)
  for i, ix in ipairs(model.indexes) do
    if same(ix.name, name) then return ix, i end
  end
  return nil
end

local function named(list, name)
  for i, c in ipairs(list) do
    if c.name and same(c.name, name) then return i end
  end
  return nil
end

local DROP_KINDS = { primary = true, unique = true, check = true, foreignkey = true }

local function drop_constraint(model, rec, dialect)
  local kind, name = rec.type_, rec.name
  if kind == "foreign_key" then kind = "foreignkey" end
  if (kind == nil or kind == "primary") and model.primary_key and model.primary_key.name
    and same(model.primary_key.name, name) then
    model.primary_key = nil
    return true
  end
  for _, entry in ipairs { { "unique", model.uniques }, { "check", model.checks }, { "foreignkey", model.foreign_keys } } do
    if kind == nil or kind == entry[1] then
      local i = named(entry[2], name)
      if i then table.remove(entry[2], i); return true end
    end
  end
  -- A unique index is how SQLite users often write a unique constraint.
  if kind == nil or kind == "unique" then
    local ix, i = find_index(model, name)
    if ix and ix.unique then table.remove(model.indexes, i); return true end
  end
  if rec.if_exists then return true end
  local known = {}
  if model.primary_key and model.primary_key.name then known[#known + 1] = model.primary_key.name end
  for _, list in ipairs { model.uniques, model.checks, model.foreign_keys } do
    for _, c in ipairs(list) do
      if c.name then known[#known + 1] = c.name end
    end
  end
  return nil, string.format("table %s has no %sconstraint named %s (named constraints: %s; an unnamed one can be"
    .. " named through the table_args option)", dialect:quote(model.name),
    DROP_KINDS[kind or ""] and (kind .. " ") or "", dialect:quote(name),
    #known > 0 and table.concat(known, ", ") or "none")
end

local APPLY = {
  alter_column = alter_column,
  add_column = add_column,
  drop_column = function(model, rec, dialect, notes) return drop_column(model, rec, dialect, notes) end,
  create_index = function(model, rec, dialect)
    if find_index(model, rec.name) then
      if rec.if_not_exists then return true end
      return nil, string.format("table %s already has an index named %s", dialect:quote(model.name),
        dialect:quote(rec.name))
    end
    local ok, err = check_columns(model, rec.columns, dialect)
    if not ok then return nil, err end
    model.indexes[#model.indexes + 1] = { name = rec.name, unique = rec.unique or false, columns = copy(rec.columns),
      where = rec.sqlite_where }
    return true
  end,
  drop_index = function(model, rec, dialect)
    local _, i = find_index(model, rec.name)
    if not i then
      if rec.if_exists then return true end
      return nil, string.format("table %s has no index named %s", dialect:quote(model.name), dialect:quote(rec.name))
    end
    table.remove(model.indexes, i)
    return true
  end,
  add_constraint = function(model, rec, dialect)
    local c = rec.constraint
    if c.kind == "check" then
      model.checks[#model.checks + 1] = { name = c.name, sqltext = is_sql(c.sqltext) and c.sqltext.text or c.sqltext }
      return true
    end
    local ok, err = check_columns(model, c.columns, dialect)
    if not ok then return nil, err end
    if c.kind == "unique" then
      model.uniques[#model.uniques + 1] = { name = c.name, columns = copy(c.columns) }
    elseif c.kind == "foreign_key" then
      model.foreign_keys[#model.foreign_keys + 1] = fk_options.copy(c, { name = c.name, columns = copy(c.columns),
        ref_table = c.ref_table, ref_columns = copy(c.ref_columns or {}) })
    elseif c.kind == "primary_key" then
      -- SQLite's tables are rebuilt whole, so the new key replaces the old;
      -- a column this batch added becomes NOT NULL, as in a new table, and
      -- one the table had keeps what it declared (as Alembic does).
      model.primary_key = { name = c.name, columns = copy(c.columns) }
      for _, name in ipairs(c.columns) do
        local col = find_column(model, name)
        if not col.from then col.nullable = false end
      end
    else
      return nil, "unknown constraint kind " .. tostring(c.kind)
    end
    return true
  end,
  drop_constraint = drop_constraint,
  -- SQLite keeps no comments (as the plain ops on SQLite: nothing to do)
  create_table_comment = function() return true end,
  drop_table_comment = function() return true end,
}

-- The operations on constraints come as create_unique_constraint,
-- create_check_constraint, create_foreign_key and create_primary_key
-- records, or as add_constraint records holding a constraint record
-- (docs/internals.md); the two convert both ways, through one list of
-- which op record field is which constraint field, so that the two
-- directions cannot drift apart.
local CONSTRAINT_OPS = {
  create_unique_constraint = { kind = "unique", fields = { columns = "columns" } },
  create_primary_key = { kind = "primary_key", fields = { columns = "columns" } },
  create_check_constraint = { kind = "check", fields = { condition = "sqltext",
    postgresql_not_valid = "postgresql_not_valid" } },
  create_foreign_key = { kind = "foreign_key", fields = { local_cols = "columns", referent_table = "ref_table",
    remote_cols = "ref_columns", postgresql_not_valid = "postgresql_not_valid" } },
}
for _, name in ipairs(fk_options.NAMES) do CONSTRAINT_OPS.create_foreign_key.fields[name] = name end
local TO_CONSTRAINT, FROM_CONSTRAINT = {}, {}
for op_kind, form in pairs(CONSTRAINT_OPS) do
  TO_CONSTRAINT[op_kind] = function(r)
    local c = { kind = form.kind, name = r.name }
    for op_field, field in pairs(form.fields) do c[field] = r[op_field] end
    return c
  end
  FROM_CONSTRAINT[form.kind] = function(c)
    local r = { kind = op_kind, name = c.name }
    for op_field, field in pairs(form.fields) do r[op_field] = c[field] end
    return r
  end
end

--- The record as an add_constraint record when it adds a constraint.
function M.as_add_constraint(rec)
  local conv = TO_CONSTRAINT[rec.kind]
  if not conv then return rec end
  return { kind = "add_constraint", table = rec.table, schema = rec.schema, constraint = conv(rec) }
end

--- The record in the form the dialect compiles (it may know one of the two).
function M.for_dialect(rec, dialect)
  if dialect["compile_" .. rec.kind] then return rec end
  if TO_CONSTRAINT[rec.kind] and dialect.compile_add_constraint then return M.as_add_constraint(rec) end
  if rec.kind == "add_constraint" and FROM_CONSTRAINT[rec.constraint.kind] then
    local r = FROM_CONSTRAINT[rec.constraint.kind](rec.constraint)
    r.table, r.schema = rec.table, rec.schema
    return r
  end
  return rec
end

--- The model after the records, and notes on what dropped columns took
-- with them | nil, msg.
function M.apply(model, records, dialect)
  local new, notes = copy(model), {}
  for _, rec in ipairs(records) do
    rec = M.as_add_constraint(rec)
    local fn = APPLY[rec.kind]
    if not fn then return nil, string.format("batch mode has no operation %s", tostring(rec.kind)) end
    local ok, err = fn(new, rec, dialect, notes)
    if not ok then return nil, string.format("%s: %s", rec.kind, err) end
  end
  return new, notes
end

local function version_at_least(version, major, minor)
  local a, b = (version or ""):match("^(%d+)%.(%d+)")
  if not a then return true end
  a, b = tonumber(a), tonumber(b)
  return a > major or (a == major and b >= minor)
end

--- Does SQLite need the table rebuilt for this record? `model` (or nil
-- when nothing can be read) tells whether a column is used elsewhere;
-- `version` is SQLite's (nil: assume a recent one).
function M.needs_rebuild(rec, model, version)
  local kind = rec.kind
  if kind == "alter_column" then
    if rec.nullable ~= nil or rec.type_ ~= nil or rec.server_default ~= nil then return true end
    return rec.new_column_name ~= nil and not version_at_least(version, 3, 25)
  elseif kind == "add_column" then
    local col = rec.column
    -- SQLite cannot ADD a STORED generated column
    if col.computed and col.computed.persisted then return true end
    return col.primary_key or col.autoincrement == true or (col.unique and not col.index)
      or (not col.nullable and col.server_default == nil) or is_sql(col.server_default)
      or rec.insert_before ~= nil or rec.insert_after ~= nil or rec.if_not_exists == true
  elseif kind == "drop_column" then
    -- SQLite's ALTER TABLE has no IF [NOT] EXISTS for columns; the
    -- rebuild, which sees the columns, can do what they ask.
    if rec.if_exists or not version_at_least(version, 3, 35) then return true end
    if not model then return false end
    local name = rec.column
    if model.primary_key and has(model.primary_key.columns, name) then return true end
    for _, u in ipairs(model.uniques) do
      if has(u.columns, name) then return true end
    end
    for _, fk in ipairs(model.foreign_keys) do
      if has(fk.columns, name) or (is_self(model, fk) and has(fk.ref_columns, name)) then return true end
    end
    for _, ck in ipairs(model.checks) do
      if sqltext.uses_column(ck.sqltext, name, "expr") then return true end
    end
    for _, ix in ipairs(model.indexes) do
      if index_uses(ix, name) then return true end
    end
    return false
  elseif kind == "create_index" or kind == "drop_index" then
    return false
  end
  return true
end

return M
