-- What the golden-SQL specs of the DDL compilers share (spec/unit/ddl/*):
-- the constructors a revision sees, and short ways to write an operation
-- record and the statements it should compile to.
--
--   local _ENV = require("helpers.golden_sql").env(_ENV, "mysql")
--   assert.same({ lines('CREATE TABLE "t" (', ...) }, d:compile(create("t", Column(...))))

local assert = require("luassert")

local M = {}

M.types = require("luamig.schema.types")

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

--- The table every dialect spec compiles first: an integer key, a unique
-- short code and a creation time that the server fills in.
function M.links()
  local T = M.types
  return M.create("links",
    T.Column("id", T.Integer, { primary_key = true }),
    T.Column("short_code", T.String(16), { nullable = false, unique = true }),
    T.Column("created_at", T.DateTime, { server_default = T.sql "CURRENT_TIMESTAMP" }))
end

--- Asserts the column type that dialect `d` writes for each case of
-- `expected`, a list of { type, SQL }, and for the types that every
-- dialect writes alike (so that each spec lists only its own).
function M.assert_types(d, expected)
  local T = M.types
  local all = {
    { T.Integer, "INTEGER" }, { T.BigInteger, "BIGINT" }, { T.SmallInteger, "SMALLINT" },
    { T.String(16), "VARCHAR(16)" }, { T.Text, "TEXT" }, { T.Date, "DATE" }, { T.Time, "TIME" },
    { T.Float, "FLOAT" }, { T.Numeric(10, 2), "NUMERIC(10, 2)" }, { T.JSON, "JSON" },
  }
  for _, case in ipairs(expected) do all[#all + 1] = case end
  for _, case in ipairs(all) do
    assert.equal(case[2], d:type_sql(case[1], "c"), tostring(case[1]))
  end
end

--- Asserts what d:quote or d:literal (`method`) writes for each case of
-- `cases`, a list of { SQL, value }.
function M.assert_writes(d, method, cases)
  for _, case in ipairs(cases) do
    assert.equal(case[1], d[method](d, case[2]), tostring(case[2]))
  end
end

-- The names every dialect spec writes its cases with. They come in as the
-- spec's environment rather than as locals, so that the three specs do not
-- each restate the same dozen lines of `local Integer = types.Integer`.
local TYPE_NAMES = { "Column", "sql", "Integer", "String", "Text", "Boolean", "BigInteger", "SmallInteger",
  "Date", "DateTime", "Time", "Float", "Numeric", "LargeBinary", "JSON" }

--- An environment for the spec of `dialect`: ddl, d (the dialect), the
-- type constructors and the functions above, falling back to `parent`
-- (busted's environment, so describe, it and assert still resolve per test).
function M.env(parent, dialect)
  local ddl = require("luamig.ddl")
  local env = { ddl = ddl, d = assert(ddl.dialect(dialect)), types = M.types,
    lines = M.lines, create = M.create, alter = M.alter,
    links = M.links, assert_flags = M.assert_flags, assert_types = M.assert_types,
    assert_writes = M.assert_writes }
  for _, name in ipairs(TYPE_NAMES) do env[name] = assert(M.types[name], name) end
  return setmetatable(env, { __index = parent })
end

--- Asserts the capability flags of dialect `d`: `flags` maps each flag's
-- name to the value it must have.
function M.assert_flags(d, flags)
  local names = {}
  for name in pairs(flags) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do assert.equal(flags[name], d[name], name) end
end

return M
