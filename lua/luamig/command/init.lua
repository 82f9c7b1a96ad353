-- luamig.command: the commands, one file each (luamig.command.<name>), as
-- LuaRocks has its cmd/. A command's file returns its usage, summary,
-- argument counts (min, max), flags (luamig.command.flags), whether it
-- takes the targets help (targets_help) or busted's arguments (passthrough),
-- and run(cfg, opts): true, or a raised luamig.errors value (status 1: the
-- command ran and found a problem or a migration failed; 2: bad input),
-- which cli.lua reports and api.lua returns as nil, msg, status. Output
-- goes through opts.out (stdout) and opts.log (progress on stderr), so that
-- the same functions serve the CLI, the embedding API and the specs.
--
-- command.upgrade(cfg, opts) etc. run a command; command.spec(name) is its
-- file's table; command.NAMES lists them all.

local M = {}

M.NAMES = { "branches", "check", "create", "current", "downgrade", "drop", "graph", "heads", "history", "init", "lint", "merge", "plan", "repair",
  "revision", "show", "stamp", "status", "test", "upgrade", "verify", "wait" }

local KNOWN = {}
for _, name in ipairs(M.NAMES) do KNOWN[name] = true end

-- `init` is this package's own file name.
local FILE = { init = "init_project" }

--- The table of command `name`'s file, or nil if there is no such command.
-- Each file is loaded the first time it is asked for: a run loads only
-- its own command.
function M.spec(name)
  if not KNOWN[name] then return nil end
  return require("luamig.command." .. (FILE[name] or name))
end

return setmetatable(M, {
  __index = function(_, name)
    local spec = M.spec(name)
    return spec and spec.run
  end,
})
