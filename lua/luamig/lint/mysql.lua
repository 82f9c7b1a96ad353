-- luamig.lint.mysql: MySQL's and MariaDB's online DDL rules (InnoDB).
--
-- An ALTER TABLE runs as INSTANT (metadata only), INPLACE (no copy;
-- concurrent DML allowed unless said otherwise) or COPY (the table copied
-- row by row, writes blocked: LOCK=SHARED at best). What luamig flags, from
-- the MySQL 8.0 manual ("Online DDL Operations") and MariaDB's ("InnoDB
-- Online DDL Operations with the INSTANT/INPLACE/NOCOPY Alter Algorithm"):
--
--   statement                                  algorithm, lock         rule
--   MODIFY/CHANGE with a new data type         COPY, SHARED            mysql-column-type-copy
--     (except VARCHAR(m)->VARCHAR(n), n >= m,
--      when both lengths fit the same 1- or
--      2-byte length prefix: INPLACE, NONE)
--   DROP PRIMARY KEY without ADD PRIMARY KEY   COPY, SHARED            mysql-drop-primary-key
--   ADD FOREIGN KEY, foreign_key_checks = 1    COPY, SHARED            mysql-fk-copy
--   ADD COLUMN ... AUTO_INCREMENT              INPLACE, SHARED         mysql-auto-increment-column
--   ADD COLUMN ... AS (expr) STORED            COPY, SHARED            mysql-stored-generated
--   CONVERT TO CHARACTER SET                   COPY, SHARED            mysql-convert-charset
--   CREATE FULLTEXT / SPATIAL INDEX            INPLACE, SHARED         mysql-fulltext-spatial-index
--   ADD COLUMN ... FIRST / AFTER               INSTANT on MySQL >= 8.0.29 and MariaDB >= 10.4;
--                                              before: INPLACE with a rebuild, NONE
--                                                                      mysql-add-column-position
-- Everything else luamig writes (ADD COLUMN last, DROP COLUMN, indexes,
-- RENAME, SET/DROP DEFAULT) is INSTANT or INPLACE with LOCK=NONE.

local sql = require("luamig.lint.sql")
local common = require("luamig.lint.common")

local existing = common.existing
local M = {}

-- The character count whose utf8mb4 bytes (4 each) still fit a 1-byte
-- length prefix.
local ONE_BYTE_CHARS = 63

-- Whether a MODIFY/CHANGE changes the column's type in a way InnoDB must
-- copy: the record's type_ against its existing_type.
local function type_copy(st)
  local r = st.record
  if not (r and r.kind == "alter_column" and r.type_) then return false end
  if not sql.action_is(st, "MODIFY", "CHANGE") then return false end
  local new = st.dialect_type(r.type_)
  local old = r.existing_type and st.dialect_type(r.existing_type)
  if not new or not old then return true end
  new, old = new:upper(), old:upper()
  if new == old then return false end
  local n, m = tonumber(new:match("^VARCHAR%((%d+)%)")), tonumber(old:match("^VARCHAR%((%d+)%)"))
  if n and m and n >= m and ((n <= ONE_BYTE_CHARS) == (m <= ONE_BYTE_CHARS)) then return false end
  return true
end

local function adds_column(st)
  return sql.action_is(st, "ADD COLUMN") or (sql.action_is(st, "ADD") and not sql.action_is(st, "ADD CONSTRAINT",
    "ADD PRIMARY", "ADD UNIQUE", "ADD INDEX", "ADD KEY", "ADD FOREIGN", "ADD FULLTEXT", "ADD SPATIAL", "ADD CHECK"))
end

-- ALTER TABLE statements and what InnoDB does with them, for the rules
-- and for plan: { algorithm, lock, rule } or nil (INSTANT/INPLACE, NONE).
local function classify(st, state)
  local a = st.action_up or ""
  if st.verb == "create_index" then
    if st.up:find("^CREATE%s+FULLTEXT") or st.up:find("^CREATE%s+SPATIAL") then
      return { algorithm = "INPLACE", lock = "SHARED", rule = "mysql-fulltext-spatial-index" }
    end
    return { algorithm = "INPLACE", lock = "NONE" }
  end
  if st.verb ~= "alter_table" then return nil end
  if type_copy(st) then return { algorithm = "COPY", lock = "SHARED", rule = "mysql-column-type-copy" } end
  if a:find("DROP%s+PRIMARY%s+KEY") and not a:find("ADD%s+PRIMARY%s+KEY") then
    return { algorithm = "COPY", lock = "SHARED", rule = "mysql-drop-primary-key" }
  end
  if a:find("FOREIGN%s+KEY") and sql.action_is(st, "ADD") then
    local checks = state.settings.foreign_key_checks
    if checks == "0" or checks == "OFF" then return { algorithm = "INPLACE", lock = "NONE" } end
    return { algorithm = "COPY", lock = "SHARED", rule = "mysql-fk-copy" }
  end
  if a:find("CONVERT%s+TO%s+CHARACTER%s+SET") then
    return { algorithm = "COPY", lock = "SHARED", rule = "mysql-convert-charset" }
  end
  if adds_column(st) then
    if a:find("%sAS%s*%(.*%)%s*STORED") then return { algorithm = "COPY", lock = "SHARED", rule = "mysql-stored-generated" } end
    if a:find("AUTO_INCREMENT") then
      return { algorithm = "INPLACE", lock = "SHARED", rule = "mysql-auto-increment-column" }
    end
    if a:find("%sFIRST%s*$") or a:find("%sAFTER%s+%S+%s*$") then
      return { algorithm = "INSTANT (MySQL >= 8.0.29, MariaDB >= 10.4) or INPLACE with a rebuild", lock = "NONE",
        rule = "mysql-add-column-position" }
    end
    return { algorithm = "INSTANT", lock = "NONE" }
  end
  if sql.action_is(st, "DROP COLUMN") then return { algorithm = "INSTANT (MySQL >= 8.0.29) or INPLACE", lock = "NONE" } end
  if sql.action_is(st, "RENAME", "ALTER COLUMN") then return { algorithm = "INSTANT", lock = "NONE" } end
  return { algorithm = "INPLACE", lock = "NONE" }
end

-- A rule that fires when classify() names it.
local function classified(id, severity, summary, fix, what)
  return { id = id, severity = severity, summary = summary, fix = fix,
    check = function(st, state)
      if not existing(st, state) then return nil end
      local c = classify(st, state)
      if c and c.rule == id then
        return string.format("%s on %s runs as ALGORITHM=%s, LOCK=%s", what, st.table, c.algorithm, c.lock)
      end
    end }
end

M.rules = {
  classified("mysql-column-type-copy", "error", "a column type change copies the table",
    "add a column of the new type and backfill it, or use an online schema change tool (gh-ost, pt-osc); give"
      .. " existing_type so that a VARCHAR extension can be told apart", "changing a column's type"),
  classified("mysql-drop-primary-key", "error", "dropping the primary key copies the table",
    "drop and add the primary key in one ALTER TABLE (INPLACE), or use an online schema change tool",
    "DROP PRIMARY KEY"),
  classified("mysql-fk-copy", "error", "ADD FOREIGN KEY with foreign_key_checks on copies the table",
    "op.execute(\"SET foreign_key_checks = 0\") before it (INPLACE; the existing rows are then not checked)",
    "ADD FOREIGN KEY"),
  classified("mysql-convert-charset", "error", "CONVERT TO CHARACTER SET copies the table",
    "use an online schema change tool (gh-ost, pt-osc)", "CONVERT TO CHARACTER SET"),
  classified("mysql-stored-generated", "error", "adding a STORED generated column copies the table",
    "add it VIRTUAL (INSTANT), or use an online schema change tool", "ADD COLUMN ... STORED"),
  classified("mysql-auto-increment-column", "error", "adding an AUTO_INCREMENT column blocks writes",
    "use an online schema change tool, or add it in a maintenance window", "ADD COLUMN ... AUTO_INCREMENT"),
  classified("mysql-fulltext-spatial-index", "warning", "a FULLTEXT or SPATIAL index blocks writes while it builds",
    "build it in a maintenance window or with an online schema change tool", "CREATE FULLTEXT/SPATIAL INDEX"),
  classified("mysql-add-column-position", "warning", "ADD COLUMN FIRST/AFTER rebuilds the table before MySQL 8.0.29",
    "add the column last, or make sure the servers are MySQL >= 8.0.29 / MariaDB >= 10.4 (then suppress with that"
      .. " reason)", "ADD COLUMN ... FIRST/AFTER"),
}

--- For plan: the algorithm and lock of each ALTER TABLE / CREATE INDEX.
function M.locks(st, state)
  local c = classify(st, state)
  if not c then return {} end
  return { { table = st.table, algorithm = c.algorithm, lock = c.lock } }
end

return M
