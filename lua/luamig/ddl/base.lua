-- luamig.ddl.base: the compiler every dialect starts from.
--
-- The base speaks the SQL that SQLite, PostgreSQL and MySQL share (and where
-- they differ, PostgreSQL's, which is the closest to the standard). A dialect
-- is a table whose __index chain ends here; it overrides only fields and
-- methods that differ. Compilers take an operation record (see
-- docs/internals.md) and return an array of SQL strings, or nil and a message
-- that says what to do instead. A malformed record is luamig's own bug and
-- raises. This file holds identifiers, literals and column definitions;
-- the types' SQL (luamig.ddl.column_types) and the compilers per operation
-- (luamig.ddl.tables, luamig.ddl.constraints...) are mixed in.

local types = require("luamig.schema.types")
local naming = require("luamig.schema.naming")
local column_types = require("luamig.ddl.column_types")

local is_sql, is_literal, describe = types.is_sql, types.is_literal, types.describe

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
  constraint_if_exists = true, -- ALTER TABLE ... DROP CONSTRAINT IF EXISTS
  alter_constraints = true,  -- ALTER TABLE ADD/DROP CONSTRAINT
  named_enums = true,        -- Enum is a type of its own (CREATE TYPE)
  native_enums = true,       -- the database has enums (else VARCHAR + CHECK: luamig.ddl.schema_types)
  native_boolean = true,     -- the database has a boolean (else Boolean{create_constraint} is a CHECK)
  named_column_checks = true, -- CONSTRAINT name CHECK (...) in a column definition (else a table constraint)
  comments = "statement",    -- "statement" (COMMENT ON), "inline" (COMMENT '...'), or false
  column_onupdate = false,   -- a column's ON UPDATE value (server_onupdate): MySQL
  identity_columns = false,  -- GENERATED ... AS IDENTITY on any integer column (PostgreSQL)
  exclude_constraints = false, -- EXCLUDE USING ... (PostgreSQL)
  -- The prefix of the dialect-specific options it reads (postgresql_where...).
  option_prefix = "postgresql",
  max_identifier_length = nil,
  -- Where the autoincrement marker goes in a column definition.
  identity_sql = nil,        -- right after the type (PostgreSQL)
  auto_increment_sql = nil,  -- after NOT NULL (MySQL)
  boolean_literals = { [true] = "TRUE", [false] = "FALSE" },

  -- What a run knows of the backend besides its DDL, so that no other
  -- module compares driver names (see docs/ARCHITECTURE.md).
  database_file = false,     -- the URL names a file (SQLite): checked before opening
  search_path = false,       -- a `schema` setting picks where revisions run (PostgreSQL)
  schema_exists_sql = nil,   -- with search_path: (name) -> a row when the schema exists
  watch_client = nil,        -- { since = major version, sql = the setting that ends an orphan statement }
  -- op.bulk_insert's path for uniform rows (luamig.context.bulk_insert):
  -- "copy" (COPY FROM STDIN), "load_data" (LOAD DATA LOCAL where the server
  -- allows it, else multi-row INSERTs) or "insert_rows" (one prepared
  -- INSERT run by the driver for every row, on a thread).
  bulk_fast_path = "insert_rows",
  -- get_bind():rows() inside a transaction: "cursor" (DECLARE CURSOR and
  -- FETCH, where the driver would read the whole result first), or nil:
  -- the driver's own rows() (luamig.context.bind).
  rows_in_transaction = nil,
  default_row_sql = "DEFAULT VALUES",  -- INSERT INTO t <this>: a row of defaults only
  rebuilds_tables = false,   -- batch mode rebuilds the table; else its ops run one by one
  unique_is_index = false,   -- a unique constraint is a unique index (autogenerate)
  fk_makes_index = false,    -- the server indexes a foreign key's columns itself
  restrict_is_default = false, -- RESTRICT is what no ON DELETE/UPDATE means
  drop_database_sql = "DROP DATABASE IF EXISTS %s",  -- luamig.testing's scratch databases
  -- The database itself (luamig create, drop, wait: luamig.context.server):
  -- the server's database a client connects to for them (nil: none), the
  -- statements, and the query that finds a database by name (nil: the
  -- database is a file, database_file).
  maintenance_database = nil,
  create_database_sql = "CREATE DATABASE %s",
  drop_named_database_sql = "DROP DATABASE %s",
  database_exists_sql = nil,
  database_file_companions = {},  -- database_file: the files beside it that go with it
  -- URLs (luamig.config.url): a URL may list several hosts (libpq's
  -- failover), and what an unknown parameter's message says the client
  -- takes (nil: the list of the parameters luamig knows).
  host_lists = false,
  client_params_hint = nil,
  -- Bookkeeping SQL (luamig.context.versions). table_exists_sql takes
  -- (schema or nil, name), or only (name) where catalog_schemas is false;
  -- session_id_sql and session_alive_sql are nil where there are no server
  -- sessions; returning_id is what an INSERT appends to return the new id.
  -- move_with_history: a linear step's version UPDATE may go in the
  -- statement that inserts its history row (a data-modifying WITH, see
  -- luamig.context.versions), which then checks that the UPDATE found
  -- its row before the COMMIT that travels with it.
  -- move_with_close: a linear step's version UPDATE may be one statement
  -- with the UPDATE that closes its running history row (a multi-table
  -- UPDATE: both rows or neither); the COMMIT travels with it only when
  -- the transaction holds nothing else, and its row count tells.
  catalog_schemas = true,
  table_exists_sql = nil,
  session_id_sql = nil,
  session_alive_sql = nil,
  returning_id = nil,
  move_with_history = false,
  move_with_close = false,
}
M.Dialect = Dialect

--- Is `entry.name` the name the database gives a constraint of `kind`
-- ("primary_key", "unique", "foreign_key") on table `table_name` when none
-- is given? Autogenerate leaves such names out of the revision.
function Dialect.is_default_name()
  return false
end

-- Identifiers --------------------------------------------------------------

function Dialect:quote(name)
  -- most names have no quote to double: no gsub (its pattern and buffer)
  if not name:find('"', 1, true) then return '"' .. name .. '"' end
  return '"' .. name:gsub('"', '""') .. '"'
end

function Dialect:qualify(name, schema)
  if schema then return self:quote(schema) .. "." .. self:quote(name) end
  return self:quote(name)
end

--- A constraint's name after CONSTRAINT in a table definition; quoted
-- here, SQLite overrides it.
function Dialect:constraint_name_sql(name)
  return self:quote(name)
end

function Dialect:quote_list(names)
  local q = {}
  for i, n in ipairs(names) do q[i] = self:quote(n) end
  return table.concat(q, ", ")
end

--- The name a naming convention gives a constraint or index (see
-- luamig.schema.naming), cut to this server's identifier length.
function Dialect:constraint_name(convention, kind, info)
  return naming.name(convention, kind, info, self.max_identifier_length)
end

-- Literals -----------------------------------------------------------------

function Dialect:string_literal(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

-- The shortest text that reads back as the same double.
local function float_literal(v)
  local s
  for digits = 15, 17 do
    s = string.format("%." .. digits .. "g", v)
    if tonumber(s) == v then break end
  end
  if not s:find("[.eE]") then s = s .. ".0" end
  return s
end

--- A Lua value as an SQL literal. `nil` and the driver's `null` are NULL,
-- `sql` fragments are verbatim, inline literals are their value.
function Dialect:literal(v)
  local t = type(v)
  if t == "string" then return self:string_literal(v)
  elseif math.type(v) == "integer" then return tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      error("cannot write " .. tostring(v) .. " as an SQL literal", 2)
    end
    return float_literal(v)
  elseif t == "boolean" then return self.boolean_literals[v]
  elseif v == nil or (t == "userdata" and tostring(v) == "null") then return "NULL"
  elseif is_sql(v) then return v.text
  elseif is_literal(v) then
    if is_literal(v.value) then error("cannot write a nested inline literal", 2) end
    return self:literal(v.value)
  end
  error("cannot write " .. describe(v) .. " as an SQL literal", 2)
end

--- SQL text given as a string or an `sql` fragment (conditions, USING).
function Dialect:sqltext(v)
  if is_sql(v) then return v.text end
  return v
end

-- Columns ------------------------------------------------------------------

function Dialect:references_sql(ref)
  return string.format("REFERENCES %s (%s)", self:qualify(ref.table, ref.schema), self:quote(ref.column))
    .. self:fk_options_sql(ref)
end

-- Which column autoincrements, after SQLAlchemy: one marked
-- `autoincrement = true`, else the single primary key column when it is an
-- integer with no default and no foreign key and not `autoincrement = false`.
-- Returns the column, false, or nil, msg.
function Dialect:autoincrement_column(columns)
  local pk, explicit = {}, nil
  for _, col in ipairs(columns) do
    if col.primary_key then pk[#pk + 1] = col end
    -- Without identity columns an Identity is the autoincrementing key.
    if col.autoincrement == true or (col.identity and not self.identity_columns) then
      if not col.primary_key then
        if col.identity then
          return nil, string.format("column %s: %s has no identity columns and makes an Identity the table's"
            .. " autoincrementing key, which needs primary_key = true", self:quote(col.name), self.display_name)
        end
        return nil, string.format("column %s: autoincrement = true needs primary_key = true", self:quote(col.name))
      elseif explicit then
        return nil, string.format("columns %s and %s: only one column may be autoincrement",
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
function Dialect:column_type_sql(col, info)
  return self:type_sql(col.type, col.name, info.schema)
end

local function named(self, name, s)
  if name then return "CONSTRAINT " .. self:constraint_name_sql(name) .. " " .. s end
  return s
end

--- One column definition. `info` says what the context adds:
-- autoincrement (this column is the table's), primary_key / unique (inline
-- constraints, named pk_name / unique_name), references (inline
-- REFERENCES, named fk_name), schema (the table's, for named types).
function Dialect:column_sql(col, info)
  info = info or {}
  local tsql, err = self:column_type_sql(col, info)
  if not tsql then return nil, err end
  local p = { self:quote(col.name), tsql }
  if col.computed then p[#p + 1] = self:computed_sql(col.computed) end
  if col.identity and self.identity_columns then
    p[#p + 1] = self:identity_sql_of(col.identity)
  elseif info.autoincrement and self.identity_sql then
    p[#p + 1] = self.identity_sql
  end
  if col.server_default ~= nil then
    p[#p + 1] = "DEFAULT " .. self:literal(col.server_default)
  end
  if col.server_onupdate ~= nil then
    if not self.column_onupdate then
      return self:unsupported("ON UPDATE for a column (server_onupdate on " .. self:quote(col.name) .. ")",
        "a trigger does this (op.execute)")
    end
    p[#p + 1] = "ON UPDATE " .. self:literal(col.server_onupdate)
  end
  if not col.nullable then p[#p + 1] = "NOT NULL" end
  if info.autoincrement and self.auto_increment_sql then p[#p + 1] = self.auto_increment_sql end
  if info.primary_key then
    p[#p + 1] = named(self, info.pk_name, "PRIMARY KEY")
    if info.autoincrement and col.autoincrement == true and self.pk_autoincrement_sql then
      p[#p + 1] = self.pk_autoincrement_sql
    end
  end
  if info.unique then p[#p + 1] = named(self, info.unique_name, "UNIQUE") end
  -- The column's CHECKs; a named one where the database names only
  -- table constraints (MySQL) goes to info.table_checks, which the
  -- caller writes as a table constraint.
  local function add_check(name, cond)
    if name and info.table_checks then
      info.table_checks[#info.table_checks + 1] = "CONSTRAINT " .. self:constraint_name_sql(name) .. " CHECK ("
        .. cond .. ")"
    else
      p[#p + 1] = named(self, name, "CHECK (" .. cond .. ")")
    end
  end
  for _, ck in ipairs(col.checks or {}) do
    local name, nerr = self:constraint_name(info.naming_convention, "check",
      { table = info.table, columns = { col.name }, name = ck.name })
    if nerr then return nil, nerr end
    add_check(name, self:sqltext(ck.sqltext))
  end
  if info.type_check ~= false then
    local cond, cname = self:type_check_condition(col.type, col.name, info.table, info.naming_convention)
    if cname and not cond then return nil, cname end  -- the convention's error
    if cond then add_check(cname, cond) end
  end
  if self.comments == "inline" and col.comment then
    p[#p + 1] = "COMMENT " .. self:literal(col.comment)
  end
  if info.references and col.references then
    p[#p + 1] = named(self, col.references.name or info.fk_name, self:references_sql(col.references))
  end
  return table.concat(p, " ")
end

-- Operations ---------------------------------------------------------------

function Dialect:unsupported(what, advice)
  return nil, string.format("%s has no %s%s", self.display_name, what, advice and ": " .. advice or "")
end

--- True when this dialect can do `rec` only by rebuilding the table (SQLite
-- batch mode); ops then hands it to luamig.ops.batch when that is enabled.
function Dialect:needs_batch(_rec)
  return false
end

for _, mixin in ipairs { "luamig.ddl.tables", "luamig.ddl.constraints", "luamig.ddl.generated",
  "luamig.ddl.schema_types" } do
  for k, v in pairs(require(mixin)) do Dialect[k] = v end
end
for k, v in pairs(column_types.methods) do Dialect[k] = v end
-- The dialects build their own type tables from these.
M.with_length, M.no_type = column_types.with_length, column_types.no_type

-- What each kind needs; a record without it is a bug in luamig, not in the
-- revision (ops validated the revision's arguments).
local REQUIRED = {
  create_table = { "table", "columns" }, drop_table = { "table" }, rename_table = { "table", "new_name" },
  add_column = { "table", "column" }, drop_column = { "table", "column" },
  alter_column = { "table", "column" }, create_index = { "name", "table", "columns" },
  drop_index = { "name" }, execute = { "sql" }, bulk_insert = { "table", "rows" },
  create_primary_key = { "table", "columns" }, create_unique_constraint = { "table", "columns" },
  create_check_constraint = { "table", "condition" },
  create_foreign_key = { "table", "referent_table", "local_cols", "remote_cols" },
  create_exclude_constraint = { "table", "name", "elements" },
  drop_constraint = { "table", "name" },
  create_table_comment = { "table", "comment" }, drop_table_comment = { "table" },
  create_enum = { "name", "values" }, drop_enum = { "name" },
}

-- The foreign keys a record declares, with their options.
local function foreign_keys_of(rec)
  local out = {}
  if rec.kind == "create_foreign_key" then out[1] = rec end
  for _, c in ipairs(rec.kind == "create_table" and rec.constraints or {}) do
    if c.kind == "foreign_key" then out[#out + 1] = c end
  end
  for _, col in ipairs(rec.kind == "create_table" and rec.columns or {}) do
    if col.references then out[#out + 1] = col.references end
  end
  if rec.kind == "add_column" and rec.column.references then out[#out + 1] = rec.column.references end
  return out
end

--- Compile an operation record to an array of SQL statements | nil, msg.
function Dialect:compile(rec)
  if type(rec) ~= "table" or type(rec.kind) ~= "string" then
    error("compile: argument #1 must be an operation record with a kind, got " .. describe(rec), 2)
  end
  local compiler, required = self["compile_" .. rec.kind], REQUIRED[rec.kind]
  if not compiler or not required then
    return nil, string.format("%s: no SQL for operation %q", self.display_name, rec.kind)
  end
  for _, field in ipairs(required) do
    if rec[field] == nil then
      error(string.format("compile: %s record without %s", rec.kind, field), 2)
    end
  end
  for _, fk in ipairs(foreign_keys_of(rec)) do
    local refused = self:fk_options_refused(fk)
    if refused then return nil, refused end
  end
  for _, c in ipairs(rec.kind == "create_table" and rec.constraints or {}) do
    if c.kind == "exclude" and not self.exclude_constraints then return self:unsupported("EXCLUDE constraints") end
  end
  for _, col in ipairs(rec.kind == "create_table" and rec.columns or { rec.column }) do
    if type(col) == "table" and (col.computed or col.identity) then
      local refused = self:generated_refused(col, rec)
      if refused then return nil, refused end
    end
  end
  return compiler(self, rec)
end

return M
