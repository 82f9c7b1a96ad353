-- db:queue and db:flush (pipelined data migrations), through the real
-- executable on every backend: PostgreSQL pipelines inside the revision's
-- transaction, MariaDB sends bulk batches there (MariaDB's own edges are
-- in mysql_pipeline_spec.lua); SQLite (no driver queue) runs each queued
-- statement at once; all must give the same results. A backfill gives
-- the same table as with db:execute; a failing queued statement raises
-- wherever it is found (a flush, a later op, a read, the end of the
-- revision, the automatic flush), naming the line that queued it, its SQL
-- and its values, and the revision commits nothing; outside a transaction
-- the statements before the failing one stay applied.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local ROWS = 10000
local UPDATE = "UPDATE backfill_rows SET label = ? WHERE id = ?"

-- a1: two tables of ROWS rows (id, n = 3 id, label NULL, unique): one for
-- db:queue, one for db:execute. A failure is a label given twice.
local A1 = string.format([[
-- two tables to backfill
revision = "a1"
down_revision = nil
function upgrade()
  for _, name in ipairs { "backfill_rows", "backfill_copy" } do
    op.create_table(name, Column("id", Integer, { primary_key = true }), Column("n", Integer),
      Column("label", String(40), { unique = true }))
    local rows = {}
    for i = 1, %d do rows[i] = { id = i, n = i * 3 } end
    op.bulk_insert(name, rows)
  end
end
function downgrade()
  op.drop_table("backfill_copy")
  op.drop_table("backfill_rows")
end
]], ROWS)

-- Revision b2 with `body` as its upgrade(); `head` goes before it (e.g.
-- `transactional = false`).
local function b2(body, head)
  return table.concat({
    "-- the backfill", 'revision = "b2"', 'down_revision = "a1"', head or "",
    "function upgrade()", "  local db = op.get_bind()", body, "end", "function downgrade() end", "",
  }, "\n")
end

-- The line of `text` that holds `marker`.
local function line_of(text, marker)
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if line:find(marker, 1, true) then return n end
  end
  error("no line with " .. marker)
end

local function plain(s) return (s:gsub("%p", "%%%0")) end

backends.each("db:queue and db:flush", function(b)
  local url
  backends.database_per_test(b, function(u) url = u end)
  local function run(dir, args) return h.run(dir, h.with_url(url, args)) end

  -- A project at a1 (applied), with b2 = `text`.
  local function project(text)
    local dir = h.project { ["migrations/versions/a1.lua"] = A1, ["migrations/versions/b2.lua"] = text }
    h.run_ok(dir, h.with_url(url, { "upgrade", "a1" }))
    return dir
  end

  local function labels(tbl, where)
    return b:with(url, function(conn)
      local out = {}
      local rows = assert(conn:query("SELECT id, label FROM " .. tbl .. (where or "") .. " ORDER BY id"))
      for _, r in ipairs(rows) do out[#out + 1] = r.id .. "=" .. tostring(r.label) end
      return out
    end)
  end

  local function count_labelled(tbl)
    return b:with(url, function(conn)
      return tonumber(assert(conn:first("SELECT COUNT(*) AS c FROM " .. tbl .. " WHERE label IS NOT NULL")).c)
    end)
  end

  -- The failure names the queue line, the SQL, the values and the
  -- database's message; the revision is not recorded.
  local function assert_failed(r, text, marker, values)
    assert.equal(1, r.status, r.stderr)
    local where = "migrations/versions/b2.lua:" .. line_of(text, marker)
    assert.matches("statement queued at " .. plain(where) .. " failed: " .. plain(UPDATE)
      .. " with parameters %(" .. plain(values) .. "%): ", r.stderr)
    assert.matches("unique", (r.stderr:lower():gsub("duplicate", "unique")))
    assert.same({ "a1" }, b:versions(url))
  end

  it("backfills 10,000 rows as db:execute does, and flush gives the rows changed", function()
    local text = b2(string.format([[
  for r in db:rows("SELECT id, n FROM backfill_rows ORDER BY id") do
    db:queue(%q, "n=" .. r.n, r.id)
  end
  local changed = db:flush()
  assert(changed == %d, "flush gave " .. tostring(changed))
  assert(db:flush() == 0, "a second flush has nothing to count")
  for r in db:rows("SELECT id, n FROM backfill_copy ORDER BY id") do
    db:execute("UPDATE backfill_copy SET label = ? WHERE id = ?", "n=" .. r.n, r.id)
  end]], UPDATE, ROWS))
    local dir = project(text)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "b2" }, b:versions(url))
    local queued = labels("backfill_rows")
    assert.equal(ROWS, #queued)
    assert.equal("5000=n=15000", queued[5000])
    assert.same(labels("backfill_copy"), queued)
  end)

  it("reads what was queued before (read-your-writes), by first, query and rows", function()
    local text = b2(string.format([[
  for i = 1, 300 do db:queue(%q, "x" .. i, i) end
  local n = db:first("SELECT COUNT(*) AS c FROM backfill_rows WHERE label IS NOT NULL").c
  assert(tonumber(n) == 300, "first saw " .. tostring(n))
  db:queue(%q, "y", 301)
  assert(#db:query("SELECT id FROM backfill_rows WHERE label = ?", "y") == 1, "query did not see it")
  db:queue(%q, "z", 302)
  local seen = 0
  for _ in db:rows("SELECT id FROM backfill_rows WHERE label = ?", "z") do seen = seen + 1 end
  assert(seen == 1, "rows did not see it")
  db:queue(%q, "w", 303)
  local stmt = db:prepare("SELECT label FROM backfill_rows WHERE id = ?")
  assert(stmt:query(303)[1].label == "w", "a prepared statement did not see it")]], UPDATE, UPDATE, UPDATE, UPDATE))
    local dir = project(text)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(303, count_labelled("backfill_rows"))
  end)

  it("fails the revision at a flush when row 5000 breaks a unique key, and commits nothing", function()
    local text = b2(string.format([[
  db:execute("UPDATE backfill_copy SET label = 'before' WHERE id = 1")
  for r in db:rows("SELECT id, n FROM backfill_rows ORDER BY id") do
    local label = r.id == 5000 and "n=3" or "n=" .. r.n
    db:queue(%q, label, r.id) -- QUEUE
  end
  db:flush()]], UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'n=3', 5000")
    assert.equal(0, count_labelled("backfill_rows"))
    assert.equal(0, count_labelled("backfill_copy"))
  end)

  it("tells a queued failure found by a later op, and the op does not run", function()
    local text = b2(string.format([[
  db:queue(%q, "a", 1)
  db:queue(%q, "a", 2) -- QUEUE
  db:queue(%q, "c", 3)
  op.create_table("after_queue", Column("id", Integer, { primary_key = true }))]], UPDATE, UPDATE, UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'a', 2")
    assert.is_nil(r.stderr:find("'c', 3", 1, true))
    assert.same(b:with_bookkeeping { "backfill_copy", "backfill_rows" }, b:tables(url))
    assert.equal(0, count_labelled("backfill_rows"))
  end)

  it("tells a queued failure found by a read (db:first)", function()
    local text = b2(string.format([[
  db:queue(%q, "a", 1)
  db:queue(%q, "a", 2) -- QUEUE
  db:first("SELECT COUNT(*) AS c FROM backfill_rows")]], UPDATE, UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'a', 2")
    assert.equal(0, count_labelled("backfill_rows"))
  end)

  it("tells a queued failure before op.autocommit_block commits what ran", function()
    local text = b2(string.format([[
  db:queue(%q, "a", 1)
  db:queue(%q, "a", 2) -- QUEUE
  op.autocommit_block(function() end)]], UPDATE, UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'a', 2")
    assert.equal(0, count_labelled("backfill_rows"))
  end)

  it("tells a queued failure left for the end of the revision, before its commit", function()
    local text = b2(string.format([[
  for i = 1, 20 do db:queue(%q, i == 7 and "seven" or "x" .. i, i) end
  db:queue(%q, "seven", 21) -- QUEUE]], UPDATE, UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'seven', 21")
    assert.equal(0, count_labelled("backfill_rows"))
  end)

  it("flushes by itself every 1000 statements: a failure stops the loop there", function()
    local text = b2(string.format([[
  local reached = 0
  local ok, err = pcall(function()
    for i = 1, 3000 do
      db:queue(%q, i == 10 and "x1" or "x" .. i, i) -- QUEUE
      reached = i
    end
  end)
  assert(not ok, "no failure")
  error(string.format("stopped after %%d: %%s", reached, err), 0)]], UPDATE))
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'x1', 10")
    local reached = tonumber(r.stderr:match("stopped after (%d+)"))
    -- PostgreSQL and MariaDB find it at the 1000th queue; SQLite at once
    assert.equal(b.tag == "sqlite" and 9 or 999, reached)
    assert.equal(0, count_labelled("backfill_rows"))
  end)

  it("outside a transaction keeps the statements before the failing one, and runs none after", function()
    local text = b2(string.format([[
  for i = 1, 10 do
    db:queue(%q, i == 5 and "x1" or "x" .. i, i) -- QUEUE
  end]], UPDATE), "transactional = false")
    local dir = project(text)
    local r = run(dir, { "upgrade", "head" })
    assert_failed(r, text, "-- QUEUE", "'x1', 5")
    assert.same({ "1=x1", "2=x2", "3=x3", "4=x4", "5=null", "6=null" },
      labels("backfill_rows", " WHERE id <= 6"))
    assert.equal(4, count_labelled("backfill_rows"))
  end)

  it("undoes a failing queue inside a savepoint, and the revision goes on", function()
    local text = b2(string.format([[
  db:queue(%q, "kept", 1)
  local ok, err = pcall(db.savepoint, db, function(d)
    d:queue(%q, "undone", 2)
    d:queue(%q, "kept", 3)
  end)
  assert(not ok and tostring(err):find("statement queued at", 1, true), tostring(err))
  db:queue(%q, "after", 4)]], UPDATE, UPDATE, UPDATE, UPDATE))
    local dir = project(text)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "1=kept", "2=null", "3=null", "4=after" }, labels("backfill_rows", " WHERE id <= 4"))
  end)

  it("refuses a statement that returns rows, and one without values", function()
    local cases = {
      { 'db:queue("SELECT id FROM backfill_rows WHERE id = ?", 1)', "a queued statement must return no rows" },
      { "db:queue(\"UPDATE backfill_rows SET label = 'x' WHERE id = 1\")",
        "db:queue: queue a statement with parameters" },
      { 'db:queue("COMMIT")', "db:queue: queue a statement with parameters" },
    }
    for _, case in ipairs(cases) do
      local text = b2("  " .. case[1] .. " -- QUEUE\n  db:flush()")
      local dir = project(text)
      local r = run(dir, { "upgrade", "head" })
      assert.equal(1, r.status, r.stderr)
      assert.matches("b2%.lua:" .. line_of(text, "-- QUEUE") .. "[: ]", r.stderr)
      assert.matches(plain(case[2]), r.stderr)
      assert.same({ "a1" }, b:versions(url))
      assert.equal(0, count_labelled("backfill_rows"))
    end
  end)
end)

-- The binding underneath (module luamig.driver): stmt:queue(level, ...)
-- and conn:sync(), on one connection, in a transaction as a revision's.
backends.each("stmt:queue and conn:sync", function(b)
  local driver = require("luamig.driver")
  local conn, url
  before_each(function()
    url = b:new_database()
    conn = b:connect(url)
    local blob = b.tag == "postgres" and "BYTEA" or "BLOB"
    assert(conn:execute("CREATE TABLE q (id INTEGER PRIMARY KEY, t VARCHAR(40) UNIQUE, bin " .. blob .. ")"))
    assert(conn:execute("INSERT INTO q (id) VALUES (1), (2), (3), (4)"))
    assert(conn:begin())
  end)
  after_each(function()
    conn:close()
    backends.cleanup()
  end)

  it("counts the rows changed since the last sync, and carries every kind of value", function()
    local st = assert(conn:prepare("UPDATE q SET t = ?, bin = ? WHERE id = ?"))
    assert.is_true(st:queue(1, "one", driver.blob("\0\1"), 1))
    assert.is_true(st:queue(1, "two", nil, 2))           -- a NULL where a blob was: parsed again
    assert.is_true(st:queue(1, "three", driver.blob("\255"), 3))
    assert.equal(3, conn:sync())
    assert.equal(0, conn:sync())
    assert.is_true(st:queue(1, "none", driver.null, 99))
    assert.equal(0, conn:sync())
    local rows = assert(conn:query("SELECT id, t, bin FROM q ORDER BY id"))
    assert.equal("\0\1", rows[1].bin)
    assert.equal(driver.null, rows[2].bin)
    assert.equal("\255", rows[3].bin)
    assert.equal("three", rows[3].t)
  end)

  it("names the statement's values in a failure, and keeps one found by a close for the next call", function()
    local st = assert(conn:prepare("UPDATE q SET t = ?, bin = ? WHERE id = ?"))
    assert.is_true(st:queue(1, "same", driver.blob("xyz"), 1))
    local ok, err, info = st:queue(1, "same", driver.null, 2)
    if ok then  -- PostgreSQL: found at the next call, here after a close
      st:close()
      ok, err, info = conn:query("SELECT 1 AS one")
    end
    assert.is_nil(ok)
    assert.matches("^statement queued at [^ ]*bind_pipeline_spec%.lua:%d+ failed: "
      .. "UPDATE q SET t = %?, bin = %? WHERE id = %? with parameters %('same', NULL, 2%): ", err)
    assert.is_true(info.queued)
    -- told once: the connection goes on (after the rollback PostgreSQL needs)
    assert(conn:rollback())
    assert.equal(1, conn:first("SELECT COUNT(*) AS n FROM q WHERE id = ?", 1).n)
  end)

  it("names no line for a statement queued at level 0 (luamig's own bookkeeping)", function()
    local st = assert(conn:prepare("UPDATE q SET t = ?, bin = ? WHERE id = ?"))
    assert.is_true(st:queue(0, "same", driver.null, 1))
    local ok, err, info = st:queue(0, "same", driver.null, 2)  -- t is UNIQUE
    if ok then ok, err, info = conn:sync() end
    assert.is_nil(ok)
    assert.matches("^queued statement failed: UPDATE q SET t = %?, bin = %? WHERE id = %? with parameters"
      .. " %('same', NULL, 2%): ", err)
    assert.is_true(info.queued)
    assert(conn:rollback())
  end)

  it("shortens long SQL and values in a failure, and shows blobs, floats and booleans", function()
    local function failure(sql, ...)
      local st = assert(conn:prepare(sql))
      local ok, err = st:queue(1, ...)
      if ok then ok, err = conn:sync() end
      assert.is_nil(ok)
      assert(conn:rollback())
      assert(conn:begin())
      return err
    end
    local long = string.rep("x", 100)
    assert.matches("/%* y+%.%.%. with parameters %(1, 'x+'%.%.%., 2%.5%): ",
      failure("INSERT INTO q (id, t, bin) VALUES (?, ?, ?) /* " .. string.rep("y", 400) .. " */", 1, long, 2.5))
    assert.matches("with parameters %(1, true, <blob of 2 bytes>%): ",
      failure("INSERT INTO q (id, t, bin) VALUES (?, ?, ?)", 1, true, driver.blob("ab")))
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    local ok, err = pcall(st.queue, st, 1, "a", 1, "extra")
    assert.is_false(ok)
    assert.matches("statement has 2 parameters, 3 values given", err)
    assert.equal(0, conn:sync())
  end)

  it("syncs by itself past 4 MiB of values", function()
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    local big = string.rep("b", 2 * 1024 * 1024)
    local failed_at
    for i, args in ipairs { { "same", 1 }, { "same", 2 }, { big, 99 }, { big, 99 }, { big, 99 } } do
      if not st:queue(1, args[1], args[2]) then failed_at = i; break end
    end
    -- PostgreSQL finds the failure of the second when the fourth passes 4
    -- MiB, MariaDB when the fourth passes its batches' 1 MiB; SQLite at once
    assert.equal(b.tag == "sqlite" and 2 or 4, failed_at)
    assert(conn:rollback())
  end)

  -- rows of q whose label starts with `prefix`, as another connection
  -- sees them (committed); t is UNIQUE: each row gets prefix .. id
  local function committed(prefix)
    return b:with(url, function(other)
      return tonumber(other:first("SELECT COUNT(*) AS n FROM q WHERE t LIKE ?", prefix .. "%").n)
    end)
  end

  it("commits the queued statements with commit, which counts the rows they changed as sync does", function()
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    for i = 1, 3 do assert.is_true(st:queue(1, "c" .. i, i)) end
    assert.is_true(st:queue(1, "c99", 99))  -- no such row
    local ok, n = conn:commit()
    assert.is_true(ok)
    assert.equal(3, n)
    assert.is_false(conn:in_transaction())
    assert.equal(3, committed("c"))
    assert.equal(0, conn:sync())  -- nothing left
    assert(conn:begin())
    ok, n = conn:commit()  -- nothing queued
    assert.is_true(ok)
    assert.equal(0, n)
  end)

  it("refuses the COMMIT while the guard is on, after syncing the queued statements", function()
    conn:guard_transactions(true)
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    for i = 1, 3 do assert.is_true(st:queue(1, "g" .. i, i)) end
    local ok, err = conn:commit()
    assert.is_nil(ok)
    assert.matches('^refused "COMMIT": a transactional revision runs in a transaction that luamig commits', err)
    conn:guard_transactions(false)
    assert.is_true(conn:in_transaction())
    assert.equal(0, conn:sync())  -- synced before the refusal
    assert.equal(3, tonumber(conn:first("SELECT COUNT(*) AS n FROM q WHERE t LIKE 'g%'").n))
    assert.is_true(conn:rollback())
    assert.equal(0, committed("g"))
  end)

  it("drops a queued failure at rollback", function()
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    st:queue(1, "d", 1)
    st:queue(1, "d", 2)
    assert(conn:rollback())
    assert.equal(0, conn:sync())
    assert.equal(0, tonumber(conn:first("SELECT COUNT(*) AS n FROM q WHERE t IS NOT NULL").n))
  end)

  it("keeps a queued statement from the garbage collector until it is synced", function()
    local st = assert(conn:prepare("UPDATE q SET t = ? WHERE id = ?"))
    for i = 1, 4 do st:queue(1, "g" .. i, i) end
    st = nil -- luacheck: ignore (dropped on purpose)
    collectgarbage()
    collectgarbage()
    assert.equal(4, conn:sync())
    assert.equal(4, tonumber(conn:first("SELECT COUNT(*) AS n FROM q WHERE t LIKE 'g%'").n))
  end)
end)
