-- Alembic's tests/test_bulk_insert.py, each test as a luamig revision (see
-- spec/helpers/conformance.lua). Alembic's online tests expect
-- parameterised SQL that cannot run as written; their rows are the ones
-- its --sql tests write out, so those statements stand for both.

local ALL, PG = { "sqlite", "postgres", "mysql" }, { "postgres" }

local SETUP = [[op.create_table("ins_table", Column("id", Integer), Column("v1", String(20)), Column("v2", String(20)))]]
local T = [[{ table = "ins_table", columns = { Column("id", Integer), Column("v1", String(20)), Column("v2", String(20)) } }]]
local FOUR = [[{ { id = 1, v1 = "row v1", v2 = "row v5" }, { id = 2, v1 = "row v2", v2 = "row v6" },
    { id = 3, v1 = "row v3", v2 = "row v7" }, { id = 4, v1 = "row v4", v2 = "row v8" } }]]
local FOUR_SQL = {
  "INSERT INTO ins_table (id, v1, v2) VALUES (1, 'row v1', 'row v5')",
  "INSERT INTO ins_table (id, v1, v2) VALUES (2, 'row v2', 'row v6')",
  "INSERT INTO ins_table (id, v1, v2) VALUES (3, 'row v3', 'row v7')",
  "INSERT INTO ins_table (id, v1, v2) VALUES (4, 'row v4', 'row v8')",
}
local ONE = [[{ { id = 1, v1 = "row v1", v2 = "row v5" } }]]
local ONE_SQL = { "INSERT INTO ins_table (id, v1, v2) VALUES (1, 'row v1', 'row v5')" }

return {
  { "test_bulk_insert", on = ALL, setup = SETUP, up = "op.bulk_insert(" .. T .. ", " .. FOUR .. ")",
    alembic = FOUR_SQL },
  { "test_bulk_insert_as_sql", on = ALL, setup = SETUP,
    up = "op.bulk_insert(" .. T .. ", " .. FOUR .. ", { multiinsert = false })", alembic = FOUR_SQL },
  { "test_bulk_insert_pg", on = PG, setup = SETUP, up = "op.bulk_insert(" .. T .. ", " .. FOUR .. ")",
    alembic = FOUR_SQL },
  { "test_bulk_insert_as_sql_pg", on = PG, setup = SETUP,
    up = "op.bulk_insert(" .. T .. ", " .. FOUR .. ", { multiinsert = false })", alembic = FOUR_SQL },
  { "test_bulk_insert_pg_single", on = PG, setup = SETUP, up = "op.bulk_insert(" .. T .. ", " .. ONE .. ")",
    alembic = ONE_SQL },
  { "test_bulk_insert_pg_single_as_sql", on = PG, setup = SETUP, up = "op.bulk_insert(" .. T .. ", " .. ONE .. ")",
    alembic = ONE_SQL },
  { "test_bulk_insert_pg_single_big_t_as_sql", on = PG,
    setup = [[op.create_table("ins_table", Column("id", Integer, { primary_key = true }), Column("v1", String(20)),
    Column("v2", String(20)))]],
    up = [[local t = { table = "ins_table", columns = { Column("id", Integer, { primary_key = true }),
    Column("v1", String(20)), Column("v2", String(20)) } }
  op.bulk_insert(t, ]] .. ONE .. ")",
    alembic = ONE_SQL },
  { "test_bulk_insert_wrong_cols", on = PG, setup = SETUP,
    up = "op.bulk_insert(" .. T .. [[, { { v1 = "row v1" } })]],
    alembic = { "INSERT INTO ins_table (id, v1, v2) VALUES (NULL, 'row v1', NULL)" } },
  { "test_invalid_format (not a list)", on = ALL, setup = SETUP,
    up = "op.bulk_insert(" .. T .. ", { id = 5 })", refused = "List expected" },
  { "test_invalid_format (not a list of dictionaries)", on = ALL, setup = SETUP,
    up = "op.bulk_insert(" .. T .. ", { { 5 } })", refused = "List of dictionaries expected" },
  { "RoundTripTest.test_single_insert_round_trip", on = { "sqlite" },
    setup = [[op.execute("create table foo (id integer primary key, data varchar(50), x integer)")]],
    up = [[op.bulk_insert({ table = "foo", columns = { Column("id", Integer), Column("data", String(50)),
    Column("x", Integer) } }, { { data = "d1", x = "x1" } })]],
    alembic = { "INSERT INTO foo (data, x) VALUES ('d1', 'x1')" } },
  { "RoundTripTest.test_bulk_insert_round_trip", on = { "sqlite" },
    setup = [[op.execute("create table foo (id integer primary key, data varchar(50), x integer)")]],
    up = [[op.bulk_insert({ table = "foo", columns = { Column("id", Integer), Column("data", String(50)),
    Column("x", Integer) } }, { { data = "d1", x = "x1" }, { data = "d2", x = "x2" }, { data = "d3", x = "x3" } })]],
    alembic = { "INSERT INTO foo (data, x) VALUES ('d1', 'x1')", "INSERT INTO foo (data, x) VALUES ('d2', 'x2')",
      "INSERT INTO foo (data, x) VALUES ('d3', 'x3')" } },
}
