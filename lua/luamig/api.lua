-- luamig.api: what the embedding API (runner/luamig.h, runner/api.c)
-- calls. An environment is the settings of one `luamig -c FILE -u URL`
-- command line and a log function; each call runs the command of that name
-- as the CLI does, with opts.embedded so that the program keeps its own
-- signal handlers, and with output and progress going to the program's
-- log callback instead of stdout and stderr.
-- Every function returns a value (true for the commands), or nil, msg,
-- status: C has no use for a raised error value (luamig.errors), so
-- returning() turns it into those three.

local config = require("luamig.config")
local command = require("luamig.command")
local common = require("luamig.command.common")
local errors = require("luamig.errors")

local M = {}

--- open(config_file, script_location, url, log) -> env | nil, msg, status
-- config_file nil: no file when script_location is given, else
-- ./luamig.lua when present (the CLI's rule).
function M.open(config_file, script_location, url, log)
  if config_file == nil and script_location ~= nil then config_file = false end
  local cfg, err = config.load { config_file = config_file, url = url }
  if not cfg then return nil, err, 2 end
  if script_location then cfg.script_location = script_location end
  local ok, uerr = config.parse_url(cfg.url)
  if not ok then return nil, uerr, 2 end
  return { cfg = cfg, log = log }
end

local function options(env, target)
  return {
    args = { target },
    embedded = true,
    out = env.log,
    log = env.log,
    lock_timeout = env.cfg.lock_timeout,
  }
end

-- fn(...)'s value, or nil, msg, status for what it raised.
local function returning(fn, ...)
  local ok, value = errors.catch(fn, ...)
  if ok then return value end
  return nil, errors.text(value), value.status
end

function M.upgrade(env, target)
  return returning(command.upgrade, env.cfg, options(env, target or "head"))
end

function M.downgrade(env, target)
  if not target then return nil, "downgrade needs a target: a revision, -1 or base", 2 end
  return returning(command.downgrade, env.cfg, options(env, target))
end

--- The database's version rows, comma-separated ("" at base), read as
-- `luamig current` reads them.
function M.current(env)
  return returning(function()
    return table.concat(common.database_heads(env.cfg, { log = env.log }), ",")
  end)
end

return M
