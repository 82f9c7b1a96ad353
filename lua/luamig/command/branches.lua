-- luamig.command.branches: `luamig branches`, the revisions where history
-- splits (--json: each as `heads --json` shows a revision, with its
-- `children` as such objects too).

local flags = require("luamig.command.flags")
local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local marks = present.marks(graph)
  local list = {}
  for _, id in ipairs(graph:branch_points()) do
    local node = graph:get(id)
    if opts.json then
      local object = present.json_node(graph, node, marks)
      object.children = {}
      for i, child in ipairs(node.children) do
        object.children[i] = present.json_node(graph, graph:get(child), marks)
      end
      list[#list + 1] = object
    else
      opts.out(present.branch_point(graph, node, marks, opts.verbose))
    end
  end
  if opts.json then opts.out(require("luamig.present.json").encode(list)) end
  return true
end

return {
  usage = "branches [-v] [--json]", max = 0,
  flags = { flags.JSON },
  run = run,
}
