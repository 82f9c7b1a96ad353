-- luamig.autogen.compare.change: a change ({up = op, down = op, phase =
-- n}, see luamig.autogen.compare) as it is made, and as one line of text.

local M = {}

-- A list of names as one key (and as text): "a,b". Most lists hold one
-- name, and `check` on a thousand tables makes tens of thousands of keys:
-- those skip table.concat's buffer.
local function list_key(list)
  if list == nil then return "" end
  local first = list[1]
  if type(first) == "string" and list[2] == nil then return first end
  return table.concat(list, ",")
end
M.list_key = list_key

local function change(phase, up, down)
  return { phase = phase, up = up, down = down }
end
M.change = change

--- One line per change, for `luamig check`.
function M.describe(c)
  local u = c.up
  if u.op == "create_table" then return "add table " .. u.table.name
  elseif u.op == "drop_table" then return "remove table " .. u.table.name
  elseif u.op == "rename_table" then return string.format("rename table %s to %s", u.from, u.to)
  elseif u.op == "add_column" then return string.format("add column %s.%s", u.table, u.column.name)
  elseif u.op == "drop_column" then return string.format("remove column %s.%s", u.table, u.column.name)
  elseif u.op == "rename_column" then return string.format("rename column %s.%s to %s", u.table, u.from, u.to)
  elseif u.op == "alter_column" then
    local what = {}
    for _, k in ipairs { "type_", "nullable", "server_default", "comment", "identity" } do
      if u.changes[k] ~= nil then what[#what + 1] = (k == "type_" and "type" or k:gsub("_", " ")) end
    end
    return string.format("change %s of column %s.%s", table.concat(what, ", "), u.table, u.column)
  elseif u.op == "recreate_column" then
    return string.format("change the generation of column %s.%s (drop and add it again)", u.table, u.column.name)
  elseif u.op == "create_index" then return string.format("add index %s on %s", u.index.name or "?", u.table)
  elseif u.op == "drop_index" then return string.format("remove index %s on %s", u.index.name or "?", u.table)
  elseif u.op == "create_unique_constraint" then
    return string.format("add unique constraint %son %s (%s)", u.entry.name and (u.entry.name .. " ") or "", u.table,
      list_key(u.entry.columns))
  elseif u.op == "create_foreign_key" then
    return string.format("add foreign key %s (%s) -> %s (%s)", u.table, list_key(u.entry.columns), u.entry.ref_table,
      list_key(u.entry.ref_columns))
  elseif u.op == "create_check_constraint" then return string.format("add check constraint %s on %s", u.entry.name,
    u.table)
  elseif u.op == "drop_constraint" then
    local e = u.entry
    local what = u.kind == "foreignkey" and "foreign key" or u.kind == "unique" and "unique constraint" or "check constraint"
    return string.format("remove %s %s on %s", what, e.name or ("(" .. list_key(e.columns) .. ")"), u.table)
  elseif u.op == "create_table_comment" then return "change the comment of table " .. u.table
  elseif u.op == "drop_table_comment" then return "remove the comment of table " .. u.table
  elseif u.op == "enum_values" then
    return string.format("change the values of enum %s from (%s) to (%s)", u.name, table.concat(u.from, ", "),
      table.concat(u.to, ", "))
  end
  return u.op
end

return M
