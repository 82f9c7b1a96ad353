-- luamig.ddl.sqlite: SQLite's differences from the base compiler.
--
-- SQLite's ALTER TABLE can rename a table or a column and add or drop a
-- column, nothing more: every other change rebuilds the table (batch mode),
-- so those compile to a message that points there rather than to SQL that
-- would fail. An autoincrement key is written as the rowid alias
-- `INTEGER PRIMARY KEY`; the AUTOINCREMENT keyword (ids never reused, at
-- the cost of the sqlite_sequence table) only when asked for explicitly.
-- Constraints cannot be added to or dropped from an existing table either:
-- those fail pointing to batch mode too, unless ops routes them there.

local base = require("luamig.ddl.base")

local Base = base.Dialect

local M = base.derive(Base, {
  name = "sqlite",
  display_name = "SQLite",
  transactional_ddl = true,
  alter_column = false,
  drop_column = true,       -- 3.35+, and not for key, unique, indexed or referenced columns
  rename_column = true,     -- 3.25+
  if_exists = true,
  column_if_exists = false,
  index_if_exists = true,
  alter_constraints = false,
  named_enums = false,      -- an Enum is a VARCHAR with a CHECK (luamig.ddl.schema_types)
  native_enums = false,
  native_boolean = false,   -- BOOLEAN is a name; Boolean{create_constraint = true} adds CHECK (x IN (0, 1))
  comments = false,         -- SQLite keeps no comments; they are dropped silently
  option_prefix = "sqlite",
  pk_autoincrement_sql = "AUTOINCREMENT",
  -- 1/0 rather than TRUE/FALSE, which SQLite before 3.23 does not know.
  boolean_literals = { [true] = "1", [false] = "0" },
  database_file = true,
  -- luamig drop removes these with the file: its journals and luamig's lock
  -- file (luamig.lock.sqlite).
  database_file_companions = { "-journal", "-wal", "-shm", "-luamig-lock" },
  rebuilds_tables = true,
  catalog_schemas = false,
  table_exists_sql = "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
  -- No server sessions: the lock (a file lock held by the process) proves
  -- that whoever held it before is gone.
  -- No lock_timeout or statement_timeout (luamig.context.ddl_lock): a
  -- statement waits for another connection's write lock as long as the
  -- URL's ?busy_timeout=MS says, and the options change nothing.
})

M.types = base.derive(Base.types, {
  DateTime = "DATETIME",   -- no zoned type: timezone is the application's business
  Time = "TIME",
  Timestamp = "TIMESTAMP",
  Uuid = "CHAR(36)",       -- the text form, dashes included
  Interval = base.no_type("INTERVAL", "store a number of seconds in an Integer or Float column"),
  JSONB = base.no_type("JSONB", "use JSON"),
  ARRAY = base.no_type("ARRAY", "use JSON"),
  Enum = function(_, t) return string.format("VARCHAR(%d)", t.length) end,
})

local function batch_advice(tbl)
  return string.format("use op.batch_alter_table(%q, function(batch) ... end) (batch mode)", tbl)
end
M.batch_advice = batch_advice

-- What SQLite's ALTER TABLE cannot do (see compile_alter_column and
-- add_column_info below, and the constraint operations).
local CONSTRAINT_KINDS = {
  create_primary_key = "a PRIMARY KEY", create_unique_constraint = "a UNIQUE", create_check_constraint = "a CHECK",
  create_foreign_key = "a FOREIGN KEY", drop_constraint = true,
}

function M:needs_batch(rec)
  local kind = rec.kind
  if CONSTRAINT_KINDS[kind] then return true end
  if kind == "alter_column" then
    return rec.nullable ~= nil or rec.type_ ~= nil or rec.server_default ~= nil
  end
  if kind == "add_column" then
    local col = rec.column
    return col.primary_key or col.autoincrement == true or (col.unique and not col.index) or false
  end
  return false
end

-- The foreign keys a record creates: {table, schema, columns} of each
-- parent.
local function parents_of(rec)
  local out = {}
  if rec.kind == "add_column" then
    local ref = rec.column.references
    if ref then out[1] = { table = ref.table, schema = ref.schema, columns = { ref.column } } end
  elseif rec.kind == "create_table" then
    for _, col in ipairs(rec.columns or {}) do
      local ref = col.references
      if ref then out[#out + 1] = { table = ref.table, schema = ref.schema, columns = { ref.column } } end
    end
    for _, c in ipairs(rec.constraints or {}) do
      if c.kind == "foreign_key" then
        out[#out + 1] = { table = c.ref_table, schema = c.ref_schema, columns = c.ref_columns }
      end
    end
  end
  return out
end

--- After a record ran online: SQLite checks a foreign key's parent
-- columns only when a row is checked against it, so a misspelt referenced
-- column would pass at CREATE. PRAGMA foreign_key_check on the table says
-- "foreign key mismatch" for it (with foreign keys on or off); the parent
-- columns that do not exist are then named. query(sql) -> rows | nil, err.
-- Returns true | nil, msg.
function M:verify(rec, query)
  local parents = parents_of(rec)
  if #parents == 0 then return true end
  local function pragma(name, schema, tbl)
    return string.format("PRAGMA %s%s(%s)", schema and (self:quote(schema) .. ".") or "", name, self:quote(tbl))
  end
  local _, err = query(pragma("foreign_key_check", rec.schema, rec.table))
  if not err then return true end
  for _, p in ipairs(parents) do
    local have = {}
    for _, col in ipairs(query(pragma("table_info", p.schema, p.table)) or {}) do have[col.name] = true end
    for _, c in ipairs(p.columns or {}) do
      if not have[c] then
        return nil, string.format("%s: the foreign key of %s references column %s, which %s does not have", err,
          self:quote(rec.table), self:quote(c), self:quote(p.table))
      end
    end
  end
  return nil, err
end

function M:add_constraint_unsupported(rec)
  return nil, string.format("SQLite cannot add %s constraint%s to the existing table %s: %s",
    CONSTRAINT_KINDS[rec.kind], rec.name and " " .. self:quote(rec.name) or "", self:quote(rec.table),
    batch_advice(rec.table))
end

function M:compile_drop_constraint(rec)
  return nil, string.format("SQLite cannot drop constraint %s of %s: %s", self:quote(rec.name), self:quote(rec.table),
    batch_advice(rec.table))
end

function M:inline_primary_key(columns, autoinc)
  if not autoinc then return nil end
  local n = 0
  for _, col in ipairs(columns) do
    if col.primary_key then n = n + 1 end
  end
  if n > 1 then
    return nil, string.format("SQLite can autoincrement only a single INTEGER PRIMARY KEY column,"
      .. " and %s is part of a composite primary key", self:quote(autoinc.name))
  end
  return autoinc
end

-- Only a column declared exactly INTEGER is the rowid alias, so an
-- autoincrement BigInteger or SmallInteger key is written as INTEGER (the
-- rowid is 64-bit anyway).
function M:column_type_sql(col, info)
  if info.primary_key and info.autoincrement then return "INTEGER" end
  return Base.column_type_sql(self, col, info)
end

function M:add_column_info(col, rec, names)
  local what
  names = names or {}
  if col.primary_key then
    what = "a PRIMARY KEY"
  elseif col.autoincrement then
    what = "an autoincrement"
  elseif col.unique and not col.index then
    return nil, string.format("SQLite cannot ADD COLUMN %s to %s as UNIQUE: add it without unique = true"
      .. " and then op.create_index(name, %q, {%q}, {unique = true}), or %s", self:quote(col.name),
      self:quote(rec.table), rec.table, col.name, batch_advice(rec.table))
  end
  if what then
    return nil, string.format("SQLite cannot ADD COLUMN %s to %s as %s column: %s", self:quote(col.name),
      self:quote(rec.table), what, batch_advice(rec.table))
  end
  -- SQLite can't add a constraint later, but ADD COLUMN takes REFERENCES inline.
  return { references = true, fk_name = names.fk_name }
end

function M:compile_alter_column(rec)
  local changes = {}
  if rec.nullable ~= nil then changes[#changes + 1] = "nullable" end
  if rec.type_ ~= nil then changes[#changes + 1] = "type_" end
  if rec.server_default ~= nil then changes[#changes + 1] = "server_default" end
  for _, k in ipairs { "autoincrement", "identity", "server_onupdate" } do
    if rec[k] ~= nil then changes[#changes + 1] = k end
  end
  if #changes > 0 then
    return nil, string.format("SQLite cannot ALTER COLUMN %s of %s (%s): %s", self:quote(rec.column),
      self:quote(rec.table), table.concat(changes, ", "), batch_advice(rec.table))
  end
  if rec.new_column_name then return { self:rename_column_sql(rec) } end
  return {}
end

-- SQLite takes INITIALLY only after DEFERRABLE; alone, INITIALLY DEFERRED
-- means a deferrable key (as on PostgreSQL), and DEFERRABLE INITIALLY
-- IMMEDIATE checks at once as a key that is not deferrable does.
function M:fk_options_sql(fk)
  if fk.initially and fk.deferrable == nil then
    local o = {}
    for k, v in pairs(fk) do o[k] = v end
    o.deferrable = true
    fk = o
  end
  return Base.fk_options_sql(self, fk)
end

-- An Identity is the rowid key (INTEGER PRIMARY KEY); SQLite cannot ADD a
-- STORED generated column to a table.
function M:generated_refused(col, rec)
  if col.identity then return self:identity_options_refused(col, {}, "the rowid key (INTEGER PRIMARY KEY)") end
  if col.computed and col.computed.persisted and rec.kind == "add_column" then
    return string.format("SQLite cannot add a STORED generated column (%s) to an existing table: use persisted ="
      .. " false (VIRTUAL), or %s", self:quote(col.name), batch_advice(rec.table))
  end
  return nil
end

-- SQLite keeps a table's CREATE text as written, and other tools read
-- constraint names from it: SQLAlchemy's inspector finds a PRIMARY KEY's
-- or FOREIGN KEY's name only unquoted (CONSTRAINT (\w+)). So a name that
-- needs no quotes (a plain identifier, not a keyword) is written bare.
local KEYWORDS = {}
for w in ([[ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY
  CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
  CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE
  EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
  GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY
  LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER
  OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME
  REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO
  TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH
  WITHOUT]]):gmatch("%S+") do KEYWORDS[w] = true end

function M:constraint_name_sql(name)
  if name:find("^[%a_][%w_]*$") and not KEYWORDS[string.upper(name)] then return name end
  return self:quote(name)
end

function M:collation_sql(name) return name end  -- NOCASE, RTRIM, BINARY

-- The affinity SQLite gives a column declared `type_text` (its rules, in
-- their order: https://sqlite.org/datatype3.html, 3.1).
local function affinity(type_text)
  local t = string.upper(type_text or "")
  if t:find("INT", 1, true) then return "INTEGER" end
  if t:find("CHAR", 1, true) or t:find("CLOB", 1, true) or t:find("TEXT", 1, true) then return "TEXT" end
  if t:find("BLOB", 1, true) or not t:find("%S") then return "BLOB" end
  if t:find("REAL", 1, true) or t:find("FLOA", 1, true) or t:find("DOUB", 1, true) then return "REAL" end
  return "NUMERIC"
end
M.affinity = affinity

--- What a batch rebuild selects to copy `column` (quoted) from a column
-- declared `old_type` into one declared `new_type`: CAST(column AS
-- new_type) when the type's kind changes (as Alembic casts when the
-- generic type changes: '8.5' into an INTEGER column becomes 8, not 8.5),
-- else the column as it is. Not into a NUMERIC-affinity type (NUMERIC,
-- DECIMAL, DATE, DATETIME, BOOLEAN, JSON): its affinity already turns every
-- well-formed number into one, where a CAST would cut any other text to
-- its numeric prefix ('2024-05-01' to 2024).
function M:copy_expression(column, old_type, new_type)
  local to = affinity(new_type)
  if to == "NUMERIC" or to == affinity(old_type) then return column end
  return string.format("CAST(%s AS %s)", column, new_type)
end

-- SQLite's schema is the attached database: it prefixes the index name, and
-- the table must be in that same database.
function M:index_target_sql(rec)
  return self:qualify(rec.name, rec.schema), self:quote(rec.table)
end

return M
