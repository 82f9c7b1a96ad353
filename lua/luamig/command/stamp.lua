-- luamig.command.stamp: `luamig stamp REV...`, the version table set to
-- REVs without running any revision (or, with --sql, the script that does;
-- --json: JSON Lines, as upgrade's).

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local migrate = require("luamig.command.migrate")
local json = require("luamig.present.json")
local sys = require("luamig.sys")
local context = require("luamig.context")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

-- The rows after stamping `targets` over `rows`: each target replaces the
-- rows on its own line of descent (ancestors and descendants), as Alembic's
-- stamp does; `base` clears everything.
local function stamped_rows(graph, rows, targets)
  local result = {}
  for _, r in ipairs(rows) do result[#result + 1] = r end
  for _, target in ipairs(targets) do
    if target == "base" then
      result = {}
    else
      local ids, err = graph:resolve(target, result)
      if not ids then return nil, err, 2 end
      for _, id in ipairs(ids) do
        local kept = {}
        for _, r in ipairs(result) do
          if r ~= id and not graph:is_ancestor(r, id) and not graph:is_ancestor(id, r) then
            kept[#kept + 1] = r
          end
        end
        kept[#kept + 1] = id
        result = kept
      end
    end
  end
  table.sort(result)
  return result
end

-- --json: an object per revision the stamp records (the new rows, or
-- base), as the history table records it; one transaction, so one outcome.
local function report_stamp(report, graph, before, after, seconds, err)
  for _, id in ipairs(#after > 0 and after or { "base" }) do
    local node = graph:get(id)
    report.step { revision = id, direction = "stamp", from = before, to = after,
      doc = node and node.doc or "", path = node and node.path or json.null, duration_ms = migrate.ms(seconds),
      transactional = true, outcome = err and "failed" or "ok", error = err }
  end
end

local function run_online(cfg, opts, graph, report)
  common.with_context(cfg, opts, function(ctx)
    local rows = errors.check(ctx:current_heads())
    if report then report.heads_before, report.heads = rows, rows end
    local before = rows
    if opts.purge then rows = {} end
    for _, r in ipairs(rows) do
      if not graph:get(r) then
        errors.fail(string.format("the version table names %s, which no revision file has: "
          .. "run 'luamig stamp --purge REV' to replace every row", r), 2)
      end
    end
    local new_rows = errors.check(stamped_rows(graph, rows, opts.args))
    local started = sys.monotonic()
    local ok, err, status = ctx:stamp(new_rows)
    if report then
      report_stamp(report, graph, before, new_rows, sys.monotonic() - started, not ok and err or nil)
      if ok then report.heads = new_rows end
    end
    errors.check(ok, err, status)
    opts.log("Stamped " .. common.heads_text(new_rows))
    opts.outcome = { "stamped", "stamped " .. common.heads_text(new_rows) }
  end, true)
  return true
end

local function run(cfg, opts)
  migrate.refuse_json_with_sql(opts)
  if opts.sql then
    common.refuse_dialect_without_sql(opts)
    local graph = errors.check(plan.load(cfg))
    local rows = errors.check(stamped_rows(graph, {}, opts.args))
    local ctx = errors.check(context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log }))
    return errors.check(ctx:stamp(rows))
  end
  return migrate.with_json(opts, "stamp", function(report)
    common.refuse_dialect_without_sql(opts)
    return run_online(cfg, opts, errors.check(plan.load(cfg)), report)
  end)
end

return {
  usage = "stamp REV... [--purge] [--json]", min = 1,
  targets_help = true,
  flags = flags.with_fleet({
    flags.LOCK_TIMEOUT,
    { "--purge", key = "purge", help = "delete every version row first" },
    flags.SQL, flags.DIALECT, migrate.JSON,
  }),
  run = run,
}
