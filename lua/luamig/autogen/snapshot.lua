-- luamig.autogen.snapshot: the one shape a schema has in autogenerate.
--
-- Reflection (what the database has: autogen/reflect/<dialect>.lua) and
-- the models (what the project declares: autogen/model.lua) both produce a
-- snapshot; compare.lua diffs two snapshots; render.lua writes the diff as
-- a revision. Everything is plain data:
--
--   snapshot = {
--     tables = { [name] = table },      -- every table, by its name
--     enums  = { [name] = { "a", "b" } }, -- PostgreSQL named enum types, in order ({} elsewhere)
--   }
--   table = a luamig.schema.table_model table, normalised: `type` set on
--     every column (nil for a column declared without one), type_text as
--     the database says it (reflection only); no `sql`, options, sequence
--     or `from`.
--
-- Conventions every producer follows, so that compare.lua can be simple:
--   * lists (uniques, indexes, foreign_keys, checks) are sorted by name,
--     unnamed entries last, in a stable order (by their columns);
--   * an index that only backs a primary key or unique constraint is not
--     listed in `indexes` (it is the constraint); on MySQL, where a unique
--     constraint is a unique index, unique keys are listed in `indexes`
--     with unique = true and `uniques` stays empty; the index MySQL makes
--     by itself for a foreign key is not listed;
--   * foreign-key actions are upper case; "NO ACTION" (everyone's default)
--     is nil, and so is MySQL's "RESTRICT" (its default, the same thing);
--   * a default that is the column's identity or sequence (PostgreSQL
--     nextval(...), IDENTITY) is not a default: autoincrement = true.

local table_model = require("luamig.schema.table_model")

local M = {}

--- An empty snapshot.
function M.new()
  return { tables = {}, enums = {} }
end

--- An empty table of a snapshot: new_table(name).
M.new_table = table_model.new

--- Sort a table's lists as the conventions say (producers call it last).
M.sort_lists = table_model.sort_lists

--- The table names of a snapshot, sorted.
function M.table_names(snapshot)
  local names = {}
  for name in pairs(snapshot.tables) do names[#names + 1] = name end
  table.sort(names)
  return names
end

--- A foreign-key action as the conventions want it.
function M.action(text, dialect)
  if text == nil then return nil end
  local up = text:upper()
  if up == "NO ACTION" or up == "" then return nil end
  if up == "RESTRICT" and dialect.restrict_is_default then return nil end
  return up
end

return M
