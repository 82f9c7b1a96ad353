-- A misspelt column in an operation is an error on every backend, and the
-- database stays exactly as it was. SQLite used to read an unknown "name"
-- in double quotes as a string literal (its "double-quoted string literal"
-- misfeature), so that op.create_index("ix", "t", {"emial"}, {unique =
-- true}) indexed a constant and left a table that holds one row; luamig's
-- SQLite connections turn that off (SQLITE_DBCONFIG_DQS_DDL/DML, in
-- runner/drivers/driver_sqlite.c). PostgreSQL and MariaDB refuse these already:
-- each case runs on all three to show that they agree.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local snapshot = require("helpers.snapshot")
local driver = require("luamig.driver")

local BASE = "migrations/versions/a0_base.lua"
local BAD = "migrations/versions/a1_bad.lua"

-- Table t has one row, so that a unique index on a constant succeeds.
local BASE_BODY = [[
  op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t", Column("id", Integer, { primary_key = true }), Column("email", String(50)),
    Column("n", Integer))
  op.create_table("k", Column("a", Integer), Column("b", Integer))
  op.bulk_insert("p", { { id = 1 } })
  op.bulk_insert("t", { { id = 1, email = "a@x", n = 1 } })
  op.bulk_insert("k", { { a = 1, b = 2 } })]]

-- Each case: a name, the misspelt column its message must name, and the
-- revision's one line (line 6 of the file) made by body(q), where q quotes
-- an identifier as the backend's SQL does. `only`: the backends it runs on;
-- `sqlite_refuses`: SQLite cannot ALTER that way and says to use batch mode
-- (its message names the op, not the column); `sqlite_fk`: a foreign key to
-- a column the referenced table lacks, which SQLite accepts at CREATE and
-- luamig finds with PRAGMA foreign_key_check ("foreign key mismatch");
-- `mysql_says`: MariaDB's message, when it does not name the column.
-- MariaDB names no column when a foreign key's referenced one is missing.
local FK_FORMED = "Foreign key constraint is incorrectly formed"
local NEW_TABLE = 'op.create_table("u", Column("id", Integer, { primary_key = true }), Column("email", String(50)), '
  .. 'Column("pid", Integer), '
local CASES = {
  { "create_index", "emial", function() return 'op.create_index("ix_t_mail", "t", { "emial" })' end },
  { "create_index, unique", "emial", function()
    return 'op.create_index("ix_t_mail", "t", { "emial" }, { unique = true })' end },
  { "create_index on an expression", "emial", only = { sqlite = true, postgres = true }, function(q)
    return ('op.create_index("ix_t_lower", "t", { sql %q })'):format("lower(" .. q("emial") .. ")") end },
  { "create_index with sqlite_where / postgresql_where", "emial", only = { sqlite = true, postgres = true },
    function(q)
      local where = q("emial") .. " IS NOT NULL"
      return ('op.create_index("ix_t_part", "t", { "email" }, { unique = true, sqlite_where = sql %q,'
        .. ' postgresql_where = sql %q })'):format(where, where)
    end },
  { "create_unique_constraint", "emial", sqlite_refuses = true, function() return 'op.create_unique_constraint("uq_t_mail", "t", { "emial" })' end },
  { "create_primary_key", "zz", sqlite_refuses = true, function() return 'op.create_primary_key("pk_k", "k", { "zz" })' end },
  { "create_foreign_key, local column", "qty", sqlite_refuses = true, function()
    return 'op.create_foreign_key("fk_t_p", "t", "p", { "qty" }, { "id" })' end },
  { "create_foreign_key, remote column", "idd", mysql_says = FK_FORMED, sqlite_refuses = true, function()
    return 'op.create_foreign_key("fk_t_p", "t", "p", { "n" }, { "idd" })' end },
  { "create_check_constraint", "emial", sqlite_refuses = true, function(q)
    return ('op.create_check_constraint("ck_t_mail", "t", %q)'):format(q("emial") .. " <> ''") end },
  { "create_table with a CheckConstraint", "emial", function(q)
    return NEW_TABLE .. ('CheckConstraint(%q, { name = "ck_u" }))'):format(q("emial") .. " <> ''") end },
  { "create_table with a UniqueConstraint", "emial", function()
    return NEW_TABLE .. 'UniqueConstraint("emial"))' end },
  { "create_table with an Index", "emial", function() return NEW_TABLE .. 'Index("ix_u_mail", "emial"))' end },
  { "create_table with an Index and sqlite_where / postgresql_where", "emial",
    only = { sqlite = true, postgres = true }, function(q)
      local where = q("emial") .. " IS NOT NULL"
      return NEW_TABLE .. ('Index("ix_u_part", "email", { unique = true, sqlite_where = sql %q,'
        .. ' postgresql_where = sql %q }))'):format(where, where)
    end },
  { "create_table with a PrimaryKeyConstraint", "idd", function()
    return 'op.create_table("u", Column("id", Integer), PrimaryKeyConstraint("idd"))' end },
  { "create_table with a ForeignKeyConstraint, local column", "emial", function()
    return NEW_TABLE .. 'ForeignKeyConstraint({ "emial" }, { "p.id" }))' end },
  { "create_table with a ForeignKeyConstraint, remote column", "idd", mysql_says = FK_FORMED, sqlite_fk = true, function()
    return NEW_TABLE .. 'ForeignKeyConstraint({ "pid" }, { "p.idd" }))' end },
  { "create_table with a column that references a missing column", "idd", mysql_says = FK_FORMED, sqlite_fk = true, function()
    return 'op.create_table("u", Column("id", Integer, { primary_key = true }),'
      .. ' Column("pid", Integer, { references = "p.idd" }))' end },
  { "alter_column", "emial", sqlite_refuses = true, function()
    return 'op.alter_column("t", "emial", { nullable = false, existing_type = String(50) })' end },
  { "alter_column, rename", "emial", function()
    return 'op.alter_column("t", "emial", { new_column_name = "mail", existing_type = String(50),'
      .. ' existing_nullable = true })' end },
  { "drop_column", "emial", function() return 'op.drop_column("t", "emial")' end },
  { "execute with a quoted name", "emial", function(q)
    return ('op.execute(%q)'):format("UPDATE t SET n = 2 WHERE " .. q("emial") .. " = 'a@x'") end },
  { "bulk_insert", "emial", function() return 'op.bulk_insert("t", { { id = 2, emial = "b@x" } })' end },
  { "batch alter_column", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.alter_column("emial", { nullable = false,'
      .. ' existing_type = String(50) }) end)' end },
  { "batch alter_column, rename", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.alter_column("emial", { new_column_name = "mail",'
      .. ' existing_type = String(50), existing_nullable = true }) end)' end },
  { "batch drop_column", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.drop_column("emial") end)' end },
  { "batch create_index", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.create_index("ix_t_mail", { "emial" }) end)' end },
  { "batch create_index, unique", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.create_index("ix_t_mail", { "emial" },'
      .. ' { unique = true }) end)' end },
  { "batch create_unique_constraint", "emial", function()
    return 'op.batch_alter_table("t", function(batch) batch.create_unique_constraint("uq_t_mail", { "emial" }) end)' end },
  { "batch create_check_constraint", "emial", function(q)
    return ('op.batch_alter_table("t", function(batch) batch.create_check_constraint("ck_t_mail", %q) end)')
      :format(q("emial") .. " <> ''") end },
  { "batch create_foreign_key, local column", "qty", function()
    return 'op.batch_alter_table("t", function(batch) batch.create_foreign_key("fk_t_p", "p", { "qty" },'
      .. ' { "id" }) end)' end },
  { "batch create_foreign_key, remote column", "idd", mysql_says = FK_FORMED, sqlite_fk = true, function()
    return 'op.batch_alter_table("t", function(batch) batch.create_foreign_key("fk_t_p", "p", { "n" },'
      .. ' { "idd" }) end)' end },
  { "batch create_primary_key", "zz", function()
    return 'op.batch_alter_table("k", function(batch) batch.create_primary_key("pk_k", { "zz" }) end)' end },
}

backends.each("a misspelt column", function(b)
  local function q(name) return b.tag == "mysql" and ("`" .. name .. "`") or ('"' .. name .. '"') end
  local url
  backends.database_per_test(b, function(new) url = new end)

  for _, case in ipairs(CASES) do
    local name, missing, body = case[1], case[2], case[3]
    if not case.only or case.only[b.tag] then
      it(name .. " fails at the revision's line and changes nothing", function()
        local line = body(q)
        local dir = h.project {
          [BASE] = h.revision_text("a0", { up = BASE_BODY }),
          [BAD] = h.revision_text("a1", { down = "a0", up = "  " .. line }),
        }
        h.run_ok(dir, h.with_url(url, { "upgrade", "a0" }))
        local before = snapshot.take(b, url)
        local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        assert(r.status == 1 or r.status == 2, ("exit %d for %s: %s"):format(r.status, line, r.stderr))
        assert.matches("migrations/versions/a1_bad%.lua:6:", r.stderr)
        if case.sqlite_refuses and b.tag == "sqlite" then
          assert.matches("(batch mode)", r.stderr, 1, true)
        elseif case.mysql_says and b.tag == "mysql" then
          assert.matches(case.mysql_says, r.stderr, 1, true)
        else
          assert.matches(missing, r.stderr, 1, true)
        end
        assert.not_matches("lua/luamig/", r.stderr, 1, true)
        assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
        assert.same({ "a0" }, b:versions(url))
      end)
    end
  end
end)

describe("SQLite connections #sqlite", function()
  it("read a double-quoted name as an identifier only, never as a string", function()
    local conn = assert(driver.connect("sqlite", { database = ":memory:" }))
    assert(conn:execute("CREATE TABLE t (email TEXT)"))
    local ok, msg = conn:execute('CREATE INDEX ix ON t ("emial")')
    assert.is_nil(ok)
    assert.equal("no such column: emial", msg)
    local row, err = conn:first('SELECT "emial" AS v')
    assert.is_nil(row)
    assert.equal("no such column: emial", err)
    assert.equal("a", conn:first("SELECT 'a' AS v").v)  -- single quotes are strings
    conn:close()
  end)
end)
