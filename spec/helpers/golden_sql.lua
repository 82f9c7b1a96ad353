-- What the golden-SQL specs of the DDL compilers share (spec/unit/ddl/*):
-- the constructors a revision sees, and short ways to write an operation
-- record and the statements it should compile to.
--
--   local g = require "helpers.golden_sql"
--   local Column, Integer = g.types.Column, g.types.Integer
--   assert.same({ g.lines('CREATE TABLE "t" (', ...) }, d:compile(g.create("t", Column(...))))

local M = {}

M.types = require "luamig.schema.types"

--- The lines of one expected statement, joined by newlines.
function M.lines(...) return table.concat({ ... }, "\n") end

--- A create_table record of the columns given, without constraints.
function M.create(tbl, ...)
  return { kind = "create_table", table = tbl, columns = { ... }, constraints = {} }
end

--- An alter_column record of `fields`, on column x of table t unless they
-- say otherwise.
function M.alter(fields)
  fields.kind, fields.table, fields.column = "alter_column", fields.table or "t", fields.column or "x"
  return fields
end

return M
