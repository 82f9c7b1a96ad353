-- luamig.ops.constraints: constraints on an existing table, with
-- Alembic's names and argument order (installed into the op table by
-- luamig.ops):
--   op.create_primary_key(name, table, {cols})
--   op.create_unique_constraint(name, table, {cols})
--   op.create_check_constraint(name, table, condition)
--   op.create_foreign_key(name, source, referent, {local_cols}, {remote_cols}, {ondelete =, onupdate =})
--   op.create_exclude_constraint(name, table, {col, op}..., {where =, using =}) (PostgreSQL)
--   op.drop_constraint(name, table, {type_ = "foreignkey"|"primary"|"unique"|"check"})
-- A nil name is given by the naming convention, or left to the database.
-- The records carry the op's name as their kind and its arguments as
-- fields (docs/internals.md); luamig.ops.records checks the arguments and
-- builds them, for batch mode's methods too.

local records = require("luamig.ops.records")

local M = {}

function M.install(op, shared)
  local submit = shared.submit
  local callers = records.plain_callers(shared)

  function op.create_primary_key(name, table_name, columns, opts)
    submit(records.create_primary_key(callers.create_primary_key, name, table_name, columns, opts))
  end

  function op.create_unique_constraint(name, table_name, columns, opts)
    submit(records.create_unique_constraint(callers.create_unique_constraint, name, table_name, columns, opts))
  end

  function op.create_check_constraint(name, table_name, condition, opts)
    submit(records.create_check_constraint(callers.create_check_constraint, name, table_name, condition, opts))
  end

  function op.create_foreign_key(name, source_table, referent_table, local_cols, remote_cols, opts)
    submit(records.create_foreign_key(callers.create_foreign_key, name, source_table, referent_table, local_cols,
      remote_cols, opts))
  end

  function op.create_exclude_constraint(name, table_name, ...)
    submit(records.create_exclude_constraint(callers.create_exclude_constraint, name, table_name, ...))
  end

  function op.drop_constraint(name, table_name, opts)
    submit(records.drop_constraint(callers.drop_constraint, name, table_name, opts))
  end
end

return M
