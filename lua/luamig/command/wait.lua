-- luamig.command.wait: `luamig wait`, until the server of the URL accepts
-- connections (a container starting, as `dbmate wait`), trying every
-- second; exit 1 with the last error after --timeout seconds (default 60).

local server = require("luamig.context.server")
local config = require("luamig.config")
local errors = require("luamig.errors")

local DEFAULT_TIMEOUT = 60  -- dbmate's --wait-timeout

local function run(cfg, opts)
  local timeout = opts.timeout or DEFAULT_TIMEOUT
  local waited, tries = errors.check(server.wait(cfg, timeout, 1, opts.log))
  opts.outcome = { "ok", string.format("ready after %.1f s", waited) }
  if tries > 1 then opts.log(string.format("%s accepts connections", config.mask_url(cfg.url))) end
  return true
end

return {
  usage = "wait [--timeout SECONDS]", max = 0,
  flags = {
    { "--timeout", key = "timeout", value = "SECONDS", number = true,
      help = "give up after this long (default " .. DEFAULT_TIMEOUT .. "; 0: try once)" },
  },
  run = run,
}
