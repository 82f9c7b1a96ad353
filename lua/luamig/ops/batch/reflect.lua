-- luamig.ops.batch.reflect: the model of one SQLite table that batch mode
-- rebuilds, read from the database or from a table definition.
--
-- The model is plain data in SQLite's own terms (type names as declared,
-- defaults as SQL text), so that a column nobody asked to change is
-- written back exactly as it was:
--   {name, schema, options = "WITHOUT ROWID" or "",
--    columns = {{name, type, notnull, default, collate, autoincrement,
--                from = its name in the old table (nil for a new column)}},
--    primary_key = {name, columns} or nil,
--    uniques = {{name, columns}}, checks = {{name, sqltext}},
--    foreign_keys = {{name, columns, ref_table, ref_columns, ondelete, onupdate, deferrable}},
--    indexes = {{name, unique, sql} (as the database has it) or {name, unique, columns, where} (new)},
--    sequence = the sqlite_sequence value of an AUTOINCREMENT table}
-- The PRAGMAs are the truth about what exists; the CREATE TABLE text adds
-- what only it records (constraint names, CHECKs, collations,
-- AUTOINCREMENT, DEFERRABLE).

local driver = require "luamig.driver"
local sqltext = require "luamig.ops.batch.sqltext"
local types = require "luamig.schema.types"
local naming = require "luamig.schema.naming"

local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local str_format, str_lower = string.format, string.lower
local table_concat, table_sort, table_remove = table.concat, table.sort, table.remove
local null = driver.null

local M = {}

local function value(v)
  if v == null then return nil end
  return v
end

local function key_of(columns)
  local parts = {}
  for i, c in ipairs(columns) do parts[i] = str_lower(c) end
  return table_concat(parts, "\0")
end
M.key_of = key_of

-- "PRAGMA "schema".name(arg)" text.
local function pragma(dialect, schema, name, arg)
  local prefix = schema and (dialect:quote(schema) .. ".") or ""
  if arg == nil then return str_format("PRAGMA %s%s", prefix, name) end
  return str_format("PRAGMA %s%s(%s)", prefix, name, dialect:quote(arg))
end
M.pragma = pragma

local function master(dialect, schema)
  return (schema and (dialect:quote(schema) .. ".") or "") .. "sqlite_master"
end
M.master = master

local function query(conn, sql, ...)
  local rows, err = conn:query(sql, ...)
  if not rows then return nil, str_format("%s: %s", sql, err) end
  return rows
end

-- The unique indexes SQLite made for UNIQUE constraints (origin "u"), in
-- the order they were declared, with their columns.
local function constraint_indexes(conn, dialect, schema, tname)
  local list, err = query(conn, pragma(dialect, schema, "index_list", tname))
  if not list then return nil, err end
  local out = {}
  for i = #list, 1, -1 do
    local ix = list[i]
    if ix.origin == "u" then
      local info, ierr = query(conn, pragma(dialect, schema, "index_info", ix.name))
      if not info then return nil, ierr end
      table_sort(info, function(a, b) return a.seqno < b.seqno end)
      local cols = {}
      for j, c in ipairs(info) do cols[j] = value(c.name) or "?" end
      out[#out + 1] = { columns = cols }
    end
  end
  return out, list
end

--- Pair what the PRAGMAs found with what the CREATE TABLE text says:
-- each entry of `found` meets the first unused entry of `parsed` with the
-- same key, and take(found_entry, parsed_entry) copies what it wants.
function M.pair_by_key(found, parsed, keyfn, take)
  local pool = {}
  for _, p in ipairs(parsed) do
    local k = keyfn(p)
    pool[k] = pool[k] or {}
    pool[k][#pool[k] + 1] = p
  end
  for _, f in ipairs(found) do
    local list = pool[keyfn(f)]
    if list and #list > 0 then take(f, table_remove(list, 1)) end
  end
end

-- Batch mode keeps everything the text adds (names, DEFERRABLE...).
local function copy_missing(f, p)
  for k, v in pairs(p) do
    if f[k] == nil then f[k] = v end
  end
end

local function match_names(found, parsed, keyfn)
  M.pair_by_key(found, parsed, keyfn, copy_missing)
end

local function fk_key(fk)
  return key_of(fk.columns) .. "\1" .. str_lower(fk.ref_table or "")
end

--- The model of table `tname` as the database has it | nil, msg.
function M.from_database(conn, dialect, tname, schema)
  local row, err = conn:first(str_format("SELECT name, sql FROM %s WHERE type = 'table' AND lower(name) = lower(?)",
    master(dialect, schema)), tname)
  if row == nil then
    if err then return nil, err end
    return nil, str_format("there is no table %s", dialect:qualify(tname, schema))
  end
  tname = row.name
  local ddl = value(row.sql) or ""
  if ddl:match("^%s*[Cc][Rr][Ee][Aa][Tt][Ee]%s+[Vv][Ii][Rr][Tt][Uu][Aa][Ll]") then
    return nil, str_format("%s is a virtual table, which batch mode cannot rebuild", dialect:quote(tname))
  end
  local parsed, perr = sqltext.parse_create_table(ddl)
  if not parsed then return nil, str_format("table %s: %s", dialect:quote(tname), perr) end

  local model = { name = tname, schema = schema, columns = {}, uniques = {}, checks = {}, foreign_keys = {},
    indexes = {}, options = parsed.options }
  local extra = {}
  for _, c in ipairs(parsed.columns) do extra[str_lower(c.name)] = c end

  local cols, cerr = query(conn, pragma(dialect, schema, "table_xinfo", tname))
  if not cols then return nil, cerr end
  local pk = {}
  for _, c in ipairs(cols) do
    local x = extra[str_lower(c.name)] or {}
    if c.hidden ~= 0 and c.hidden ~= nil then
      return nil, str_format("table %s has a generated column, %s: batch mode does not rebuild tables with generated columns",
        dialect:quote(tname), dialect:quote(c.name))
    end
    model.columns[#model.columns + 1] = { name = c.name, type = value(c.type) or "", notnull = c.notnull == 1,
      default = value(c.dflt_value), collate = x.collate, autoincrement = x.autoincrement or false, from = c.name }
    if c.pk > 0 then pk[#pk + 1] = { c.pk, c.name, x.primary_key_name } end
  end
  if #pk > 0 then
    table_sort(pk, function(a, b) return a[1] < b[1] end)
    local names = {}
    for i, p in ipairs(pk) do names[i] = p[2] end
    local name = pk[1][3] or (parsed.primary_keys[1] and parsed.primary_keys[1].name)
    model.primary_key = { name = name, columns = names }
  end

  local uniques, ixlist = constraint_indexes(conn, dialect, schema, tname)
  if not uniques then return nil, ixlist end
  match_names(uniques, parsed.uniques, function(u) return key_of(u.columns) end)
  for _, u in ipairs(uniques) do model.uniques[#model.uniques + 1] = { name = u.name, columns = u.columns } end

  for _, c in ipairs(parsed.checks) do
    model.checks[#model.checks + 1] = { name = c.name, sqltext = c.sqltext }
  end

  local fkrows, ferr = query(conn, pragma(dialect, schema, "foreign_key_list", tname))
  if not fkrows then return nil, ferr end
  local byid, ids = {}, {}
  for _, r in ipairs(fkrows) do
    local fk = byid[r.id]
    if not fk then
      fk = { columns = {}, ref_columns = {}, ref_table = r.table,
        ondelete = r.on_delete ~= "NO ACTION" and r.on_delete or nil,
        onupdate = r.on_update ~= "NO ACTION" and r.on_update or nil, seqs = {} }
      byid[r.id] = fk
      ids[#ids + 1] = r.id
    end
    fk.seqs[#fk.seqs + 1] = { r.seq, r.from, value(r.to) }
  end
  -- foreign_key_list numbers the last declared key 0.
  table_sort(ids, function(a, b) return a > b end)
  for _, id in ipairs(ids) do
    local fk = byid[id]
    table_sort(fk.seqs, function(a, b) return a[1] < b[1] end)
    local implicit = false
    for i, s in ipairs(fk.seqs) do
      fk.columns[i] = s[2]
      if s[3] == nil then implicit = true else fk.ref_columns[i] = s[3] end
    end
    -- REFERENCES parent without columns means the parent's primary key.
    if implicit then fk.ref_columns = {} end
    fk.seqs = nil
    model.foreign_keys[#model.foreign_keys + 1] = fk
  end
  match_names(model.foreign_keys, parsed.foreign_keys, fk_key)

  -- Indexes made by CREATE INDEX, in the order they were made.
  local unique_by_name = {}
  for _, ix in ipairs(ixlist) do unique_by_name[ix.name] = ix.unique == 1 end
  local ixrows, xerr = query(conn, str_format("SELECT name, sql FROM %s WHERE type = 'index' AND tbl_name = ?"
    .. " AND sql IS NOT NULL ORDER BY rowid", master(dialect, schema)), tname)
  if not ixrows then return nil, xerr end
  for _, ix in ipairs(ixrows) do
    model.indexes[#model.indexes + 1] = { name = ix.name, unique = unique_by_name[ix.name] or false, sql = ix.sql }
  end

  for _, c in ipairs(model.columns) do
    if c.autoincrement then
      local seq = conn:first(str_format("SELECT seq FROM %s WHERE name = ?",
        (schema and (dialect:quote(schema) .. ".") or "") .. "sqlite_sequence"), tname)
      if seq then model.sequence = seq.seq end
    end
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
    model.foreign_keys[#model.foreign_keys + 1] = { name = c.name, columns = c.columns, ref_table = c.ref_table,
      ref_columns = c.ref_columns or {}, ondelete = c.ondelete, onupdate = c.onupdate, deferrable = c.deferrable }
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
  return { name = col.name, type = tsql, notnull = not col.nullable, default = default,
    autoincrement = info.autoincrement and col.autoincrement == true or false }
end

-- What a Column declares besides itself: key, unique, reference, index.
function M.column_extras(model, col)
  if col.unique and not col.index then
    model.uniques[#model.uniques + 1] = { columns = { col.name } }
  end
  local ref = col.references
  if ref then
    model.foreign_keys[#model.foreign_keys + 1] = { name = ref.name, columns = { col.name }, ref_table = ref.table,
      ref_columns = { ref.column }, ondelete = ref.ondelete, onupdate = ref.onupdate }
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
  local model = { name = tname, schema = schema, columns = {}, uniques = {}, checks = {}, foreign_keys = {},
    indexes = {}, options = "" }
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
        if key_of(model.uniques[i].columns) == k then table_remove(model.uniques, i) end
      end
    elseif c.kind == "foreign_key" then
      local k = fk_key(c)
      for i = #model.foreign_keys, 1, -1 do
        if fk_key(model.foreign_keys[i]) == k then table_remove(model.foreign_keys, i) end
      end
    elseif c.kind == "check" then
      local text = types.is_sql(c.sqltext) and c.sqltext.text or c.sqltext
      for i = #model.checks, 1, -1 do
        if model.checks[i].sqltext == text then table_remove(model.checks, i) end
      end
    end
    local ok, err = M.add_constraint(model, c)
    if not ok then return nil, err end
  end
  return true
end

--- Other tables whose foreign keys point at `tname`:
-- {{table, columns, ref_columns}} | nil, msg.
function M.referencing(conn, dialect, tname, schema)
  local rows, err = query(conn, str_format("SELECT m.name AS child, f.id AS id, f.seq AS seq, f.\"from\" AS col,"
    .. " f.\"to\" AS ref FROM %s AS m, pragma_foreign_key_list(m.name, ?) AS f"
    .. " WHERE m.type = 'table' AND lower(f.\"table\") = lower(?) AND lower(m.name) <> lower(?)"
    .. " ORDER BY m.name, f.id, f.seq", master(dialect, schema)), schema or "main", tname, tname)
  if not rows then return nil, err end
  local out, last = {}, nil
  for _, r in ipairs(rows) do
    local key = r.child .. "\0" .. tostring(r.id)
    if key ~= last then
      out[#out + 1] = { table = r.child, columns = {}, ref_columns = {} }
      last = key
    end
    local fk = out[#out]
    fk.columns[#fk.columns + 1] = r.col
    if value(r.ref) then fk.ref_columns[#fk.ref_columns + 1] = r.ref end
  end
  return out
end

--- The column sets of `tname` that a foreign key may point at: its
-- primary key and its unique indexes, as keys of key_of | nil, msg.
function M.unique_keys(conn, dialect, tname, schema)
  local keys = {}
  local cols, err = query(conn, pragma(dialect, schema, "table_info", tname))
  if not cols then return nil, err end
  local pk = {}
  for _, c in ipairs(cols) do
    if c.pk > 0 then pk[#pk + 1] = { c.pk, c.name } end
  end
  table_sort(pk, function(a, b) return a[1] < b[1] end)
  local pknames = {}
  for i, p in ipairs(pk) do pknames[i] = p[2] end
  local list, lerr = query(conn, pragma(dialect, schema, "index_list", tname))
  if not list then return nil, lerr end
  local sets = { pknames }
  for _, ix in ipairs(list) do
    if ix.unique == 1 and ix.partial == 0 then
      local info, ierr = query(conn, pragma(dialect, schema, "index_info", ix.name))
      if not info then return nil, ierr end
      local names = {}
      for i, c in ipairs(info) do names[i] = value(c.name) or "?" end
      sets[#sets + 1] = names
    end
  end
  for _, set in ipairs(sets) do
    local sorted = {}
    for i, n in ipairs(set) do sorted[i] = str_lower(n) end
    table_sort(sorted)
    if #sorted > 0 then keys[table_concat(sorted, "\0")] = true end
  end
  return keys, pknames
end

return M
