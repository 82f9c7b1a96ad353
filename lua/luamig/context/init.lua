-- luamig.context: one migration run against one database.
--
-- The context owns the connection, the dialect and the bookkeeping tables.
-- It runs each step (one revision, up or down) and that step's version-row
-- update in one transaction. Where the dialect has transactional DDL
-- (SQLite, PostgreSQL) a failing revision therefore leaves the database
-- exactly as it was before that revision. Where it has not (MySQL commits
-- every DDL statement at once) the step is recorded as running before it
-- starts; a failure says which statements ran and how to recover, and later
-- runs refuse to go on until the state is settled with `luamig stamp`.
-- Operation records from `op` arrive through run_op(), are compiled by the
-- dialect and executed here.
--
-- This file opens a context and runs single operations; the rest of a run
-- is in the package's other files, whose methods join the context's:
-- steps.lua (the steps, online and --sql), recovery.lua (what a failed or
-- interrupted step leaves, and the refusal to go on over it),
-- bookkeeping.lua (luamig's own tables; stamp, accept), bulk_insert.lua
-- (op.bulk_insert's fast paths), sqlite_file.lua (a SQLite path's checks),
-- ddl_lock.lua (the run's lock and statement timeouts, and the retries of
-- a statement whose lock was not granted).

local driver = require("luamig.driver")
local config = require("luamig.config")
local ddl = require("luamig.ddl")
local versions = require("luamig.context.versions")
-- Loaded on first use (luamig.lazy): `current` needs none of them.
local lazy = require("luamig.lazy")
local dberror = lazy("luamig.present.dberror")
local offline = lazy("luamig.context.offline")
local progress = lazy("luamig.present.progress")
local journal = lazy("luamig.context.journal")
local conn_session = require("luamig.context.session")
local sqlite_file = lazy("luamig.context.sqlite_file")

local M = {}

local Context = {}
Context.__index = Context

local function connect_params(url)
  local params = {}
  for k, v in pairs(url.params or {}) do params[k] = v end
  params.database, params.host, params.port = url.database, url.host, url.port
  params.user, params.password = url.user, url.password
  return params
end
M.connect_params = connect_params  -- luamig.context.server's connections too

--- Open the context for a run.
-- opts: log (function(line) for progress lines), verbose (show notices).
-- Returns ctx | nil, msg, status.
function M.open(cfg, opts)
  opts = opts or {}
  local url, err = config.parse_url(cfg.url)
  if not url then return nil, err .. (cfg.url_source and (" (" .. cfg.url_source .. ")") or ""), 2 end
  local dialect = ddl.dialect(url.driver)
  if dialect.database_file then
    local ok, path_err = sqlite_file.check(url.database)
    if not ok then return nil, path_err, 2 end
  elseif not url.database then
    -- The server would pick its default database (the user's, or
    -- "postgres"): migrating that one is never what was meant.
    return nil, string.format("the database URL %s names no database: write its name after the host"
      .. " (%s://host/DBNAME); luamig does not migrate the server's default database",
      config.mask_url(cfg.url), cfg.url:match("^[^:]*")), 2
  end
  local schema_ok, schema_err = conn_session.choose_schema(cfg, url, dialect)
  if not schema_ok then return nil, schema_err, 2 end
  local conn, conn_err, info = driver.connect(url.driver, connect_params(url))
  if not conn then
    return nil, string.format("cannot connect to %s: %s", config.mask_url(cfg.url),
      config.scrub(dberror.describe(conn_err, info), url)), 1
  end
  dialect = ddl.for_server(dialect, conn:server_version())
  conn_session.watch_client(conn, dialect)
  local found, found_err = conn_session.schema_exists(conn, cfg, url, dialect)
  if not found then conn:close(); return nil, found_err, 1 end
  -- With a schema, luamig's own tables are named with it: its statements
  -- outside a transaction may run, behind a pooler, on a server
  -- connection whose search_path is another's.
  local books = versions.new(conn, dialect, cfg.version_table, cfg.history_table,
    cfg.version_table_schema or url.params.schema)
  local shaped, shape_err, shape_status = books:check_shape(cfg.config_file)
  if not shaped then
    books:close()
    conn:close()
    if shape_status == 1 then  -- the first read: "file is not a database", a server refusing reads
      shape_err = string.format("cannot read database %s: %s", config.mask_url(cfg.url), dberror.describe(shape_err))
    end
    return nil, config.scrub(shape_err, url), shape_status
  end
  return setmetatable({
    cfg = cfg, url = url, conn = conn, dialect = dialect,
    versions = books,
    log = opts.log or function() end,
    verbose = opts.verbose,
    progress_mode = opts.progress, progress_delay = opts.progress_delay,
    progresses = {}, -- the progress lines open in the running step
    executed = journal.new(conn), -- the statements of the running step (new_journal)
  }, Context)
end

--- The context of an --sql run: the dialect from opts.dialect or from the
-- URL's scheme, no connection; statements go to opts.out.
function M.open_offline(cfg, opts)
  local name = opts.dialect
  if not name then
    local url, err = config.parse_url(cfg.url)
    if not url then return nil, err, 2 end
    name = cfg.url:lower():find("^mariadb") and "mariadb" or url.driver
  end
  local dialect, derr = ddl.dialect(name)
  if not dialect then return nil, "--dialect: " .. derr, 2 end
  local writer = offline.new(dialect, opts.out)
  return setmetatable({
    cfg = cfg, url = { driver = dialect.name }, conn = writer, dialect = dialect, offline = true,
    versions = versions.new(writer, dialect, cfg.version_table, cfg.history_table,
      cfg.version_table_schema),
    log = opts.log or function() end, out = opts.out,
    progresses = {}, executed = journal.new(writer),
  }, Context)
end

--- A second connection to the run's database (the PostgreSQL lock keeps a
-- transaction open on one): conn | nil, err, info.
function Context:connect_again()
  return driver.connect(self.url.driver, connect_params(self.url))
end

-- true, or nil, msg when the migration lock turned out lost (luamig.lock).
function Context:close()
  self.versions:close()
  local ok, err = true, nil
  if self.lock then ok, err = self.lock:release(); self.lock = nil end
  self.conn:close()
  return ok, err
end

--- The revisions in the version table, sorted.
function Context:current_heads()
  return self.versions:heads()
end

local function execute(self, sql, ...)
  local n, err, info = self.conn:execute(sql, ...)
  if self.verbose then
    -- The server's notices (PostgreSQL's RAISE NOTICE, "table does not
    -- exist, skipping"...) are shown with -v.
    for _, notice in ipairs(self.conn:notices()) do self.log(notice) end
  end
  self.executed:note(n and sql or nil)
  if not n then return nil, dberror.describe(err, info), info end  -- info: luamig.context.ddl_lock's retries
  return n
end

--- Execute the SQL an operation record compiles to.
function Context:run_op(record)
  if record.kind == "bulk_insert" then return self:bulk_insert(record) end
  if record.kind == "execute" and record.params and record.params.n > 0 then
    local ok, err = self:run_statement(record.sql, record, function(sql)
      return execute(self, sql, table.unpack(record.params, 1, record.params.n))
    end)
    if not ok then return nil, err end
    return true
  end
  local function query(sql)
    local rows, qerr, info = self.conn:query(sql)
    if not rows then return nil, dberror.describe(qerr, info) end
    return rows
  end
  -- What the record leaves out and the database can tell (the dialect's
  -- complete: MySQL's MODIFY restates a column); only online.
  if not self.offline and self.dialect.complete then
    local completed, cerr = self.dialect:complete(record, query)
    if not completed then return nil, cerr end
    record = completed
  end
  local statements, err = self.dialect:compile(record)
  if not statements then return nil, err end
  local function exec(sql) return execute(self, sql) end
  for _, sql in ipairs(statements) do
    -- retried while its table lock is not granted (luamig.context.ddl_lock)
    local ok, xerr = self:run_statement(sql, record, exec)
    if not ok then return nil, xerr end
  end
  -- What the database does not check by itself (the dialect's verify);
  -- it only reads, so only online.
  if not self.offline and self.dialect.verify then return self.dialect:verify(record, query) end
  return true
end

--- A progress line (luamig.present.progress) for `label`, shown as the CLI chose
-- (none offline, where no rows move). Lines left open when the revision
-- returns or raises are finished then.
function Context:progress(total, label)
  local p
  p = progress.new({
    mode = not self.offline and self.progress_mode or nil, total = total, label = label,
    delay = self.progress_delay,
    on_finish = function() self.progresses[p] = nil end,
  })
  self.progresses[p] = true
  return p
end

function Context:finish_progress()
  for p in pairs(self.progresses) do p:finish() end
end

--- The connection as a revision sees it: database errors raise.
function Context:get_bind(decimals)
  if self.offline then
    -- level 3: the revision line that called op.get_bind()
    error("op.get_bind() needs a database, and --sql writes a script without one: write this"
      .. " revision's data change with op.execute, or branch on op.get_context().offline", 3)
  end
  -- The bind notes what it runs in the step's journal, so that a failure
  -- after a commit can list it.
  return require("luamig.context.bind").new(self.conn, self.dialect, decimals, self.executed)
end

--- The schema as it is now (luamig.context.inspector), for op.inspect().
function Context:inspect()
  return require("luamig.context.inspector").new(self)
end

-- The methods of the other files of luamig.context, each a part of a run.
-- Bookkeeping's are every command's; the parts below only a run's, and
-- they join the context together at the first call of one of their
-- methods, named here so that reading any other missing field (an
-- instance's nil field) loads nothing: `current` loads none of them
-- (issue 21). Once they are in, the look-up function is gone, and a run
-- reads its nil fields as cheaply as before.
-- spec/unit/context/parts_spec.lua checks these lists against the files.
for name, fn in pairs(require("luamig.context.bookkeeping").methods) do Context[name] = fn end
M.LAZY_PARTS = {
  steps = { "at_revision_end", "autocommit_block", "run_step", "run_steps", "write_steps" },
  bulk_insert = { "bulk_insert", "bulk_insert_abandon" },
  ddl_lock = { "set_timeouts", "reset_timeouts", "transaction_timeouts", "run_statement" },
}
local lazy_names = {}
for _, names in pairs(M.LAZY_PARTS) do
  for _, name in ipairs(names) do lazy_names[name] = true end
end
setmetatable(Context, { __index = function(_, key)
  if not lazy_names[key] then return nil end
  setmetatable(Context, nil)
  for part in pairs(M.LAZY_PARTS) do
    local methods = require("luamig.context." .. part)
    for name, fn in pairs(methods.methods or methods) do Context[name] = fn end
  end
  return Context[key]
end })

M.Context = Context  -- its methods, for spec/unit/context/parts_spec.lua
return M
