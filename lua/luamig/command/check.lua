-- luamig.command.check: `luamig check`, exit 0 when the database matches
-- the models, else 1 with the differences (for CI).

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local autogen = require("luamig.autogen")
  local changes = common.with_context(cfg, opts, function(ctx)
    return errors.check(autogen.changes(ctx, graph, false))
  end)
  local lines = {}
  for i, c in ipairs(changes) do lines[i] = autogen.describe(c) end
  if opts.json then
    opts.out(require("luamig.present.json").encode({ ok = #changes == 0, differences = lines }))
  else
    for _, l in ipairs(lines) do opts.out(l) end
    if #changes == 0 then opts.out("No differences: the database matches the models") end
  end
  opts.outcome = { "ok", "matches the models" }
  if #changes > 0 then
    errors.fail(string.format("%d difference%s between the models and the database: run 'luamig revision"
      .. " --autogenerate -m MESSAGE' to write them as a revision", #changes, #changes == 1 and "" or "s"), 1)
  end
  return true
end

return {
  usage = "check [--json]", max = 0,
  summary = "compare the models with the database; exit 1 on any difference",
  flags = flags.with_fleet({ flags.JSON }, false),
  run = run,
}
