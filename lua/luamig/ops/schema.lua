-- luamig.ops.schema: the operations on tables, columns, indexes, table
-- comments and enum types (installed into the op table by luamig.ops).
-- Those on one existing table's columns and indexes build their records
-- through luamig.ops.records, which batch mode shares.

local types = require("luamig.schema.types")
local constraints = require("luamig.schema.constraints")
local check = require("luamig.ops.check")
local records = require("luamig.ops.records")

local describe, is_column = types.describe, types.is_column
local is_constraint, is_index = constraints.is_constraint, constraints.is_index
local is_plain_table = check.is_plain_table

local M = {}

local CONSTRUCTOR = {
  primary_key = "PrimaryKeyConstraint", unique = "UniqueConstraint", foreign_key = "ForeignKeyConstraint",
  check = "CheckConstraint", index = "Index",
}

-- The columns, constraints, indexes and options of create_table's varargs.
local function split_definition(name, ...)
  local n = select("#", ...)
  local columns, cons, indexes, opts, seen, pk = {}, {}, {}, nil, {}, nil
  for i = 1, n do
    local v = select(i, ...)
    if is_column(v) then
      if seen[v.name] then
        error(string.format("op.create_table: table %q has two columns named %q", name, v.name), 3)
      end
      seen[v.name] = true
      columns[#columns + 1] = v
    elseif is_constraint(v) then
      if v.kind == "primary_key" then
        if pk then error(string.format("op.create_table: table %q has two PrimaryKeyConstraints", name), 3) end
        pk = v
      end
      cons[#cons + 1] = v
    elseif is_index(v) then
      indexes[#indexes + 1] = v
    elseif i == n and is_plain_table(v) then
      opts = v
    else
      error(string.format("op.create_table: argument #%d must be a Column, a constraint or an Index%s, got %s", i + 1,
        i == n and ", or the options table" or "", describe(v)), 3)
    end
  end
  if #columns == 0 then
    error(string.format("op.create_table: table %q needs at least one Column", name), 3)
  end
  return columns, cons, indexes, opts, seen, pk
end

-- A constraint or index naming a column the table lacks is a typo.
local function check_columns(name, seen, list)
  for _, c in ipairs(list) do
    for _, col in ipairs(c.columns or {}) do
      if type(col) == "string" and not seen[col] then
        error(string.format("op.create_table: %s names column %q, which table %q does not have",
          CONSTRUCTOR[c.kind], col, name), 3)
      end
    end
  end
end

-- With a PrimaryKeyConstraint, its columns are the key: copies of them are
-- marked primary_key (and so NOT NULL); a column marked primary_key
-- outside it is a contradiction.
local function apply_primary_key(name, columns, pk)
  if not pk then return columns end
  local in_pk = {}
  for _, c in ipairs(pk.columns) do in_pk[c] = true end
  local out = {}
  for i, col in ipairs(columns) do
    if col.primary_key and not in_pk[col.name] then
      error(string.format("op.create_table: column %q of table %q has primary_key = true but is not in the"
        .. " PrimaryKeyConstraint", col.name, name), 3)
    end
    if in_pk[col.name] and not col.primary_key then
      local copy = {}
      for k, v in pairs(col) do copy[k] = v end
      copy.primary_key, copy.nullable = true, false
      col = setmetatable(copy, getmetatable(col))
    end
    out[i] = col
  end
  return out
end

function M.install(op, shared)
  local submit, opts_of, name_arg = shared.submit, check.opts, check.name

  --- create_table(name, Column..., Constraint..., Index..., [opts]) -> the
  -- table definition, which op.bulk_insert accepts.
  function op.create_table(name, ...)
    name_arg("create_table", 1, "name", name)
    local columns, cons, indexes, opts, seen, pk = split_definition(name, ...)
    check_columns(name, seen, cons)
    check_columns(name, seen, indexes)
    columns = apply_primary_key(name, columns, pk)
    opts = opts_of("create_table", select("#", ...) + 1, opts)
    local record = { kind = "create_table", table = name, schema = opts.schema, columns = columns,
      constraints = cons, indexes = indexes, comment = opts.comment, if_not_exists = opts.if_not_exists,
      naming_convention = shared.convention(), mysql_engine = opts.mysql_engine, mysql_charset = opts.mysql_charset,
      mysql_collate = opts.mysql_collate }
    submit(record)
    return record
  end

  --- drop_table(name, [{if_exists =, enums = {...}}]): `enums` names the
  -- PostgreSQL enum types to drop (IF EXISTS) with the table.
  function op.drop_table(name, opts)
    name_arg("drop_table", 1, "name", name)
    opts = opts_of("drop_table", 2, opts)
    submit({ kind = "drop_table", table = name, schema = opts.schema, if_exists = opts.if_exists,
      enums = opts.enums })
  end

  function op.rename_table(old_name, new_name, opts)
    name_arg("rename_table", 1, "old_name", old_name)
    name_arg("rename_table", 2, "new_name", new_name)
    opts = opts_of("rename_table", 3, opts)
    submit({ kind = "rename_table", table = old_name, new_name = new_name, schema = opts.schema })
  end

  -- The operations on one existing table: their arguments are checked and
  -- their records built by luamig.ops.records, as batch mode's are.
  local callers = records.plain_callers(shared)

  function op.add_column(table_name, column, opts)
    submit(records.add_column(callers.add_column, table_name, column, opts))
  end

  function op.drop_column(table_name, column_name, opts)
    submit(records.drop_column(callers.drop_column, table_name, column_name, opts))
  end

  function op.alter_column(table_name, column_name, opts)
    submit(records.alter_column(callers.alter_column, table_name, column_name, opts))
  end

  --- create_index(name, table, columns, [opts]); a nil name comes from the
  -- naming convention (ix_<table>_<column> by default).
  function op.create_index(name, table_name, columns, opts)
    submit(records.create_index(callers.create_index, name, table_name, columns, opts))
  end

  --- drop_index(name), drop_index(name, table), drop_index(name, {opts}):
  -- MySQL needs the table.
  function op.drop_index(name, table_name, opts)
    submit(records.drop_index(callers.drop_index, name, table_name, opts))
  end

  function op.create_table_comment(table_name, comment, opts)
    submit(records.create_table_comment(callers.create_table_comment, table_name, comment, opts))
  end

  function op.drop_table_comment(table_name, opts)
    submit(records.drop_table_comment(callers.drop_table_comment, table_name, opts))
  end

  --- create_enum(name, {values...}, [{schema =}]): a PostgreSQL enum type
  -- made ahead of the columns that use it (with Enum(..., {create_type =
  -- false})); nothing on the other databases, where an enum is inline.
  function op.create_enum(name, values, opts)
    name_arg("create_enum", 1, "name", name)
    local ok, t = pcall(types.Enum, values, {})
    if not is_plain_table(values) or not ok then
      error("op.create_enum: argument #2 (values) must be a list of distinct non-empty strings, got "
        .. describe(values), 2)
    end
    opts = opts_of("create_enum", 3, opts)
    submit({ kind = "create_enum", name = name, schema = opts.schema, values = t.values })
  end

  function op.drop_enum(name, opts)
    name_arg("drop_enum", 1, "name", name)
    opts = opts_of("drop_enum", 2, opts)
    submit({ kind = "drop_enum", name = name, schema = opts.schema, if_exists = opts.if_exists })
  end
end

return M
