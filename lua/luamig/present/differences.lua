-- luamig.present.differences: the changes autogenerate finds (see
-- luamig.autogen.compare) as plain objects for `check --json`: what kind of
-- difference, on which table and column, and the values on each side.
--
-- Each object has `kind`, `text` (the line `check` prints) and `table`
-- (null for an enum type); the others only where they apply: `column`,
-- `name`, `columns`, `unique`, `ref_table`, `ref_columns`, and `from`
-- (the database's side) and `to` (the models'), null where a side has
-- none. A column change of several attributes (its type and its
-- nullability) is an object per attribute, so that each kind has one
-- meaning for `from` and `to`.

local json = require("luamig.present.json")

local M = {}

local function or_null(v)
  if v == nil or v == false then return json.null end
  return v
end

local function names(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = type(v) == "table" and (v.name or v.sqltext or "?") or tostring(v) end
  return out
end

-- Index columns may be expressions: their text then.
local function index_columns(ix)
  local out = {}
  for i, c in ipairs(ix.columns or ix.expressions or {}) do
    out[i] = type(c) == "table" and tostring(c.sqltext or c.text or c.name or "?") or tostring(c)
  end
  return out
end

-- The attributes of alter_column, in the order describe() names them.
local ATTRIBUTES = {
  { key = "type_", kind = "change_type", word = "type" },
  { key = "nullable", kind = "change_nullable", word = "nullable" },
  { key = "server_default", kind = "change_server_default", word = "server default" },
  { key = "comment", kind = "change_comment", word = "comment" },
  { key = "identity", kind = "change_identity", word = "identity" },
}

local CONSTRAINT_KIND = { foreignkey = "foreign_key", unique = "unique_constraint", check = "check_constraint" }

-- An identity's options as an object ({} for the database's defaults).
local function identity_value(v)
  if not v then return json.null end
  local out = {}
  for k, x in pairs(v) do if type(x) ~= "table" and type(x) ~= "function" then out[k] = x end end
  return json.object(out)
end

-- The value of attribute `key` of column `col` (a snapshot column) as the
-- object shows it; type_text(col) is the type's SQL on this database.
local function attribute(key, col, type_text)
  if col == nil then return json.null end
  if key == "type_" then return or_null(type_text(col)) end
  if key == "nullable" then return col.nullable ~= false end
  if key == "server_default" then return or_null(col.default and tostring(col.default)) end
  if key == "comment" then return or_null(col.comment ~= "" and col.comment or nil) end
  return identity_value(col.identity)
end

local function alter_objects(out, u, type_text)
  for _, a in ipairs(ATTRIBUTES) do
    if u.changes[a.key] ~= nil then
      local from = attribute(a.key, u.existing, type_text)
      local to = attribute(a.key, u.target, type_text)
      if a.key == "nullable" then to = u.changes.nullable end
      if a.key == "identity" then to = identity_value(u.changes.identity) end
      out[#out + 1] = { kind = a.kind, table = u.table, column = u.column, from = from, to = to,
        text = string.format("change %s of column %s.%s", a.word, u.table, u.column) }
    end
  end
end

--- objects(changes, describe, type_text): the objects of `changes` (in
-- their order). describe(change) is the text of a change; type_text(col)
-- the SQL of a snapshot column's type, or nil.
function M.objects(changes, describe, type_text)
  local out = {}
  for _, c in ipairs(changes) do
    local u, text = c.up, describe(c)
    local op = u.op
    local o
    if op == "create_table" or op == "drop_table" then
      o = { kind = op == "create_table" and "add_table" or "drop_table", table = u.table.name,
        columns = names(u.table.columns) }
    elseif op == "rename_table" then
      o = { kind = "rename_table", table = u.to, from = u.from, to = u.to }
    elseif op == "add_column" then
      o = { kind = "add_column", table = u.table, column = u.column.name, from = json.null,
        to = or_null(type_text(u.column)) }
    elseif op == "drop_column" then
      o = { kind = "drop_column", table = u.table, column = u.column.name, from = or_null(type_text(u.column)),
        to = json.null }
    elseif op == "rename_column" then
      o = { kind = "rename_column", table = u.table, column = u.to, from = u.from, to = u.to }
    elseif op == "alter_column" then
      alter_objects(out, u, type_text)
    elseif op == "recreate_column" then
      local function expr(col) return or_null(col and col.computed and tostring(col.computed.sqltext)) end
      o = { kind = "change_computed", table = u.table, column = u.column.name, from = expr(u.existing),
        to = expr(u.column) }
    elseif op == "create_index" or op == "drop_index" then
      o = { kind = op == "create_index" and "add_index" or "drop_index", table = u.table,
        name = or_null(u.index.name), columns = index_columns(u.index), unique = u.index.unique == true }
    elseif op == "create_unique_constraint" or op == "create_check_constraint" then
      o = { kind = op == "create_unique_constraint" and "add_unique_constraint" or "add_check_constraint",
        table = u.table, name = or_null(u.entry.name), columns = names(u.entry.columns) }
    elseif op == "create_foreign_key" then
      o = { kind = "add_foreign_key", table = u.table, name = or_null(u.entry.name), columns = names(u.entry.columns),
        ref_table = u.entry.ref_table, ref_columns = names(u.entry.ref_columns) }
    elseif op == "drop_constraint" then
      local e = u.entry
      o = { kind = "drop_" .. (CONSTRAINT_KIND[u.kind] or "constraint"), table = u.table, name = or_null(e.name),
        columns = names(e.columns) }
      if u.kind == "foreignkey" then o.ref_table, o.ref_columns = e.ref_table, names(e.ref_columns) end
    elseif op == "create_table_comment" or op == "drop_table_comment" then
      o = { kind = "change_table_comment", table = u.table, to = or_null(u.comment) }
      local before = c.down
      o.from = or_null(before and before.op == "create_table_comment" and before.comment)
    elseif op == "enum_values" then
      local cols = {}
      for i, user in ipairs(u.columns or {}) do cols[i] = user.table .. "." .. user.column end
      o = { kind = "change_enum", table = json.null, name = u.name, from = u.from, to = u.to, columns = cols }
    else
      o = { kind = op, table = or_null(type(u.table) == "string" and u.table) }
    end
    if o then
      o.text = text
      out[#out + 1] = o
    end
  end
  return out
end

return M
