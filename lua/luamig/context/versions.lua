-- luamig.context.versions: the bookkeeping tables.
--
-- The version table holds one row per current head, exactly as Alembic's
-- alembic_version does (so an Alembic-managed database can be adopted by
-- naming it). The history table next to it keeps one row per step that
-- ran: what, which way, when, by whom and how it ended. On a database that
-- cannot roll DDL back (MySQL) a step's row is written as "running" before
-- the step starts, so that a step cut off half-way is known afterwards.

local types = require("luamig.schema.types")
local sys = require("luamig.sys")

local M = {}

local Versions = {}
Versions.__index = Versions

-- The SQL of these tables that differs by backend comes from the dialect
-- (luamig.ddl): whether a table exists (in version_table_schema, or nil:
-- the connection's own), and the server session a connection is and
-- whether a session still exists: a step recorded as running names its
-- session, so that a later run can tell a step still running on the
-- server from one that was cut off.

--- conn: a driver connection; dialect: its ddl dialect; names from config;
-- schema: version_table_schema (both tables live there), or nil for the
-- connection's own schema (PostgreSQL's search_path, MySQL's database).
function M.new(conn, dialect, version_table, history_table, schema)
  return setmetatable({
    conn = conn, dialect = dialect,
    version_table = version_table, history_table = history_table, schema = schema,
    q_version = dialect:qualify(version_table, schema), q_history = dialect:qualify(history_table, schema),
    prepared = {},
  }, Versions)
end

-- Run one of the bookkeeping statements. Each is prepared once per run and
-- reused for every step: on MySQL that saves a round trip per statement,
-- and SQLite parses it once.
local function prepared(self, sql)
  local stmt = self.prepared[sql]
  if not stmt then
    local err, info
    stmt, err, info = self.conn:prepare(sql)
    if not stmt then return nil, err, info end
    self.prepared[sql] = stmt
  end
  return stmt
end

function Versions:run(sql, ...)
  local stmt, err, info = prepared(self, sql)
  if not stmt then return nil, err, info end
  return stmt:execute(...)
end

--- Close the prepared statements (before the connection closes).
function Versions:close()
  for _, stmt in pairs(self.prepared) do stmt:close() end
  self.prepared = {}
end

function Versions:table_exists(name)
  local row, err
  local sql = self.dialect.table_exists_sql
  if self.dialect.catalog_schemas then
    row, err = self.conn:first(sql, self.schema, name)
  else
    row, err = self.conn:first(sql, name)
  end
  if err then return nil, err end
  return row ~= nil
end

--- The revisions in the version table, sorted; {} before the first write.
function Versions:heads()
  local exists, err = self:table_exists(self.version_table)
  if exists == nil then return nil, err end
  if not exists then return {} end
  local rows, qerr = self.conn:query("SELECT version_num FROM " .. self.q_version)
  if not rows then return nil, qerr end
  local heads = {}
  for i, row in ipairs(rows) do heads[i] = row.version_num end
  table.sort(heads)
  return heads
end

local Column, String, Integer, Text = types.Column, types.String, types.Integer, types.Text

local function version_table_record(name, schema)
  return {
    kind = "create_table", table = name, schema = schema, constraints = {},
    columns = { Column("version_num", String(32), { primary_key = true, nullable = false }) },
  }
end

local function history_table_record(name, schema)
  return {
    kind = "create_table", table = name, schema = schema, constraints = {},
    columns = {
      Column("id", Integer, { primary_key = true }),
      Column("revision", String(32), { nullable = false }),
      Column("direction", String(8), { nullable = false }),   -- up, down, stamp
      Column("outcome", String(16), { nullable = false }),    -- running, ok, failed
      Column("checksum", String(80)),                         -- sha256:<64 hex digits>
      Column("started_at", String(32), { nullable = false }), -- ISO 8601, UTC
      Column("finished_at", String(32)),
      Column("duration_ms", Integer),
      Column("applied_by", String(255)),                      -- user@host pid N
      Column("luamig_version", String(32)),
      Column("message", Text),
      -- expand, contract, or NULL for a whole revision; added in place to
      -- the history tables of older luamig versions (Versions:ensure)
      Column("phase", String(8)),
    },
  }
end

-- The history table's phase column, for a table made before it existed.
local function phase_column_record(name, schema)
  return { kind = "add_column", table = name, schema = schema, column = Column("phase", String(8)) }
end

--- The create_table records of both tables (the bench replays them).
function M.table_records(version_table, history_table, schema)
  return version_table_record(version_table, schema), history_table_record(history_table, schema)
end

local function run_record(self, record)
  local statements, cerr = self.dialect:compile(record)
  if not statements then return nil, cerr end
  for _, sql in ipairs(statements) do
    local ok, xerr = self.conn:execute(sql)
    if not ok then return nil, string.format("cannot create table %s: %s", record.table, xerr) end
  end
  return true
end

-- The columns luamig reads of each table (phase aside: a history table
-- without it is an older luamig's, upgraded in place on the first write).
local VERSION_COLUMNS = "version_num"
local HISTORY_COLUMNS = "id, revision, direction, outcome, checksum, started_at, finished_at, duration_ms,"
  .. " applied_by, luamig_version, message"

--- Are the tables that the settings name, where they exist, luamig's?
-- A version_table that names an application table (or the history
-- table) would otherwise fail later with a bare "no such column", or
-- worse, after writing. `where`: the settings file, for the message.
-- Returns true | nil, msg, status (1: the database could not be read; 2:
-- a table of another shape).
function Versions:check_shape(where)
  for _, t in ipairs {
    { key = "version_table", name = self.version_table, q = self.q_version, columns = VERSION_COLUMNS },
    { key = "history_table", name = self.history_table, q = self.q_history, columns = HISTORY_COLUMNS },
  } do
    local exists, err = self:table_exists(t.name)
    if exists == nil then return nil, err, 1 end
    if exists then
      local rows, qerr = self.conn:query("SELECT " .. t.columns .. " FROM " .. t.q .. " WHERE 1 = 0")
      if not rows then
        return nil, string.format("%s %q%s names a table that is not luamig's %s (%s): name another table",
          t.key, t.name, where and (" (in " .. where .. ")") or "",
          t.key == "version_table" and "version table" or "history table", tostring(qerr)), 2
      end
      -- Read now, outside any transaction: on PostgreSQL a failed SELECT
      -- inside one would abort it.
      if t.key == "history_table" then
        self.has_phase = self.conn:query("SELECT phase FROM " .. t.q .. " WHERE 1 = 0") ~= nil
      end
    end
  end
  return true
end

--- Create both tables if they are not there yet (on the first write).
-- Returns true and whether it created one. Where DDL is transactional the
-- caller runs this inside the first step's transaction, so that a first
-- run that fails leaves no bookkeeping tables behind.
function Versions:ensure()
  local version_rec, history_rec = M.table_records(self.version_table, self.history_table, self.schema)
  local created = false
  for _, record in ipairs { version_rec, history_rec } do
    local exists, err = self:table_exists(record.table)
    if exists == nil then return nil, err end
    if not exists then
      local ok, cerr = run_record(self, record)
      if not ok then return nil, cerr end
      created = true
      if record == history_rec then self.has_phase = true end
    end
  end
  if self.has_phase == false then
    -- A history table made by an older luamig: its phase column is added
    -- now, on the first write, as the tables themselves are made then.
    local statements, cerr = self.dialect:compile(phase_column_record(self.history_table, self.schema))
    if not statements then return nil, cerr end
    for _, sql in ipairs(statements) do
      local ok, xerr = self.conn:execute(sql)
      if not ok then return nil, string.format("cannot add the phase column to %s: %s", self.history_table, xerr) end
    end
    self.has_phase = true
  end
  return true, created
end

--- Create both tables without looking first (--sql scripts, which cannot
-- look); if_not_exists for a script that may meet them already there.
function Versions:create_tables(if_not_exists)
  local version_rec, history_rec = M.table_records(self.version_table, self.history_table, self.schema)
  for _, record in ipairs { version_rec, history_rec } do
    record.if_not_exists = if_not_exists
    local ok, err = run_record(self, record)
    if not ok then return nil, err end
  end
  self.has_phase = true
  return true
end

--- Apply a step's change: {delete = ids, insert = ids, update = {from, to}}.
function Versions:apply(change)
  for _, id in ipairs(change.delete or {}) do
    local ok, err = self:run("DELETE FROM " .. self.q_version .. " WHERE version_num = ?", id)
    if not ok then return nil, err end
  end
  if change.update then
    local n, err = self:run("UPDATE " .. self.q_version .. " SET version_num = ? WHERE version_num = ?",
      change.update.to, change.update.from)
    if not n then return nil, err end
    if n ~= 1 then
      return nil, string.format("expected one row %s in %s to update to %s, found %d",
        change.update.from, self.version_table, change.update.to, n)
    end
  end
  for _, id in ipairs(change.insert or {}) do
    local ok, err = self:run("INSERT INTO " .. self.q_version .. " (version_num) VALUES (?)", id)
    if not ok then return nil, err end
  end
  return true
end

-- After queue_apply(): `stmt` with `values` queued too, the `rows` it
-- changes (1 if nil) counted for settle(), which answers them all.
local function queue_row(self, stmt, values, rows)
  self.queued_rows = self.queued_rows + (rows or 1)
  return stmt:queue(0, table.unpack(values, 1, values.n))
end

-- The version UPDATE that queue_apply() left for a history row, queued
-- on its own when none takes it (at once where the dialect cannot join
-- it to one).
local function flush_move(self)
  local move = self.pending_move
  if not move then return true end
  self.pending_move = nil
  local stmt, err = prepared(self, "UPDATE " .. self.q_version .. " SET version_num = ? WHERE version_num = ?")
  if not stmt then return nil, err end
  return queue_row(self, stmt, table.pack(move.to, move.from))
end

--- Queue a linear step's change to the version rows (one UPDATE, or the
-- first INSERT), and then with record(entry, true) its history row, on the
-- binding's pipeline: settle() reads both answers in one round trip rather
-- than one each, and checks the counts. Returns false for what it does not
-- queue (a merge's or a branch's rows, an --sql script's writer, which
-- has no answers to wait for): the caller runs apply() instead.
-- Where the dialect can (move_with_history: PostgreSQL) the UPDATE waits
-- for record(): one statement moves the version row and inserts the
-- history row, whose revision the UPDATE's RETURNING gives, so that it
-- fails (NOT NULL) when the UPDATE finds no row. What is queued then
-- checks itself, and the COMMIT may carry it (checked_by_itself).
-- With `alone` (the transaction holds nothing but this bookkeeping) and
-- where the dialect can (move_with_close: MySQL, whose statements cannot
-- fail on a count) the UPDATE waits for finish(): one multi-table UPDATE
-- moves the version row and closes the running row, both or neither, so
-- that a COMMIT that carries it commits nothing when it found no row, and
-- the count it returns tells (take_carried).
function Versions:queue_apply(change, alone)
  local update, insert = change.update, change.insert or {}
  local linear = (update and #insert == 0) or (not update and #insert == 1)
  if self.conn.sync == nil or (change.delete or {})[1] or not linear then return false end
  self.queued_change, self.queued_rows, self.checked = change, 0, false
  if update then
    self.pending_move = update
    if self.dialect.move_with_history or (alone and self.dialect.move_with_close) then return true end
    return flush_move(self)
  end
  local stmt, err = prepared(self, "INSERT INTO " .. self.q_version .. " (version_num) VALUES (?)")
  if not stmt then return nil, err end
  return queue_row(self, stmt, table.pack(insert[1]))
end

--- Read the answers of what queue_apply() and record(entry, true) queued:
-- true, or nil, msg. The INSERTs change one row each or fail; so the rows
-- changed tell whether the UPDATE found its row, as apply() checks.
function Versions:settle()
  local moved, merr = flush_move(self)
  local change, expected = self.queued_change, self.queued_rows
  self.queued_change, self.queued_rows, self.checked = nil, nil, false
  local n, err, info = self.conn:sync()
  if not moved and n then return nil, merr end
  if not n then return nil, err, info end
  if change and change.update and n ~= expected then
    return nil, string.format("expected one row %s in %s to update to %s, found %d",
      change.update.from, self.version_table, change.update.to, n - (expected - 1))
  end
  return true
end

--- After queue_apply() and record(entry, true) or finish(..., true): true
-- when what they queued checks itself (the version row moved by the
-- history row's statement), for the COMMIT to carry instead of a settle()
-- of its own (take_carried then tells what became of it). false: settle()
-- first.
function Versions:checked_by_itself()
  -- false, or the statement that checks itself: {} from record(),
  -- { closing = the running row's id } from finish()
  local checked = self.checked
  if not checked then return false end
  self.carried = { change = self.queued_change, rows = self.queued_rows, closing = checked.closing }
  self.queued_change, self.queued_rows, self.checked = nil, nil, false
  return true
end

local function found_none(self, carried)
  local update = carried.change.update
  if carried.closing then  -- finish()'s statement: both rows or neither
    return string.format("expected one row %s in %s to update to %s and the running row %s in %s to close:"
      .. " one of them is not there, and neither changed", update.from, self.version_table, update.to,
      tostring(carried.closing), self.history_table)
  end
  return string.format("expected one row %s in %s to update to %s, found 0", update.from, self.version_table, update.to)
end

--- The bookkeeping the last COMMIT carried, taken, with the outcome of
-- that COMMIT (the connection's commit(): true and the rows the carried
-- statements changed, or nil, msg, info): true when there was none or it
-- went as it should; else nil and what went wrong when the version
-- UPDATE found no row (the statement failed, or on MySQL changed nothing
-- and the COMMIT committed nothing), or nil, nil for another failure.
function Versions:take_carried(ok, rows, info)
  local carried = self.carried
  self.carried = nil
  if not carried then return true end
  if ok then
    if rows == carried.rows then return true end
    return nil, found_none(self, carried)
  end
  -- not_null_violation: the history row's revision, NULL (record())
  if info and info.queued and info.sqlstate == "23502" then return nil, found_none(self, carried) end
  return nil, nil
end

--- Replace every row with `heads` (stamp).
function Versions:replace(heads)
  local ok, err = self.conn:execute("DELETE FROM " .. self.q_version)
  for _, id in ipairs(heads) do
    if not ok then break end
    ok, err = self.conn:execute("INSERT INTO " .. self.q_version .. " (version_num) VALUES (?)", id)
  end
  return ok, err
end

---------------------------------------------------------------------------
-- History rows

local function iso_time(t)
  local secs = math.floor(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", secs) .. string.format(".%03dZ", math.floor((t - secs) * 1000))
end

local who -- user@host pid N, the same for the whole run
local function applied_by()
  who = who or string.format("%s@%s pid %d", sys.username() or "?", sys.hostname() or "?", sys.getpid())
  return who
end

--- This connection's server session id, or nil (SQLite).
function Versions:session_id()
  local sql = self.dialect.session_id_sql
  if not sql then return nil end
  if self.session == nil then
    local row = self.conn:first(sql)
    self.session = row and tostring(row.id) or false
  end
  return self.session or nil
end

--- Is the server session `id` still connected? true, false, or nil when
-- it cannot be told.
function Versions:session_alive(id)
  local sql = self.dialect.session_alive_sql
  if not sql or not id then return nil end
  local row, err = self.conn:first(sql, tonumber(id))
  if err then return nil end
  return row ~= nil
end

-- A running row's message names the session that runs the step.
local RUNNING_PREFIX = "running in server session "

--- The server session named by a running row, or nil.
function M.running_session(row)
  local message = row.message
  return type(message) == "string" and message:match("^" .. RUNNING_PREFIX .. "(%d+)$") or nil
end

-- How the id of the row just inserted is told: with the INSERT where the
-- dialect has a returning_id (PostgreSQL; see there why), else from the
-- INSERT's own result (MySQL's OK packet, SQLite's connection), which holds
-- behind a pooler as well.

--- Insert a history row; returns true, or its id when entry.want_id. A
-- running row names this connection's server session in its message.
-- entry: revision, direction, outcome, started (sys.now()), finished, checksum, message.
-- queue: after queue_apply(), queue the INSERT too (see there).
function Versions:record(entry, queue)
  local finished = entry.finished
  if entry.outcome == "running" and entry.message == nil then
    local session = self:session_id()
    if session then entry.message = RUNNING_PREFIX .. session end
  end
  local returning = entry.want_id and self.dialect.returning_id
  -- an older luamig's table not yet given its phase column (ensure does)
  -- takes the rows of whole revisions only
  local phased = self.has_phase ~= false
  if not phased and entry.phase then return nil, "the history table has no phase column" end
  local columns = " (revision, direction, outcome, checksum, started_at, finished_at, duration_ms, applied_by,"
    .. " luamig_version, message" .. (phased and ", phase)" or ")")
  local others = phased and ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" or ", ?, ?, ?, ?, ?, ?, ?, ?, ?)"
  local values = table.pack(entry.revision, entry.direction, entry.outcome, entry.checksum, iso_time(entry.started),
    finished and iso_time(finished) or nil,
    finished and math.floor((finished - entry.started) * 1000 + 0.5) or nil,
    applied_by(), sys.version, entry.message, entry.phase)
  if not phased then values.n = values.n - 1 end  -- no phase column, no phase value
  local queued = queue and self.queued_rows and not entry.want_id
  local move = queued and self.dialect.move_with_history and self.pending_move
  if move then  -- the version UPDATE queue_apply() left for it (see there)
    local stmt, err = prepared(self, "WITH moved AS (UPDATE " .. self.q_version
      .. " SET version_num = ? WHERE version_num = ? RETURNING version_num) INSERT INTO " .. self.q_history
      .. columns .. " VALUES ((SELECT CAST(? AS VARCHAR(32)) FROM moved)" .. others)
    if not stmt then return nil, err end
    self.pending_move, self.checked = nil, {}
    return queue_row(self, stmt, table.pack(move.to, move.from, table.unpack(values, 1, values.n)))
  end
  local stmt, err = prepared(self, "INSERT INTO " .. self.q_history .. columns .. " VALUES (?" .. others
    .. (returning or ""))
  if not stmt then return nil, err end
  if queued then return queue_row(self, stmt, values) end
  local run = returning and stmt.first or stmt.execute
  local result; result, err = run(stmt, table.unpack(values, 1, values.n))
  if not result then return nil, err end
  if returning then return tonumber(result.id) end
  if entry.want_id then return self.conn:last_insert_id() end
  return true
end

--- Close a "running" row: outcome, finish time, message. queue: after
-- queue_apply(), queue the UPDATE too (it changes one row, as record's
-- INSERT does).
function Versions:finish(id, started, outcome, message, queue)
  local now = sys.now()
  local finished, duration = iso_time(now), math.floor((now - started) * 1000 + 0.5)
  local sql = "UPDATE " .. self.q_history
    .. " SET outcome = ?, finished_at = ?, duration_ms = ?, message = ? WHERE id = ?"
  local values = table.pack(outcome, finished, duration, message, id)
  if queue and self.queued_rows then
    local move = self.dialect.move_with_close and self.pending_move
    if move then  -- the version UPDATE queue_apply() left for it (see there)
      local stmt, err = prepared(self, "UPDATE " .. self.q_version .. " AS v, " .. self.q_history
        .. " AS h SET v.version_num = ?, h.outcome = ?, h.finished_at = ?, h.duration_ms = ?, h.message = ?"
        .. " WHERE v.version_num = ? AND h.id = ?")
      if not stmt then return nil, err end
      self.pending_move, self.checked = nil, { closing = id }
      return queue_row(self, stmt, table.pack(move.to, outcome, finished, duration, message, move.from, id), 2)
    end
    local moved, merr = flush_move(self)
    if not moved then return nil, merr end
    local stmt, err = prepared(self, sql)
    if not stmt then return nil, err end
    return queue_row(self, stmt, values)
  end
  return self:run(sql, table.unpack(values, 1, values.n))
end

--- Remove the running row `id` of a step that committed nothing.
function Versions:forget(id)
  return self:run("DELETE FROM " .. self.q_history .. " WHERE id = ? AND outcome = 'running'", id)
end

--- Mark the unfinished row `id` as settled by hand (luamig repair).
function Versions:mark_repaired(id)
  return self:run("UPDATE " .. self.q_history .. " SET outcome = 'repaired', message = ? WHERE id = ?",
    "marked repaired by " .. applied_by(), id)
end

require("luamig.context.history_reads").install(Versions)

M.iso_time = iso_time
return M
