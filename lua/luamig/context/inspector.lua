-- luamig.context.inspector: what op.inspect() returns, the schema as a
-- data migration reads it to branch on what exists, after SQLAlchemy's
-- Inspector (the names Alembic users know: get_table_names, get_columns,
-- get_indexes, get_unique_constraints, get_check_constraints,
-- get_foreign_keys, get_pk_constraint, get_table_comment, has_table).
--
-- It reads the schema once, on first use, through autogenerate's
-- reflection of the backend (luamig.autogen.reflect.*), leaving out
-- luamig's own tables; a revision that changes the schema and reads it
-- again calls op.inspect() again, as with SQLAlchemy's inspect(). Each
-- list is a fresh copy: the caller may keep or change it.

local table_model = require("luamig.schema.table_model")

local M = {}

local Inspector = {}
Inspector.__index = Inspector
Inspector.__name = "luamig.Inspector"

--- An inspector over ctx's connection; nothing is read yet.
function M.new(ctx)
  return setmetatable({ ctx = ctx }, Inspector)
end

-- The snapshot, read on first use; raises at the revision's line when it
-- cannot be read (level: the method's caller).
local function schema(self)
  if not self.snap then
    local snap, err = require("luamig.autogen").reflect(self.ctx)
    if not snap then error("op.inspect(): " .. tostring(err), 4) end
    self.snap = snap
  end
  return self.snap
end

-- Table `name` (case as the database reports it, else case-blind).
local function find_table(self, name, method)
  if type(name) ~= "string" or name == "" then
    error(string.format("inspector:%s: argument #1 (table) must be a non-empty string, got %s", method,
      require("luamig.schema.types").describe(name)), 4)
  end
  local tables = schema(self).tables
  local t = tables[name]
  if not t then
    for k, v in pairs(tables) do
      if string.lower(k) == string.lower(name) then t = v end
    end
  end
  if not t then error(string.format("inspector:%s: there is no table %q", method, name), 4) end
  return t
end

--- The table names, sorted.
function Inspector:get_table_names()
  local out = {}
  for name in pairs(schema(self).tables) do out[#out + 1] = name end
  table.sort(out)
  return out
end

function Inspector:has_table(name)
  if type(name) ~= "string" then return false end
  for k in pairs(schema(self).tables) do
    if string.lower(k) == string.lower(name) then return true end
  end
  return false
end

--- {{name, type, type_text, nullable, default, autoincrement, comment}} in
-- the table's order; `type` a luamig type (Type("...") for one it does
-- not know), `default` SQL text.
function Inspector:get_columns(tname)
  local out = {}
  for i, c in ipairs(find_table(self, tname, "get_columns").columns) do
    out[i] = { name = c.name, type = c.type, type_text = c.type_text, nullable = c.nullable, default = c.default,
      autoincrement = c.autoincrement or false, comment = c.comment }
  end
  return out
end

--- {name, columns} | nil when the table has no primary key.
function Inspector:get_pk_constraint(tname)
  return table_model.copy(find_table(self, tname, "get_pk_constraint").primary_key)
end

--- {{name, columns, unique, expressions, where}}; on MySQL a unique index
-- that is a UNIQUE constraint says so: duplicates_constraint = its name
-- (SQLAlchemy's key).
function Inspector:get_indexes(tname)
  local out = table_model.copy(find_table(self, tname, "get_indexes").indexes)
  if self.ctx.dialect.unique_is_index then
    for _, ix in ipairs(out) do
      if ix.unique and not ix.expressions then ix.duplicates_constraint = ix.name end
    end
  end
  return out
end

--- {{name, columns}}; where a UNIQUE constraint is a unique index
-- (MySQL), the unique indexes, as SQLAlchemy lists them (get_indexes has
-- them too).
function Inspector:get_unique_constraints(tname)
  local t = find_table(self, tname, "get_unique_constraints")
  local out = table_model.copy(t.uniques)
  if self.ctx.dialect.unique_is_index then
    for _, ix in ipairs(t.indexes) do
      if ix.unique and not ix.expressions then out[#out + 1] = { name = ix.name, columns = table_model.copy(ix.columns) } end
    end
  end
  return out
end

function Inspector:get_check_constraints(tname)
  return table_model.copy(find_table(self, tname, "get_check_constraints").checks)
end

--- {{name, columns, ref_table, ref_columns, ondelete, onupdate}}.
function Inspector:get_foreign_keys(tname)
  return table_model.copy(find_table(self, tname, "get_foreign_keys").foreign_keys)
end

--- The table's comment, or nil.
function Inspector:get_table_comment(tname)
  return find_table(self, tname, "get_table_comment").comment
end

-- A method called with a dot (insp.get_columns("t")) gets the table name
-- as self: say how to call it, at the revision's line.
for name, fn in pairs(Inspector) do
  if type(fn) == "function" and name:sub(1, 2) ~= "__" then
    Inspector[name] = function(self, ...)
      if getmetatable(self) ~= Inspector then
        error(string.format("inspector.%s: call it with a colon, inspector:%s(...)", name, name), 2)
      end
      return fn(self, ...)
    end
  end
end

Inspector.__tostring = function() return "luamig.Inspector" end

return M
