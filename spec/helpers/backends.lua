-- The backends an integration spec runs on: SQLite always, PostgreSQL and
-- MariaDB when spec/with-servers.sh started them (LUAMIG_TEST_*_URL).
-- Each gives fresh databases and looks at them through luamig's own driver
-- binding, so that a spec checks what the server holds, not what luamig
-- says it did.
--
--   backends.each("what is tested", function(b)
--     local url
--     backends.database_per_test(b, function(new) url = new end)
--     ...
--   end)
local driver = require("luamig.driver")
local config = require("luamig.config")

local M = {}

local function random_suffix()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(6)
  f:close()
  return (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function connect(url)
  local u = assert(config.parse_url(url))
  local params = { database = u.database, host = u.host, port = u.port, user = u.user, password = u.password }
  for k, v in pairs(u.params) do params[k] = v end
  return assert(driver.connect(u.driver, params))
end

local function first_column(conn, sql, ...)
  local rows = assert(conn:query(sql, ...))
  local out = {}
  for i, row in ipairs(rows) do
    local _, v = next(row)
    out[i] = v
  end
  return out
end

-- fn(row) of every row of `sql` (run with the values ...), in a list.
local function map_rows(conn, fn, sql, ...)
  local out = {}
  for _, r in ipairs(assert(conn:query(sql, ...))) do out[#out + 1] = fn(r) end
  return out
end

-- Field `key` of the first row of `sql` (run with the values ...), or nil
-- when there is no row.
local function first_field(conn, key, sql, ...)
  local r = conn:first(sql, ...)
  return r and r[key]
end

-- { [name] = definition } of the rows of `sql` (run with the values ...).
local function name_map(conn, sql, ...)
  local out = {}
  for _, r in ipairs(assert(conn:query(sql, ...))) do out[r.name] = r.definition end
  return out
end

local Backend = {}
Backend.__index = Backend

--- A connection to a database of this backend (caller closes it).
function Backend:connect(url) return connect(url) end

--- Run fn(conn) with a connection that is closed afterwards.
function Backend:with(url, fn)
  local conn = connect(url)
  local ok, a, b = pcall(fn, conn)
  conn:close()
  if not ok then error(a, 0) end
  return a, b
end

--- `names` and luamig's own tables on this backend, sorted: the version
-- and history tables, and on MySQL the lock's table (lock/mysql.lua).
function Backend:with_bookkeeping(names)
  local out = { "luamig_history", "luamig_version" }
  if self.driver == "mysql" then out[#out + 1] = require("luamig.lock.common").table_name("luamig_version") end
  for _, n in ipairs(names or {}) do out[#out + 1] = n end
  table.sort(out)
  return out
end

-- Each reading below takes one connection for all it reads: a connection
-- per table made a 100-table schema cost 200 connections, 20 s on a busy
-- PostgreSQL.

local function table_names(self, conn)
  local names = first_column(conn, self.tables_sql)
  table.sort(names)
  return names
end

local function index_names(self, conn, table_name)
  local names = first_column(conn, self.indexes_sql, table_name)
  table.sort(names)
  return names
end

--- Table names, sorted.
function Backend:tables(url)
  return self:with(url, function(conn) return table_names(self, conn) end)
end

--- Rows of the version table, sorted ({} when it does not exist).
function Backend:versions(url, name)
  name = name or "luamig_version"
  return self:with(url, function(conn)
    local rows = conn:query("SELECT version_num FROM " .. conn:quote_ident(name) .. " ORDER BY version_num")
    local ids = {}
    for i, r in ipairs(rows or {}) do ids[i] = r.version_num end
    return ids
  end)
end

--- Column descriptions of one table: {name = "type nullable default"}.
function Backend:columns(url, table_name)
  return self:with(url, function(conn) return self.describe_columns(conn, table_name) end)
end

--- Index names of one table, sorted (without the primary key's).
function Backend:indexes(url, table_name)
  return self:with(url, function(conn) return index_names(self, conn, table_name) end)
end

--- A text of every table with its columns and indexes, for comparing two
-- states of a schema; tables named in the set `skip` are left out.
function Backend:schema(url, skip)
  return self:with(url, function(conn)
    local parts = {}
    for _, t in ipairs(table_names(self, conn)) do
      if not (skip and skip[t]) then
        local cols = self.describe_columns(conn, t)
        local names = {}
        for name in pairs(cols) do names[#names + 1] = name end
        table.sort(names)
        parts[#parts + 1] = t .. ":"
        for _, name in ipairs(names) do parts[#parts + 1] = "  " .. name .. " " .. cols[name] end
        for _, ix in ipairs(index_names(self, conn, t)) do parts[#parts + 1] = "  index " .. ix end
      end
    end
    return table.concat(parts, "\n")
  end)
end

---------------------------------------------------------------------------

local made_dirs = {}

local sqlite = setmetatable({
  name = "SQLite", tag = "sqlite", driver = "sqlite", available = true,
  tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  indexes_sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
}, Backend)

function sqlite.describe_columns(conn, table_name)
  local out = {}
  for _, c in ipairs(assert(conn:query("SELECT * FROM pragma_table_info(?)", table_name))) do
    out[c.name] = string.format("%s %s %s", c.type, c.notnull == 1 and "NOT NULL" or "NULL",
      tostring(c.dflt_value))
  end
  return out
end

--- A new empty database; `dir` (optional) holds the SQLite file.
function sqlite:new_database(dir)
  if not dir then
    local p = io.popen("mktemp -d " .. (os.getenv("TMPDIR") or "/tmp") .. "/luamig-db.XXXXXX")
    dir = p:read("l")
    p:close()
    made_dirs[#made_dirs + 1] = dir
  end
  return "sqlite:///" .. dir .. "/" .. random_suffix() .. ".db"
end

---------------------------------------------------------------------------
-- PostgreSQL and MariaDB: a database per call, dropped by M.cleanup().

local made_databases = {}

local function server(fields)
  local b = setmetatable(fields, Backend)
  b.admin_url = os.getenv(b.env_url)
  b.available = b.admin_url ~= nil and b.admin_url ~= ""
  b.skip_message = b.name .. " skipped: " .. (os.getenv(b.env_skip)
    or (b.env_url .. " is not set: run the suite through spec/with-servers.sh"))
  return b
end

local postgres = server {
  name = "PostgreSQL", tag = "postgres", driver = "postgres",
  env_url = "LUAMIG_TEST_PG_URL", env_skip = "LUAMIG_TEST_PG_SKIP",
  tables_sql = "SELECT table_name FROM information_schema.tables"
    .. " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  indexes_sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?"
    .. " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')",
}

local mysql = server {
  name = "MariaDB", tag = "mysql", driver = "mysql",
  env_url = "LUAMIG_TEST_MYSQL_URL", env_skip = "LUAMIG_TEST_MYSQL_SKIP",
  tables_sql = "SELECT table_name FROM information_schema.tables"
    .. " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
  indexes_sql = "SELECT DISTINCT index_name FROM information_schema.statistics"
    .. " WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY'",
}

-- "type[(length)] NULL|NOT NULL default [auto]" from information_schema;
-- `auto` is how the server marks a generated key (PostgreSQL's identity,
-- MySQL's auto_increment).
local function information_schema_columns(conn, table_name, schema_expr, auto_expr)
  local out = {}
  local rows = assert(conn:query("SELECT column_name AS name, data_type AS type, is_nullable AS nullable,"
    .. " column_default AS dflt, character_maximum_length AS len, " .. auto_expr .. " AS auto"
    .. " FROM information_schema.columns WHERE table_schema = " .. schema_expr .. " AND table_name = ?",
    table_name))
  for _, c in ipairs(rows) do
    local t = c.type
    if c.len ~= driver.null and (t:find("char", 1, true)) then t = string.format("%s(%s)", t, c.len) end
    out[c.name] = string.format("%s %s %s%s", t, c.nullable == "YES" and "NULL" or "NOT NULL",
      tostring(c.dflt), (c.auto == "YES" or c.auto == "auto_increment") and " auto" or "")
  end
  return out
end

function postgres.describe_columns(conn, t)
  return information_schema_columns(conn, t, "current_schema()", "is_identity")
end
function mysql.describe_columns(conn, t)
  return information_schema_columns(conn, t, "DATABASE()", "extra")
end

local function with_database(admin_url, name)
  return config.with_database(admin_url, name)
end

function postgres:new_database()
  local name = "luamig_t_" .. random_suffix()
  local conn = connect(self.admin_url)
  -- PostgreSQL 15 copies the template through the WAL by default; for a
  -- small template, copying its files is a few times faster (0.03 s
  -- against 0.11 s a database on a busy machine), and specs make hundreds.
  local major = tonumber(tostring(conn:server_version()):match("^(%d+)"))
  local strategy = major and major >= 15 and " STRATEGY = FILE_COPY" or ""
  assert(conn:execute("CREATE DATABASE " .. name .. strategy))
  conn:close()
  made_databases[#made_databases + 1] = { self, name }
  return with_database(self.admin_url, name)
end

function mysql:new_database()
  local name = "luamig_t_" .. random_suffix()
  local conn = connect(self.admin_url)
  assert(conn:execute("CREATE DATABASE " .. name .. " CHARACTER SET utf8mb4"))
  conn:close()
  made_databases[#made_databases + 1] = { self, name }
  return with_database(self.admin_url, name)
end

local function drop_database(backend, name)
  local conn = connect(backend.admin_url)
  if backend == postgres then
    conn:execute("DROP DATABASE IF EXISTS " .. name .. " WITH (FORCE)")
  else
    conn:execute("DROP DATABASE IF EXISTS " .. name)
  end
  conn:close()
end

---------------------------------------------------------------------------
-- Reflection: constraints, foreign keys, comments, declared types, index
-- definitions and enum types, each as the server itself reports them.
--
--   b:constraints(url, t)      sorted {"check ck_t_x", "foreign_key fk_..", "primary_key pk_t", "unique uq_.."}
--                              (SQLite: the named ones, read from the CREATE TABLE text; MySQL's key is PRIMARY)
--   b:foreign_keys(url, t)     sorted {"a,b -> p(x,y) ON DELETE CASCADE ON UPDATE NO ACTION"}
--                              (RESTRICT, MySQL's default, reads as NO ACTION)
--   b:table_comment(url, t)    the comment or nil (SQLite keeps none)
--   b:column_comment(url, t, c)
--   b:column_type(url, t, c)   the declared type: `VARCHAR(5)`, `character varying(5)`, `enum('a','b')`
--   b:index_definitions(url, t) {name = text}: SQLite's and PostgreSQL's CREATE INDEX text,
--                              MySQL's "[UNIQUE ](col, (expr), ...)"
--   b:enums(url)               PostgreSQL: {name = "a,b"}; {} elsewhere

local function action(a)
  if a == nil or a == driver.null or a == "RESTRICT" or a == "a" or a == "r" then return "NO ACTION" end
  return ({ c = "CASCADE", n = "SET NULL", d = "SET DEFAULT" })[a] or a
end

local function fk_text(cols, ref_table, ref_cols, ondelete, onupdate)
  return string.format("%s -> %s(%s) ON DELETE %s ON UPDATE %s", table.concat(cols, ","), ref_table,
    table.concat(ref_cols, ","), action(ondelete), action(onupdate))
end

local function nonnull(v)
  if v == nil or v == driver.null or v == "" then return nil end
  return v
end

-- The list that self[reader](conn, t) gives on a connection to url, sorted.
local function sorted_reflection(self, url, reader, t)
  return self:with(url, function(conn)
    local out = self[reader](conn, t)
    table.sort(out)
    return out
  end)
end

function Backend:constraints(url, t) return sorted_reflection(self, url, "reflect_constraints", t) end
function Backend:foreign_keys(url, t) return sorted_reflection(self, url, "reflect_foreign_keys", t) end

function Backend:table_comment(url, t)
  return self:with(url, function(conn) return nonnull(self.reflect_table_comment(conn, t)) end)
end

function Backend:column_comment(url, t, c)
  return self:with(url, function(conn) return nonnull(self.reflect_column_comment(conn, t, c)) end)
end

function Backend:column_type(url, t, c)
  return self:with(url, function(conn) return self.reflect_column_type(conn, t, c) end)
end

function Backend:index_definitions(url, t)
  return self:with(url, function(conn) return self.reflect_indexes(conn, t) end)
end

function Backend:enums(url)
  if self ~= postgres then return {} end
  return self:with(url, function(conn)
    local out = {}
    for _, r in ipairs(assert(conn:query("SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY"
      .. " e.enumsortorder) AS vals FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
      .. " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema() GROUP BY t.typname"))) do
      out[r.name] = r.vals
    end
    return out
  end)
end

-- SQLite: names and kinds come only from the CREATE TABLE text.
local SQLITE_KINDS = { PRIMARY = "primary_key", UNIQUE = "unique", CHECK = "check", FOREIGN = "foreign_key",
  REFERENCES = "foreign_key" }

function sqlite.reflect_constraints(conn, t)
  local row = assert(conn:first("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", t))
  local out = {}
  -- a name is quoted, or bare where it needs no quotes (luamig writes it so)
  for rest in row.sql:gmatch("CONSTRAINT%s+(.-%s+%u+)") do
    local name, word = rest:match('^"([^"]+)"%s+(%u+)$')
    if not name then name, word = rest:match("^([%w_]+)%s+(%u+)$") end
    out[#out + 1] = SQLITE_KINDS[word] .. " " .. name
  end
  return out
end

function sqlite.reflect_foreign_keys(conn, t)
  local by_id, order = {}, {}
  for _, r in ipairs(assert(conn:query("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", t))) do
    local fk = by_id[r.id]
    if not fk then
      fk = { cols = {}, refs = {}, ref_table = r.table, ondelete = r.on_delete, onupdate = r.on_update }
      by_id[r.id] = fk
      order[#order + 1] = fk
    end
    fk.cols[#fk.cols + 1] = r.from
    fk.refs[#fk.refs + 1] = r.to
  end
  local out = {}
  for i, fk in ipairs(order) do out[i] = fk_text(fk.cols, fk.ref_table, fk.refs, fk.ondelete, fk.onupdate) end
  return out
end

function sqlite.reflect_table_comment() return nil end
function sqlite.reflect_column_comment() return nil end

function sqlite.reflect_column_type(conn, t, c)
  return first_field(conn, "type", "SELECT type FROM pragma_table_info(?) WHERE name = ?", t, c)
end

function sqlite.reflect_indexes(conn, t)
  return name_map(conn, "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    .. " AND sql IS NOT NULL", t)
end

local PG_KINDS = { p = "primary_key", u = "unique", c = "check", f = "foreign_key" }
local PG_TABLE = "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
  .. " WHERE n.nspname = current_schema() AND c.relname = ?)"

function postgres.reflect_constraints(conn, t)
  return map_rows(conn, function(r) return PG_KINDS[r.contype] .. " " .. r.conname end,
    "SELECT conname, contype FROM pg_constraint WHERE conrelid = " .. PG_TABLE
    .. " AND contype IN ('p', 'u', 'c', 'f')", t)
end

function postgres.reflect_foreign_keys(conn, t)
  return map_rows(conn,
    function(r) return fk_text({ r.cols }, r.ref_table, { r.refs }, r.confdeltype, r.confupdtype) end,
    "SELECT confrelid::regclass::text AS ref_table, confdeltype, confupdtype,"
    .. " (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(conkey) WITH ORDINALITY k(n, i)"
    .. "   JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.n) AS cols,"
    .. " (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(confkey) WITH ORDINALITY k(n, i)"
    .. "   JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.n) AS refs"
    .. " FROM pg_constraint WHERE contype = 'f' AND conrelid = " .. PG_TABLE, t)
end

function postgres.reflect_table_comment(conn, t)
  return first_field(conn, "d", "SELECT obj_description(" .. PG_TABLE .. ", 'pg_class') AS d", t)
end

function postgres.reflect_column_comment(conn, t, c)
  return first_field(conn, "d", "SELECT col_description(" .. PG_TABLE .. ", (SELECT attnum FROM pg_attribute WHERE"
    .. " attrelid = " .. PG_TABLE .. " AND attname = ?)) AS d", t, t, c)
end

function postgres.reflect_column_type(conn, t, c)
  return first_field(conn, "t", "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = "
    .. PG_TABLE .. " AND attname = ?", t, c)
end

function postgres.reflect_indexes(conn, t)
  return name_map(conn, "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname ="
    .. " current_schema() AND tablename = ?", t)
end

local MY_KINDS = { ["PRIMARY KEY"] = "primary_key", UNIQUE = "unique", CHECK = "check", ["FOREIGN KEY"] = "foreign_key" }

function mysql.reflect_constraints(conn, t)
  return map_rows(conn, function(r) return MY_KINDS[r.kind] .. " " .. r.name end,
    "SELECT constraint_name AS name, constraint_type AS kind FROM"
    .. " information_schema.table_constraints WHERE table_schema = DATABASE() AND table_name = ?", t)
end

function mysql.reflect_foreign_keys(conn, t)
  return map_rows(conn, function(r) return fk_text({ r.cols }, r.ref_table, { r.refs }, r.del, r.upd) end,
    "SELECT rc.constraint_name AS name, rc.referenced_table_name AS ref_table,"
    .. " rc.delete_rule AS del, rc.update_rule AS upd,"
    .. " (SELECT GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position) FROM information_schema.key_column_usage k"
    .. "   WHERE k.constraint_schema = rc.constraint_schema AND k.table_name = rc.table_name"
    .. "   AND k.constraint_name = rc.constraint_name) AS cols,"
    .. " (SELECT GROUP_CONCAT(k.referenced_column_name ORDER BY k.ordinal_position)"
    .. "   FROM information_schema.key_column_usage k WHERE k.constraint_schema = rc.constraint_schema"
    .. "   AND k.table_name = rc.table_name AND k.constraint_name = rc.constraint_name) AS refs"
    .. " FROM information_schema.referential_constraints rc"
    .. " WHERE rc.constraint_schema = DATABASE() AND rc.table_name = ?", t)
end

function mysql.reflect_table_comment(conn, t)
  return first_field(conn, "c", "SELECT table_comment AS c FROM information_schema.tables"
    .. " WHERE table_schema = DATABASE() AND table_name = ?", t)
end

function mysql.reflect_column_comment(conn, t, c)
  return first_field(conn, "c", "SELECT column_comment AS c FROM information_schema.columns"
    .. " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?", t, c)
end

function mysql.reflect_column_type(conn, t, c)
  return first_field(conn, "t", "SELECT column_type AS t FROM information_schema.columns"
    .. " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?", t, c)
end

function mysql.reflect_indexes(conn, t)
  local parts, unique = {}, {}
  for _, r in ipairs(assert(conn:query("SELECT index_name AS name, non_unique AS nu, column_name AS col"
    .. " FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?"
    .. " ORDER BY index_name, seq_in_index", t))) do
    parts[r.name] = parts[r.name] or {}
    local p = parts[r.name]
    p[#p + 1] = r.col ~= driver.null and r.col or "(expr)"
    unique[r.name] = tonumber(r.nu) == 0
  end
  local out = {}
  for name, cols in pairs(parts) do
    out[name] = (unique[name] and "UNIQUE " or "") .. "(" .. table.concat(cols, ", ") .. ")"
  end
  return out
end

--- Every backend, available or not (a spec reports the unavailable ones
-- as pending with the reason).
function M.all()
  return { sqlite, postgres, mysql }
end

--- describe(title .. " on <backend> #<tag>" .. tags, function() fn(b) end)
-- for each backend: the preamble of every spec that runs on all three. A
-- backend whose server is not running gets one pending test that says why.
-- (A helper is not a spec file: busted's functions come from its API.)
function M.each(title, fn, tags)
  local busted = require("busted")
  for _, b in ipairs(M.all()) do
    busted.describe(title .. " on " .. b.name .. " #" .. b.tag .. (tags or ""), function()
      if not b.available then
        return busted.pending(b.skip_message)
      end
      fn(b)
    end)
  end
end

--- In a describe block: after each test, every database, project
-- directory and snapshot connection the test made gone.
function M.cleanup_after_each()
  require("busted").after_each(function()
    require("helpers.luamig").cleanup()
    local snapshot = package.loaded["helpers.snapshot"]  -- loaded by the specs that look at snapshots
    if snapshot then snapshot.close() end
    M.cleanup()
  end)
end

--- In a describe block: a new database of backend b before each test,
-- given to set(url), and after each test what it made gone.
function M.database_per_test(b, set)
  require("busted").before_each(function() set(b:new_database()) end)
  M.cleanup_after_each()
end

--- Drop every database and file made so far.
function M.cleanup()
  for _, entry in ipairs(made_databases) do pcall(drop_database, entry[1], entry[2]) end
  made_databases = {}
  for _, dir in ipairs(made_dirs) do os.execute("rm -rf '" .. dir .. "'") end
  made_dirs = {}
end

M.sqlite, M.postgres, M.mysql = sqlite, postgres, mysql
return M
