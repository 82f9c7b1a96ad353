-- luamig.command.migrate: what `upgrade` and `downgrade` share: the steps
-- from the graph, run on the database under the lock, or written as an SQL
-- script with --sql.

local common = require("luamig.command.common")
local script = require("luamig.script")
local context = require("luamig.context")
local ddl_lock = require("luamig.context.ddl_lock")
local plan = require("luamig.plan")
local errors = require("luamig.errors")
local json = require("luamig.present.json")
local sys = require("luamig.sys")

local M = {}

local function ms(seconds)
  return math.floor(seconds * 1000 + 0.5)
end
M.ms = ms

-- One JSON Lines object, flushed at once: a program reading the pipe sees
-- each step as it ends, not when the buffer fills.
local function emit(opts, object)
  opts.out(json.encode(object))
  io.stdout:flush()
end

--- The --json of upgrade, downgrade and stamp (JSON Lines, see with_json).
M.JSON = { "--json", key = "json", help = "JSON Lines: an object per step as it ends, then a summary object" }

--- upgrade --phase (luamig.plan.upgrade_steps).
M.PHASE = { "--phase", key = "phase", value = "PHASE", choices = { "expand", "contract", "all" },
  help = "expand: the pending revisions' expand halves; contract: the expanded ones' contract halves; all (default)" }

-- The phase of an upgrade: --phase, else upgrade_phase of luamig.lua, else all.
local function phase_of(cfg, opts)
  local phase = opts.phase or cfg.upgrade_phase or "all"
  if not plan.PHASES[phase] then
    errors.fail(string.format('upgrade_phase = "%s" in %s: it must be "expand", "contract" or "all"', phase,
      cfg.config_file or "luamig.lua"), 2)
  end
  return phase
end

--- --json and --sql both want stdout, one for JSON and one for SQL.
function M.refuse_json_with_sql(opts)
  if opts.json and opts.sql then
    errors.fail(string.format("%s: --json and --sql cannot be combined: --sql writes the SQL script to standard"
      .. " output (run --json without --sql)", opts.command or "upgrade"), 2)
  end
end

-- The text of a failure as stderr shows it, without "luamig: ".
local function failure_text(e)
  local text = errors.text(e)
  if e.kind == "internal" then text = text:match("^[^\n]*") end
  return text
end

--- with_json(opts, command, fn): fn(report) where report is nil without
-- --json; with it, upgrade/downgrade/stamp write JSON Lines: report.step(t)
-- writes a step object as the step ends, and whatever fn does, a summary
-- object comes last (report.target, .heads_before and .heads, set by fn,
-- go in it), the failure raised again after it.
function M.with_json(opts, command, fn)
  if not opts.json then return fn(nil) end
  local started = sys.monotonic()
  local report = { steps = 0 }
  function report.step(object)
    if object.outcome == "ok" then report.steps = report.steps + 1 end
    object.type = "step"
    if object.error == nil then object.error = json.null end
    emit(opts, object)
  end
  local ok, failure = errors.catch(fn, report)
  emit(opts, { type = "summary", command = command, outcome = ok and "ok" or "failed",
    status = ok and (opts.outcome and opts.outcome[1] or "ok") or "failed",
    target = report.target or json.null, steps = report.steps,
    heads_before = report.heads_before or json.null, heads = report.heads or json.null,
    duration_ms = ms(sys.monotonic() - started), exit_code = ok and 0 or failure.status,
    error = not ok and failure_text(failure) or json.null })
  if not ok then error(failure, 0) end
  return true
end

-- The JSON object of an upgrade or downgrade step (context.steps'
-- on_step): from and to as the progress line's arrow reads them.
local function step_object(info)
  local node, up = info.step.node, info.step.direction == "up"
  return { revision = node.id, direction = info.step.direction,
    from = up and node.down_revisions or { node.id }, to = up and { node.id } or node.down_revisions,
    doc = info.script.doc or "", path = info.script.path or json.null, duration_ms = ms(info.seconds),
    transactional = info.transactional, outcome = info.ok and "ok" or "failed", error = info.error,
    phase = info.step.record_phase }
end

-- Applied revisions whose files changed since: upgrade stops on them
-- unless --allow-edited (verify lists every kind of drift).
local function refuse_edited(ctx, graph, heads)
  local recorded = errors.check(ctx:recorded_checksums())
  if next(recorded) == nil then return end
  local known = {}
  for _, id in ipairs(heads) do if graph:get(id) then known[#known + 1] = id end end
  local edited = {}
  for _, node in ipairs(#known > 0 and graph:walk(known) or {}) do
    local want = recorded[node.id]
    if want and want ~= script.checksum(node.script) then edited[#edited + 1] = node end
  end
  if #edited == 0 then return end
  table.sort(edited, function(a, b) return a.id < b.id end)
  local first = edited[1]
  local others = #edited > 1 and string.format(" (and %d more)", #edited - 1) or ""
  local used = first.script and first.script.helpers
  local what = used and #used > 0 and ("its file or a helper it requires (" .. table.concat(used, ", ") .. ")")
    or "its file"
  errors.raise { status = 1,
    message = string.format("revision %s (%s)%s was edited after it was applied: %s no longer matches"
      .. " the checksum recorded then", first.id, first.path or "?", others, what),
    hint = string.format("run 'luamig verify' to see every difference; if the edit is intended,"
      .. " accept it with 'luamig verify --accept %s', or upgrade anyway with --allow-edited", first.id) }
end

-- What a fleet prints for this target (luamig.fleet): {status, text}.
-- heads: the version rows after the run (nil if reading them failed).
local function outcome(direction, nsteps, heads, target)
  if nsteps == 0 then return { "unchanged", "already at " .. target } end
  local done = direction == "up" and "upgraded" or "downgraded"
  local to = heads and (" to " .. common.heads_text(heads)) or ""
  return { done, string.format("%s %s%s", done, common.plural(nsteps, "revision"), to) }
end

--- Runs the steps from the database's version rows to opts.target.
-- report: with_json's, or nil.
function M.online(direction, cfg, opts, report)
  local graph, by_id = errors.check(plan.load(cfg))
  common.with_context(cfg, opts, function(ctx)
    local heads = errors.check(ctx:current_heads())
    if report then report.heads_before, report.heads = heads, heads end
    if direction == "up" and not opts.allow_edited then refuse_edited(ctx, graph, heads) end
    local expanded = errors.check(ctx:expanded())
    -- an upgrade's second value, once it has steps: the contract phase's
    -- refusal of a revision not expanded, raised after the steps before it
    local steps, serr
    if direction == "up" then
      steps, serr = plan.upgrade_steps(graph, by_id, heads, opts.target, phase_of(cfg, opts), expanded)
    else
      steps, serr = plan.downgrade_steps(graph, by_id, heads, opts.target, expanded)
    end
    if not steps then errors.fail(serr, 2) end
    local refusal = serr
    -- upgrade --lint: the same steps written offline first, and nothing
    -- run when an error-level rule fires on them
    if opts.lint then
      require("luamig.command.lint_plan").refuse(cfg, opts, steps, by_id, nil, #heads == 0)
    end
    local transaction = opts.transaction or (cfg.transaction_per_migration == false and "all" or "per-revision")
    local timeouts = errors.check(ddl_lock.settings(cfg, opts, ctx.dialect))
    local done, msg, status, tb = ctx:run_steps(steps, by_id, { transaction = transaction, timeouts = timeouts,
      on_step = report and function(info) report.step(step_object(info)) end })
    -- The rows after the run, read again: a failure may have kept some
    -- steps (or, under --transaction all, none). Not after a signal, when
    -- the run should end now.
    if report and (done or (status or 1) < 128) then report.heads = ctx:current_heads() end
    errors.check(done, msg, status, tb)
    if refusal then errors.fail(refusal, 1) end
    if opts.fleet_child or report then
      opts.outcome = outcome(direction, #steps, report and report.heads or ctx:current_heads(), opts.target)
    end
  end, true)
  return true
end

--- --sql: the script of the steps from FROM to TO, written without a
-- database. FROM defaults to base for an upgrade; a downgrade needs it.
function M.offline(direction, cfg, opts)
  local graph, by_id = errors.check(plan.load(cfg))
  local from, to = opts.target:match("^(.-):(.+)$")
  if not from then
    if direction == "down" then
      errors.fail("downgrade --sql needs FROM:TO, the revision the database is at and the target (e.g. head:base)", 2)
    end
    from, to = "base", opts.target
  end
  local where = "--sql " .. opts.target
  local from_rows = {}
  if from ~= "base" and from ~= "" then
    local rows, err = graph:target_heads({}, "up", from)
    if not rows then errors.raise { where = where, message = err, status = 2 } end
    from_rows = rows
  end
  local phase = direction == "up" and phase_of(cfg, opts) or "all"
  local steps, serr, bad_target
  if direction == "up" then steps, serr, bad_target = plan.offline_upgrade_steps(graph, by_id, from_rows, to, phase)
  else steps, serr, bad_target = plan.steps(graph, by_id, direction, from_rows, to) end
  if not steps then errors.raise { where = bad_target and where or nil, message = serr, status = 2 } end
  local ctx = errors.check(context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log }))
  local timeouts = errors.check(ddl_lock.settings(cfg, opts, ctx.dialect))
  -- the contract script runs after the expand script, which made the tables
  local from_base = #from_rows == 0 and direction == "up" and phase ~= "contract"
  return errors.check(ctx:write_steps(steps, by_id, from_base, timeouts))
end

--- upgrade and downgrade: --dialect only with --sql, then one of the two.
function M.run(direction, cfg, opts)
  M.refuse_json_with_sql(opts)
  -- a bad --ddl-lock-retries and the like before anything connects (the
  -- dialect's own limits are checked once it is known)
  errors.check(ddl_lock.settings(cfg, opts, {}))
  if opts.sql then
    common.refuse_dialect_without_sql(opts)
    return M.offline(direction, cfg, opts)
  end
  return M.with_json(opts, direction == "up" and "upgrade" or "downgrade", function(report)
    if report then report.target = opts.target end
    common.refuse_dialect_without_sql(opts)
    return M.online(direction, cfg, opts, report)
  end)
end

return M
