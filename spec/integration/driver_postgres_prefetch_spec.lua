-- conn:prefetch on PostgreSQL (runner/drivers/driver_postgres_prefetch.c):
-- reads sent ahead run on the server before they are asked for, the query
-- that asks takes the answer instead of running again, and anything else
-- on the connection drops what was not taken, so that every call returns
-- what it would without the prefetch. What the server ran is seen through
-- a sequence (nextval) read from a second connection.

local driver = require("luamig.driver")
local backends = require("helpers.backends")
local sys = require("luamig.sys")

local pg = backends.postgres

describe("conn:prefetch on PostgreSQL #postgres", function()
  if not pg.available then return it("runs", function() pending(pg.skip_message) end) end

  local url, watch, conn

  local NEXT = "SELECT nextval('ahead_seq') AS v"

  -- The sequence's last value as the other connection sees it (0: not used).
  local function last_value()
    local row = assert(watch:first("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS v FROM ahead_seq"))
    return row.v
  end

  -- Waits until the server has run nextval `n` times in all.
  local function wait_for(n)
    local deadline = sys.monotonic() + 20
    while last_value() < n do
      if sys.monotonic() > deadline then error("the server did not run the queries sent ahead") end
      os.execute("sleep 0.02")
    end
  end

  setup(function() url = pg:new_database() end)
  teardown(function() backends.cleanup() end)

  before_each(function()
    conn = pg:connect(url)
    watch = pg:connect(url)
    assert(conn:execute("DROP SEQUENCE IF EXISTS ahead_seq; CREATE SEQUENCE ahead_seq;"
      .. " DROP TABLE IF EXISTS ahead_t; CREATE TABLE ahead_t (n int)"))
  end)
  after_each(function()
    conn:close()
    watch:close()
  end)

  it("runs the queries before they are asked for, and each query takes its answer", function()
    assert.is_true(conn:prefetch({ NEXT, "SELECT 'two' AS s, NULL::int AS nothing", NEXT }))
    wait_for(2) -- both ran, nothing asked yet
    assert.same({ { v = 1 } }, assert(conn:query(NEXT)))
    local rows = assert(conn:query("SELECT 'two' AS s, NULL::int AS nothing"))
    assert.equal("two", rows[1].s)
    assert.equal(driver.null, rows[1].nothing)
    assert.same({ { v = 2 } }, assert(conn:query(NEXT)))
    assert.equal(2, last_value()) -- taken, not run again
    assert.same({ { v = 3 } }, assert(conn:query(NEXT))) -- the list is used up: runs
  end)

  it("drops what was not taken at any other statement, which then runs as without it", function()
    assert.is_true(conn:prefetch({ NEXT, "SELECT count(*) AS n FROM ahead_t" }))
    wait_for(1)
    assert.same({ { n = 42 } }, assert(conn:query("SELECT 42 AS n"))) -- not the next one: drops both
    assert.same({ { v = 2 } }, assert(conn:query(NEXT)))
    -- a write between the prefetch and the query: the query sees it
    assert.is_true(conn:prefetch({ "SELECT count(*) AS n FROM ahead_t" }))
    assert(conn:execute("INSERT INTO ahead_t VALUES (1)"))
    assert.same({ { n = 1 } }, assert(conn:query("SELECT count(*) AS n FROM ahead_t")))
    -- a transaction started between them likewise
    assert.is_true(conn:prefetch({ "SELECT count(*) AS n FROM ahead_t" }))
    assert(conn:begin())
    assert(conn:execute("INSERT INTO ahead_t VALUES (2)"))
    assert.same({ { n = 2 } }, assert(conn:query("SELECT count(*) AS n FROM ahead_t")))
    assert(conn:rollback())
    -- the same SQL with values is not the query sent ahead
    assert.is_true(conn:prefetch({ "SELECT count(*) AS n FROM ahead_t WHERE n > 0" }))
    assert.same({ { n = 0 } }, assert(conn:query("SELECT count(*) AS n FROM ahead_t WHERE n > ?", 5)))
  end)

  it("gives a failure to the query that asks, with the message it has without the prefetch", function()
    local _, plain = conn:query("SELECT 1 / 0 AS x")
    assert.is_true(conn:prefetch({ "SELECT 1 / 0 AS x", NEXT }))
    local rows, msg = conn:query("SELECT 1 / 0 AS x")
    assert.is_nil(rows)
    assert.equal(plain, msg)
    assert.matches("division by zero", msg, 1, true)
    -- the server stopped at the failure: the next query runs now, once
    assert.equal(0, last_value())
    assert.same({ { v = 1 } }, assert(conn:query(NEXT)))
    assert.same({ { v = 1 } }, assert(watch:query("SELECT last_value AS v FROM ahead_seq")))
  end)

  it("sends nothing inside a transaction, nor what is not one SELECT without values", function()
    assert(conn:begin())
    assert.is_true(conn:prefetch({ NEXT }))
    assert(conn:rollback()) -- nextval is not undone: had it run, the sequence would show it
    assert.equal(0, last_value())
    for _, sql in ipairs { "INSERT INTO ahead_t SELECT nextval('ahead_seq')", NEXT .. "; SELECT 1",
      "SELECT nextval('ahead_seq') WHERE ? IS NULL", "BEGIN" } do
      assert.is_true(conn:prefetch({ NEXT, sql }), sql)
      assert.same({ { n = 7 } }, assert(conn:query("SELECT 7 AS n")), sql) -- would read the answers
      assert.equal(0, last_value(), sql)
    end
  end)

  it("checks its argument; other calls on the connection work with answers pending", function()
    assert.has_error(function() conn:prefetch("SELECT 1") end)
    assert.has_error(function() conn:prefetch({ 1 }) end,
      "bad argument #1 to 'prefetch' (a list of SQL strings expected)")
    local many = {}
    for i = 1, 17 do many[i] = "SELECT " .. i end
    assert.has_error(function() conn:prefetch(many) end, "bad argument #1 to 'prefetch' (too many queries to prefetch)")
    assert.is_true(conn:prefetch({}))
    assert.is_true(conn:prefetch({ NEXT }))
    assert.is_false(conn:in_transaction())
    assert.is_true(conn:quiet()) -- the answer read, the connection idle
    assert.same({ { v = 1 } }, assert(conn:query(NEXT)))
    assert.is_true(conn:prefetch({ NEXT }))
    wait_for(2)
    assert.is_true(conn:close()) -- with an answer never read
  end)
end)
