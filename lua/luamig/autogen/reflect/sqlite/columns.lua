-- luamig.autogen.reflect.sqlite.columns: a reflected table's columns,
-- primary key and CHECK constraints as the snapshot has them (the CHECKs
-- of Enum columns made Enums).

local sqlite_types = require("luamig.autogen.reflect.sqlite.types")
local type_checks = require("luamig.autogen.reflect.type_checks")
local types = require("luamig.schema.types")
local ddl = require("luamig.ddl")

local normal, type_of = sqlite_types.normal, sqlite_types.type_of

local SQLITE = ddl.dialect("sqlite")

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
    local t = type_of(c.type)
    -- COLLATE on a String or Text is part of its type (String{collation =})
    if c.collate and t and (t.name == "String" or t.name == "Text") then
      t = types[t.name] { length = t.length, collation = c.collate }
    end
    tbl.columns[#tbl.columns + 1] = {
      name = c.name, type = t, type_text = c.type,
      nullable = not c.notnull and c.name ~= rowid_alias,
      default = default_of(c.default), autoincrement = c.name == rowid_alias, comment = nil,
      computed = c.generated and { sqltext = c.generated.sqltext, persisted = c.generated.persisted } or nil,
    }
  end
  if pk then tbl.primary_key = { name = pk.name, columns = pk.columns } end
end
M.read_columns = read_columns

-- CHECK constraints of one table of the catalog; those an Enum or a
-- Boolean{create_constraint = true} makes are folded into its column
-- (luamig.autogen.reflect.type_checks).
local function read_checks(entry, tbl)
  for _, check in ipairs(entry.checks) do
    tbl.checks[#tbl.checks + 1] = { name = check.name, sqltext = check.sqltext }
  end
  -- a table's CHECK too: luamig writes a type's CHECK on its column, but
  -- a batch rebuild writes the named ones as table constraints
  type_checks.fold(SQLITE, tbl, nil, false)
end
M.read_checks = read_checks

return M
