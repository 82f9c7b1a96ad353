-- luamig.command.init_editor: the editor, linter and test-runner files
-- `luamig init` writes beside a project: .luacheckrc (with the luacheck
-- std "luamig"), .luarc.json (the Lua Language Server stubs of meta/luals),
-- .busted (plain busted under Lua 5.4) and .gitignore.
--
-- The std is made here from the revision sandbox itself (luamig.script's
-- environment and luamig.ops' op table), not written out by hand, so that a
-- new op or type is in every new project's .luacheckrc at once; the copy
-- shipped for other projects, meta/luacheck/luamig.lua, is checked against
-- it by spec/unit/meta_spec.lua.

local script = require("luamig.script")
local ops = require("luamig.ops")
local types = require("luamig.schema.types")
local sys = require("luamig.sys")
local json = require("luamig.present.json")

local M = {}

--- The globals a revision file sets and luamig reads (luamig.script's
-- DECLARED): writable in the std, where every other name is read-only.
M.DECLARED = { "branch_labels", "depends_on", "down_revision", "downgrade", "revision", "transactional", "upgrade" }

local function sorted(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- How luacheck may use a global the sandbox holds: a library table copy
-- (string, os...) by exactly the fields it has, a type (a table with a
-- metatable, callable) by any field, a function or `null` by none.
local function definition(v)
  if type(v) == "table" and getmetatable(v) == nil then
    local fields = {}
    for k in pairs(v) do fields[k] = {} end
    return { fields = fields }
  elseif type(v) == "table" then
    return { other_fields = true }
  end
  return {}
end

--- The luacheck std "luamig": what a revision file sees, as luacheck's
-- table form ({globals =, read_globals =}). Every name is probed in a
-- fresh sandbox, which raises for what a revision cannot read.
function M.luacheck_std()
  local env = script.environment()
  local candidates = { null = true }
  for k in pairs(_G) do candidates[k] = true end
  for k in pairs(types.environment()) do candidates[k] = true end
  local declared = {}
  for _, name in ipairs(M.DECLARED) do declared[name] = true end
  local read = {}
  for name in pairs(candidates) do
    if type(name) == "string" and not declared[name] then
      local ok, v = pcall(function() return env[name] end)
      if ok and v ~= nil then read[name] = definition(v) end
    end
  end
  -- op exists only while upgrade()/downgrade() run; its fields are the
  -- operations, so that a misspelt one is a warning.
  local op_fields = {}
  for name in pairs(ops.new({ run_op = function() return true end })) do op_fields[name] = {} end
  read.op = { fields = op_fields }
  -- require loads the project's helper modules (luamig.script.helpers);
  -- the probe above cannot see it, as it exists only in a file's sandbox.
  read.require = {}
  local globals = {}
  for _, name in ipairs(M.DECLARED) do globals[name] = {} end
  return { globals = globals, read_globals = read }
end

-- A definition table as Lua text, keys sorted, fields wrapped at about
-- 100 columns so that the file reads (and passes luacheck's line length).
local function definition_text(def, indent)
  if def.other_fields then return "{ other_fields = true }" end
  if not def.fields then return "{}" end
  local lines, line = {}, ""
  for _, k in ipairs(sorted(def.fields)) do
    local item = k .. " = {},"
    if #line + #item + #indent > 100 then
      lines[#lines + 1] = line
      line = ""
    end
    line = line == "" and item or line .. " " .. item
  end
  if line ~= "" then lines[#lines + 1] = line end
  local inner = indent .. "  "
  return "{ fields = {\n" .. inner .. table.concat(lines, "\n" .. inner) .. "\n" .. indent .. "} }"
end

--- The std as the text of a Lua table constructor.
function M.std_text(std)
  std = std or M.luacheck_std()
  local out = { "{" }
  for _, part in ipairs { "globals", "read_globals" } do
    out[#out + 1] = "  " .. part .. " = {"
    for _, name in ipairs(sorted(std[part])) do
      out[#out + 1] = "    " .. name .. " = " .. definition_text(std[part][name], "    ") .. ","
    end
    out[#out + 1] = "  },"
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n")
end

--- .luacheckrc: the std inlined, so that it needs no path to luamig.
function M.luacheckrc()
  return table.concat({
    "-- luacheck settings, written by `luamig init`. The std \"luamig\" is what a revision file",
    "-- sees: op (inside upgrade() and downgrade()), Column, the types and constraints, sql, null",
    "-- and the part of the standard library luamig gives it (no io, load or debug; require loads helpers).",
    "-- Revisions are checked against it alone; luamig.lua gets the whole standard library too,",
    "-- specs busted's globals. A project's own operations (op.register, `operations` in",
    "-- luamig.lua) are added to op's fields:",
    "--   stds.luamig.read_globals.op.fields.create_sequence = {}",
    "stds.luamig = " .. M.std_text(),
    "",
    "std = \"lua54+luamig\"",
    "-- revisions hold long SQL strings and calls autogenerate writes on one line",
    "max_line_length = false",
    "files[\"migrations/versions/**/*.lua\"] = { std = \"luamig\" }",
    "files[\"migrations/models.lua\"] = { std = \"luamig\", read_globals = { \"Table\" } }",
    "files[\"spec/**/*.lua\"] = { std = \"+busted\" }",
    "",
  }, "\n")
end

-- The directory of the running luamig, or nil (an embedding program).
local function exe_dir()
  local exe = sys.exe_path()
  return exe and exe:match("^(.*)/[^/]*$")
end

local function exists(path) return sys.stat(path) ~= nil end

-- An absolute path without its "." and ".." steps (the executable's own
-- path is already free of links: /proc/self/exe), for the files written.
local function normalize(path)
  local parts = {}
  for step in path:gmatch("[^/]+") do
    if step == ".." then parts[#parts] = nil
    elseif step ~= "." then parts[#parts + 1] = step end
  end
  return "/" .. table.concat(parts, "/")
end

--- The directory holding luals/ and luacheck/ (meta/ in the source
-- tree, PREFIX/share/luamig/meta installed), found from the executable as
-- the host finds its Lua sources (runner/host.c); nil when there is none.
function M.meta_dir()
  local dir = exe_dir()
  if not dir then return nil end
  for _, candidate in ipairs { dir .. "/../meta", dir .. "/../../meta", dir .. "/../share/luamig/meta" } do
    if exists(candidate .. "/luals/revision.lua") then return normalize(candidate) end
  end
  return nil
end

-- Busted's globals, which the stubs do not declare.
local BUSTED_GLOBALS = { "describe", "context", "it", "spec", "test", "before_each", "after_each", "setup",
  "teardown", "lazy_setup", "lazy_teardown", "strict_setup", "strict_teardown", "pending", "finally", "insulate",
  "expose", "spy", "stub", "mock" }

--- .luarc.json for the Lua Language Server: the stubs as a library, Lua 5.4.
function M.luarc(meta)
  local quoted = {}
  for i, g in ipairs(BUSTED_GLOBALS) do quoted[i] = json.encode(g) end
  return table.concat({
    "{",
    "  \"runtime.version\": \"Lua 5.4\",",
    "  \"workspace.library\": [" .. json.encode(meta .. "/luals") .. "],",
    "  \"workspace.checkThirdParty\": false,",
    "  \"diagnostics.globals\": [" .. table.concat(quoted, ", ") .. "]",
    "}",
    "",
  }, "\n")
end

--- Where this luamig's Lua sources and Lua C module are: lua_dir (holding
-- luamig/testing.lua) and so_dir (holding luamig.so), or nil.
function M.module_dirs()
  local dir = exe_dir()
  if not dir then return nil end
  for _, pair in ipairs {
    { dir .. "/../share/lua/5.4", dir .. "/../lib/lua/5.4" },     -- make install, a LuaRocks tree
    { dir .. "/../lua", dir },                                    -- the build tree: bin/luamig, bin/luamig.so
    { dir .. "/../../lua", dir .. "/.." },                        -- bin/sanitize/luamig
  } do
    if exists(pair[1] .. "/luamig/testing.lua") and exists(pair[2] .. "/luamig.so") then
      return normalize(pair[1]), normalize(pair[2])
    end
  end
  return nil
end

-- .busted: the paths are looked for when busted starts, next to the luamig
-- on PATH first (so that a checkout used on other machines, or in CI with
-- luamig installed elsewhere, still works), then where init found them.
-- The file runs under Lua 5.1 (Debian's busted) and again under 5.4.
local BUSTED = [[
-- busted settings, written by `luamig init`: plain `busted` runs the specs as `luamig test`
-- does, under Lua 5.4 (Debian's busted starts under Lua 5.1 and switches to `lua`), with
-- luamig's Lua modules (luamig.testing) and its Lua C module (luamig.so) on the paths,
-- looked for next to the `luamig` on PATH, then where `luamig init` found them.
local function readable(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

local function luamig_dirs()
  local candidates = {}
  local p = io.popen('readlink -f "$(command -v luamig)" 2>/dev/null')
  local exe = p and p:read("*l")
  if p then p:close() end
  local bin = exe and exe:match("^(.*)/[^/]*$")
  if bin then
    candidates[#candidates + 1] = { bin .. "/../share/lua/5.4", bin .. "/../lib/lua/5.4" }
    candidates[#candidates + 1] = { bin .. "/../lua", bin }
  end
  candidates[#candidates + 1] = { ${lua_dir}, ${so_dir} }
  for _, c in ipairs(candidates) do
    if readable(c[1] .. "/luamig/testing.lua") and readable(c[2] .. "/luamig.so") then return c[1], c[2] end
  end
  return ${lua_dir}, ${so_dir}
end

local lua_dir, so_dir = luamig_dirs()
return {
  _all = {
    -- only when busted runs under another Lua: `luamig test` (Lua 5.4 already) must not
    -- start a second busted
    lua = _VERSION ~= "Lua 5.4" and "lua5.4" or nil,
    lpath = lua_dir .. "/?.lua;" .. lua_dir .. "/?/init.lua",
    cpath = so_dir .. "/?.so",
  },
}
]]

--- .busted, with init's own find as the last resort ("" when it found none).
function M.busted(lua_dir, so_dir)
  local fields = { lua_dir = string.format("%q", lua_dir or ""), so_dir = string.format("%q", so_dir or "") }
  return (BUSTED:gsub("%${([%w_]+)}", fields))
end

--- .gitignore: the default SQLite database (sqlite:luamig.db) and what
-- SQLite and luamig's lock put beside it.
function M.gitignore()
  return table.concat({
    "# written by `luamig init`: the default database (sqlite:luamig.db), its journal and",
    "# WAL files, and the file luamig's migration lock holds (it stays in place)",
    "luamig.db",
    "luamig.db-journal",
    "luamig.db-wal",
    "luamig.db-shm",
    "luamig.db-luamig-lock",
    "# luamig's revision metadata cache (it ignores itself too)",
    "migrations/versions/.luamig_cache/",
    "",
  }, "\n")
end

return M
