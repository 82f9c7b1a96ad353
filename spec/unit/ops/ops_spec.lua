-- The op table: argument checks that name the revision line, and the
-- records handed to the context.

local ops = require("luamig.ops")
local driver = require("luamig.driver")
local types = require("luamig.schema.types")

local Column, sql = types.Column, types.sql
local Integer, String = types.Integer, types.String

local REVISION = require("helpers.revision_errors").REVISION

-- A context that records what it is given; `fail` makes run_op fail.
local function fake_ctx(fail, fields)
  local ctx = { records = {}, bind = {} }
  for k, v in pairs(fields or {}) do ctx[k] = v end
  function ctx:run_op(record)
    if record.kind == "bulk_insert" then
      -- the progress line is the run's, not the record's content
      assert(getmetatable(record.progress).__name == "luamig.Progress")
      local copy = {}
      for k, v in pairs(record) do copy[k] = v end
      copy.progress = nil
      record = copy
    end
    self.records[#self.records + 1] = record
    if fail then return nil, fail end
    return true
  end
  function ctx:get_bind(decimals)
    self.decimals = decimals
    return self.bind
  end
  return ctx
end

-- Runs `body` as the upgrade() of a revision file whose line 2 is the body.
local run_revision = require("helpers.revision_errors").run_upgrade

-- The records that `body` made, run as a revision's upgrade against a
-- context with `fields`; it must succeed.
local function records(body, fields)
  local ctx = fake_ctx(nil, fields)
  local ok, err = run_revision(ctx, body)
  assert.is_true(ok, err)
  return ctx.records
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
      { "op.create_table('t', Column('a', Integer), 'b')", 'op.create_table: argument #3 must be a Column, a constraint or an Index, or the options table, got string "b"' },
      { "op.create_table('t', nil, Column('a', Integer))", "op.create_table: argument #2 must be a Column, a constraint or an Index, got nil" },
      { "op.create_table('t', Column('a', Integer), Column('a', String(2)))", 'op.create_table: table "t" has two columns named "a"' },
      { "op.create_table('t', Column('a', Integer), {if_not_exist = true})", 'op.create_table: unknown option string "if_not_exist" (expected one of: comment, if_not_exists, mysql_charset, mysql_collate, mysql_engine, schema)' },
      { "op.drop_table()", "op.drop_table: argument #1 (name) must be a non-empty string, got nil" },
      { "op.drop_table('t', {if_exists = 'yes'})", 'op.drop_table: option if_exists must be a boolean, got string "yes"' },
      { "op.drop_table('t', true)", "op.drop_table: argument #2 (options) must be a table, got boolean true" },
      { "op.rename_table('a')", "op.rename_table: argument #2 (new_name) must be a non-empty string, got nil" },
      { "op.drop_column('t', '')", 'op.drop_column: argument #2 (column) must be a non-empty string, got string ""' },
      { "op.alter_column('t', 'c')", 'op.alter_column: nothing to change in column "c" of "t": pass nullable, type_, server_default, new_column_name, comment, autoincrement, identity or server_onupdate' },
      { "op.alter_column('t', 'c', {type_ = 'text'})", 'op.alter_column: option type_ must be a type such as Integer or String(50), got string "text"' },
      { "op.alter_column('t', 'c', {type = Integer, type_ = Integer})", "op.alter_column: give the new type as type or type_, not both" },
      { "op.alter_column('t', 'c', {nullable = false, using = 'c::int'})", "op.alter_column: option using needs a new type (type_)" },
      { "op.alter_column('t', 'c', {server_default = {}})", "op.alter_column: option server_default must be a string, number, boolean or sql fragment (null to drop it), got table" },
      { "op.alter_column('t', 'c', {server_default = false})", 'op.alter_column: server_default = false is ambiguous (in Alembic it leaves the value as it is; older luamig dropped it): write server_default = null to drop the default, sql "FALSE" for a FALSE default, or leave the option out' },
      { "op.alter_column('t', 'c', {nullable = true, comment = false})", "op.alter_column: comment = false is ambiguous (in Alembic it leaves the value as it is; older luamig dropped it): write comment = null to drop the comment, or leave the option out" },
      { "op.alter_column('t', 'c', {server_onupdate = false})", "op.alter_column: server_onupdate = false is ambiguous (in Alembic it leaves the value as it is; older luamig dropped it): write server_onupdate = null to drop the ON UPDATE, or leave the option out" },
      { "op.create_index('ix', 't')", "op.create_index: argument #3 (columns) must be a list of column names or sql fragments, got nil" },
      { "op.create_index('ix', 't', {})", "op.create_index: argument #3 (columns) must be a list of column names or sql fragments, got table" },
      { "op.create_index('ix', 't', {'a', 5})", "op.create_index: columns[2] must be a column name or an sql fragment, got number 5" },
      { "op.drop_index(5)", "op.drop_index: argument #1 (name) must be a non-empty string or op.f(name), got number 5" },
      { "op.execute()", "op.execute: argument #1 (sql) must be a string or sql fragment, got nil" },
      { "op.execute('UPDATE t SET a = ?', {})", "op.execute: argument #2 cannot be bound as an SQL value, got table" },
      { "op.bulk_insert(nil, {})", "op.bulk_insert: argument #1 (table) must be a table name or the table returned by op.create_table, got nil" },
      { "op.bulk_insert('t', 'rows')", 'op.bulk_insert: argument #2 (rows) must be a list of tables or a function returning rows, got string "rows"' },
      { "op.bulk_insert('t', {{a = 1}, 2})", "op.bulk_insert: rows[2] must be a table, got number 2" },
      { "op.bulk_insert({table = 't', columns = {Column('name', String(5))}}, {{nmae = 'x'}})", 'op.bulk_insert: rows have column "nmae" that table "t" does not have' },
      { "op.frobnicate('t')", "op.frobnicate: no such operation" },
      { "op.create_table('t', Column('a', Integer), UniqueConstraint('b'))", 'op.create_table: UniqueConstraint names column "b", which table "t" does not have' },
      { "op.create_table('t', Column('a', Integer), Index('ix', 'a', 'c'))", 'op.create_table: Index names column "c", which table "t" does not have' },
      { "op.create_table('t', Column('a', Integer), PrimaryKeyConstraint('a'), PrimaryKeyConstraint('a'))", 'op.create_table: table "t" has two PrimaryKeyConstraints' },
      { "op.create_table('t', Column('a', Integer, {primary_key = true}), Column('b', Integer), PrimaryKeyConstraint('b'))", 'op.create_table: column "a" of table "t" has primary_key = true but is not in the PrimaryKeyConstraint' },
      { "op.create_table('t', Column('a', Strng(5)))", "unknown type or constructor Strng" },
      { "op.drop_table('t', {enums = 'mood'})", 'op.drop_table: option enums must be a list of names, got string "mood"' },
      { "op.alter_column('t', 'c', {nullable = false, postgresql_using = 'c::int'})", "op.alter_column: option postgresql_using needs a new type (type_)" },
      { "op.create_index(5, 't', 'a')", "op.create_index: argument #1 (name) must be a non-empty string, op.f(name) or nil, got number 5" },
      { "op.create_index('ix', 't', 'a', {postgresql_where = 5})", "op.create_index: option postgresql_where must be a string or sql fragment, got number 5" },
      { "op.create_index(nil, 't', sql 'lower(a)')", "naming_convention.ix: column 0 of this index is an expression; give it a name" },
      { "op.create_primary_key('pk', 't')", "op.create_primary_key: argument #3 (columns) must be a list of column names, got nil" },
      { "op.create_primary_key('pk', nil, {'a'})", "op.create_primary_key: argument #2 (table) must be a non-empty string, got nil" },
      { "op.create_unique_constraint('uq', 't', {'a', 2})", "op.create_unique_constraint: columns[2] must be a column name, got number 2" },
      { "op.create_unique_constraint(false, 't', {'a'})", "op.create_unique_constraint: argument #1 (name) must be a non-empty string, op.f(name) or nil, got boolean false" },
      { "op.create_check_constraint('ck', 't')", "op.create_check_constraint: argument #3 (condition) must be a string or sql fragment, got nil" },
      { "op.create_foreign_key('fk', 't', 'p', {'a'})", "op.create_foreign_key: argument #5 (remote_cols) must be a list of column names, got nil" },
      { "op.create_foreign_key('fk', 't', nil, {'a'}, {'id'})", "op.create_foreign_key: argument #3 (referent_table) must be a non-empty string, got nil" },
      { "op.create_foreign_key('fk', 't', 'p', {'a', 'b'}, {'id'})", "op.create_foreign_key: 2 local columns but 1 remote column" },
      { "op.create_foreign_key('fk', 't', 'p', 'a', 'id', {ondelete = 'boom'})", 'op.create_foreign_key: option ondelete must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got string "boom"' },
      { "op.drop_constraint('c')", "op.drop_constraint: argument #2 (table) must be a non-empty string, got nil" },
      { "op.drop_constraint('c', 't', {type_ = 'foreign'})", 'op.drop_constraint: option type_ must be one of "foreignkey", "primary", "unique", "check", got string "foreign"' },
      { "op.drop_constraint('c', 't', {typ = 'unique'})", 'op.drop_constraint: unknown option string "typ" (expected one of: if_exists, schema, type_)' },
      { "op.create_table_comment('t')", "op.create_table_comment: argument #2 (comment) must be a string, got nil" },
      { "op.drop_table_comment({})", "op.drop_table_comment: argument #1 (table) must be a non-empty string, got table" },
      { "op.create_enum('mood', {})", "op.create_enum: argument #2 (values) must be a list of distinct non-empty strings, got table" },
      { "op.create_enum('mood', {'a', 'a'})", "op.create_enum: argument #2 (values) must be a list of distinct non-empty strings, got table" },
      { "op.drop_enum()", "op.drop_enum: argument #1 (name) must be a non-empty string, got nil" },
      { "op.inline_literal({})", "op.inline_literal: argument #1 (value) must be a string, number or boolean, got table" },
      { "op.inline_literal(0/0)", "op.inline_literal: argument #1 (value) must be a finite number, got number -nan" },
      { "op.bulk_insert('t', {}, {multiinsert = 1})", "op.bulk_insert: option multiinsert must be a boolean, got number 1" },
      { "op.batch_alter_table('t')", "op.batch_alter_table: argument #2 (fn) must be a function, got nil" },
      { "op.batch_alter_table('t', function() end, 5)", "op.batch_alter_table: argument #3 (options) must be a table, got number 5" },
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        local ctx = fake_ctx()
        local err = revision_error(case[1], ctx)
        if case[2]:find("^unknown type") then
          assert.equal(at2(case[2]), err:sub(1, #at2(case[2])))
        elseif case[2]:find("nan$") then
          assert.matches(at2(case[2]):gsub("%-nan$", ""):gsub("%p", "%%%0") .. "%-?nan", err)
        else
          assert.equal(at2(case[2]), err)
        end
        assert.same({}, ctx.records)
      end)
    end
  end)

  it("gives each revision an op table of its own over operations built once per context", function()
    local ctx = fake_ctx(nil, { cfg = { operations = {
      add_audit = function(op, t) return op.add_column(t, Column("audited", Integer)) end } } })
    local first, second = ops.new(ctx), ops.new(ctx)
    assert.are_not.equal(first, second)
    assert.equal(first.create_table, second.create_table) -- the same operations
    -- what one revision sets or registers stays its own
    first.create_table = nil
    first.register("touch", function(op, t) return op.add_audit(t) end)
    assert.is_function(second.create_table)
    assert.error_matches(function() return second.touch end, "op.touch: no such operation", 1, true)
    assert.error_matches(function() return first.create_table end, "op.create_table: no such operation", 1, true)
    -- a registered op gets its own revision's table: project ops included
    first.touch("users")
    assert.equal("audited", ctx.records[1].column.name)
    second.register("touch", function(op, t) return op.drop_column(t, "audited") end)
    second.touch("users")
    assert.equal("drop_column", ctx.records[2].kind)
    assert.error_matches(function() second.register("add_audit", function() end) end,
      "op.register: op.add_audit exists already", 1, true)
    -- another context, other operations
    assert.are_not.equal(first.drop_table, ops.new(fake_ctx()).drop_table)
  end)

  it("raises the context's failure at the revision line", function()
    local err = revision_error("op.drop_table('t')", fake_ctx('no such table: t'))
    assert.equal(at2("no such table: t"), err)
  end)

  describe("records", function()

    it("create_table returns the table definition", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      local id, code = Column("id", Integer, { primary_key = true }), Column("code", String(16))
      local def = op.create_table("links", id, code, { comment = "short links", schema = "app" })
      assert.same({ { kind = "create_table", table = "links", schema = "app", columns = { id, code },
        constraints = {}, indexes = {}, comment = "short links" } }, ctx.records)
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
        server_default = driver.null, new_column_name = "title", using = "name::varchar(100)" })
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

    it("get_bind returns the context's bind, with the decimals option checked", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      assert.equal(ctx.bind, op.get_bind())
      assert.is_nil(ctx.decimals)
      assert.equal(ctx.bind, op.get_bind({ decimals = "number" }))
      assert.equal("number", ctx.decimals)
      ctx.decimals = "untouched"
      assert.error_matches(function() op.get_bind(5) end, "op.get_bind: argument #1 (options) must be a table, got number 5", 1, true)
      assert.error_matches(function() op.get_bind({ decimals = "float" }) end,
        'op.get_bind: option decimals must be "string" or "number", got string "float"', 1, true)
      assert.error_matches(function() op.get_bind({ decimal = "number" }) end,
        'op.get_bind: unknown option string "decimal" (expected one of: decimals)', 1, true)
      assert.equal("untouched", ctx.decimals) -- no bind was asked for
    end)

    it("for bulk_insert by name: the union of the row keys", function()
      assert.same({ { kind = "bulk_insert", table = "t", columns = { "a", "b" },
        rows = { { a = 1 }, { b = "x" } }, defaults = {}, multiinsert = true, uniform = false } },
        records([[op.bulk_insert("t", {{a = 1}, {b = "x"}})]]))
    end)

    it("for bulk_insert: rows needing nothing filled in are passed on as they are, marked uniform", function()
      local ctx = fake_ctx()
      local rows = { { a = 1, b = 2 }, { a = 3, b = 4 } }
      ops.new(ctx).bulk_insert("t", rows)
      assert.equal(rows, ctx.records[1].rows)
      assert.is_true(ctx.records[1].uniform)
      ops.new(ctx).bulk_insert("t", { { a = 1, b = 2 }, { a = 3, c = 4 } })
      assert.is_false(ctx.records[2].uniform)  -- as many keys each, not the same ones
      ops.new(ctx).bulk_insert("t", { { a = sql "now()" } })
      assert.is_false(ctx.records[3].uniform)  -- an SQL fragment cannot go through COPY
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
        defaults = { role = "user" }, multiinsert = true, uniform = false } }, ctx.records)
      assert.same({ name = "ann" }, rows[1])
      op.bulk_insert(def, {})
      assert.equal(1, #ctx.records)
    end)

    it("for bulk_insert from a function: chunks of 10,000 rows, row numbers counted across them", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      local i = 0
      op.bulk_insert("t", function()
        if i == 25000 then return nil end
        i = i + 1
        return { id = i }
      end)
      assert.equal(3, #ctx.records)
      assert.same({ 10000, 10000, 5000 }, { #ctx.records[1].rows, #ctx.records[2].rows, #ctx.records[3].rows })
      assert.same({ id = 10001 }, ctx.records[2].rows[1])
      assert.same({ id = 25000 }, ctx.records[3].rows[5000])
      assert.is_true(ctx.records[3].uniform)
      -- a bad row in the second chunk is named by its number in the stream
      local ctx2 = fake_ctx()
      local err = revision_error([[local i = 0; op.bulk_insert("t", function() i = i + 1; if i <= 12000 then return i == 10007 and 5 or { id = i } end end)]], ctx2)
      assert.equal(at2("op.bulk_insert: rows[10007] must be a table, got number 5"), err)
      assert.equal(1, #ctx2.records)  -- the first chunk went before the bad row was seen
    end)

    it("bulk_insert and progress check their total", function()
      assert.equal(at2("op.bulk_insert: option total must be a non-negative integer, got number 1.5"),
        revision_error("op.bulk_insert('t', {}, {total = 1.5})", fake_ctx()))
      assert.equal(at2('op.progress: argument #1 (total) must be an integer or nil, got string "x"'),
        revision_error("op.progress('x')", fake_ctx()))
      assert.equal(at2("op.progress: argument #2 (label) must be a string or nil, got number 3"),
        revision_error("op.progress(10, 3)", fake_ctx()))
    end)
  end)
  describe("records of the new operations", function()

    it("create_table takes constraints and indexes; a PrimaryKeyConstraint marks its columns", function()
      local ctx = fake_ctx()
      local op = ops.new(ctx)
      local C = require("luamig.schema.constraints")
      local a, b = Column("a", Integer), Column("b", String(5), { nullable = true })
      local pk, uq, ix = C.PrimaryKeyConstraint("b", "a"), C.UniqueConstraint("b"), C.Index(nil, "b")
      local def = op.create_table("t", a, pk, b, uq, ix)
      assert.same({ pk, uq }, def.constraints)
      assert.same({ ix }, def.indexes)
      assert.is_true(def.columns[1].primary_key)
      assert.is_false(def.columns[1].nullable)
      assert.is_true(types.is_column(def.columns[2]))
      assert.is_false(a.primary_key) -- the caller's Column is left alone
      assert.is_nil(def.naming_convention)
    end)

    it("for constraints, with Alembic's names and arguments", function()
      assert.same({
        { kind = "create_primary_key", name = "pk_t", table = "t", columns = { "a", "b" } },
        { kind = "create_unique_constraint", name = "uq_t_a", table = "t", schema = "s", columns = { "a" } },
        { kind = "create_check_constraint", name = "ck_t_pos", table = "t", condition = sql "a > 0" },
        { kind = "create_foreign_key", name = "fk_t_a", table = "t", schema = "s", referent_table = "p",
          referent_schema = "r", local_cols = { "a" }, remote_cols = { "id" }, ondelete = "CASCADE",
          onupdate = "SET NULL" },
        { kind = "drop_constraint", name = "fk_t_a", table = "t", type_ = "foreignkey" },
        { kind = "drop_constraint", name = "ck_t_pos", table = "t" },
      }, records([[op.create_primary_key("pk_t", "t", {"a", "b"})
        op.create_unique_constraint("uq_t_a", "t", "a", {schema = "s"})
        op.create_check_constraint("ck_t_pos", "t", sql "a > 0")
        op.create_foreign_key("fk_t_a", "t", "p", {"a"}, {"id"}, {source_schema = "s", referent_schema = "r",
          ondelete = "cascade", onupdate = "set null"})
        op.drop_constraint("fk_t_a", "t", {type_ = "foreignkey"})
        op.drop_constraint("ck_t_pos", "t")]]))
    end)

    it("name unnamed constraints and indexes by the naming convention", function()
      local conv = { uq = "uq_%(table_name)s_%(column_0_name)s", ck = "ck_%(table_name)s_%(constraint_name)s",
        fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", pk = "pk_%(table_name)s",
        ix = "%(table_name)s_%(column_0N_name)s_idx" }
      local recs = records([[op.create_primary_key(nil, "t", {"a", "b"})
        op.create_unique_constraint(nil, "t", {"a"})
        op.create_check_constraint("positive", "t", "a > 0")
        op.create_foreign_key(nil, "t", "p", "a", "id")
        op.create_unique_constraint("mine", "t", {"b"})
        op.create_index(nil, "t", {"a", "b"})
        op.create_table("u", Column("id", Integer))
        op.add_column("u", Column("x", Integer))]], { cfg = { naming_convention = conv } })
      assert.same({ "pk_t", "uq_t_a", "ck_t_positive", "fk_t_a_p", "mine", "t_ab_idx" },
        { recs[1].name, recs[2].name, recs[3].name, recs[4].name, recs[5].name, recs[6].name })
      assert.equal(conv, recs[7].naming_convention)
      assert.equal(conv, recs[8].naming_convention)
      -- without one, the database names constraints; indexes are ix_<table>_<column>
      recs = records([[op.create_unique_constraint(nil, "t", {"a"})
        op.create_index(nil, "t", {"a", "b"})]])
      assert.is_nil(recs[1].name)
      assert.equal("ix_t_a", recs[2].name)
    end)

    it("raise a bad naming convention at the revision line", function()
      local ctx = fake_ctx(nil, { cfg = { naming_convention = { uq = "uq_%(tabel)s" } } })
      assert.equal(at2("naming_convention.uq: unknown token %(tabel)s (known: table_name, constraint_name,"
        .. " referred_table_name, column_0_name, column_0_label, column_0_key, column_0N_name, column_0_N_name"
        .. " (and _label), referred_column_0_name...)"), revision_error('op.create_unique_constraint(nil, "t", "a")', ctx))
      ctx = fake_ctx(nil, { cfg = { naming_convention = { ck = "ck_%(table_name)s_%(constraint_name)s" } } })
      assert.equal(at2('naming_convention.ck (ck_%(table_name)s_%(constraint_name)s) uses %(constraint_name)s:'
        .. ' give this check on table "t" a name'), revision_error('op.create_check_constraint(nil, "t", "a > 0")', ctx))
      assert.equal(at2('naming_convention: unknown key "ux" (expected ix, uq, ck, fk or pk)'),
        revision_error('op.create_table("t", Column("a", Integer))', fake_ctx(nil, { cfg = { naming_convention = { ux = "x" } } })))
    end)

    it("cut convention names to the dialect's identifier length", function()
      local long = string.rep("x", 70)
      local recs = records(('op.create_unique_constraint(nil, "%s", "a")'):format(long),
        { dialect = require("luamig.ddl").dialect("postgres"), cfg = { naming_convention = { uq = "uq_%(table_name)s" } } })
      assert.equal(63, #recs[1].name)
    end)

    it("for index options, comments, enums and drops with enums", function()
      assert.same({
        { kind = "create_index", name = "ix_w", table = "t", columns = { "a" }, unique = false,
          postgresql_where = "a > 0", sqlite_where = sql "a > 1", postgresql_using = "gin",
          postgresql_concurrently = true },
        { kind = "drop_index", name = "ix_w", table = "t", postgresql_concurrently = true },
        { kind = "create_table_comment", table = "t", comment = "the t", existing_comment = "old" },
        { kind = "drop_table_comment", table = "t", schema = "s" },
        { kind = "create_enum", name = "mood", values = { "a", "b" }, schema = "s" },
        { kind = "drop_enum", name = "mood", if_exists = true },
        { kind = "drop_table", table = "t", enums = { "mood" } },
        { kind = "drop_column", table = "t", column = "m", enums = { "mood" } },
        { kind = "alter_column", table = "t", column = "m", type_ = types.Enum("a", { name = "e" }),
          postgresql_using = "m::e" },
      }, records([[op.create_index("ix_w", "t", "a", {postgresql_where = "a > 0", sqlite_where = sql "a > 1",
          postgresql_using = "gin", postgresql_concurrently = true})
        op.drop_index("ix_w", "t", {postgresql_concurrently = true})
        op.create_table_comment("t", "the t", {existing_comment = "old"})
        op.drop_table_comment("t", {schema = "s"})
        op.create_enum("mood", {"a", "b"}, {schema = "s"})
        op.drop_enum("mood", {if_exists = true})
        op.drop_table("t", {enums = {"mood"}})
        op.drop_column("t", "m", {enums = {"mood"}})
        op.alter_column("t", "m", {type_ = Enum("a", {name = "e"}), postgresql_using = "m::e"})]]))
    end)

    it("inline_literal renders for the context's dialect and binds as its value", function()
      local ctx = fake_ctx(nil, { dialect = require("luamig.ddl").dialect("postgres") })
      local op = ops.new(ctx)
      local l = op.inline_literal("it's")
      assert.equal("'it''s'", tostring(l))
      assert.equal("TRUE", tostring(op.inline_literal(true)))
      op.execute("UPDATE t SET a = " .. op.inline_literal(5) .. " WHERE b = ?", op.inline_literal("x"))
      op.bulk_insert("t", { { a = op.inline_literal(2) } }, { multiinsert = false })
      assert.same({
        { kind = "execute", sql = "UPDATE t SET a = 5 WHERE b = ?", params = { n = 1, "x" } },
        { kind = "bulk_insert", table = "t", columns = { "a" }, rows = { { a = 2 } }, defaults = {}, multiinsert = false,
          uniform = true },
      }, ctx.records)
      assert.equal("'x'", tostring(ops.new(fake_ctx()).inline_literal("x")))
    end)

    it("get_context returns the context", function()
      local ctx = fake_ctx()
      assert.equal(ctx, ops.new(ctx).get_context())
    end)
  end)

  describe("SQLite batch mode", function()
    local sqlite = require("luamig.ddl").dialect("sqlite")
    local saved
    before_each(function() saved = package.loaded["luamig.ops.batch"] end)
    after_each(function() package.loaded["luamig.ops.batch"] = saved end)

    local function stub_batch()
      local calls = {}
      package.loaded["luamig.ops.batch"] = {
        apply = function(ctx, table_name, recs, opts)
          calls[#calls + 1] = { "apply", ctx, table_name, recs, opts }
          return true
        end,
        run = function(ctx, table_name, fn, opts)
          calls[#calls + 1] = { "run", ctx, table_name, fn, opts }
          return nil, "batch says no"
        end,
      }
      return calls
    end

    it("routes what SQLite cannot ALTER to luamig.ops.batch when sqlite_batch_mode is on", function()
      local calls = stub_batch()
      local ctx = fake_ctx(nil, { dialect = sqlite, cfg = { sqlite_batch_mode = true } })
      local op = ops.new(ctx)
      op.create_unique_constraint("uq", "t", { "a" })
      op.alter_column("t", "a", { nullable = false })
      op.alter_column("t", "a", { new_column_name = "b" })
      op.create_index("ix", "t", "a")
      assert.equal(2, #calls)
      assert.same({ "apply", ctx, "t", { { kind = "create_unique_constraint", name = "uq", table = "t", columns = { "a" } } },
        {} }, calls[1])
      assert.equal("alter_column", calls[2][4][1].kind)
      assert.same({ "alter_column", "create_index" }, { ctx.records[1].kind, ctx.records[2].kind })
    end)

    it("leaves records to the dialect's message without sqlite_batch_mode", function()
      local calls = stub_batch()
      local ctx = fake_ctx(nil, { dialect = sqlite, cfg = {} })
      ops.new(ctx).drop_constraint("uq", "t")
      assert.equal(0, #calls)
      assert.equal(1, #ctx.records)
    end)

    it("batch_alter_table hands the function to luamig.ops.batch.run and raises its failure", function()
      local calls = stub_batch()
      local ctx = fake_ctx(nil, { dialect = sqlite })
      local err = revision_error('op.batch_alter_table("t", function(b) end, {recreate = "always"})', ctx)
      assert.equal(at2("batch says no"), err)
      assert.equal("run", calls[1][1])
      assert.equal("t", calls[1][3])
      assert.same({ recreate = "always" }, calls[1][5])
    end)
  end)
end)
