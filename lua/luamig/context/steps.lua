-- luamig.context.steps: running the steps of a run, each revision's
-- function and its version row in one transaction where the dialect
-- allows, recorded as running first where it does not; and writing them
-- as a script for --sql.

local sys = require("luamig.sys")
local interrupt = require("luamig.interrupt")
local scripts = require("luamig.script")
local phases = require("luamig.script.phases")
local dberror = require("luamig.present.dberror")
-- What only a step that runs needs, loaded then (luamig.lazy): the context
-- carries these methods for reading commands too.
local lazy = require("luamig.lazy")
local failure = lazy("luamig.script.failure")
local journal = lazy("luamig.context.journal")
local bookkeeping = require("luamig.context.bookkeeping")
local recovery = require("luamig.context.recovery")

local first_line = require("luamig.present.revisions").first_line
local history_entry, close_history, rollback_if_open, ensure_tables =
  bookkeeping.history_entry, bookkeeping.close_history, bookkeeping.rollback_if_open, bookkeeping.ensure_tables
local step_failed, interruption, version_rows = recovery.step_failed, recovery.interruption, recovery.version_rows
local committed_failure, ended_transaction, check_unfinished =
  recovery.committed_failure, recovery.ended_transaction, recovery.check_unfinished

local Context = {}

local function parents(node)
  return #node.down_revisions > 0 and table.concat(node.down_revisions, ", ") or "<base>"
end

local function arrow(step)
  if step.direction == "up" then return string.format("%s -> %s", parents(step.node), step.node.id) end
  return string.format("%s -> %s", step.node.id, parents(step.node))
end

-- Run the revision's function; true, or the failure message naming the
-- revision's file and line (and the traceback when the body raised), and
-- `ended` when a statement of the body ended the step's transaction. A
-- returned value fails the step too (see luamig.script.failure). A body that
-- runs in a transaction luamig commits runs with the connection's
-- transaction guard on (runner/driver.h): a statement of its own that
-- would end that transaction is refused, and one found to have ended it
-- fails the step even when the revision caught that error. A transaction
-- the database rolled back itself when a statement failed (SQLite on an
-- interrupt or a full disk) committed nothing: an ordinary failure.
local function call_revision(self, step, script)
  local guarded = not self.offline and script.transactional and self.conn:in_transaction()
  -- the run's lock and statement timeouts, where they are per transaction
  local set, set_err = self:transaction_timeouts()
  if not set then return nil, script.path .. ": " .. set_err end
  script.env.op = require("luamig.ops").new(self)
  self.revision_end = { path = script.path, keys = {}, checks = {} }
  if guarded then self.conn:guard_transactions(true) end
  interrupt.guard(true)   -- Ctrl-C raises inside the body from here
  -- a phased revision run whole calls expand() then contract(): the first
  -- failure stops the step (see luamig.script.phases)
  local results, fn, name
  for _, call in ipairs(step.calls) do
    name, fn = call, scripts.func(script, call)
    results = table.pack(xpcall(fn, failure.handler(script.path)))
    if not results[1] or (results.n > 1 and results[2] ~= nil) then break end
  end
  interrupt.guard(false)
  -- What the body queued (db:queue) and did not flush is part of it: its
  -- failure is the revision's, found while the guard is on and before the
  -- version row is written.
  if not self.offline then
    local synced, serr, sinfo = self.conn:sync()
    if not synced and results[1] then
      results = table.pack(false, { message = script.path .. ": " .. dberror.describe(serr, sinfo) })
    end
  end
  local ended, rolled_back
  if guarded then ended, rolled_back = select(2, self.conn:guard_transactions(false)) end
  self:finish_progress()
  script.env.op = nil
  local checks = self.revision_end.checks
  self.revision_end = nil
  local committed = ended ~= nil and not rolled_back
  if not results[1] then return nil, results[2].message, results[2].traceback, committed end
  if ended then return nil, script.path .. ": " .. ended, nil, committed end
  local returned = failure.returned(script.path, fn, name, table.pack(table.unpack(results, 2, results.n)))
  if returned then return nil, returned end
  for _, check in ipairs(checks) do
    local ok, err = check.fn()
    if not ok then return nil, string.format("%s: %s", check.where, err) end
  end
  return true
end

--- Leave check `fn` (-> true | nil, msg) for when the revision's function
-- has returned, before its commit, once per `key` (the last call's `fn`
-- and revision line stand). Only inside a revision's open transaction,
-- whose rollback undoes the whole revision when the check fails; returns
-- false elsewhere, and the caller checks at once.
function Context:at_revision_end(key, fn)
  local pending = self.revision_end
  if not pending or self.offline or not self.conn:in_transaction() then return false end
  local check = { fn = fn, where = failure.position(pending.path, 2) or pending.path }
  local i = pending.keys[key]
  if i then pending.checks[i] = check
  else
    pending.checks[#pending.checks + 1] = check
    pending.keys[key] = #pending.checks
  end
  return true
end

-- The step's version-row change. With `queue` (a transactional step) it
-- is queued where it can be (versions:queue_apply, told whether the
-- transaction holds nothing else: `alone`), to be answered with the
-- history row by settle_bookkeeping; `queued` then says so.
local function record_version(self, step, queue, alone)
  if step.phase == "contract" then return true end  -- its version row was written by its expand
  local ok, err
  if queue then
    ok, err = self.versions:queue_apply(step.version, alone)
    if ok then return true, true end
    if ok == nil then return nil, "version table: " .. dberror.describe(err) end
  end
  ok, err = self.versions:apply(step.version)
  if not ok then return nil, "version table: " .. dberror.describe(err) end
  return true
end

-- The revision's function and its version-row update (a step of an --sql
-- script).
local function run_body(self, step, script)
  local ok, what, tb, ended = call_revision(self, step, script)
  if not ok then return nil, what, tb, ended end
  return record_version(self, step)
end

-- The answers to the queued version and history rows: one round trip for
-- both, before the COMMIT.
local function settle_bookkeeping(self)
  local ok, err, info = self.versions:settle()
  if not ok then return nil, "version table: " .. dberror.describe(err, info) end
  return true
end

-- After a step's body, in the transaction that commits it: its version row
-- and its history row (written, or closed when the step was recorded as
-- running), queued where they can be so that one round trip answers both
-- (with the COMMIT too, commit_step, when `commits` and they check
-- themselves: luamig.context.versions; `alone`: the transaction holds
-- nothing else); then a last look for an interrupt. true | nil, msg.
local function write_bookkeeping(self, step, script, commits, alone)
  local ok, what = record_version(self, step, true, alone)
  local queued = ok and what  -- the version row waits on the pipeline, for the history row
  if ok then ok, what = close_history(self, step, script, queued) end
  if ok and queued and not (commits and self.versions:checked_by_itself()) then
    ok, what = settle_bookkeeping(self)
  end
  if ok then
    local msg = interruption()
    if msg then ok, what = nil, msg end
  end
  return ok, what
end

-- The step's COMMIT, which may carry its bookkeeping (write_bookkeeping):
-- a failure there is the version table's. true | nil, msg.
local function commit_step(self)
  local ok, rows_or_err, info = self.conn:commit()  -- true, rows | nil, msg, info
  local fine, wrong = self.versions:take_carried(ok, rows_or_err, info)
  if wrong then return nil, "version table: " .. wrong end
  if ok then return true end
  if fine == nil and info and info.queued then
    return nil, "version table: " .. dberror.describe(rows_or_err, info)
  end
  return nil, rows_or_err
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
  if ok then ok, what, tb, ended = call_revision(self, step, script) end
  if ok then ok, what = write_bookkeeping(self, step, script, own) end
  if ok and own then ok, what = commit_step(self) end
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
  local ok, what, tb, alone = true, nil, nil, false
  if not outside then ok, what = conn:begin() end
  if ok then ok, what, tb = call_revision(self, step, script) end
  if ok and not conn:in_transaction() then
    ok, what = conn:begin()
    alone = ok  -- a transaction of the bookkeeping only
  end
  if ok then ok, what = write_bookkeeping(self, step, script, true, alone) end
  if ok then ok, what = commit_step(self) end
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
  if self.offline then  -- the writer's COMMIT and BEGIN are lines of the script
    assert(conn:commit())
    fn()
    assert(conn:begin())
    return
  end
  -- what the revision queued (db:queue) runs before the block
  local synced, serr, sinfo = conn:sync()
  if not synced then error(dberror.describe(serr, sinfo), 0) end
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
    ok, err = self:transaction_timeouts()
    if not ok then error("op.autocommit_block: " .. err, 0) end
  end
  conn:guard_transactions(guarded)
end

-- A step's journal (luamig.context.journal). Where DDL is not transactional, a
-- failed statement may still have committed what ran before it, and only
-- a new statement tells: a cheap one is sent then.
local function new_journal(self)
  local conn = self.conn
  local refresh = not self.dialect.transactional_ddl and function() conn:first("SELECT 1 AS ok") end or nil
  return journal.new(conn, refresh)
end

--- Run one step. script: the revision file record (its env holds
-- upgrade/downgrade; see script.compile).
-- The functions the step calls, and the phase its history row records.
local function plan_calls(step, script)
  local calls, phase = phases.calls(script, step)
  if not calls then return nil, phase end
  step.calls, step.record_phase = calls, phase
  return true
end

-- "upgrade", "downgrade", with the phase a step runs: "upgrade (expand)".
local function what_runs(step)
  local word = step.direction == "up" and "upgrade" or "downgrade"
  return step.record_phase and string.format("%s (%s)", word, step.record_phase) or word
end

function Context:run_step(step, script)
  local up = step.direction == "up"
  local planned, perr = plan_calls(step, script)
  if not planned then return nil, perr, 2 end
  if self.lock then
    -- Where the lock can be lost (its connection closed by the server or a
    -- pooler), a run that lost it stops before its next step.
    local held, lerr = self.lock:check()
    if not held then
      return nil, string.format("%s; stopped before the %s of revision %s", lerr, up and "upgrade" or "downgrade",
        script.id), 1
    end
  end
  self.log(string.format("Running %s %s, %s", what_runs(step), arrow(step), script.doc))
  self.executed = new_journal(self)
  self.step, self.step_script, self.step_row, self.step_started = step, script, nil, sys.now()
  self.step_ended = nil
  local started = sys.monotonic()
  local transactional = self.dialect.transactional_ddl and script.transactional
  local ok, msg, status, tb
  if transactional then
    ok, msg, status, tb = run_transactional(self, step, script)
  else
    ok, msg, status, tb = run_recorded(self, step, script)
  end
  self.step, self.step_script, self.step_row = nil, nil, nil
  -- Only a step that started is reported (upgrade --json writes an object
  -- per step as it ends); a refusal above it is the run's failure alone.
  if self.on_step_end then
    self.on_step_end { step = step, script = script, ok = ok == true, error = not ok and msg or nil,
      transactional = transactional == true, seconds = sys.monotonic() - started }
  end
  return ok, msg, status, tb
end

--- Run steps in order; stops at the first failure. opts.transaction:
-- "all" for one transaction around the whole run (transactional DDL only).
-- opts.on_step(info): called as each step that started ends, info = {step,
-- script, ok, error, transactional, seconds}. opts.timeouts: the run's lock
-- and statement timeouts (luamig.context.ddl_lock.settings).
function Context:run_steps(steps, scripts_by_id, opts)
  opts = opts or {}
  local all = opts.transaction == "all" and #steps > 0
  if all and not self.dialect.transactional_ddl then
    return nil, string.format("--transaction all needs transactional DDL, and %s commits every DDL statement"
      .. " at once: run without it (one transaction per revision)", self.dialect.display_name or self.url.driver), 2
  end
  local ok, err = check_unfinished(self)
  if not ok then return nil, err, 1 end
  -- Before any transaction opens: a SET inside one would be undone by its
  -- rollback, and the first statement of a step may wait already.
  ok, err = self:set_timeouts(opts.timeouts)
  if not ok then return nil, err, 1 end
  if all then
    ok, err = self.conn:begin()
    if not ok then self:reset_timeouts(); return nil, dberror.describe(err), 1 end
    self.run_transaction, self.run_committed = true, nil
  end
  local done, msg, status, tb = true, nil, nil, nil
  self.on_step_end = opts.on_step
  for _, step in ipairs(steps) do
    local imsg, istatus = interruption()
    if imsg then
      done, msg, status = nil, string.format("%s before the %s of %s", imsg,
        step.direction == "up" and "upgrade" or "downgrade", step.node.id), istatus
      break
    end
    done, msg, status, tb = self:run_step(step, scripts_by_id[step.node.id])
    if not done then break end
  end
  self.on_step_end = nil
  if all then
    self.run_transaction = nil
    if done then
      done, msg = self.conn:commit()
      if not done then msg, status = "COMMIT of the run failed: " .. dberror.describe(msg), 1 end
    end
    if not done then
      local rb_ok, rb_err = rollback_if_open(self)
      if not rb_ok then
        msg = msg .. string.format("; the rollback failed too: %s", first_line(rb_err))
      elseif self.run_committed then
        msg = msg .. "; the run's transaction was rolled back to its last commit (a transactional = false"
          .. " revision or an op.autocommit_block commits what ran before it)"
      else
        msg = msg .. "; the whole run was rolled back (--transaction all)"
      end
    end
  end
  self:reset_timeouts()
  if not done then
    local imsg, istatus = interruption()
    if imsg then
      status = istatus
      if not msg:find(imsg, 1, true) then msg = imsg .. ": " .. msg end
      msg = msg .. string.format("\nluamig stopped (%s); the version table says %s", imsg, version_rows(self))
    end
  end
  return done, msg, status, tb
end

--- --sql: write the steps as a script. from_base: the script starts from
-- an empty database, so it creates the bookkeeping tables first. History
-- rows are not written: the history records what luamig itself ran.
-- timeouts (luamig.context.ddl_lock.settings): their SETs start the
-- script and their resets end it; a script cannot retry a statement.
function Context:write_steps(steps, scripts_by_id, from_base, timeouts)
  self:set_timeouts(timeouts)
  if from_base then
    local ok, err = self.versions:create_tables(false)
    if not ok then return nil, err, 2 end
  end
  for _, step in ipairs(steps) do
    local script = scripts_by_id[step.node.id]
    local planned, perr = plan_calls(step, script)
    if not planned then return nil, perr, 2 end
    self.out("")
    self.out(string.format("-- Running %s %s, %s", what_runs(step), arrow(step), script.doc))
    local ok, what, tb
    if script.transactional then
      ok, what = self.conn:begin()
      if ok then ok, what, tb = run_body(self, step, script) end
    else
      -- As online: the body outside any transaction (psql refuses CREATE
      -- INDEX CONCURRENTLY inside one), then the version row in its own.
      ok, what, tb = call_revision(self, step, script)
      if ok then ok, what = self.conn:begin() end
      if ok then ok, what = record_version(self, step) end
    end
    if ok then ok, what = self.conn:commit() end
    if not ok then return nil, step_failed(step, what, true), 1, tb end
  end
  if self.timeouts then self.out("") end
  self:reset_timeouts()
  return true
end

return Context
