-- luamig.ddl.base: the compiler every dialect starts from.
--
-- The base speaks the SQL that SQLite, PostgreSQL and MySQL share (and where
-- they differ, PostgreSQL's, which is the closest to the standard). A dialect
-- is a table whose __index chain ends here; it overrides only fields and
-- methods that differ. Compilers take an operation record (see
-- docs/internals.md) and return an array of SQL strings, or nil and a message
-- that says what to do instead. A malformed record is luamig's own bug and
-- raises.

local types = require "luamig.types"

local type, ipairs, pairs, tostring, tonumber = type, ipairs, pairs, tostring, tonumber
local setmetatable, error = setmetatable, error
local math_type, huge = math.type, math.huge
local str_format = string.format
local table_concat, table_sort = table.concat, table.sort
local is_sql, describe = types.is_sql, types.describe

local M = {}

--- A new dialect table that inherits from `parent`.
function M.derive(parent, fields)
  return setmetatable(fields or {}, { __index = parent })
end

local Dialect = {
  name = "base",
  display_name = "SQL",
  -- Capability flags (see docs/internals.md).
  transactional_ddl = true,
  alter_column = true,       -- native ALTER COLUMN for type/nullability/default
  drop_column = true,
  rename_column = true,
  if_exists = true,          -- CREATE TABLE IF NOT EXISTS / DROP TABLE IF EXISTS
  column_if_exists = true,   -- ADD COLUMN IF NOT EXISTS / DROP COLUMN IF EXISTS
  index_if_exists = true,    -- CREATE INDEX IF NOT EXISTS / DROP INDEX IF EXISTS
  comments = "statement",    -- "statement" (COMMENT ON), "inline" (COMMENT '...'), or false
  -- Where the autoincrement marker goes in a column definition.
  identity_sql = nil,        -- right after the type (PostgreSQL)
  auto_increment_sql = nil,  -- after NOT NULL (MySQL)
  boolean_literals = { [true] = "TRUE", [false] = "FALSE" },
}
M.Dialect = Dialect

-- Identifiers --------------------------------------------------------------

function Dialect:quote(name)
  return '"' .. name:gsub('"', '""') .. '"'
end

function Dialect:qualify(name, schema)
  if schema then return self:quote(schema) .. "." .. self:quote(name) end
  return self:quote(name)
end

local function quote_list(self, names)
  local q = {}
  for i, n in ipairs(names) do q[i] = self:quote(n) end
  return table_concat(q, ", ")
end

-- Literals -----------------------------------------------------------------

function Dialect:string_literal(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

-- The shortest text that reads back as the same double.
local function float_literal(v)
  local s
  for digits = 15, 17 do
    s = str_format("%." .. digits .. "g", v)
    if tonumber(s) == v then break end
  end
  if not s:find("[.eE]") then s = s .. ".0" end
  return s
end

--- A Lua value as an SQL literal. `nil` and the driver's `null` are NULL,
-- `sql` fragments are verbatim.
function Dialect:literal(v)
  local t = type(v)
  if t == "string" then return self:string_literal(v)
  elseif math_type(v) == "integer" then return tostring(v)
  elseif t == "number" then
    if v ~= v or v == huge or v == -huge then
      error("cannot write " .. tostring(v) .. " as an SQL literal", 2)
    end
    return float_literal(v)
  elseif t == "boolean" then return self.boolean_literals[v]
  elseif v == nil or (t == "userdata" and tostring(v) == "null") then return "NULL"
  elseif is_sql(v) then return v.text
  end
  error("cannot write " .. describe(v) .. " as an SQL literal", 2)
end

-- Types --------------------------------------------------------------------

local function with_length(sql_name)
  return function(_, t)
    if t.length then return str_format("%s(%d)", sql_name, t.length) end
    return sql_name
  end
end
M.with_length = with_length

local function zoned(sql_name)
  return function(_, t)
    if t.timezone then return sql_name .. " WITH TIME ZONE" end
    return sql_name
  end
end

-- Each entry is the SQL text, or function(dialect, type, column_name)
-- returning the text or nil, msg.
Dialect.types = {
  Integer = "INTEGER", BigInteger = "BIGINT", SmallInteger = "SMALLINT",
  String = with_length("VARCHAR"),
  Text = "TEXT",
  Boolean = "BOOLEAN",
  Date = "DATE",
  DateTime = zoned("TIMESTAMP"),
  Time = zoned("TIME"),
  Float = function(_, t)
    if t.precision then return str_format("FLOAT(%d)", t.precision) end
    return "FLOAT"
  end,
  Numeric = function(_, t)
    if t.scale then return str_format("NUMERIC(%d, %d)", t.precision, t.scale) end
    if t.precision then return str_format("NUMERIC(%d)", t.precision) end
    return "NUMERIC"
  end,
  LargeBinary = "BLOB",
  JSON = "JSON",
}

function Dialect:type_sql(t, column_name)
  if not types.is_type(t) then
    error("type_sql: argument #1 must be a type, got " .. describe(t), 2)
  end
  local render = self.types[t.name]
  if render == nil then
    return nil, str_format("%s has no type for %s (column %s)", self.display_name, tostring(t),
      self:quote(column_name or "?"))
  elseif type(render) == "string" then
    return render
  end
  return render(self, t, column_name)
end

-- Columns and constraints --------------------------------------------------

function Dialect:references_sql(ref)
  local s = str_format("REFERENCES %s (%s)", self:qualify(ref.table, ref.schema), self:quote(ref.column))
  if ref.ondelete then s = s .. " ON DELETE " .. ref.ondelete end
  if ref.onupdate then s = s .. " ON UPDATE " .. ref.onupdate end
  return s
end

-- Which column autoincrements, after SQLAlchemy: one marked
-- `autoincrement = true`, else the single primary key column when it is an
-- integer with no default and no foreign key and not `autoincrement = false`.
-- Returns the column, false, or nil, msg.
function Dialect:autoincrement_column(columns)
  local pk, explicit = {}, nil
  for _, col in ipairs(columns) do
    if col.primary_key then pk[#pk + 1] = col end
    if col.autoincrement == true then
      if not col.primary_key then
        return nil, str_format("column %s: autoincrement = true needs primary_key = true", self:quote(col.name))
      elseif explicit then
        return nil, str_format("columns %s and %s: only one column may be autoincrement",
          self:quote(explicit.name), self:quote(col.name))
      end
      explicit = col
    end
  end
  if explicit then return explicit end
  local col = pk[1]
  if #pk == 1 and col.autoincrement == nil and types.is_integer(col.type)
    and col.server_default == nil and col.default == nil and col.references == nil then
    return col
  end
  return false
end

-- The type text of a column in a definition; SQLite overrides it so that an
-- autoincrement BIGINT key becomes the rowid.
function Dialect:column_type_sql(col, _info)
  return self:type_sql(col.type, col.name)
end

--- One column definition. `info` says what the context adds:
-- autoincrement (this column is the table's), primary_key / unique (inline
-- constraints), references (inline REFERENCES).
function Dialect:column_sql(col, info)
  info = info or {}
  local tsql, err = self:column_type_sql(col, info)
  if not tsql then return nil, err end
  local p = { self:quote(col.name), tsql }
  if info.autoincrement and self.identity_sql then p[#p + 1] = self.identity_sql end
  if col.server_default ~= nil then
    p[#p + 1] = "DEFAULT " .. self:literal(col.server_default)
  end
  if not col.nullable then p[#p + 1] = "NOT NULL" end
  if info.autoincrement and self.auto_increment_sql then p[#p + 1] = self.auto_increment_sql end
  if info.primary_key then
    p[#p + 1] = "PRIMARY KEY"
    if info.autoincrement and col.autoincrement == true and self.pk_autoincrement_sql then
      p[#p + 1] = self.pk_autoincrement_sql
    end
  end
  if info.unique then p[#p + 1] = "UNIQUE" end
  if self.comments == "inline" and col.comment then
    p[#p + 1] = "COMMENT " .. self:literal(col.comment)
  end
  if info.references and col.references then
    if col.references.name then p[#p + 1] = "CONSTRAINT " .. self:quote(col.references.name) end
    p[#p + 1] = self:references_sql(col.references)
  end
  return table_concat(p, " ")
end

--- A table-level constraint record as SQL (see docs/internals.md).
function Dialect:constraint_sql(c)
  local s
  if c.kind == "primary_key" then
    s = "PRIMARY KEY (" .. quote_list(self, c.columns) .. ")"
  elseif c.kind == "unique" then
    s = "UNIQUE (" .. quote_list(self, c.columns) .. ")"
  elseif c.kind == "foreign_key" then
    s = str_format("FOREIGN KEY (%s) REFERENCES %s (%s)", quote_list(self, c.columns),
      self:qualify(c.ref_table, c.ref_schema), quote_list(self, c.ref_columns))
    if c.ondelete then s = s .. " ON DELETE " .. c.ondelete end
    if c.onupdate then s = s .. " ON UPDATE " .. c.onupdate end
  elseif c.kind == "check" then
    s = "CHECK (" .. (is_sql(c.sqltext) and c.sqltext.text or c.sqltext) .. ")"
  else
    error("constraint_sql: unknown constraint kind " .. describe(c.kind), 2)
  end
  if c.name then s = "CONSTRAINT " .. self:quote(c.name) .. " " .. s end
  return s
end

-- The column that SQLite writes as `INTEGER PRIMARY KEY` inline; none here.
function Dialect:inline_primary_key(_columns, _autoinc)
  return nil
end

-- Column-level constraints become table-level records, then the explicit
-- ones of the record follow, so that one renderer writes them all.
function Dialect:table_constraints(rec, inline_pk)
  local out, pk = {}, {}
  for _, col in ipairs(rec.columns) do
    if col.primary_key and col ~= inline_pk then pk[#pk + 1] = col.name end
  end
  if #pk > 0 then out[1] = { kind = "primary_key", columns = pk } end
  for _, col in ipairs(rec.columns) do
    if col.unique and not col.index then out[#out + 1] = { kind = "unique", columns = { col.name } } end
  end
  for _, col in ipairs(rec.columns) do
    local ref = col.references
    if ref then
      out[#out + 1] = { kind = "foreign_key", name = ref.name, columns = { col.name },
        ref_table = ref.table, ref_schema = ref.schema, ref_columns = { ref.column },
        ondelete = ref.ondelete, onupdate = ref.onupdate }
    end
  end
  for _, c in ipairs(rec.constraints or {}) do out[#out + 1] = c end
  return out
end

-- `index = true` on a column, named like SQLAlchemy's default convention.
function Dialect:column_index_sql(rec, col)
  return self:compile_create_index({ kind = "create_index", name = "ix_" .. rec.table .. "_" .. col.name,
    table = rec.table, schema = rec.schema, columns = { col.name }, unique = col.unique })[1]
end

function Dialect:comment_sql(table_sql, column, text)
  local lit = text and self:literal(text) or "NULL"
  if column then
    return str_format("COMMENT ON COLUMN %s.%s IS %s", table_sql, self:quote(column), lit)
  end
  return str_format("COMMENT ON TABLE %s IS %s", table_sql, lit)
end

-- Table options after the closing parenthesis (MySQL's COMMENT=...).
function Dialect:table_options_sql(_rec)
  return ""
end

-- Operations ---------------------------------------------------------------

function Dialect:unsupported(what, advice)
  return nil, str_format("%s has no %s%s", self.display_name, what, advice and ": " .. advice or "")
end

function Dialect:compile_create_table(rec)
  if rec.if_not_exists and not self.if_exists then return self:unsupported("CREATE TABLE IF NOT EXISTS") end
  local autoinc, err = self:autoincrement_column(rec.columns)
  if autoinc == nil then return nil, str_format("create_table %s: %s", self:quote(rec.table), err) end
  local inline_pk, ierr = self:inline_primary_key(rec.columns, autoinc)
  if ierr then return nil, str_format("create_table %s: %s", self:quote(rec.table), ierr) end
  local lines = {}
  for i, col in ipairs(rec.columns) do
    local def, cerr = self:column_sql(col, { autoincrement = col == autoinc, primary_key = col == inline_pk })
    if not def then return nil, cerr end
    lines[i] = "  " .. def
  end
  for _, c in ipairs(self:table_constraints(rec, inline_pk)) do
    lines[#lines + 1] = "  " .. self:constraint_sql(c)
  end
  local tname = self:qualify(rec.table, rec.schema)
  local out = { str_format("CREATE TABLE %s%s (\n%s\n)%s", rec.if_not_exists and "IF NOT EXISTS " or "",
    tname, table_concat(lines, ",\n"), self:table_options_sql(rec)) }
  for _, col in ipairs(rec.columns) do
    if col.index then out[#out + 1] = self:column_index_sql(rec, col) end
  end
  if self.comments == "statement" then
    if rec.comment then out[#out + 1] = self:comment_sql(tname, nil, rec.comment) end
    for _, col in ipairs(rec.columns) do
      if col.comment then out[#out + 1] = self:comment_sql(tname, col.name, col.comment) end
    end
  end
  return out
end

function Dialect:compile_drop_table(rec)
  if rec.if_exists and not self.if_exists then return self:unsupported("DROP TABLE IF EXISTS") end
  return { "DROP TABLE " .. (rec.if_exists and "IF EXISTS " or "") .. self:qualify(rec.table, rec.schema) }
end

function Dialect:compile_rename_table(rec)
  return { str_format("ALTER TABLE %s RENAME TO %s", self:qualify(rec.table, rec.schema), self:quote(rec.new_name)) }
end

-- The inline column constraints that ADD COLUMN carries; SQLite and MySQL
-- refine this.
function Dialect:add_column_info(col)
  return { autoincrement = col.autoincrement == true, primary_key = col.primary_key,
    unique = col.unique and not col.index, references = true }
end

function Dialect:compile_add_column(rec)
  local col = rec.column
  if rec.if_not_exists and not self.column_if_exists then
    return self:unsupported("ADD COLUMN IF NOT EXISTS", "drop if_not_exists, or check the column first")
  end
  local info, ierr = self:add_column_info(col, rec)
  if not info then return nil, ierr end
  local def, err = self:column_sql(col, info)
  if not def then return nil, err end
  local tname = self:qualify(rec.table, rec.schema)
  local stmt = str_format("ALTER TABLE %s ADD COLUMN %s%s", tname, rec.if_not_exists and "IF NOT EXISTS " or "", def)
  if info.extra then stmt = stmt .. info.extra end
  local out = { stmt }
  if col.index then out[#out + 1] = self:column_index_sql(rec, col) end
  if self.comments == "statement" and col.comment then out[#out + 1] = self:comment_sql(tname, col.name, col.comment) end
  return out
end

function Dialect:compile_drop_column(rec)
  if rec.if_exists and not self.column_if_exists then
    return self:unsupported("DROP COLUMN IF EXISTS", "drop if_exists, or check the column first")
  end
  return { str_format("ALTER TABLE %s DROP COLUMN %s%s", self:qualify(rec.table, rec.schema),
    rec.if_exists and "IF EXISTS " or "", self:quote(rec.column)) }
end

function Dialect:rename_column_sql(rec)
  return str_format("ALTER TABLE %s RENAME COLUMN %s TO %s", self:qualify(rec.table, rec.schema),
    self:quote(rec.column), self:quote(rec.new_column_name))
end

-- One statement per change, the rename last so that the others still name
-- the column by its old name.
function Dialect:compile_alter_column(rec)
  local tname = self:qualify(rec.table, rec.schema)
  local prefix = str_format("ALTER TABLE %s ALTER COLUMN %s ", tname, self:quote(rec.column))
  local out = {}
  if rec.type_ then
    local tsql, err = self:type_sql(rec.type_, rec.column)
    if not tsql then return nil, err end
    local using = rec.using and " USING " .. (is_sql(rec.using) and rec.using.text or rec.using) or ""
    out[#out + 1] = prefix .. "TYPE " .. tsql .. using
  end
  if rec.nullable ~= nil then
    out[#out + 1] = prefix .. (rec.nullable and "DROP NOT NULL" or "SET NOT NULL")
  end
  if rec.server_default == false then
    out[#out + 1] = prefix .. "DROP DEFAULT"
  elseif rec.server_default ~= nil then
    out[#out + 1] = prefix .. "SET DEFAULT " .. self:literal(rec.server_default)
  end
  if rec.comment ~= nil and self.comments == "statement" then
    out[#out + 1] = self:comment_sql(tname, rec.column, rec.comment or nil)
  end
  if rec.new_column_name then out[#out + 1] = self:rename_column_sql(rec) end
  return out
end

-- Index columns: names are quoted, `sql` fragments written as they are.
function Dialect:index_element_sql(e)
  if is_sql(e) then return e.text end
  return self:quote(e)
end

-- PostgreSQL and MySQL put an index in its table's schema; SQLite overrides.
function Dialect:index_target_sql(rec)
  return self:quote(rec.name), self:qualify(rec.table, rec.schema)
end

function Dialect:compile_create_index(rec)
  if rec.if_not_exists and not self.index_if_exists then
    return self:unsupported("CREATE INDEX IF NOT EXISTS", "drop if_not_exists, or check the index first")
  end
  local elems = {}
  for i, e in ipairs(rec.columns) do elems[i] = self:index_element_sql(e) end
  local name, tname = self:index_target_sql(rec)
  return { str_format("CREATE %sINDEX %s%s ON %s (%s)", rec.unique and "UNIQUE " or "",
    rec.if_not_exists and "IF NOT EXISTS " or "", name, tname, table_concat(elems, ", ")) }
end

function Dialect:compile_drop_index(rec)
  if rec.if_exists and not self.index_if_exists then
    return self:unsupported("DROP INDEX IF EXISTS", "drop if_exists, or check the index first")
  end
  return { "DROP INDEX " .. (rec.if_exists and "IF EXISTS " or "") .. self:qualify(rec.name, rec.schema) }
end

function Dialect:compile_execute(rec)
  return { is_sql(rec.sql) and rec.sql.text or rec.sql }
end

-- Online, the context binds bulk_insert values through a prepared statement;
-- this text form with literals is for --sql output.
function Dialect:compile_bulk_insert(rec)
  local columns = rec.columns
  if not columns or #columns == 0 then
    local seen = {}
    columns = {}
    for _, row in ipairs(rec.rows) do
      for k in pairs(row) do
        if not seen[k] then seen[k] = true; columns[#columns + 1] = k end
      end
    end
    table_sort(columns)
  end
  if #columns == 0 then return {} end
  local head = str_format("INSERT INTO %s (%s) VALUES ", self:qualify(rec.table, rec.schema), quote_list(self, columns))
  local defaults, out = rec.defaults or {}, {}
  for i, row in ipairs(rec.rows) do
    local vals = {}
    for j, c in ipairs(columns) do
      local v = row[c]
      if v == nil then v = defaults[c] end
      vals[j] = self:literal(v)
    end
    out[i] = head .. "(" .. table_concat(vals, ", ") .. ")"
  end
  return out
end

-- What each kind needs; a record without it is a bug in luamig, not in the
-- revision (ops validated the revision's arguments).
local REQUIRED = {
  create_table = { "table", "columns" }, drop_table = { "table" }, rename_table = { "table", "new_name" },
  add_column = { "table", "column" }, drop_column = { "table", "column" },
  alter_column = { "table", "column" }, create_index = { "name", "table", "columns" },
  drop_index = { "name" }, execute = { "sql" }, bulk_insert = { "table", "rows" },
}

--- Compile an operation record to an array of SQL statements | nil, msg.
function Dialect:compile(rec)
  if type(rec) ~= "table" or type(rec.kind) ~= "string" then
    error("compile: argument #1 must be an operation record with a kind, got " .. describe(rec), 2)
  end
  local compiler, required = self["compile_" .. rec.kind], REQUIRED[rec.kind]
  if not compiler or not required then
    return nil, str_format("%s: no SQL for operation %q", self.display_name, rec.kind)
  end
  for _, field in ipairs(required) do
    if rec[field] == nil then
      error(str_format("compile: %s record without %s", rec.kind, field), 2)
    end
  end
  return compiler(self, rec)
end

return M
