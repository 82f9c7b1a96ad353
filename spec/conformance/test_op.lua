-- Alembic's tests/test_op.py, each test as a luamig revision (see
-- spec/helpers/conformance.lua). `alembic` holds the SQL the test expects
-- (a fact about Alembic's output); the generic dialect's SQL is compared
-- where the backend takes it as written (mostly PostgreSQL), the
-- postgresql fixture's on PostgreSQL.

local PG, ALL = { "postgres" }, { "sqlite", "postgres", "mysql" }

-- Setups: the tables a test names, made so that the statements can run.
local T1 = [[op.create_table("t1", Column("id", Integer, { primary_key = true }), Column("c1", Integer),
    Column("c2", Integer, { unique = true }))]]
local T = [[op.create_table("t", Column("id", Integer, { primary_key = true }), Column("c", Integer))]]
local FOO = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("id", Integer, { primary_key = true }), Column("c1", Integer),
    Column("c2", Integer, { unique = true }), { schema = "foo" })
  op.create_table("t", Column("id", Integer, { primary_key = true }), Column("c", Integer), { schema = "foo" })]]

return {
  { "test_rename_table", on = ALL, setup = T1,
    up = [[op.rename_table("t1", "t2")]],
    alembic = { "ALTER TABLE t1 RENAME TO t2" } },
  { "test_rename_table_schema (postgresql)", on = PG, setup = FOO,
    up = [[op.rename_table("t1", "t2", { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 RENAME TO t2" } },
  { "test_create_index_arbitrary_expr", on = PG,
    setup = [[op.create_table("tname", Column("x", Integer))]],
    up = [[op.create_index("name", "tname", { sql "abs(x)" })]],
    alembic = { "CREATE INDEX name ON tname (abs(x))" } },
  { "test_add_column_schema_hard_quoting", on = PG,
    setup = [[op.execute('CREATE SCHEMA "some.schema"')
  op.create_table("somename", Column("id", Integer), { schema = "some.schema" })]],
    up = [[op.add_column("somename", Column("colname", String), { schema = "some.schema" })]],
    alembic = { 'ALTER TABLE "some.schema".somename ADD COLUMN colname VARCHAR' } },
  { "test_rename_table_schema_hard_quoting", on = PG,
    setup = [[op.execute('CREATE SCHEMA "some.schema"')
  op.create_table("t1", Column("id", Integer), { schema = "some.schema" })]],
    up = [[op.rename_table("t1", "t2", { schema = "some.schema" })]],
    alembic = { 'ALTER TABLE "some.schema".t1 RENAME TO t2' } },
  { "test_add_constraint_schema_hard_quoting", on = PG,
    setup = [[op.execute('CREATE SCHEMA "some.schema"')
  op.create_table("user_table", Column("name", String(50)), { schema = "some.schema" })]],
    up = [[op.create_check_constraint("ck_user_name_len", "user_table", "length(name) > 5", { schema = "some.schema" })]],
    alembic = { 'ALTER TABLE "some.schema".user_table ADD CONSTRAINT ck_user_name_len CHECK (length(name) > 5)' } },
  { "test_create_index_quoting", on = PG,
    setup = [[op.create_table("locations", Column("IShouldBeQuoted", Integer))]],
    up = [[op.create_index("geocoded", "locations", { "IShouldBeQuoted" })]],
    alembic = { 'CREATE INDEX geocoded ON locations ("IShouldBeQuoted")' } },
  { "test_create_index_expressions", on = ALL,
    setup = [[op.create_table("locations", Column("coordinates", String(50)))]],
    up = [[op.create_index("geocoded", "locations", { sql "lower(coordinates)" })]],
    alembic = { postgres = { "CREATE INDEX geocoded ON locations (lower(coordinates))" },
      sqlite = { "CREATE INDEX geocoded ON locations (lower(coordinates))" },
      mysql = { "CREATE INDEX geocoded ON locations ((lower(coordinates)))" } } },
  { "test_add_column", on = { "postgres", "mysql" }, setup = T1,
    up = [[op.add_column("t1", Column("c3", Integer, { nullable = false }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER NOT NULL" } },
  { "test_add_column_schema", on = PG, setup = FOO,
    up = [[op.add_column("t1", Column("c3", Integer, { nullable = false }), { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD COLUMN c3 INTEGER NOT NULL" } },
  { "test_add_column_with_default", on = ALL, setup = T1,
    up = [[op.add_column("t1", Column("c3", Integer, { nullable = false, server_default = "12" }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER DEFAULT '12' NOT NULL" } },
  { "test_add_column_with_index", on = { "postgres", "mysql" }, setup = T1,
    up = [[op.add_column("t1", Column("c3", Integer, { nullable = false, index = true }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER NOT NULL", "CREATE INDEX ix_t1_c3 ON t1 (c3)" } },
  { "test_add_column_schema_with_default", on = PG, setup = FOO,
    up = [[op.add_column("t1", Column("c3", Integer, { nullable = false, server_default = "12" }), { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD COLUMN c3 INTEGER DEFAULT '12' NOT NULL" } },
  { "test_add_column_fk", on = { "postgres", "mysql" },
    setup = T1 .. [[

  op.create_table("c2", Column("id", Integer, { primary_key = true }))]],
    up = [[op.add_column("t1", Column("c3", Integer, { references = "c2.id", nullable = false }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE t1 ADD FOREIGN KEY(c3) REFERENCES c2 (id)" } },
  { "test_add_column_schema_fk", on = PG,
    setup = FOO .. [[

  op.create_table("c2", Column("id", Integer, { primary_key = true }))]],
    up = [[op.add_column("t1", Column("c3", Integer, { references = "c2.id", nullable = false }), { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE foo.t1 ADD FOREIGN KEY(c3) REFERENCES c2 (id)" } },
  { "test_add_column_fk_self_referential", on = { "postgres", "mysql" }, setup = T1,
    up = [[op.add_column("t1", Column("c3", Integer, { references = "t1.c2", nullable = false }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE t1 ADD FOREIGN KEY(c3) REFERENCES t1 (c2)" } },
  { "test_add_column_schema_fk_self_referential", on = PG, setup = FOO,
    up = [[op.add_column("t1", Column("c3", Integer, { references = "foo.t1.c2", nullable = false }),
    { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE foo.t1 ADD FOREIGN KEY(c3) REFERENCES foo.t1 (c2)" } },
  { "test_add_column_fk_schema", on = PG,
    setup = T1 .. [[

  op.execute("CREATE SCHEMA remote")
  op.create_table("t2", Column("c2", Integer, { primary_key = true }), { schema = "remote" })]],
    up = [[op.add_column("t1", Column("c3", Integer, { references = "remote.t2.c2", nullable = false }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE t1 ADD FOREIGN KEY(c3) REFERENCES remote.t2 (c2)" } },
  { "test_add_column_schema_fk_schema", on = PG,
    setup = FOO .. [[

  op.execute("CREATE SCHEMA remote")
  op.create_table("t2", Column("c2", Integer, { primary_key = true }), { schema = "remote" })]],
    up = [[op.add_column("t1", Column("c3", Integer, { references = "remote.t2.c2", nullable = false }),
    { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD COLUMN c3 INTEGER NOT NULL",
      "ALTER TABLE foo.t1 ADD FOREIGN KEY(c3) REFERENCES remote.t2 (c2)" } },
  { "test_drop_column", on = ALL, setup = T1,
    up = [[op.drop_column("t1", "c1")]],
    alembic = { "ALTER TABLE t1 DROP COLUMN c1" } },
  { "test_drop_column_schema", on = PG, setup = FOO,
    up = [[op.drop_column("t1", "c1", { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 DROP COLUMN c1" } },
  { "test_alter_column_nullable", on = PG, setup = T,
    up = [[op.alter_column("t", "c", { nullable = true })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c DROP NOT NULL" } },
  { "test_alter_column_schema_nullable", on = PG, setup = FOO,
    up = [[op.alter_column("t", "c", { nullable = true, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c DROP NOT NULL" } },
  { "test_alter_column_not_nullable", on = PG, setup = T,
    up = [[op.alter_column("t", "c", { nullable = false })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c SET NOT NULL" } },
  { "test_alter_column_schema_not_nullable", on = PG, setup = FOO,
    up = [[op.alter_column("t", "c", { nullable = false, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c SET NOT NULL" } },
  { "test_alter_column_rename", on = PG, setup = T,
    up = [[op.alter_column("t", "c", { new_column_name = "x" })]],
    alembic = { "ALTER TABLE t RENAME c TO x" } },
  { "test_alter_column_schema_rename", on = PG, setup = FOO,
    up = [[op.alter_column("t", "c", { new_column_name = "x", schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t RENAME c TO x" } },
  { "test_alter_column_type", on = PG, setup = T,
    up = [[op.alter_column("t", "c", { type_ = String(50) })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(50)" } },
  { "test_alter_column_schema_type", on = PG, setup = FOO,
    up = [[op.alter_column("t", "c", { type_ = String(50), schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c TYPE VARCHAR(50)" } },
  { "test_alter_column_set_default", on = PG,
    setup = [[op.create_table("t", Column("c", String(10)))]],
    up = [[op.alter_column("t", "c", { server_default = "q" })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'q'" } },
  { "test_alter_column_schema_set_default", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", String(10)), { schema = "foo" })]],
    up = [[op.alter_column("t", "c", { server_default = "q", schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c SET DEFAULT 'q'" } },
  { "test_alter_column_set_compiled_default", on = PG,
    setup = [[op.create_table("t", Column("c", DateTime))]],
    up = [[op.alter_column("t", "c", { server_default = sql "timezone('utc', CURRENT_TIMESTAMP)" })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c SET DEFAULT timezone('utc', CURRENT_TIMESTAMP)" } },
  { "test_alter_column_drop_default", on = PG,
    setup = [[op.create_table("t", Column("c", Integer, { server_default = 5 }))]],
    up = [[op.alter_column("t", "c", { server_default = false })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c DROP DEFAULT" } },
  { "test_alter_column_schema_drop_default", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", Integer, { server_default = 5 }), { schema = "foo" })]],
    up = [[op.alter_column("t", "c", { server_default = false, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c DROP DEFAULT" } },
}
