-- luamig.command.migrate: what `upgrade` and `downgrade` share: the steps
-- from the graph, run on the database under the lock, or written as an SQL
-- script with --sql.

local common = require("luamig.command.common")
local script = require("luamig.script")
local context = require("luamig.context")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local M = {}

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
function M.online(direction, cfg, opts)
  local graph, by_id = errors.check(plan.load(cfg))
  common.with_context(cfg, opts, function(ctx)
    local heads = errors.check(ctx:current_heads())
    if direction == "up" and not opts.allow_edited then refuse_edited(ctx, graph, heads) end
    local steps, serr = plan.steps(graph, by_id, direction, heads, opts.target)
    if not steps then errors.fail(serr, 2) end
    local transaction = opts.transaction or (cfg.transaction_per_migration == false and "all" or "per-revision")
    errors.check(ctx:run_steps(steps, by_id, { transaction = transaction }))
    if opts.fleet_child then
      opts.outcome = outcome(direction, #steps, ctx:current_heads(), opts.target)
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
  local steps, serr, bad_target = plan.steps(graph, by_id, direction, from_rows, to)
  if not steps then errors.raise { where = bad_target and where or nil, message = serr, status = 2 } end
  local ctx = errors.check(context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log }))
  return errors.check(ctx:write_steps(steps, by_id, #from_rows == 0 and direction == "up"))
end

--- upgrade and downgrade: --dialect only with --sql, then one of the two.
function M.run(direction, cfg, opts)
  common.refuse_dialect_without_sql(opts)
  if opts.sql then return M.offline(direction, cfg, opts) end
  return M.online(direction, cfg, opts)
end

return M
