-- luamig.command.merge: `luamig merge REV... -m MESSAGE`, a revision whose
-- parents are REVs (heads, usually), so that history has one head again.

local flags = require("luamig.command.flags")
local revision_file = require("luamig.command.revision_file")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

local function run(cfg, opts)
  if not opts.message then errors.fail("merge: -m MESSAGE is required", 2) end
  local graph, by_id = errors.check(plan.load(cfg))
  local downs, seen = {}, {}
  for _, target in ipairs(opts.args) do
    local ids, err = graph:resolve(target, nil)
    if not ids then errors.raise { where = "merge", message = err, status = 2 } end
    for _, id in ipairs(ids) do
      if not seen[id] then seen[id] = true; downs[#downs + 1] = id end
    end
  end
  if #downs < 2 then
    errors.fail(string.format("merge: %s name%s one revision; a merge needs two or more (e.g. 'heads')",
      table.concat(opts.args, " "), #opts.args == 1 and "s" or ""), 2)
  end
  table.sort(downs)
  revision_file.write(cfg, opts, by_id, { down_revisions = downs, depends_on = {} })
  return true
end

return {
  usage = "merge REV... -m MESSAGE [--branch-label L] [--rev-id ID]", min = 1,
  targets_help = true,
  flags = {
    { "-m", "--message", key = "message", value = "MESSAGE", help = "what the merge is (required)" },
    { "--branch-label", key = "branch_label", value = "LABEL", help = "a label for the merged branch" },
    flags.REV_ID,
  },
  run = run,
}
