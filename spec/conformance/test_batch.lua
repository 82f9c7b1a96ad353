-- Alembic's tests/test_batch.py (BatchRoundTripTest): batch mode on a
-- table with rows, run by luamig and by Alembic itself on the same setup
-- (spec/helpers/alembic_ops.py); the two databases, schema and rows, must
-- match (see spec/helpers/conformance.lua).

local SQ, ALL = { "sqlite" }, { "sqlite", "postgres", "mysql" }
local SERVERS = { "postgres", "mysql" }

-- The test's foo table and its rows; nopk, t_w_ix, ck_table and bar as
-- its fixtures make them.
local FOO = [[op.create_table("foo", Column("id", Integer, { primary_key = true }), Column("data", String(50)),
    Column("x", Integer))
  op.bulk_insert({ table = "foo", columns = { Column("id", Integer), Column("data", String(50)), Column("x", Integer) } },
    { { id = 1, data = "d1", x = 5 }, { id = 2, data = "22", x = 6 }, { id = 3, data = "8.5", x = 7 },
      { id = 4, data = "9.46", x = 8 }, { id = 5, data = "d5", x = 9 } })]]
local NOPK = [[op.create_table("nopk", Column("a", Integer), Column("b", Integer), Column("c", Integer))
  op.execute("INSERT INTO nopk (a, b, c) VALUES (1, 2, 3), (2, 4, 5)")]]
local T_W_IX = [[op.create_table("t_w_ix", Column("id", Integer, { primary_key = true }), Column("thing", Integer),
    Column("data", String(20)), Index("ix_thing", "thing"))]]
local CK_TABLE = [[op.create_table("ck_table", Column("id", Integer, { nullable = false }),
    CheckConstraint("id is not NULL", { name = "ck" }))]]
local BAR_FK = [[op.create_table("bar", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { references = "foo.id" }))
  op.execute("INSERT INTO bar (id, foo_id) VALUES (1, 3)")]]
local BAR_SELF = [[op.create_table("bar", Column("id", Integer, { primary_key = true }),
    Column("bar_id", Integer, { references = "bar.id" }), Column("data", String(50)))
  op.execute("INSERT INTO bar (id, data, bar_id) VALUES (1, 'x', NULL), (2, 'y', 1)")]]

-- One case: luamig's batch body and Alembic's, in `table` (foo unless
-- given) with `options` (recreate = ...), after `setup`.
local function case(name, on, setup, lua_body, py_body, opts)
  opts = opts or {}
  local tbl = opts.table or "foo"
  local lua_opts = opts.recreate and string.format(', { recreate = %q }', opts.recreate) or ""
  if opts.lua_opts then lua_opts = ", " .. opts.lua_opts end
  local py_opts = opts.recreate and string.format(', recreate=%q', opts.recreate) or ""
  if opts.py_opts then py_opts = ", " .. opts.py_opts end
  return { name, on = on, setup = setup,
    up = string.format('op.batch_alter_table(%q, function(batch)\n    %s\n  end%s)', tbl, lua_body, lua_opts),
    python = string.format('with op.batch_alter_table(%q%s) as batch:\n    %s\n', tbl, py_opts,
      py_body:gsub("\n", "\n    ")) }
end

local cases = {
  case("test_change_type", SQ, FOO, 'batch.alter_column("data", { type_ = Integer })',
    'batch.alter_column("data", type_=Integer)'),
  case("test_no_net_change_timestamp", SQ, [[op.create_table("hasts", Column("x", DateTime))
  op.execute("INSERT INTO hasts (x) VALUES ('2012-05-18 15:32:05.000000')")]],
    'batch.alter_column("x", { type_ = DateTime })', 'batch.alter_column("x", type_=DateTime())', { table = "hasts" }),
  case("test_ix_existing", ALL, T_W_IX,
    'batch.alter_column("data", { type_ = String(30), existing_nullable = true })\n    batch.create_index("ix_data", { "data" })',
    'batch.alter_column("data", type_=String(30))\nbatch.create_index("ix_data", ["data"])', { table = "t_w_ix" }),
  case("test_fk_points_to_me_auto", ALL, FOO .. "\n  " .. BAR_FK,
    'batch.alter_column("data", { new_column_name = "newdata", existing_type = String(50) })',
    'batch.alter_column("data", new_column_name="newdata", existing_type=String(50))'),
  case("test_fk_points_to_me_recreate", SQ, FOO .. "\n  " .. BAR_FK,
    'batch.alter_column("data", { new_column_name = "newdata", existing_type = String(50) })',
    'batch.alter_column("data", new_column_name="newdata", existing_type=String(50))', { recreate = "always" }),
  case("test_selfref_fk_auto", ALL, BAR_SELF,
    'batch.alter_column("data", { new_column_name = "newdata", existing_type = String(50) })',
    'batch.alter_column("data", new_column_name="newdata", existing_type=String(50))', { table = "bar" }),
  case("test_selfref_fk_recreate", SQ, BAR_SELF,
    'batch.alter_column("data", { new_column_name = "newdata", existing_type = String(50) })',
    'batch.alter_column("data", new_column_name="newdata", existing_type=String(50))',
    { table = "bar", recreate = "always" }),
  case("test_drop_column", ALL, FOO, 'batch.drop_column("data")', 'batch.drop_column("data")'),
  case("test_drop_column_fk_recreate", SQ, FOO, 'batch.drop_column("data")', 'batch.drop_column("data")',
    { recreate = "always" }),
  case("test_drop_pk_col_readd_col", SQ, FOO, 'batch.drop_column("id")\n    batch.add_column(Column("id", Integer))',
    'batch.drop_column("id")\nbatch.add_column(Column("id", Integer))'),
  case("test_drop_pk_col_readd_pk_col", SQ, FOO,
    'batch.drop_column("id")\n    batch.add_column(Column("id", Integer, { primary_key = true }))',
    'batch.drop_column("id")\nbatch.add_column(Column("id", Integer, primary_key=True))'),
  case("test_drop_pk_col_readd_col_also_pk_const", SQ, FOO,
    'batch.drop_column("id")\n    batch.add_column(Column("id", Integer))\n    batch.create_primary_key("newpk", { "id" })',
    'batch.drop_column("id")\nbatch.add_column(Column("id", Integer))\nbatch.create_primary_key("newpk", ["id"])'),
  case("test_drop_column_pk", SQ, FOO, 'batch.drop_column("id")', 'batch.drop_column("id")'),
  case("test_rename_column", ALL, FOO, 'batch.alter_column("x", { new_column_name = "y", existing_type = Integer })',
    'batch.alter_column("x", new_column_name="y", existing_type=Integer)'),
  case("test_rename_column_pk", SQ, FOO, 'batch.alter_column("id", { new_column_name = "ident" })',
    'batch.alter_column("id", new_column_name="ident")'),
  case("test_add_column_auto", ALL, FOO, 'batch.add_column(Column("data2", String(50), { server_default = "hi" }))',
    'batch.add_column(Column("data2", String(50), server_default="hi"))'),
  case("test_add_column_recreate", SQ, FOO,
    'batch.add_column(Column("data2", String(50), { server_default = "hi" }))',
    'batch.add_column(Column("data2", String(50), server_default="hi"))', { recreate = "always" }),
  case("test_add_column_insert_before_recreate", ALL, FOO,
    'batch.add_column(Column("data2", String(50), { server_default = "hi" }), { insert_before = "data" })',
    'batch.add_column(Column("data2", String(50), server_default="hi"), insert_before="data")',
    { recreate = "always" }),
  case("test_add_column_insert_after_recreate", ALL, FOO,
    'batch.add_column(Column("data2", String(50), { server_default = "hi" }), { insert_after = "data" })',
    'batch.add_column(Column("data2", String(50), server_default="hi"), insert_after="data")',
    { recreate = "always" }),
  case("test_add_column_auto_generated (persisted)", SQ, FOO,
    'batch.add_column(Column("data2", Integer, Computed("1 + 1", { persisted = true })))',
    'batch.add_column(Column("data2", Integer, Computed("1 + 1", persisted=True)))'),
  case("test_add_column_auto_generated (virtual)", SQ, FOO,
    'batch.add_column(Column("data2", Integer, Computed("1 + 1", { persisted = false })))',
    'batch.add_column(Column("data2", Integer, Computed("1 + 1", persisted=False)))'),
  case("test_drop_foreign_key (naming_convention)", SQ, FOO .. "\n  " .. BAR_FK,
    'batch.drop_constraint("fk_bar_foo_id_foo", { type_ = "foreignkey" })',
    'batch.drop_constraint("fk_bar_foo_id_foo", type_="foreignkey")',
    { table = "bar", lua_opts = [[{ naming_convention = { fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s" } }]],
      py_opts = [[naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}]] }),
}

for _, recreate in ipairs { "always", "auto" } do
  cases[#cases + 1] = case("test_add_pk_constraint " .. recreate, SQ, NOPK,
    'batch.create_primary_key("newpk", { "a", "b" })', 'batch.create_primary_key("newpk", ["a", "b"])',
    { table = "nopk", recreate = recreate })
  cases[#cases + 1] = case("test_add_ck_constraint " .. recreate, SQ, FOO,
    'batch.create_check_constraint("newck", "x > 0")', 'batch.create_check_constraint("newck", text("x > 0"))',
    { recreate = recreate })
  cases[#cases + 1] = case("test_drop_ck_constraint " .. recreate, SQ, CK_TABLE,
    'batch.drop_constraint("ck", { type_ = "check" })', 'batch.drop_constraint("ck", "check")',
    { table = "ck_table", recreate = recreate })
  cases[#cases + 1] = case("test_add_uq " .. recreate, SQ, FOO,
    'batch.create_unique_constraint("newuk", { "x" })', 'batch.create_unique_constraint("newuk", ["x"])',
    { recreate = recreate })
  cases[#cases + 1] = case("test_add_uq_plus_col " .. recreate, SQ, FOO,
    'batch.add_column(Column("y", Integer))\n    batch.create_unique_constraint("newuk", { "x", "y" })',
    'batch.add_column(Column("y", Integer))\nbatch.create_unique_constraint("newuk", ["x", "y"])',
    { recreate = recreate })
end

-- Column order (BatchApplyTest's partial_reordering and insert_before /
-- insert_after tests, on foo: id, data, x), with recreate = "always" as
-- Alembic asks; on PostgreSQL and MySQL Alembic moves and copies the table.
local ORDER = {
  { "test_partial_reordering", {}, '{ { "x", "id", "data" } }', '[("x", "id", "data")]' },
  { "test_add_col_partial_reordering", { { "g" } }, '{ { "id", "x", "g", "data" } }', '[("id", "x", "g", "data")]' },
  { "test_add_col_insert_before", { { "g", "insert_before", "x" } } },
  { "test_add_col_insert_before_beginning", { { "g", "insert_before", "id" } } },
  { "test_add_col_insert_after_middle", { { "g", "insert_after", "id" } } },
  { "test_add_col_insert_after_penultimate", { { "g", "insert_after", "data" } } },
  { "test_add_col_insert_after_end", { { "g", "insert_after", "x" } } },
  { "test_add_col_insert_after_plus_no_order", { { "g", "insert_after", "id" }, { "q" } } },
  { "test_add_col_no_order_plus_insert_after", { { "q" }, { "g", "insert_after", "id" } } },
  { "test_add_col_insert_after_another_insert", { { "g", "insert_after", "id" }, { "q", "insert_after", "g" } } },
  { "test_add_col_insert_before_another_insert", { { "g", "insert_after", "id" }, { "q", "insert_before", "g" } } },
}
for _, o in ipairs(ORDER) do
  local lua, py = {}, {}
  for i, add in ipairs(o[2]) do
    local name, where, anchor = add[1], add[2], add[3]
    lua[i] = string.format('batch.add_column(Column(%q, Integer)%s)', name,
      where and string.format(", { %s = %q }", where, anchor) or "")
    py[i] = string.format('batch.add_column(Column(%q, Integer)%s)', name,
      where and string.format(", %s=%q", where, anchor) or "")
  end
  cases[#cases + 1] = case(o[1], ALL, FOO, #lua > 0 and table.concat(lua, "\n    ") or "-- nothing but the order",
    #py > 0 and table.concat(py, "\n") or "pass", {
      lua_opts = o[3] and string.format('{ recreate = "always", partial_reordering = %s }', o[3])
        or '{ recreate = "always" }',
      py_opts = o[4] and string.format('recreate="always", partial_reordering=%s', o[4]) or 'recreate="always"' })
end
-- Alembic refuses insert_before where it would use ALTER; luamig rebuilds
-- the table, as any change that needs it (recreate = "auto").
cases[#cases + 1] = case("test_add_column_insert_before_raise_on_alter", ALL, FOO,
  'batch.add_column(Column("data2", String(50), { server_default = "hi" }), { insert_before = "data" })',
  'batch.add_column(Column("data2", String(50), server_default="hi"), insert_before="data")')
cases[#cases].differs = 'Alembic refuses insert_before without recreate = "always"; luamig rebuilds the table'
  .. ' (recreate = "auto" rebuilds when a change needs it)'

-- The comment tests, where the database keeps comments.
cases[#cases + 1] = case("test_add_table_comment", SERVERS, FOO, 'batch.create_table_comment("some comment")',
  'batch.create_table_comment("some comment")')
cases[#cases + 1] = case("test_drop_table_comment", SERVERS, FOO .. '\n  op.create_table_comment("foo", "some comment")',
  'batch.drop_table_comment({ existing_comment = "some comment" })',
  'batch.drop_table_comment(existing_comment="some comment")')
cases[#cases + 1] = case("test_add_column_comment", SERVERS, FOO,
  'batch.add_column(Column("y", Integer, { comment = "some comment" }))',
  'batch.add_column(Column("y", Integer, comment="some comment"))')
cases[#cases + 1] = case("test_alter_column_comment", SERVERS, FOO,
  'batch.alter_column("x", { existing_type = Integer, existing_nullable = true, comment = "some comment" })',
  'batch.alter_column("x", existing_type=Integer(), existing_nullable=True, comment="some comment")')

return cases
