-- op.bulk_insert on every backend, through a real context: values that
-- must arrive exactly (COPY's escapes on PostgreSQL), rows that leave
-- columns out (the server default applies), and which path ran.
local backends = require("helpers.backends")
local context = require("luamig.context")
local ops = require("luamig.ops")
local journal = require("luamig.context.journal")
local driver = require("luamig.driver")
local types = require("luamig.schema.types")

local null = driver.null
local Column, Integer, BigInteger, String, Text, Boolean, Float, LargeBinary =
  types.Column, types.Integer, types.BigInteger, types.String, types.Text, types.Boolean, types.Float, types.LargeBinary

local TRICKY = {
  "plain", "", "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "héllo ✓ 🚀",
  "ends with backslash\\", "'quotes' and \"doubles\"",
}

backends.each("op.bulk_insert", function(b)
  local url, ctx, op
  before_each(function()
    url = b:new_database()
    ctx = assert(context.open({ url = url, version_table = "luamig_version", history_table = "luamig_history" }))
    assert(ctx.conn:begin())
    op = ops.new(ctx)
  end)
  after_each(function()
    if ctx.conn:in_transaction() then ctx.conn:commit() end
    ctx:close()
    backends.cleanup()
  end)

  local function table_def()
    return op.create_table("items",
      Column("id", Integer, { primary_key = true }),
      Column("n", BigInteger),
      Column("t", Text),
      Column("ok", Boolean),
      Column("f", Float),
      Column("bin", LargeBinary),
      Column("label", String(20), { server_default = "none" }))
  end

  it("carries every value exactly, text with tabs, newlines and backslashes included", function()
    local def = table_def()
    local rows = {}
    for i, s in ipairs(TRICKY) do
      rows[i] = { id = i, n = i % 2 == 0 and math.maxinteger or math.mininteger, t = s, ok = i % 2 == 0,
        f = i + 0.25, bin = driver.blob("\0\1\255" .. s), label = "l" .. i }
    end
    rows[#rows + 1] = { id = 100, n = null, t = null, ok = null, f = null, bin = null, label = null }
    ctx.executed = journal.new(ctx.conn)
    op.bulk_insert(def, rows)
    if b.tag == "postgres" then
      assert.matches('^COPY "items" %("id", "n", "t", "ok", "f", "bin", "label"%) FROM STDIN %-%- 12 rows$', ctx.executed.sql[1])
    elseif b.tag == "mysql" then
      assert.equal("LOAD DATA LOCAL INFILE 'luamig-bulk-insert' INTO TABLE `items` CHARACTER SET binary"
        .. " (`id`, `n`, `t`, `ok`, `f`, `bin`, `label`) -- 12 rows", ctx.executed.sql[1])
    else
      assert.equal('INSERT INTO "items" ("id", "n", "t", "ok", "f", "bin", "label") VALUES (?, ?, ?, ?, ?, ?, ?)'
        .. " -- 12 rows", ctx.executed.sql[1])
    end
    local got = assert(ctx.conn:query("SELECT id, n, t, ok, f, bin, label FROM items ORDER BY id"))
    assert.equal(#TRICKY + 1, #got)
    for i, s in ipairs(TRICKY) do
      local row = got[i]
      assert.equal(s, row.t, "text of row " .. i)
      assert.equal(i % 2 == 0 and math.maxinteger or math.mininteger, row.n)
      assert.is_true(row.ok == (i % 2 == 0) or row.ok == (i % 2 == 0 and 1 or 0))
      assert.equal(i + 0.25, row.f)
      assert.equal("\0\1\255" .. s, row.bin)
      assert.equal("l" .. i, row.label)
    end
    for _, col in ipairs { "n", "t", "ok", "f", "bin", "label" } do assert.equal(null, got[#got][col], col) end
  end)

  -- The loaders' text is handed over 64 KiB at a time (SQLite's typed
  -- values too): values longer than that, and rows cut anywhere between two
  -- pieces, arrive whole. (MySQL's TEXT and BLOB hold 64 KiB at most.)
  it("carries values longer than a piece of the load, and rows split between pieces", function()
    local def = table_def()
    local long = b.tag == "mysql" and 30000 or 75000
    local function text(i)
      if i % 7 == 0 then return string.rep(string.char(65 + i % 26), 2 * long + i) .. "|" .. i end
      return "short " .. i .. string.rep("\t", i % 5)
    end
    local rows = {}
    for i = 1, 300 do
      rows[i] = { id = i, n = i * 1000, t = text(i), ok = i % 3 == 0, f = i / 4,
        bin = driver.blob(string.rep("\0\255", i % 11 == 0 and long or i)), label = "l" .. i }
    end
    op.bulk_insert(def, rows)
    local got = assert(ctx.conn:query("SELECT id, n, t, f, bin, label FROM items ORDER BY id"))
    assert.equal(300, #got)
    for i, row in ipairs(got) do
      assert.equal(i, tonumber(row.id))
      assert.equal(i * 1000, row.n)
      assert.equal(text(i), row.t, "text of row " .. i)
      assert.equal(i / 4, row.f)
      assert.equal(string.rep("\0\255", i % 11 == 0 and long or i), tostring(row.bin), "bytes of row " .. i)
      assert.equal("l" .. i, row.label)
    end
  end)

  it("inserts more rows than one batch holds, the last batch shorter", function()
    local def = table_def()
    local rows = {}
    for i = 1, 2503 do rows[i] = { id = i, n = i * 2, t = "row " .. i } end
    ctx.executed = journal.new(ctx.conn)
    op.bulk_insert(def, rows)
    local got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(t) AS m FROM items"))
    assert.equal(2503, tonumber(got.c))
    assert.equal(2503 * 2504, tonumber(got.s))
    if b.tag == "mysql" then assert.matches("^LOAD DATA .* %-%- 2503 rows$", ctx.executed.sql[1]) end
  end)

  if b.tag == "mysql" then
    it("uses multi-row INSERTs, the last batch shorter, where the server refuses LOCAL", function()
      assert(ctx.conn:execute("SET GLOBAL local_infile = 0"))
      local ok, err = pcall(function()
        local c2 = assert(context.open({ url = url, version_table = "luamig_version", history_table = "luamig_history" }))
        local op2 = ops.new(c2)
        local def = op2.create_table("items", Column("id", Integer, { primary_key = true }), Column("t", Text))
        local rows = {}
        for i = 1, 2503 do rows[i] = { id = i, t = "tab\there " .. i } end
        assert(c2.conn:begin())
        op2.bulk_insert(def, rows)
        assert(c2.conn:commit())
        assert.matches("^INSERT INTO `items` %(`id`, `t`%) VALUES %(%?, %?%), %.%.%. %-%- 2503 rows in batches of 1000$",
          c2.executed.sql[#c2.executed.sql])
        local got = assert(c2.conn:first("SELECT COUNT(*) AS c, MAX(t) AS m FROM items WHERE t LIKE 'tab\there %'"))
        assert.equal(2503, tonumber(got.c))
        c2:close()
      end)
      assert(ctx.conn:execute("SET GLOBAL local_infile = 1"))
      assert(ok, err)
    end)

    it("sends the server no local file outside a bulk insert", function()
      table_def()
      local ok, err = ctx.conn:execute("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE items (t)")
      assert.is_nil(ok)
      assert.matches("luamig sends no local file unless it is loading rows", err, 1, true)
      assert.equal(0, tonumber(ctx.conn:first("SELECT COUNT(*) AS n FROM items").n))
    end)

    it("refuses a value MySQL cannot store, naming the row and column", function()
      local def = table_def()
      if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
      local ok, err = pcall(op.bulk_insert, def, { { id = 1, f = 1.5 }, { id = 2, f = math.huge } })
      assert.is_false(ok)
      assert.matches("row 2, column f: cannot insert a infinity or NaN, which MySQL cannot store", err, 1, true)
      ctx.conn:rollback()
      assert.equal(0, tonumber(ctx.conn:first("SELECT COUNT(*) AS n FROM items").n))
    end)

    it("turns LOAD DATA's warnings into a failure: a value too long for its column", function()
      local def = table_def()
      if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
      local ok, err = pcall(op.bulk_insert, def, { { id = 1, label = "short" }, { id = 2, label = string.rep("x", 30) } })
      assert.is_false(ok)
      assert.matches("bulk_insert into `items`, rows 1%-2: Warning 1265: Data truncated for column 'label' at row 2", err)
      ctx.conn:rollback()
      assert.equal(0, tonumber(ctx.conn:first("SELECT COUNT(*) AS n FROM items").n))
    end)
  end

  it("takes rows from a function in chunks, and from another table through db:rows()", function()
    local def = table_def()
    if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
    local i = 0
    op.bulk_insert(def, function()
      if i == 25003 then return nil end
      i = i + 1
      return { id = i, n = i, t = "streamed " .. i }
    end)
    local got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s FROM items"))
    assert.equal(25003, tonumber(got.c))
    assert.equal(25003 * 25004 // 2, tonumber(got.s))
    -- a copy of the table, read and written on the same connection
    local copy = op.create_table("items_copy", Column("id", Integer, { primary_key = true }), Column("n", BigInteger),
      Column("t", Text))
    if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
    local db = op.get_bind()
    op.bulk_insert(copy, db:rows("SELECT id, n * 2 AS n, t FROM items ORDER BY id"))
    got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(t) AS m FROM items_copy"))
    assert.equal(25003, tonumber(got.c))
    assert.equal(25003 * 25004, tonumber(got.s))
    assert.equal("streamed 9999", got.m)
  end)

  -- A stream's bulk load stays open between two chunks; any other call on
  -- the connection ends it first. The function here reads and writes on
  -- the same connection every 4000 rows: it sees the rows of the chunks
  -- handed over before (10,000 each), and everything arrives.
  it("streams rows from a function that uses the same connection in between", function()
    local def = table_def()
    op.create_table("side_log", Column("at", Integer, { primary_key = true }), Column("seen", BigInteger))
    if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
    local db = op.get_bind()
    local i, checks = 0, 0
    op.bulk_insert(def, function()
      if i == 25003 then return nil end
      i = i + 1
      if i % 4000 == 0 then
        local seen = tonumber(db:first("SELECT COUNT(*) AS c FROM items").c)
        assert.equal((i - 1) // 10000 * 10000, seen)
        db:execute("INSERT INTO side_log (at, seen) VALUES (?, ?)", i, seen)
        local ids = {}
        for row in db:rows("SELECT id FROM items WHERE id <= 3 ORDER BY id") do ids[#ids + 1] = tonumber(row.id) end
        assert.same(i > 10000 and { 1, 2, 3 } or {}, ids)
        checks = checks + 1
      end
      return { id = i, n = i, f = i + 0.1, t = "streamed\t" .. i }
    end)
    assert.equal(6, checks)
    local got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(f) AS f FROM items"))
    assert.equal(25003, tonumber(got.c))
    assert.equal(25003 * 25004 // 2, tonumber(got.s))
    assert.equal(25003.1, tonumber(got.f))
    assert.equal("streamed\t777", ctx.conn:first("SELECT t FROM items WHERE id = 777").t)
    local log = assert(ctx.conn:query("SELECT at, seen FROM side_log ORDER BY at"))
    assert.equal(6, #log)
    assert.equal(20000, tonumber(log[6].seen))
  end)

  -- Each failure mid-stream: the message names what failed (the
  -- function's own error as it was raised, the row), and after the
  -- revision's rollback no row of the stream is left.
  local function stream_failure(def, bad_at, bad, label, left_loaded)
    if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
    assert.equal(0, tonumber(ctx.conn:first("SELECT COUNT(*) AS n FROM items").n))
    local i = 0
    local ok, err = pcall(op.bulk_insert, def, function()
      if i == 30000 then return nil end
      i = i + 1
      if i == bad_at then return bad(i) end
      return { id = i, n = i, f = i + 0.5, t = "row " .. i, label = label and label(i) or "l" }
    end)
    assert.is_false(ok)
    if b.tag == "postgres" and not left_loaded then
      -- the open COPY was given up, not ended: the transaction is aborted,
      -- where ending the COPY would have stored its rows. (MySQL cannot
      -- give LOAD DATA LOCAL up: the client ends the file early, and the
      -- rows sent stay until the rollback; SQLite inserted whole chunks.)
      local rows, qerr = ctx.conn:first("SELECT COUNT(*) AS n FROM items")
      assert.is_nil(rows)
      assert.matches("current transaction is aborted", qerr, 1, true)
    end
    ctx.conn:rollback()
    assert(ctx.conn:begin())
    assert.equal(0, tonumber(assert(ctx.conn:first("SELECT COUNT(*) AS n FROM items")).n))
    return tostring(err)
  end

  -- the table, committed: the failures' rollbacks must not take it away
  local function committed_table()
    local def = table_def()
    if ctx.conn:in_transaction() then assert(ctx.conn:commit()) end
    return def
  end

  it("gives the row function's own error and leaves nothing when it raises mid-stream", function()
    local def = committed_table()
    local err = stream_failure(def, 15000, function(i) error({ code = "boom at " .. i }) end)
    assert.matches("^table: ", err)  -- the error value itself, not a message about it
    err = stream_failure(def, 15000, function(i) error("boom at " .. i, 0) end)
    assert.equal("boom at 15000", err)
  end)

  it("names the bad row of a stream and leaves nothing", function()
    local def = committed_table()
    local err = stream_failure(def, 12345, function() return "not a row" end)
    assert.matches('op.bulk_insert: rows[12345] must be a table, got string "not a row"', err, 1, true)
    err = stream_failure(def, 23456, function(i) return { id = i, [1] = "x" } end)
    assert.matches("op.bulk_insert: rows[23456] has a key that is not a column name: number 1", err, 1, true)
    if b.tag == "mysql" then
      err = stream_failure(def, 21111, function(i) return { id = i, n = i, t = "x", f = 0 / 0, label = "l" } end)
      assert.matches("row 21111, column f: cannot insert a infinity or NaN, which MySQL cannot store", err, 1, true)
    end
  end)

  if b.tag == "mysql" then
    it("fails on the warnings of a streamed load that a call of the row function ended", function()
      local def = committed_table()
      local db = op.get_bind()
      local err = stream_failure(def, 12000, function(i)
        db:first("SELECT 1 AS one")  -- ends the load of rows 1-10000, row 5 truncated
        return { id = i, n = i, f = 1.5, t = "x", label = "l" }
      end, function(i) return i == 5 and string.rep("x", 30) or "l" end, true)
      assert.matches("bulk load failed: the server gave 1 warnings", err, 1, true)
    end)
  end

  it("fails with the database's message when a streamed row breaks a constraint, and leaves nothing", function()
    local def = committed_table()
    local err = stream_failure(def, 17000, function() return { id = 3, n = 3, f = 1.5, t = "again", label = "l" } end,
      nil, true)
    assert.truthy(err:find("[Dd]uplicate") or err:find("UNIQUE constraint failed"), err)
    -- SQLite's INSERTs run on the binding's thread: the row is named all the same
    if b.tag == "sqlite" then assert.matches("row 17000: UNIQUE constraint failed: items.id", err, 1, true) end
  end)

  -- A list longer than a chunk goes in chunks into one load, as a stream
  -- does; its rows keep their numbers in messages.
  it("takes a long list in chunks, into one load, naming a bad row by its place in the list", function()
    local def = committed_table()
    local function rows(n)
      local list = {}
      for i = 1, n do list[i] = { id = i, n = i, f = 0.5, t = "row " .. i, label = "l" } end
      return list
    end
    assert(ctx.conn:begin())
    ctx.executed = journal.new(ctx.conn)
    op.bulk_insert(def, rows(25003))
    assert.equal(1, #ctx.executed.sql)
    assert.matches("%-%- 25003 rows$", ctx.executed.sql[1])
    local got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s FROM items"))
    assert.equal(25003, tonumber(got.c))
    assert.equal(25003 * 25004 // 2, tonumber(got.s))
    ctx.conn:rollback()
    -- the chunks before the bad row were stored: the revision's rollback
    -- takes them back
    local bad = rows(25003)
    bad[23456][1] = "x"
    assert(ctx.conn:begin())
    local ok, err = pcall(op.bulk_insert, def, bad)
    assert.is_false(ok)
    assert.matches("op.bulk_insert: rows[23456] has a key that is not a column name: number 1", err, 1, true)
    ctx.conn:rollback()
    bad = rows(25003)
    bad[40000] = { id = 0 }
    assert(ctx.conn:begin())
    ok, err = pcall(op.bulk_insert, def, bad)
    assert.is_false(ok)
    ctx.conn:rollback()
    assert.matches("op.bulk_insert: rows must be a list of rows, but it has the key number 40000 beyond the list's length",
      err, 1, true)
    assert.equal(0, tonumber(assert(ctx.conn:first("SELECT COUNT(*) AS n FROM items")).n))
  end)

  it("lets the server default fill a column a row leaves out", function()
    local def = table_def()
    ctx.executed = journal.new(ctx.conn)
    op.bulk_insert(def, { { id = 1, t = "a" }, { id = 2, t = "b", label = "given" }, { id = 3, t = "c" } })
    local got = assert(ctx.conn:query("SELECT id, label FROM items ORDER BY id"))
    assert.same({ "none", "given", "none" }, { got[1].label, got[2].label, got[3].label })
    assert.matches("^INSERT INTO", ctx.executed.sql[1])
  end)

  it("fails with the database's message and leaves no row behind", function()
    local def = table_def()
    -- MySQL's CREATE TABLE ended the transaction: the rows get a new one
    if not ctx.conn:in_transaction() then assert(ctx.conn:begin()) end
    local ok, err = pcall(op.bulk_insert, def, { { id = 1, t = "a" }, { id = 1, t = "duplicate" } })
    assert.is_false(ok)
    assert.truthy(err:find("[Dd]uplicate") or err:find("UNIQUE constraint failed"), err)
    if b.tag == "sqlite" then assert.matches("row 2: UNIQUE constraint failed: items.id", err, 1, true) end
    ctx.conn:rollback()
    assert(ctx.conn:begin())
    local rows = ctx.conn:query("SELECT COUNT(*) AS n FROM items")
    assert.is_true(rows == nil or tonumber(rows[1].n) == 0)
  end)
end)
