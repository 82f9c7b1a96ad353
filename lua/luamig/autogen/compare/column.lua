-- luamig.autogen.compare.column: the changes to one column that both the
-- models and the database have: its type (with the CHECK the type brings
-- and its collation), nullability, server default, comment, identity, and
-- the expression of a generated column.
--
-- A generated column's expression cannot be altered (Alembic says so and
-- writes nothing; luamig reports it): the column is dropped and added
-- again, which loses nothing, the database making its values. Identity
-- options compare without the ones that are the defaults
-- (snapshot.identity); a model's autoincrementing key without an
-- Identity means "whatever the database makes it", so it matches a
-- default identity, a serial column and a plain integer alike.

local normalize = require("luamig.autogen.compare.normalize")
local changes = require("luamig.autogen.compare.change")
local types = require("luamig.schema.types")

local normalize_default, expression = normalize.normalize_default, normalize.expression
local change = changes.change

local M = {}

local function comment_of(v) if v == "" then return nil end return v end

-- The CHECKs two types bring are the same: the same values, and the same
-- name unless the model leaves the name to the database.
local function same_type_check(m, d)
  if (m == nil) ~= (d == nil) then return false end
  if m == nil then return true end
  if table.concat(m.values, "\0") ~= table.concat(d.values, "\0") then return false end
  return m.name == nil or m.name == d.name
end

-- A collation the model names that is the database table's default reads
-- back as none (MySQL): the model's type without it then.
local function model_type_key(m, db_t, type_key)
  local t = m.type
  if t and t.collation and db_t.default_collation == t.collation and (t.name == "String" or t.name == "Text") then
    return type_key({ name = m.name, type = types[t.name] { length = t.length } })
  end
  return type_key(m)
end

local function same_table(a, b)
  for k, v in pairs(a) do if b[k] ~= v then return false end end
  for k, v in pairs(b) do if a[k] ~= v then return false end end
  return true
end

-- Whether a stored (true) or virtual (false) column is what a Computed
-- without `persisted` makes on this dialect.
local function stored_by_default(dialect)
  return dialect:computed_sql({ sqltext = "x" }):find("STORED", 1, true) ~= nil
end

local function computed_differs(dialect, m, d)
  local mc, dc = m.computed, d.computed
  if (mc == nil) ~= (dc == nil) then return true end
  if mc == nil then return false end
  local default = stored_by_default(dialect)
  local function stored(c) if c.persisted == nil then return default end return c.persisted end
  return expression(mc.sqltext) ~= expression(dc.sqltext) or stored(mc) ~= stored(dc)
end

-- The identity of a column as compared: its options, IMPLICIT for a
-- model's autoincrementing key without an Identity, or nil.
local IMPLICIT = {}
local function identity_of(col, is_model)
  if col.identity then return col.identity end
  if is_model and col.autoincrement then return IMPLICIT end
  return nil
end

local function identity_differs(mi, di)
  if mi == IMPLICIT then return di ~= nil and next(di) ~= nil end
  if (mi == nil) ~= (di == nil) then return true end
  return mi ~= nil and not same_table(mi, di)
end

--- Append the changes that make db column `d` model column `m` to `out`.
-- db_t: the database's table; type_key: the comparison's type keys
-- (compare/normalize.lua's type_keys).
function M.compare(out, dialect, tname, m, d, db_t, type_key)
  if computed_differs(dialect, m, d) then
    out[#out + 1] = change(5, { op = "recreate_column", table = tname, column = m, existing = d },
      { op = "recreate_column", table = tname, column = d, existing = m })
    return
  end
  local up, down = {}, {}
  local any = false
  if model_type_key(m, db_t, type_key) ~= type_key(d)
      or not same_type_check(m.type_check, d.type_check) then
    up.type_, down.type_ = m.type, d.type or d.type_text
    any = true
  end
  local mi, di = identity_of(m, true), identity_of(d, false)
  if not dialect.identity_columns then mi, di = nil, nil end
  -- an identity column is NOT NULL whatever the model says
  local m_nullable = m.nullable ~= false and not (mi and mi ~= IMPLICIT)
  if m_nullable ~= (d.nullable ~= false) then
    up.nullable, down.nullable = m_nullable, d.nullable ~= false
    any = true
  end
  local md, dd = normalize_default(m.default), normalize_default(d.default)
  if md ~= dd and not (m.autoincrement or d.autoincrement) then
    up.server_default, down.server_default = m.default or false, d.default or false
    any = true
  end
  if dialect.comments and comment_of(m.comment) ~= comment_of(d.comment) then
    up.comment, down.comment = comment_of(m.comment) or false, comment_of(d.comment) or false
    any = true
  end
  if identity_differs(mi, di) then
    up.identity = mi == IMPLICIT and {} or mi or false
    down.identity = di or false
    any = true
  end
  if any then
    out[#out + 1] = change(5, { op = "alter_column", table = tname, column = m.name, changes = up, existing = d, target = m },
      { op = "alter_column", table = tname, column = m.name, changes = down, existing = m, target = d })
  end
end

--- db column `d` as compared with model column `m`: when the model
-- declares the VARCHAR and its CHECK apart, the reflected Enum (or
-- Boolean) is the plain type again, and the CHECK goes back to `checks`.
function M.unfolded(m, d, checks)
  if not d.plain or m.type_check then return d end
  local copy = {}
  for k, v in pairs(d) do copy[k] = v end
  copy.type, copy.type_check, copy.plain = d.plain.type, nil, nil
  checks[#checks + 1] = d.plain.check
  return copy
end

return M
