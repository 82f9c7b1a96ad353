-- The connection a revision gets from op.get_bind(), on every backend:
-- every method, values that must come back exactly, rows() streaming with
-- statements run between two rows, nested savepoints, errors that raise.
local backends = require("helpers.backends")
local bind = require("luamig.context.bind")
local driver = require("luamig.driver")
local ddl = require("luamig.ddl")

local null = driver.null

local DDL = {
  sqlite = "CREATE TABLE v (id INTEGER PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, b BOOLEAN, t TEXT, d NUMERIC(10, 2), bin BLOB)",
  postgres = "CREATE TABLE v (id SERIAL PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, b BOOLEAN, t TEXT, d NUMERIC(10, 2), bin BYTEA)",
  mysql = "CREATE TABLE v (id INT AUTO_INCREMENT PRIMARY KEY, i BIGINT, f DOUBLE, b BOOLEAN, t TEXT, d DECIMAL(10, 2), bin BLOB)",
}

backends.each("op.get_bind()", function(b)
  local url, conn, db
  before_each(function()
    url = b:new_database()
    conn = b:connect(url)
    assert(conn:execute(DDL[b.tag]))
    assert(conn:begin())
    db = bind.new(conn, ddl.dialect(b.driver))
  end)
  after_each(function()
    if conn:in_transaction() then conn:rollback() end
    conn:close()
    backends.cleanup()
  end)

  it("gives values back exactly: 64-bit integers, floats, text, bytes, NULL", function()
    local bytes = "a\0b\0\255"
    local rows = {
      { math.maxinteger, 1.5, true, "héllo ✓", "12.50", driver.blob(bytes) },
      { math.mininteger, -0.25, false, "", "-0.01", driver.blob("") },
      { null, null, null, null, null, null },
    }
    for _, r in ipairs(rows) do
      assert.equal(1, db:execute("INSERT INTO v (i, f, b, t, d, bin) VALUES (?, ?, ?, ?, ?, ?)", table.unpack(r, 1, 6)))
    end
    local got = db:query("SELECT i, f, b, t, d, bin FROM v ORDER BY id")
    assert.equal(3, #got)
    assert.equal(math.maxinteger, got[1].i)
    assert.equal(math.mininteger, got[2].i)
    assert.equal(1.5, got[1].f)
    assert.equal(-0.25, got[2].f)
    local yes = got[1].b
    assert.is_true(yes == true or yes == 1)
    assert.is_true(got[2].b == false or got[2].b == 0)
    assert.equal("héllo ✓", got[1].t)
    assert.equal("", got[2].t)           -- empty text is not NULL
    if b.tag == "sqlite" then
      assert.equal(12.5, got[1].d)       -- SQLite has no decimal type: NUMERIC is a number
    else
      assert.equal("12.50", got[1].d)    -- DECIMAL as a string, exactly
      assert.equal("-0.01", got[2].d)
    end
    assert.equal(bytes, got[1].bin)
    assert.equal("", got[2].bin)
    for _, col in ipairs { "i", "f", "b", "t", "d", "bin" } do
      assert.equal(null, got[3][col], col .. " of the NULL row")
    end
  end)

  it('reads DECIMAL/NUMERIC as numbers with decimals = "number", in that bind only', function()
    local big = "123456789012345678.25"
    for _, d in ipairs { "12.50", "-3.00", big } do
      if b.tag ~= "sqlite" then
        -- a wider column for the big one; SQLite stores what it is given
        assert(conn:execute(b.tag == "mysql" and "ALTER TABLE v MODIFY d DECIMAL(30, 2)"
          or "ALTER TABLE v ALTER COLUMN d TYPE NUMERIC(30, 2)"))
      end
      db:execute("INSERT INTO v (d) VALUES (?)", d)
    end
    local num = bind.new(conn, ddl.dialect(b.driver), "number")
    local sql = "SELECT d FROM v ORDER BY id"
    local function column(rows) local t = {}; for i, r in ipairs(rows) do t[i] = r.d end; return t end
    local function streamed(d) local t = {}; for r in d:rows(sql) do t[#t + 1] = r.d end; return t end
    local numbers = column(num:query(sql))
    assert.equal(12.5, numbers[1])
    assert.equal(-3, numbers[2])
    assert.equal(123456789012345678.25, numbers[3]) -- the nearest double
    assert.same(numbers, streamed(num))
    assert.same(numbers, column(num:prepare(sql):query()))
    assert.equal(12.5, num:first(sql).d)
    if b.tag == "sqlite" then
      assert.same(numbers, column(db:query(sql))) -- no decimal type: numbers either way
    else
      -- the default bind, and luamig's own statements, still get the digits
      local digits = { "12.50", "-3.00", big }
      assert.same(digits, column(db:query(sql)))
      assert.same(digits, streamed(db))
      assert.equal("string", conn:decimals())
      -- put back even when the call raises
      assert.error_matches(function() num:query(sql .. " LIMIT ?", function() end) end, "function")
      assert.equal("string", conn:decimals())
      assert.same(digits, column(db:query(sql)))
      -- exact integers stay integers; NULL stays null
      db:execute("INSERT INTO v (d) VALUES (NULL)")
      local n = num:first("SELECT CAST(42 AS DECIMAL(10, 0)) AS n").n
      assert.equal("integer", math.type(n))
      assert.equal(42, n)
      assert.equal(null, num:query(sql)[4].d)
      if b.tag == "postgres" then
        local nan = num:first("SELECT 'NaN'::numeric AS x").x
        assert.is_true(nan ~= nan)
      else
        -- an unsigned BIGINT past 2^63-1 comes as digits, or as a float
        local u = "SELECT CAST(18446744073709551615 AS UNSIGNED) AS u"
        assert.equal("18446744073709551615", db:first(u).u)
        assert.equal(18446744073709551615.0, num:first(u).u)
      end
    end
  end)

  it("has execute, query, first, prepare and last_insert_id", function()
    local stmt = db:prepare("INSERT INTO v (i, t) VALUES (?, ?)")
    for k = 1, 5 do assert.equal(1, stmt:execute(k, "row " .. k)) end
    stmt:close()
    local id = db:last_insert_id()
    if b.tag ~= "postgres" then
      assert.equal(5, id)
    end
    assert.equal(3, db:execute("UPDATE v SET t = 'x' WHERE i > ?", 2))
    assert.equal("row 2", db:first("SELECT t FROM v WHERE i = ?", 2).t)
    assert.is_nil(db:first("SELECT t FROM v WHERE i = ?", 99))
    local rows, columns = db:query("SELECT i, t FROM v ORDER BY i")
    assert.equal(5, #rows)
    assert.same({ "i", "t" }, columns)
  end)

  it("streams rows while other statements run between them", function()
    local n = 3000 -- more than one PostgreSQL cursor batch
    local ins = db:prepare("INSERT INTO v (i, t) VALUES (?, ?)")
    for k = 1, n do ins:execute(k, "v" .. k) end
    ins:close()
    local seen, sum = 0, 0
    local open_cursors
    for row in db:rows("SELECT i FROM v WHERE i > ? ORDER BY i", 0) do
      seen = seen + 1
      sum = sum + row.i
      -- PostgreSQL's driver would read the whole result first: a cursor
      -- (the dialect's rows_in_transaction) reads it a batch at a time
      if seen == 1 and b.tag == "postgres" then
        open_cursors = tonumber(db:first("SELECT COUNT(*) AS n FROM pg_cursors WHERE name LIKE 'luamig_rows_%'").n)
      end
      -- a backfill: one UPDATE per row read, on the same connection
      db:execute("UPDATE v SET f = ? WHERE i = ?", row.i * 2, row.i)
    end
    assert.equal(n, seen)
    if b.tag == "postgres" then assert.equal(1, open_cursors) end
    assert.equal(n * (n + 1) // 2, sum)
    assert.equal(n * (n + 1), math.tointeger(db:first("SELECT SUM(f) AS s FROM v").s) or db:first("SELECT SUM(f) AS s FROM v").s)
    -- an empty result, and a stream abandoned half-way, leave the connection usable
    for _ in db:rows("SELECT i FROM v WHERE i < 0") do error("no rows expected") end
    for row in db:rows("SELECT i FROM v ORDER BY i") do if row.i == 10 then break end end
    assert.equal(n, tonumber(db:first("SELECT COUNT(*) AS n FROM v").n))
  end)

  it("rolls back to a savepoint when its function raises, and savepoints nest", function()
    db:execute("INSERT INTO v (i) VALUES (1)")
    local r = db:savepoint(function(d)
      d:execute("INSERT INTO v (i) VALUES (2)")
      local ok, err = pcall(d.savepoint, d, function(inner)
        inner:execute("INSERT INTO v (i) VALUES (3)")
        error("inner fails")
      end)
      assert.is_false(ok)
      assert.matches("inner fails", err)
      return "outer result"
    end)
    assert.equal("outer result", r)
    local ok, err = pcall(db.savepoint, db, function(d)
      d:execute("INSERT INTO v (i) VALUES (4)")
      d:execute("INSERT INTO no_such_table VALUES (1)")
    end)
    assert.is_false(ok)
    assert.matches("no_such_table", err)
    local ids = {}
    for _, row in ipairs(db:query("SELECT i FROM v ORDER BY i")) do ids[#ids + 1] = row.i end
    assert.same({ 1, 2 }, ids)
    assert.is_true(conn:in_transaction())
  end)

  it("raises on a database error, naming it", function()
    -- each in a savepoint: PostgreSQL refuses everything after an error
    -- until the transaction (or a savepoint) is rolled back
    local ok, err = pcall(db.savepoint, db, function(d) d:execute("INSERT INTO no_such_table VALUES (1)") end)
    assert.is_false(ok)
    assert.matches("no_such_table", err)
    ok, err = pcall(db.savepoint, db, function(d) d:query("SELECT nope FROM v") end)
    assert.is_false(ok)
    assert.matches("nope", err)
    ok, err = pcall(db.savepoint, db, function(d) for _ in d:rows("SELECT nope FROM v") do end end)
    assert.is_false(ok)
    assert.matches("nope", err)
    assert.equal(0, tonumber(db:first("SELECT COUNT(*) AS n FROM v").n))
  end)
end)
