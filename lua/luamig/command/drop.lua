-- luamig.command.drop: `luamig drop`, the database the URL names dropped
-- (or the SQLite file removed), without a question, as `dbmate drop` and
-- `dropdb`; a missing one is an error unless --if-exists.

local server = require("luamig.context.server")
local config = require("luamig.config")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local done = errors.check(server.drop(cfg, { if_exists = opts.if_exists }))
  local shown = config.mask_url(cfg.url)
  opts.outcome = { "ok", done == "dropped" and "dropped" or "not there" }
  opts.log(done == "dropped" and ("Dropped the database " .. shown)
    or ("The database " .. shown .. " does not exist; nothing to do"))
  return true
end

return {
  usage = "drop [--if-exists]", max = 0,
  flags = {
    { "--if-exists", key = "if_exists", help = "a database that does not exist is no error" },
  },
  run = run,
}
