-- luamig.autogen.reflect.sqlite.tables: the tables autogenerate reflects
-- (main's ordinary tables, less the excluded, virtual and shadow ones),
-- read from sqlite_master with their CREATE TABLE and CREATE INDEX texts.

local sqltext = require "luamig.ops.batch.sqltext"
local snapshot = require "luamig.autogen.snapshot"
local ddl = require "luamig.ddl"
local queries = require "luamig.autogen.reflect.sqlite.queries"

local ipairs = ipairs
local str_format, str_lower, str_upper = string.format, string.lower, string.upper
local value = queries.value

local M = {}

local dialect = ddl.dialect("sqlite")

-- The shadow tables of virtual table modules: <virtual table>_<suffix>.
local SHADOW_SUFFIXES = {
  "content", "segments", "segdir", "docsize", "stat", -- FTS3/4
  "data", "idx", "config",                          -- FTS5 (and content, docsize)
  "node", "parent", "rowid",                        -- R*Tree
}

local function is_virtual(text)
  return str_upper(text):match("^%s*CREATE%s+VIRTUAL%s") ~= nil
end

-- The tables to reflect, by lower-cased name ({name, parsed, tbl}), the
-- CREATE INDEX texts by index name, and the real spelling of every table
-- name by its lower-cased one | nil, msg.
local function read_master(rows, exclude)
  local shadows = {}
  for _, r in ipairs(rows) do
    if r.type == "table" and is_virtual(value(r.sql) or "") then
      for _, suffix in ipairs(SHADOW_SUFFIXES) do shadows[str_lower(r.name .. "_" .. suffix)] = true end
    end
  end
  local tables, index_sql, all = {}, {}, {}
  for _, r in ipairs(rows) do
    local text, lname = value(r.sql), str_lower(r.name)
    if r.type == "index" then
      if text then index_sql[r.name] = text end
    elseif text and not lname:find("^sqlite_") then
      all[lname] = r.name
      if not exclude[r.name] and not shadows[lname] and not is_virtual(text) then
        local parsed, err = sqltext.parse_create_table(text)
        if not parsed then return nil, str_format("table %s: %s", dialect:quote(r.name), err) end
        tables[lname] = { name = r.name, parsed = parsed, tbl = snapshot.new_table(r.name) }
      end
    end
  end
  return tables, index_sql, all
end
M.read_master = read_master

return M
