-- luamig.command.repair: `luamig repair`, after the schema was fixed by
-- hand: the unfinished steps of the history table marked as settled.

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local errors = require("luamig.errors")

local function run(cfg, opts)
  common.with_context(cfg, opts, function(ctx)
    local rows, heads = errors.check(ctx:repair())
    if #rows == 0 then
      opts.out("Nothing to repair: every recorded step finished")
      return
    end
    for _, row in ipairs(rows) do
      opts.out(string.format("Marked the %s of %s (started %s by %s, %s) as repaired by hand",
        row.direction == "up" and "upgrade" or "downgrade", row.revision, tostring(row.started_at),
        tostring(row.applied_by or "?"), row.outcome))
    end
    opts.out("The version table says " .. common.heads_text(heads))
  end, true)
  return true
end

return {
  usage = "repair", max = 0,
  flags = { flags.LOCK_TIMEOUT },
  run = run,
}
