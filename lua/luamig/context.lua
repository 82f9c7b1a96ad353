-- luamig.context: one migration run against one database.
--
-- The context owns the connection, the dialect and the version table. It
-- runs each step (one revision, up or down) and that step's version-table
-- update in one transaction, so that a failing revision leaves the database
-- exactly as it was before that revision began. Operation records from `op`
-- arrive through run_op(), are compiled by the dialect and executed here.

local driver = require "luamig.driver"
local config = require "luamig.config"
local ddl = require "luamig.ddl"
local types = require "luamig.types"
local sys = require "luamig.sys"

local type, ipairs, pairs, tostring, setmetatable = type, ipairs, pairs, tostring, setmetatable
local xpcall, unpack = xpcall, table.unpack
local str_format, table_concat, table_sort = string.format, table.concat, table.sort
local traceback = debug.traceback

local M = {}

local Context = {}
Context.__index = Context

-- Where a relative SQLite path points to a missing directory SQLite only
-- says "unable to open database file"; name the directory instead.
local function check_sqlite_path(path)
  if path == ":memory:" or path:sub(1, 5) == "file:" then return true end
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil then return true end
  if dir == "" then dir = "/" end
  local st = sys.stat(dir)
  if not st then
    return nil, str_format("cannot open database %s: directory %s does not exist", path, dir)
  elseif st.type ~= "dir" then
    return nil, str_format("cannot open database %s: %s is not a directory", path, dir)
  end
  return true
end

local function connect_params(url)
  local params = {}
  for k, v in pairs(url.params or {}) do params[k] = v end
  params.database, params.host, params.port = url.database, url.host, url.port
  params.user, params.password = url.user, url.password
  return params
end

--- Open the context for a run.
-- opts: log (function(line) for progress lines), verbose.
-- Returns ctx | nil, msg, status.
function M.open(cfg, opts)
  opts = opts or {}
  local url, err = config.parse_url(cfg.url)
  if not url then return nil, err, 2 end
  local dialect = ddl.dialect(url.driver)
  if url.driver == "sqlite" then
    local ok, path_err = check_sqlite_path(url.database)
    if not ok then return nil, path_err, 2 end
  end
  local conn, conn_err = driver.connect(url.driver, connect_params(url))
  if not conn then
    return nil, str_format("cannot connect to %s: %s", config.mask_url(cfg.url),
      config.scrub(conn_err, url.password)), 1
  end
  local ctx = setmetatable({
    cfg = cfg, url = url, conn = conn, dialect = dialect,
    version_table = cfg.version_table,
    log = opts.log or function() end,
  }, Context)
  return ctx
end

function Context:close()
  if self.conn then self.conn:close() end
end

-- Queries that tell whether a table exists, per driver. Reflection proper
-- lives in autogen; the context needs only this one question.
local TABLE_EXISTS = {
  sqlite = "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
  postgres = "SELECT 1 AS found FROM information_schema.tables"
    .. " WHERE table_schema = current_schema() AND table_name = ?",
  mysql = "SELECT 1 AS found FROM information_schema.tables"
    .. " WHERE table_schema = DATABASE() AND table_name = ?",
}

function Context:table_exists(name)
  local row, err = self.conn:first(TABLE_EXISTS[self.url.driver], name)
  if err then return nil, err end
  return row ~= nil
end

--- The revisions in the version table, sorted. A database that has never
-- been migrated has no version table and no heads.
function Context:current_heads()
  local exists, err = self:table_exists(self.version_table)
  if exists == nil then return nil, err end
  if not exists then return {} end
  local rows, qerr = self.conn:query("SELECT version_num FROM " .. self.dialect:quote(self.version_table))
  if not rows then return nil, qerr end
  local heads = {}
  for i, row in ipairs(rows) do heads[i] = row.version_num end
  table_sort(heads)
  return heads
end

local function version_table_record(name)
  return {
    kind = "create_table", table = name,
    columns = { types.Column("version_num", types.String(32), { primary_key = true, nullable = false }) },
    constraints = {},
  }
end

--- Create the version table if it is not there yet (first write).
function Context:ensure_version_table()
  local exists, err = self:table_exists(self.version_table)
  if exists == nil then return nil, err end
  if exists then return true end
  local statements, cerr = self.dialect:compile(version_table_record(self.version_table))
  if not statements then return nil, cerr end
  for _, sql in ipairs(statements) do
    local ok, xerr = self.conn:execute(sql)
    if not ok then return nil, str_format("cannot create version table %s: %s", self.version_table, xerr) end
  end
  return true
end

--- Execute the SQL an operation record compiles to.
function Context:run_op(record)
  if record.kind == "bulk_insert" then return self:bulk_insert(record) end
  if record.kind == "execute" and record.params and record.params.n > 0 then
    local ok, err = self.conn:execute(record.sql, unpack(record.params, 1, record.params.n))
    if not ok then return nil, err end
    return true
  end
  local statements, err = self.dialect:compile(record)
  if not statements then return nil, err end
  for _, sql in ipairs(statements) do
    local ok, xerr = self.conn:execute(sql)
    if not ok then return nil, xerr end
  end
  return true
end

--- Insert rows through one prepared statement reused for every row.
function Context:bulk_insert(record)
  local columns = record.columns
  if not columns or #columns == 0 then
    -- Without a table definition, the first row's keys name the columns.
    columns = {}
    for k in pairs(record.rows[1] or {}) do columns[#columns + 1] = k end
    table_sort(columns)
  end
  if #columns == 0 then return true end
  local defaults = record.defaults or {}
  local quoted, marks = {}, {}
  for i, name in ipairs(columns) do
    quoted[i] = self.dialect:quote(name)
    marks[i] = "?"
  end
  local sql = str_format("INSERT INTO %s (%s) VALUES (%s)", self.dialect:qualify(record.table, record.schema),
    table_concat(quoted, ", "), table_concat(marks, ", "))
  local stmt, err = self.conn:prepare(sql)
  if not stmt then return nil, err end
  local values, n = {}, #columns
  for _, row in ipairs(record.rows) do
    for i = 1, n do
      local v = row[columns[i]]
      if v == nil then v = defaults[columns[i]] end
      values[i] = v
    end
    local ok, xerr = stmt:execute(unpack(values, 1, n))
    if not ok then stmt:close(); return nil, xerr end
  end
  stmt:close()
  return true
end

--- The connection as a revision sees it: database errors raise.
function Context:get_bind()
  return require("luamig.bind").new(self.conn)
end

local function insert_version(self, id)
  return self.conn:execute("INSERT INTO " .. self.dialect:quote(self.version_table)
    .. " (version_num) VALUES (?)", id)
end

local function delete_version(self, id)
  return self.conn:execute("DELETE FROM " .. self.dialect:quote(self.version_table)
    .. " WHERE version_num = ?", id)
end

--- Apply a step's version-table change: {delete = ids, insert = ids, update = {from, to}}.
function Context:update_versions(change)
  for _, id in ipairs(change.delete or {}) do
    local ok, err = delete_version(self, id)
    if not ok then return nil, err end
  end
  if change.update then
    local n, err = self.conn:execute("UPDATE " .. self.dialect:quote(self.version_table)
      .. " SET version_num = ? WHERE version_num = ?", change.update.to, change.update.from)
    if not n then return nil, err end
    if n ~= 1 then
      return nil, str_format("version table %s: expected one row %s to update to %s, found %d",
        self.version_table, change.update.from, change.update.to, n)
    end
  end
  for _, id in ipairs(change.insert or {}) do
    local ok, err = insert_version(self, id)
    if not ok then return nil, err end
  end
  return true
end

-- The error handler of a revision body: keep the message (it already names
-- file:line), and the traceback for -v.
local function revision_error(msg)
  if type(msg) ~= "string" then msg = tostring(msg) end
  return { message = msg, traceback = traceback(msg, 2) }
end

local function first_line(s)
  return (s:match("^[^\n]*"))
end

local function arrow(step)
  local node = step.node
  if step.direction == "up" then
    local from = #node.down_revisions > 0 and table_concat(node.down_revisions, ", ") or "<base>"
    return str_format("%s -> %s", from, node.id)
  end
  local to = #node.down_revisions > 0 and table_concat(node.down_revisions, ", ") or "<base>"
  return str_format("%s -> %s", node.id, to)
end

--- Run one step inside its own transaction.
-- script: the revision file record (its env holds upgrade/downgrade).
function Context:run_step(step, script)
  local up = step.direction == "up"
  local fn = script.env[up and "upgrade" or "downgrade"]
  if type(fn) ~= "function" then
    return nil, str_format("%s: revision %s has no downgrade() function", script.path, script.id), 2
  end
  self.log(str_format("Running %s %s, %s", up and "upgrade" or "downgrade", arrow(step), script.doc))
  local conn = self.conn
  local ok, err = conn:begin()
  if not ok then return nil, err, 1 end
  script.env.op = require("luamig.ops").new(self)
  local run_ok, failure = xpcall(fn, revision_error)
  script.env.op = nil
  local stage_err
  if run_ok then
    ok, stage_err = self:update_versions(step.version)
    if ok then ok, stage_err = conn:commit() end
  end
  if run_ok and ok then return true end
  local rb_ok, rb_err = conn:rollback()
  local what = run_ok and stage_err or failure.message
  local msg = str_format("%s %s failed: %s", up and "upgrade" or "downgrade", script.id, first_line(what))
  if not rb_ok then
    msg = msg .. str_format(" (and the rollback failed: %s)", first_line(tostring(rb_err)))
  end
  return nil, msg, 1, not run_ok and failure.traceback or nil
end

--- Run steps in order; stops at the first failure.
function Context:run_steps(steps, scripts_by_id)
  local ok, err = self:ensure_version_table()
  if not ok then return nil, err, 1 end
  for _, step in ipairs(steps) do
    local done, msg, status, tb = self:run_step(step, scripts_by_id[step.node.id])
    if not done then return nil, msg, status, tb end
  end
  return true
end

--- Set the version table to exactly `heads` without running any revision.
function Context:stamp(heads)
  local ok, err = self:ensure_version_table()
  if not ok then return nil, err, 1 end
  local conn = self.conn
  ok, err = conn:begin()
  if not ok then return nil, err, 1 end
  ok, err = conn:execute("DELETE FROM " .. self.dialect:quote(self.version_table))
  for _, id in ipairs(heads) do
    if not ok then break end
    ok, err = insert_version(self, id)
  end
  if ok then ok, err = conn:commit() end
  if not ok then conn:rollback(); return nil, err, 1 end
  return true
end

return M
