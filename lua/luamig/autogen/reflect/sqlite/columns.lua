-- luamig.autogen.reflect.sqlite.columns: a reflected table's columns,
-- primary key and CHECK constraints as the snapshot has them (the CHECKs
-- of Enum columns made Enums).

local sqlite_types = require("luamig.autogen.reflect.sqlite.types")

local normal, enum_of, type_of = sqlite_types.normal, sqlite_types.enum_of, sqlite_types.type_of

local M = {}

-- A column's default as SQL text; DEFAULT NULL is none.
local function default_of(v)
  if v and string.upper(v):match("^%s*NULL%s*$") then return nil end
  return v
end

-- Columns and primary key of one table of the catalog (see
-- luamig.reflect.sqlite) into the snapshot table `tbl`.
local function read_columns(entry, tbl)
  local pk = entry.primary_key
  local rowid_alias
  if pk and #pk.columns == 1 and not entry.pk_index then
    for _, c in ipairs(entry.columns) do
      if c.name == pk.columns[1] and normal(c.type) == "INTEGER" then rowid_alias = c.name end
    end
  end
  for _, c in ipairs(entry.columns) do
    tbl.columns[#tbl.columns + 1] = {
      name = c.name, type = type_of(c.type), type_text = c.type,
      nullable = not c.notnull and c.name ~= rowid_alias,
      default = default_of(c.default), autoincrement = c.name == rowid_alias, comment = nil,
    }
  end
  if pk then tbl.primary_key = { name = pk.name, columns = pk.columns } end
end
M.read_columns = read_columns

-- Enum columns and CHECK constraints of one table of the catalog.
local function read_checks(entry, tbl)
  local by_name = {}
  for _, col in ipairs(tbl.columns) do by_name[string.lower(col.name)] = col end
  for _, check in ipairs(entry.checks) do
    local col = check.column and by_name[string.lower(check.column)]
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
M.read_checks = read_checks

return M
