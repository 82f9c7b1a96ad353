-- luamig.ops.constraints: constraints on an existing table, with
-- Alembic's names and argument order (installed into the op table by
-- luamig.ops):
--   op.create_primary_key(name, table, {cols})
--   op.create_unique_constraint(name, table, {cols})
--   op.create_check_constraint(name, table, condition)
--   op.create_foreign_key(name, source, referent, {local_cols}, {remote_cols}, {ondelete =, onupdate =})
--   op.drop_constraint(name, table, {type_ = "foreignkey"|"primary"|"unique"|"check"})
-- A nil name is given by the naming convention, or left to the database.
-- The records carry the op's name as their kind and its arguments as
-- fields (docs/internals.md), as batch mode's do.

local types = require "luamig.schema.types"
local check = require "luamig.ops.check"

local type, error = type, error
local describe, is_sql = types.describe, types.is_sql

local M = {}

function M.install(op, shared)
  local submit, opts_of = shared.submit, check.opts

  -- Name the constraint (convention) and hand the record over; one helper
  -- deep. `kind` is the constraint kind the convention knows it by.
  local function add(kind, record)
    record.name = shared.name(kind, { table = record.table, columns = record.columns or record.local_cols,
      name = record.name, ref_table = record.referent_table, ref_columns = record.remote_cols }, 1)
    submit(record, 1)
  end

  function op.create_primary_key(name, table_name, columns, opts)
    check.optional_name("create_primary_key", 1, "name", name)
    check.name("create_primary_key", 2, "table", table_name)
    local cols = check.column_list("create_primary_key", 3, "columns", columns)
    opts = opts_of("create_primary_key", 4, opts)
    add("primary_key", { kind = "create_primary_key", name = name, table = table_name, schema = opts.schema,
      columns = cols })
  end

  function op.create_unique_constraint(name, table_name, columns, opts)
    check.optional_name("create_unique_constraint", 1, "name", name)
    check.name("create_unique_constraint", 2, "table", table_name)
    local cols = check.column_list("create_unique_constraint", 3, "columns", columns)
    opts = opts_of("create_unique_constraint", 4, opts)
    add("unique", { kind = "create_unique_constraint", name = name, table = table_name, schema = opts.schema,
      columns = cols })
  end

  --- The condition is SQL text (a string or an `sql` fragment).
  function op.create_check_constraint(name, table_name, condition, opts)
    check.optional_name("create_check_constraint", 1, "name", name)
    check.name("create_check_constraint", 2, "table", table_name)
    if not (type(condition) == "string" and condition ~= "" or is_sql(condition)) then
      error("op.create_check_constraint: argument #3 (condition) must be a string or sql fragment, got "
        .. describe(condition), 2)
    end
    opts = opts_of("create_check_constraint", 4, opts)
    add("check", { kind = "create_check_constraint", name = name, table = table_name, schema = opts.schema,
      condition = condition })
  end

  function op.create_foreign_key(name, source_table, referent_table, local_cols, remote_cols, opts)
    local f = "create_foreign_key"
    check.optional_name(f, 1, "name", name)
    check.name(f, 2, "source_table", source_table)
    check.name(f, 3, "referent_table", referent_table)
    local cols = check.column_list(f, 4, "local_cols", local_cols)
    local refs = check.column_list(f, 5, "remote_cols", remote_cols)
    if #cols ~= #refs then
      error(("op.create_foreign_key: %d local column%s but %d remote column%s"):format(#cols,
        #cols == 1 and "" or "s", #refs, #refs == 1 and "" or "s"), 2)
    end
    opts = opts_of(f, 6, opts)
    add("foreign_key", { kind = "create_foreign_key", name = name, table = source_table,
      schema = opts.source_schema, referent_table = referent_table, referent_schema = opts.referent_schema,
      local_cols = cols, remote_cols = refs, ondelete = opts.ondelete and types.fk_action(opts.ondelete),
      onupdate = opts.onupdate and types.fk_action(opts.onupdate) })
  end

  --- drop_constraint(name, table, [{type_ =, schema =}]): the name as the
  -- database has it. MySQL needs type_ (it drops each kind differently).
  function op.drop_constraint(name, table_name, opts)
    check.name("drop_constraint", 1, "name", name)
    check.name("drop_constraint", 2, "table", table_name)
    opts = opts_of("drop_constraint", 3, opts)
    submit({ kind = "drop_constraint", name = name, table = table_name, schema = opts.schema, type_ = opts.type_ })
  end
end

return M
