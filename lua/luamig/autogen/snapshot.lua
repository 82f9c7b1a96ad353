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
--     nextval(...), IDENTITY) is not a default: autoincrement = true;
--   * a column has `computed` ({sqltext, persisted}) when the database
--     makes its values from an expression, and `identity` (M.identity:
--     only the options that are not the defaults) when it is an identity
--     column (PostgreSQL); autoincrement says the rest;
--   * a column whose type brings a CHECK (a non-native Enum, SQLite's
--     Boolean{create_constraint = true}: luamig.ddl.schema_types) has
--     `type_check` = {name =, values = {...}}, and that CHECK is not in
--     `checks`; reflection makes such a column's type the Enum or Boolean
--     again, and keeps `plain` = {type =, check =} for a model that
--     declares the VARCHAR and the CHECK apart;
--   * foreign-key options (M.fk_options): match, deferrable, initially,
--     nil where they are the defaults (MATCH SIMPLE, NOT DEFERRABLE,
--     INITIALLY IMMEDIATE);
--   * an index has `include` (PostgreSQL's INCLUDE columns) or nil.

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

--- Foreign-key options `from` (match, deferrable, initially, in any
-- spelling) written into `to` as the conventions want them; returns `to`.
-- INITIALLY DEFERRED is a deferrable key, whether it says so or not.
function M.fk_options(from, to)
  local match = from.match and string.upper(from.match) or nil
  local initially = from.initially and string.upper(from.initially) or nil
  local deferrable = from.deferrable or initially == "DEFERRED" or nil
  to.match = match ~= "SIMPLE" and match ~= "" and match or nil
  to.deferrable = deferrable
  to.initially = initially == "DEFERRED" and initially or nil
  return to
end

-- The largest value of each integer type: an identity's default maxvalue.
local INTEGER_MAX = { SmallInteger = 32767, Integer = 2147483647, BigInteger = math.maxinteger }

--- An Identity's options (an Identity or a plain table) as one plain
-- table without the ones that say what the database does anyway (BY
-- DEFAULT, START at the minimum, INCREMENT BY 1, NO MINVALUE/MAXVALUE,
-- CACHE 1, NO CYCLE), so that Identity() and Identity{start = 1} compare
-- alike. `coltype` gives the largest value (Integer's by default).
function M.identity(id, coltype)
  if id == nil then return nil end
  local increment = id.increment or 1
  local max = INTEGER_MAX[coltype and coltype.name] or INTEGER_MAX.Integer
  local min_default = increment > 0 and 1 or -max - 1
  local max_default = increment > 0 and max or -1
  local minvalue, maxvalue = id.minvalue or min_default, id.maxvalue or max_default
  local start = id.start or (increment > 0 and minvalue or maxvalue)
  local out = {}
  if id.always then out.always = true end
  if increment ~= 1 then out.increment = increment end
  if minvalue ~= min_default then out.minvalue = minvalue end
  if maxvalue ~= max_default then out.maxvalue = maxvalue end
  if start ~= (increment > 0 and minvalue or maxvalue) then out.start = start end
  if id.cache and id.cache ~= 1 then out.cache = id.cache end
  if id.cycle then out.cycle = true end
  return out
end

return M
