-- luamig.command.migrate: what `upgrade` and `downgrade` share: the steps
-- from the graph, run on the database under the lock, or written as an SQL
-- script with --sql.

local common = require "luamig.command.common"
local script = require "luamig.script"
local context = require "luamig.context"
local plan = require "luamig.plan"

local ipairs, next = ipairs, next
local str_format, table_sort = string.format, table.sort

local M = {}

-- Applied revisions whose files changed since: upgrade stops on them
-- unless --allow-edited (verify lists every kind of drift).
local function refuse_edited(ctx, graph, heads)
  local recorded, err = ctx:recorded_checksums()
  if not recorded then return nil, err, 1 end
  if next(recorded) == nil then return true end
  local known = {}
  for _, id in ipairs(heads) do if graph:get(id) then known[#known + 1] = id end end
  local edited = {}
  for _, node in ipairs(#known > 0 and graph:walk(known) or {}) do
    local want = recorded[node.id]
    if want and want ~= script.checksum(node.script) then edited[#edited + 1] = node end
  end
  if #edited == 0 then return true end
  table_sort(edited, function(a, b) return a.id < b.id end)
  local first = edited[1]
  local others = #edited > 1 and str_format(" (and %d more)", #edited - 1) or ""
  return nil, str_format("revision %s (%s)%s was edited after it was applied: its file no longer matches"
    .. " the checksum recorded then. Run 'luamig verify' to see every difference; if the edit is intended,"
    .. " accept it with 'luamig verify --accept %s', or upgrade anyway with --allow-edited",
    first.id, first.path or "?", others, first.id), 1
end

-- What a fleet prints for this target (luamig.fleet): {status, text}.
-- heads: the version rows after the run (nil if reading them failed).
local function outcome(direction, nsteps, heads, target)
  if nsteps == 0 then return { "unchanged", "already at " .. target } end
  local done = direction == "up" and "upgraded" or "downgraded"
  local to = heads and (" to " .. common.heads_text(heads)) or ""
  return { done, str_format("%s %s%s", done, common.plural(nsteps, "revision"), to) }
end

--- Runs the steps from the database's version rows to opts.target.
function M.online(direction, cfg, opts)
  local graph, by_id, status = plan.load(cfg)
  if not graph then return nil, by_id, status end
  return common.with_context(cfg, opts, function(ctx)
    local heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
    if direction == "up" and not opts.allow_edited then
      local ok, eerr, estatus = refuse_edited(ctx, graph, heads)
      if not ok then return nil, eerr, estatus end
    end
    local steps, serr = plan.steps(graph, by_id, direction, heads, opts.target)
    if not steps then return nil, serr, 2 end
    local transaction = opts.transaction or (cfg.transaction_per_migration == false and "all" or "per-revision")
    local ok, msg, st, tb = ctx:run_steps(steps, by_id, { transaction = transaction })
    if ok and opts.fleet_child then
      opts.outcome = outcome(direction, #steps, ctx:current_heads(), opts.target)
    end
    return ok, msg, st, tb
  end, true)
end

--- --sql: the script of the steps from FROM to TO, written without a
-- database. FROM defaults to base for an upgrade; a downgrade needs it.
function M.offline(direction, cfg, opts)
  local graph, by_id, status = plan.load(cfg)
  if not graph then return nil, by_id, status end
  local from, to = opts.target:match("^(.-):(.+)$")
  if not from then
    if direction == "down" then
      return nil, "downgrade --sql needs FROM:TO, the revision the database is at and the target (e.g. head:base)", 2
    end
    from, to = "base", opts.target
  end
  local from_rows = {}
  if from ~= "base" and from ~= "" then
    local rows, err = graph:target_heads({}, "up", from)
    if not rows then return nil, str_format("--sql %s: %s", opts.target, err), 2 end
    from_rows = rows
  end
  local steps, serr, bad_target = plan.steps(graph, by_id, direction, from_rows, to)
  if not steps then
    return nil, bad_target and str_format("--sql %s: %s", opts.target, serr) or serr, 2
  end
  local ctx, err, cstatus = context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log })
  if not ctx then return nil, err, cstatus end
  return ctx:write_steps(steps, by_id, #from_rows == 0 and direction == "up")
end

--- upgrade and downgrade: --dialect only with --sql, then one of the two.
function M.run(direction, cfg, opts)
  local bad, why = common.dialect_without_sql(opts)
  if bad then return nil, why, 2 end
  if opts.sql then return M.offline(direction, cfg, opts) end
  return M.online(direction, cfg, opts)
end

return M
