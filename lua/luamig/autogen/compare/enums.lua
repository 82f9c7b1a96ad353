-- luamig.autogen.compare.enums: PostgreSQL's named enum types created
-- once and dropped with their last use, across the changes of a revision.

local types = require("luamig.schema.types")

local M = {}

-- PostgreSQL's named enum types live apart from the columns: a new table
-- or column using a type that exists (in the database, or made by an
-- earlier op of this revision) must not create it again, and a table or
-- column that takes the last use of a type with it drops the type too
-- (and its inverse makes it again).
local function named_enum(col)
  local t = col.type
  return t and t.name == "Enum" and t.enum_name or nil
end

local function without_create(col)
  local copy = {}
  for k, v in pairs(col) do copy[k] = v end
  copy.type = types.Enum(col.type.values, { name = col.type.enum_name, schema = col.type.schema, create_type = false })
  return copy
end

local function settle_enums(changes, model_snap, db_snap)
  local exists, wanted = {}, {}
  for name in pairs(db_snap.enums or {}) do exists[name] = true end
  for name in pairs(model_snap.enums or {}) do wanted[name] = true end
  local function claim(columns)
    local out, made = {}, {}
    for i, col in ipairs(columns) do
      local e = named_enum(col)
      if e and exists[e] then out[i] = without_create(col)
      else
        out[i] = col
        if e then exists[e] = true; made[#made + 1] = e end
      end
    end
    return out, made
  end
  local function released(columns)
    local out = {}
    for _, col in ipairs(columns) do
      local e = named_enum(col)
      if e and not wanted[e] then out[#out + 1] = e end
    end
    return out
  end
  for _, c in ipairs(changes) do
    local u = c.up
    if u.op == "create_table" then
      local t = {}
      for k, v in pairs(u.table) do t[k] = v end
      local made
      t.columns, made = claim(u.table.columns)
      c.up = { op = "create_table", table = t }
      c.down = { op = "drop_table", table = t, enums = made }
    elseif u.op == "add_column" then
      local cols, made = claim({ u.column })
      c.up = { op = "add_column", table = u.table, column = cols[1] }
      c.down = { op = "drop_column", table = u.table, column = cols[1], enums = made }
    elseif u.op == "drop_table" then
      u.enums = released(u.table.columns)
    elseif u.op == "drop_column" then
      u.enums = released({ u.column })
    end
  end
end
M.settle = settle_enums

return M
