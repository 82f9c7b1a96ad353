-- luamig.schema.table_model: the one shape of a table that luamig reads
-- from a database or builds from a definition. Batch mode (luamig.ops.batch)
-- rebuilds an SQLite table from it; autogenerate (luamig.autogen) compares
-- two snapshots of such tables. Plain data:
--
--   table = {
--     name = "links",
--     schema = "other" | nil,              -- nil: the connection's default
--     comment = "text" | nil,
--     columns = { column, ... },           -- in the table's column order
--     primary_key = { name = "pk_links" | nil, columns = { "id" } } | nil,
--     uniques = { { name = "uq_x" | nil, columns = { "a", "b" } }, ... },
--     indexes = { { name = "ix_x", unique = false, columns = { "a" },
--                   expressions = nil | { "lower(email)" }, where = nil | "SQL text",
--                   sql = nil | "CREATE INDEX ..." }, ... },
--     foreign_keys = { { name = "fk_x" | nil, columns = { "user_id" }, ref_table = "users",
--                        ref_columns = { "id" }, ref_schema = nil | "other",
--                        ondelete = nil | "CASCADE" | ..., onupdate = (same),
--                        match, deferrable, initially (luamig.schema.fk_options; SQLite: as written),
--                        implicit_index = nil | "name" (MySQL: the index the server made for it) }, ... },
--     checks = { { name = "ck_x" | nil, sqltext = "price > 0" }, ... },
--     options = "WITHOUT ROWID" | "" | nil, -- SQLite: what follows the column list
--     sequence = n | nil,                  -- SQLite: sqlite_sequence of an AUTOINCREMENT table
--   }
--   column = {
--     name = "id",
--     type_text = "VARCHAR(40)",           -- as the database (or the dialect) writes it; "" for none
--     type = a luamig.schema.types type | nil, -- the type it reads as (autogenerate)
--     nullable = true | false,
--     default = "SQL text" | nil,          -- the server default, as SQL
--     autoincrement = true | false | nil,  -- the key's values come from the database (autogenerate)
--     sqlite_autoincrement = true | nil,   -- SQLite: declared with the AUTOINCREMENT keyword
--     collate = "NOCASE" | nil,
--     computed = { sqltext = "a + b", persisted = true | false | nil } | nil, -- GENERATED ... AS (...)
--     comment = "text" | nil,
--     from = "old_name" | nil,             -- batch mode: its name in the table being rebuilt
--   }
--
-- Two uses fill it differently. Batch mode keeps a table exact, so that
-- what nobody asked to change is written back as it was: type_text as
-- declared, an index read from the database as its `sql`, options,
-- sequence. Autogenerate keeps it normalised (luamig.autogen.snapshot):
-- `type` set, lists sorted (sort_lists), defaults and actions in one
-- spelling.

local M = {}

--- An empty table.
function M.new(name, schema)
  return { name = name, schema = schema, columns = {}, uniques = {}, indexes = {}, foreign_keys = {}, checks = {} }
end

--- A deep copy (luamig's typed values, which are immutable, are shared).
function M.copy(v)
  if type(v) ~= "table" or getmetatable(v) ~= nil then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = M.copy(x) end
  return out
end

--- The column named `name` (compared case-blind, as every backend compares
-- column names) and its position, or nil.
function M.find_column(tbl, name)
  local lower = string.lower(name)
  for i, c in ipairs(tbl.columns) do
    if string.lower(c.name) == lower then return c, i end
  end
  return nil
end

local function order_key(entry)
  return (entry.name and ("0" .. entry.name) or "1") .. "\0"
    .. table.concat(entry.columns or entry.expressions or { entry.sqltext or "" }, ",")
end

--- Sort a table's lists by name, unnamed entries last in a stable order
-- (by their columns): the order autogenerate compares in.
function M.sort_lists(tbl)
  for _, list in ipairs { tbl.uniques, tbl.indexes, tbl.foreign_keys, tbl.checks } do
    table.sort(list, function(a, b) return order_key(a) < order_key(b) end)
  end
  return tbl
end

return M
