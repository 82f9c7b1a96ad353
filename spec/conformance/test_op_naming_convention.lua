-- Alembic's tests/test_op_naming_convention.py (AutoNamingConventionTest),
-- each test as a luamig revision with the test's naming_convention in
-- luamig.lua (see spec/helpers/conformance.lua), on PostgreSQL.

local PG = { "postgres" }

local CK = [[naming_convention = { ck = "ck_%(table_name)s_%(constraint_name)s" }]]
local USER_TABLE = [[op.create_table("user_table", Column("name", String(50)), Column("x", Integer))]]

return {
  { "test_add_check_constraint", on = PG, config = CK, setup = USER_TABLE,
    up = [[op.create_check_constraint("foo", "user_table", "length(name) > 5")]],
    alembic = { "ALTER TABLE user_table ADD CONSTRAINT ck_user_table_foo CHECK (length(name) > 5)" } },
  { "test_add_check_constraint_name_is_none", on = PG,
    config = [[naming_convention = { ck = "ck_%(table_name)s_foo" }]], setup = USER_TABLE,
    up = [[op.create_check_constraint(nil, "user_table", "length(name) > 5")]],
    alembic = { "ALTER TABLE user_table ADD CONSTRAINT ck_user_table_foo CHECK (length(name) > 5)" } },
  { "test_add_unique_constraint_name_is_none", on = PG,
    config = [[naming_convention = { uq = "uq_%(table_name)s_foo" }]], setup = USER_TABLE,
    up = [[op.create_unique_constraint(nil, "user_table", "x")]],
    alembic = { "ALTER TABLE user_table ADD CONSTRAINT uq_user_table_foo UNIQUE (x)" } },
  { "test_add_index_name_is_none", on = PG,
    config = [[naming_convention = { ix = "ix_%(table_name)s_foo" }]], setup = USER_TABLE,
    up = [[op.create_index(nil, "user_table", "x")]],
    alembic = { "CREATE INDEX ix_user_table_foo ON user_table (x)" } },
  { "test_add_check_constraint_inline_on_table", on = PG, config = CK,
    up = [[op.create_table("some_table", Column("x", Integer), CheckConstraint("x > 0", { name = "cc1" }))]],
    alembic = { "CREATE TABLE some_table (x INTEGER, CONSTRAINT ck_some_table_cc1 CHECK (x > 0))" } },
  { "test_add_check_constraint_inline_on_table_w_f", on = PG, config = CK,
    up = [[op.create_table("some_table", Column("x", Integer),
    CheckConstraint("x > 0", { name = op.f("ck_some_table_cc1") }))]],
    alembic = { "CREATE TABLE some_table (x INTEGER, CONSTRAINT ck_some_table_cc1 CHECK (x > 0))" } },
  { "test_add_check_constraint_inline_on_column", on = PG, config = CK,
    up = [[op.create_table("some_table", Column("x", Integer, CheckConstraint("x > 0", { name = "cc1" })))]],
    alembic = { "CREATE TABLE some_table (x INTEGER CONSTRAINT ck_some_table_cc1 CHECK (x > 0))" } },
  { "test_add_check_constraint_inline_on_column_w_f", on = PG, config = CK,
    up = [[op.create_table("some_table", Column("x", Integer, CheckConstraint("x > 0", { name = op.f("ck_q_cc1") })))]],
    alembic = { "CREATE TABLE some_table (x INTEGER CONSTRAINT ck_q_cc1 CHECK (x > 0))" } },
  { "test_drop_check_constraint_plain", on = PG, config = CK,
    setup = [[op.create_table("t1", Column("x", Integer), CheckConstraint("x > 0", { name = "foo_bar_bat" }))]],
    up = [[op.drop_constraint("foo_bar_bat", "t1", { type_ = "check" })]],
    alembic = { "ALTER TABLE t1 DROP CONSTRAINT ck_t1_foo_bar_bat" } },
  { "test_drop_check_constraint_opf", on = PG, config = CK,
    setup = [[op.create_table("t1", Column("x", Integer),
    CheckConstraint("x > 0", { name = op.f("some_specific_foo_bar_bat") }))]],
    up = [[op.drop_constraint(op.f("some_specific_foo_bar_bat"), "t1", { type_ = "check" })]],
    alembic = { "ALTER TABLE t1 DROP CONSTRAINT some_specific_foo_bar_bat" } },
}
