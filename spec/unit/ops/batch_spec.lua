-- Batch mode's methods (op.batch_alter_table's function argument): the
-- messages of their argument checks, word for word and at the revision's
-- line, and the records they queue, which are the plain ops' records
-- (luamig.ops.records builds both) for the batch's table and schema. Run
-- on a PostgreSQL dialect, where the queue runs record by record through
-- the context, so that the records can be read back.

local types = require("luamig.schema.types")

local REVISION = require("helpers.revision_errors").REVISION

local function fake_ctx(cfg)
  local ctx = { records = {}, dialect = require("luamig.ddl").dialect("postgres"), cfg = cfg or {} }
  function ctx:run_op(record)
    self.records[#self.records + 1] = record
    return true
  end
  return ctx
end

-- Runs `body` as the upgrade() of a revision file whose line 2 is the body.
local run_revision = require("helpers.revision_errors").run_upgrade

describe("batch mode's methods", function()
  describe("name the revision line with batch mode's messages", function()
    -- The unknown-option lists are the plain op's options less schema
    -- (batch_alter_table's own), plus insert_before/insert_after.
    local cases = {
      { 'op.batch_alter_table("t", function(b) b.alter_column(42) end)',
        'op.batch_alter_table: alter_column: argument #1 (column) must be a non-empty string, got number 42' },
      { 'op.batch_alter_table("t", function(b) b:alter_column(42) end)',
        'op.batch_alter_table: alter_column: argument #1 (column) must be a non-empty string, got number 42' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\') end)',
        'op.batch_alter_table: alter_column: nothing to change in column "c" of "t": pass nullable, type_, server_default, new_column_name, comment, autoincrement, identity or server_onupdate' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', 5) end)',
        'op.batch_alter_table: alter_column: argument #2 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {nulable = true}) end)',
        'op.batch_alter_table: alter_column: unknown option string "nulable" (expected one of: autoincrement, comment, existing_autoincrement, existing_comment, existing_identity, existing_nullable, existing_server_default, existing_server_onupdate, existing_type, identity, new_column_name, nullable, postgresql_using, server_default, server_onupdate, type, type_, using)' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {type_ = \'text\'}) end)',
        'op.batch_alter_table: alter_column: option type_ must be a type such as Integer or String(50), got string "text"' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {type = Integer, type_ = Integer}) end)',
        'op.batch_alter_table: alter_column: give the new type as type or type_, not both' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {using = \'x\'}) end)',
        'op.batch_alter_table: alter_column: nothing to change in column "c" of "t": pass nullable, type_, server_default, new_column_name, comment, autoincrement, identity or server_onupdate' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {nullable = true}, 3) end)',
        'op.batch_alter_table: alter_column: unexpected argument #3 (number 3): it takes at most 2' },
      { 'op.batch_alter_table("t", function(b) b.alter_column(\'c\', {schema = \'s\', nullable = true}) end)',
        'op.batch_alter_table: alter_column: unknown option string "schema" (expected one of: autoincrement, comment, existing_autoincrement, existing_comment, existing_identity, existing_nullable, existing_server_default, existing_server_onupdate, existing_type, identity, new_column_name, nullable, postgresql_using, server_default, server_onupdate, type, type_, using)' },
      { 'op.batch_alter_table("t", function(b) b.add_column(\'x\') end)',
        'op.batch_alter_table: add_column: argument #1 (column) must be a Column, got string "x"' },
      { 'op.batch_alter_table("t", function(b) b.add_column(Column(\'x\', Integer), {insert_before = \'a\', insert_after = \'b\'}) end)',
        'op.batch_alter_table: add_column: give insert_before or insert_after, not both' },
      { 'op.batch_alter_table("t", function(b) b.add_column(Column(\'x\', Integer), {before = \'a\'}) end)',
        'op.batch_alter_table: add_column: unknown option string "before" (expected one of: if_not_exists, insert_after, insert_before)' },
      { 'op.batch_alter_table("t", function(b) b.add_column(Column(\'x\', Integer), 5) end)',
        'op.batch_alter_table: add_column: argument #2 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.add_column(Column(\'x\', Integer), {insert_before = 5}) end)',
        'op.batch_alter_table: add_column: option insert_before must be a non-empty string, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.drop_column(nil) end)',
        'op.batch_alter_table: drop_column: argument #1 (column) must be a non-empty string, got nil' },
      { 'op.batch_alter_table("t", function(b) b.drop_column(\'c\', {x = 1}) end)',
        'op.batch_alter_table: drop_column: unknown option string "x" (expected one of: enums, if_exists)' },
      { 'op.batch_alter_table("t", function(b) b.drop_column(\'c\', 5) end)',
        'op.batch_alter_table: drop_column: argument #2 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.drop_column(\'c\', {}, 3) end)',
        'op.batch_alter_table: drop_column: unexpected argument #3 (number 3): it takes at most 2' },
      { 'op.batch_alter_table("t", function(b) b.create_index(nil, {\'a\'}) end)',
        'op.batch_alter_table: create_index: argument #1 (name) must be a non-empty string or op.f(name), got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_index(5, {\'a\'}) end)',
        'op.batch_alter_table: create_index: argument #1 (name) must be a non-empty string or op.f(name), got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', nil) end)',
        'op.batch_alter_table: create_index: argument #2 (columns) must be a list of column names or sql fragments, got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', {\'a\', 5}) end)',
        'op.batch_alter_table: create_index: argument #2 (columns) must be a list of column names or sql fragments, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', {}) end)',
        'op.batch_alter_table: create_index: argument #2 (columns) must be a list of column names or sql fragments, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', \'a\', {unique = \'y\'}) end)',
        'op.batch_alter_table: create_index: option unique must be a boolean, got string "y"' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', \'a\', {}, 1) end)',
        'op.batch_alter_table: create_index: unexpected argument #4 (number 1): it takes at most 3' },
      { 'op.batch_alter_table("t", function(b) b.create_index(\'ix\', \'a\', {x = 1}) end)',
        'op.batch_alter_table: create_index: unknown option string "x" (expected one of: if_not_exists, postgresql_concurrently, postgresql_include, postgresql_using, postgresql_where, sqlite_where, unique)' },
      { 'op.batch_alter_table("t", function(b) b.drop_index(5) end)',
        'op.batch_alter_table: drop_index: argument #1 (name) must be a non-empty string or op.f(name), got number 5' },
      { 'op.batch_alter_table("t", function(b) b.drop_index(\'ix\', 5) end)',
        'op.batch_alter_table: drop_index: argument #2 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.drop_index(\'ix\', {x = 1}) end)',
        'op.batch_alter_table: drop_index: unknown option string "x" (expected one of: if_exists, postgresql_concurrently)' },
      { 'op.batch_alter_table("t", function(b) b.create_unique_constraint(5, {\'a\'}) end)',
        'op.batch_alter_table: create_unique_constraint: argument #1 (name) must be a non-empty string, op.f(name) or nil, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_unique_constraint(\'uq\', nil) end)',
        'op.batch_alter_table: create_unique_constraint: argument #2 (columns) must be a list of column names, got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_unique_constraint(\'uq\', {\'a\', 2}) end)',
        'op.batch_alter_table: create_unique_constraint: argument #2 (columns) must be a list of column names, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_unique_constraint(\'uq\', {\'a\'}, {}) end)',
        'op.batch_alter_table: create_unique_constraint: unexpected argument #3 (table): it takes at most 2' },
      { 'op.batch_alter_table("t", function(b) b.create_primary_key(false, {\'a\'}) end)',
        'op.batch_alter_table: create_primary_key: argument #1 (name) must be a non-empty string, op.f(name) or nil, got boolean false' },
      { 'op.batch_alter_table("t", function(b) b.create_primary_key(\'pk\', {}) end)',
        'op.batch_alter_table: create_primary_key: argument #2 (columns) must be a list of column names, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_primary_key(\'pk\', \'a\', 1) end)',
        'op.batch_alter_table: create_primary_key: unexpected argument #3 (number 1): it takes at most 2' },
      { 'op.batch_alter_table("t", function(b) b.create_check_constraint(5, \'x\') end)',
        'op.batch_alter_table: create_check_constraint: argument #1 (name) must be a non-empty string, op.f(name) or nil, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_check_constraint(\'ck\', nil) end)',
        'op.batch_alter_table: create_check_constraint: argument #2 (condition) must be a string or sql fragment, got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_check_constraint(\'ck\', \'\') end)',
        'op.batch_alter_table: create_check_constraint: argument #2 (condition) must be a string or sql fragment, got string ""' },
      { 'op.batch_alter_table("t", function(b) b.create_check_constraint(\'ck\', \'x\', {}) end)',
        'op.batch_alter_table: create_check_constraint: unexpected argument #3 (table): it takes at most 2' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(5, \'p\', \'a\', \'id\') end)',
        'op.batch_alter_table: create_foreign_key: argument #1 (name) must be a non-empty string, op.f(name) or nil, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', nil, \'a\', \'id\') end)',
        'op.batch_alter_table: create_foreign_key: argument #2 (referent_table) must be a non-empty string, got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', nil, \'id\') end)',
        'op.batch_alter_table: create_foreign_key: argument #3 (local_cols) must be a list of column names, got nil' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', \'a\', {\'id\', 3}) end)',
        'op.batch_alter_table: create_foreign_key: argument #4 (remote_cols) must be a list of column names, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', {\'a\', \'b\'}, \'id\') end)',
        'op.batch_alter_table: create_foreign_key: 2 local columns but 1 remote column' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', \'a\', \'id\', {ondelete = \'boom\'}) end)',
        'op.batch_alter_table: create_foreign_key: option ondelete must be one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, got string "boom"' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', \'a\', \'id\', {x = 1}) end)',
        'op.batch_alter_table: create_foreign_key: unknown option string "x" (expected one of: deferrable, initially, match, ondelete, onupdate, postgresql_not_valid, referent_schema)' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', \'a\', \'id\', 5) end)',
        'op.batch_alter_table: create_foreign_key: argument #5 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(\'fk\', \'p\', \'a\', \'id\', {}, 6) end)',
        'op.batch_alter_table: create_foreign_key: unexpected argument #6 (number 6): it takes at most 5' },
      { 'op.batch_alter_table("t", function(b) b.drop_constraint(nil) end)',
        'op.batch_alter_table: drop_constraint: argument #1 (name) must be a non-empty string or op.f(name), got nil' },
      { 'op.batch_alter_table("t", function(b) b.drop_constraint(\'c\', {type_ = \'foreign\'}) end)',
        'op.batch_alter_table: drop_constraint: option type_ must be one of "unique", "check", "foreignkey", "primary", got string "foreign"' },
      { 'op.batch_alter_table("t", function(b) b.drop_constraint(\'c\', {typ = 1}) end)',
        'op.batch_alter_table: drop_constraint: unknown option string "typ" (expected one of: if_exists, type_)' },
      { 'op.batch_alter_table("t", function(b) b.drop_constraint(\'c\', 5) end)',
        'op.batch_alter_table: drop_constraint: argument #2 (options) must be a table, got number 5' },
      { 'op.batch_alter_table("t", function(b) b.create_unique_constraint(nil, {\'a\'}) end)',
        'op.batch_alter_table: naming_convention.uq (uq_%(constraint_name)s) uses %(constraint_name)s: give this unique on table "t" a name',
        conv = { uq = "uq_%(constraint_name)s" } },
      { 'op.batch_alter_table("t", function(b) b.create_check_constraint(nil, \'a > 0\') end)',
        'op.batch_alter_table: naming_convention.ck uses column tokens, but this check has none',
        conv = { ck = "ck_%(column_0_name)s" } },
      { 'op.batch_alter_table("t", function(b) b.create_foreign_key(nil, \'p\', {sql\'x\'}, \'id\') end)',
        'op.batch_alter_table: create_foreign_key: argument #3 (local_cols) must be a list of column names, got table' },
      { 'op.batch_alter_table("t", function(b) b.create_index(nil, {\'a\'}) end)',
        'op.batch_alter_table: create_index: argument #1 (name) must be a non-empty string or op.f(name), got nil' },
      { 'local s; op.batch_alter_table(\'t\', function(b) s = b end); s.drop_column(\'c\')',
        'op.batch_alter_table: drop_column: called after the batch function returned; call the batch\'s methods inside the function given to op.batch_alter_table' },
      { 'op.batch_alter_table(\'t\', function(b) end, {recreat = 1})',
        'op.batch_alter_table: unknown option string "recreat" (expected one of: copy_from, naming_convention, partial_reordering, recreate, schema, table_args)' },
      { 'op.batch_alter_table(\'t\', function(b) end, {recreate = \'x\'})',
        'op.batch_alter_table: option recreate must be "auto", "always" or "never", got string "x"' },
      { 'op.batch_alter_table(\'t\', function(b) end, {copy_from = 5})',
        'op.batch_alter_table: option copy_from must be a table definition such as op.create_table returns ({table =, columns = {Column...}, constraints = {...}}), got number 5' },
      { 'op.batch_alter_table(\'t\', function(b) end, {schema = 1})',
        'op.batch_alter_table: option schema must be a non-empty string, got number 1' },
      { 'op.batch_alter_table(\'t\', function(b) end, {table_args = 5})',
        'op.batch_alter_table: option table_args must be a list of constraints (UniqueConstraint(...), CheckConstraint(...), ...), got number 5' },
      { 'op.batch_alter_table(5, function(b) end)',
        'op.batch_alter_table: argument #1 (table) must be a non-empty string, got number 5' },
      { 'op.batch_alter_table(\'t\', 5)',
        'op.batch_alter_table: argument #2 (fn) must be a function, got number 5' },
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        local ok, err = run_revision(fake_ctx({ naming_convention = case.conv }), case[1])
        assert.is_false(ok)
        assert.equal(REVISION .. ":2: " .. case[2], err)
      end)
    end
  end)

  it("queue the plain ops' records, for the batch's table and schema", function()
    local conv = { uq = "uq_%(table_name)s_%(column_0_name)s", fk = "fk_%(table_name)s_%(referred_table_name)s",
      ck = "ck_%(table_name)s_%(constraint_name)s", pk = "pk_%(table_name)s" }
    local batch, plain = fake_ctx({ naming_convention = conv }), fake_ctx({ naming_convention = conv })
    assert(run_revision(batch, [[op.batch_alter_table("t", function(b)
  b.alter_column("c", { nullable = false, type_ = Integer, server_default = 5, new_column_name = "d", comment = "x",
    postgresql_using = "c::int", existing_type = String(5), existing_nullable = true })
  b:add_column(Column("e", Integer, { unique = true, references = "p.id" }), { if_not_exists = true })
  b.drop_column("f", { if_exists = true, enums = { "mood" } })
  b.create_index("ix_a", { "a", sql "lower(b)" }, { unique = true, postgresql_using = "gin", sqlite_where = "a > 0" })
  b.drop_index("ix_c", { if_exists = true })
  b.create_unique_constraint(nil, { "a", "b" })
  b.create_primary_key(nil, "id")
  b.create_check_constraint("pos", sql "a > 0")
  b.create_foreign_key(nil, "p", "pid", "id", { ondelete = "cascade", referent_schema = "r" })
  b.drop_constraint("fk_x", { type_ = "foreignkey" })
end, { schema = "s" })]]))
    assert(run_revision(plain, [[
  op.alter_column("t", "c", { nullable = false, type_ = Integer, server_default = 5, new_column_name = "d", comment = "x",
    postgresql_using = "c::int", existing_type = String(5), existing_nullable = true, schema = "s" })
  op.add_column("t", Column("e", Integer, { unique = true, references = "p.id" }), { if_not_exists = true, schema = "s" })
  op.drop_column("t", "f", { if_exists = true, enums = { "mood" }, schema = "s" })
  op.create_index("ix_a", "t", { "a", sql "lower(b)" }, { unique = true, postgresql_using = "gin", sqlite_where = "a > 0",
    schema = "s" })
  op.drop_index("ix_c", "t", { if_exists = true, schema = "s" })
  op.create_unique_constraint(nil, "t", { "a", "b" }, { schema = "s" })
  op.create_primary_key(nil, "t", "id", { schema = "s" })
  op.create_check_constraint("pos", "t", sql "a > 0", { schema = "s" })
  op.create_foreign_key(nil, "t", "p", "pid", "id", { ondelete = "cascade", referent_schema = "r", source_schema = "s" })
  op.drop_constraint("fk_x", "t", { type_ = "foreignkey", schema = "s" })]]))
    assert.equal(10, #batch.records)
    assert.same(plain.records, batch.records)
    -- What batch mode had drifted on: postgresql_using, the convention of
    -- add_column's inline constraints, the options of the plain ops.
    assert.equal("c::int", batch.records[1].postgresql_using)
    assert.same(conv, batch.records[2].naming_convention)
    assert.same({ "uq_t_a", "pk_t", "ck_t_pos", "fk_t_p" }, { batch.records[6].name, batch.records[7].name,
      batch.records[8].name, batch.records[9].name })
  end)

  it("keep batch mode's own: insert_before/insert_after, a drop_constraint type_ of foreign_key", function()
    local ctx = fake_ctx()
    -- insert_before reads the table's columns before and after the ALTERs
    -- (luamig.ops.batch.reorder); here they come out in the order asked.
    local reads = { { { name = "a" } }, { { name = "e" }, { name = "a" } } }
    ctx.conn = { query = function() return table.remove(reads, 1) end }
    assert(run_revision(ctx, [[op.batch_alter_table("t", function(b)
  b.add_column(Column("e", Integer), { insert_before = "a" })
  b.drop_constraint("fk_x", { type_ = "foreign_key" })
end)]]))
    assert.same({ kind = "add_column", table = "t", column = types.Column("e", types.Integer), insert_before = "a" },
      ctx.records[1])
    assert.same({ kind = "drop_constraint", table = "t", name = "fk_x", type_ = "foreignkey" }, ctx.records[2])
  end)
end)
