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

local driver = require "luamig.driver"
local config = require "luamig.config"
local ddl = require "luamig.ddl"
local sys = require "luamig.sys"
local versions = require "luamig.versions"
local dberror = require "luamig.dberror"
local offline = require "luamig.offline"
local interrupt = require "luamig.interrupt"
local scripts = require "luamig.script"
local progress = require "luamig.progress"
local failure = require "luamig.failure"
local journal = require "luamig.journal"
local conn_session = require "luamig.session"

local type, ipairs, pairs, tostring, setmetatable = type, ipairs, pairs, tostring, setmetatable
local xpcall, unpack, pack, select = xpcall, table.unpack, table.pack, select
local str_format, table_concat = string.format, table.concat

local M = {}

local Context = {}
Context.__index = Context

-- Where a relative SQLite path points to a missing directory SQLite only
-- says "unable to open database file"; name the directory instead.
local function check_sqlite_path(path)
  if path == ":memory:" or path:sub(1, 5) == "file:" then return true end
  -- SQLite would say "unable to open database file" for a directory, and
  -- wait forever reading a FIFO.
  local file = sys.stat(path)
  if file and file.type == "dir" then
    return nil, str_format("cannot open database %s: it is a directory; name a file in it (sqlite:%s/app.db)",
      path, (path:gsub("/+$", "")))
  elseif file and file.type ~= "file" then
    return nil, str_format("cannot open database %s: it is not a regular file", path)
  end
  local dir = path:match("^(.*)/[^/]*$") or "."
  if dir == "" then dir = "/" end
  local st = sys.stat(dir)
  if not st then
    return nil, str_format("cannot open database %s: directory %s does not exist", path, dir)
  elseif st.type ~= "dir" then
    return nil, str_format("cannot open database %s: %s is not a directory", path, dir)
  end
  -- SQLite writes a journal next to the database, so the directory must be
  -- writable as well as searchable.
  if not sys.access(dir, "wx") then
    return nil, str_format("cannot open database %s: directory %s is not writable by this user", path, dir)
  end
  if file and not sys.access(path, "rw") then
    return nil, str_format("cannot open database %s: the file is not readable and writable by this user", path)
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
-- opts: log (function(line) for progress lines), verbose (show notices).
-- Returns ctx | nil, msg, status.
function M.open(cfg, opts)
  opts = opts or {}
  local url, err = config.parse_url(cfg.url)
  if not url then return nil, err .. (cfg.url_source and (" (" .. cfg.url_source .. ")") or ""), 2 end
  local dialect = ddl.dialect(url.driver)
  if url.driver == "sqlite" then
    local ok, path_err = check_sqlite_path(url.database)
    if not ok then return nil, path_err, 2 end
  elseif not url.database then
    -- The server would pick its default database (the user's, or
    -- "postgres"): migrating that one is never what was meant.
    return nil, str_format("the database URL %s names no database: write its name after the host"
      .. " (%s://host/DBNAME); luamig does not migrate the server's default database",
      config.mask_url(cfg.url), cfg.url:match("^[^:]*")), 2
  end
  local schema_ok, schema_err = conn_session.choose_schema(cfg, url)
  if not schema_ok then return nil, schema_err, 2 end
  local conn, conn_err, info = driver.connect(url.driver, connect_params(url))
  if not conn then
    return nil, str_format("cannot connect to %s: %s", config.mask_url(cfg.url),
      config.scrub(dberror.describe(conn_err, info), url)), 1
  end
  conn_session.watch_client(conn, url.driver)
  local found, found_err = conn_session.schema_exists(conn, cfg, url)
  if not found then conn:close(); return nil, found_err, 1 end
  -- With a schema, luamig's own tables are named with it: its statements
  -- outside a transaction may run, behind a pooler, on a server
  -- connection whose search_path is another's.
  local books = versions.new(conn, dialect, url.driver, cfg.version_table, cfg.history_table,
    cfg.version_table_schema or url.params.schema)
  local shaped, shape_err, shape_status = books:check_shape(cfg.config_file)
  if not shaped then
    books:close()
    conn:close()
    if shape_status == 1 then  -- the first read: "file is not a database", a server refusing reads
      shape_err = str_format("cannot read database %s: %s", config.mask_url(cfg.url), dberror.describe(shape_err))
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
    name = url.driver
  end
  local dialect, derr = ddl.dialect(name)
  if not dialect then return nil, "--dialect: " .. derr, 2 end
  local writer = offline.new(dialect, opts.out)
  return setmetatable({
    cfg = cfg, url = { driver = dialect.name }, conn = writer, dialect = dialect, offline = true,
    versions = versions.new(writer, dialect, dialect.name, cfg.version_table, cfg.history_table,
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
  if not n then return nil, dberror.describe(err, info) end
  return n
end

--- Execute the SQL an operation record compiles to.
function Context:run_op(record)
  if record.kind == "bulk_insert" then return self:bulk_insert(record) end
  if record.kind == "execute" and record.params and record.params.n > 0 then
    local ok, err = execute(self, record.sql, unpack(record.params, 1, record.params.n))
    if not ok then return nil, err end
    return true
  end
  local statements, err = self.dialect:compile(record)
  if not statements then return nil, err end
  for _, sql in ipairs(statements) do
    local ok, xerr = execute(self, sql)
    if not ok then return nil, xerr end
  end
  -- What the database does not check by itself (the dialect's verify);
  -- it only reads, so only online.
  if not self.offline and self.dialect.verify then
    return self.dialect:verify(record, function(sql)
      local rows, qerr, info = self.conn:query(sql)
      if not rows then return nil, dberror.describe(qerr, info) end
      return rows
    end)
  end
  return true
end

-- Rows per slice of a bulk insert: the progress line moves between two
-- slices, and a slice's COPY or LOAD DATA text never exists whole anyway.
local SLICE_ROWS = 50000

-- Run insert_slice(first, last) over the record's rows SLICE_ROWS at a
-- time, the progress ticked after each, then note `sql` among the step's
-- statements; true | nil, msg (the first failure).
local function by_slices(self, record, tick, sql, insert_slice)
  local rows = #record.rows
  for first = 1, rows, SLICE_ROWS do
    local last = math.min(rows, first + SLICE_ROWS - 1)
    local ok, err = insert_slice(first, last)
    if not ok then return nil, err end
    tick(last - first + 1)
  end
  self.executed:note(str_format("%s -- %d rows", sql, rows))
  return true
end

local function quoted_columns(self, columns)
  local quoted = {}
  for i, c in ipairs(columns) do quoted[i] = self.dialect:quote(c) end
  return table_concat(quoted, ", ")
end

-- PostgreSQL: COPY ... FROM STDIN, the rows written straight into the
-- copy by the binding (runner/binding_copy.c), one COPY per slice.
local function copy_insert(self, record, columns, tick)
  local sql = str_format("COPY %s (%s) FROM STDIN", self.dialect:qualify(record.table, record.schema),
    quoted_columns(self, columns))
  return by_slices(self, record, tick, sql, function(first, last)
    local n, cerr, info = self.conn:copy_rows(sql, columns, record.rows, first, last)
    if not n then return nil, dberror.describe(cerr, info) end
    return true
  end)
end

-- MySQL, when the server allows LOCAL: LOAD DATA LOCAL INFILE, its file
-- made from the rows as the server reads it (runner/binding_load.c), in
-- the binary character set so that bytes arrive as they are. With LOCAL
-- the server cannot stop the client mid-file, so it turns errors (a
-- duplicate key, a value that does not fit) into warnings and goes on:
-- any warning fails the insert here, and the transaction rolls back.
local function first_warning(self)
  local rows = self.conn:query("SHOW WARNINGS")
  for _, w in ipairs(rows or {}) do
    if w.Level ~= "Note" then return str_format("%s %s: %s", w.Level, tostring(w.Code), w.Message) end
  end
  return nil
end

local function load_insert(self, record, columns, tick)
  local target = self.dialect:qualify(record.table, record.schema)
  local sql = str_format("LOAD DATA LOCAL INFILE 'luamig-bulk-insert' INTO TABLE %s CHARACTER SET binary (%s)",
    target, quoted_columns(self, columns))
  return by_slices(self, record, tick, sql, function(first, last)
    local n, warnings, info = self.conn:load_rows(sql, columns, record.rows, first, last)
    if not n then return nil, dberror.describe(warnings, info) end
    local wanted = last - first + 1
    if warnings > 0 or n ~= wanted then
      local why = warnings > 0 and first_warning(self)
      if why or n ~= wanted then
        return nil, str_format("bulk_insert into %s, rows %d-%d: %s", target, first, last,
          why or str_format("the server loaded %d rows of %d", n, wanted))
      end
    end
    return true
  end)
end

-- MySQL without LOCAL (MySQL 8 turns it off by default): multi-row
-- prepared INSERTs. A batch is at most 1000 rows, fewer when the
-- placeholders would pass MySQL's 65,535 per statement or the values half
-- of max_allowed_packet.
local MAX_BATCH_ROWS, MAX_PLACEHOLDERS = 1000, 65535

local function server_variable(self, name)
  local cache = self.server_variables or {}
  self.server_variables = cache
  if cache[name] == nil then
    local row = self.conn:first("SELECT @@" .. name .. " AS v")
    cache[name] = row and tonumber(row.v) or false
  end
  return cache[name] or nil
end

local function batch_rows(self, record, columns)
  local rows = #record.rows
  local by_count = math.floor(MAX_PLACEHOLDERS / #columns)
  local size = math.min(MAX_BATCH_ROWS, by_count, rows)
  -- bytes of a row, from the first rows' strings
  local bytes, sample = 0, math.min(rows, 100)
  for i = 1, sample do
    for _, c in ipairs(columns) do
      local v = record.rows[i][c]
      bytes = bytes + (type(v) == "string" and #v or 8) + 4
    end
  end
  local packet = server_variable(self, "max_allowed_packet") or 4194304
  local per_row = math.max(1, bytes // sample)
  return math.max(1, math.min(size, (packet // 2) // per_row))
end

local function multirow_insert(self, record, columns, tick)
  local size = batch_rows(self, record, columns)
  local head = str_format("INSERT INTO %s (%s) VALUES ", self.dialect:qualify(record.table, record.schema),
    quoted_columns(self, columns))
  local tuple = "(" .. string.rep("?", #columns, ", ") .. ")"
  local prepared = {}
  local function statement(nrows)
    local s = prepared[nrows]
    if s then return s end
    local stmt, err, info = self.conn:prepare(head .. string.rep(tuple, nrows, ", "))
    if not stmt then return nil, dberror.describe(err, info) end
    prepared[nrows] = stmt
    return stmt
  end
  local rows, ncols, values = record.rows, #columns, {}
  local ok, err = true, nil
  local i = 1
  while i <= #rows do
    local nrows = math.min(size, #rows - i + 1)
    local n = 0
    for r = i, i + nrows - 1 do
      local row = rows[r]
      for c = 1, ncols do n = n + 1; values[n] = row[columns[c]] end
    end
    local stmt
    stmt, err = statement(nrows)
    if not stmt then ok = false; break end
    local done, xerr, xinfo = stmt:execute(unpack(values, 1, n))
    if not done then ok, err = false, dberror.describe(xerr, xinfo); break end
    tick(nrows)
    i = i + nrows
  end
  for _, stmt in pairs(prepared) do stmt:close() end
  self.executed:note(str_format("%s%s, ... -- %d rows in batches of %d", head, tuple, #rows, size))
  if not ok then return nil, err end
  return true
end

-- SQLite: one prepared INSERT, executed for every row by the binding
-- (stmt:execute_rows) inside the revision's transaction.
local function statement_insert(self, record, columns, tick)
  local sql = str_format("INSERT INTO %s (%s) VALUES (%s)", self.dialect:qualify(record.table, record.schema),
    quoted_columns(self, columns), string.rep("?", #columns, ", "))
  local stmt, err, info = self.conn:prepare(sql)
  if not stmt then return nil, dberror.describe(err, info) end
  local ok, xerr = by_slices(self, record, tick, sql, function(first, last)
    local n, serr, sinfo = stmt:execute_rows(columns, record.rows, first, last)
    if not n then return nil, dberror.describe(serr, sinfo) end
    return true
  end)
  stmt:close()
  return ok, xerr
end

-- The fastest path the connection has for rows that all give the same
-- columns.
local function fast_path(self)
  local name = self.url.driver
  if name == "postgres" then return copy_insert end
  if name == "mysql" then
    return server_variable(self, "local_infile") == 1 and load_insert or multirow_insert
  end
  return statement_insert
end

-- Any rows: prepared statements reused across rows. A row that leaves a
-- column out (nil) lets the server default apply, so rows are grouped by
-- the columns they give: one statement per column set, rows inserted in
-- their order. An explicit `null` inserts NULL.
local function row_insert(self, record, columns, tick)
  local defaults = record.defaults or {}
  local statements, quoted = {}, {}
  for i, name in ipairs(columns) do quoted[i] = self.dialect:quote(name) end
  local target = self.dialect:qualify(record.table, record.schema)
  local function statement_for(present)
    local key = table_concat(present, ",")
    local entry = statements[key]
    if entry then return entry end
    local names, marks = {}, {}
    for i, c in ipairs(present) do names[i] = quoted[c]; marks[i] = "?" end
    local sql
    if #present > 0 then
      sql = str_format("INSERT INTO %s (%s) VALUES (%s)", target, table_concat(names, ", "), table_concat(marks, ", "))
    elseif self.url.driver == "mysql" then
      sql = str_format("INSERT INTO %s () VALUES ()", target)
    else
      sql = str_format("INSERT INTO %s DEFAULT VALUES", target)
    end
    local stmt, err, info = self.conn:prepare(sql)
    if not stmt then return nil, dberror.describe(err, info) end
    entry = { stmt = stmt, sql = sql }
    statements[key] = entry
    return entry
  end
  local ok, err = true, nil
  local present, values = {}, {}
  for r, row in ipairs(record.rows) do
    local n = 0
    for i, name in ipairs(columns) do
      local v = row[name]
      if v == nil then v = defaults[name] end
      if v ~= nil then n = n + 1; present[n] = i; values[n] = v end
    end
    for i = n + 1, #present do present[i] = nil end
    local entry
    entry, err = statement_for(present)
    if not entry then ok = false; break end
    local done, xerr, xinfo = entry.stmt:execute(unpack(values, 1, n))
    if not done then ok, err = false, dberror.describe(xerr, xinfo); break end
    if r % SLICE_ROWS == 0 then tick(SLICE_ROWS) end
  end
  if ok then tick(#record.rows % SLICE_ROWS) end
  for _, entry in pairs(statements) do
    entry.stmt:close()
    self.executed:note(str_format("%s -- %d rows", entry.sql, #record.rows))
  end
  if not ok then return nil, err end
  return true
end

--- Insert rows: when every row gives the same columns, on PostgreSQL
-- through COPY, on MySQL through LOAD DATA LOCAL (or multi-row INSERTs),
-- on SQLite through one prepared INSERT run by the binding; else through
-- prepared statements reused across rows. record.progress,
-- when there is one, counts the rows.
function Context:bulk_insert(record)
  local columns = self.dialect:bulk_insert_columns(record)
  local p = record.progress
  local function tick(n) if p then p:add(n) end end
  local insert = row_insert
  if not self.offline and record.multiinsert ~= false and record.uniform and #columns > 0 and #record.rows > 1 then
    insert = fast_path(self)
  end
  return insert(self, record, columns, tick)
end

--- A progress line (luamig.progress) for `label`, shown as the CLI chose
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
  return require("luamig.bind").new(self.conn, decimals, self.executed)
end

local first_line = require("luamig.report").first_line

local function parents(node)
  return #node.down_revisions > 0 and table_concat(node.down_revisions, ", ") or "<base>"
end

local function arrow(step)
  if step.direction == "up" then return str_format("%s -> %s", parents(step.node), step.node.id) end
  return str_format("%s -> %s", step.node.id, parents(step.node))
end

-- Run the revision's function; true, or the failure message naming the
-- revision's file and line (and the traceback when the body raised), and
-- `ended` when a statement of the body ended the step's transaction. A
-- returned value fails the step too (see luamig.failure). A body that
-- runs in a transaction luamig commits runs with the connection's
-- transaction guard on (runner/driver.h): a statement of its own that
-- would end that transaction is refused, and one found to have ended it
-- fails the step even when the revision caught that error.
local function call_revision(self, step, script)
  local name = step.direction == "up" and "upgrade" or "downgrade"
  local fn = scripts.func(script, name)
  local guarded = not self.offline and script.transactional and self.conn:in_transaction()
  script.env.op = require("luamig.ops").new(self)
  if guarded then self.conn:guard_transactions(true) end
  interrupt.guard(true)   -- Ctrl-C raises inside the body from here
  local results = pack(xpcall(fn, failure.handler(script.path)))
  interrupt.guard(false)
  local ended
  if guarded then ended = select(2, self.conn:guard_transactions(false)) end
  self:finish_progress()
  script.env.op = nil
  if not results[1] then return nil, results[2].message, results[2].traceback, ended ~= nil end
  if ended then return nil, script.path .. ": " .. ended, nil, true end
  local returned = failure.returned(script.path, fn, name, pack(unpack(results, 2, results.n)))
  if returned then return nil, returned end
  return true
end

local function record_version(self, step)
  local ok, err = self.versions:apply(step.version)
  if not ok then return nil, "version table: " .. dberror.describe(err) end
  return true
end

-- The revision's function and its version-row update.
local function run_body(self, step, script)
  local ok, what, tb, ended = call_revision(self, step, script)
  if not ok then return nil, what, tb, ended end
  return record_version(self, step)
end

local function step_failed(step, what, rb_ok, rb_err)
  local msg = str_format("%s %s failed: %s", step.direction == "up" and "upgrade" or "downgrade",
    step.node.id, first_line(what))
  if not rb_ok then msg = msg .. str_format(" (and the rollback failed: %s)", first_line(rb_err)) end
  return msg
end

-- A signal caught since the run started: the message and exit status.
local function interruption()
  local name, number = interrupt.caught()
  if name then return "interrupted by " .. name, 128 + number end
end

-- The history entry of a step (checksums only for upgrades: what verify
-- compares is the file as it was applied).
local function history_entry(self, step, script, outcome)
  return { revision = step.node.id, direction = step.direction, outcome = outcome,
    started = self.step_started, finished = outcome ~= "running" and sys.now() or nil,
    checksum = step.direction == "up" and scripts.checksum(script) or nil,
    want_id = outcome == "running" }
end

-- The end of a step that went well, inside the transaction that commits it:
-- its history row, written now or (when the step was recorded as running
-- before a commit) closed now.
local function close_history(self, step, script)
  if self.step_row then return self.versions:finish(self.step_row, self.step_started, "ok", nil) end
  return self.versions:record(history_entry(self, step, script, "ok"))
end

local function rollback_if_open(self)
  if not self.conn:in_transaction() then return true end
  return self.conn:rollback()
end

-- The version table's rows as a sentence part: "r001, r002", "base", or
-- what reading it said.
local function version_rows(self)
  local heads, err = self:current_heads()
  if not heads then return "unknown (reading it failed: " .. first_line(dberror.describe(err)) .. ")" end
  return #heads > 0 and table_concat(heads, ", ") or "base"
end

-- A step recorded as running (MySQL, a revision with `transactional =
-- false`, or an op.autocommit_block) that failed. When nothing it ran was
-- committed, it failed cleanly: its row is removed and nothing needs
-- settling. Otherwise the row says "failed", and the message lists what
-- stays applied, in order, and how to recover; later runs refuse to go on
-- until then (check_unfinished).
local function committed_failure(self, step, what, rb_ok, rb_err)
  local id, log = step.node.id, self.executed
  -- A step that committed nothing leaves no trace, as a failed step in a
  -- transaction does: its running row goes (or, if that fails, says so).
  local clean = rb_ok and not log:any_committed()
  local outcome = clean and "rolled_back" or "failed"
  local recorded, record_err, record_info = true, nil, nil
  if not (clean and self.versions:forget(self.step_row)) then
    recorded, record_err, record_info = self.versions:finish(self.step_row, self.step_started, outcome,
      first_line(what))
  end
  -- What the history row says, told as it is: a row that could not be
  -- closed still says running, and later runs refuse until it is settled.
  local unrecorded = not recorded and str_format("its row %s in %s could not be marked %s (%s) and still says"
    .. " running", tostring(self.step_row), self.versions.history_table, outcome,
    first_line(dberror.describe(record_err, record_info)))
  -- A clean failure reads as one in a transaction does: one line.
  if clean then
    if recorded then return step_failed(step, what, rb_ok, rb_err) end
    return step_failed(step, what, rb_ok, rb_err) .. str_format("\nNothing of %s stays applied, but %s: run"
      .. " 'luamig repair' to settle it.", id, unrecorded)
  end
  local lines = { step_failed(step, what, rb_ok, rb_err) }
  local rows = version_rows(self)
  -- What to stamp to mark the step undone or done.
  local parent_rows = #step.node.down_revisions > 0 and table_concat(step.node.down_revisions, " ") or "base"
  local before = step.direction == "up" and parent_rows or id
  local after = step.direction == "up" and id or parent_rows
  if self.step_ended then
    lines[#lines + 1] = str_format("A statement of revision %s ended its transaction: these statements ran"
      .. " before or with it and may be committed, in this order:", id)
  elseif not log:any_committed() then
    lines[#lines + 1] = str_format("The rollback of %s failed, so what it ran may stay applied:", id)
  elseif self.step_script and not self.step_script.transactional then
    lines[#lines + 1] = str_format("Revision %s runs outside a transaction (transactional = false): these"
      .. " statements ran and stay applied, in this order:", id)
  elseif self.dialect.transactional_ddl then
    lines[#lines + 1] = str_format("Part of revision %s ran outside its transaction (op.autocommit_block):"
      .. " these statements were committed and stay applied, in this order:", id)
  else
    lines[#lines + 1] = str_format("%s commits DDL at once: these statements of %s were committed and stay"
      .. " applied, in this order:", self.dialect.display_name or self.url.driver, id)
  end
  for _, statement in ipairs(log:lines(log:any_committed())) do
    lines[#lines + 1] = "  " .. statement:gsub("\n", "\n  ")
  end
  local undone = log:any_committed() and log:lines(false) or {}
  if #undone > 0 then
    lines[#lines + 1] = str_format("Rolled back (not applied): %d later statement%s.", #undone,
      #undone == 1 and "" or "s")
  end
  if recorded then
    lines[#lines + 1] = str_format("The version table says %s, and the step is recorded as failed in %s.",
      rows, self.versions.history_table)
  else
    lines[#lines + 1] = str_format("The version table says %s; the step's history row was not closed: %s.",
      rows, unrecorded)
  end
  lines[#lines + 1] = str_format("To recover: undo those statements by hand and run 'luamig stamp %s' (or"
    .. " 'luamig repair' if the version table is right as it is), or finish the step by hand and run"
    .. " 'luamig stamp %s'; then run luamig again.", before, after)
  return table_concat(lines, "\n")
end

-- The bookkeeping tables, made on the first write. Where DDL is
-- transactional this runs inside the transaction of the step (or the
-- stamp, or the run) that writes first, so that a first run that fails
-- leaves no bookkeeping tables behind. Once they are seen to exist, they
-- are not looked for again.
local function ensure_tables(self)
  if self.tables_ready then return true end
  local ok, created = self.versions:ensure()
  if not ok then return nil, created end
  if not created then self.tables_ready = true end
  return true
end

-- A statement of the revision ended its transaction (the guard's
-- backstop): what ran before it may be committed, and nothing says how
-- far. The step is recorded as failed, like one that committed part of
-- itself, and its statements are listed as maybe committed. Returns the
-- message.
local function ended_transaction(self, step, script, what)
  rollback_if_open(self)
  if self.run_transaction then self.run_committed = true end
  self.step_ended = true
  self.executed:commit()
  local ready, eerr = ensure_tables(self)
  local row_id, rerr
  if ready then row_id, rerr = self.versions:record(history_entry(self, step, script, "running")) end
  if not row_id then
    return step_failed(step, what, true) .. str_format("\nThe statement ended the revision's transaction, and"
      .. " the step could not be recorded (%s): check the schema", first_line(eerr or dberror.describe(rerr)))
  end
  self.step_row = row_id
  return committed_failure(self, step, what, true)
end

-- Where the dialect has transactional DDL: the step, its version row and
-- its history row commit together. Under --transaction all the run's one
-- transaction is open already and stays open (run_steps commits it).
local function run_transactional(self, step, script)
  local conn, own = self.conn, not self.run_transaction
  if own then
    local ok, err = conn:begin()
    if not ok then return nil, dberror.describe(err), 1 end
  end
  local ok, what, tb, ended = ensure_tables(self)
  if ok then ok, what, tb, ended = run_body(self, step, script) end
  if ok then ok, what = close_history(self, step, script) end
  if ok then
    local msg = interruption()
    if msg then ok, what = nil, msg end
  end
  if ok and own then ok, what = conn:commit() end
  if ok then return true end
  if ended then return nil, ended_transaction(self, step, script, what), 1, tb end
  if not own and not self.step_row then return nil, step_failed(step, what, true), 1, tb end  -- run_steps rolls back
  local rb_ok, rb_err = rollback_if_open(self)
  if self.step_row then return nil, committed_failure(self, step, what, rb_ok, rb_err), 1, tb end
  return nil, step_failed(step, what, rb_ok, rb_err), 1, tb
end

-- MySQL, and a revision that declares `transactional = false` anywhere:
-- record the step as running (committed at once), run it, then close the
-- record; on failure say what ran and how to recover. The statements of a
-- `transactional = false` revision run outside any transaction (CREATE
-- INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE). The version row and the
-- history record are written in one transaction of their own, opened after
-- the body when a DDL statement has ended the body's (MySQL commits before
-- and after DDL), so that both or neither are saved.
local function run_recorded(self, step, script)
  local conn = self.conn
  local outside = not script.transactional
  if self.run_transaction and conn:in_transaction() then   -- --transaction all: keep what ran before
    local ok, err = conn:commit()
    if not ok then return nil, dberror.describe(err), 1 end
    self.run_committed = true
  end
  local ready, eerr = ensure_tables(self)
  if not ready then return nil, eerr, 1 end
  local row_id, rerr = self.versions:record(history_entry(self, step, script, "running"))
  if not row_id then return nil, "cannot record the step in the history table: " .. dberror.describe(rerr), 1 end
  self.step_row = row_id
  local ok, what, tb = true, nil, nil
  if not outside then ok, what = conn:begin() end
  if ok then ok, what, tb = call_revision(self, step, script) end
  if ok and not conn:in_transaction() then ok, what = conn:begin() end
  if ok then ok, what = record_version(self, step) end
  if ok then ok, what = close_history(self, step, script) end
  if ok then
    local msg = interruption()
    if msg then ok, what = nil, msg end
  end
  if ok then ok, what = conn:commit() end
  if ok then
    if self.run_transaction then return conn:begin() end
    return true
  end
  local rb_ok, rb_err = rollback_if_open(self)
  return nil, committed_failure(self, step, what, rb_ok, rb_err), 1, tb
end

--- op.autocommit_block(fn): run fn outside the revision's transaction (for
-- statements that refuse to run in one). What the revision did before is
-- committed first, with the step recorded as running, so that a failure
-- later in the step is known afterwards; a new transaction starts after.
function Context:autocommit_block(fn)
  local conn = self.conn
  if self.offline then
    conn:commit(); fn(); conn:begin()
    return
  end
  local was_open = conn:in_transaction()  -- not in a `transactional = false` revision
  -- (nor on MySQL after DDL); the block may commit, whether or not it is
  local guarded = conn:guard_transactions(false)
  if was_open then
    if not self.step_row then
      local row_id, err = self.versions:record(history_entry(self, self.step, self.step_script, "running"))
      if not row_id then error("op.autocommit_block: cannot record the step: " .. dberror.describe(err), 0) end
      self.step_row = row_id
    end
    local ok, err = conn:commit()
    if not ok then error("op.autocommit_block: COMMIT failed: " .. dberror.describe(err), 0) end
    self.executed:commit()
    if self.run_transaction then self.run_committed = true end
  end
  fn()
  if was_open then
    local ok, err = conn:begin()
    if not ok then error("op.autocommit_block: BEGIN failed: " .. dberror.describe(err), 0) end
  end
  conn:guard_transactions(guarded)
end

-- A step's journal (luamig.journal). Where DDL is not transactional, a
-- failed statement may still have committed what ran before it, and only
-- a new statement tells: a cheap one is sent then.
local function new_journal(self)
  local conn = self.conn
  local refresh = not self.dialect.transactional_ddl and function() conn:first("SELECT 1 AS ok") end or nil
  return journal.new(conn, refresh)
end

--- Run one step. script: the revision file record (its env holds
-- upgrade/downgrade; see script.compile).
function Context:run_step(step, script)
  local up = step.direction == "up"
  if not scripts.func(script, up and "upgrade" or "downgrade") then
    return nil, str_format("%s: revision %s has no downgrade() function", script.path, script.id), 2
  end
  if self.lock then
    -- Where the lock can be lost (its connection closed by the server or a
    -- pooler), a run that lost it stops before its next step.
    local held, lerr = self.lock:check()
    if not held then
      return nil, str_format("%s; stopped before the %s of revision %s", lerr, up and "upgrade" or "downgrade",
        script.id), 1
    end
  end
  self.log(str_format("Running %s %s, %s", up and "upgrade" or "downgrade", arrow(step), script.doc))
  self.executed = new_journal(self)
  self.step, self.step_script, self.step_row, self.step_started = step, script, nil, sys.now()
  self.step_ended = nil
  local ok, msg, status, tb
  if self.dialect.transactional_ddl and script.transactional then
    ok, msg, status, tb = run_transactional(self, step, script)
  else
    ok, msg, status, tb = run_recorded(self, step, script)
  end
  self.step, self.step_script, self.step_row = nil, nil, nil
  return ok, msg, status, tb
end

-- How an unfinished step ended, as told by its row, and whether its
-- server session is still there: a step whose session still exists may
-- still be running (another luamig whose lock was lost, a statement the
-- server has not finished), and is not called stopped.
local function unfinished_state(self, row)
  if row.outcome == "failed" then
    local why = row.message ~= nil and row.message ~= driver.null and (": " .. tostring(row.message)) or ""
    return "failed" .. why, false
  end
  local session = versions.running_session(row)
  if session and self.versions:session_alive(session) then
    return str_format("it is still running, or its statement still is, in server session %s", session), true
  end
  return "luamig was stopped while it ran: killed, or its connection lost", false
end

-- A recorded step that did not finish (MySQL, `transactional = false`, an
-- autocommit block) blocks further steps until someone has looked at the
-- schema; steps in a transaction leave no record when they fail. Every
-- unsettled step counts (Versions:unfinished), the oldest is named.
local function check_unfinished(self)
  local rows, err = self.versions:unfinished()
  if rows == nil then return nil, dberror.describe(err) end
  local row = rows[1]
  if not row then return true end
  local state, alive = unfinished_state(self, row)
  local what = str_format("the %s of revision %s started at %s by %s", row.direction == "up" and "upgrade"
    or "downgrade", row.revision, tostring(row.started_at), row.applied_by ~= driver.null and
    tostring(row.applied_by) or "?")
  local more = #rows > 1 and str_format(" (and %d later unfinished step%s)", #rows - 1, #rows == 2 and "" or "s")
    or ""
  if alive then
    return nil, str_format("%s%s has not finished: %s. Wait for it to end and run luamig again; if it hangs,"
      .. " end that session on the server, then check the schema and settle the step ('luamig stamp REV' or"
      .. " 'luamig repair')", what, more, state)
  end
  return nil, str_format("%s%s did not finish (%s); part of it may be applied, and the version table says"
    .. " %s. Check the schema, then record the real state: 'luamig stamp REV' if the version table is wrong,"
    .. " or 'luamig repair' if it is right; then run luamig again", what, more, state, version_rows(self))
end

--- Run steps in order; stops at the first failure. opts.transaction:
-- "all" for one transaction around the whole run (transactional DDL only).
function Context:run_steps(steps, scripts_by_id, opts)
  opts = opts or {}
  local all = opts.transaction == "all" and #steps > 0
  if all and not self.dialect.transactional_ddl then
    return nil, str_format("--transaction all needs transactional DDL, and %s commits every DDL statement"
      .. " at once: run without it (one transaction per revision)", self.dialect.display_name or self.url.driver), 2
  end
  local ok, err = check_unfinished(self)
  if not ok then return nil, err, 1 end
  if all then
    ok, err = self.conn:begin()
    if not ok then return nil, dberror.describe(err), 1 end
    self.run_transaction, self.run_committed = true, nil
  end
  local done, msg, status, tb = true, nil, nil, nil
  for _, step in ipairs(steps) do
    local imsg, istatus = interruption()
    if imsg then
      done, msg, status = nil, str_format("%s before the %s of %s", imsg,
        step.direction == "up" and "upgrade" or "downgrade", step.node.id), istatus
      break
    end
    done, msg, status, tb = self:run_step(step, scripts_by_id[step.node.id])
    if not done then break end
  end
  if all then
    self.run_transaction = nil
    if done then
      done, msg = self.conn:commit()
      if not done then msg, status = "COMMIT of the run failed: " .. dberror.describe(msg), 1 end
    end
    if not done then
      local rb_ok, rb_err = rollback_if_open(self)
      if not rb_ok then
        msg = msg .. str_format("; the rollback failed too: %s", first_line(rb_err))
      elseif self.run_committed then
        msg = msg .. "; the run's transaction was rolled back to its last commit (a transactional = false"
          .. " revision or an op.autocommit_block commits what ran before it)"
      else
        msg = msg .. "; the whole run was rolled back (--transaction all)"
      end
    end
  end
  if not done then
    local imsg, istatus = interruption()
    if imsg then
      status = istatus
      if not msg:find(imsg, 1, true) then msg = imsg .. ": " .. msg end
      msg = msg .. str_format("\nluamig stopped (%s); the version table says %s", imsg, version_rows(self))
    end
  end
  return done, msg, status, tb
end

--- --sql: write the steps as a script. from_base: the script starts from
-- an empty database, so it creates the bookkeeping tables first. History
-- rows are not written: the history records what luamig itself ran.
function Context:write_steps(steps, scripts_by_id, from_base)
  if from_base then
    local ok, err = self.versions:create_tables(false)
    if not ok then return nil, err, 2 end
  end
  for _, step in ipairs(steps) do
    local script = scripts_by_id[step.node.id]
    local up = step.direction == "up"
    if not scripts.func(script, up and "upgrade" or "downgrade") then
      return nil, str_format("%s: revision %s has no downgrade() function", script.path, script.id), 2
    end
    self.out("")
    self.out(str_format("-- Running %s %s, %s", up and "upgrade" or "downgrade", arrow(step), script.doc))
    self.conn:begin()
    local ok, what, tb = run_body(self, step, script)
    if not ok then return nil, step_failed(step, what, true), 1, tb end
    self.conn:commit()
  end
  return true
end

--- verify --accept: record the files' current checksums as the applied
-- ones (a history row "accept" per revision), so that an intended edit is
-- no longer reported.
-- Begin a transaction of bookkeeping writes (stamp, accept) in which the
-- tables exist: made inside it where DDL is transactional, before it
-- where DDL would commit it.
local function begin_bookkeeping(self)
  if not self.dialect.transactional_ddl then
    local ok, err = ensure_tables(self)
    if not ok then return nil, err end
  end
  local ok, err = self.conn:begin()
  if not ok then return nil, dberror.describe(err) end
  return ensure_tables(self)
end

function Context:accept(records)
  local conn = self.conn
  local ok, err = begin_bookkeeping(self)
  local now = sys.now()
  for _, record in ipairs(records) do
    if not ok then break end
    ok, err = self.versions:record { revision = record.id, direction = "accept", outcome = "ok",
      started = now, finished = now, checksum = scripts.checksum(record) }
  end
  if ok then ok, err = conn:commit() end
  if not ok then rollback_if_open(self); return nil, dberror.describe(err) end
  return true
end

--- Set the version table to exactly `heads` without running any revision.
function Context:stamp(heads)
  if self.offline then
    self.versions:create_tables(true)
    self.conn:begin()
    self.versions:replace(heads)
    self.conn:commit()
    return true
  end
  local conn = self.conn
  local ok, err = begin_bookkeeping(self)
  if not ok then rollback_if_open(self); return nil, err, 1 end
  ok, err = self.versions:replace(heads)
  local now = sys.now()
  for _, id in ipairs(#heads > 0 and heads or { "base" }) do
    if not ok then break end
    ok, err = self.versions:record { revision = id, direction = "stamp", outcome = "ok",
      started = now, finished = now }
  end
  if ok then ok, err = conn:commit() end
  if not ok then rollback_if_open(self); return nil, dberror.describe(err), 1 end
  return true
end

return M
