-- luamig.command.repair: `luamig repair`, after the schema was fixed by
-- hand: the unfinished steps of the history table marked as settled.

local common = require "luamig.command.common"
local flags = require "luamig.command.flags"
local versions = require "luamig.context.versions"

local ipairs, tostring = ipairs, tostring
local str_format = string.format

local function run(cfg, opts)
  return common.with_context(cfg, opts, function(ctx)
    local rows, err = ctx.versions:unfinished()
    if rows == nil then return nil, err, 1 end
    if #rows == 0 then
      opts.out("Nothing to repair: every recorded step finished")
      return true
    end
    -- A step whose server session is still there may still be running:
    -- settling it now would let the next run go over it.
    for _, row in ipairs(rows) do
      local session = row.outcome == "running" and versions.running_session(row)
      if session and ctx.versions:session_alive(session) then
        return nil, str_format("the %s of %s (started %s) may still be running in server session %s: wait for"
          .. " it to end, or end that session on the server, before repairing", row.direction == "up" and "upgrade"
          or "downgrade", row.revision, tostring(row.started_at), session), 1
      end
    end
    local heads, herr = ctx:current_heads()
    if not heads then return nil, herr, 1 end
    for _, row in ipairs(rows) do
      local ok, merr = ctx.versions:mark_repaired(row.id)
      if not ok then return nil, merr, 1 end
      opts.out(str_format("Marked the %s of %s (started %s by %s, %s) as repaired by hand",
        row.direction == "up" and "upgrade" or "downgrade", row.revision, tostring(row.started_at),
        tostring(row.applied_by or "?"), row.outcome))
    end
    opts.out("The version table says " .. common.heads_text(heads))
    return true
  end, true)
end

return {
  usage = "repair", max = 0,
  summary = "after fixing the schema by hand: mark an unfinished (MySQL) step as settled",
  flags = { flags.LOCK_TIMEOUT },
  run = run,
}
