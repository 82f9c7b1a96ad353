-- luamig.context.recovery: what a failed or interrupted step leaves, told
-- exactly: which statements stay applied, what the version table says,
-- how to recover; and the check that refuses a run while an earlier step
-- is unsettled.

local driver = require("luamig.driver")
local interrupt = require("luamig.interrupt")
local dberror = require("luamig.present.dberror")
local versions = require("luamig.context.versions")
local bookkeeping = require("luamig.context.bookkeeping")

local first_line = require("luamig.present.revisions").first_line
local history_entry, rollback_if_open, ensure_tables =
  bookkeeping.history_entry, bookkeeping.rollback_if_open, bookkeeping.ensure_tables

local M = {}

local function step_failed(step, what, rb_ok, rb_err)
  local msg = string.format("%s %s failed: %s", step.direction == "up" and "upgrade" or "downgrade",
    step.node.id, first_line(what))
  if not rb_ok then msg = msg .. string.format(" (and the rollback failed: %s)", first_line(rb_err)) end
  return msg
end

-- A signal caught since the run started: the message and exit status.
local function interruption()
  local name, number = interrupt.caught()
  if name then return "interrupted by " .. name, 128 + number end
end

-- The version table's rows as a sentence part: "r001, r002", "base", or
-- what reading it said.
local function version_rows(self)
  local heads, err = self:current_heads()
  if not heads then return "unknown (reading it failed: " .. first_line(dberror.describe(err)) .. ")" end
  return #heads > 0 and table.concat(heads, ", ") or "base"
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
  local unrecorded = not recorded and string.format("its row %s in %s could not be marked %s (%s) and still says"
    .. " running", tostring(self.step_row), self.versions.history_table, outcome,
    first_line(dberror.describe(record_err, record_info)))
  -- A clean failure reads as one in a transaction does: one line.
  if clean then
    if recorded then return step_failed(step, what, rb_ok, rb_err) end
    return step_failed(step, what, rb_ok, rb_err) .. string.format("\nNothing of %s stays applied, but %s: run"
      .. " 'luamig repair' to settle it.", id, unrecorded)
  end
  local lines = { step_failed(step, what, rb_ok, rb_err) }
  local rows = version_rows(self)
  -- What to stamp to mark the step undone or done.
  local parent_rows = #step.node.down_revisions > 0 and table.concat(step.node.down_revisions, " ") or "base"
  local before = step.direction == "up" and parent_rows or id
  local after = step.direction == "up" and id or parent_rows
  if self.step_ended then
    lines[#lines + 1] = string.format("A statement of revision %s ended its transaction: these statements ran"
      .. " before or with it and may be committed, in this order:", id)
  elseif not log:any_committed() then
    lines[#lines + 1] = string.format("The rollback of %s failed, so what it ran may stay applied:", id)
  elseif self.step_script and not self.step_script.transactional then
    lines[#lines + 1] = string.format("Revision %s runs outside a transaction (transactional = false): these"
      .. " statements ran and stay applied, in this order:", id)
  elseif self.dialect.transactional_ddl then
    lines[#lines + 1] = string.format("Part of revision %s ran outside its transaction (op.autocommit_block):"
      .. " these statements were committed and stay applied, in this order:", id)
  else
    lines[#lines + 1] = string.format("%s commits DDL at once: these statements of %s were committed and stay"
      .. " applied, in this order:", self.dialect.display_name or self.url.driver, id)
  end
  for _, statement in ipairs(log:lines(log:any_committed())) do
    lines[#lines + 1] = "  " .. statement:gsub("\n", "\n  ")
  end
  local undone = log:any_committed() and log:lines(false) or {}
  if #undone > 0 then
    lines[#lines + 1] = string.format("Rolled back (not applied): %d later statement%s.", #undone,
      #undone == 1 and "" or "s")
  end
  if recorded then
    lines[#lines + 1] = string.format("The version table says %s, and the step is recorded as failed in %s.",
      rows, self.versions.history_table)
  else
    lines[#lines + 1] = string.format("The version table says %s; the step's history row was not closed: %s.",
      rows, unrecorded)
  end
  lines[#lines + 1] = string.format("To recover: undo those statements by hand and run 'luamig stamp %s' (or"
    .. " 'luamig repair' if the version table is right as it is), or finish the step by hand and run"
    .. " 'luamig stamp %s'; then run luamig again.", before, after)
  return table.concat(lines, "\n")
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
    return step_failed(step, what, true) .. string.format("\nThe statement ended the revision's transaction, and"
      .. " the step could not be recorded (%s): check the schema", first_line(eerr or dberror.describe(rerr)))
  end
  self.step_row = row_id
  return committed_failure(self, step, what, true)
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
    return string.format("it is still running, or its statement still is, in server session %s", session), true
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
  local what = string.format("the %s of revision %s started at %s by %s", row.direction == "up" and "upgrade"
    or "downgrade", row.revision, tostring(row.started_at), row.applied_by ~= driver.null and
    tostring(row.applied_by) or "?")
  local more = #rows > 1 and string.format(" (and %d later unfinished step%s)", #rows - 1, #rows == 2 and "" or "s")
    or ""
  if alive then
    return nil, string.format("%s%s has not finished: %s. Wait for it to end and run luamig again; if it hangs,"
      .. " end that session on the server, then check the schema and settle the step ('luamig stamp REV' or"
      .. " 'luamig repair')", what, more, state)
  end
  return nil, string.format("%s%s did not finish (%s); part of it may be applied, and the version table says"
    .. " %s. Check the schema, then record the real state: 'luamig stamp REV' if the version table is wrong,"
    .. " or 'luamig repair' if it is right; then run luamig again", what, more, state, version_rows(self))
end

M.step_failed, M.interruption, M.version_rows, M.committed_failure, M.ended_transaction, M.check_unfinished =
  step_failed, interruption, version_rows, committed_failure, ended_transaction, check_unfinished

return M
