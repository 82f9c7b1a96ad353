-- A complete, comparable description of a database, for specs that must
-- show that a command changed nothing (or exactly what it should have).
--
--   local snapshot = require("helpers.snapshot")
--   local before = snapshot.take(b, url)        -- b: a backend of helpers.backends
--   ... run luamig ...
--   local diff = snapshot.diff(before, snapshot.take(b, url))
--   assert.is_nil(diff, diff)                    -- nil when equal, else the differences
--
-- A snapshot is a flat table of entries, key -> text, each key one object
-- of the database ("table users column email", "table users rows", "index
-- ix_users_name", "view v_posts", ...): columns (type, nullability,
-- default, identity), indexes, constraints, views, triggers, routines,
-- enum types, comments, and every table's rows (sorted, so that the order
-- a server returns them in does not matter), the version and history
-- tables included: a refused run must leave them exactly as they were.
-- Left out, because a rolled-back transaction legitimately moves them:
-- sequence values (PostgreSQL) and AUTO_INCREMENT counters (MySQL).
-- SQLite also gets the files in the database's directory (a new or removed
-- file is a change; the lock file `<db>-luamig-lock`, which luamig keeps,
-- is left out), and `PRAGMA user_version`.
--
-- Server connections stay open for the next snapshot of the same URL:
-- call snapshot.close() before dropping the database.
--
-- snapshot.take(b, url, opts): opts.databases = true adds the server's list
-- of databases (PostgreSQL, MySQL); opts.dir names another directory to list
-- for SQLite. snapshot.diff(a, b, opts) lists the keys that differ, each
-- with both values (cut to a readable length); opts.ignore is a function
-- key -> true for keys to leave out. snapshot.text(s) is the whole snapshot
-- as sorted lines, for messages.
local driver = require("luamig.driver")
local config = require("luamig.config")
local checksum = require("luamig.checksum")

local M = {}

local null = driver.null

local function connect(url, sqlite_mode)
  local u = assert(config.parse_url(url))
  local params = { database = u.database, host = u.host, port = u.port, user = u.user, password = u.password }
  for k, v in pairs(u.params) do params[k] = v end
  if u.driver == "sqlite" then params.mode = sqlite_mode end
  return driver.connect(u.driver, params)
end
M.connect = connect

-- One value as text that tells types apart: 1, 1.0, "1" and NULL differ.
local function value_text(v)
  if v == nil or v == null then return "NULL" end
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "number" then return math.type(v) == "integer" and tostring(v) or string.format("%.17g", v) end
  if t == "boolean" then return tostring(v) end
  if t == "userdata" then return "blob:" .. string.format("%q", tostring(v)) end
  return t .. ":" .. tostring(v)
end
M.value_text = value_text

local function row_text(row, columns)
  local parts = {}
  for i, c in ipairs(columns) do parts[i] = value_text(row[c]) end
  return "(" .. table.concat(parts, ", ") .. ")"
end

-- Every row of one table, sorted as text (a type without an ordering, such
-- as PostgreSQL's json, cannot be ORDER BY'd on the server).
local function rows_text(conn, qualified, columns)
  local rows = assert(conn:query("SELECT * FROM " .. qualified))
  local lines = {}
  for i, row in ipairs(rows) do lines[i] = row_text(row, columns) end
  table.sort(lines)
  return #lines .. " rows: " .. table.concat(lines, " ")
end

local function query(conn, sql, ...)
  return assert(conn:query(sql, ...))
end

local function fields(row, names)
  local parts = {}
  for i, n in ipairs(names) do parts[i] = n .. "=" .. value_text(row[n]) end
  return table.concat(parts, " ")
end

---------------------------------------------------------------------------
-- SQLite

local function list_dir(out, dir, skip)
  local p = io.popen("find '" .. dir:gsub("'", "'\\''") .. "' -mindepth 1 -maxdepth 1 -printf '%y %P\\0' 2>/dev/null")
  local all = p:read("a")
  p:close()
  for kind, name in all:gmatch("(%a) ([^%z]*)%z") do
    if not skip[name] then out["file " .. name] = kind end
  end
end

local function sqlite_take(out, conn, url, opts)
  local names = {}
  for _, r in ipairs(query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master")) do
    out[r.type .. " " .. r.name] = "on " .. r.tbl_name .. ": " .. value_text(r.sql)
    if r.type == "table" then names[#names + 1] = r.name end
  end
  for _, t in ipairs(names) do
    local columns = {}
    for _, c in ipairs(query(conn, "SELECT * FROM pragma_table_info(?) ORDER BY cid", t)) do
      columns[#columns + 1] = c.name
      out["table " .. t .. " column " .. c.name] = fields(c, { "cid", "type", "notnull", "dflt_value", "pk" })
    end
    out["table " .. t .. " rows"] = rows_text(conn, '"' .. t:gsub('"', '""') .. '"', columns)
  end
  out["pragma user_version"] = value_text(assert(conn:first("PRAGMA user_version")).user_version)
  local path = assert(config.parse_url(url)).database
  local dir, base = path:match("^(.*)/([^/]*)$")
  if not dir then dir, base = ".", path end
  list_dir(out, opts.dir or (dir == "" and "/" or dir), { [base .. "-luamig-lock"] = true })
end

---------------------------------------------------------------------------
-- PostgreSQL: every schema but the system ones.

local function pg_user(col)
  return col .. " NOT LIKE 'pg\\_%' AND " .. col .. " <> 'information_schema'"
end

local function pg_take(out, conn)
  for _, r in ipairs(query(conn, "SELECT nspname FROM pg_namespace WHERE " .. pg_user("nspname"))) do
    out["schema " .. r.nspname] = "exists"
  end
  local tables = {}
  for _, r in ipairs(query(conn, "SELECT n.nspname AS s, c.relname AS t, c.relkind AS k FROM pg_class c"
    .. " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " .. pg_user("n.nspname")
    .. " AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")) do
    local key = r.s .. "." .. r.t
    out["relation " .. key] = "kind " .. r.k
    if r.k == "r" or r.k == "p" then tables[#tables + 1] = { r.s, r.t, key, columns = {} } end
  end
  local by_key = {}
  for _, t in ipairs(tables) do by_key[t[3]] = t end
  for _, c in ipairs(query(conn, "SELECT table_schema, table_name, column_name, ordinal_position, data_type,"
    .. " udt_name, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default,"
    .. " is_identity, identity_generation, collation_name FROM information_schema.columns WHERE "
    .. pg_user("table_schema") .. " ORDER BY table_schema, table_name, ordinal_position")) do
    local key = c.table_schema .. "." .. c.table_name
    out["table " .. key .. " column " .. c.column_name] = fields(c, { "ordinal_position", "data_type", "udt_name",
      "character_maximum_length", "numeric_precision", "numeric_scale", "is_nullable", "column_default",
      "is_identity", "identity_generation", "collation_name" })
    local t = by_key[key]
    if t then t.columns[#t.columns + 1] = c.column_name end
  end
  for _, r in ipairs(query(conn, "SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE "
    .. pg_user("schemaname"))) do
    out["index " .. r.schemaname .. "." .. r.indexname] = "on " .. r.tablename .. ": " .. r.indexdef
  end
  for _, r in ipairs(query(conn, "SELECT n.nspname AS s, c.conname AS name, c.contype AS kind,"
    .. " c.conrelid::regclass::text AS rel, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c"
    .. " JOIN pg_namespace n ON n.oid = c.connamespace WHERE " .. pg_user("n.nspname"))) do
    out["constraint " .. r.s .. "." .. r.name .. " on " .. r.rel] = r.kind .. " " .. r.def
  end
  for _, r in ipairs(query(conn, "SELECT schemaname, viewname, definition FROM pg_views WHERE "
    .. pg_user("schemaname"))) do
    out["view " .. r.schemaname .. "." .. r.viewname] = r.definition
  end
  for _, r in ipairs(query(conn, "SELECT schemaname, matviewname, definition FROM pg_matviews WHERE "
    .. pg_user("schemaname"))) do
    out["matview " .. r.schemaname .. "." .. r.matviewname] = r.definition
  end
  for _, r in ipairs(query(conn, "SELECT t.tgrelid::regclass::text AS rel, t.tgname AS name,"
    .. " pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
    .. " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND " .. pg_user("n.nspname"))) do
    out["trigger " .. r.rel .. "." .. r.name] = r.def
  end
  for _, r in ipairs(query(conn, "SELECT n.nspname AS s, t.typname AS name, t.typtype AS kind,"
    .. " (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)"
    .. " AS labels FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE " .. pg_user("n.nspname")
    .. " AND t.typtype IN ('e', 'd')")) do
    out["type " .. r.s .. "." .. r.name] = r.kind .. " " .. value_text(r.labels)
  end
  for _, r in ipairs(query(conn, "SELECT n.nspname AS s, p.proname AS name,"
    .. " pg_get_function_identity_arguments(p.oid) AS args, md5(p.prosrc) AS src FROM pg_proc p"
    .. " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " .. pg_user("n.nspname"))) do
    out["routine " .. r.s .. "." .. r.name .. "(" .. r.args .. ")"] = r.src
  end
  for _, r in ipairs(query(conn, "SELECT n.nspname AS s, c.relname AS t, d.objsubid AS sub, d.description AS d"
    .. " FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass"
    .. " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " .. pg_user("n.nspname"))) do
    out["comment " .. r.s .. "." .. r.t .. " #" .. tostring(r.sub)] = r.d
  end
  for _, t in ipairs(tables) do
    out["table " .. t[3] .. " rows"] = rows_text(conn, conn:quote_ident(t[1]) .. "." .. conn:quote_ident(t[2]),
      t.columns)
  end
end

---------------------------------------------------------------------------
-- MySQL/MariaDB: the URL's database.

local function my_take(out, conn)
  local tables = {}
  for _, r in ipairs(query(conn, "SELECT table_name AS t, table_type AS k, table_comment AS c, engine AS e"
    .. " FROM information_schema.tables WHERE table_schema = DATABASE()")) do
    out["relation " .. r.t] = fields(r, { "k", "c", "e" })
    if r.k == "BASE TABLE" then tables[#tables + 1] = { r.t, columns = {} } end
  end
  local by_name = {}
  for _, t in ipairs(tables) do by_name[t[1]] = t end
  for _, c in ipairs(query(conn, "SELECT table_name AS t, column_name AS c, ordinal_position AS pos,"
    .. " column_type AS type, is_nullable AS nullable, column_default AS dflt, extra, column_comment AS comment,"
    .. " collation_name AS coll FROM information_schema.columns WHERE table_schema = DATABASE()"
    .. " ORDER BY table_name, ordinal_position")) do
    out["table " .. c.t .. " column " .. c.c] = fields(c, { "pos", "type", "nullable", "dflt", "extra", "comment",
      "coll" })
    local t = by_name[c.t]
    if t then t.columns[#t.columns + 1] = c.c end
  end
  local ix = {}
  for _, r in ipairs(query(conn, "SELECT table_name AS t, index_name AS i, non_unique AS nu, seq_in_index AS seq,"
    .. " column_name AS c, sub_part AS sub FROM information_schema.statistics WHERE table_schema = DATABASE()"
    .. " ORDER BY table_name, index_name, seq_in_index")) do
    local key = "index " .. r.t .. "." .. r.i
    ix[key] = (ix[key] and ix[key] .. ", " or ("unique=" .. tostring(tonumber(r.nu) == 0) .. ": "))
      .. value_text(r.c) .. (r.sub ~= null and ("(" .. tostring(r.sub) .. ")") or "")
  end
  for k, v in pairs(ix) do out[k] = v end
  for _, r in ipairs(query(conn, "SELECT table_name AS t, constraint_name AS n, constraint_type AS k"
    .. " FROM information_schema.table_constraints WHERE table_schema = DATABASE()")) do
    out["constraint " .. r.t .. "." .. r.n .. " " .. r.k] = "exists"
  end
  local checks = conn:query("SELECT constraint_name AS n, check_clause AS c FROM information_schema.check_constraints"
    .. " WHERE constraint_schema = DATABASE()")
  for _, r in ipairs(checks or {}) do out["check " .. r.n] = r.c end
  for _, r in ipairs(query(conn, "SELECT k.table_name AS t, k.constraint_name AS n, k.column_name AS c,"
    .. " k.ordinal_position AS pos, k.referenced_table_name AS rt, k.referenced_column_name AS rc"
    .. " FROM information_schema.key_column_usage k WHERE k.table_schema = DATABASE()"
    .. " AND k.referenced_table_name IS NOT NULL")) do
    out["foreign key " .. r.t .. "." .. r.n .. " #" .. tostring(r.pos)] = r.c .. " -> " .. r.rt .. "." .. r.rc
  end
  for _, r in ipairs(query(conn, "SELECT table_name AS t, constraint_name AS n, update_rule AS u, delete_rule AS d"
    .. " FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE()")) do
    out["foreign key " .. r.t .. "." .. r.n .. " rules"] = "update " .. r.u .. " delete " .. r.d
  end
  for _, r in ipairs(query(conn, "SELECT table_name AS t, view_definition AS d FROM information_schema.views"
    .. " WHERE table_schema = DATABASE()")) do
    out["view " .. r.t] = r.d
  end
  for _, r in ipairs(query(conn, "SELECT trigger_name AS n, event_object_table AS t, event_manipulation AS e,"
    .. " action_timing AS w, action_statement AS s FROM information_schema.triggers"
    .. " WHERE trigger_schema = DATABASE()")) do
    out["trigger " .. r.t .. "." .. r.n] = r.w .. " " .. r.e .. ": " .. r.s
  end
  for _, r in ipairs(query(conn, "SELECT routine_name AS n, routine_type AS k, routine_definition AS d"
    .. " FROM information_schema.routines WHERE routine_schema = DATABASE()")) do
    out["routine " .. r.n] = r.k .. ": " .. value_text(r.d)
  end
  for _, t in ipairs(tables) do
    out["table " .. t[1] .. " rows"] = rows_text(conn, conn:quote_ident(t[1]), t.columns)
  end
end

local function databases(out, conn, tag)
  local sql = tag == "postgres" and "SELECT datname AS d FROM pg_database" or "SHOW DATABASES"
  for _, r in ipairs(query(conn, sql)) do
    local _, name = next(r)
    if tag == "postgres" then name = r.d end
    out["database " .. name] = "exists"
  end
end

-- Connections kept open between snapshots of one URL (a server connection
-- costs more than the queries); snapshot.close() closes them. An idle
-- connection holds no lock that a migration could wait for.
local open_conns = {}

--- Close the connections kept by take().
function M.close()
  for _, conn in pairs(open_conns) do conn:close() end
  open_conns = {}
end

--- The snapshot of the database at url (b: the backend, or its tag).
-- A server error while reading the catalog is tried once more on a new
-- connection (MariaDB's information_schema uses temporary files that a
-- busy machine's /tmp may lose).
local take
function M.take(b, url, opts)
  local ok, out = pcall(take, b, url, opts)
  if ok then return out end
  return take(b, url, opts)
end

function take(b, url, opts)
  opts = opts or {}
  local tag = type(b) == "table" and b.tag or b
  local out = {}
  local conn, err = open_conns[url]
  -- SQLite: a new connection each time, "rw": looking must not create a
  -- file that is not there, and the file may have been replaced.
  if not conn then conn, err = connect(url, "rw") end
  if not conn then
    out["database"] = "cannot be opened: " .. tostring(err)
    if tag == "sqlite" then
      local path = assert(config.parse_url(url)).database
      local dir = path:match("^(.*)/[^/]*$") or "."
      list_dir(out, opts.dir or dir, {})
    end
    return out
  end
  local ok, e = pcall(function()
    if tag == "sqlite" then sqlite_take(out, conn, url, opts)
    elseif tag == "postgres" then pg_take(out, conn)
    else my_take(out, conn) end
    if opts.databases and tag ~= "sqlite" then databases(out, conn, tag) end
  end)
  if ok and tag ~= "sqlite" then
    open_conns[url] = conn
  else
    open_conns[url] = nil
    conn:close()
  end
  if not ok then error(e, 0) end
  return out
end

local function cut(s, n)
  if s == nil then return "(absent)" end
  if #s <= n then return s end
  return s:sub(1, n) .. string.format("... (%d bytes)", #s)
end

-- Where two texts first differ, with some context: a rows entry can be long.
local function around_difference(a, b, n)
  if a == nil or b == nil then return cut(a, n), cut(b, n) end
  local i = 1
  while i <= #a and a:byte(i) == b:byte(i) do i = i + 1 end
  local from = math.max(1, i - 40)
  local pre = from > 1 and "..." or ""
  return pre .. cut(a:sub(from), n), pre .. cut(b:sub(from), n)
end

--- nil when a and b are equal, else a text naming each differing entry.
function M.diff(a, b, opts)
  opts = opts or {}
  local keys, seen = {}, {}
  for k in pairs(a) do keys[#keys + 1] = k; seen[k] = true end
  for k in pairs(b) do if not seen[k] then keys[#keys + 1] = k end end
  table.sort(keys)
  local lines = {}
  for _, k in ipairs(keys) do
    if a[k] ~= b[k] and not (opts.ignore and opts.ignore(k)) then
      local x, y = around_difference(a[k], b[k], 240)
      lines[#lines + 1] = string.format("  %s:\n    before: %s\n    after:  %s", k, x, y)
    end
  end
  if #lines == 0 then return nil end
  return table.concat(lines, "\n")
end

--- The keys of a snapshot that differ from another (a list, sorted).
function M.changed_keys(a, b)
  local keys, seen = {}, {}
  for k, v in pairs(a) do if b[k] ~= v then keys[#keys + 1] = k end; seen[k] = true end
  for k in pairs(b) do if not seen[k] then keys[#keys + 1] = k end end
  table.sort(keys)
  return keys
end

function M.text(s)
  local keys = {}
  for k in pairs(s) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = k .. ": " .. s[k] end
  return table.concat(keys, "\n")
end

--- A description of a directory tree (relative path -> "type mode size
-- sha256" for regular files, "type mode" for the rest), for checking that
-- a run wrote no file. skip(relpath) -> true leaves an entry (and what is
-- under it) out.
function M.files(dir, skip)
  local out = {}
  local p = io.popen("cd '" .. dir:gsub("'", "'\\''") .. "' && find . -mindepth 1 -printf '%y %m %s %P\\0' 2>/dev/null")
  local all = p:read("a")
  p:close()
  for kind, mode, size, rel in all:gmatch("(%a) (%d+) (%d+) ([^%z]*)%z") do
    if not (skip and skip(rel)) then
      local text = kind .. " " .. mode
      if kind == "f" then
        local f = io.open(dir .. "/" .. rel, "rb")
        local bytes = f and f:read("a")
        if f then f:close() end
        text = text .. " " .. size .. " " .. (bytes and checksum.sha256(bytes) or "unreadable")
      elseif kind == "l" then
        local r = io.popen("readlink -- '" .. (dir .. "/" .. rel):gsub("'", "'\\''") .. "'")
        text = text .. " -> " .. (r:read("l") or "?")
        r:close()
      end
      out[rel] = text
    end
  end
  return out
end

return M
