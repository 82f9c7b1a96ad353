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
    ctx.conn:rollback()
    assert(ctx.conn:begin())
    local rows = ctx.conn:query("SELECT COUNT(*) AS n FROM items")
    assert.is_true(rows == nil or tonumber(rows[1].n) == 0)
  end)
end)
