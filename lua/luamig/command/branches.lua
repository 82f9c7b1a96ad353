-- luamig.command.branches: `luamig branches`, the revisions where history
-- splits.

local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local marks = present.marks(graph)
  for _, id in ipairs(graph:branch_points()) do
    opts.out(present.branch_point(graph, graph:get(id), marks, opts.verbose))
  end
  return true
end

return {
  usage = "branches [-v]", max = 0,
  summary = "show the revisions where history splits",
  flags = {},
  run = run,
}
