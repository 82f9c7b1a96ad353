-- luamig.command.show: `luamig show REV`, one revision in full.

local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local ids, err = graph:resolve(opts.args[1], nil)
  if not ids then errors.fail(err, 2) end
  local marks = present.marks(graph)
  for _, id in ipairs(ids) do opts.out(present.block(graph, graph:get(id), marks)) end
  return true
end

return {
  usage = "show REV", min = 1, max = 1,
  summary = "show one revision",
  targets_help = true,
  flags = {},
  run = run,
}
