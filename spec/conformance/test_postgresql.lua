-- Alembic's tests/test_postgresql.py (PostgresqlOpTest), each test as a
-- luamig revision (see spec/helpers/conformance.lua), on PostgreSQL.

local PG = { "postgres" }

local LOCATIONS = [[op.create_table("locations", Column("coordinates", String(50)))]]
local FOO_T = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t", Column("c", Boolean), { schema = "foo" })]]
local T1_FOO = [[op.create_table("t1", Column("foo", Integer))]]

-- test_add_column_identity and test_add_identity_to_column: three
-- Identity arguments and the options Alembic writes for each.
local IDENTITIES = {
  { "{}", "BY DEFAULT", "" },
  { "{ always = true }", "ALWAYS", "" },
  { "{ start = 3, increment = 33, maxvalue = 99, cycle = true }", "BY DEFAULT",
    " (INCREMENT BY 33 START WITH 3 MAXVALUE 99 CYCLE)" },
}

local cases = {
  { "test_rename_table_postgresql", on = PG, setup = [[op.create_table("t1", Column("id", Integer))]],
    up = [[op.rename_table("t1", "t2")]],
    alembic = { "ALTER TABLE t1 RENAME TO t2" } },
  { "test_create_index_postgresql_expressions", on = PG, setup = LOCATIONS,
    up = [[op.create_index("geocoded", "locations", { sql "lower(coordinates)" },
    { postgresql_where = sql "locations.coordinates != Null" })]],
    alembic = { "CREATE INDEX geocoded ON locations (lower(coordinates)) WHERE locations.coordinates != Null" } },
  { "test_create_index_postgresql_where", on = PG, setup = LOCATIONS,
    up = [[op.create_index("geocoded", "locations", { "coordinates" },
    { postgresql_where = sql "locations.coordinates != Null" })]],
    alembic = { "CREATE INDEX geocoded ON locations (coordinates) WHERE locations.coordinates != Null" } },
  { "test_create_index_postgresql_include", on = PG,
    setup = [[op.create_table("t", Column("c1", Integer), Column("c2", Integer), Column("inc", Integer))]],
    up = [[op.create_index("i", "t", { "c1", "c2" }, { unique = false, postgresql_include = { "inc" } })]],
    alembic = { "CREATE INDEX i ON t (c1, c2) INCLUDE (inc)" } },
  { "test_create_index_postgresql_include_is_none", on = PG,
    setup = [[op.create_table("t", Column("c1", Integer), Column("c2", Integer))]],
    up = [[op.create_index("i", "t", { "c1", "c2" }, { unique = false })]],
    alembic = { "CREATE INDEX i ON t (c1, c2)" } },
  { "test_alter_column_type_using", on = PG, setup = [[op.create_table("t", Column("c", String(10)))]],
    up = [[op.alter_column("t", "c", { type_ = Integer, postgresql_using = "c::integer" })]],
    alembic = { "ALTER TABLE t ALTER COLUMN c TYPE INTEGER USING c::integer" } },
  { "test_col_w_pk_is_serial", on = PG, setup = [[op.create_table("some_table", Column("x", Integer))]],
    up = [[op.add_column("some_table", Column("q", Integer, { primary_key = true }))]],
    alembic = { "ALTER TABLE some_table ADD COLUMN q SERIAL NOT NULL" },
    differs = "Alembic's add_column leaves out the PRIMARY KEY the Column asks for; luamig adds it" },
  { "test_create_exclude_constraint", on = PG,
    setup = [[op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
  op.create_table("t1", Column("x", Integer))]],
    up = [[op.create_exclude_constraint("ex1", "t1", { "x", ">" }, { where = "x > 5", using = "gist" })]],
    alembic = { "ALTER TABLE t1 ADD CONSTRAINT ex1 EXCLUDE USING gist (x WITH >) WHERE (x > 5)" } },
  { "test_create_exclude_constraint_quoted_literal", on = PG,
    setup = [[op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
  op.create_table("SomeTable", Column("SomeColumn", Integer))]],
    up = [[op.create_exclude_constraint("ex1", "SomeTable", { "SomeColumn", ">" },
    { where = '"SomeColumn" > 5', using = "gist" })]],
    alembic = { 'ALTER TABLE "SomeTable" ADD CONSTRAINT ex1 EXCLUDE USING gist ("SomeColumn" WITH >)'
      .. ' WHERE ("SomeColumn" > 5)' } },
  { "test_add_column_with_comment", on = PG, setup = [[op.create_table("t", Column("c", Integer))]],
    up = [[op.add_column("t", Column("q", Integer, { comment = "This is a comment" }))]],
    alembic = { "ALTER TABLE t ADD COLUMN q INTEGER", "COMMENT ON COLUMN t.q IS 'This is a comment'" } },
  { "test_alter_column_with_comment", on = PG, setup = FOO_T,
    up = [[op.alter_column("t", "c", { nullable = false, existing_type = Boolean, schema = "foo",
    comment = "This is a column comment" })]],
    alembic = { "ALTER TABLE foo.t ALTER COLUMN c SET NOT NULL",
      "COMMENT ON COLUMN foo.t.c IS 'This is a column comment'" } },
  { "test_alter_column_add_comment", on = PG, setup = FOO_T,
    up = [[op.alter_column("t", "c", { existing_type = Boolean, schema = "foo", comment = "This is a column comment" })]],
    alembic = { "COMMENT ON COLUMN foo.t.c IS 'This is a column comment'" } },
  { "test_alter_column_add_comment_table_and_column_quoting", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("T", Column("C", Boolean), { schema = "foo" })]],
    up = [[op.alter_column("T", "C", { existing_type = Boolean, schema = "foo", comment = "This is a column comment" })]],
    alembic = { 'COMMENT ON COLUMN foo."T"."C" IS \'This is a column comment\'' } },
  { "test_alter_column_add_comment_quoting", on = PG, setup = FOO_T,
    up = [[op.alter_column("t", "c", { existing_type = Boolean, schema = "foo",
    comment = "This is a column 'comment'" })]],
    alembic = { "COMMENT ON COLUMN foo.t.c IS 'This is a column ''comment'''" } },
  { "test_alter_column_drop_comment", on = PG,
    setup = FOO_T .. [[

  op.execute("COMMENT ON COLUMN foo.t.c IS 'This is a column comment'")]],
    up = [[op.alter_column("t", "c", { existing_type = Boolean, schema = "foo", comment = null,
    existing_comment = "This is a column comment" })]],
    alembic = { "COMMENT ON COLUMN foo.t.c IS NULL" } },
  { "test_create_table_with_comment", on = PG,
    up = [[op.create_table("t2", Column("c1", Integer, { primary_key = true }), Column("c2", Integer),
    { comment = "t2 comment" })]],
    alembic = { "CREATE TABLE t2 (c1 SERIAL NOT NULL, c2 INTEGER, PRIMARY KEY (c1))",
      "COMMENT ON TABLE t2 IS 't2 comment'" } },
  { "test_create_table_with_column_comments", on = PG,
    up = [[op.create_table("t2", Column("c1", Integer, { primary_key = true, comment = "c1 comment" }),
    Column("c2", Integer, { comment = "c2 comment" }), { comment = "t2 comment" })]],
    alembic = { "CREATE TABLE t2 (c1 SERIAL NOT NULL, c2 INTEGER, PRIMARY KEY (c1))",
      "COMMENT ON TABLE t2 IS 't2 comment'", "COMMENT ON COLUMN t2.c1 IS 'c1 comment'",
      "COMMENT ON COLUMN t2.c2 IS 'c2 comment'" } },
  { "test_create_table_comment", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t2", Column("id", Integer), { schema = "foo" })]],
    up = [[op.create_table_comment("t2", "t2 table", { schema = "foo" })]],
    alembic = { "COMMENT ON TABLE foo.t2 IS 't2 table'" } },
  { "test_drop_table_comment", on = PG,
    setup = [[op.execute("CREATE SCHEMA foo")
  op.create_table("t2", Column("id", Integer), { schema = "foo", comment = "t2 table" })]],
    up = [[op.drop_table_comment("t2", { existing_comment = "t2 table", schema = "foo" })]],
    alembic = { "COMMENT ON TABLE foo.t2 IS NULL" } },
  { "test_add_column_computed", on = PG, setup = T1_FOO,
    up = [[op.add_column("t1", Column("some_column", Integer, Computed("foo * 5")))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN some_column INTEGER GENERATED ALWAYS AS (foo * 5) STORED" } },
  { "test_remove_identity_from_column", on = PG,
    setup = [[op.create_table("t1", Column("some_column", Integer, Identity()))]],
    up = [[op.alter_column("t1", "some_column", { identity = null, existing_identity = Identity() })]],
    alembic = { "ALTER TABLE t1 ALTER COLUMN some_column DROP IDENTITY" } },
}

for i, id in ipairs(IDENTITIES) do
  cases[#cases + 1] = { "test_add_column_identity #" .. i, on = PG, setup = T1_FOO,
    up = string.format([[op.add_column("t1", Column("some_column", Integer, Identity(%s)))]], id[1]),
    alembic = { string.format("ALTER TABLE t1 ADD COLUMN some_column INTEGER GENERATED %s AS IDENTITY%s", id[2],
      id[3]) } }
  cases[#cases + 1] = { "test_add_identity_to_column #" .. i, on = PG,
    setup = [[op.create_table("t1", Column("some_column", Integer, { nullable = false }))]],
    up = string.format([[op.alter_column("t1", "some_column", { identity = Identity(%s) })]], id[1]),
    alembic = { string.format("ALTER TABLE t1 ALTER COLUMN some_column ADD GENERATED %s AS IDENTITY%s", id[2],
      id[3]) } }
end

-- test_change_identity_in_column: existing, updated, Alembic's clauses.
local CHANGES = {
  { "{}", "{ always = true }", "SET GENERATED ALWAYS" },
  { "{ always = true }", "{ always = false, start = 3 }", "SET GENERATED BY DEFAULT SET START WITH 3" },
  { "{ always = true, start = 3, increment = 2, minvalue = -3, maxvalue = 99 }",
    "{ always = true, start = 3, increment = 1, minvalue = -3, maxvalue = 99, cycle = true }",
    "SET CYCLE SET INCREMENT BY 1" },
  { "{ always = false, start = 3, maxvalue = 9999, minvalue = 0 }", "{ always = false, start = 3, cache = 2 }",
    "SET CACHE 2" },
}
for i, ch in ipairs(CHANGES) do
  cases[#cases + 1] = { "test_change_identity_in_column #" .. i, on = PG,
    setup = string.format([[op.create_table("t1", Column("some_column", Integer, Identity(%s)))]], ch[1]),
    up = string.format([[op.alter_column("t1", "some_column", { identity = Identity(%s),
    existing_identity = Identity(%s) })]], ch[2], ch[1]),
    alembic = { "ALTER TABLE t1 ALTER COLUMN some_column " .. ch[3] } }
end

-- PostgresqlDefaultCompareTest: a column made with one server default,
-- compared by `luamig check` with a model that has another (or the same):
-- {test, type, default in the database, default in the model, difference?}.
local COMPARES = {
  { "test_compare_string_blank_default", "String(8)", '""', nil, false },
  { "test_compare_string_nonblank_default", "String(8)", '"hi"', nil, false },
  { "test_compare_interval_str", "Interval", '"14 days"', nil, false },
  { "test_compare_interval_text", "Interval", [[sql "'14 days'"]], nil, false },
  { "test_compare_array_of_integer_text", "ARRAY(Integer)", [[sql "(ARRAY[]::integer[])"]], nil, false },
  { "test_compare_current_timestamp_text", "DateTime", [[sql "TIMEZONE('utc', CURRENT_TIMESTAMP)"]], nil, false },
  { "test_compare_current_timestamp_fn_w_binds", "DateTime", [[sql "timezone('utc', CURRENT_TIMESTAMP)"]], nil,
    false },
  { "test_compare_integer_str", "Integer", '"5"', nil, false },
  { "test_compare_integer_text", "Integer", 'sql "5"', nil, false },
  { "test_compare_integer_text_diff", "Integer", 'sql "5"', '"7"', true },
  { "test_compare_float_str", "Float", '"5.2"', nil, false },
  { "test_compare_float_text", "Float", 'sql "5.2"', nil, false },
  { "test_compare_float_no_diff1", "Float", 'sql "5.2"', '"5.2"', false },
  { "test_compare_float_no_diff2", "Float", '"5.2"', 'sql "5.2"', false },
  { "test_compare_float_no_diff3", "Float", 'sql "5"', 'sql "5.0"', false },
  { "test_compare_float_no_diff4", "Float", '"5"', '"5.0"', false },
  { "test_compare_float_no_diff5", "Float", 'sql "5"', '"5.0"', false },
  { "test_compare_float_no_diff6", "Float", '"5"', 'sql "5.0"', false },
  { "test_compare_numeric_no_diff", "Numeric", 'sql "5"', '"5.0"', false },
  { "test_compare_unicode_literal", "String", '"im a default"', nil, false },
  { "test_compare_character_str", "String", '"hello"', nil, false },
  { "test_compare_character_text", "String", [[sql "'hello'"]], nil, false },
  { "test_compare_character_str_diff", "String", '"hello"', '"there"', true },
  { "test_compare_character_text_diff", "String", [[sql "'hello'"]], [[sql "'there'"]], true },
}
for _, c in ipairs(COMPARES) do
  local function column(default)
    return string.format('Column("somecol", %s, { server_default = %s })', c[2], default)
  end
  cases[#cases + 1] = { c[1], on = PG, setup = string.format('op.create_table("test", %s)', column(c[3])),
    model = string.format('Table("test", %s)\n', column(c[4] or c[3])), diff = c[5] }
end
cases[#cases + 1] = { "test_primary_key_skip", on = PG,
  setup = [[op.create_table("sometable", Column("id", Integer, { primary_key = true }))]],
  model = 'Table("sometable", Column("id", Integer, { primary_key = true }))\n', diff = false }

return cases
