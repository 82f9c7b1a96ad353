-- Queued statements on MariaDB (runner/drivers/driver_mysql_pipeline.c),
-- the edges of its bulk batches through the binding (stmt:queue and
-- conn:sync): inside a transaction consecutive queues of one statement go
-- as one bulk execution inside a savepoint; a failing row is found by
-- running the batch again one by one, so that it is named exactly and the
-- rows before it are as execute leaves them. The behaviour common to
-- every backend is bind_pipeline_spec.lua's.
local driver = require("luamig.driver")
local backends = require("helpers.backends")

local null, blob = driver.null, driver.blob

local b
for _, each in ipairs(backends.all()) do
  if each.tag == "mysql" then b = each end
end

describe("queued statements on MariaDB #mysql", function()
  if not b.available then return pending(b.skip_message) end
  local conn, url

  before_each(function()
    url = b:new_database()
    conn = b:connect(url)
    assert(conn:execute("CREATE TABLE q (id INT PRIMARY KEY, t VARCHAR(40) UNIQUE, f DOUBLE, bin BLOB,"
      .. " flag BOOLEAN, n INT)"))
    assert(conn:execute("INSERT INTO q (id, n) SELECT seq, 0 FROM seq_1_to_20"))
    assert(conn:begin())
  end)
  after_each(function()
    conn:close()
    backends.cleanup()
  end)

  local function labels(c, upto)
    local out = {}
    for _, r in ipairs(assert((c or conn):query("SELECT id, t FROM q WHERE id <= ? ORDER BY id", upto))) do
      out[#out + 1] = r.id .. "=" .. tostring(r.t)
    end
    return out
  end

  -- The server's count of a statement kind run on this connection.
  local function com(name)
    return tonumber(conn:first("SELECT VARIABLE_VALUE AS v FROM information_schema.SESSION_STATUS"
      .. " WHERE VARIABLE_NAME = ?", name).v)
  end

  -- DDL ends MySQL's transaction: a table made for a test, then a new one.
  local function ddl(...)
    for _, sql in ipairs { ... } do assert(conn:execute(sql)) end
    assert(conn:begin())
  end

  it("names the failing row of a batch with its values, the rows before it done as execute does", function()
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    for i = 1, 10 do assert.is_true(st:queue(1, i == 7 and "t3" or "t" .. i, i)) end
    local ok, err, info = conn:sync()
    assert.is_nil(ok)
    assert.matches("failed: UPDATE q SET t = %? WHERE id = %? with parameters %('t3', 7%): Duplicate entry 't3'", err)
    assert.is_true(info.queued)
    assert.equal(1062, info.code)
    assert.same({ "1=t1", "2=t2", "3=t3", "4=t4", "5=t5", "6=t6", "7=null", "8=null" }, labels(conn, 8))
    assert(conn:rollback())
    assert.same({ "1=null", "2=null" }, labels(conn, 2))  -- nothing committed
  end)

  it("sends consecutive queues as few batches, also between the rows of a scan", function()
    ddl("CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO big SELECT seq, NULL FROM seq_1_to_2500")
    local before = com("COM_SAVEPOINT")
    local st = assert(conn:prepare("UPDATE big SET v = ? WHERE id = ?"))
    for r in conn:rows("SELECT id FROM big ORDER BY id") do
      assert.is_true(st:queue(1, "v" .. r.id, r.id))
    end
    assert.equal(2500, conn:sync())
    -- one savepoint per batch: the binding syncs every 1000 queues, not at every row
    assert.is_true(com("COM_SAVEPOINT") - before <= 4)
    assert.equal(2500, tonumber(conn:first("SELECT COUNT(*) AS c FROM big WHERE v = CONCAT('v', id)").c))
  end)

  it("keeps the order of a batch mixing two statements", function()
    local set = assert(conn:prepare("UPDATE q SET n = ? WHERE id = ?"))
    local scale = assert(conn:prepare("UPDATE q SET n = n * 10 + ? WHERE id = ?"))
    for i = 1, 5 do
      set:queue(1, i, i)
      scale:queue(1, 7, i)
    end
    for _ = 1, 3 do set:queue(1, 1, 6) end
    for _ = 1, 3 do scale:queue(1, 1, 6) end
    set:queue(1, 2, 6)
    assert.equal(15, conn:sync())  -- the second and third set of row 6 change nothing
    local n = {}
    for _, r in ipairs(conn:query("SELECT n FROM q WHERE id <= 6 ORDER BY id")) do n[#n + 1] = r.n end
    assert.same({ 17, 27, 37, 47, 57, 2 }, n)
  end)

  it("sends alternating statements as one multi-statement query, a failure named exactly", function()
    local label = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    local count = assert(conn:prepare("UPDATE q SET n = ? WHERE id = ?"))
    label:queue(1, "first", 20)  -- the first queues run at once
    count:queue(1, 1, 20)
    for i = 1, 6 do
      assert.is_true(label:queue(1, i == 4 and "t1" or "t" .. i, i))
      assert.is_true(count:queue(1, 100 + i, i))
    end
    local ok, err = conn:sync()
    assert.is_nil(ok)
    assert.matches("with parameters %('t1', 4%): Duplicate entry 't1'", err)
    local rows = {}
    for _, r in ipairs(conn:query("SELECT id, t, n FROM q WHERE id <= 5 ORDER BY id")) do
      rows[#rows + 1] = string.format("%d=%s,%d", r.id, tostring(r.t), r.n)
    end
    assert.same({ "1=t1,101", "2=t2,102", "3=t3,103", "4=null,0", "5=null,0" }, rows)
  end)

  it("writes values as literals that mean what bound values mean (a statement sent as text)", function()
    -- an INSERT that generates ids goes as text: in bulk the server would leave gaps
    ddl("CREATE TABLE lit (id INT AUTO_INCREMENT PRIMARY KEY, t VARCHAR(40), f DOUBLE, b BLOB,"
      .. " flag BOOLEAN, big BIGINT)")
    local st = assert(conn:prepare("INSERT INTO lit (t, f, b, flag, big) VALUES (?, ?, ?, ?, ?)"))
    local rows = {
      { "first", 0.5, null, null, 0 },
      { "it's \\ \"q\" %", 1 / 3, blob("\0\255'\\"), true, math.maxinteger },
      { "\u{fc}n\u{ef}\u{1F600}", -1e-300, blob(""), false, math.mininteger },
      { "x\0y\n", 1e300, "\255 not UTF-8: bound", 7, -1 },
      { "", -0.0, null, null, 2 ^ 53 + 1 },
      { null, 12345, "plain", true, 3 },         -- an integer into a DOUBLE
    }
    for _, row in ipairs(rows) do assert.is_true(st:queue(1, table.unpack(row, 1, 5))) end
    assert.equal(6, conn:sync())
    assert.equal(6, conn:last_insert_id())
    local got = conn:query("SELECT id, t, f, b, flag, big FROM lit ORDER BY id")
    for i, row in ipairs(rows) do
      local flag = row[4]
      if flag == true then flag = 1 elseif flag == false then flag = 0 end
      local b = row[3] == null and null or tostring(row[3])
      assert.same({ i, row[1], row[2], b, flag, math.tointeger(row[5]) or row[5] },
        { got[i].id, got[i].t, got[i].f, got[i].b, got[i].flag, got[i].big }, "row " .. i)
    end
  end)

  it("carries NULL, text with zero bytes, blobs, floats and booleans, and columns whose type changes", function()
    local st = assert(conn:prepare("UPDATE q SET t = ?, f = ?, bin = ?, flag = ? WHERE id = ?"))
    local rows = {
      { "a", 1.5, blob("\0\1"), true, 1 },
      { null, 2, null, false, 2 },             -- an integer where a float was: a new batch
      { "c\0d", 0.25, blob(""), null, 3 },
      { "it's", -1e300, blob("\255\0"), true, 4 },
      { null, null, null, null, 5 },
      { "f", 1 / 3, "as text", 1, 6 },          -- text where a blob was, an integer where a boolean was
      { "", 3, blob("x"), false, 7 },
    }
    for _, row in ipairs(rows) do assert.is_true(st:queue(1, table.unpack(row, 1, 5))) end
    assert.equal(6, conn:sync())  -- row 5 was all NULL already
    local got = conn:query("SELECT t, f, bin, flag FROM q WHERE id <= 7 ORDER BY id")
    for i, row in ipairs(rows) do
      local want_flag = row[4]
      if want_flag == true then want_flag = 1 elseif want_flag == false then want_flag = 0 end
      assert.same({ row[1], row[2], row[3] == null and null or tostring(row[3]), want_flag },
        { got[i].t, got[i].f, got[i].bin, got[i].flag }, "row " .. i)
    end
  end)

  it("refuses a statement that returns rows: a SELECT before it runs, a RETURNING at its first queue", function()
    local sel = assert(conn:prepare("SELECT id FROM q WHERE id = ?"))
    local ok, err = sel:queue(1, 1)
    assert.is_nil(ok)
    assert.matches("a queued statement must return no rows", err)
    local del = assert(conn:prepare("DELETE FROM q WHERE id = ? RETURNING id"))
    ok, err = del:queue(1, 20)
    assert.is_nil(ok)
    assert.matches("DELETE FROM q WHERE id = %? RETURNING id with parameters %(20%): a queued statement must return no rows", err)
  end)

  it("refuses a statement that controls the transaction", function()
    local st = assert(conn:prepare("SET autocommit = ?"))
    local ok, err = pcall(st.queue, st, 1, 1)
    assert.is_false(ok)
    assert.matches("cannot be queued: run it with execute", err)
    assert.is_true(conn:in_transaction())
  end)

  it("runs each statement at once outside a transaction: those before a failure stay committed", function()
    assert(conn:rollback())
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    local failed_at
    for i = 1, 6 do
      if not st:queue(1, i == 4 and "t1" or "t" .. i, i) then failed_at = i; break end
    end
    assert.equal(4, failed_at)  -- at once: the failing queue itself
    assert.equal(0, conn:sync())  -- told once
    local other = b:connect(url)
    assert.same({ "1=t1", "2=t2", "3=t3", "4=null", "5=null" }, labels(other, 5))
    other:close()
  end)

  it("runs one by one what the server refuses in bulk, and names its failure exactly", function()
    ddl("CREATE TABLE called (id INT PRIMARY KEY)", "CREATE PROCEDURE add_called (x INT) INSERT INTO called VALUES (x)")
    local st = assert(conn:prepare("CALL add_called(?)"))
    for i = 1, 6 do assert.is_true(st:queue(1, i)) end
    assert.equal(6, tonumber(conn:first("SELECT COUNT(*) AS c FROM called").c))
    -- refused in bulk once: from now on at once, each failure the queue's own
    assert.is_true(st:queue(1, 7))
    local ok, err = st:queue(1, 3)
    assert.is_nil(ok)
    assert.matches("with parameters %(3%): Duplicate entry '3'", err)
    assert.equal(7, tonumber(conn:first("SELECT COUNT(*) AS c FROM called").c))
  end)

  it("names a batch's first statement when the rollback to its savepoint cannot undo it", function()
    ddl("CREATE TABLE m (id INT PRIMARY KEY, t VARCHAR(10) UNIQUE) ENGINE=MyISAM",
      "INSERT INTO m (id) SELECT seq FROM seq_1_to_10")
    local st = assert(conn:prepare("UPDATE m SET t = ? WHERE id = ?"))
    for i = 1, 10 do st:queue(1, i == 7 and "t3" or "t" .. i, i) end
    local ok, err = conn:sync()
    assert.is_nil(ok)
    -- the first queue ran at once; the batch holds rows 2 to 10
    assert.matches("with parameters %('t2', 2%): Duplicate entry 't3'.*one of the 9 statements queued from "
      .. "this one, sent together; which one failed is not known", err)
  end)

  -- conn:commit() with statements queued puts the COMMIT last in their
  -- multi-statement query (driver.h's sync_commit): one COM_QUERY for both
  -- (the guard's refusal, common to every backend: bind_pipeline_spec.lua).
  describe("a commit with statements queued", function()
    -- rows of q with n = `n`, as another connection sees them (committed)
    local function committed(n)
      return b:with(url, function(other)
        return tonumber(other:first("SELECT COUNT(*) AS c FROM q WHERE n = ?", n).c)
      end)
    end

    -- alternating statements, so that they go as text; `bad` breaks row 3
    local function alternate(bad)
      local set = assert(conn:prepare("UPDATE q SET n = ? WHERE id = ?"))
      local label = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
      set:queue(1, 9, 20)  -- the first queues run at once
      label:queue(1, "first", 20)
      for i = 1, 3 do
        assert.is_true(set:queue(1, 9, i))
        assert.is_true(label:queue(1, (bad and i == 3) and "first" or "t" .. i, i))
      end
    end

    it("commits them in the query that carries them, and returns the rows they changed", function()
      local commits = com("COM_COMMIT")  -- a read: it would sync what is queued
      alternate()
      local ok, n = conn:commit()
      assert.is_true(ok)
      assert.equal(8, n)  -- the two run at once and the six sent as text
      assert.is_false(conn:in_transaction())
      assert.equal(4, committed(9))
      -- one COMMIT ran, the one in the query
      assert.equal(commits + 1, com("COM_COMMIT"))
      assert.equal(0, conn:sync())  -- nothing left
    end)

    it("runs no COMMIT after a failing one: named as at a sync, the transaction left open", function()
      alternate(true)
      local ok, err, info = conn:commit()
      assert.is_nil(ok)
      assert.matches("^statement queued at .*mysql_pipeline_spec.lua:%d+ failed: UPDATE q SET t = %? WHERE id = %?"
        .. " with parameters %('first', 3%): Duplicate entry 'first'", err)
      assert.is_true(info.queued)
      assert.is_true(conn:in_transaction())
      assert.is_true(conn:rollback())
      assert.equal(0, committed(9))
    end)

    it("sends a long run of one statement in bulk first, then commits", function()
      local set = assert(conn:prepare("UPDATE q SET n = ? WHERE id = ?"))
      for i = 1, 10 do assert.is_true(set:queue(1, 5, i)) end
      local ok, n = conn:commit()
      assert.is_true(ok)
      assert.equal(10, n)
      assert.equal(10, committed(5))
    end)
  end)

  it("leaves AUTO_INCREMENT ids and last_insert_id as execute does", function()
    ddl("CREATE TABLE ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
    local st = assert(conn:prepare("INSERT INTO ai (v) VALUES (?)"))
    for i = 1, 1500 do st:queue(1, i) end
    assert.equal(1500, conn:last_insert_id())
    assert.equal(1500, tonumber(conn:first("SELECT LAST_INSERT_ID() AS id").id))
    assert.equal(1500, tonumber(conn:first("SELECT COUNT(*) AS c FROM ai WHERE id = v").c))
  end)
end)
