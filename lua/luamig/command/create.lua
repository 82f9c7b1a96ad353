-- luamig.command.create: `luamig create`, the database the URL names made
-- on its server (or the SQLite file), as `dbmate create`; an existing one
-- is an error unless --if-not-exists.

local server = require("luamig.context.server")
local config = require("luamig.config")
local errors = require("luamig.errors")

local function run(cfg, opts)
  local done = errors.check(server.create(cfg, { if_not_exists = opts.if_not_exists }))
  local shown = config.mask_url(cfg.url)
  opts.outcome = { "ok", done == "created" and "created" or "already there" }
  opts.log(done == "created" and ("Created the database " .. shown)
    or ("The database " .. shown .. " already exists; nothing to do"))
  return true
end

return {
  usage = "create [--if-not-exists]", max = 0,
  flags = {
    { "--if-not-exists", key = "if_not_exists", help = "a database that exists already is no error" },
  },
  run = run,
}
