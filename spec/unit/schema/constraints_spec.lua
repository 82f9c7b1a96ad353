-- The table-level constraint constructors create_table takes.

local types = require("luamig.schema.types")
local constraints = require("luamig.schema.constraints")

local PrimaryKeyConstraint, UniqueConstraint = constraints.PrimaryKeyConstraint, constraints.UniqueConstraint
local CheckConstraint, ForeignKeyConstraint = constraints.CheckConstraint, constraints.ForeignKeyConstraint
local Index = constraints.Index
local sql = types.sql

local function plain(t) return setmetatable(t, nil) end

local assert_rejects = require("helpers.revision_errors").assert_rejects

describe("constraints", function()
  it("make the records create_table's constraints hold", function()
    assert.same({ kind = "primary_key", columns = { "a", "b" }, name = "pk_t" },
      plain(PrimaryKeyConstraint("a", "b", { name = "pk_t" })))
    assert.same({ kind = "unique", columns = { "a" } }, plain(UniqueConstraint("a")))
    assert.same({ kind = "check", sqltext = "a > 0", name = "positive" },
      plain(CheckConstraint("a > 0", { name = "positive" })))
    assert.equal(sql "a > 0", CheckConstraint(sql "a > 0").sqltext)
    assert.same({ kind = "foreign_key", columns = { "a", "b" }, ref_table = "p", ref_columns = { "x", "y" },
      ondelete = "CASCADE", onupdate = "SET NULL", name = "fk" },
      plain(ForeignKeyConstraint({ "a", "b" }, { "p.x", "p.y" }, { ondelete = "cascade", onupdate = "set null", name = "fk" })))
    assert.same({ kind = "foreign_key", columns = { "a" }, ref_schema = "auth", ref_table = "users", ref_columns = { "id" } },
      plain(ForeignKeyConstraint("a", "auth.users.id")))
    assert.same({ kind = "index", name = "ix", columns = { "a", sql "lower(b)" }, unique = true,
      postgresql_where = "a > 0" }, plain(Index("ix", "a", sql "lower(b)", { unique = true, postgresql_where = "a > 0" })))
    assert.same({ kind = "index", columns = { "a" }, unique = false }, plain(Index(nil, "a")))
    -- columns as a list, as op.create_index takes them
    assert.same({ kind = "index", name = "ix", columns = { "a", "b" }, unique = true },
      plain(Index("ix", { "a", "b" }, { unique = true })))
    assert.same({ kind = "unique", columns = { "a", "b" } }, plain(UniqueConstraint({ "a", "b" })))
    assert.same({ kind = "foreign_key", columns = { "a" }, ref_table = "p", ref_columns = { "id" }, match = "FULL",
      deferrable = true, initially = "DEFERRED" }, plain(ForeignKeyConstraint({ "a" }, { "p.id" },
      { match = "full", deferrable = true, initially = "deferred" })))
    assert.is_true(constraints.is_constraint(UniqueConstraint("a")))
    assert.is_true(constraints.is_index(Index(nil, "a")))
    assert.equal('Constraint "pk"', types.describe(PrimaryKeyConstraint("a", { name = "pk" })))
  end)

  it("reject bad arguments at the caller's line", function()
    assert_rejects({
      { "PrimaryKeyConstraint()", "PrimaryKeyConstraint needs at least one column" },
      { "UniqueConstraint('a', 5)", "UniqueConstraint: argument #2 must be a column name, got number 5" },
      { "UniqueConstraint('a', {nmae = 'x'})", 'UniqueConstraint: unknown option string "nmae" (expected one of: name)' },
      { "PrimaryKeyConstraint('a', {name = 5})", "PrimaryKeyConstraint: option name must be a non-empty string or op.f(name), got number 5" },
      { "CheckConstraint()", "CheckConstraint: argument #1 (condition) must be a string or sql fragment, got nil" },
      { "CheckConstraint('a > 0', 'x')", 'CheckConstraint: argument #2 (options) must be a table, got string "x"' },
      { "ForeignKeyConstraint({}, {'p.id'})", "ForeignKeyConstraint: argument #1 (columns) must be a list of column names, got table" },
      { "ForeignKeyConstraint({'a'}, {'id'})", 'ForeignKeyConstraint: referred column "id" must be "table.column"' },
      { "ForeignKeyConstraint({'a'}, nil)", 'ForeignKeyConstraint: argument #2 (referred columns) must be a list of "table.column" names, got nil' },
      { "ForeignKeyConstraint({'a', 'b'}, {'p.id'})", "ForeignKeyConstraint: 2 columns but 1 referred column" },
      { "ForeignKeyConstraint({'a', 'b'}, {'p.x', 'q.y'})", 'ForeignKeyConstraint: referred columns must be in one table, got "p.x" and "q.y"' },
      { "ForeignKeyConstraint({'a'}, {'p.x'}, {ondelete = 'explode'})", 'ForeignKeyConstraint: option ondelete must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got string "explode"' },
      { "Index('ix')", "Index needs at least one column" },
      { "Index('ix', {})", "Index needs at least one column" },
      { "Index('ix', {'a', 5})", "Index: argument #2[2] must be a column name or an sql fragment, got number 5" },
      { "ForeignKeyConstraint({'a'}, {'p.x'}, {match = 'loose'})", 'ForeignKeyConstraint: option match must be one of FULL, PARTIAL, SIMPLE, got string "loose"' },
      { "ForeignKeyConstraint({'a'}, {'p.x'}, {deferrable = 'yes'})", 'ForeignKeyConstraint: option deferrable must be a boolean, got string "yes"' },
      { "ForeignKeyConstraint({'a'}, {'p.x'}, {initially = 'later'})", 'ForeignKeyConstraint: option initially must be one of DEFERRED, IMMEDIATE, got string "later"' },
      { "Index(5, 'a')", "Index: argument #1 (name) must be a non-empty string, op.f(name) or nil, got number 5" },
      { "Index('ix', 'a', 3)", "Index: argument #3 must be a column name or an sql fragment, got number 3" },
      { "Index('ix', 'a', {uniq = true})", 'Index: unknown option string "uniq" (expected one of: postgresql_include, postgresql_using, postgresql_where, sqlite_where, unique)' },
    }, "local c = ")
  end)
end)
