-- luamig: the library, as `require("luamig")` gives it to a Lua program or
-- a busted spec: its version, and the modules such a program uses, each
-- loaded on first use (luamig.testing pulls in the whole runner):
--   luamig.testing  checks of a project's migrations (busted);
--   luamig.api      the commands, as the CLI runs them;
--   luamig.driver   connections to SQLite, PostgreSQL and MySQL.
-- A project's config file is also named luamig.lua, but luamig reads it as
-- a file, never through require; the installed library comes first on
-- lua5.4's path (./?.lua is last), so this is what require finds there.

local sys = require("luamig.sys")

local MODULES = { testing = "luamig.testing", api = "luamig.api", driver = "luamig.driver" }

return setmetatable({ version = sys.version }, {
  __index = function(self, key)
    local name = MODULES[key]
    if name == nil then return nil end
    local module = require(name)
    rawset(self, key, module)
    return module
  end,
})
