-- The op table: argument checks that name the revision line, and the
-- records handed to the context.

local ops = require "luamig.ops"
local types = require "luamig.types"

local Column, sql = types.Column, types.sql
local Integer, String = types.Integer, types.String

local REVISION = "migrations/versions/4f1c0a9be2d3_links.lua"

-- A context that records what it is given; `fail` makes run_op fail.
local function fake_ctx(fail)
  local ctx = { records = {}, bind = {} }
  function ctx:run_op(record)
    self.records[#self.records + 1] = record
    if fail then return nil, fail end
    return true
  end
  function ctx:get_bind() return self.bind end
  return ctx
end

-- Runs `body` as the upgrade() of a revision file whose line 2 is the body.
local function run_revision(ctx, body)
  local env = types.export({ pairs = pairs, ipairs = ipairs })
  env.op = ops.new(ctx)
  local chunk = assert(load("function upgrade()\n" .. body .. "\nend", "@" .. REVISION, "t", env))
  chunk()
  return pcall(env.upgrade)
end

local function revision_error(body, ctx)
  local ok, err = run_revision(ctx or fake_ctx(), body)
  assert.is_false(ok, "expected an error")
  return err
end

local function at2(msg) return REVISION .. ":2: " .. msg end

describe("ops", function()
  it("needs a context", function()
    assert.has_error(function() ops.new(nil) end, "ops.new: argument #1 (ctx) must be a context with run_op, got nil")
  end)

  describe("argument checks name the revision line", function()
    local cases = {
      { "op.add_column('t')", "op.add_column: argument #2 (column) must be a Column, got nil" },
      { "op.add_column('t', 'x')", 'op.add_column: argument #2 (column) must be a Column, got string "x"' },
      { "op.add_column(nil, Column('x', Integer))", "op.add_column: argument #1 (table) must be a non-empty string, got nil" },
      { "op.create_table('t')", 'op.create_table: table "t" needs at least one Column' },
      { "op.create_table('t', Column('a', Integer), 'b')", 'op.create_table: argument #3 must be a Column or the options table, got string "b"' },
      { "op.create_table('t', nil, Column('a', Integer))", "op.create_table: argument #2 must be a Column, got nil" },
      { "op.create_table('t', Column('a', Integer), Column('a', String(2)))", 'op.create_table: table "t" has two columns named "a"' },
      { "op.create_table('t', Column('a', Integer), {if_not_exist = true})", 'op.create_table: unknown option string "if_not_exist" (expected one of: comment, if_not_exists, schema)' },
      { "op.drop_table()", "op.drop_table: argument #1 (name) must be a non-empty string, got nil" },
      { "op.drop_table('t', {if_exists = 'yes'})", 'op.drop_table: option if_exists must be a boolean, got string "yes"' },
      { "op.drop_table('t', true)", "op.drop_table: argument #2 (options) must be a table, got boolean true" },
      { "op.rename_table('a')", "op.rename_table: argument #2 (new_name) must be a non-empty string, got nil" },
      { "op.drop_column('t', '')", 'op.drop_column: argument #2 (column) must be a non-empty string, got string ""' },
      { "op.alter_column('t', 'c')", 'op.alter_column: nothing to change in column "c" of "t": pass nullable, type_, server_default, new_column_name or comment' },
      { "op.alter_column('t', 'c', {type_ = 'text'})", 'op.alter_column: option type_ must be a type such as Integer or String(50), got string "text"' },
      { "op.alter_column('t', 'c', {type = Integer, type_ = Integer})", "op.alter_column: give the new type as type or type_, not both" },
      { "op.alter_column('t', 'c', {nullable = false, using = 'c::int'})", "op.alter_column: option using needs a new type (type_)" },
      { "op.alter_column('t', 'c', {server_default = {}})", "op.alter_column: option server_default must be a string, number, boolean or sql fragment (false to drop it), got table" },
      { "op.create_index('ix', 't')", "op.create_index: argument #3 (columns) must be a list of column names or sql fragments, got nil" },
      { "op.create_index('ix', 't', {})", "op.create_index: argument #3 (columns) must be a list of column names or sql fragments, got table" },
      { "op.create_index('ix', 't', {'a', 5})", "op.create_index: columns[2] must be a column name or an sql fragment, got number 5" },
      { "op.drop_index(5)", "op.drop_index: argument #1 (name) must be a non-empty string, got number 5" },
      { "op.execute()", "op.execute: argument #1 (sql) must be a string or sql fragment, got nil" },
      { "op.execute('UPDATE t SET a = ?', {})", "op.execute: argument #2 cannot be bound as an SQL value, got table" },
      { "op.bulk_insert(nil, {})", "op.bulk_insert: argument #1 (table) must be a table name or the table returned by op.create_table, got nil" },
      { "op.bulk_insert('t', 'rows')", 'op.bulk_insert: argument #2 (rows) must be a list of tables, got string "rows"' },
      { "op.bulk_insert('t', {{a = 1}, 2})", "op.bulk_insert: rows[2] must be a table, got number 2" },
      { "op.bulk_insert({table = 't', columns = {Column('name', String(5))}}, {{nmae = 'x'}})", 'op.bulk_insert: rows have column "nmae" that table "t" does not have' },
      { "op.batch_alter_table('t', function() end)", "op.batch_alter_table: no such operation" },
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        local ctx = fake_ctx()
        assert.equal(at2(case[2]), revision_error(case[1], ctx))
        assert.same({}, ctx.records)
      end)
    end
  end)

  it("raises the context's failure at the revision line", function()
    local err = revision_error("op.drop_table('t')", fake_ctx('no such table: t'))
    assert.equal(at2("no such table: t"), err)
  end)

  describe("records", function()
    local function records(body)
      local ctx = fake_ctx()
      local ok, err = run_revision(ctx, body)
      assert.is_true(ok, err)
      return ctx.records
    end

    it("create_table returns the table definition", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      local id, code = Column("id", Integer, { primary_key = true }), Column("code", String(16))
      local def = op.create_table("links", id, code, { comment = "short links", schema = "app" })
      assert.same({ { kind = "create_table", table = "links", schema = "app", columns = { id, code },
        constraints = {}, comment = "short links" } }, ctx.records)
      assert.equal(ctx.records[1], def)
    end)

    it("for table and column operations", function()
      local col = Column("full_name", String(200))
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      op.drop_table("t", { if_exists = true })
      op.rename_table("a", "b")
      op.add_column("users", col, { if_not_exists = true })
      op.drop_column("users", "full_name")
      op.alter_column("users", "name", { nullable = false, type = String(100), existing_type = String(50),
        server_default = false, new_column_name = "title", using = "name::varchar(100)" })
      assert.same({
        { kind = "drop_table", table = "t", if_exists = true },
        { kind = "rename_table", table = "a", new_name = "b" },
        { kind = "add_column", table = "users", column = col, if_not_exists = true },
        { kind = "drop_column", table = "users", column = "full_name" },
        { kind = "alter_column", table = "users", column = "name", nullable = false, type_ = String(100),
          existing_type = String(50), server_default = false, new_column_name = "title",
          using = "name::varchar(100)" },
      }, ctx.records)
    end)

    it("for indexes", function()
      assert.same({
        { kind = "create_index", name = "ix_a", table = "t", columns = { "a" }, unique = false },
        { kind = "create_index", name = "ix_ab", table = "t", columns = { "a", sql "lower(b)" }, unique = true,
          if_not_exists = true },
        { kind = "drop_index", name = "ix_a", table = "t" },
        { kind = "drop_index", name = "ix_ab", if_exists = true },
      }, records([[op.create_index("ix_a", "t", "a")
        op.create_index("ix_ab", "t", {"a", sql "lower(b)"}, {unique = true, if_not_exists = true})
        op.drop_index("ix_a", "t")
        op.drop_index("ix_ab", {if_exists = true})]]))
    end)

    it("for execute, with parameters counted so that nil survives", function()
      assert.same({
        { kind = "execute", sql = "DELETE FROM t" },
        { kind = "execute", sql = "VACUUM" },
        { kind = "execute", sql = "UPDATE t SET a = ? WHERE b = ?", params = { n = 2, [2] = 3 } },
      }, records([[op.execute("DELETE FROM t")
        op.execute(sql "VACUUM")
        op.execute("UPDATE t SET a = ? WHERE b = ?", nil, 3)]]))
    end)

    it("get_bind returns the context's bind", function()
      local ctx = fake_ctx()
      assert.equal(ctx.bind, ops.new(ctx).get_bind())
    end)

    it("for bulk_insert by name: the union of the row keys", function()
      assert.same({ { kind = "bulk_insert", table = "t", columns = { "a", "b" },
        rows = { { a = 1 }, { b = "x" } }, defaults = {} } },
        records([[op.bulk_insert("t", {{a = 1}, {b = "x"}})]]))
    end)

    it("for bulk_insert with a definition: client defaults filled, unused columns left out", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      local n = 0
      local def = { table = "users", schema = "app", columns = {
        Column("id", Integer, { primary_key = true }),
        Column("name", String(20)),
        Column("role", String(10), { default = "user" }),
        Column("seq", Integer, { default = function() n = n + 1; return n end }),
        Column("created_at", types.DateTime, { server_default = sql "CURRENT_TIMESTAMP" }),
      } }
      local rows = { { name = "ann" }, { name = "bob", role = "admin" } }
      op.bulk_insert(def, rows)
      assert.same({ { kind = "bulk_insert", table = "users", schema = "app", columns = { "name", "role", "seq" },
        rows = { { name = "ann", role = "user", seq = 1 }, { name = "bob", role = "admin", seq = 2 } },
        defaults = { role = "user" } } }, ctx.records)
      assert.same({ name = "ann" }, rows[1])
      op.bulk_insert(def, {})
      assert.equal(1, #ctx.records)
    end)
  end)
end)
