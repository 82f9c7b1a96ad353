-- luamig.ddl.constraints: the base compilers for constraints and indexes
-- (mixed into luamig.ddl.base's Dialect; `self` is the dialect).
--
-- Column-level primary_key, unique and references become the same
-- table-level records that PrimaryKeyConstraint & co. make, so one
-- renderer writes them all; a naming convention carried by the record
-- (create_table, add_column) names the unnamed ones here. Records of the
-- constraint operations (create_unique_constraint, create_index...) arrive
-- with their final names: ops applied the convention.

local types = require("luamig.schema.types")
local fk_options = require("luamig.schema.fk_options")

local is_sql, describe = types.is_sql, types.describe

local M = {}

--- A table-level constraint record as SQL (see docs/internals.md).
function M:constraint_sql(c)
  local s
  if c.kind == "primary_key" then
    s = "PRIMARY KEY (" .. self:quote_list(c.columns) .. ")"
  elseif c.kind == "unique" then
    s = "UNIQUE (" .. self:quote_list(c.columns) .. ")"
  elseif c.kind == "foreign_key" then
    s = string.format("FOREIGN KEY (%s) REFERENCES %s (%s)", self:quote_list(c.columns),
      self:qualify(c.ref_table, c.ref_schema), self:quote_list(c.ref_columns)) .. self:fk_options_sql(c)
  elseif c.kind == "check" then
    s = "CHECK (" .. self:sqltext(c.sqltext) .. ")"
  elseif c.kind == "exclude" then
    local elems = {}
    for i, e in ipairs(c.elements) do elems[i] = self:index_element_sql(e[1]) .. " WITH " .. e[2] end
    s = string.format("EXCLUDE USING %s (%s)", c.using or "gist", table.concat(elems, ", "))
    if c.where then s = s .. " WHERE (" .. self:sqltext(c.where) .. ")" end
    if c.deferrable ~= nil then s = s .. (c.deferrable and " DEFERRABLE" or " NOT DEFERRABLE") end
    if c.initially then s = s .. " INITIALLY " .. c.initially end
  else
    error("constraint_sql: unknown constraint kind " .. describe(c.kind), 2)
  end
  if c.name then s = "CONSTRAINT " .. self:constraint_name_sql(c.name) .. " " .. s end
  return s
end

--- What follows a foreign key's REFERENCES clause: its options
-- (luamig.schema.fk_options) in the standard's order, each with a space
-- before it; "" for none.
function M:fk_options_sql(fk)
  local s = ""
  if fk.match then s = s .. " MATCH " .. fk.match end
  if fk.ondelete then s = s .. " ON DELETE " .. fk.ondelete end
  if fk.onupdate then s = s .. " ON UPDATE " .. fk.onupdate end
  if fk.deferrable ~= nil then s = s .. (fk.deferrable and " DEFERRABLE" or " NOT DEFERRABLE") end
  if fk.initially then s = s .. " INITIALLY " .. fk.initially end
  return s
end

--- A message when this backend cannot carry out foreign key `fk`'s
-- options, else nil.
function M:fk_options_refused(_fk)
  return nil
end

-- A copy of constraint `c` with the name the convention gives it | nil, msg.
local function named_copy(self, convention, tname, c)
  local name, err = self:constraint_name(convention, c.kind, { table = tname, columns = c.columns, name = c.name,
    ref_table = c.ref_table, ref_columns = c.ref_columns })
  if err then return nil, err end
  local r = {}
  for k, v in pairs(c) do r[k] = v end
  r.name = name
  return r
end

--- The table-level constraints of a create_table record: the primary key
-- (an explicit PrimaryKeyConstraint, else the primary_key columns; none
-- when `inline_pk` carries it), UNIQUE and FOREIGN KEY of the columns, then
-- the record's own constraints, each named by the convention.
-- Returns the list and the inline primary key's name | nil, msg.
function M:table_constraints(rec, inline_pk)
  local conv, tname = rec.naming_convention, rec.table
  local explicit_pk
  for _, c in ipairs(rec.constraints or {}) do
    if c.kind == "primary_key" then explicit_pk = c end
  end
  local out, err = {}, nil
  local function add(c)
    local r, cerr = named_copy(self, conv, tname, c)
    if not r then err = err or cerr; return end
    out[#out + 1] = r
  end
  local pk_name
  if inline_pk then
    local r, perr = named_copy(self, conv, tname, { kind = "primary_key", columns = { inline_pk.name },
      name = explicit_pk and explicit_pk.name })
    if not r then return nil, perr end
    pk_name = r.name
  elseif explicit_pk then
    add(explicit_pk)
  else
    local pk = {}
    for _, col in ipairs(rec.columns) do
      if col.primary_key then pk[#pk + 1] = col.name end
    end
    if #pk > 0 then add({ kind = "primary_key", columns = pk }) end
  end
  for _, col in ipairs(rec.columns) do
    if col.unique and not col.index then add({ kind = "unique", columns = { col.name } }) end
  end
  for _, col in ipairs(rec.columns) do
    local ref = col.references
    if ref then
      add(fk_options.copy(ref, { kind = "foreign_key", name = ref.name, columns = { col.name },
        ref_table = ref.table, ref_schema = ref.schema, ref_columns = { ref.column } }))
    end
  end
  for _, c in ipairs(rec.constraints or {}) do
    if c.kind ~= "primary_key" then add(c) end
  end
  if err then return nil, err end
  return out, pk_name
end

-- Indexes ------------------------------------------------------------------

-- Index columns: names are quoted, `sql` fragments written as they are.
function M:index_element_sql(e)
  if is_sql(e) then return e.text end
  return self:quote(e)
end

-- PostgreSQL and MySQL put an index in its table's schema; SQLite overrides.
function M:index_target_sql(rec)
  return self:quote(rec.name), self:qualify(rec.table, rec.schema)
end

--- An Index of a create_table record (or `index = true` on a column, as
-- an Index of that column), named by the convention | nil, msg.
function M:table_index_sql(rec, ix)
  local name, err = self:constraint_name(rec.naming_convention, "index",
    { table = rec.table, columns = ix.columns, name = ix.name })
  if not name then return nil, err or "an Index needs a name" end
  return self:compile_create_index({ kind = "create_index", name = name, table = rec.table, schema = rec.schema,
    columns = ix.columns, unique = ix.unique, postgresql_where = ix.postgresql_where,
    sqlite_where = ix.sqlite_where, postgresql_using = ix.postgresql_using,
    postgresql_include = ix.postgresql_include })[1]
end

-- `index = true` on a column: ix_<table>_<column> unless the convention
-- says otherwise; unique when the column is.
function M:column_index_sql(rec, col)
  return self:table_index_sql(rec, { columns = { col.name }, unique = col.unique })
end

-- The dialect-specific options of a record this dialect reads:
-- postgresql_where on PostgreSQL, sqlite_where on SQLite...
local function dialect_option(self, rec, what)
  return rec[self.option_prefix .. "_" .. what]
end

function M:compile_create_index(rec)
  if rec.if_not_exists and not self.index_if_exists then
    return self:unsupported("CREATE INDEX IF NOT EXISTS", "drop if_not_exists, or check the index first")
  end
  local elems = {}
  for i, e in ipairs(rec.columns) do elems[i] = self:index_element_sql(e) end
  local name, tname = self:index_target_sql(rec)
  local using, where = dialect_option(self, rec, "using"), dialect_option(self, rec, "where")
  local include = dialect_option(self, rec, "include")
  return { string.format("CREATE %sINDEX %s%s%s ON %s%s (%s)%s%s", rec.unique and "UNIQUE " or "",
    dialect_option(self, rec, "concurrently") and "CONCURRENTLY " or "",
    rec.if_not_exists and "IF NOT EXISTS " or "", name, tname, using and " USING " .. using or "",
    table.concat(elems, ", "), include and " INCLUDE (" .. self:quote_list(include) .. ")" or "",
    where and " WHERE " .. self:sqltext(where) or "") }
end

function M:compile_drop_index(rec)
  if rec.if_exists and not self.index_if_exists then
    return self:unsupported("DROP INDEX IF EXISTS", "drop if_exists, or check the index first")
  end
  return { "DROP INDEX " .. (dialect_option(self, rec, "concurrently") and "CONCURRENTLY " or "")
    .. (rec.if_exists and "IF EXISTS " or "") .. self:qualify(rec.name, rec.schema) }
end

-- Constraints on an existing table -----------------------------------------

--- The constraint record (create_table's form) of a create_primary_key,
-- create_unique_constraint, create_check_constraint or create_foreign_key
-- record.
function M.constraint_of(rec)
  local kind = rec.kind
  if kind == "create_primary_key" then
    return { kind = "primary_key", name = rec.name, columns = rec.columns }
  elseif kind == "create_unique_constraint" then
    return { kind = "unique", name = rec.name, columns = rec.columns }
  elseif kind == "create_check_constraint" then
    return { kind = "check", name = rec.name, sqltext = rec.condition }
  elseif kind == "create_exclude_constraint" then
    return { kind = "exclude", name = rec.name, elements = rec.elements, where = rec.where, using = rec.using,
      deferrable = rec.deferrable, initially = rec.initially }
  elseif kind == "create_foreign_key" then
    return fk_options.copy(rec, { kind = "foreign_key", name = rec.name, columns = rec.local_cols,
      ref_table = rec.referent_table, ref_schema = rec.referent_schema, ref_columns = rec.remote_cols })
  end
  error("constraint_of: not a constraint record: " .. describe(kind), 2)
end

function M:add_constraint_unsupported(rec)
  return self:unsupported("ALTER TABLE ... ADD CONSTRAINT (" .. rec.kind .. ")")
end

-- NOT VALID (postgresql_not_valid): PostgreSQL adds the constraint
-- without checking the rows already there; ALTER TABLE ... VALIDATE
-- CONSTRAINT checks them later, without blocking writes.
function M:add_constraint_sql(rec)
  if not self.alter_constraints then return self:add_constraint_unsupported(rec) end
  return { string.format("ALTER TABLE %s ADD %s%s", self:qualify(rec.table, rec.schema),
    self:constraint_sql(M.constraint_of(rec)), dialect_option(self, rec, "not_valid") and " NOT VALID" or "") }
end

M.compile_create_primary_key = M.add_constraint_sql
M.compile_create_unique_constraint = M.add_constraint_sql
M.compile_create_check_constraint = M.add_constraint_sql
M.compile_create_foreign_key = M.add_constraint_sql

-- EXCLUDE is PostgreSQL's (a dialect without it says so).
function M:compile_create_exclude_constraint(rec)
  if not self.exclude_constraints then return self:unsupported("EXCLUDE constraints") end
  return self:add_constraint_sql(rec)
end

function M:compile_drop_constraint(rec)
  return { string.format("ALTER TABLE %s DROP CONSTRAINT %s%s", self:qualify(rec.table, rec.schema),
    rec.if_exists and "IF EXISTS " or "", self:quote(rec.name)) }
end

return M
