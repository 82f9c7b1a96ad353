-- The C binding (runner/binding/) over the SQLite driver, against real
-- SQLite databases: values round-trip exactly, objects close and raise as
-- docs/internals.md says, failures come back as nil, msg, info.

local driver = require("luamig.driver")
local guard = require("helpers.transaction_guard")

local null = driver.null

local function tmpfile()
  local path = os.tmpname()
  os.remove(path)  -- SQLite creates it
  return path
end

local function remove_db(path)
  os.remove(path)
  os.remove(path .. "-journal")
end

local function memory()
  return assert(driver.connect("sqlite", { database = ":memory:" }))
end

describe("luamig.driver #sqlite", function()
  local conn

  before_each(function() conn = memory() end)
  after_each(function() conn:close() end)

  describe("connect", function()
    it("opens a file, creating it, and :memory:", function()
      local path = tmpfile()
      local c = assert(driver.connect("sqlite", { database = path }))
      assert.equal("sqlite", c:driver())
      assert.matches("^%d+%.%d+%.%d+", c:server_version())
      assert.equal(0, c:execute("CREATE TABLE t (x INTEGER)"))
      assert.equal(1, c:execute("INSERT INTO t VALUES (?)", 42))
      c:close()
      local again = assert(driver.connect("sqlite", { database = path, mode = "rw" }))
      assert.equal(42, again:first("SELECT x FROM t").x)
      again:close()
      remove_db(path)

      local m = memory()
      assert.equal(1, m:first("SELECT 1 AS one").one)
      m:close()
    end)

    it("mode=rw does not create a missing file", function()
      local path = tmpfile()
      local c, msg, info = driver.connect("sqlite", { database = path, mode = "rw" })
      assert.is_nil(c)
      assert.matches("unable to open database file", msg)
      assert.equal(14, info.code & 0xff)  -- SQLITE_CANTOPEN
      assert.is_nil(io.open(path))
    end)

    it("accepts port as a number and ignores the network keys", function()
      local c = assert(driver.connect("sqlite", {
        database = ":memory:", host = "h", port = 5432, user = "u", password = "secret" }))
      c:close()
    end)

    it("refuses unknown parameters, modes and drivers with nil, msg", function()
      local c, msg = driver.connect("sqlite", { database = ":memory:", colour = "red" })
      assert.is_nil(c)
      assert.equal("sqlite: unknown connection parameter 'colour'", msg)
      c, msg = driver.connect("sqlite", { database = ":memory:", mode = "ro" })
      assert.is_nil(c)
      assert.equal("sqlite: invalid mode 'ro' (expected rwc or rw)", msg)
      c, msg = driver.connect("sqlite", {})
      assert.is_nil(c)
      assert.equal("sqlite: no database given", msg)
      c, msg = driver.connect("oracle", { database = "x" })
      assert.is_nil(c)
      assert.equal("unknown driver 'oracle' (luamig has: sqlite, postgres, mysql)", msg)
    end)

    it("raises on parameters that are not strings", function()
      assert.has_error(function() driver.connect("sqlite", { database = true }) end,
        "bad argument #2 to 'connect' (parameter 'database' must be a string)")
      assert.has_error(function() driver.connect("sqlite", { ":memory:" }) end,
        "bad argument #2 to 'connect' (parameter names must be strings)")
    end)

    it("lists the compiled-in drivers", function()
      -- sqlite always, first; the server drivers whose library the build found
      local names = driver.available()
      assert.equal("sqlite", names[1])
      for i = 2, #names do
        assert.is_truthy(names[i] == "postgres" or names[i] == "mysql", names[i])
      end
    end)
  end)

  describe("values", function()
    before_each(function()
      assert(conn:execute("CREATE TABLE v (id INTEGER PRIMARY KEY, x)"))
    end)

    local function roundtrip(value)
      assert.equal(1, conn:execute("INSERT INTO v (x) VALUES (?)", value))
      local row = conn:first("SELECT x, typeof(x) AS t FROM v WHERE id = ?", conn:last_insert_id())
      return row.x, row.t
    end

    -- name, the values, SQLite's storage class and Lua's number subtype for them
    for _, case in ipairs {
      { "keeps 64-bit integers exact", { math.maxinteger, math.mininteger, 0, -1, (1 << 53) + 1 }, "integer", "integer" },
      { "keeps floats as floats", { 0.5, -1.25e-300, 1.7976931348623157e308, 1.0, 2^53 }, "real", "float" },
    } do
      it(case[1], function()
        for _, n in ipairs(case[2]) do
          local x, t = roundtrip(n)
          assert.equal(case[3], t)
          assert.equal(case[4], math.type(x))
          assert.equal(n, x)
        end
      end)
    end

    it("binds booleans as 1 and 0", function()
      assert.same({ 1, "integer" }, { roundtrip(true) })
      assert.same({ 0, "integer" }, { roundtrip(false) })
    end)

    it("tells the empty string from NULL", function()
      local x, t = roundtrip("")
      assert.equal("", x)
      assert.equal("text", t)
      x, t = roundtrip(nil)
      assert.equal(null, x)
      assert.equal("null", t)
      x, t = roundtrip(null)
      assert.equal(null, x)
      assert.equal("null", t)
    end)

    it("keeps non-ASCII text and text with zero bytes", function()
      local s = "héllo – 日本語 🙂"
      local x, t = roundtrip(s)
      assert.equal(s, x)
      assert.equal("text", t)
      x = roundtrip("a\0b")
      assert.equal("a\0b", x)
    end)

    it("binds blobs, zero bytes included, and reads them as strings", function()
      local bytes = "\0\1\2\255\0end"
      local b = driver.blob(bytes)
      assert.equal(bytes, tostring(b))
      assert.equal(#bytes, #b)
      local x, t = roundtrip(b)
      assert.equal("blob", t)
      assert.equal(bytes, x)
      x, t = roundtrip(driver.blob(""))
      assert.equal("blob", t)
      assert.equal("", x)
    end)

    it("puts null in rows so that they have no holes", function()
      local row = conn:first("SELECT NULL AS a, 1 AS b")
      assert.equal(null, row.a)
      assert.equal("null", tostring(row.a))
      local keys = {}
      for k in pairs(row) do keys[#keys + 1] = k end
      table.sort(keys)
      assert.same({ "a", "b" }, keys)
    end)

    it("raises on a value it cannot bind, naming the argument", function()
      assert.has_error(function() conn:execute("INSERT INTO v (x) VALUES (?)", {}) end,
        "bad argument #2 to 'execute' (cannot bind a table)")
      assert.has_error(function() conn:query("SELECT ?, ?", 1, print) end,
        "bad argument #3 to 'query' (cannot bind a function)")
      assert.has_error(function() conn:first("SELECT ?", coroutine.create(print)) end,
        "bad argument #2 to 'first' (cannot bind a thread)")
      assert.has_error(function() conn:rows("SELECT ?", io.stdout) end,
        "bad argument #2 to 'rows' (cannot bind a userdata)")
    end)

    it("raises when the number of values is not the parameter count", function()
      assert.has_error(function() conn:execute("INSERT INTO v (id, x) VALUES (?, ?)", 1) end,
        "statement has 2 parameters, 1 values given")
      assert.has_error(function() conn:query("SELECT 1", 1) end,
        "statement has 0 parameters, 1 values given")
      assert.has_error(function() conn:first("SELECT ?") end,
        "statement has 1 parameters, 0 values given")
      assert.has_error(function() conn:execute("INSERT INTO v (x) VALUES (?)") end,
        "statement has 1 parameters, 0 values given")
      assert.has_error(function() for _ in conn:rows("SELECT ?, ?", 1, 2, 3) do end end,
        "statement has 2 parameters, 3 values given")
      -- the error points at the caller's line
      local ok, err = pcall(function() return conn:first("SELECT ?") end)
      assert.is_false(ok)
      assert.matches("driver_binding_spec%.lua:%d+: statement has", err)
      assert.equal(0, conn:first("SELECT count(*) AS n FROM v").n)
    end)
  end)

  describe("results", function()
    before_each(function()
      assert(conn:execute([[
        CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        INSERT INTO t (name) VALUES ('a'), ('b'), ('c');
      ]]))
    end)

    it("prefetch is a hint SQLite takes as nothing: each query runs when asked", function()
      assert.is_true(conn:prefetch({ "SELECT count(*) AS n FROM t" }))
      assert(conn:execute("INSERT INTO t (name) VALUES ('d')"))
      assert.same({ { n = 4 } }, assert(conn:query("SELECT count(*) AS n FROM t")))
      assert.has_error(function() conn:prefetch({ false }) end,
        "bad argument #1 to 'prefetch' (a list of SQL strings expected)")
    end)

    it("query returns rows and column names in order", function()
      local rows, columns = conn:query("SELECT id, name FROM t WHERE id >= ? ORDER BY id", 2)
      assert.same({ { id = 2, name = "b" }, { id = 3, name = "c" } }, rows)
      assert.same({ "id", "name" }, columns)
      rows, columns = conn:query("SELECT name AS n FROM t WHERE id > 10")
      assert.same({}, rows)
      assert.same({ "n" }, columns)
    end)

    it("first returns the first row, or nil without an error", function()
      assert.same({ name = "a" }, conn:first("SELECT name FROM t ORDER BY id"))
      local row, err = conn:first("SELECT name FROM t WHERE id = ?", 99)
      assert.is_nil(row)
      assert.is_nil(err)
    end)

    it("execute counts the rows changed, and 0 for DDL after DML", function()
      assert.equal(2, conn:execute("UPDATE t SET name = name || '!' WHERE id <= ?", 2))
      assert.equal(0, conn:execute("CREATE TABLE u (x)"))
      assert.equal(0, conn:execute("SELECT * FROM t WHERE id = ?", 1))
      assert.equal(3, conn:execute("DELETE FROM t"))
    end)

    it("last_insert_id is the rowid of the last insert", function()
      conn:execute("INSERT INTO t (name) VALUES (?)", "d")
      assert.equal(4, conn:last_insert_id())
      conn:execute("INSERT INTO t (id, name) VALUES (?, ?)", math.maxinteger, "e")
      assert.equal(math.maxinteger, conn:last_insert_id())
    end)

    it("runs several statements when execute has no values", function()
      local n = assert(conn:execute([[
        INSERT INTO t (name) VALUES ('x');  -- one
        /* two */ UPDATE t SET name = name || '?' WHERE name IN ('a', 'b');
        CREATE TABLE w (y);
      ]]))
      assert.equal(3, n)
      assert.equal(4, conn:first("SELECT count(*) AS n FROM t").n)
      assert.same({ { name = "a?" }, { name = "b?" } },
        (conn:query("SELECT name FROM t WHERE name LIKE '%?' ORDER BY name")))
      assert.same({}, (conn:query("SELECT * FROM w")))
      assert.equal(0, conn:execute("  -- nothing but a comment\n;  "))
    end)

    it("stops a script at the failing statement and returns nil, msg, info", function()
      local n, msg, info = conn:execute("INSERT INTO t (name) VALUES ('z'); INSERT INTO nope VALUES (1); INSERT INTO t (name) VALUES ('never')")
      assert.is_nil(n)
      assert.equal("no such table: nope", msg)
      assert.equal(1, info.code)
      assert.equal(1, conn:first("SELECT count(*) AS n FROM t WHERE name = 'z'").n)
      assert.is_nil(conn:first("SELECT 1 AS one FROM t WHERE name = 'never'"))
    end)

    it("returns nil, msg, info on SQL errors, with the driver's code", function()
      local rows, msg, info = conn:query("SELECT * FROM nope")
      assert.is_nil(rows)
      assert.equal("no such table: nope", msg)
      assert.same({ code = 1, message = "no such table: nope" }, info)

      local n
      n, msg, info = conn:execute("INSERT INTO t (name) VALUES (?)", "a")
      assert.is_nil(n)
      assert.equal("UNIQUE constraint failed: t.name", msg)
      assert.equal(2067, info.code)  -- SQLITE_CONSTRAINT_UNIQUE
      assert.is_nil(info.sqlstate)

      local row
      row, msg, info = conn:first("SELECT abs(?) AS x", math.mininteger)  -- fails while stepping
      assert.is_nil(row)
      assert.equal("integer overflow", msg)
      assert.equal(1, info.code)

      local stmt
      stmt, msg, info = conn:prepare("SELEC 1")
      assert.is_nil(stmt)
      assert.matches("syntax error", msg)
      assert.equal(1, info.code)
    end)
  end)

  describe("rows", function()
    before_each(function()
      assert(conn:execute("CREATE TABLE r (i INTEGER); INSERT INTO r VALUES (1), (2), (3), (4)"))
    end)

    it("iterates over every row", function()
      local seen = {}
      for row in conn:rows("SELECT i FROM r WHERE i > ? ORDER BY i", 1) do seen[#seen + 1] = row.i end
      assert.same({ 2, 3, 4 }, seen)
    end)

    it("keys every row of a result by its columns' names, the last of a repeated name winning", function()
      local sql = "SELECT i, i * 10 AS x, i * 100 AS x, NULL AS n FROM r ORDER BY i"
      local want = {}
      for i = 1, 4 do want[i] = { i = i, x = i * 100, n = null } end
      assert.same(want, (conn:query(sql)))
      assert.same(want[1], conn:first(sql))
      local got = {}
      for row in conn:rows(sql) do got[#got + 1] = row end
      assert.same(want, got)
      -- one statement, two results with other names: each cursor its own keys
      local st = assert(conn:prepare("SELECT i AS a, ? AS b FROM r WHERE i <= 2 ORDER BY i"))
      local first, second = {}, {}
      for row in st:rows("p") do first[#first + 1] = row end
      for row in st:rows(7) do second[#second + 1] = row end
      st:close()
      assert.same({ { a = 1, b = "p" }, { a = 2, b = "p" } }, first)
      assert.same({ { a = 1, b = 7 }, { a = 2, b = 7 } }, second)
      for row in conn:rows("SELECT i AS y FROM r WHERE i = 3") do assert.same({ y = 3 }, row) end
    end)

    it("returns iterator, state, nil and the to-be-closed cursor", function()
      local f, s, ctl, cursor = conn:rows("SELECT i FROM r ORDER BY i")
      assert.is_function(f)
      assert.equal(cursor, s)
      assert.is_nil(ctl)
      assert.matches("^luamig.Cursor", tostring(cursor))
      assert.equal(1, f(s).i)
      assert.is_true(cursor:close())
      assert.is_true(cursor:close())
      assert.equal("luamig.Cursor (closed)", tostring(cursor))
      assert.has_error(function() f(s) end, "attempt to use a closed cursor")
    end)

    it("closes the cursor when the loop breaks, so the table can be dropped", function()
      for row in conn:rows("SELECT i FROM r") do
        if row.i == 2 then break end
      end
      assert.equal(0, conn:execute("DROP TABLE r"))
    end)

    it("closes the cursor when the loop body raises", function()
      assert.has_error(function()
        for _ in conn:rows("SELECT i FROM r") do error("boom", 0) end
      end, "boom")
      assert.equal(0, conn:execute("DROP TABLE r"))
    end)

    it("raises when a row cannot be stepped, closing the cursor", function()
      assert(conn:execute("INSERT INTO r VALUES (?)", math.mininteger))
      local seen = 0
      assert.has_error(function()
        for _ in conn:rows("SELECT abs(i) AS a FROM r") do seen = seen + 1 end
      end, "integer overflow")
      assert.equal(4, seen)
      assert.equal(0, conn:execute("DROP TABLE r"))
    end)

    it("raises when the SQL is wrong (a for cannot take nil, err)", function()
      assert.has_error(function() for _ in conn:rows("SELECT * FROM nope") do end end,
        "no such table: nope")
    end)
  end)

  describe("prepared statements", function()
    before_each(function()
      assert(conn:execute("CREATE TABLE p (k TEXT, v INTEGER)"))
    end)

    it("can be executed again and again", function()
      local stmt = assert(conn:prepare("INSERT INTO p VALUES (?, ?)"))
      assert.equal(2, stmt:param_count())
      for i = 1, 5 do assert.equal(1, stmt:execute("k" .. i, i * i)) end
      assert.is_true(stmt:close())
      local sel = assert(conn:prepare("SELECT v FROM p WHERE k = ?"))
      assert.same({ { v = 9 } }, (sel:query("k3")))
      assert.same({ { v = 16 } }, (sel:query("k4")))
      assert.same({ v = 25 }, sel:first("k5"))
      assert.is_nil(sel:first("k6"))
      local seen = {}
      for row in sel:rows("k1") do seen[#seen + 1] = row.v end
      assert.same({ 1 }, seen)
      sel:close()
    end)

    it("closes on leaving a <close> block", function()
      local stmt
      do
        local s <close> = assert(conn:prepare("SELECT count(*) AS n FROM p"))
        stmt = s
        assert.equal(0, s:first().n)
      end
      assert.equal("luamig.Statement (closed)", tostring(stmt))
      assert.has_error(function() stmt:execute() end, "attempt to use a closed statement")
    end)

    it("ends the cursor of a statement executed again", function()
      assert(conn:execute("INSERT INTO p VALUES ('a', 1), ('b', 2)"))
      local stmt = assert(conn:prepare("SELECT v FROM p ORDER BY v"))
      local f, s = stmt:rows()
      assert.equal(1, f(s).v)
      assert.same({ { v = 1 }, { v = 2 } }, (stmt:query()))
      assert.has_error(function() f(s) end, "attempt to use a closed cursor")
      stmt:close()
    end)

    it("holds one statement only", function()
      assert.has_error(function() conn:prepare("SELECT 1; SELECT 2") end,
        "more than one SQL statement (a script runs with execute and no values)")
      assert.has_error(function() conn:prepare("  -- nothing\n") end, "no SQL statement to prepare")
      local stmt = assert(conn:prepare("SELECT 1 AS one; -- trailing comment\n;"))
      assert.equal(1, stmt:first().one)
      stmt:close()
    end)

    it("keeps its connection alive", function()
      local stmt = assert(memory():prepare("SELECT 7 AS seven"))
      collectgarbage()
      collectgarbage()
      assert.equal(7, stmt:first().seven)
      stmt:close()
    end)
  end)

  describe("transactions", function()
    before_each(function()
      assert(conn:execute("CREATE TABLE x (n INTEGER)"))
    end)

    local function count() return conn:first("SELECT count(*) AS n FROM x").n end

    it("commit keeps the changes", function()
      assert.is_false(conn:in_transaction())
      assert.is_true(conn:begin())
      assert.is_true(conn:in_transaction())
      conn:execute("INSERT INTO x VALUES (?)", 1)
      assert.is_true(conn:commit())
      assert.is_false(conn:in_transaction())
      assert.equal(1, count())
    end)

    it("rollback undoes them, DDL included", function()
      assert.is_true(conn:begin())
      conn:execute("INSERT INTO x VALUES (?)", 1)
      conn:execute("CREATE TABLE y (z)")
      assert.is_true(conn:rollback())
      assert.is_false(conn:in_transaction())
      assert.equal(0, count())
      assert.is_nil((conn:query("SELECT * FROM y")))
    end)

    it("returns nil, msg, info when there is nothing to commit or roll back", function()
      local ok, msg, info = conn:commit()
      assert.is_nil(ok)
      assert.equal("cannot commit - no transaction is active", msg)
      assert.equal(1, info.code)
      ok, msg = conn:rollback()
      assert.is_nil(ok)
      assert.equal("cannot rollback - no transaction is active", msg)
      assert.is_true(conn:begin())
      ok, msg = conn:begin()
      assert.is_nil(ok)
      assert.equal("cannot start a transaction within a transaction", msg)
      assert.is_true(conn:rollback())
    end)
  end)

  describe("the transaction guard", function()
    before_each(function()
      assert(conn:execute("CREATE TABLE x (n INTEGER UNIQUE)"))
      assert(conn:execute("INSERT INTO x VALUES (0)"))
    end)

    local function count() return conn:first("SELECT count(*) AS n FROM x").n end
    -- SQLite's refusal also says what to do instead: the binding writes
    -- that part of the message for every driver.
    local function refused(named, ok, msg, info)
      guard.refused(named, ok, msg, info)
      assert.matches("set transactional = false in the revision, or run the statement inside"
        .. " op.autocommit_block()", msg, 1, true)
    end

    it("refuses what SQLite's parser calls transaction control, on every path", function()
      local prepared = assert(conn:prepare("COMMIT"))  -- prepared before: refused when run
      assert.is_true(conn:begin())
      assert.is_false(conn:guard_transactions(true))
      assert.equal(1, conn:execute("INSERT INTO x VALUES (?)", 1))
      refused("COMMIT", conn:execute("COMMIT"))
      refused("commit", conn:execute("  -- done\n /* here */ commit;"))
      refused("END TRANSACTION", conn:execute("END TRANSACTION"))
      refused("BEGIN IMMEDIATE", conn:execute("BEGIN IMMEDIATE"))
      refused("ROLLBACK", conn:execute("ROLLBACK"))
      refused("ROLLBACK", conn:query("ROLLBACK"))
      refused("COMMIT", conn:first("COMMIT"))
      refused("COMMIT", prepared:execute())
      refused("COMMIT", conn:prepare("COMMIT"):execute())
      assert.has_error(function() for _ in conn:rows("COMMIT") do end end)
      refused("COMMIT", conn:execute("INSERT INTO x VALUES (2); COMMIT; INSERT INTO x VALUES (3)"))
      refused("BEGIN", conn:begin())
      refused("COMMIT", conn:commit())
      refused("ROLLBACK", conn:rollback())
      -- savepoints, and words in strings, are fine
      assert(conn:execute("SAVEPOINT a; INSERT INTO x VALUES (4); ROLLBACK TO a; RELEASE a"))
      assert.equal("COMMIT; BEGIN", conn:first("SELECT 'COMMIT; BEGIN' AS t").t)
      assert.is_true(conn:in_transaction())
      assert.is_true(conn:guard_transactions(false))
      assert.equal(3, count())  -- 0, 1 and the 2 of the script's first statement
      assert.is_true(conn:rollback())
      assert.equal(1, count())
    end)

    it("fails a statement after which the transaction is over, and everything after it", function()
      assert(conn:execute("SAVEPOINT outer"))  -- a transaction that RELEASE commits
      conn:guard_transactions(true)
      assert.equal(1, conn:execute("INSERT INTO x VALUES (1)"))
      local ok, msg, info = conn:execute("RELEASE outer")
      assert.is_nil(ok)
      assert.equal('"RELEASE outer" ended the revision\'s transaction: what the revision did before it may be'
        .. " committed (set transactional = false in the revision, or run the statement inside"
        .. " op.autocommit_block())", msg)
      assert.equal("2D000", info.sqlstate)
      assert.is_false(conn:in_transaction())
      ok, msg = conn:execute("INSERT INTO x VALUES (2)")
      assert.is_nil(ok)
      assert.matches('^the revision\'s transaction was ended by "RELEASE outer", so nothing more runs in it', msg)
      local before, ended, rolled_back = conn:guard_transactions(false)
      assert.is_true(before)
      assert.matches('ended by "RELEASE outer"', ended, 1, true)
      assert.is_false(rolled_back)
      assert.equal(2, count())  -- the insert before RELEASE is committed; the one after never ran
      assert.equal(1, conn:execute("INSERT INTO x VALUES (3)"))  -- off: no longer refused
    end)

    it("trips on a failing statement that rolled the transaction back, keeping its error", function()
      assert.is_true(conn:begin())
      conn:guard_transactions(true)
      assert.equal(1, conn:execute("INSERT INTO x VALUES (5)"))
      local ok, msg = conn:execute("INSERT OR ROLLBACK INTO x VALUES (0)")
      assert.is_nil(ok)
      assert.equal("UNIQUE constraint failed: x.n", msg)
      assert.is_false(conn:in_transaction())
      ok, msg = conn:execute("SELECT 1")
      assert.is_nil(ok)
      local said = 'the revision\'s transaction was rolled back by the database when'
        .. ' "INSERT OR ROLLBACK INTO x VALUES (0)" failed, so nothing more runs in it'
      assert.equal(said, msg)
      local before, ended, rolled_back = conn:guard_transactions(false)
      assert.is_true(before)
      assert.equal(said, ended)
      assert.is_true(rolled_back)
      assert.equal(0, conn:first("SELECT count(*) AS n FROM x WHERE n = 5").n)  -- the rollback took it back
    end)

    it("names a long statement by its start, cut between two characters", function()
      assert.is_true(conn:begin())
      conn:guard_transactions(true)
      local _, msg = conn:execute("COMMIT   -- " .. string.rep("\u{e9}", 100))
      local named = msg:match('^refused "(.-)": ')
      assert.equal("COMMIT -- ", named:sub(1, 10))
      assert.equal("...", named:sub(-3))
      assert.equal("", (named:sub(11, -4):gsub("\u{e9}", "")))
      assert.is_true(#named <= 99)
      assert.is_not_nil(utf8.len(msg))
      conn:guard_transactions(false)
    end)

    it("is off by default and when turned off; its argument is a boolean", function()
      assert.is_false(conn:guard_transactions(false))
      assert.is_true(conn:begin())
      assert(conn:execute("COMMIT"))
      assert.has_error(function() conn:guard_transactions("yes") end)
      assert.has_error(function() conn:guard_transactions() end)
    end)
  end)

  -- bulk_insert's SQLite path: the rows written as typed values and run
  -- through one prepared INSERT on the binding's thread (driver.h's
  -- insert_rows), the load open until another call or bulk_end.
  describe("bulk_rows (insert_rows on a thread)", function()
    local INSERT = "INSERT INTO t (id, s, f, b, ok) VALUES (?, ?, ?, ?, ?)"
    local COLUMNS = { "id", "s", "f", "b", "ok" }
    local function rows(from, to)
      local out = {}
      for i = from, to do
        out[#out + 1] = { id = i, s = i % 10 == 0 and null or ("text " .. i .. string.rep("x", i % 300)),
          f = i + 0.5, b = driver.blob("\0" .. i), ok = i % 2 == 0 }
      end
      return out
    end

    before_each(function()
      assert(conn:execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, f REAL, b BLOB, ok INTEGER)"))
    end)

    it("stores every value of rows handed over in several calls, as they were", function()
      assert(conn:begin())
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(1, 3000), 1, 3000, 0))
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(3001, 5000), 1, 2000, 3000))
      assert.same({ 5000, 0 }, { conn:bulk_end() })
      assert(conn:commit())
      local got = assert(conn:query("SELECT id, s, f, b, ok FROM t ORDER BY id"))
      assert.equal(5000, #got)
      for i, row in ipairs(got) do
        assert.equal(i, row.id)
        assert.equal(i % 10 == 0 and null or ("text " .. i .. string.rep("x", i % 300)), row.s)
        assert.equal(i + 0.5, row.f)
        assert.equal("\0" .. i, tostring(row.b))
        assert.equal(i % 2 == 0 and 1 or 0, row.ok)
      end
    end)

    it("ends the load before another call, which sees its rows", function()
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(1, 100), 1, 100, 0))
      assert.equal(100, assert(conn:first("SELECT COUNT(*) AS n FROM t")).n)
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(101, 150), 1, 50, 100))
      assert.same({ 150, 0 }, { conn:bulk_end() })
    end)

    it("names the row the INSERT refuses, counting from the load's first row", function()
      assert(conn:begin())
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(1, 1000), 1, 1000, 0))
      local again = rows(1001, 2000)
      again[700].id = 5  -- row 1700 of the load
      local ok, msg = conn:bulk_rows(INSERT, COLUMNS, again, 1, 1000, 1000)
      if ok then ok, msg = conn:bulk_end() end
      assert.is_nil(ok)
      assert.equal("row 1700: UNIQUE constraint failed: t.id", msg)
      assert(conn:rollback())
      assert.equal(0, assert(conn:first("SELECT COUNT(*) AS n FROM t")).n)
    end)

    it("gives the load up on bulk_end(true), and refuses a statement that does not fit the rows", function()
      assert(conn:begin())
      assert.is_true(conn:bulk_rows(INSERT, COLUMNS, rows(1, 10), 1, 10, 0))
      assert.same({ 0, 0 }, { conn:bulk_end(true) })
      assert(conn:rollback())
      assert.equal(0, assert(conn:first("SELECT COUNT(*) AS n FROM t")).n)
      assert.is_true(conn:bulk_rows("INSERT INTO t (id) VALUES (?)", COLUMNS, rows(1, 10), 1, 10, 0))
      local ok, msg = conn:bulk_end()
      assert.is_nil(ok)
      assert.matches("insert_rows: the statement must take 5 values and return no rows", msg, 1, true)
      assert.equal(0, assert(conn:first("SELECT COUNT(*) AS n FROM t")).n)
    end)
  end)

  describe("quote_ident", function()
    it("quotes reserved words and quotes so that they work in DDL", function()
      local order, weird = conn:quote_ident("order"), conn:quote_ident('my "table"')
      assert.equal('"order"', order)
      assert.equal('"my ""table"""', weird)
      assert(conn:execute(("CREATE TABLE %s (%s INTEGER)"):format(weird, order)))
      assert(conn:execute(("INSERT INTO %s (%s) VALUES (?)"):format(weird, order), 5))
      assert.same({ { order = 5 } }, (conn:query(("SELECT %s FROM %s"):format(order, weird))))
      assert.equal(1, conn:first("SELECT count(*) AS n FROM sqlite_master WHERE name = ?", 'my "table"').n)
    end)

    it("raises on an empty name or a zero byte", function()
      assert.has_error(function() conn:quote_ident("") end,
        "bad argument #1 to 'quote_ident' (identifier is empty)")
      assert.has_error(function() conn:quote_ident("a\0b") end,
        "bad argument #1 to 'quote_ident' (identifier contains a zero byte)")
    end)
  end)

  describe("closing", function()
    it("close() twice is harmless", function()
      local c = memory()
      assert.is_true(c:close())
      assert.is_true(c:close())
      assert.equal("luamig.Connection (closed)", tostring(c))
    end)

    it("any other method on a closed connection raises", function()
      local c = memory()
      c:close()
      local calls = {
        function() c:execute("SELECT 1") end,
        function() c:query("SELECT 1") end,
        function() c:first("SELECT 1") end,
        function() c:rows("SELECT 1") end,
        function() c:prepare("SELECT 1") end,
        function() c:begin() end,
        function() c:commit() end,
        function() c:rollback() end,
        function() c:in_transaction() end,
        function() c:quote_ident("a") end,
        function() c:server_version() end,
        function() c:driver() end,
        function() c:last_insert_id() end,
      }
      for _, call in ipairs(calls) do
        assert.has_error(call, "attempt to use a closed connection")
      end
    end)

    it("closing the connection closes its statements and cursors", function()
      local c = memory()
      assert(c:execute("CREATE TABLE t (i); INSERT INTO t VALUES (1), (2)"))
      local stmt = assert(c:prepare("SELECT i FROM t"))
      local f, s = c:rows("SELECT i FROM t")
      assert.equal(1, f(s).i)
      c:close()
      assert.has_error(function() stmt:query() end, "attempt to use a closed statement")
      assert.has_error(function() f(s) end, "attempt to use a closed cursor")
      assert.is_true(stmt:close())
    end)

    it("a <close> connection closes at the end of its block", function()
      local outer
      do
        local c <close> = memory()
        outer = c
        assert.is_false(c:in_transaction())
      end
      assert.has_error(function() outer:in_transaction() end, "attempt to use a closed connection")
    end)

    it("garbage collection closes a forgotten connection, unlocking its file", function()
      local path = tmpfile()
      do
        local c = assert(driver.connect("sqlite", { database = path }))
        assert(c:execute("CREATE TABLE t (i)"))
        assert(c:begin())
        assert(c:execute("INSERT INTO t VALUES (?)", 1))  -- holds the write lock
        local other = assert(driver.connect("sqlite", { database = path, busy_timeout = "0" }))
        local ok, msg = other:execute("INSERT INTO t VALUES (?)", 2)
        assert.is_nil(ok)
        assert.equal("database is locked", msg)
        other:close()
      end
      collectgarbage()
      collectgarbage()
      local other = assert(driver.connect("sqlite", { database = path, busy_timeout = "0" }))
      assert.equal(1, other:execute("INSERT INTO t VALUES (?)", 2))
      assert.same({ { i = 2 } }, (other:query("SELECT i FROM t")))  -- the open transaction rolled back
      other:close()
      remove_db(path)
    end)
  end)
end)
