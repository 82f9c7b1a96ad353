-- luamig.autogen.render.values: snapshot values as the Lua a person
-- writes in a revision: strings, lists, types, server defaults, option
-- tables, calls, and the Computed, Identity and foreign key options of
-- luamig.schema (the same constructors a revision takes).

local generated = require("luamig.schema.generated")

local M = {}

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

--- A Lua string literal.
function M.q(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c) return ESCAPES[c] or string.format("\\%03d",
    c:byte()) end) .. '"'
end
local q = M.q

--- { "a", "b" }
function M.qlist(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = q(v) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

--- A type (its constructor), or Type("text") when only the text is known.
function M.type_lua(t, text)
  if t then return tostring(t) end
  return string.format("Type(%s)", q(text or "TEXT"))
end

--- A server default's SQL as a Lua value: a plain string literal becomes a
-- Lua string, a number a number, anything else sql "..."; false: null.
function M.default_lua(text)
  if text == false then return "null" end
  local inner = text:match("^'(.*)'$")
  if inner and not inner:gsub("''", ""):find("'", 1, true) then return q(inner:gsub("''", "'")) end
  if tonumber(text) and text:match("^%-?%d+%.?%d*$") then return text end
  return "sql " .. q(text)
end

--- "{ a = 1, b = 2 }" of (key, value-text) pairs in order; nil when none.
function M.opts_lua(pairs_list)
  if #pairs_list == 0 then return nil end
  local parts = {}
  for i, kv in ipairs(pairs_list) do parts[i] = kv[1] .. " = " .. kv[2] end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

--- fn(a, b, ...): the arguments that are not nil (so optional ones vanish).
function M.call(fn, ...)
  local present = {}
  for i = 1, select("#", ...) do
    local a = select(i, ...)
    if a ~= nil then present[#present + 1] = a end
  end
  return string.format("%s(%s)", fn, table.concat(present, ", "))
end

--- Computed("expr", { persisted = ... }) of a snapshot column's computed.
function M.computed_lua(c)
  local o = c.persisted ~= nil and M.opts_lua { { "persisted", tostring(c.persisted) } } or nil
  return M.call("Computed", q(c.sqltext), o)
end

--- Identity({ ... }) of identity options (snapshot.identity's), in the
-- order PostgreSQL writes them.
function M.identity_lua(id)
  local o = {}
  for _, name in ipairs(generated.IDENTITY_OPTIONS) do
    if id[name] ~= nil then o[#o + 1] = { name, tostring(id[name]) } end
  end
  return M.call("Identity", M.opts_lua(o))
end

--- Appends a foreign key's options (ondelete, onupdate, match, deferrable,
-- initially) to the option list `o`; returns `o`.
function M.fk_opts(o, fk)
  if fk.ondelete then o[#o + 1] = { "ondelete", q(fk.ondelete) } end
  if fk.onupdate then o[#o + 1] = { "onupdate", q(fk.onupdate) } end
  if fk.match then o[#o + 1] = { "match", q(fk.match) } end
  if fk.deferrable ~= nil then o[#o + 1] = { "deferrable", tostring(fk.deferrable) } end
  if fk.initially then o[#o + 1] = { "initially", q(fk.initially) } end
  return o
end

return M
