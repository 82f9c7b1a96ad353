-- luamig.script.failure: what a revision raised or returned, told as an error of
-- the revision file.
--
-- A failing revision must be named by its own file and line, whatever
-- raised: the revision itself (error("..."), a typo), an op function
-- (which raises at the revision's line), or code below that, luamig's Lua
-- modules or a C function, whose message would start with luamig's own
-- position ("context.lua:128: ...", `[string "luamig.context.bind"]:46: ...`) or
-- with none at all. So the message handler of a revision body finds the
-- innermost frame running the revision file and puts that position in
-- front of the message, in place of any other. Values that are not
-- strings (error({}), error(nil)) are described, not printed as
-- "table: 0x...". The traceback (-v) keeps every frame.

local helpers = require("luamig.script.helpers")

local M = {}

-- "file:line" of the innermost frame running the file at `path`, or one of
-- the project's helper modules it requires (a helper's line is where its
-- error is), from `level` outwards; nil when none is on the stack.
local function position(path, level)
  local source, lib = "@" .. path, "@" .. helpers.lib_dir(path) .. "/"
  while true do
    local info = debug.getinfo(level, "Sl")
    if not info then return nil end
    if (info.source == source or info.source:sub(1, #lib) == lib) and info.currentline > 0 then
      return string.format("%s:%d", info.source:sub(2), info.currentline)
    end
    level = level + 1
  end
end
M.position = position

-- A message's leading position when it names a chunk: a file ending in
-- .lua, or a chunk loaded from a string (luamig's embedded modules).
local function strip_position(msg)
  local rest = string.match(msg, "^[^%s:]+%.lua:%d+: (.*)$")
    or string.match(msg, '^%[string "[^"\n]*"%]:%d+: (.*)$')
  return rest or msg
end

-- The raised value as text.
local function describe(value)
  local t = type(value)
  if t == "string" then return value end
  if t == "number" then return tostring(value) end
  local mt = getmetatable(value)
  if type(mt) == "table" and mt.__tostring then
    local ok, text = pcall(tostring, value)
    if ok and type(text) == "string" then return text end
  end
  if value == nil then return "error raised with no value (error() or error(nil)): raise a message," ..
    ' such as error("what went wrong")' end
  return string.format("error raised with a %s value and no message: raise a message, such as"
    .. ' error("what went wrong")', t)
end

--- A message handler for xpcall around a function of the revision file
-- at `path`. It returns {message = "path:line: ...", traceback = ...}.
function M.handler(path)
  return function(value)
    -- one line: the error line is one line, whatever was raised
    local msg = describe(value):gsub("%s*\n%s*", " ")
    local where = position(path, 2)
    if where and string.sub(msg, 1, #where + 1) ~= where .. ":" and string.sub(msg, 1, #path + 1) ~= path .. ":" then
      msg = where .. ": " .. strip_position(msg)
    end
    return { message = msg, traceback = debug.traceback(msg, 2) }
  end
end

--- The failure a revision function's results mean, or nil when it
-- returned nothing. Lua's failure convention (nil, "message") fails the
-- step; any other value is refused too, so that no convention of some
-- other code is taken for success. `results` is table.pack(fn()) without
-- xpcall's status, `fn` the function, `name` "upgrade" or "downgrade".
function M.returned(path, fn, name, results)
  local n = results.n
  while n > 0 and results[n] == nil do n = n - 1 end
  if n == 0 then return nil end
  local line = debug.getinfo(fn, "S").linedefined
  if results[1] == nil and type(results[2]) == "string" then
    return string.format("%s:%d: %s() returned nil, %q: the step failed", path, line, name, results[2])
  end
  local shown = type(results[1]) == "string" and string.format("%q", results[1]) or tostring(results[1])
  if type(results[1]) == "table" then shown = "a table" end
  return string.format("%s:%d: %s() returned %s%s: a revision function returns nothing (raise an error to"
    .. " fail the step)", path, line, name, shown, n > 1 and " and more" or "")
end

return M
