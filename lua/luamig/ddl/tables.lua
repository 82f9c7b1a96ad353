-- luamig.ddl.tables: the base compilers for tables, columns, comments,
-- enum types and data (mixed into luamig.ddl.base's Dialect; `self` is the
-- dialect). Dialects override single methods of these.

local types = require("luamig.schema.types")

local is_sql = types.is_sql

local M = {}

-- The column types of a record's columns (for enum_types).
local function column_types(columns)
  local out = {}
  for i, col in ipairs(columns) do out[i] = col.type end
  return out
end

-- CREATE TYPE for the named enums the columns use, appended to `out`.
local function create_enums(self, out, columns, schema)
  for _, e in ipairs(self:enum_types(column_types(columns), schema)) do out[#out + 1] = self:create_enum_sql(e) end
  return out
end

-- DROP TYPE IF EXISTS for the enums a drop_table/drop_column names.
local function drop_enums(self, out, rec)
  if not self.named_enums then return out end
  for _, name in ipairs(rec.enums or {}) do out[#out + 1] = self:drop_enum_sql(name, rec.schema, true) end
  return out
end

function M:comment_sql(table_sql, column, text)
  local lit = text and self:literal(text) or "NULL"
  if column then
    return string.format("COMMENT ON COLUMN %s.%s IS %s", table_sql, self:quote(column), lit)
  end
  return string.format("COMMENT ON TABLE %s IS %s", table_sql, lit)
end

-- Table options after the closing parenthesis (MySQL's COMMENT=...).
function M:table_options_sql(_rec)
  return ""
end

-- The column that SQLite writes as `INTEGER PRIMARY KEY` inline; none here.
function M:inline_primary_key(_columns, _autoinc)
  return nil
end

function M:compile_create_table(rec)
  if rec.if_not_exists and not self.if_exists then return self:unsupported("CREATE TABLE IF NOT EXISTS") end
  local where = string.format("create_table %s: ", self:quote(rec.table))
  local autoinc, err = self:autoincrement_column(rec.columns)
  if autoinc == nil then return nil, where .. err end
  local inline_pk, ierr = self:inline_primary_key(rec.columns, autoinc)
  if ierr then return nil, where .. ierr end
  local constraints, pk_name = self:table_constraints(rec, inline_pk)
  if not constraints then return nil, where .. pk_name end
  local lines = {}
  local table_checks = not self.named_column_checks and {} or nil
  for i, col in ipairs(rec.columns) do
    local def, cerr = self:column_sql(col, { autoincrement = col == autoinc, primary_key = col == inline_pk,
      pk_name = col == inline_pk and pk_name or nil, schema = rec.schema, table = rec.table,
      naming_convention = rec.naming_convention, table_checks = table_checks })
    if not def then return nil, cerr end
    lines[i] = "  " .. def
  end
  for _, c in ipairs(constraints) do
    lines[#lines + 1] = "  " .. self:constraint_sql(c)
  end
  for _, ck in ipairs(table_checks or {}) do lines[#lines + 1] = "  " .. ck end
  local tname = self:qualify(rec.table, rec.schema)
  local out = create_enums(self, {}, rec.columns, rec.schema)
  out[#out + 1] = string.format("CREATE TABLE %s%s (\n%s\n)%s", rec.if_not_exists and "IF NOT EXISTS " or "",
    tname, table.concat(lines, ",\n"), self:table_options_sql(rec))
  for _, col in ipairs(rec.columns) do
    if col.index then
      local stmt, xerr = self:column_index_sql(rec, col)
      if not stmt then return nil, where .. xerr end
      out[#out + 1] = stmt
    end
  end
  for _, ix in ipairs(rec.indexes or {}) do
    local stmt, xerr = self:table_index_sql(rec, ix)
    if not stmt then return nil, where .. xerr end
    out[#out + 1] = stmt
  end
  if self.comments == "statement" then
    if rec.comment then out[#out + 1] = self:comment_sql(tname, nil, rec.comment) end
    for _, col in ipairs(rec.columns) do
      if col.comment then out[#out + 1] = self:comment_sql(tname, col.name, col.comment) end
    end
  end
  return out
end

function M:compile_drop_table(rec)
  if rec.if_exists and not self.if_exists then return self:unsupported("DROP TABLE IF EXISTS") end
  return drop_enums(self, { "DROP TABLE " .. (rec.if_exists and "IF EXISTS " or "") .. self:qualify(rec.table, rec.schema) },
    rec)
end

function M:compile_rename_table(rec)
  return { string.format("ALTER TABLE %s RENAME TO %s", self:qualify(rec.table, rec.schema), self:quote(rec.new_name)) }
end

-- The inline column constraints that ADD COLUMN carries; SQLite and MySQL
-- refine this. `names`: pk_name, unique_name, fk_name from the convention.
function M:add_column_info(col, _rec, names)
  names = names or {}
  -- An added integer key autoincrements as it would in a new table.
  return { autoincrement = self:autoincrement_column({ col }) == col, primary_key = col.primary_key,
    unique = col.unique and not col.index, references = true,
    pk_name = names.pk_name, unique_name = names.unique_name, fk_name = names.fk_name }
end

-- The names a naming convention gives the column-level constraints of an
-- added column | nil, msg.
function M:add_column_names(rec)
  local col, conv = rec.column, rec.naming_convention
  local names, err = {}, nil
  local info = { table = rec.table, columns = { col.name } }
  if col.primary_key then
    names.pk_name, err = self:constraint_name(conv, "primary_key", info)
    if err then return nil, err end
  end
  if col.unique and not col.index then
    names.unique_name, err = self:constraint_name(conv, "unique", info)
    if err then return nil, err end
  end
  local ref = col.references
  if ref and not ref.name then
    names.fk_name, err = self:constraint_name(conv, "foreign_key",
      { table = rec.table, columns = { col.name }, ref_table = ref.table, ref_columns = { ref.column } })
    if err then return nil, err end
  end
  return names
end

function M:compile_add_column(rec)
  local col = rec.column
  if rec.if_not_exists and not self.column_if_exists then
    return self:unsupported("ADD COLUMN IF NOT EXISTS", "drop if_not_exists, or check the column first")
  end
  local names, nerr = self:add_column_names(rec)
  if not names then return nil, string.format("add_column %s: %s", self:quote(col.name), nerr) end
  local info, ierr = self:add_column_info(col, rec, names)
  if not info then return nil, ierr end
  info.schema, info.table, info.naming_convention = rec.schema, rec.table, rec.naming_convention
  info.table_checks = not self.named_column_checks and {} or nil
  local def, err = self:column_sql(col, info)
  if not def then return nil, err end
  local tname = self:qualify(rec.table, rec.schema)
  local stmt = string.format("ALTER TABLE %s ADD COLUMN %s%s", tname, rec.if_not_exists and "IF NOT EXISTS " or "", def)
  if info.extra then stmt = stmt .. info.extra end
  for _, ck in ipairs(info.table_checks or {}) do stmt = stmt .. ", ADD " .. ck end
  local out = create_enums(self, {}, { col }, rec.schema)
  out[#out + 1] = stmt
  if col.index then
    local ix, xerr = self:column_index_sql(rec, col)
    if not ix then return nil, xerr end
    out[#out + 1] = ix
  end
  if self.comments == "statement" and col.comment then out[#out + 1] = self:comment_sql(tname, col.name, col.comment) end
  return out
end

function M:compile_drop_column(rec)
  if rec.if_exists and not self.column_if_exists then
    return self:unsupported("DROP COLUMN IF EXISTS", "drop if_exists, or check the column first")
  end
  return drop_enums(self, { string.format("ALTER TABLE %s DROP COLUMN %s%s", self:qualify(rec.table, rec.schema),
    rec.if_exists and "IF EXISTS " or "", self:quote(rec.column)) }, rec)
end

function M:rename_column_sql(rec)
  return string.format("ALTER TABLE %s RENAME COLUMN %s TO %s", self:qualify(rec.table, rec.schema),
    self:quote(rec.column), self:quote(rec.new_column_name))
end

-- One statement per change, the rename last so that the others still name
-- the column by its old name. A new Enum type is created first.
function M:compile_alter_column(rec)
  local tname = self:qualify(rec.table, rec.schema)
  local prefix = string.format("ALTER TABLE %s ALTER COLUMN %s ", tname, self:quote(rec.column))
  local before, after = self:type_change_checks(rec)
  if not before then return nil, after end
  local out = before
  if rec.type_ then
    local tsql, err = self:type_sql(rec.type_, rec.column, rec.schema)
    if not tsql then return nil, err end
    for _, e in ipairs(self:enum_types({ rec.type_ }, rec.schema)) do out[#out + 1] = self:create_enum_sql(e) end
    local using = rec.using or rec.postgresql_using
    out[#out + 1] = prefix .. "TYPE " .. tsql .. (using and " USING " .. self:sqltext(using) or "")
  end
  if rec.nullable ~= nil then
    out[#out + 1] = prefix .. (rec.nullable and "DROP NOT NULL" or "SET NOT NULL")
  end
  if rec.server_default == false then
    out[#out + 1] = prefix .. "DROP DEFAULT"
  elseif rec.server_default ~= nil then
    out[#out + 1] = prefix .. "SET DEFAULT " .. self:literal(rec.server_default)
  end
  if rec.identity ~= nil then
    if not self.identity_columns then return self:unsupported("identity columns (alter_column identity)") end
    for _, clause in ipairs(self:identity_change_sql(rec.existing_identity, rec.identity)) do
      out[#out + 1] = prefix .. clause
    end
  end
  if rec.comment ~= nil and self.comments == "statement" then
    out[#out + 1] = self:comment_sql(tname, rec.column, rec.comment or nil)
  end
  if rec.new_column_name then out[#out + 1] = self:rename_column_sql(rec) end
  for _, sql in ipairs(after) do out[#out + 1] = sql end
  return out
end

-- Table comments: COMMENT ON here, ALTER TABLE ... COMMENT on MySQL,
-- nothing where the dialect keeps no comments (SQLite).
function M:table_comment_sql(rec, text)
  local tname = self:qualify(rec.table, rec.schema)
  if self.comments == "statement" then return { self:comment_sql(tname, nil, text) } end
  if self.comments == "inline" then
    return { string.format("ALTER TABLE %s COMMENT = %s", tname, self:literal(text or "")) }
  end
  return {}
end

function M:compile_create_table_comment(rec)
  return self:table_comment_sql(rec, rec.comment)
end

function M:compile_drop_table_comment(rec)
  return self:table_comment_sql(rec, nil)
end

-- Enum types on their own (op.create_enum / op.drop_enum): nothing to do
-- where an enum is part of the column.
function M:compile_create_enum(rec)
  if not self.named_enums then return {} end
  return { self:create_enum_sql(rec) }
end

function M:compile_drop_enum(rec)
  if not self.named_enums then return {} end
  return { self:drop_enum_sql(rec.name, rec.schema, rec.if_exists) }
end

function M:compile_execute(rec)
  return { is_sql(rec.sql) and rec.sql.text or rec.sql }
end

-- Online, the context binds bulk_insert values through a prepared statement;
-- this text form with literals is for --sql output.
--- The columns a bulk_insert record writes: its own list, or else every
-- key its rows use, sorted (the context's prepared statements use it too).
function M:bulk_insert_columns(rec)
  local columns = rec.columns
  if columns and #columns > 0 then return columns end
  local seen = {}
  columns = {}
  for _, row in ipairs(rec.rows) do
    for k in pairs(row) do
      if not seen[k] then seen[k] = true; columns[#columns + 1] = k end
    end
  end
  table.sort(columns)
  return columns
end

function M:compile_bulk_insert(rec)
  local columns = self:bulk_insert_columns(rec)
  if #columns == 0 then return {} end
  local head = string.format("INSERT INTO %s (%s) VALUES ", self:qualify(rec.table, rec.schema),
    self:quote_list(columns))
  local defaults, out = rec.defaults or {}, {}
  for i, row in ipairs(rec.rows) do
    local vals = {}
    for j, c in ipairs(columns) do
      local v = row[c]
      if v == nil then v = defaults[c] end
      vals[j] = self:literal(v)
    end
    out[i] = head .. "(" .. table.concat(vals, ", ") .. ")"
  end
  return out
end

return M
