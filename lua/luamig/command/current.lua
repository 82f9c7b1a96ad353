-- luamig.command.current: `luamig current`, the revision(s) the database
-- is at (--check-heads: exit 1 unless at the heads).

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local config = require("luamig.config")
local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local heads, expanded = common.heads_and_expanded(cfg, opts, graph)
  local marks = present.marks(graph, opts.json and heads or nil)
  opts.outcome = { "ok", "at " .. common.heads_text(heads) }
  if opts.json then
    local list = {}
    for i, id in ipairs(heads) do
      local node = graph:get(id)
      list[i] = node and present.json_node(graph, node, marks) or { id = id, unknown = true }
      if expanded[id] then list[i].expanded = true end
    end
    opts.out(require("luamig.present.json").encode({ url = config.mask_url(cfg.url), heads = list }))
  end
  if opts.verbose and not opts.json then opts.out("Current revision(s) for " .. config.mask_url(cfg.url) .. ":") end
  for _, id in ipairs(opts.json and {} or heads) do
    local node = graph:get(id)
    -- a revision whose contract has not run (luamig.plan's phases)
    local phase = expanded[id] and " (expanded)" or ""
    if not node then opts.out(string.format("%s (no revision file has this id)", id))
    elseif opts.verbose then opts.out((present.block(graph, node, marks):gsub("\n", phase .. "\n", 1)))
    else opts.out(present.decorated(graph, node, marks) .. phase) end
  end
  if opts.check_heads then
    local target = graph:target_heads(heads, "up", "heads")
    if not target or table.concat(target, ",") ~= table.concat(heads, ",") then
      errors.fail(string.format("the database is not at the head revision(s): it is at %s; the heads are %s"
        .. " (run 'luamig upgrade heads')", common.heads_text(heads), table.concat(graph:heads(), ", ")), 1)
    end
  end
  return true
end

return {
  usage = "current [-v] [--check-heads]", max = 0,
  flags = flags.with_fleet({
    { "--check-heads", key = "check_heads", help = "exit 1 unless the database is at the heads" },
    flags.JSON,
  }),
  run = run,
}
