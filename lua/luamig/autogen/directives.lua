-- luamig.autogen.directives: `process_revision_directives`, the luamig.lua
-- function that sees what autogenerate found before it is written, as
-- Alembic's hook of that name does (there it gets the MigrationScript; here
-- the list of changes itself, in luamig's own form):
--
--   process_revision_directives = function(changes, context) ... end
--
-- changes: the list of compare.lua's changes, in the order they will be
-- written, each { up = record, down = record, phase = n } (the upgrade's
-- op and its exact inverse; see luamig.autogen.compare). The hook may
-- change the list in place and return nothing, or return a list (an empty
-- one: there are no changes, and --skip-empty decides), or return false to
-- write no revision at all (Alembic's `directives[:] = []`). Besides the
-- records compare makes, two kinds can be added:
--   { op = "execute", sql = "UPDATE ..." }  written as op.execute("UPDATE ...")
--   { op = "code", code = "op.bulk_insert(...)" }  Lua written as it is
-- An up or a down may be left out (nil): that side writes nothing.
--
-- A hook that raises, returns something else, or gives a record that
-- cannot be written stops the revision with one line naming luamig.lua
-- and the line: nothing is written.

local failure = require("luamig.script.failure")
local render = require("luamig.autogen.render")
local change = require("luamig.autogen.compare.change")

local M = {}

-- The records render.lua writes (op_lines); "comment" writes nothing.
local KNOWN = {}
for _, k in ipairs { "create_table", "drop_table", "rename_table", "add_column", "drop_column", "rename_column",
  "alter_column", "recreate_column", "create_index", "drop_index", "create_unique_constraint", "create_foreign_key",
  "create_check_constraint", "drop_constraint", "create_table_comment", "drop_table_comment", "enum_values",
  "comment", "execute", "code" } do
  KNOWN[k] = true
end

-- A Lua error's message without the position of luamig's own code
-- ("...render.lua:12: " or '[string "luamig.autogen.render"]:12: ').
local function bare(msg)
  msg = tostring(msg)
  return msg:match('^%[string "[^"]*"%]:%d+: (.*)$') or msg:match("^[^%s:]+%.lua:%d+: (.*)$") or msg
end

-- What is wrong with one record (nil when it can be written).
local function record_error(u, side)
  if type(u) ~= "table" then return string.format("its %s is a %s, not an op record", side, type(u)) end
  if type(u.op) ~= "string" or not KNOWN[u.op] then
    local names = {}
    for k in pairs(KNOWN) do names[#names + 1] = k end
    table.sort(names)
    return string.format("its %s has op %s; the ops are %s", side, tostring(u.op), table.concat(names, ", "))
  end
  if u.op == "execute" and type(u.sql) ~= "string" then
    return string.format("its %s (execute) needs sql, a string", side)
  end
  if u.op == "code" then
    if type(u.code) ~= "string" then return string.format("its %s (code) needs code, a string", side) end
    local _, err = load("return function() " .. u.code .. "\nend", "=code", "t")
    if err then return string.format("its %s (code) is not Lua: %s", side, bare(err)) end
  end
end

-- What is wrong with the change at index i (nil when it can be written):
-- its shape, then whether render.lua can write each side alone.
local function change_error(c, dialect)
  if type(c) ~= "table" then return string.format("is a %s, not a change { up = ..., down = ... }", type(c)) end
  if c.up == nil and c.down == nil then return "has neither an up nor a down record" end
  for _, side in ipairs { "up", "down" } do
    if c[side] ~= nil then
      local err = record_error(c[side], side)
      if err then return err end
      local ok, rerr = pcall(render.body, { c }, dialect, side)
      if not ok then return string.format("its %s (%s) cannot be written: %s", side, c[side].op, bare(rerr)) end
    end
  end
end

-- " (one line for the change)" to name it in a message, or "" when the
-- change is too broken to describe.
local function describe(c)
  if type(c) ~= "table" or type(c.up or c.down) ~= "table" then return "" end
  local ok, text = pcall(change.describe, c.up and c or { up = c.down })
  return ok and type(text) == "string" and (" (" .. text .. ")") or ""
end

--- changes | false (write no revision) | nil, msg, status, traceback.
-- cfg.process_revision_directives(changes, context) when luamig.lua sets it.
function M.apply(cfg, changes, context, dialect)
  local hook = cfg.process_revision_directives
  if not hook then return changes end
  local path = cfg.config_file or "luamig.lua"
  local defined = string.format("config file %s:%d: process_revision_directives", path,
    debug.getinfo(hook, "S").linedefined)
  local ok, result = xpcall(hook, failure.handler(path), changes, context)
  if not ok then
    local at, rest = result.message:match("^(" .. path:gsub("%p", "%%%0") .. ":%d+): (.*)$")
    local msg = at and string.format("config file %s: process_revision_directives: %s", at, rest)
      or string.format("%s: %s", defined, result.message)
    return nil, msg, 2, result.traceback
  end
  if result == false then return false end
  if result == nil then result = changes end
  if type(result) ~= "table" then
    return nil, string.format("%s returned a %s: return the list of changes, nothing (the list as changed in place)"
      .. " or false (no revision)", defined, type(result)), 2
  end
  for i = 1, #result do
    local err = change_error(result[i], dialect)
    if err then
      return nil, string.format("%s returned a bad change #%d%s: %s", defined, i, describe(result[i]), err), 2
    end
  end
  return result
end

return M
