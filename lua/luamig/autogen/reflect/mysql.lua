-- luamig.autogen.reflect.mysql: the snapshot (luamig.autogen.snapshot) of
-- the current MySQL / MariaDB database, read from information_schema.
--
-- What is read, each by one query for the whole database (five in all,
-- however many tables there are: a query per table would make
-- autogenerate slow on a large schema, and information_schema is slow
-- enough per query on MySQL):
--   TABLES             base tables of DATABASE() (not views), comments;
--   COLUMNS            COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA
--                      (auto_increment), COLUMN_COMMENT, in column order;
--   STATISTICS         indexes: PRIMARY is the primary key, the others are
--                      indexes, unique keys included (unique = true);
--   KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS
--                      foreign keys, columns in order, with their rules;
--   CHECK_CONSTRAINTS  named check constraints.
-- Rows are grouped by table here; tables of opts.exclude are left out.
--
-- Normalisations (see also the conventions in snapshot.lua):
--   * COLUMN_TYPE becomes the luamig type that luamig's mysql dialect
--     writes as SQL the server reports back with the same COLUMN_TYPE
--     (int(11) -> Integer, tinyint(1) -> Boolean, double -> Float(53),
--     blob -> LargeBinary(65535), char(36) -> Uuid, ...); integer display
--     widths are dropped; what luamig has no type for is Type("...") in
--     upper case. The server's own text stays in `type_text`.
--   * MariaDB's JSON is LONGTEXT with a column-level CHECK (json_valid(`c`))
--     named after the column: such a column is JSON and the check is not
--     listed.
--   * Defaults are SQL text as MariaDB reports them ('abc', 5,
--     current_timestamp()); the text NULL and SQL NULL are no default.
--     MySQL reports literals unquoted, so they are quoted here.
--   * The primary key has no name (MySQL's is always PRIMARY); the index
--     the server made by itself for a foreign key (named after the
--     constraint, or after its first column when the constraint is
--     unnamed) is not listed; RESTRICT and NO ACTION rules are nil.
--   * A foreign key to a table of another database has `ref_schema`.
--   * A generated column has `computed` (GENERATION_EXPRESSION, persisted
--     when EXTRA says STORED) and no default; a collation other than the
--     table's (TABLE_COLLATION, kept as `default_collation`) is the
--     String's or Text's; datetime(n) / time(n) carry precision.
--   * A non-native Enum's CHECK (`s` in ('a','b')) makes the column an
--     Enum again (luamig.autogen.reflect.type_checks).
-- Not in the snapshot: index prefix lengths (KEY (name(10)) reads as
-- name), FULLTEXT/SPATIAL kinds.

local driver = require("luamig.driver")
local snapshot = require("luamig.autogen.snapshot")
local types = require("luamig.schema.types")
local mysql_dialect = require("luamig.ddl.mysql")
local type_checks = require("luamig.autogen.reflect.type_checks")

local null = driver.null

local M = {}

-- The queries. `%s` in STATISTICS is the index expression column, which
-- only MySQL 8.0.13+ has (MariaDB: NULL); CHECK_CONSTRAINTS has TABLE_NAME
-- on MariaDB only, MySQL's check names are unique per database instead.
local TABLES_SQL = "SELECT TABLE_NAME AS tbl, TABLE_COMMENT AS comment, TABLE_COLLATION AS collation"
  .. " FROM information_schema.TABLES"
  .. " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"

local COLUMNS_SQL = "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type,"
  .. " IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra, COLUMN_COMMENT AS comment,"
  .. " COLLATION_NAME AS collation, GENERATION_EXPRESSION AS expr"
  .. " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
  .. " ORDER BY TABLE_NAME, ORDINAL_POSITION"

local STATISTICS_SQL = "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS non_unique,"
  .. " COLUMN_NAME AS col, %s AS expr FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
  .. " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"

-- A foreign key's columns (KEY_COLUMN_USAGE, the rows with a referenced
-- table) and its rules (REFERENTIAL_CONSTRAINTS, a row with pos 0) come as
-- one list rather than joined: both are made on the fly from the
-- tables' definitions, and MariaDB joins them by comparing every pair of
-- rows, which on a thousand keys took most of the reflection.
local FOREIGN_KEYS_SQL = "SELECT DATABASE() AS db, TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col,"
  .. " REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_table,"
  .. " REFERENCED_COLUMN_NAME AS ref_col, NULL AS onupdate, NULL AS ondelete, ORDINAL_POSITION AS pos"
  .. " FROM information_schema.KEY_COLUMN_USAGE"
  .. " WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL"
  .. " UNION ALL SELECT DATABASE(), TABLE_NAME, CONSTRAINT_NAME, NULL, NULL, NULL, NULL, UPDATE_RULE, DELETE_RULE, 0"
  .. " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
  .. " ORDER BY tbl, name, pos"

local CHECKS_SQL = {
  mariadb = "SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause"
    .. " FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
  mysql = "SELECT t.TABLE_NAME AS tbl, c.CONSTRAINT_NAME AS name, c.CHECK_CLAUSE AS clause"
    .. " FROM information_schema.CHECK_CONSTRAINTS c JOIN information_schema.TABLE_CONSTRAINTS t"
    .. " ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME"
    .. " AND t.CONSTRAINT_TYPE = 'CHECK' WHERE c.CONSTRAINT_SCHEMA = DATABASE()",
}

-- A text column of information_schema: nil for SQL NULL and for ''.
local function text(v)
  if v == nil or v == null or v == "" then return nil end
  return v
end

-- Types ---------------------------------------------------------------------

local INTEGERS = {
  int = types.Integer, integer = types.Integer, bigint = types.BigInteger, smallint = types.SmallInteger,
  tinyint = "TINYINT", mediumint = "MEDIUMINT",
}

-- luamig writes LargeBinary(n) as BLOB(n), which the server turns into the
-- smallest BLOB that holds n bytes; a bare LargeBinary is LONGBLOB.
local BLOBS = {
  tinyblob = types.LargeBinary(255), blob = types.LargeBinary(65535),
  mediumblob = types.LargeBinary(16777215), longblob = types.LargeBinary,
}

local SIMPLE = {
  text = types.Text, float = types.Float, double = types.Float(53), date = types.Date,
  datetime = types.DateTime, time = types.Time, json = types.JSON,
}

-- The values of enum('a','b''c','d\\e'): quotes are doubled, backslashes
-- escaped (as luamig's own string literals).
local ESCAPES = { n = "\n", t = "\t", r = "\r", ["0"] = "\0", Z = "\26" }
local function enum_values(list)
  local values, i = {}, 1
  while i <= #list do
    if list:sub(i, i) ~= "'" then return nil end
    local buf = {}
    i = i + 1
    while true do
      local c = list:sub(i, i)
      if c == "" then return nil end
      if c == "'" and list:sub(i + 1, i + 1) == "'" then
        buf[#buf + 1], i = "'", i + 2
      elseif c == "'" then
        i = i + 1
        break
      elseif c == "\\" then
        local e = list:sub(i + 1, i + 1)
        buf[#buf + 1], i = ESCAPES[e] or e, i + 2
      else
        buf[#buf + 1], i = c, i + 1
      end
    end
    values[#values + 1] = table.concat(buf)
    if list:sub(i, i) == "," then i = i + 1 end
  end
  return values
end

-- The luamig type of a COLUMN_TYPE (the caller makes JSON of LONGTEXT).
local function column_type(column_type_text)
  local name, rest = column_type_text:match("^(%a+)(.*)$")
  if not name then return types.Type(column_type_text:upper()) end
  name = name:lower()
  local args, modifiers = rest:match("^%((.-)%)%s*(.*)$")
  if not args then args, modifiers = nil, rest:match("^%s*(.-)%s*$") end
  modifiers = modifiers:lower()

  if name == "enum" then
    local values = args and enum_values(rest:match("^%((.*)%)$") or "")
    if values and #values > 0 then return types.Enum(values) end
    return types.Type("ENUM" .. rest)
  elseif name == "set" then
    return types.Type("SET" .. rest)  -- the values keep their case
  elseif INTEGERS[name] and not modifiers:find("zerofill", 1, true) then
    local t = INTEGERS[name]
    if name == "tinyint" and args == "1" and modifiers == "" then return types.Boolean end
    if modifiers == "" and type(t) ~= "string" then return t end
    local sql = name == "integer" and "INT" or name:upper()
    return types.Type(modifiers == "" and sql or sql .. " " .. modifiers:upper())
  elseif modifiers == "" then
    if name == "varchar" and args then return types.String(tonumber(args)) end
    if name == "char" and args == "36" then return types.Uuid end
    if name == "decimal" and args then
      local p, s = args:match("^(%d+),(%d+)$")
      -- DECIMAL(p,0) is what NUMERIC(p) becomes (and a bare NUMERIC is
      -- DECIMAL(10,0): snapshot.type_aliases)
      if p and s == "0" then return types.Numeric(tonumber(p)) end
      if p then return types.Numeric(tonumber(p), tonumber(s)) end
    end
    if (name == "datetime" or name == "time") and args and args:match("^%d+$") then
      return (name == "datetime" and types.DateTime or types.Time) { precision = tonumber(args) }
    end
    if not args and BLOBS[name] then return BLOBS[name] end
    if not args and SIMPLE[name] then return SIMPLE[name] end
  end
  return types.Type(column_type_text:upper())
end

-- Defaults ------------------------------------------------------------------

local UNQUOTED = {  -- MySQL: the types whose default literal is not a string
  int = true, integer = true, bigint = true, smallint = true, tinyint = true, mediumint = true,
  decimal = true, float = true, double = true, bit = true, year = true,
}

-- The default of a column as SQL text, or nil. MariaDB (10.2.7+) reports
-- SQL: 'text', 5, current_timestamp(), and NULL for none. MySQL reports
-- the bare value and marks expressions DEFAULT_GENERATED in EXTRA.
local function bare_default(row, mariadb)
  local d = row.dflt
  if d == nil or d == null then return nil end
  if mariadb then
    if d == "NULL" then return nil end
    return d
  end
  local base = row.type:match("^%a+"):lower()
  if UNQUOTED[base] or row.extra:find("DEFAULT_GENERATED", 1, true) then return d end
  return mysql_dialect:string_literal(d)
end

-- With the column's ON UPDATE (EXTRA "on update current_timestamp()") after
-- it, as a model writes it: server_default = sql "CURRENT_TIMESTAMP ON
-- UPDATE CURRENT_TIMESTAMP" (or server_onupdate).
local function default_sql(row, mariadb)
  local d = bare_default(row, mariadb)
  local onupdate = row.extra:match("[Oo][Nn] [Uu][Pp][Dd][Aa][Tt][Ee] (.*)$")
  if d and onupdate then return d .. " on update " .. onupdate end
  return d
end

-- Reflection ----------------------------------------------------------------

local function same_list(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

-- True when `ix` is the index the server made itself for foreign key `fk`:
-- it has exactly the key's columns and the key's name, or for a key of a
-- generated name (t_ibfk_1), the name of its first column.
local function implicit_fk_index(ix, fk, table_name)
  if ix.unique or not ix.columns or not same_list(ix.columns, fk.columns) then return false end
  if ix.name == fk.name then return true end
  local generated = fk.name:sub(1, #table_name + 6) == table_name .. "_ibfk_"
    and fk.name:sub(#table_name + 7):match("^%d+$") ~= nil
  return generated and ix.name == fk.columns[1]
end

local function add_indexes(tables, rows)
  local by_table = {}
  for _, r in ipairs(rows) do
    local tbl = tables[r.tbl]
    if tbl then
      local list = by_table[r.tbl] or {}
      by_table[r.tbl] = list
      local ix = list[#list]
      if not ix or ix.name ~= r.name then
        ix = { name = r.name, parts = {}, unique = tonumber(r.non_unique) == 0, has_expr = false }
        list[#list + 1] = ix
      end
      local col = text(r.col)
      if col then
        ix.parts[#ix.parts + 1] = col
      else
        -- An expression part (MySQL 8.0.13+; never on MariaDB 10.11).
        ix.has_expr = true
        ix.parts[#ix.parts + 1] = { expr = text(r.expr) or "?" }
      end
    end
  end
  for name, list in pairs(by_table) do
    local tbl = tables[name]
    for _, ix in ipairs(list) do
      local entry = { name = ix.name, unique = ix.unique }
      if ix.has_expr then
        entry.expressions = {}
        for i, p in ipairs(ix.parts) do
          entry.expressions[i] = type(p) == "table" and p.expr or mysql_dialect:quote(p)
        end
      else
        entry.columns = ix.parts
      end
      if ix.name == "PRIMARY" then
        tbl.primary_key = { name = nil, columns = entry.columns or {} }
      else
        tbl.indexes[#tbl.indexes + 1] = entry
      end
    end
  end
end

-- rows: FOREIGN_KEYS_SQL's, a key's rules in a row of its own (pos 0);
-- a key is listed when it has both.
local function add_foreign_keys(tables, rows)
  local rules = {}
  for _, r in ipairs(rows) do
    if tonumber(r.pos) == 0 then rules[r.tbl .. "\0" .. r.name] = r end
  end
  for _, r in ipairs(rows) do
    local tbl = tables[r.tbl]
    local rule = tbl and tonumber(r.pos) ~= 0 and rules[r.tbl .. "\0" .. r.name]
    if rule then
      local fk = tbl.foreign_keys[#tbl.foreign_keys]
      if not fk or fk.name ~= r.name then
        fk = { name = r.name, columns = {}, ref_table = r.ref_table, ref_columns = {},
          ondelete = snapshot.action(text(rule.ondelete), mysql_dialect),
          onupdate = snapshot.action(text(rule.onupdate), mysql_dialect) }
        if text(r.ref_schema) and r.ref_schema ~= r.db then fk.ref_schema = r.ref_schema end
        tbl.foreign_keys[#tbl.foreign_keys + 1] = fk
      end
      fk.columns[#fk.columns + 1] = r.col
      fk.ref_columns[#fk.ref_columns + 1] = r.ref_col
    end
  end
  for name, tbl in pairs(tables) do
    if #tbl.foreign_keys > 0 then
      local kept = {}
      for _, ix in ipairs(tbl.indexes) do
        local implicit = false
        for _, fk in ipairs(tbl.foreign_keys) do
          if not implicit and implicit_fk_index(ix, fk, name) then
            implicit = true
            fk.implicit_index = ix.name  -- dropping the key alone leaves it behind
          end
        end
        if not implicit then kept[#kept + 1] = ix end
      end
      tbl.indexes = kept
    end
  end
end

--- The snapshot of the current database | nil, msg. `opts.exclude`:
-- {[table_name] = true} of tables to leave out.
function M.reflect(conn, opts)
  local exclude = opts and opts.exclude or {}
  local version = conn:server_version() or ""
  local mariadb = version:find("MariaDB", 1, true) ~= nil

  local trows, err = conn:query(TABLES_SQL)
  if not trows then return nil, err end
  local snap = snapshot.new()
  local tables = snap.tables
  snap.type_aliases = { NUMERIC = "NUMERIC(10)" }  -- what the server makes of a bare NUMERIC
  for _, r in ipairs(trows) do
    if not exclude[r.tbl] then
      local t = snapshot.new_table(r.tbl)
      t.comment = text(r.comment)
      t.default_collation = text(r.collation)
      tables[r.tbl] = t
    end
  end

  -- Checks first: MariaDB's JSON columns are known by theirs.
  local crows, cerr = conn:query(mariadb and CHECKS_SQL.mariadb or CHECKS_SQL.mysql)
  if not crows then return nil, cerr end
  local json_checks = {}  -- [table][column] = the check
  for _, r in ipairs(crows) do
    local tbl = tables[r.tbl]
    if tbl then
      local check = { name = r.name, sqltext = r.clause }
      if r.clause == "json_valid(" .. mysql_dialect:quote(r.name) .. ")" then
        json_checks[r.tbl] = json_checks[r.tbl] or {}
        json_checks[r.tbl][r.name] = check
      end
      tbl.checks[#tbl.checks + 1] = check
    end
  end

  local rows
  rows, err = conn:query(COLUMNS_SQL)
  if not rows then return nil, err end
  local json_made = {}  -- checks that made a JSON column
  -- Types are immutable: the columns of one COLUMN_TYPE share one.
  local by_text = {}
  for _, r in ipairs(rows) do
    local tbl = tables[r.tbl]
    if tbl then
      local ty = by_text[r.type]
      if not ty then ty = column_type(r.type); by_text[r.type] = ty end
      local jc = json_checks[r.tbl] and json_checks[r.tbl][r.name]
      if jc and r.type:lower() == "longtext" then
        ty, json_made[jc] = types.JSON, true
      end
      -- a collation other than the table's is the String's or Text's own
      local collation = text(r.collation)
      if collation and collation ~= tbl.default_collation and (ty.name == "String" or ty.name == "Text") then
        ty = types[ty.name] { length = ty.length, collation = collation }
      end
      local extra = r.extra:upper()
      local generated = text(r.expr) and extra:find("GENERATED", 1, true)
      tbl.columns[#tbl.columns + 1] = {
        name = r.name, type = ty, type_text = r.type, nullable = r.nullable == "YES",
        default = not generated and default_sql(r, mariadb) or nil,
        autoincrement = extra:find("AUTO_INCREMENT", 1, true) ~= nil,
        computed = generated and { sqltext = r.expr, persisted = extra:find("STORED", 1, true) ~= nil } or nil,
        comment = text(r.comment),
      }
    end
  end
  for _, tbl in pairs(tables) do
    local kept = {}
    for _, c in ipairs(tbl.checks) do
      if not json_made[c] then kept[#kept + 1] = c end
    end
    tbl.checks = kept
  end

  rows, err = conn:query(string.format(STATISTICS_SQL, mariadb and "NULL" or "EXPRESSION"))
  if not rows then return nil, err end
  add_indexes(tables, rows)

  rows, err = conn:query(FOREIGN_KEYS_SQL)
  if not rows then return nil, err end
  add_foreign_keys(tables, rows)

  for _, tbl in pairs(tables) do
    -- a non-native Enum's CHECK; one left unnamed is a column CHECK,
    -- which MariaDB names after its column
    type_checks.fold(mysql_dialect, tbl, function(_, col) return col end, true)
    snapshot.sort_lists(tbl)
  end
  return snap
end

return M
