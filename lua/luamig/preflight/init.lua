-- luamig.preflight: what a writing command checks about the server before
-- it takes the migration lock or changes anything: that the database can
-- be written (not a read-only replica), and that the topology it sits in
-- keeps what luamig writes consistent (a Galera node must be Synced and
-- replicate DDL). One module per driver; SQLite has nothing to check.

local M = {}

-- Module names: a run loads its own backend's checks only.
local CHECKS = {
  postgres = "luamig.preflight.postgres",
  mysql = "luamig.preflight.mysql",
}

--- ctx: an open context (luamig.context); opts: the command's options.
-- Returns true, or nil, msg, status (1: the server refuses what the
-- command would do; 2: a setting that cannot work).
function M.check(ctx, opts)
  local check = CHECKS[ctx.url.driver] and require(CHECKS[ctx.url.driver])
  if not check then return true end
  return check(ctx, opts)
end

return M
