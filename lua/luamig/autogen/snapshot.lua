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
--   table = {
--     name = "links",
--     comment = "text" | nil,
--     columns = { column, ... },          -- in the table's column order
--     primary_key = { name = "pk_links" | nil, columns = { "id" } } | nil,
--     uniques = { { name = "uq_x" | nil, columns = { "a", "b" } }, ... },
--     indexes = { { name = "ix_x", columns = { "a" }, expressions = nil | { "lower(email)" },
--                   unique = false, where = nil | "SQL text" }, ... },
--     foreign_keys = { { name = "fk_x" | nil, columns = { "user_id" }, ref_table = "users",
--                        ref_columns = { "id" }, ondelete = nil | "CASCADE" | "SET NULL" | "SET DEFAULT" | "RESTRICT",
--                        onupdate = (same), ref_schema = nil | "other" (another schema),
--                        implicit_index = nil | "name" (MySQL: the index the server made for it) }, ... },
--     checks = { { name = "ck_x" | nil, sqltext = "price > 0" }, ... },
--   }
--   column = {
--     name = "id",
--     type = a luamig.schema.types type (Integer, String(40), Enum(...), Type("CITEXT"), ...),
--     type_text = "character varying(40)" | nil, -- reflection only: as the database says it
--     nullable = true | false,
--     default = "SQL text" | nil,         -- the server default, as SQL
--     autoincrement = true | false,
--     comment = "text" | nil,
--   }
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

local M = {}

--- An empty snapshot.
function M.new()
  return { tables = {}, enums = {} }
end

--- An empty table of a snapshot.
function M.new_table(name)
  return { name = name, columns = {}, uniques = {}, indexes = {}, foreign_keys = {}, checks = {} }
end

local function order_key(entry)
  return (entry.name and ("0" .. entry.name) or "1") .. "\0"
    .. table.concat(entry.columns or entry.expressions or { entry.sqltext or "" }, ",")
end

--- Sort a table's lists as the conventions say (producers call it last).
function M.sort_lists(tbl)
  for _, list in ipairs { tbl.uniques, tbl.indexes, tbl.foreign_keys, tbl.checks } do
    table.sort(list, function(a, b) return order_key(a) < order_key(b) end)
  end
  return tbl
end

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
