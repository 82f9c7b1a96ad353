-- luamig.reflect.sqlite.tables: which tables the reflector describes, from
-- sqlite_master's rows (with their CREATE TABLE text split), and their
-- columns and primary keys, from pragma_table_xinfo's rows.

local sqltext = require("luamig.reflect.sqlite.sqltext")
local queries = require("luamig.reflect.sqlite.queries")

local value, quote = queries.value, queries.quote

local M = {}

-- The shadow tables of virtual table modules: <virtual table>_<suffix>.
local SHADOW_SUFFIXES = {
  "content", "segments", "segdir", "docsize", "stat", -- FTS3/4
  "data", "idx", "config",                          -- FTS5 (and content, docsize)
  "node", "parent", "rowid",                        -- R*Tree
}

local function is_virtual(text)
  return string.upper(text):match("^%s*CREATE%s+VIRTUAL%s") ~= nil
end

--- The tables to describe by lower-cased name ({name, sql, parsed, ...}),
-- the CREATE INDEX rows by index name ({sql, position}), and the real
-- spelling of every table name by its lower-cased one | nil, msg.
-- Reading every table (`one` nil) leaves out SQLite's own tables, the
-- shadow tables of virtual tables, the virtual tables and `exclude`;
-- reading one table describes it whatever it is, a virtual table as
-- {name, sql, virtual = true} only.
function M.read_master(rows, exclude, one)
  local shadows = {}
  if not one then
    for _, r in ipairs(rows) do
      if r.type == "table" and is_virtual(value(r.sql) or "") then
        for _, suffix in ipairs(SHADOW_SUFFIXES) do shadows[string.lower(r.name .. "_" .. suffix)] = true end
      end
    end
  end
  local tables, index_rows, names = {}, {}, {}
  for _, r in ipairs(rows) do
    local text, lname = value(r.sql), string.lower(r.name)
    if r.type == "index" then
      index_rows[r.name] = { sql = text, position = r.position }
    elseif text and (one or not lname:find("^sqlite_")) then
      names[lname] = r.name
      if is_virtual(text) then
        if one then tables[lname] = { name = r.name, sql = text, virtual = true } end
      elseif not exclude[r.name] and not shadows[lname] then
        local parsed, err = sqltext.parse_create_table(text)
        if not parsed then return nil, string.format("table %s: %s", quote(r.name), err) end
        tables[lname] = { name = r.name, sql = text, parsed = parsed, options = parsed.options, columns = {},
          uniques = {}, checks = parsed.checks, foreign_keys = {}, indexes = {} }
      end
    end
  end
  return tables, index_rows, names
end

-- The primary key's name, which only the text records: on the first key
-- column's definition or a PRIMARY KEY table constraint.
local function key_name(parsed, first)
  local name
  for _, c in ipairs(parsed.columns) do
    if c.primary_key_name and string.lower(c.name) == string.lower(first) then name = c.primary_key_name end
  end
  if not name and parsed.primary_keys[1] then name = parsed.primary_keys[1].name end
  return name
end

--- Columns and primary keys of the described tables; returns every
-- table's column names and primary key columns by lower-cased name (a
-- foreign key may reference a table that is not described).
function M.read_columns(rows, tables)
  local by_table, column_names, keys = {}, {}, {}
  for _, r in ipairs(rows) do
    local lname = string.lower(r.tbl)
    by_table[lname] = by_table[lname] or {}
    by_table[lname][#by_table[lname] + 1] = r
    column_names[lname] = column_names[lname] or {}
    column_names[lname][#column_names[lname] + 1] = r.name
    if r.pk > 0 then
      keys[lname] = keys[lname] or {}
      keys[lname][r.pk] = r.name
    end
  end
  for lname, entry in pairs(tables) do
    if not entry.virtual then
      local written = {}
      for _, c in ipairs(entry.parsed.columns) do written[string.lower(c.name)] = c end
      local pk = {}
      for _, r in ipairs(by_table[lname] or {}) do
        local x = written[string.lower(r.name)] or {}
        entry.columns[#entry.columns + 1] = { name = r.name, type = value(r.type) or "", notnull = r.notnull == 1,
          default = value(r.dflt_value), pk = r.pk, hidden = r.hidden, collate = x.collate,
          autoincrement = x.autoincrement or false, generated = x.generated }
        if r.pk > 0 then pk[#pk + 1] = r end
      end
      if #pk > 0 then
        table.sort(pk, function(a, b) return a.pk < b.pk end)
        local cols = {}
        for i, r in ipairs(pk) do cols[i] = r.name end
        entry.primary_key = { name = key_name(entry.parsed, cols[1]), columns = cols }
      end
    end
  end
  return column_names, keys
end

return M
