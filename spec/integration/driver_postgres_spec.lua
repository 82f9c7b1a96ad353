-- The PostgreSQL driver (runner/drivers/driver_postgres*.c) through the binding,
-- against the throwaway server of spec/with-servers.sh, in a database made
-- for this file: values round-trip exactly, `?` becomes `$n` outside
-- literals, comments and quoted bodies, failures carry SQLSTATE, detail and
-- hint, transactions and lost connections behave.

local driver = require("luamig.driver")
local config = require("luamig.config")
local sys = require("luamig.sys")
local guard = require("helpers.transaction_guard")

local null = driver.null
local ADMIN_URL = os.getenv("LUAMIG_TEST_PG_URL")

describe("luamig.driver on PostgreSQL #postgres", function()
  if ADMIN_URL == nil or ADMIN_URL == "" then
    it("runs against a PostgreSQL server", function()
      pending(os.getenv("LUAMIG_TEST_PG_SKIP")
        or "LUAMIG_TEST_PG_URL is not set: run through spec/with-servers.sh")
    end)
    return
  end

  local url = assert(config.parse_url(ADMIN_URL))
  local dbname = "luamig_drv_" .. sys.random_hex(12)
  local admin, conn

  -- Connection parameters for this file's database; `over` replaces some
  -- (false removes one).
  local function params(over)
    local p = { database = dbname, host = url.host, port = url.port, user = url.user,
                password = url.password }
    for k, v in pairs(over or {}) do
      if v == false then p[k] = nil else p[k] = v end
    end
    return p
  end

  local function connect(over)
    local c, msg = driver.connect("postgres", params(over))
    assert(c, msg)
    return c
  end

  -- The backend `pid` has gone from the server (termination is asynchronous).
  local function wait_gone(pid)
    local deadline = sys.monotonic() + 10
    repeat
      local row = assert(admin:first("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ?::int", pid))
      if row.n == 0 then return true end
      os.execute("sleep 0.05")
    until sys.monotonic() > deadline
    return false
  end

  setup(function()
    admin = connect { database = url.database }
    assert(admin:execute("CREATE DATABASE " .. dbname))
  end)

  teardown(function()
    if admin then
      admin:execute("DROP DATABASE IF EXISTS " .. dbname .. " WITH (FORCE)")
      admin:close()
    end
  end)

  before_each(function() conn = connect() end)
  after_each(function()
    conn:close()
    conn = nil
  end)

  describe("values", function()
    local function roundtrip(sql_type, value)
      assert(conn:execute("DROP TABLE IF EXISTS v"))
      assert(conn:execute("CREATE TABLE v (x " .. sql_type .. ")"))
      assert.equal(1, conn:execute("INSERT INTO v VALUES (?)", value))
      return conn:first("SELECT x FROM v").x
    end

    it("keeps 64-bit integers exact, as integers", function()
      for _, n in ipairs { math.maxinteger, math.mininteger, 0, -1, 2^31 // 1 } do
        local got = roundtrip("BIGINT", n)
        assert.equal(n, got)
        assert.equal("integer", math.type(got))
        assert.equal(n, conn:first("SELECT ?::bigint AS v", n).v)
      end
      local row = conn:first("SELECT 7::int2 AS a, 8::int4 AS b, 'pg_class'::regclass::oid AS c")
      assert.equal(7, row.a)
      assert.equal(8, row.b)
      assert.equal("integer", math.type(row.c))
      assert.equal(1259, row.c)  -- pg_class's fixed OID
    end)

    it("keeps floats exact, infinities and NaN included", function()
      for _, f in ipairs { 0.1, 1e308, -2.5, 5e-324, 1 / 3, 1.0, -0.0, math.huge, -math.huge } do
        local got = roundtrip("DOUBLE PRECISION", f)
        assert.equal("float", math.type(got))
        assert.equal(f, got)
      end
      assert.equal(-1, 1 / roundtrip("DOUBLE PRECISION", -0.0) < 0 and -1 or 1)
      local nan = roundtrip("DOUBLE PRECISION", 0 / 0)
      assert.is_true(nan ~= nan)
      local row = conn:first("SELECT 'NaN'::float8 AS n, '-Infinity'::float8 AS i, 0.5::float4 AS h")
      assert.is_true(row.n ~= row.n)
      assert.equal(-math.huge, row.i)
      assert.equal(0.5, row.h)
    end)

    it("binds and reads booleans as booleans", function()
      assert.is_true(roundtrip("BOOLEAN", true))
      assert.is_false(roundtrip("BOOLEAN", false))
      local row = conn:first("SELECT ? = ?::boolean AS same, NOT ?::boolean AS negated", true, true, false)
      assert.is_true(row.same)
      assert.is_true(row.negated)
    end)

    it("tells the empty string from NULL", function()
      assert(conn:execute("CREATE TABLE e (id INT, s TEXT)"))
      assert(conn:execute("INSERT INTO e VALUES (1, ?), (2, ?), (3, ?)", "", nil, null))
      local rows = conn:query("SELECT id, s, s IS NULL AS is_null FROM e ORDER BY id")
      assert.equal("", rows[1].s)
      assert.is_false(rows[1].is_null)
      assert.equal(null, rows[2].s)
      assert.is_true(rows[2].is_null)
      assert.equal(null, rows[3].s)
      assert.equal(null, conn:first("SELECT NULL::int AS n").n)
    end)

    it("keeps bytes with zero bytes through BYTEA, as strings", function()
      local all = {}
      for i = 0, 255 do all[#all + 1] = string.char(i) end
      all = table.concat(all)
      for _, bytes in ipairs { "a\0b\0\0c", "", "\0", all } do
        local got = roundtrip("BYTEA", driver.blob(bytes))
        assert.equal("string", type(got))
        assert.equal(#bytes, #got)
        assert.equal(bytes, got)
      end
      assert.equal(6, conn:first("SELECT length(?) AS n", driver.blob("a\0b\0\0c")).n)
    end)

    it("keeps non-ASCII text", function()
      local s = "héllo ✓ 日本"
      assert.equal(s, roundtrip("TEXT", s))
      assert.equal(10, conn:first("SELECT length(?) AS n", s).n)  -- characters, not bytes
    end)

    it("refuses text with a zero byte, pointing to blobs", function()
      local ok, msg, info = conn:execute("SELECT ?::text", "a\0b")
      assert.is_nil(ok)
      assert.matches("driver.blob", msg)
      assert.equal("22021", info.sqlstate)
    end)

    it("reads numeric as exact strings", function()
      assert.equal("12345678901234567890.123", roundtrip("NUMERIC", "12345678901234567890.123"))
      assert.equal("42", roundtrip("NUMERIC", 42))
      assert.equal("0.1", roundtrip("NUMERIC", 0.1))  -- the shortest exact text of the double
      assert.equal("9223372036854775807", roundtrip("NUMERIC", math.maxinteger))
    end)

    it("reads timestamps, dates and the other types as text", function()
      assert.equal("2024-02-29 13:45:00.123456", roundtrip("TIMESTAMP", "2024-02-29 13:45:00.123456"))
      local row = conn:first("SELECT DATE '2024-01-02' AS d, '{\"a\": [1, 2]}'::jsonb AS j,"
        .. " '11111111-2222-3333-4444-555555555555'::uuid AS u, ARRAY[1, 2] AS a")
      assert.equal("2024-01-02", row.d)
      assert.equal('{"a": [1, 2]}', row.j)
      assert.equal("11111111-2222-3333-4444-555555555555", row.u)
      assert.equal("{1,2}", row.a)
    end)

    it("binds every Lua type into every common column type sensibly", function()
      assert(conn:execute("CREATE TABLE m (b BIGINT, i INT, t TEXT, f BOOLEAN, y BYTEA, n NUMERIC, ts TIMESTAMP)"))
      local cases = {  -- column, value, what comes back
        { "b", 42, 42 }, { "b", "42", 42 }, { "b", 2.0, 2 },
        { "i", 7, 7 }, { "i", "-7", -7 },
        { "t", 42, "42" }, { "t", 2.5, "2.5" }, { "t", "x", "x" }, { "t", true, "t" },
        { "f", true, true }, { "f", false, false }, { "f", 1, true }, { "f", "no", false },
        { "y", driver.blob("\0\1"), "\0\1" }, { "y", "\\x0001", "\0\1" },
        { "n", 10, "10" }, { "n", -1.25, "-1.25" }, { "n", "1e3", "1000" },
        { "ts", "2020-01-02 03:04:05", "2020-01-02 03:04:05" },
      }
      for _, c in ipairs(cases) do
        local col, value, want = c[1], c[2], c[3]
        assert(conn:execute("DELETE FROM m"))
        local n, msg = conn:execute("INSERT INTO m (" .. col .. ") VALUES (?)", value)
        assert(n == 1, ("%s <- %s: %s"):format(col, tostring(value), tostring(msg)))
        assert.same(want, conn:first("SELECT " .. col .. " AS v FROM m").v)
      end
      -- what makes no sense fails, with the server's reason
      local n, msg, info = conn:execute("INSERT INTO m (i) VALUES (?)", true)
      assert.is_nil(n)
      assert.equal("22P02", info.sqlstate)
      assert.matches("integer", msg)
      n, msg, info = conn:execute("INSERT INTO m (ts) VALUES (?)", 12)
      assert.is_nil(n)
      assert.equal("22007", info.sqlstate)
    end)
  end)

  describe("placeholders", function()
    it("rewrites ? outside literals, identifiers, comments and dollar bodies", function()
      local sql = [[
        SELECT ? AS p1, '?' AS lit, 'it''s ?' AS doubled, E'\'?\\' AS esc, 1 AS "col?",
               U&'?' AS uni, 2 AS "a""?", 3 AS x$y$, -- a comment ?
               /* a block ? /* nested ? */ still ? */ ? AS p2,
               $$ ? $$ AS dollar, $x$ ? $$ ? $x$ AS tagged, ?::int AS p3]]
      local stmt = assert(conn:prepare(sql))
      assert.equal(3, stmt:param_count())
      local row = assert(stmt:first("one", "two", 3))
      stmt:close()
      assert.equal("one", row.p1)
      assert.equal("two", row.p2)
      assert.equal(3, row.p3)
      assert.equal("?", row.lit)
      assert.equal("it's ?", row.doubled)
      assert.equal("'?\\", row.esc)
      assert.equal(1, row["col?"])
      assert.equal("?", row.uni)
      assert.equal(2, row['a"?'])
      assert.equal(3, row["x$y$"])
      assert.equal(" ? ", row.dollar)
      assert.equal(" ? $$ ? ", row.tagged)
    end)

    it("counts placeholders and raises when the values do not match", function()
      assert.equal(0, assert(conn:prepare("SELECT '?'")):param_count())
      assert.equal(2, assert(conn:prepare("SELECT ?, ? -- ?")):param_count())
      assert.has_error(function() conn:execute("SELECT ?", 1, 2) end,
        "statement has 1 parameters, 2 values given")
      assert.has_error(function() conn:query("SELECT ?, ?", 1) end,
        "statement has 2 parameters, 1 values given")
      assert.has_error(function() conn:execute("SELECT ?") end,
        "statement has 1 parameters, 0 values given")
      local stmt = assert(conn:prepare("SELECT ? AS v"))
      assert.has_error(function() stmt:execute() end, "statement has 1 parameters, 0 values given")
      assert.equal(5, stmt:first(5).v + 0)
      stmt:close()
    end)

    it("leaves $n alone and takes JSONB's ? operators as functions", function()
      -- $1 is no placeholder of luamig's: the server finds no value for it
      local ok, _, info = conn:execute("SELECT $1")
      assert.is_nil(ok)
      assert.equal("42P02", info.sqlstate)
      local row = conn:first("SELECT jsonb_exists(?::jsonb, ?) AS e, jsonb_exists_any(?::jsonb, ?) AS a",
        '{"k": 1}', "k", '{"k": 1}', "{z,k}")
      assert.is_true(row.e)
      assert.is_true(row.a)
    end)

    it("holds one statement per prepare", function()
      assert.has_error(function() conn:prepare("SELECT 1; SELECT 2") end,
        "more than one SQL statement (a script runs with execute and no values)")
      assert.has_error(function() conn:prepare("  -- nothing\n ; ") end, "no SQL statement to prepare")
      local stmt = assert(conn:prepare("SELECT 1 AS one; -- trailing\n"))
      assert.equal(1, stmt:first().one)
      stmt:close()
      stmt = assert(conn:prepare("SELECT ';' AS s, $$;$$ AS d"))
      assert.equal(";", stmt:first().s)
      stmt:close()
    end)
  end)

  describe("failures", function()
    it("return nil, msg, info with the SQLSTATE and the server's message", function()
      local ok, msg, info = conn:query("SELECT * FROM no_such_table")
      assert.is_nil(ok)
      assert.equal('relation "no_such_table" does not exist', msg)
      assert.equal("42P01", info.sqlstate)
      assert.equal(msg, info.message)
      assert.equal(0, info.code)
      assert.is_nil(info.detail)
    end)

    it("carry the detail of a unique violation, and the hint when there is one", function()
      assert(conn:execute("CREATE TABLE u (id INT PRIMARY KEY)"))
      assert.equal(1, conn:execute("INSERT INTO u VALUES (?)", 1))
      local ok, msg, info = conn:execute("INSERT INTO u VALUES (?)", 1)
      assert.is_nil(ok)
      assert.equal('duplicate key value violates unique constraint "u_pkey"', msg)
      assert.equal("23505", info.sqlstate)
      assert.equal("Key (id)=(1) already exists.", info.detail)
      ok, msg, info = conn:first("SELECT no_such_function(?)", 1)
      assert.is_nil(ok)
      assert.equal("42883", info.sqlstate)
      assert.matches("No function matches", info.hint)
      ok, msg, info = conn:execute("SELEC 1")
      assert.is_nil(ok)
      assert.equal("42601", info.sqlstate)
      assert.matches("syntax error", msg)
    end)

    it("raise from rows, with the message", function()
      assert.has_error(function()
        for _ in conn:rows("SELECT * FROM no_such_table") do end
      end, 'relation "no_such_table" does not exist')
    end)

    it("refuse COPY from the client and leave the connection usable", function()
      assert(conn:execute("CREATE TABLE c (x INT)"))
      local ok, msg, info = conn:execute("COPY c FROM STDIN")
      assert.is_nil(ok)
      assert.equal("0A000", info.sqlstate)
      assert.matches("COPY", msg)
      assert.equal(1, conn:first("SELECT 1 AS one").one)
    end)
  end)

  describe("scripts", function()
    it("run several statements and add up the rows changed", function()
      assert.equal(4, conn:execute([[
        CREATE TABLE s (x INT);
        INSERT INTO s VALUES (1), (2);
        SELECT * FROM s; -- rows read count nothing
        UPDATE s SET x = x + 1;
        CREATE FUNCTION s_f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
      ]]))
      assert.equal(6, conn:first("SELECT sum(x) + s_f() AS total FROM s").total)  -- 2 + 3 + 1
    end)

    it("stop at the first failing statement", function()
      assert(conn:execute("CREATE TABLE s2 (x INT)"))
      local ok, msg, info = conn:execute(
        "INSERT INTO s2 VALUES (1); INSERT INTO no_such_table VALUES (2); INSERT INTO s2 VALUES (3)")
      assert.is_nil(ok)
      assert.equal('relation "no_such_table" does not exist', msg)
      assert.equal("42P01", info.sqlstate)
      -- one simple query is one implicit transaction: nothing of it stays
      assert.equal(0, conn:first("SELECT count(*) AS n FROM s2").n)
      assert.is_false(conn:in_transaction())
    end)

    it("count rows changed by DML only", function()
      assert.equal(0, conn:execute("CREATE TABLE r (id INT GENERATED BY DEFAULT AS IDENTITY, n INT)"))
      assert.equal(3, conn:execute("INSERT INTO r (n) VALUES (?), (?), (?)", 1, 2, 3))
      assert.equal(2, conn:execute("UPDATE r SET n = n * 10 WHERE n > ?", 1))
      assert.equal(0, conn:execute("SELECT * FROM r WHERE n > ?", 0))
      assert.equal(0, conn:execute("CREATE TABLE r2 AS SELECT * FROM r"))
      assert.equal(1, conn:execute("DELETE FROM r WHERE n = ?", 1))
      assert.equal(3, conn:execute("UPDATE r2 SET n = 0"))
    end)
  end)

  describe("transactions", function()
    local function exists(name)
      return conn:first("SELECT to_regclass(?) IS NOT NULL AS e", name).e
    end

    -- A transaction that inserted a row into a new table `t`, then ran the
    -- failing statement `sql`: aborted, and still open.
    local function aborted(t, sql)
      assert(conn:execute("CREATE TABLE " .. t .. " (x INT)"))
      assert.is_true(conn:begin())
      assert.equal(1, conn:execute("INSERT INTO " .. t .. " VALUES (1)"))
      assert.is_nil(conn:execute(sql))
    end

    it("roll back DDL", function()
      assert.is_false(conn:in_transaction())
      assert.is_true(conn:begin())
      assert.is_true(conn:in_transaction())
      assert(conn:execute("CREATE TABLE tx (x INT)"))
      assert.is_true(exists("tx"))
      assert.is_true(conn:rollback())
      assert.is_false(conn:in_transaction())
      assert.is_false(exists("tx"))
    end)

    it("commit", function()
      assert.is_true(conn:begin())
      assert(conn:execute("CREATE TABLE tc (x INT)"))
      assert.equal(1, conn:execute("INSERT INTO tc VALUES (?)", 1))
      assert.is_true(conn:commit())
      assert.is_false(conn:in_transaction())
      local other = connect()
      assert.equal(1, other:first("SELECT count(*) AS n FROM tc").n)
      other:close()
    end)

    it("roll back after a failed statement", function()
      aborted("tf", "INSERT INTO no_such_table VALUES (1)")
      assert.is_true(conn:in_transaction())  -- aborted, still open
      local ok, _, info = conn:execute("INSERT INTO tf VALUES (2)")
      assert.is_nil(ok)
      assert.equal("25P02", info.sqlstate)
      assert.is_true(conn:rollback())
      assert.is_false(conn:in_transaction())
      assert.equal(0, conn:first("SELECT count(*) AS n FROM tf").n)
    end)

    it("report a COMMIT that the server turned into a rollback", function()
      aborted("tr", "SELECT 1 / 0")
      local ok, msg, info = conn:commit()
      assert.is_nil(ok)
      assert.equal("25P02", info.sqlstate)
      assert.matches("rolled the transaction back", msg)
      assert.is_false(conn:in_transaction())
      assert.is_true(conn:rollback())  -- cleaning up afterwards still works
      assert.equal(0, conn:first("SELECT count(*) AS n FROM tr").n)
    end)

    -- conn:commit() with statements queued sends them and the COMMIT in
    -- one round trip (driver.h's sync_commit): the server's own count of
    -- the session's round trips is not at hand, so what is watched is the
    -- outcome, which must be sync's then commit's (the guard's refusal,
    -- common to every backend: bind_pipeline_spec.lua).
    describe("with statements queued", function()
      -- rows of `t` as another connection sees them (committed)
      local function count(t)
        local other = connect()
        local n = other:first("SELECT count(*) AS n FROM " .. t).n
        other:close()
        return n
      end

      -- A new table `t` with the row 1 inserted in a transaction, and a
      -- prepared INSERT into it with the row 2 queued.
      local function one_queued(t)
        assert(conn:execute("CREATE TABLE " .. t .. " (x INT PRIMARY KEY)"))
        assert.is_true(conn:begin())
        assert(conn:execute("INSERT INTO " .. t .. " VALUES (1)"))
        local ins = assert(conn:prepare("INSERT INTO " .. t .. " VALUES (?)"))
        assert.is_true(ins:queue(0, 2))
        return ins
      end

      it("commits them with the transaction", function()
        local ins = one_queued("cq")
        assert.is_true(ins:queue(0, 3))
        assert.is_false(conn:quiet())  -- they wait in the pipeline
        local ok, n = conn:commit()
        assert.is_true(ok)
        assert.equal(2, n)  -- the rows they changed
        assert.is_false(conn:in_transaction())
        assert.equal(3, count("cq"))
        assert.equal(0, conn:sync())  -- nothing left to sync
        ins:close()
      end)

      it("runs no COMMIT when one of them fails: named as at a sync, nothing committed", function()
        local ins = one_queued("cf")
        assert.is_true(ins:queue(0, 1))  -- the key again
        assert.is_true(ins:queue(0, 4))
        local ok, msg, info = conn:commit()
        assert.is_nil(ok)
        assert.matches('^queued statement failed: INSERT INTO cf VALUES %(%?%) with parameters %(1%): duplicate key', msg)
        assert.is_true(info.queued)
        assert.equal("23505", info.sqlstate)
        assert.is_true(conn:in_transaction())  -- aborted, left for the rollback
        assert.is_true(conn:rollback())
        assert.equal(0, count("cf"))
        assert.equal(0, conn:sync())
        ins:close()
      end)

      it("tells a COMMIT that fails itself (a deferred constraint), not as a queued statement's", function()
        assert(conn:execute("CREATE TABLE cd (x INT, CONSTRAINT cd_x UNIQUE (x) DEFERRABLE INITIALLY DEFERRED)"))
        assert.is_true(conn:begin())
        local ins = assert(conn:prepare("INSERT INTO cd VALUES (?)"))
        assert.is_true(ins:queue(0, 7))
        assert.is_true(ins:queue(0, 7))  -- passes until the COMMIT checks
        local ok, msg, info = conn:commit()
        assert.is_nil(ok)
        assert.matches("^duplicate key value violates unique constraint \"cd_x\"", msg)
        assert.is_nil(info.queued)
        assert.equal("23505", info.sqlstate)
        assert.is_false(conn:in_transaction())
        assert.equal(0, count("cd"))
        ins:close()
      end)
    end)

    it("refuse BEGIN inside a transaction and COMMIT outside one", function()
      assert.is_true(conn:begin())
      local ok, _, info = conn:begin()
      assert.is_nil(ok)
      assert.equal("25001", info.sqlstate)
      assert.is_true(conn:commit())
      ok, _, info = conn:commit()
      assert.is_nil(ok)
      assert.equal("25P01", info.sqlstate)
    end)
  end)

  describe("the transaction guard", function()
    local refused, begin_guarded, off_unseen = guard.refused, guard.begin_guarded, guard.off_unseen

    it("refuses each statement that starts or ends a transaction, before anything runs", function()
      assert(conn:execute("CREATE TABLE g (x INT)"))
      guard.refuses_everywhere(conn, {
        ["COMMIT"] = "COMMIT",
        ["  -- done\n /* here /* nested; */ COMMIT */ commit;"] = "commit",
        ["END WORK"] = "END WORK",
        ["ABORT"] = "ABORT",
        ["BEGIN"] = "BEGIN",
        ["START TRANSACTION ISOLATION LEVEL SERIALIZABLE"] = "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        ["ROLLBACK"] = "ROLLBACK",
        ["rollback work"] = "rollback work",
        ["COMMIT AND CHAIN"] = "COMMIT AND CHAIN",
        ["PREPARE TRANSACTION 'p'"] = "PREPARE TRANSACTION 'p'",
        ["COMMIT PREPARED 'p'"] = "COMMIT PREPARED 'p'",
        ["ROLLBACK PREPARED 'p'"] = "ROLLBACK PREPARED 'p'",
        ["INSERT INTO g VALUES (2); COMMIT; INSERT INTO g VALUES (3)"] = "COMMIT",
        ["SELECT $$;$$; END"] = "END",
        ["SELECT $a$ $b$ ; $b$ $a$;\nEND"] = "END",
        ["SELECT E'\\''; COMMIT"] = "COMMIT",
        ["SELECT 'it''s'; COMMIT"] = "COMMIT",
        ["SELECT \"a\"\"b\" FROM (SELECT 1 AS \"a\"\"b\") s; COMMIT"] = "COMMIT",
        ["CREATE FUNCTION f1() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; COMMIT"] = "COMMIT",
      }, "BEGIN", function()
        assert.has_error(function() for _ in conn:rows("COMMIT") do end end, 'refused "COMMIT": a transactional'
          .. " revision runs in a transaction that luamig commits with its version row, and cannot end it itself"
          .. " (set transactional = false in the revision, or run the statement inside op.autocommit_block())")
        refused("COMMIT", conn:copy_rows("COMMIT", { "x" }, { { x = 1 } }))
      end)
    end)

    it("lets savepoints, routine bodies and words in strings and comments through", function()
      begin_guarded(conn)
      for _, sql in ipairs {
        "CREATE TABLE ga (x INT)",
        "SAVEPOINT a; INSERT INTO ga VALUES (1); ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a",
        "SAVEPOINT b; ROLLBACK TRANSACTION TO b; ROLLBACK WORK TO SAVEPOINT b; ROLLBACK TO b; RELEASE b",
        "SELECT 'COMMIT; BEGIN'", "SELECT $x$ ; COMMIT; $x$", "SELECT 1 -- ; COMMIT", "/* COMMIT */ SELECT 1",
        "SELECT 1 AS \"commit\"", "SELECT E'\\'; COMMIT'",
        "CREATE FUNCTION plus(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN i > 0 THEN i"
          .. " ELSE 0 END; SELECT i + 1; END",
        "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO ga VALUES (2); END",
        "CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COMMIT; RETURN 1; END $$",
        "PREPARE q AS SELECT 1", "EXECUTE q", "DEALLOCATE q",
      } do
        assert(conn:execute(sql))
      end
      assert.equal(3, conn:first("SELECT plus(?) AS v", 2).v)
      assert.is_true(conn:in_transaction())
      assert.is_true(conn:guard_transactions(false))
      assert.is_true(conn:rollback())
    end)

    it("reads '...' with backslash escapes when standard_conforming_strings is off", function()
      assert(conn:execute("SET standard_conforming_strings = off"))
      begin_guarded(conn)
      assert(conn:execute("SELECT 'a\\'; COMMIT; --'"))  -- one string
      refused("COMMIT", conn:execute("SELECT 'a\\''; COMMIT; SELECT 'b'"))
      assert.is_true(conn:in_transaction())
      conn:guard_transactions(false)
      assert.is_true(conn:rollback())
    end)

    -- Nothing a guarded statement can do ends PostgreSQL's transaction
    -- unseen: a procedure or a DO block cannot commit inside a transaction
    -- block. The backstop (runner/drivers/driver.h) stays quiet for them, and for
    -- a failed statement, which leaves the transaction open and aborted.
    it("leaves a failed transaction to its caller: the server refuses COMMIT in CALL and DO", function()
      assert(conn:execute("CREATE TABLE gc (x INT)"))
      assert(conn:execute("CREATE PROCEDURE gp() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO gc VALUES (1);"
        .. " COMMIT; END $$"))
      for _, sql in ipairs { "CALL gp()", "DO $$ BEGIN INSERT INTO gc VALUES (1); COMMIT; END $$" } do
        begin_guarded(conn)
        local ok, msg, info = conn:execute(sql)
        assert.is_nil(ok)
        assert.equal("invalid transaction termination", msg)
        assert.equal("2D000", info.sqlstate)
        assert.is_true(conn:in_transaction())
        off_unseen(conn)
        assert.is_true(conn:rollback())
      end
      assert.equal(0, conn:first("SELECT count(*) AS n FROM gc").n)
    end)
  end)

  describe("statements and cursors", function()
    it("run other statements while rows are read", function()
      assert(conn:execute("CREATE TABLE people (id INT PRIMARY KEY, first TEXT, last TEXT, full_name TEXT)"))
      for i = 1, 5 do
        assert(conn:execute("INSERT INTO people (id, first, last) VALUES (?, ?, ?)", i, "F" .. i, "L" .. i))
      end
      local seen = 0
      for row in conn:rows("SELECT id, first, last FROM people ORDER BY id") do
        seen = seen + 1
        assert.equal(1, conn:execute("UPDATE people SET full_name = ? WHERE id = ?",
          row.first .. " " .. row.last, row.id))
      end
      assert.equal(5, seen)
      local rows = conn:query("SELECT full_name FROM people ORDER BY id")
      assert.equal("F1 L1", rows[1].full_name)
      assert.equal("F5 L5", rows[5].full_name)
    end)

    it("prepare once, execute many times", function()
      assert(conn:execute("CREATE TABLE p (id INT, name TEXT)"))
      local ins = assert(conn:prepare("INSERT INTO p VALUES (?, ?)"))
      assert.equal(2, ins:param_count())
      for i = 1, 10 do assert.equal(1, ins:execute(i, "n" .. i)) end
      ins:close()
      local sel = assert(conn:prepare("SELECT name FROM p WHERE id = ?"))
      assert.equal("n3", sel:first(3).name)
      assert.equal("n7", sel:first(7).name)
      assert.is_nil(sel:first(99))
      local names = {}
      for row in sel:rows(10) do names[#names + 1] = row.name end
      assert.same({ "n10" }, names)
      sel:close()
    end)

    it("query returns rows and column names in order", function()
      local rows, cols = conn:query("SELECT 1 AS b, 2 AS a UNION ALL SELECT 3, 4")
      assert.same({ "b", "a" }, cols)
      assert.same({ { b = 1, a = 2 }, { b = 3, a = 4 } }, rows)
      rows, cols = conn:query("SELECT 1 AS x WHERE false")
      assert.same({}, rows)
      assert.same({ "x" }, cols)
    end)

    it("gives the last id from a sequence, 0 before any, without aborting a transaction", function()
      assert.equal(0, conn:last_insert_id())
      assert.is_true(conn:begin())
      assert.equal(0, conn:last_insert_id())
      assert.equal(1, conn:first("SELECT 1 AS one").one)  -- the transaction is fine
      assert(conn:execute("CREATE TABLE li (id BIGINT GENERATED BY DEFAULT AS IDENTITY, x INT)"))
      assert(conn:execute("INSERT INTO li (x) VALUES (?), (?)", 1, 2))
      assert.equal(2, conn:last_insert_id())
      assert.is_true(conn:commit())
      assert.equal(2, conn:last_insert_id())
    end)

    it("quotes identifiers so that they can be used", function()
      assert.equal('"order"', conn:quote_ident("order"))
      assert.equal('"my ""table"""', conn:quote_ident('my "table"'))
      local t, c = conn:quote_ident('my "table"'), conn:quote_ident("order")
      assert(conn:execute("CREATE TABLE " .. t .. " (" .. c .. " INT)"))
      assert.equal(1, conn:execute("INSERT INTO " .. t .. " (" .. c .. ") VALUES (?)", 5))
      assert.equal(5, conn:first("SELECT " .. c .. " FROM " .. t)["order"])
    end)
  end)

  describe("connecting", function()
    it("reports the server and the driver", function()
      assert.equal("postgres", conn:driver())
      assert.matches("^%d+%.%d+$", conn:server_version())
      assert.equal("UTF8", conn:first("SHOW client_encoding").client_encoding)
    end)

    it("fails on a wrong password without showing it", function()
      local wrong = "wrong-" .. sys.random_hex(8)
      local c, msg, info = driver.connect("postgres", params { password = wrong })
      assert.is_nil(c)
      assert.equal("28P01", info.sqlstate)
      assert.matches("password authentication failed", msg)
      assert.is_nil(msg:find(wrong, 1, true))
      assert.is_nil(msg:find("28P01", 1, true))  -- taken out of the text
    end)

    it("scrubs the password from libpq's messages", function()
      local secret = "s3cret-" .. sys.random_hex(6)
      local c, msg = driver.connect("postgres", params { password = secret, port = secret })
      assert.is_nil(c)
      assert.is_nil(msg:find(secret, 1, true))
      assert.matches("***", msg, 1, true)
    end)

    it("fails on a database that does not exist", function()
      local c, msg, info = driver.connect("postgres", params { database = "no_such_db_" .. sys.random_hex(4) })
      assert.is_nil(c)
      assert.equal("3D000", info.sqlstate)
      assert.matches("does not exist", msg)
    end)

    it("fails fast on a refused port", function()
      local started = sys.monotonic()
      local c, msg = driver.connect("postgres", params { host = "127.0.0.1", port = 1, connect_timeout = 2 })
      assert.is_nil(c)
      assert.matches("Connection refused", msg)
      assert.is_true(sys.monotonic() - started < 2.5)
    end)

    it("gives up after connect_timeout on a server that never answers", function()
      -- a listener that accepts nothing: the TCP handshake completes, no
      -- reply ever comes. perl exits when its pipe is closed (SIGPIPE may
      -- be ignored: then its print fails), and after 20 s in any case.
      local listener = io.popen([[perl -MIO::Socket::INET -e '
        alarm 20;
        my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => "127.0.0.1", LocalPort => 0) or die;
        $| = 1; print $s->sockport, "\n";
        while (1) { select(undef, undef, undef, 0.1); print("\n") or exit 0 }' 2>/dev/null]])
      local port = listener:read("l")
      if not port then
        listener:close()
        return pending("perl with IO::Socket::INET is needed for a silent listener")
      end
      local started = sys.monotonic()
      local c, msg = driver.connect("postgres", params { host = "127.0.0.1", port = port, connect_timeout = 2 })
      local elapsed = sys.monotonic() - started
      listener:close()
      assert.is_nil(c)
      assert.matches("timeout expired after 2 s", msg, 1, true)
      assert.is_true(elapsed >= 1.9 and elapsed < 3, "took " .. elapsed .. " s")
    end)

    it("connects through the unix socket", function()
      local dir = os.getenv("LUAMIG_TEST_PG_SOCKET")
      assert.is_string(dir)
      local c = connect { host = dir, port = os.getenv("LUAMIG_TEST_PG_PORT") }
      assert.equal(null, c:first("SELECT inet_server_addr() AS a").a)  -- not TCP
      assert.equal(dbname, c:first("SELECT current_database() AS d").d)
      c:close()
    end)

    it("passes libpq options and refuses unknown ones", function()
      local c = connect { application_name = "luamig-spec", sslmode = "disable", connect_timeout = 5 }
      assert.equal("luamig-spec", c:first("SHOW application_name").application_name)
      c:close()
      local nc, msg = driver.connect("postgres", params { colour = "red" })
      assert.is_nil(nc)
      assert.equal("postgres: unknown connection parameter 'colour'", msg)
      nc, msg = driver.connect("postgres", params { client_encoding = "LATIN1" })
      assert.is_nil(nc)
      assert.matches("client_encoding", msg)
      nc, msg = driver.connect("postgres", params { connect_timeout = "soon" })
      assert.is_nil(nc)
      assert.equal("postgres: invalid connect_timeout 'soon' (seconds)", msg)
      nc, msg = driver.connect("postgres", params { sslmode = "sometimes" })
      assert.is_nil(nc)
      assert.matches("sslmode", msg)
    end)
  end)

  describe("a lost connection", function()
    local function terminate(c)
      local pid = c:first("SELECT pg_backend_pid() AS pid").pid
      assert.is_true(admin:first("SELECT pg_terminate_backend(?::int) AS t", pid).t)
      assert.is_true(wait_gone(pid))
    end

    it("is quiet while up and idle, and not once the server ended it (no round trip to tell)", function()
      assert.is_true(conn:quiet())
      assert.is_true(conn:begin())
      assert.equal(1, conn:first("SELECT 1 AS x").x)
      assert.is_true(conn:quiet())  -- an open transaction, nothing sent since the answer
      terminate(conn)
      assert.is_false(conn:quiet())  -- the FATAL message and end of file are there to read
      assert.is_true(conn:in_transaction())  -- as libpq last heard: only a statement tells
      local ok, msg = conn:execute("SELECT 1")
      assert.is_nil(ok)
      assert.is_truthy(msg:find("terminating connection", 1, true)
        or msg:find("server closed the connection", 1, true), msg)
      assert.is_false(conn:quiet())
    end)

    it("is not quiet while a queued statement waits for its sync", function()
      assert.is_true(conn:begin())
      local stmt = assert(conn:prepare("SELECT set_config('application_name', ?, true) AS v"))
      assert.equal("quiet", stmt:first("quiet").v)
      assert.is_true(conn:quiet())
      local upd = assert(conn:prepare("CREATE TEMP TABLE quiet_t (x INT)"))
      upd:queue(1)
      assert.is_false(conn:quiet())  -- a pipeline holds the connection
      assert.equal(0, conn:sync())
      assert.is_true(conn:quiet())
      assert(conn:rollback())
    end)

    it("fails the next calls cleanly; close still works", function()
      terminate(conn)
      local ok, msg, info = conn:first("SELECT 1")
      assert.is_nil(ok)
      assert.is_truthy(msg:find("terminating connection", 1, true)
        or msg:find("server closed the connection", 1, true))
      -- the server's 57P01 when libpq read it, else connection_failure
      assert.is_truthy(info.sqlstate == "57P01" or info.sqlstate == "08006", info.sqlstate)
      ok, msg, info = conn:execute("SELECT 1")
      assert.is_nil(ok)
      assert.equal("no connection to the server", msg)
      assert.equal("08006", info.sqlstate)
      ok, msg = conn:execute("SELECT ?", 1)
      assert.is_nil(ok)
      assert.equal("no connection to the server", msg)
      assert.is_nil(conn:begin())
      assert.is_false(conn:in_transaction())
      assert.equal(0, conn:last_insert_id())
      assert.has_error(function() for _ in conn:rows("SELECT 1") do end end)
      assert.is_true(conn:close())
      assert.is_true(conn:close())
    end)

    it("inside a transaction: commit and rollback fail, nothing crashes", function()
      assert(conn:execute("CREATE TABLE lost (x INT)"))
      assert.is_true(conn:begin())
      assert.equal(1, conn:execute("INSERT INTO lost VALUES (1)"))
      terminate(conn)
      local ok, msg = conn:commit()
      assert.is_nil(ok)
      assert.is_string(msg)
      assert.is_nil(conn:rollback())
      assert.is_false(conn:in_transaction())
      local other = connect()
      assert.equal(0, other:first("SELECT count(*) AS n FROM lost").n)  -- never committed
      other:close()
    end)
  end)

  describe("notices", function()
    it("are collected, in order, and cleared when read", function()
      assert.same({}, conn:notices())
      assert(conn:execute("DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful %', 1; END $$"))
      assert.same({ "NOTICE: hello", "WARNING: careful 1" }, conn:notices())
      assert.same({}, conn:notices())
      assert(conn:execute("DROP TABLE IF EXISTS no_such_table"))
      assert.same({ 'NOTICE: table "no_such_table" does not exist, skipping' }, conn:notices())
    end)

    it("keep the last hundred", function()
      assert(conn:execute("DO $$ BEGIN FOR i IN 1..150 LOOP RAISE NOTICE 'n%', i; END LOOP; END $$"))
      local got = conn:notices()
      assert.equal(100, #got)
      assert.equal("NOTICE: n51", got[1])
      assert.equal("NOTICE: n150", got[100])
    end)
  end)

  describe("lifetime", function()
    it("close twice is harmless; methods on a closed connection raise", function()
      local c = connect()
      local stmt = assert(c:prepare("SELECT 1"))
      assert.is_true(c:close())
      assert.is_true(c:close())
      assert.has_error(function() c:execute("SELECT 1") end, "attempt to use a closed connection")
      assert.has_error(function() c:notices() end, "attempt to use a closed connection")
      assert.has_error(function() stmt:execute() end, "attempt to use a closed statement")
    end)

    it("a connection that is collected unclosed goes away on the server", function()
      local c = connect()
      local pid = c:first("SELECT pg_backend_pid() AS pid").pid
      local stmt = c:prepare("SELECT 1")
      assert.equal(1, #assert(stmt:query()))
      c, stmt = nil, nil
      collectgarbage()
      collectgarbage()
      assert.is_true(wait_gone(pid))
    end)
  end)
end)
