-- luamig.context.bookkeeping: the run's writes to luamig's own tables
-- around the steps (the tables made on the first write, a step's history
-- row), the bookkeeping-only commands (stamp, verify --accept, repair) and
-- what the commands read of those tables: commands go through the context,
-- never to the tables (luamig.context.versions) themselves.

local sys = require("luamig.sys")
local dberror = require("luamig.present.dberror")
local scripts = require("luamig.script")
local versions = require("luamig.context.versions")

local M = {}
local Context = {}
M.methods = Context

-- The history entry of a step (checksums only for upgrades: what verify
-- compares is the file as it was applied).
local function history_entry(self, step, script, outcome)
  return { revision = step.node.id, direction = step.direction, outcome = outcome,
    started = self.step_started, finished = outcome ~= "running" and sys.now() or nil,
    checksum = step.direction == "up" and scripts.checksum(script) or nil,
    phase = step.record_phase, want_id = outcome == "running" }
end

-- The end of a step that went well, inside the transaction that commits it:
-- its history row, written now or (when the step was recorded as running
-- before a commit) closed now. queued: the version row was queued
-- (versions:queue_apply), and the history row's INSERT or UPDATE joins it.
local function close_history(self, step, script, queued)
  if self.step_row then return self.versions:finish(self.step_row, self.step_started, "ok", nil, queued) end
  return self.versions:record(history_entry(self, step, script, "ok"), queued)
end

local function rollback_if_open(self)
  if not self.conn:in_transaction() then return true end
  return self.conn:rollback()
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
    local ok, err = self.conn:begin()
    if ok then ok, err = self.versions:replace(heads) end
    if ok then ok, err = self.conn:commit() end
    if not ok then return nil, dberror.describe(err), 1 end
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

--- The checksum recorded for each applied revision, by id (verify, and
-- upgrade's check for edited files): table | nil, err.
function Context:recorded_checksums()
  return self.versions:checksums()
end

--- The revisions whose expand ran and whose contract has not
-- (expand/contract, see luamig.plan): a set of ids | nil, err. The caller,
-- which has the graph, keeps those the version table has applied.
function Context:expanded()
  return self.versions:expanded()
end

--- The history table, newest first (history --applied): rows | nil, err.
function Context:history_rows()
  return self.versions:history_rows()
end

--- repair: every unfinished step of the history table marked as settled by
-- hand. Returns the rows it marked ({} when every step had finished) and
-- the version rows, or nil, msg, status.
function Context:repair()
  local rows, err = self.versions:unfinished()
  if rows == nil then return nil, err, 1 end
  if #rows == 0 then return rows end
  -- A step whose server session is still there may still be running:
  -- settling it now would let the next run go over it.
  for _, row in ipairs(rows) do
    local session = row.outcome == "running" and versions.running_session(row)
    if session and self.versions:session_alive(session) then
      return nil, string.format("the %s of %s (started %s) may still be running in server session %s: wait for"
        .. " it to end, or end that session on the server, before repairing", row.direction == "up" and "upgrade"
        or "downgrade", row.revision, tostring(row.started_at), session), 1
    end
  end
  local heads, herr = self:current_heads()
  if not heads then return nil, herr, 1 end
  for _, row in ipairs(rows) do
    local ok, merr = self.versions:mark_repaired(row.id)
    if not ok then return nil, merr, 1 end
  end
  return rows, heads
end

M.history_entry, M.close_history, M.rollback_if_open, M.ensure_tables =
  history_entry, close_history, rollback_if_open, ensure_tables

return M
