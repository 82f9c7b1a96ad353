-- Type objects, Column, sql fragments and the revision environment.

local types = require("luamig.schema.types")

local Column, sql = types.Column, types.sql
local Integer, String, Numeric, DateTime = types.Integer, types.String, types.Numeric, types.DateTime

local revision_errors = require("helpers.revision_errors")
local revision_error, assert_rejects = revision_errors.revision_error, revision_errors.assert_rejects

describe("types", function()
  it("has every type, bare and called", function()
    for _, name in ipairs { "Integer", "BigInteger", "SmallInteger", "String", "Text", "Boolean", "Date",
      "DateTime", "Time", "Float", "Numeric", "LargeBinary", "JSON", "JSONB", "Uuid", "Interval" } do
      local t = types[name]
      assert.is_true(types.is_type(t), name)
      assert.equal(name, t.name)
      assert.equal("luamig.Type", getmetatable(t).__name)
    end
    assert.same({ name = "String", length = 16 }, setmetatable(String(16), nil))
    assert.equal(16, String(16).length)
    assert.equal(Integer, Integer())
  end)

  it("takes parameters positionally or by name", function()
    local n = Numeric(10, 2)
    assert.equal(10, n.precision)
    assert.equal(2, n.scale)
    assert.equal(n, Numeric { precision = 10, scale = 2 })
    assert.is_true(DateTime { timezone = true }.timezone)
    assert.is_true(DateTime(true).timezone)
    assert.equal(DateTime, DateTime { timezone = false })
    assert.are_not.equal(String(16), String(17))
    assert.equal("String(16)", tostring(String(16)))
    assert.equal("Numeric(10, 2)", tostring(n))
    assert.equal("DateTime{ timezone = true }", tostring(DateTime(true)))
    assert.equal("Integer", tostring(Integer))
  end)

  it("rejects bad parameters at the caller's line", function()
    assert_rejects({
      { "String(0)", "String: length must be a positive integer, got number 0" },
      { 'String("16")', 'String: length must be a positive integer, got string "16"' },
      { "Integer(4)", "Integer takes no arguments, got 1 argument" },
      { "Numeric(2, 5)", "Numeric: scale (5) must not exceed precision (2)" },
      { "DateTime{tz = true}", 'DateTime: unknown parameter string "tz" (expected timezone, precision)' },
      { 'DateTime("yes")', 'DateTime: timezone must be a boolean, got string "yes"' },
    }, "local t = ")
  end)

  it("keeps the shared bare types immutable", function()
    assert.has_error(function() String.length = 5 end, "type objects are immutable")
  end)

  describe("Column", function()
    it("normalizes and keeps its options", function()
      local c = Column("id", Integer, { primary_key = true })
      assert.is_true(types.is_column(c))
      assert.equal("luamig.Column", getmetatable(c).__name)
      assert.equal("id", c.name)
      assert.equal(Integer, c.type)
      assert.is_true(c.primary_key)
      assert.is_false(c.nullable)
      local d = Column("name", String(50))
      assert.is_false(d.primary_key)
      assert.is_true(d.nullable)
      local e = Column("at", DateTime, { server_default = sql "CURRENT_TIMESTAMP", comment = "when",
        default = 0, autoincrement = false, unique = true, index = true })
      assert.equal("CURRENT_TIMESTAMP", e.server_default.text)
      assert.equal("when", e.comment)
      assert.equal(0, e.default)
      assert.is_false(e.autoincrement)
    end)

    it("parses references", function()
      assert.same({ table = "users", column = "id" }, Column("u", Integer, { references = "users.id" }).references)
      assert.same({ schema = "auth", table = "users", column = "id" },
        Column("u", Integer, { references = "auth.users.id" }).references)
      assert.same({ table = "users", column = "id", ondelete = "SET NULL", onupdate = "CASCADE" },
        Column("u", Integer, { references = { table = "users", column = "id", ondelete = "set null", onupdate = "cascade" } }).references)
    end)

    it("rejects bad arguments at the caller's line", function()
      assert_rejects({
        { 'Column("name", "varchar")',
          'Column: argument #2 (type) must be a type such as Integer or String(50), got string "varchar"' },
        { 'Column("name")', "Column: argument #2 (type) must be a type such as Integer or String(50), got nil" },
        { "Column(nil, Integer)", "Column: argument #1 (name) must be a non-empty string, got nil" },
        { 'Column("id", Integer, true)', 'Column "id": argument #3 must be a Computed, an Identity, a CheckConstraint or the options table, got boolean true' },
        { 'Column("id", Integer, Identity(), Identity())', 'Column "id": argument #4 must be a Computed, an Identity, a CheckConstraint or the options table, got a second Identity' },
        { 'Column("id", String(5), Identity())', 'Column "id": Identity needs an integer type, got String(5)' },
        { 'Column("id", Integer, Computed("a + 1"), Identity())', 'Column "id": a column is either Computed or an Identity, not both' },
        { 'Column("id", Integer, Computed("a + 1"), { server_default = 1 })', 'Column "id": a Computed column takes no server_default (the database makes its values)' },
        { 'Column("id", Integer, Computed(""))', 'Computed: argument #1 (expression) must be a non-empty string or sql fragment, got string ""' },
        { 'Column("id", Integer, Computed("a", { stored = true }))', 'Computed: unknown option string "stored" (expected one of: persisted)' },
        { 'Column("id", Integer, Identity({ start = 1.5 }))', 'Identity: option start must be an integer, got number 1.5' },
        { 'Column("id", Integer, Identity({ always = 1 }))', 'Identity: option always must be a boolean, got number 1' },
        { 'Column("id", Integer, Identity({ begin = 1 }))', 'Identity: unknown option string "begin" (expected one of: always, cache, cycle, increment, maxvalue, minvalue, start)' },
        { 'Column("id", Integer, {nullabe = false})', 'Column "id": unknown option string "nullabe" (expected one'
          .. " of: autoincrement, comment, default, index, nullable, primary_key, references, server_default,"
          .. " server_onupdate, unique)" },
        { 'Column("id", Integer, {nullable = "no"})', 'Column "id": option nullable must be a boolean, got string "no"' },
        { 'Column("id", Integer, {server_default = {}})',
          'Column "id": server_default must be a string, number, boolean or sql fragment, got table' },
        { 'Column("u", Integer, {references = "users"})', 'Column "u": references must be "table.column", got string "users"' },
        { 'Column("u", Integer, {references = {table = "u", column = "id", ondelete = "explode"}})',
          'Column "u": references.ondelete must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION,'
          .. ' got string "explode"' },
        { 'Column("id", Integer, {primary_key = true, nullable = true})', 'Column "id": a primary key column cannot be nullable' },
        { 'Column("id", String(5), {autoincrement = true})', 'Column "id": autoincrement needs an integer type, got String(5)' },
      }, "local c = ")
    end)
  end)

  it("makes sql fragments", function()
    local s = sql "now()"
    assert.is_true(types.is_sql(s))
    assert.equal("luamig.SQL", getmetatable(s).__name)
    assert.equal("now()", s.text)
    assert.equal("now()", tostring(s))
    assert.equal("migrations/versions/abc_test.lua:1: sql: argument #1 (text) must be a string, got number 1",
      revision_error("local s = sql(1)"))
  end)

  it("describes values for messages", function()
    assert.equal("nil", types.describe(nil))
    assert.equal('string "x"', types.describe("x"))
    assert.equal("number 3", types.describe(3))
    assert.equal("type String(5)", types.describe(String(5)))
    assert.equal('Column "a"', types.describe(Column("a", Integer)))
    assert.equal('sql "x"', types.describe(sql "x"))
    assert.equal("function", types.describe(print))
  end)

  describe("Enum, ARRAY and Type", function()
    local Enum, ARRAY, Type = types.Enum, types.ARRAY, types.Type

    it("makes an Enum from values and options", function()
      local e = Enum("happy", "sad", { name = "mood" })
      assert.is_true(types.is_type(e))
      assert.same({ "happy", "sad" }, e.values)
      assert.equal("mood", e.enum_name)
      assert.equal(5, e.length)
      assert.equal(e, Enum({ "happy", "sad" }, { name = "mood" }))
      assert.are_not.equal(e, Enum("happy", "sad"))
      assert.are_not.equal(e, Enum("happy", "sad", { name = "mood", create_type = false }))
      assert.equal('Enum("happy", "sad", {name = "mood"})', tostring(e))
      assert.equal('Enum("a", {name = "x", schema = "s", create_type = false})',
        tostring(Enum({ "a" }, { name = "x", schema = "s", create_type = false })))
      assert.equal('Enum("a")', tostring(Enum("a")))
    end)

    it("makes ARRAY and raw types", function()
      local a = ARRAY(Integer)
      assert.equal(Integer, a.item_type)
      assert.equal("ARRAY(Integer)", tostring(a))
      assert.equal("ARRAY(String(5), 2)", tostring(ARRAY(String(5), 2)))
      assert.equal(a, ARRAY(Integer))
      assert.are_not.equal(a, ARRAY(Integer, 2))
      assert.equal('Type("CITEXT")', tostring(Type("CITEXT")))
      assert.equal(Type("CITEXT"), Type("CITEXT"))
    end)

    it("rejects bad arguments at the caller's line", function()
      assert_rejects({
        { "Enum()", "Enum needs at least one value" },
        { "Enum({name = 'x'})", "Enum needs at least one value" },
        { "Enum('a', 3)", "Enum: value #2 must be a non-empty string, got number 3" },
        { "Enum('a', 'a')", 'Enum: value "a" is given twice' },
        { "Enum('a', {nmae = 'x'})", 'Enum: unknown option string "nmae" (expected one of: create_constraint, create_type, name, native_enum, schema)' },
        { "Enum('a', {create_type = 'no'})", 'Enum: option create_type must be a boolean, got string "no"' },
        { "ARRAY()", "ARRAY: argument #1 (item type) must be a type such as Integer or String(50), got nil" },
        { "ARRAY(Integer, 0)", "ARRAY: argument #2 (dimensions) must be a positive integer, got number 0" },
        { "Type(' ')", "Type: argument #1 (the type's SQL) must be a non-empty string, got string \" \"" },
        { "Enum('a')('b')", "Enum is already a type; make a new one with Enum(...)" },
      }, "local t = ")
    end)
  end)

  it("names an unknown type or constructor at the revision's line", function()
    local err = revision_error('local c = Column("name", Strng(20))')
    assert.matches("^migrations/versions/abc_test.lua:1: unknown type or constructor Strng %(types: ARRAY,"
      .. " BigInteger, Boolean, Date, DateTime, Enum, Float, Integer, Interval, JSON, JSONB, LargeBinary,"
      .. " Numeric, SmallInteger, String, Text, Time, Timestamp, Type, Unicode, UnicodeText, Uuid; also Column, Computed, Identity, PrimaryKeyConstraint,",
      err)
    -- lower-case names are the revision's own business
    local env = types.export({})
    assert.is_nil(env.down_revision)
  end)

  it("makes inline literals that a dialect renders", function()
    local ddl_base = require("luamig.ddl.base").Dialect
    local mysql = require("luamig.ddl").dialect("mysql")
    local l = types.literal("it's", mysql)
    assert.is_true(types.is_literal(l))
    assert.equal("'it''s'", tostring(l))
    assert.equal("x = 'it''s'", "x = " .. l)
    assert.equal("'it''s' AND", l .. " AND")
    assert.equal("TRUE", tostring(types.literal(true, ddl_base)))
    assert.equal("1", tostring(types.literal(true, mysql)))
    assert.equal("inline_literal string \"it's\"", types.describe(l))
    assert.is_true(types.is_server_default(l))
    assert.equal(types.literal(1), types.literal(1))
  end)

  it("exports the constructors into an environment", function()
    local env = types.export({ keep = 1 })
    assert.equal(1, env.keep)
    -- Column and sql refuse arguments they do not take
    assert.same(Column("id", Integer), env.Column("id", Integer))
    assert.same(sql("x"), env.sql("x"))
    assert.error_matches(function() env.Column("id", Integer, {}, "extra") end,
      'Column "id": unexpected argument #4 (string "extra"): the options table comes last', 1, true)
    assert.error_matches(function() env.sql("x", 1) end,
      "sql: unexpected argument #2 (number 1): it takes at most 1 (text)", 1, true)
    assert.equal(String, env.String)
    assert.equal(types.JSON, env.JSON)
    assert.equal(types.LargeBinary, types.environment().LargeBinary)
    assert.equal(types.Enum, env.Enum)
    assert.equal(types.Uuid, env.Uuid)
    assert.equal(require("luamig.schema.constraints").UniqueConstraint, env.UniqueConstraint)
    assert.is_nil(types.environment().op)
  end)
end)
