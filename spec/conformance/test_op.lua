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
-- Two tables for a two-column foreign key t1 (foo, bar) -> t2 (bat, hoho).
local FK_TABLES = [[op.create_table("t1", Column("foo", Integer), Column("bar", Integer))
  op.create_table("t2", Column("bat", Integer), Column("hoho", Integer), UniqueConstraint("bat", "hoho"))]]
local FOO = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("id", Integer, { primary_key = true }), Column("c1", Integer),
    Column("c2", Integer, { unique = true }), { schema = "foo" })
  op.create_table("t", Column("id", Integer, { primary_key = true }), Column("c", Integer), { schema = "foo" })]]

-- CREATE TABLE of an integer key `id` and `rest`, as Alembic writes it on
-- each backend: the generic test's SQL; on PostgreSQL and MySQL,
-- SQLAlchemy makes the key SERIAL / AUTO_INCREMENT.
local function create_table_sql(name, rest)
  return {
    sqlite = { string.format("CREATE TABLE %s (id INTEGER NOT NULL, %s)", name, rest) },
    postgres = { string.format("CREATE TABLE %s (id SERIAL NOT NULL, %s)", name, rest) },
    mysql = { string.format("CREATE TABLE %s (id INTEGER NOT NULL AUTO_INCREMENT, %s)", name, rest) },
  }
end

-- `sql` (Alembic's statements by backend) with `stmt` after each list.
local function with_statement(sql, stmt)
  for _, list in pairs(sql) do list[#list + 1] = stmt end
  return sql
end

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
    up = [[op.alter_column("t", "c", { server_default = null })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c DROP DEFAULT" } },
  { "test_alter_column_schema_drop_default", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", Integer, { server_default = 5 }), { schema = "foo" })]],
    up = [[op.alter_column("t", "c", { server_default = null, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c DROP DEFAULT" } },

  -- alter_column: type and nullability together (existing_type given or not)
  { "test_generic_alter_column_type_and_nullability (nullable)", on = PG,
    setup = [[op.create_table("t", Column("c", SmallInteger))]],
    up = [[op.alter_column("t", "c", { type_ = Integer, nullable = false, existing_type = String(15) })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c SET NOT NULL", "ALTER TABLE t ALTER COLUMN c TYPE INTEGER" } },
  { "test_generic_alter_column_type_and_nullability (type only)", on = PG,
    setup = [[op.create_table("t", Column("c", SmallInteger))]],
    up = [[op.alter_column("t", "c", { type_ = Integer })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c TYPE INTEGER" } },
  { "test_alter_column_schema_type_existing_type_no_const", on = PG,
    setup = [[op.create_table("t", Column("c", Boolean))]],
    up = [[op.alter_column("t", "c", { type_ = String(10), existing_type = Boolean })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(10)" } },
  { "test_alter_column_schema_schema_type_existing_type_no_const", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", Boolean), { schema = "foo" })]],
    up = [[op.alter_column("t", "c", { type_ = String(10), existing_type = Boolean, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c TYPE VARCHAR(10)" } },
  { "test_alter_column_schema_type_existing_type_no_new_type", on = PG,
    setup = [[op.create_table("t", Column("c", Boolean))]],
    up = [[op.alter_column("t", "c", { nullable = false, existing_type = Boolean })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c SET NOT NULL" } },
  { "test_alter_column_schema_schema_type_existing_type_no_new_type", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", Boolean), { schema = "foo" })]],
    up = [[op.alter_column("t", "c", { nullable = false, existing_type = Boolean, schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c SET NOT NULL" } },

  -- create_foreign_key and its options
  { "test_add_foreign_key", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho)" } },
  { "test_add_foreign_key_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo2")
  op.execute("CREATE SCHEMA bar2")
  op.create_table("t1", Column("foo", Integer), Column("bar", Integer), { schema = "foo2" })
  op.create_table("t2", Column("bat", Integer), Column("hoho", Integer), UniqueConstraint("bat", "hoho"),
    { schema = "bar2" })]],
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" },
    { source_schema = "foo2", referent_schema = "bar2" })]],
    alembic = { "ALTER TABLE foo2.t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES bar2.t2 (bat, hoho)" } },
  { "test_add_foreign_key_schema_same_tablename", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo2")
  op.execute("CREATE SCHEMA bar2")
  op.create_table("t1", Column("foo", Integer), Column("bar", Integer), { schema = "foo2" })
  op.create_table("t1", Column("bat", Integer), Column("hoho", Integer), UniqueConstraint("bat", "hoho"),
    { schema = "bar2" })]],
    up = [[op.create_foreign_key("fk_test", "t1", "t1", { "foo", "bar" }, { "bat", "hoho" },
    { source_schema = "foo2", referent_schema = "bar2" })]],
    alembic = { "ALTER TABLE foo2.t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES bar2.t1 (bat, hoho)" } },
  { "test_add_foreign_key_onupdate", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" }, { onupdate = "CASCADE" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho)"
      .. " ON UPDATE CASCADE" } },
  { "test_add_foreign_key_ondelete", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" }, { ondelete = "CASCADE" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho)"
      .. " ON DELETE CASCADE" } },
  { "test_add_foreign_key_deferrable", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" }, { deferrable = true })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho) DEFERRABLE" } },
  { "test_add_foreign_key_initially", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" }, { initially = "deferred" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho)"
      .. " INITIALLY deferred" } },
  { "test_add_foreign_key_match", on = { "postgres", "mysql" }, setup = FK_TABLES,
    up = [[op.create_foreign_key("fk_test", "t1", "t2", { "foo", "bar" }, { "bat", "hoho" }, { match = "SIMPLE" })]],
    alembic = { postgres = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho)"
      .. " MATCH SIMPLE" },
      mysql = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo, bar) REFERENCES t2 (bat, hoho) MATCH SIMPLE" } },
    differs = { mysql = "MySQL takes MATCH but then ignores ON DELETE/ON UPDATE: luamig refuses match there" } },
  { "test_add_foreign_key_self_referential", on = { "postgres", "mysql" },
    setup = [[op.create_table("t1", Column("foo", Integer), Column("bar", Integer, { unique = true }))]],
    up = [[op.create_foreign_key("fk_test", "t1", "t1", { "foo" }, { "bar" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT fk_test FOREIGN KEY(foo) REFERENCES t1 (bar)" } },

  -- other constraints
  { "test_add_primary_key_constraint", on = { "postgres", "mysql" },
    setup = [[op.create_table("t1", Column("foo", Integer, { nullable = false }), Column("bar", Integer, { nullable = false }))]],
    up = [[op.create_primary_key("pk_test", "t1", { "foo", "bar" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT pk_test PRIMARY KEY (foo, bar)" } },
  { "test_add_primary_key_constraint_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA bar")
  op.create_table("t1", Column("foo", Integer, { nullable = false }), { schema = "bar" })]],
    up = [[op.create_primary_key("pk_test", "t1", { "foo" }, { schema = "bar" })]],
    alembic = { "ALTER TABLE bar.t1 ADD CONSTRAINT pk_test PRIMARY KEY (foo)" } },
  { "test_add_check_constraint", on = { "postgres", "mysql" },
    setup = [[op.create_table("user_table", Column("name", String(50)))]],
    up = [[op.create_check_constraint("ck_user_name_len", "user_table", "length(name) > 5")]],
    alembic = { "ALTER TABLE user_table ADD CONSTRAINT ck_user_name_len CHECK (length(name) > 5)" } },
  { "test_add_check_constraint_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("user_table", Column("name", String(50)), { schema = "foo" })]],
    up = [[op.create_check_constraint("ck_user_name_len", "user_table", "length(name) > 5", { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.user_table ADD CONSTRAINT ck_user_name_len CHECK (length(name) > 5)" } },
  { "test_add_unique_constraint", on = { "postgres", "mysql" },
    setup = [[op.create_table("t1", Column("foo", Integer), Column("bar", Integer))]],
    up = [[op.create_unique_constraint("uk_test", "t1", { "foo", "bar" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT uk_test UNIQUE (foo, bar)" } },
  { "test_add_unique_constraint_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("foo", Integer), Column("bar", Integer), { schema = "foo" })]],
    up = [[op.create_unique_constraint("uk_test", "t1", { "foo", "bar" }, { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 ADD CONSTRAINT uk_test UNIQUE (foo, bar)" } },
  { "test_drop_constraint", on = PG,
    setup = [[op.create_table("t1", Column("foo", Integer), UniqueConstraint("foo", { name = "foo_bar_bat" }))]],
    up = [[op.drop_constraint("foo_bar_bat", "t1")]],
    alembic = { "ALTER TABLE t1 DROP CONSTRAINT foo_bar_bat" } },
  { "test_drop_constraint_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("foo", Integer), UniqueConstraint("foo", { name = "foo_bar_bat" }), { schema = "foo" })]],
    up = [[op.drop_constraint("foo_bar_bat", "t1", { schema = "foo" })]],
    alembic = { "ALTER TABLE foo.t1 DROP CONSTRAINT foo_bar_bat" } },

  -- indexes
  { "test_create_index", on = ALL, setup = [[op.create_table("t1", Column("foo", Integer), Column("bar", Integer))]],
    up = [[op.create_index("ik_test", "t1", { "foo", "bar" })]],
    alembic = { "CREATE INDEX ik_test ON t1 (foo, bar)" } },
  { "test_create_unique_index", on = ALL,
    setup = [[op.create_table("t1", Column("foo", Integer), Column("bar", Integer))]],
    up = [[op.create_index("ik_test", "t1", { "foo", "bar" }, { unique = true })]],
    alembic = { "CREATE UNIQUE INDEX ik_test ON t1 (foo, bar)" } },
  { "test_create_index_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("foo", Integer), Column("bar", Integer), { schema = "foo" })]],
    up = [[op.create_index("ik_test", "t1", { "foo", "bar" }, { schema = "foo" })]],
    alembic = { "CREATE INDEX ik_test ON foo.t1 (foo, bar)" } },
  { "test_drop_index", on = { "sqlite", "postgres" },
    setup = [[op.create_table("t1", Column("foo", Integer))
  op.create_index("ik_test", "t1", { "foo" })]],
    up = [[op.drop_index("ik_test", "t1")]],
    alembic = { "DROP INDEX ik_test" } },
  { "test_drop_index_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t1", Column("foo", Integer), { schema = "foo" })
  op.create_index("ik_test", "t1", { "foo" }, { schema = "foo" })]],
    up = [[op.drop_index("ik_test", "t1", { schema = "foo" })]],
    alembic = { "DROP INDEX foo.ik_test" } },

  -- tables
  { "test_drop_table", on = ALL, setup = [[op.create_table("tb_test", Column("id", Integer))]],
    up = [[op.drop_table("tb_test")]],
    alembic = { "DROP TABLE tb_test" } },
  { "test_drop_table_schema", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("tb_test", Column("id", Integer), { schema = "foo" })]],
    up = [[op.drop_table("tb_test", { schema = "foo" })]],
    alembic = { "DROP TABLE foo.tb_test" } },
  { "test_create_table_selfref", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("st_id", Integer, { references = "some_table.id" }))]],
    alembic = create_table_sql("some_table", "st_id INTEGER, PRIMARY KEY (id), FOREIGN KEY(st_id) REFERENCES"
      .. " some_table (id)") },
  { "test_create_table_check_constraint", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }), Column("foo_id", Integer),
    CheckConstraint("foo_id>5", { name = "ck_1" }))]],
    alembic = create_table_sql("some_table", "foo_id INTEGER, PRIMARY KEY (id), CONSTRAINT ck_1 CHECK (foo_id>5)") },
  { "test_create_table_unique_constraint", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }), Column("foo_id", Integer),
    UniqueConstraint("foo_id", { name = "uq_1" }))]],
    alembic = create_table_sql("some_table", "foo_id INTEGER, PRIMARY KEY (id), CONSTRAINT uq_1 UNIQUE (foo_id)") },

  { "test_create_table_unique_flag", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { unique = true }))]],
    alembic = create_table_sql("some_table", "foo_id INTEGER, PRIMARY KEY (id), UNIQUE (foo_id)") },
  { "test_create_table_index_flag", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { index = true }))]],
    alembic = with_statement(create_table_sql("some_table", "foo_id INTEGER, PRIMARY KEY (id)"),
      "CREATE INDEX ix_some_table_foo_id ON some_table (foo_id)") },
  { "test_create_table_index", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }), Column("foo_id", Integer),
    Index("ix_1", "foo_id"))]],
    alembic = with_statement(create_table_sql("some_table", "foo_id INTEGER, PRIMARY KEY (id)"),
      "CREATE INDEX ix_1 ON some_table (foo_id)") },
  { "test_create_table_fk_and_schema", on = PG,
    setup = [[op.execute('CREATE SCHEMA "schema"')
  op.create_table("foo", Column("id", Integer, { primary_key = true }))]],
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { references = "foo.id" }), { schema = "schema" })]],
    alembic = { 'CREATE TABLE "schema".some_table (id SERIAL NOT NULL, foo_id INTEGER, PRIMARY KEY (id),'
      .. " FOREIGN KEY(foo_id) REFERENCES foo (id))" } },
  { "test_create_table_no_pk", on = ALL,
    up = [[op.create_table("some_table", Column("x", Integer), Column("y", Integer), Column("z", Integer))]],
    alembic = { "CREATE TABLE some_table (x INTEGER, y INTEGER, z INTEGER)" } },
  { "test_create_table_two_fk", on = ALL,
    setup = [[op.create_table("foo", Column("id", Integer, { primary_key = true }),
    Column("bar", Integer, { unique = true }))]],
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { references = "foo.id" }), Column("foo_bar", Integer, { references = "foo.bar" }))]],
    alembic = create_table_sql("some_table", "foo_id INTEGER, foo_bar INTEGER, PRIMARY KEY (id),"
      .. " FOREIGN KEY(foo_id) REFERENCES foo (id), FOREIGN KEY(foo_bar) REFERENCES foo (bar)") },
  { "test_inline_literal", on = ALL,
    setup = [[op.create_table("account", Column("name", String(20)), Column("id", Integer))
  op.execute("INSERT INTO account (name, id) VALUES ('account 1', 1)")]],
    up = [[op.execute("UPDATE account SET name=? WHERE account.name = ?", "account 2", "account 1")
  op.execute("UPDATE account SET id=" .. op.inline_literal(2) .. " WHERE account.id = " .. op.inline_literal(1))]],
    alembic = { "UPDATE account SET name='account 2' WHERE account.name = 'account 1'",
      "UPDATE account SET id=2 WHERE account.id = 1" } },
  { "test_naming_changes (mysql drop_constraint foreignkey)", on = { "mysql" },
    setup = [[op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t1", Column("p_id", Integer), ForeignKeyConstraint({ "p_id" }, { "p.id" }, { name = "f1" }))]],
    up = [[op.drop_constraint("f1", "t1", { type_ = "foreignkey" })]],
    alembic = { "ALTER TABLE t1 DROP FOREIGN KEY f1" } },
  { "test_create_table_comment_op", on = PG,
    setup = [[op.create_table("some_table", Column("id", Integer))]],
    up = [[op.create_table_comment("some_table", "table comment")]],
    alembic = { "COMMENT ON TABLE some_table IS 'table comment'" } },
  { "test_drop_table_comment_op", on = PG,
    setup = [[op.create_table("some_table", Column("id", Integer), { comment = "x" })]],
    up = [[op.drop_table_comment("some_table")]],
    alembic = { "COMMENT ON TABLE some_table IS NULL" } },
  { "SQLModeOpTest.test_auto_literals", on = ALL,
    setup = [[op.create_table("account", Column("name", String(20)), Column("id", Integer))
  op.create_table("t", Column("foo", String(10)))]],
    up = [[op.execute("UPDATE account SET name=" .. op.inline_literal("account 2") .. " WHERE account.name = "
    .. op.inline_literal("account 1"))
  op.execute("update t set foo=?", "bat")]],
    alembic = { "UPDATE account SET name='account 2' WHERE account.name = 'account 1'", "update t set foo='bat'" } },
  { "SQLModeOpTest.test_create_table_literal_binds", on = ALL,
    up = [[op.create_table("some_table", Column("id", Integer, { primary_key = true }),
    Column("st_id", Integer, { references = "some_table.id" }))]],
    alembic = create_table_sql("some_table", "st_id INTEGER, PRIMARY KEY (id), FOREIGN KEY(st_id) REFERENCES"
      .. " some_table (id)") },
  { "CustomOpTest.test_custom_op", on = PG,
    up = [[op.register("create_sequence", function(o, name) o.execute("CREATE SEQUENCE " .. name) end)
  op.create_sequence("foob")]],
    alembic = { "CREATE SEQUENCE foob" } },
  { "CustomOpTest.test_custom_op (luamig.lua operations)", on = PG,
    config = [[operations = { create_sequence = function(op, name) op.execute("CREATE SEQUENCE " .. name) end }]],
    up = [[op.create_sequence("foob")]],
    alembic = { "CREATE SEQUENCE foob" } },
}
