-- luamig.ddl.mysql: MySQL's (and MariaDB's) differences from the base compiler.
--
-- MySQL's DDL commits implicitly, quotes names with backticks, reads
-- backslashes in string literals as escapes, and changes a column only by
-- restating its whole definition (MODIFY / CHANGE): what the revision does
-- not restate is lost, so alter_column needs existing_type and
-- existing_nullable and says so when they are missing. Constraints are
-- dropped by kind (DROP FOREIGN KEY, DROP INDEX...), so drop_constraint
-- needs its type_.

local base = require("luamig.ddl.base")
local types = require("luamig.schema.types")
local fk_options = require("luamig.schema.fk_options")

local is_sql = types.is_sql

local Base = base.Dialect

local M = base.derive(Base, {
  name = "mysql",
  display_name = "MySQL",
  transactional_ddl = false,
  alter_column = true,
  drop_column = true,
  rename_column = true,     -- RENAME COLUMN: MySQL 8.0+, MariaDB 10.5+
  if_exists = true,
  column_if_exists = false, -- MariaDB has them (luamig.ddl.mariadb), MySQL does not
  index_if_exists = false,
  constraint_if_exists = false,
  alter_constraints = true,
  named_enums = false,      -- ENUM('a', 'b') is part of the column
  comments = "inline",
  column_onupdate = true,
  named_column_checks = false, -- MariaDB names only table-level CHECKs
  script_delimiter = true,  -- --sql: a compound statement goes between DELIMITER lines (the mysql client)
  option_prefix = "mysql",
  max_identifier_length = 64,
  auto_increment_sql = "AUTO_INCREMENT",
  boolean_literals = { [true] = "1", [false] = "0" },
  bulk_fast_path = "load_data",
  move_with_close = true,    -- UPDATE <version table> AS v, <history table> AS h (luamig.context.versions)
  default_row_sql = "() VALUES ()",
  unique_is_index = true,    -- MySQL has no unique constraint apart from a unique index
  fk_makes_index = true,
  restrict_is_default = true,
  -- Batch mode's column order (luamig.ops.batch.reorder): MODIFY COLUMN
  -- ... FIRST | AFTER moves columns in place.
  column_order = "modify",
  column_names_sql = "SELECT column_name AS name FROM information_schema.columns"
    .. " WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position",
  table_exists_sql = "SELECT 1 AS found FROM information_schema.tables"
    .. " WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
  session_id_sql = "SELECT CONNECTION_ID() AS id",
  -- luamig create: in the character set luamig's sessions use, whatever
  -- the server's default (latin1 on older servers).
  create_database_sql = "CREATE DATABASE %s CHARACTER SET utf8mb4",
  database_exists_sql = "SELECT 1 AS found FROM information_schema.schemata WHERE schema_name = ?",
  -- without the PROCESS privilege a user sees only its own sessions:
  -- luamig's runs share one user as a rule
  session_alive_sql = "SELECT 1 AS found FROM information_schema.processlist WHERE id = ?",
  -- ddl_lock_timeout and statement_timeout (luamig.context.ddl_lock), set
  -- for the run's session and reset after it. DDL waits for the table's
  -- metadata lock, which lock_wait_timeout bounds (whole seconds); a wait
  -- that runs out is 1205 and the server did nothing: the statement is
  -- run again. MySQL's max_execution_time (ms) stops SELECTs only.
  lock_timeout = { set = "SET SESSION lock_wait_timeout = %s", reset = "SET SESSION lock_wait_timeout = DEFAULT",
    scale = 1, whole = "lock_wait_timeout takes whole seconds", not_granted = { code = 1205 } },
  statement_timeout = { set = "SET SESSION max_execution_time = %s",
    reset = "SET SESSION max_execution_time = DEFAULT", scale = 1000 },
})

function M.is_default_name(_, kind, table_name, entry)
  local name = entry.name
  if kind == "primary_key" then return name == "PRIMARY" end
  if kind == "unique" then return name == entry.columns[1] end
  if kind == "foreign_key" then return name:match("^" .. table_name:gsub("%p", "%%%0") .. "_ibfk_%d+$") ~= nil end
  return false
end

M.types = base.derive(Base.types, {
  String = function(self, t, column_name)
    if not t.length then
      return nil, string.format("MySQL needs a length for VARCHAR: column %s is String without one;"
        .. " use String(n), e.g. String(255), or Text", self:quote(column_name or "?"))
    end
    return string.format("VARCHAR(%d)", t.length)
  end,
  Text = base.with_length("TEXT"),
  Boolean = "BOOL",          -- MySQL's alias of TINYINT(1)
  -- TIMESTAMP would end in 2038; MySQL has no zoned type. precision: the
  -- fractional seconds digits (fsp).
  DateTime = function(_, t) return t.precision and string.format("DATETIME(%d)", t.precision) or "DATETIME" end,
  Time = function(_, t) return t.precision and string.format("TIME(%d)", t.precision) or "TIME" end,
  -- Timestamp asks for MySQL's own TIMESTAMP (stored in UTC, converted to
  -- the session's zone), which has no zone clause.
  Timestamp = function(_, t) return t.precision and string.format("TIMESTAMP(%d)", t.precision) or "TIMESTAMP" end,
  -- Plain BLOB stops at 64 KiB; a length picks the smallest BLOB that fits.
  LargeBinary = function(_, t)
    if t.length then return string.format("BLOB(%d)", t.length) end
    return "LONGBLOB"
  end,
  Uuid = "CHAR(36)",         -- the text form, dashes included
  Interval = base.no_type("INTERVAL", "store a number of seconds in an Integer or Numeric column"),
  JSONB = base.no_type("JSONB", "use JSON"),
  ARRAY = base.no_type("ARRAY", "use JSON"),
  Enum = function(self, t)
    if t.native_enum == false then return string.format("VARCHAR(%d)", t.length) end
    local vals = {}
    for i, v in ipairs(t.values) do vals[i] = self:string_literal(v) end
    return "ENUM(" .. table.concat(vals, ", ") .. ")"
  end,
})

function M:quote(name)
  if not name:find("`", 1, true) then return "`" .. name .. "`" end  -- as base.lua's
  return "`" .. name:gsub("`", "``") .. "`"
end

function M:string_literal(s)
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "''") .. "'"
end

function M:collation_sql(name) return name end
function M:charset_sql(name) return "CHARACTER SET " .. name end

-- An Identity's start is the table's AUTO_INCREMENT counter; mysql_engine,
-- mysql_charset and mysql_collate are create_table's options, as in Alembic.
function M:table_options_sql(rec)
  local s = ""
  if rec.mysql_engine then s = s .. " ENGINE=" .. rec.mysql_engine end
  if rec.mysql_charset then s = s .. " DEFAULT CHARSET=" .. rec.mysql_charset end
  if rec.mysql_collate then s = s .. " COLLATE=" .. rec.mysql_collate end
  for _, col in ipairs(rec.columns or {}) do
    if col.identity and col.identity.start then s = s .. " AUTO_INCREMENT=" .. col.identity.start end
  end
  if rec.comment then s = s .. " COMMENT=" .. self:literal(rec.comment) end
  return s
end

-- An Identity is an AUTO_INCREMENT key; only a new table can say where it
-- starts (the table option above).
function M:generated_refused(col, rec)
  if col.identity then
    return self:identity_options_refused(col, { start = rec.kind == "create_table" }, "an AUTO_INCREMENT key")
  end
  return nil
end

-- InnoDB checks every foreign key at once (none is deferrable), and a
-- MATCH clause makes it ignore ON DELETE and ON UPDATE: refused, by name,
-- rather than written and silently not done. deferrable = false and
-- initially = "IMMEDIATE" say what InnoDB does anyway, and are left out.
function M:fk_options_refused(fk)
  local what
  if fk.deferrable then what = "deferrable = true"
  elseif fk.initially == "DEFERRED" then what = 'initially = "DEFERRED"' end
  if what then
    return string.format("MySQL has no deferrable foreign keys (%s): InnoDB checks each one at once; drop the"
      .. " option", what)
  end
  if fk.match then
    return string.format('MySQL ignores MATCH (match = "%s"), and a MATCH clause makes InnoDB ignore the key\'s ON'
      .. " DELETE and ON UPDATE: drop the option (InnoDB treats a key with a NULL column as MATCH SIMPLE does)",
      fk.match)
  end
  return nil
end

function M:fk_options_sql(fk)
  return Base.fk_options_sql(self, { ondelete = fk.ondelete, onupdate = fk.onupdate })
end

-- InnoDB ignores an inline REFERENCES, so the foreign key is its own clause
-- of the same ALTER TABLE; so is a named UNIQUE (a column definition takes
-- no CONSTRAINT name). The primary key is always called PRIMARY.
function M:add_column_info(col, rec, names)
  local info = Base.add_column_info(self, col, rec, names)
  info.references, info.pk_name = false, nil
  local extra = {}
  if info.unique and info.unique_name then
    info.unique = false
    extra[#extra + 1] = ", ADD " .. self:constraint_sql({ kind = "unique", name = info.unique_name, columns = { col.name } })
  end
  local ref = col.references
  if ref then
    extra[#extra + 1] = ", ADD " .. self:constraint_sql(fk_options.copy(ref, { kind = "foreign_key",
      name = ref.name or info.fk_name, columns = { col.name }, ref_table = ref.table, ref_schema = ref.schema,
      ref_columns = { ref.column } }))
  end
  if #extra > 0 then info.extra = table.concat(extra) end
  return info
end

-- Unqualified, the new name would move the table to the current database.
function M:compile_rename_table(rec)
  return { string.format("ALTER TABLE %s RENAME TO %s", self:qualify(rec.table, rec.schema),
    self:qualify(rec.new_name, rec.schema)) }
end

local function first_non_nil(a, b)
  if a == nil then return b end
  return a
end

-- A default that carries its own ON UPDATE clause (sql "CURRENT_TIMESTAMP ON
-- UPDATE CURRENT_TIMESTAMP"): ALTER COLUMN ... SET DEFAULT cannot take it.
local function has_on_update(v)
  return is_sql(v) and string.upper(v.text):find("ON%s+UPDATE") ~= nil
end

-- Whether MySQL must restate the whole column (MODIFY / CHANGE) for `rec`:
-- a default or a name alone changes without it.
local function restates(rec)
  return rec.type_ ~= nil or rec.nullable ~= nil or rec.comment ~= nil or rec.autoincrement ~= nil
    or rec.identity ~= nil or rec.server_onupdate ~= nil or has_on_update(rec.server_default)
end

-- MariaDB 10.2.7+ reports a column's default as SQL ('abc', 5,
-- current_timestamp(), NULL for DEFAULT NULL); MySQL 8 reports a literal
-- unquoted and marks an expression DEFAULT_GENERATED in EXTRA.
local function reported_default(value, extra, mariadb)
  if type(value) ~= "string" or value == "NULL" then return nil end
  if mariadb then return types.sql(value) end
  if string.find(extra, "DEFAULT_GENERATED", 1, true) then
    return types.sql(value:find("^[%w_]+$") and value or ("(" .. value .. ")"))
  end
  return value
end

--- Online, before an alter_column that restates the column is compiled:
-- the column's current definition, read from the server, for each
-- existing_* the revision did not give, so that MODIFY keeps the type,
-- nullability, default, comment, AUTO_INCREMENT and ON UPDATE it does not
-- change (Alembic drops what it is not told). Returns the record, a copy
-- when something was filled in | nil, msg.
function M:complete(rec, query)
  if rec.kind ~= "alter_column" or not restates(rec) then return rec end
  local rows, err = query(string.format("SELECT COLUMN_TYPE AS coltype, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS"
    .. " dflt, COLUMN_COMMENT AS comment, EXTRA AS extra, VERSION() AS version FROM information_schema.COLUMNS"
    .. " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND COLUMN_NAME = %s",
    rec.schema and self:literal(rec.schema) or "DATABASE()", self:literal(rec.table), self:literal(rec.column)))
  if not rows then return nil, err end
  local col = rows[1]
  if not col then
    return nil, string.format("table %s has no column %s", self:qualify(rec.table, rec.schema), self:quote(rec.column))
  end
  local extra = type(col.extra) == "string" and col.extra or ""
  local lower = string.lower(extra)
  local found = {
    existing_type = types.Type(col.coltype),
    existing_nullable = col.nullable == "YES",
    existing_server_default = reported_default(col.dflt, extra, string.find(col.version, "MariaDB", 1, true)),
    existing_comment = type(col.comment) == "string" and col.comment ~= "" and col.comment or nil,
    existing_autoincrement = lower:find("auto_increment", 1, true) ~= nil,
    existing_server_onupdate = lower:find("on update ", 1, true) and types.sql(extra:match("[Oo][Nn] [Uu][Pp][Dd][Aa][Tt][Ee] (.*)$")),
  }
  local out = {}
  for k, v in pairs(rec) do out[k] = v end
  for k, v in pairs(found) do
    if out[k] == nil then out[k] = v end
  end
  return out
end

function M:compile_alter_column(rec)
  local tname = self:qualify(rec.table, rec.schema)
  if rec.using then
    return self:unsupported("ALTER COLUMN ... USING", "convert the data with op.execute around the type change")
  end
  if not restates(rec) then
    local out = {}
    local prefix = string.format("ALTER TABLE %s ALTER COLUMN %s ", tname, self:quote(rec.column))
    if rec.server_default == false then
      out[#out + 1] = prefix .. "DROP DEFAULT"
    elseif rec.server_default ~= nil then
      out[#out + 1] = prefix .. "SET DEFAULT " .. self:literal(rec.server_default)
    end
    if rec.new_column_name then out[#out + 1] = self:rename_column_sql(rec) end
    return out
  end
  local coltype = rec.type_ or rec.existing_type
  local nullable = first_non_nil(rec.nullable, rec.existing_nullable)
  local missing = {}
  if not coltype then missing[#missing + 1] = "existing_type = <its current type, e.g. String(50)>" end
  if nullable == nil then missing[#missing + 1] = "existing_nullable = true or false" end
  if #missing > 0 then
    return nil, string.format("MySQL must restate the whole column to alter %s of %s (ALTER TABLE ... MODIFY):"
      .. " pass %s (online luamig reads them from the database; a --sql script cannot)", self:quote(rec.column),
      self:quote(rec.table), table.concat(missing, " and "))
  end
  -- An Identity given to alter_column is AUTO_INCREMENT on (null: off),
  -- as in a new column.
  local autoincrement = rec.autoincrement
  if rec.identity then
    local refused = self:identity_options_refused({ name = rec.column, identity = rec.identity }, {},
      "an AUTO_INCREMENT key")
    if refused then return nil, refused end
  end
  if rec.identity ~= nil then autoincrement = rec.identity ~= false end
  local default = first_non_nil(rec.server_default, rec.existing_server_default)
  local onupdate = first_non_nil(rec.server_onupdate, rec.existing_server_onupdate)
  local comment = first_non_nil(rec.comment, rec.existing_comment)
  local def, err = self:column_sql({
    name = rec.new_column_name or rec.column, type = coltype, nullable = nullable,
    server_default = default ~= false and default or nil,
    server_onupdate = onupdate ~= false and onupdate or nil,
    comment = comment ~= false and comment or nil,
  }, { autoincrement = first_non_nil(autoincrement, rec.existing_autoincrement) == true, type_check = false })
  if not def then return nil, err end
  local before, after = self:type_change_checks(rec)
  if not before then return nil, after end
  local out = before
  if rec.new_column_name then
    out[#out + 1] = string.format("ALTER TABLE %s CHANGE COLUMN %s %s", tname, self:quote(rec.column), def)
  else
    out[#out + 1] = string.format("ALTER TABLE %s MODIFY COLUMN %s", tname, def)
  end
  for _, sql in ipairs(after) do out[#out + 1] = sql end
  return out
end

-- MySQL 8.0.13+ takes an expression as an index part only in parentheses.
function M:index_element_sql(e)
  if is_sql(e) then return "(" .. e.text .. ")" end
  return self:quote(e)
end

local function if_exists(rec) return rec.if_exists and "IF EXISTS " or "" end

local DROP_BY_TYPE = {
  foreignkey = function(self, rec) return "DROP FOREIGN KEY " .. if_exists(rec) .. self:quote(rec.name) end,
  primary = function() return "DROP PRIMARY KEY" end,
  unique = function(self, rec) return "DROP INDEX " .. if_exists(rec) .. self:quote(rec.name) end,
  -- MySQL 8.0.19+ and MariaDB 10.2+; MySQL 8.0.16-18 only knew DROP CHECK.
  check = function(self, rec) return "DROP CONSTRAINT " .. if_exists(rec) .. self:quote(rec.name) end,
}

function M:compile_drop_constraint(rec)
  local drop = DROP_BY_TYPE[rec.type_]
  if not drop then
    return nil,
      string.format("MySQL drops a constraint by its type: op.drop_constraint(%q, %q, {type_ = \"foreignkey\"})"
      .. " (or \"primary\", \"unique\", \"check\")", rec.name, rec.table)
  end
  if rec.if_exists and (not self.constraint_if_exists or rec.type_ == "primary") then
    return self:unsupported("DROP ... IF EXISTS of a constraint" .. (rec.type_ == "primary" and " (PRIMARY KEY)" or ""),
      "drop if_exists, or check the constraint first (op.inspect())")
  end
  return { string.format("ALTER TABLE %s %s", self:qualify(rec.table, rec.schema), drop(self, rec)) }
end

function M:compile_drop_index(rec)
  if rec.if_exists and not self.index_if_exists then
    return self:unsupported("DROP INDEX IF EXISTS", "drop if_exists, or check the index first")
  elseif not rec.table then
    return nil, string.format("MySQL drops an index by its table: op.drop_index(%q, \"<table>\")", rec.name)
  end
  return { string.format("DROP INDEX %s%s ON %s", if_exists(rec), self:quote(rec.name),
    self:qualify(rec.table, rec.schema)) }
end

return M
