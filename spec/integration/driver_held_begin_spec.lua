-- conn:begin on PostgreSQL and MariaDB sends nothing: its BEGIN (START
-- TRANSACTION) travels in front of the next script or batch of queued
-- statements, in the same query, or goes on its own before anything else
-- (runner/drivers/driver_postgres_txn.c, driver_mysql_txn.c). Whatever
-- path comes next, the statements run inside the transaction, a failure is
-- the statement's own, and a COMMIT or ROLLBACK with nothing sent since
-- begin ends nothing. What the server has started is watched from a second
-- connection: PostgreSQL's pg_stat_activity state, MariaDB's count of
-- START TRANSACTION statements (Com_begin).

local backends = require("helpers.backends")

local pg, my = backends.postgres, backends.mysql

-- The checks both servers share; `started()` tells how many transactions
-- the connection under test has started on the server so far.
local function common_checks(b, setup_conn)
  local url, conn, watch, started

  before_each(function()
    url = url or b:new_database()
    conn = b:connect(url)
    watch = b:connect(url)
    started = setup_conn(conn, watch)
    assert(conn:execute("DROP TABLE IF EXISTS held"))
    assert(conn:execute("CREATE TABLE held (id INT PRIMARY KEY, t VARCHAR(20))"))
  end)
  after_each(function()
    conn:close()
    watch:close()
  end)
  teardown(function() backends.cleanup() end)

  local function count()
    return tonumber(watch:first("SELECT COUNT(*) AS n FROM held").n)
  end

  it("starts nothing at begin; a script then runs inside the transaction", function()
    local before = started()
    assert.is_true(conn:begin())
    assert.is_true(conn:in_transaction())
    assert.equal(before, started())
    assert.equal(1, assert(conn:execute("INSERT INTO held VALUES (1, 'a')")))
    assert.equal(before + 1, started())
    assert.equal(0, count())  -- not committed: it is in the transaction
    assert.is_true(conn:rollback())
    assert.is_false(conn:in_transaction())
    assert.equal(0, count())
  end)

  it("runs a statement with values, a query and queued statements inside the transaction", function()
    for _, first in ipairs {
      function() return conn:execute("INSERT INTO held VALUES (?, ?)", 1, "v") end,
      function() return conn:query("SELECT COUNT(*) AS n FROM held") end,
      function()
        local st = assert(conn:prepare("INSERT INTO held VALUES (?, ?)"))
        assert.is_true(st:queue(0, 1, "q"))
        return conn:sync()
      end,
    } do
      local before = started()
      assert.is_true(conn:begin())
      assert.truthy(first())
      assert.equal(before + 1, started())
      assert(conn:execute("INSERT INTO held VALUES (2, 'b')"))
      assert.equal(0, count())
      assert.is_true(conn:rollback())
      assert.equal(0, count())
    end
  end)

  it("commits what ran after a held begin, once", function()
    assert.is_true(conn:begin())
    assert(conn:execute("INSERT INTO held VALUES (1, 'a')"))
    assert(conn:execute("INSERT INTO held VALUES (?, ?)", 2, "b"))
    assert.is_true(conn:commit())
    assert.equal(2, count())
    assert.is_false(conn:in_transaction())
  end)

  it("ends nothing at a commit or rollback with nothing sent since begin", function()
    local before = started()
    assert.is_true(conn:begin())
    assert.is_true(conn:commit())
    assert.is_false(conn:in_transaction())
    assert.is_true(conn:begin())
    assert.is_true(conn:rollback())
    assert.is_false(conn:in_transaction())
    assert.equal(before, started())
    -- and the connection is as before: a statement runs in autocommit
    assert(conn:execute("INSERT INTO held VALUES (1, 'a')"))
    assert.equal(1, count())
  end)

  it("refuses a second begin while one is held", function()
    assert.is_true(conn:begin())
    local ok, err = conn:begin()
    assert.is_nil(ok)
    assert.matches("cannot start a transaction within a transaction", err)
    assert.is_true(conn:in_transaction())
    assert(conn:execute("INSERT INTO held VALUES (1, 'a')"))
    assert.is_true(conn:rollback())
    assert.equal(0, count())
  end)

  it("gives a failing first statement its own error, and its rollback undoes the transaction", function()
    assert(conn:execute("INSERT INTO held VALUES (1, 'a')"))
    assert.is_true(conn:begin())
    local n, err = conn:execute("INSERT INTO held VALUES (2, 'b'); INSERT INTO held VALUES (1, 'dup')")
    assert.is_nil(n)
    assert.matches("[Dd]uplicate", err)
    assert.is_true(conn:rollback())
    assert.equal(1, count())  -- row 2 was undone with the transaction
    local rows = watch:query("SELECT id, t FROM held")
    assert.same({ { id = 1, t = "a" } }, rows)
  end)

  it("refuses COMMIT under the transaction guard while its begin is held", function()
    assert.is_true(conn:begin())
    conn:guard_transactions(true)
    local ok, err = conn:commit()
    assert.is_nil(ok)
    assert.matches("COMMIT", err)
    assert.is_true(conn:in_transaction())  -- still held: a statement runs in it
    assert(conn:execute("INSERT INTO held VALUES (1, 'a')"))
    conn:guard_transactions(false)
    assert.is_true(conn:rollback())
    assert.equal(0, count())
  end)
end

describe("a held begin on PostgreSQL #postgres", function()
  if not pg.available then return it("runs", function() pending(pg.skip_message) end) end
  common_checks(pg, function(conn, watch)
    local pid = conn:first("SELECT pg_backend_pid() AS pid").pid
    -- 1 while the session is in a transaction, else 0, as a count that
    -- grows: each call that finds it in a transaction it was not in before
    local seen, inside = 0, false
    return function()
      local state = watch:first("SELECT state FROM pg_stat_activity WHERE pid = ?", pid).state
      local now = state == "idle in transaction" or state == "idle in transaction (aborted)"
      if now and not inside then seen = seen + 1 end
      inside = now
      return seen
    end
  end)

  it("sets the transaction's settings with the BEGIN it holds (search_path of the schema setting)", function()
    local url = pg:new_database()
    local conn = pg:connect(url)
    assert(conn:execute("CREATE SCHEMA tenant_a"))
    conn:close()
    conn = pg:connect(url .. "?schema=tenant_a")
    assert(conn:execute("SET search_path TO public"))  -- the session's, changed: SET LOCAL must win
    assert.is_true(conn:begin())
    assert.equal("tenant_a", conn:first("SELECT current_schema() AS s").s)
    assert.equal("1s", conn:first("SHOW client_connection_check_interval").client_connection_check_interval)
    assert.is_true(conn:rollback())
    assert.equal("public", conn:first("SELECT current_schema() AS s").s)
    conn:close()
    backends.cleanup()
  end)
end)

describe("a held begin on MariaDB #mysql", function()
  if not my.available then return it("runs", function() pending(my.skip_message) end) end
  common_checks(my, function(_, watch)
    return function()
      return tonumber(watch:first("SHOW GLOBAL STATUS LIKE 'Com_begin'").Value)
    end
  end)

  it("sends a batch of queued statements with its START TRANSACTION, a failure named exactly", function()
    local url = my:new_database()
    local conn, watch = my:connect(url), my:connect(url)
    local function begins() return tonumber(watch:first("SHOW GLOBAL STATUS LIKE 'Com_begin'").Value) end
    assert(conn:execute("CREATE TABLE q (id INT PRIMARY KEY, t VARCHAR(40) UNIQUE, n INT)"))
    assert(conn:execute("INSERT INTO q (id, n) SELECT seq, 0 FROM seq_1_to_20"))
    local label = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    local count = assert(conn:prepare("UPDATE q SET n = ? WHERE id = ?"))
    assert(conn:begin())  -- the first queue of each runs at once
    assert(label:queue(1, "first", 20))
    assert(count:queue(1, 1, 20))
    assert(conn:commit())
    local before = begins()
    assert(conn:begin())
    for i = 1, 4 do
      assert.is_true(label:queue(1, i == 3 and "first" or "t" .. i, i))
      assert.is_true(count:queue(1, 100 + i, i))
    end
    assert.equal(before, begins())  -- queued: nothing sent yet
    local ok, err = conn:sync()
    assert.is_nil(ok)
    assert.matches("with parameters %('first', 3%): Duplicate entry 'first'", err)
    assert.equal(before + 1, begins())
    local rows = {}
    for _, r in ipairs(conn:query("SELECT id, t, n FROM q WHERE id <= 4 ORDER BY id")) do
      rows[#rows + 1] = string.format("%d=%s,%d", r.id, tostring(r.t), r.n)
    end
    assert.same({ "1=t1,101", "2=t2,102", "3=null,0", "4=null,0" }, rows)
    assert.is_true(conn:rollback())
    assert.same({ { n = 0 } }, watch:query("SELECT COUNT(*) AS n FROM q WHERE t IS NOT NULL AND id <= 4"))
    conn:close()
    watch:close()
    backends.cleanup()
  end)
end)
