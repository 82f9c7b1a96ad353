-- luamig.command.show: `luamig show REV`, one revision in full (--json: an
-- array of the revisions REV names, as `heads --json` shows them).

local flags = require("luamig.command.flags")
local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local ids, err = graph:resolve(opts.args[1], nil)
  if not ids then errors.fail(err, 2) end
  local marks = present.marks(graph)
  if opts.json then
    -- An array even for one revision: `show heads` may name several.
    local list = {}
    for i, id in ipairs(ids) do list[i] = present.json_node(graph, graph:get(id), marks) end
    opts.out(require("luamig.present.json").encode(list))
    return true
  end
  for _, id in ipairs(ids) do opts.out(present.block(graph, graph:get(id), marks)) end
  return true
end

return {
  usage = "show REV [--json]", min = 1, max = 1,
  targets_help = true,
  flags = { flags.JSON },
  run = run,
}
