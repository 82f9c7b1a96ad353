-- Writes meta/luacheck/luamig.lua, the luacheck std "luamig", from luamig's own
-- revision environment (luamig.command.init_editor makes the table, as `luamig init`
-- does for a project's .luacheckrc). Run from the top of the tree, after `make`:
--   lua5.4 meta/luacheck/generate.lua > meta/luacheck/luamig.lua
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "bin/?.so;" .. package.cpath
local editor = require("luamig.command.init_editor")
io.write([[
-- The luacheck std "luamig": what a luamig revision file sees (op inside upgrade() and
-- downgrade(), Column, the types and constraints, sql, null and part of the standard
-- library). In a .luacheckrc:
--   stds.luamig = dofile("/usr/local/share/luamig/meta/luacheck/luamig.lua")
--   std = "lua54+luamig"
-- `luamig init` writes the same table into a new project's .luacheckrc. The file is made
-- from luamig's own revision environment by luamig.command.init_editor; after a change
-- there, spec/unit/meta_spec.lua fails until it is made again:
--   lua5.4 meta/luacheck/generate.lua > meta/luacheck/luamig.lua
return ]], editor.std_text(), "\n")
