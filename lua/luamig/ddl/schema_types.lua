-- luamig.ddl.schema_types: the CHECK that a column's type brings along, as
-- SQLAlchemy's "schema types" do, mixed into luamig.ddl.base's Dialect
-- (`self` is the dialect):
--   * an Enum the database has no type for (SQLite always; elsewhere with
--     native_enum = false) is a VARCHAR with CHECK (col IN ('a', 'b')):
--     on SQLite unless create_constraint = false, elsewhere only with
--     create_constraint = true (SQLAlchemy's default since 1.4);
--   * a Boolean{create_constraint = true} is CHECK (col IN (0, 1)) where
--     the database has no boolean (SQLite).
-- The CHECK is named after the type (Enum's and Boolean's `name`) or by
-- the naming convention's ck pattern. When alter_column changes the type,
-- the old type's CHECK is dropped (by its name) and the new one's added.

local M = {}

-- The values a type's CHECK allows, as SQL literals, and its name; nil
-- when the type brings no CHECK on this dialect.
local function checked_values(self, t)
  if not t then return nil end
  if t.name == "Enum" then
    local native = self.native_enums and t.native_enum ~= false
    if native then return nil end
    local wanted
    if self.native_enums then wanted = t.create_constraint == true else wanted = t.create_constraint ~= false end
    if not wanted then return nil end
    local vals = {}
    for i, v in ipairs(t.values) do vals[i] = self:string_literal(v) end
    return vals, t.enum_name
  elseif t.name == "Boolean" and t.create_constraint and not self.native_boolean then
    return { "0", "1" }, t.check_name
  end
  return nil
end

--- The condition of type `t`'s CHECK on `column` (col IN (...)) and its
-- name (given, or by the convention), or nil | nil, msg.
function M:type_check_condition(t, column, tname, convention)
  local vals, given = checked_values(self, t)
  if not vals then return nil end
  local name, err = self:constraint_name(convention, "check", { table = tname or "?", columns = { column },
    name = given })
  if err then return nil, err end
  return string.format("%s IN (%s)", self:quote(column), table.concat(vals, ", ")), name
end

-- CHECK (col IN (...)) of type `t` on `column`, and its name, or nil.
local function check_of(self, t, column, tname, convention)
  local cond, name = self:type_check_condition(t, column, tname, convention)
  if not cond then return nil, name end
  return "CHECK (" .. cond .. ")", name
end

--- For alter_column on a database that alters columns in place: the
-- statements before the type change (dropping the old type's CHECK) and
-- after it (adding the new type's) | nil, msg.
function M:type_change_checks(rec)
  local before, after = {}, {}
  if rec.type_ == nil then return before, after end
  local tname = self:qualify(rec.table, rec.schema)
  local old, old_name = check_of(self, rec.existing_type, rec.column, rec.table, rec.naming_convention)
  if old then
    if not old_name then
      return nil, string.format("the CHECK of column %s's old type %s has no name to drop it by: give the type"
        .. " its name (existing_type = ...{name = ...}) or a naming convention", self:quote(rec.column),
        tostring(rec.existing_type))
    end
    before[1] = string.format("ALTER TABLE %s DROP CONSTRAINT %s", tname, self:quote(old_name))
  end
  local column = rec.new_column_name or rec.column
  local new, new_name = check_of(self, rec.type_, column, rec.table, rec.naming_convention)
  if new then
    after[1] = string.format("ALTER TABLE %s ADD %s%s", tname, new_name and ("CONSTRAINT " .. self:quote(new_name)
      .. " ") or "", new)
  end
  return before, after
end

return M
