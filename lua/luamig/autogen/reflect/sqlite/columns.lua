-- luamig.autogen.reflect.sqlite.columns: every reflected table's columns,
-- primary key and CHECK constraints (those of Enum columns made Enums).

local queries = require "luamig.autogen.reflect.sqlite.queries"
local sqlite_types = require "luamig.autogen.reflect.sqlite.types"

local ipairs, pairs = ipairs, pairs
local str_lower, str_upper = string.lower, string.upper
local value = queries.value
local normal, enum_of, type_of = sqlite_types.normal, sqlite_types.enum_of, sqlite_types.type_of

local M = {}

-- A column's default as SQL text; DEFAULT NULL is none.
local function default_of(v)
  v = value(v)
  if v and str_upper(v):match("^%s*NULL%s*$") then return nil end
  return v
end

-- Columns and primary keys of every table (`pks` also holds the tables
-- left out, which foreign keys may reference).
local function read_columns(rows, tables, rowid_pk_index)
  local by_table, pks = {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    by_table[lname] = by_table[lname] or {}
    local list = by_table[lname]
    list[#list + 1] = r
    if r.pk > 0 then
      pks[lname] = pks[lname] or {}
      pks[lname][r.pk] = r.name
    end
  end
  for lname, entry in pairs(tables) do
    local tbl, parsed = entry.tbl, entry.parsed
    local pk = pks[lname]
    local rowid_alias
    if pk and #pk == 1 and not rowid_pk_index[lname] then
      for _, r in ipairs(by_table[lname] or {}) do
        if r.name == pk[1] and normal(value(r.type) or "") == "INTEGER" then rowid_alias = r.name end
      end
    end
    for _, r in ipairs(by_table[lname] or {}) do
      local declared = value(r.type) or ""
      tbl.columns[#tbl.columns + 1] = {
        name = r.name, type = type_of(declared), type_text = declared,
        nullable = r.notnull == 0 and r.name ~= rowid_alias,
        default = default_of(r.dflt_value), autoincrement = r.name == rowid_alias, comment = nil,
      }
    end
    if pk then
      local name
      for _, c in ipairs(parsed.columns) do
        if c.primary_key_name and str_lower(c.name) == str_lower(pk[1]) then name = c.primary_key_name end
      end
      if not name and parsed.primary_keys[1] then name = parsed.primary_keys[1].name end
      tbl.primary_key = { name = name, columns = pk }
    end
  end
  return pks
end
M.read_columns = read_columns

-- Enum columns and CHECK constraints.
local function read_checks(tables)
  for _, entry in pairs(tables) do
    local tbl, by_name = entry.tbl, {}
    for _, col in ipairs(tbl.columns) do by_name[str_lower(col.name)] = col end
    for _, check in ipairs(entry.parsed.checks) do
      local col = check.column and by_name[str_lower(check.column)]
      local enum = col and col.type and col.type.name == "String" and not col.enum_checked
        and enum_of(check, col.name, col.type_text)
      if enum then
        col.type, col.enum_checked = enum, true
      else
        tbl.checks[#tbl.checks + 1] = { name = check.name, sqltext = check.sqltext }
      end
    end
    for _, col in ipairs(tbl.columns) do col.enum_checked = nil end
  end
end
M.read_checks = read_checks

return M
