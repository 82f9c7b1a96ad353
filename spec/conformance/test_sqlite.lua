-- Alembic's tests/test_sqlite.py (SQLiteTest, SQLiteDefaultCompareTest),
-- each test as a luamig revision (see spec/helpers/conformance.lua).

local SQ = { "sqlite" }

local cases = {
  { "test_add_column", on = SQ, setup = [[op.create_table("t1", Column("id", Integer))]],
    up = [[op.add_column("t1", Column("c1", Integer))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c1 INTEGER" } },
  { "test_add_column_implicit_constraint", on = SQ, setup = [[op.create_table("t1", Column("id", Integer))]],
    up = [[op.add_column("t1", Column("c1", Boolean))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c1 BOOLEAN" } },
  { "test_create_table_with_comment_ignored", on = SQ,
    up = [[op.create_table("t2", Column("c1", Integer, { primary_key = true }), Column("c2", Integer),
    { comment = "This is a table comment" })]],
    alembic = { "CREATE TABLE t2 (c1 INTEGER NOT NULL, c2 INTEGER, PRIMARY KEY (c1))" } },
  { "test_add_column_with_comment_ignored", on = SQ, setup = [[op.create_table("t1", Column("id", Integer))]],
    up = [[op.add_column("t1", Column("c1", Integer, { comment = "c1 comment" }))]],
    alembic = { "ALTER TABLE t1 ADD COLUMN c1 INTEGER" } },
  -- Alembic refuses these (NotImplementedError: "No support for ALTER of
  -- constraints in SQLite dialect"); luamig refuses them too, pointing to
  -- batch mode, which does them: both refused is equivalent.
  { "test_add_explicit_constraint", on = SQ, setup = [[op.create_table("sometable", Column("name", Integer))]],
    up = [[op.create_check_constraint("foo", "sometable", "name > 5")]],
    alembic = { "ALTER TABLE sometable ADD CONSTRAINT foo CHECK (name > 5)" } },
  { "test_drop_explicit_constraint", on = SQ,
    setup = [[op.create_table("sometable", Column("name", Integer), CheckConstraint("name > 5", { name = "foo" }))]],
    up = [[op.drop_constraint("foo", "sometable")]],
    alembic = { "ALTER TABLE sometable DROP CONSTRAINT foo" } },
}

-- SQLiteDefaultCompareTest: {test, type, default in the database, default
-- in the model, difference?}.
local COMPARES = {
  { "test_compare_current_timestamp_func", "DateTime", [[sql "(datetime('now', 'localtime'))"]], nil, false },
  { "test_compare_current_timestamp_func_now", "DateTime", 'sql "CURRENT_TIMESTAMP"', nil, false },
  { "test_compare_current_timestamp_text", "DateTime", [[sql "(datetime('now', 'localtime'))"]],
    [[sql "datetime('now', 'localtime')"]], false },
  { "test_compare_integer_str", "Integer", '"5"', nil, false },
  { "test_compare_integer_str_diff", "Integer", '"5"', '"7"', true },
  { "test_compare_integer_text", "Integer", 'sql "5"', nil, false },
  { "test_compare_integer_text_diff", "Integer", 'sql "5"', '"7"', true },
  { "test_compare_float_str", "Float", '"5.2"', nil, false },
  { "test_compare_float_str_diff", "Float", '"5.2"', '"5.3"', true },
  { "test_compare_float_text", "Float", 'sql "5.2"', nil, false },
  { "test_compare_float_text_diff", "Float", 'sql "5.2"', '"5.3"', true },
  { "test_compare_string_literal", "String(20)", '"im a default"', nil, false },
  { "test_compare_string_literal_diff", "String(20)", '"im a default"', '"me too"', true },
}
for _, c in ipairs(COMPARES) do
  local function column(default)
    return string.format('Column("somecol", %s, { server_default = %s })', c[2], default)
  end
  cases[#cases + 1] = { c[1], on = SQ, setup = string.format('op.create_table("test", %s)', column(c[3])),
    model = string.format('Table("test", %s)\n', column(c[4] or c[3])), diff = c[5] }
end

return cases
