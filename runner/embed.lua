-- embed.lua: compiles luamig's Lua modules to bytecode and writes them as a
-- C table (of the type runner/embedded.h declares), so that the executable
-- carries its Lua side and starts without parsing its sources on every run.
-- Line information is kept: tracebacks and error positions still name
-- lua/luamig/<file>.lua and its lines; the names of locals and upvalues go
-- (runner/bytecode_trim.lua: they are most of the loading time).
--   lua5.4 runner/embed.lua LUA_DIR OUT.c
-- premake5.lua runs it before anything compiles (the embedded_lua project);
-- under premake4 the root Makefile does.

local lua_dir, out_path = arg[1], arg[2]
package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local trim = require("bytecode_trim").trim
assert(lua_dir and out_path, "usage: lua5.4 runner/embed.lua LUA_DIR OUT.c")

local p = assert(io.popen("cd '" .. lua_dir .. "' && find luamig -name '*.lua' | LC_ALL=C sort"))
local files = {}
for line in p:lines() do files[#files + 1] = line end
p:close()
assert(#files > 0, "no Lua modules under " .. lua_dir)

local out = {
  "/* embedded_lua.c: written by runner/embed.lua from lua/; do not edit. */",
  '#include "embedded.h"',
  "",
}
local entries = {}
for i, file in ipairs(files) do
  local module = file:gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
  local f = assert(io.open(lua_dir .. "/" .. file, "rb"))
  local src = f:read("a")
  f:close()
  local chunk = assert(load(src, "@lua/" .. file, "t"))
  local code = trim(string.dump(chunk, false))
  -- The trimmed chunk must load and be the same program (bytecode_trim.lua).
  local back = assert(load(code, "@lua/" .. file, "b"))
  assert(string.dump(back, true) == string.dump(chunk, true), "bytecode_trim changed " .. file)
  local bytes = {}
  for j = 1, #code do bytes[j] = code:byte(j) end
  local rows = {}
  for j = 1, #bytes, 24 do
    rows[#rows + 1] = "  " .. table.concat(bytes, ",", j, math.min(j + 23, #bytes)) .. ","
  end
  out[#out + 1] = string.format("static const unsigned char module_%d[] = {", i)
  out[#out + 1] = table.concat(rows, "\n")
  out[#out + 1] = "};"
  entries[#entries + 1] = string.format('  {"%s", module_%d, sizeof module_%d},', module, i, i)
end
out[#out + 1] = ""
out[#out + 1] = "const lm_embedded_module lm_embedded_modules[] = {"
out[#out + 1] = table.concat(entries, "\n")
out[#out + 1] = "  {0, 0, 0}"
out[#out + 1] = "};"
out[#out + 1] = ""

-- Written only when the content changed, so that make sees an unchanged file
-- as up to date and recompiles nothing; written beside and renamed, so that a
-- compiler never reads half a file.
local text = table.concat(out, "\n")
local old = io.open(out_path, "rb")
if old then
  local same = old:read("a") == text
  old:close()
  if same then return end
end
local tmp = out_path .. ".tmp"
local f = assert(io.open(tmp, "wb"))
f:write(text)
f:close()
assert(os.rename(tmp, out_path))
