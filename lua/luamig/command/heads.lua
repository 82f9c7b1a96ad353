-- luamig.command.heads: `luamig heads`, the newest revision of each branch.

local flags = require("luamig.command.flags")
local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local marks = present.marks(graph)
  local list = {}
  for _, id in ipairs(graph:heads()) do
    local node = graph:get(id)
    -- With dependencies resolved, a head that another revision depends on
    -- is not a head of its own.
    if not (opts.resolve_dependencies and #(node.dependents or {}) > 0) then
      if opts.json then list[#list + 1] = present.json_node(graph, node, marks)
      else opts.out(opts.verbose and present.block(graph, node, marks) or present.decorated(graph, node, marks)) end
    end
  end
  if opts.json then opts.out(require("luamig.present.json").encode(list)) end
  return true
end

return {
  usage = "heads [-v] [--resolve-dependencies] [--json]", max = 0,
  flags = {
    { "--resolve-dependencies", key = "resolve_dependencies", help = "leave out heads other revisions depend on" },
    flags.JSON,
  },
  run = run,
}
