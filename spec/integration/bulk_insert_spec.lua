-- op.bulk_insert on every backend, through a real context: values that
-- must arrive exactly (COPY's escapes on PostgreSQL), rows that leave
-- columns out (the server default applies), and which path ran.
local backends = require "helpers.backends"
local context = require "luamig.context"
local ops = require "luamig.ops"
local driver = require "luamig.driver"
local types = require "luamig.types"

local null = driver.null
local Column, Integer, BigInteger, String, Text, Boolean, Float, LargeBinary =
  types.Column, types.Integer, types.BigInteger, types.String, types.Text, types.Boolean, types.Float, types.LargeBinary

local TRICKY = {
  "plain", "", "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "héllo ✓ 🚀",
  "ends with backslash\\", "'quotes' and \"doubles\"",
}

for _, b in ipairs(backends.all()) do
  describe("op.bulk_insert on " .. b.name .. " #" .. b.tag, function()
    if not b.available then
      return it("runs on " .. b.name, function() pending(b.skip_message) end)
    end
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
      ctx.executed = {}
      op.bulk_insert(def, rows)
      if b.tag == "postgres" then
        assert.matches('^COPY "items" %("id", "n", "t", "ok", "f", "bin", "label"%) FROM STDIN %-%- 12 rows$', ctx.executed[1])
      elseif b.tag == "mysql" then
        assert.matches("^INSERT INTO `items` %(.-%) VALUES %(%?, %?, %?, %?, %?, %?, %?%), %.%.%. %-%- 12 rows in batches of 12$",
          ctx.executed[1])
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
      ctx.executed = {}
      op.bulk_insert(def, rows)
      local got = assert(ctx.conn:first("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(t) AS m FROM items"))
      assert.equal(2503, tonumber(got.c))
      assert.equal(2503 * 2504, tonumber(got.s))
      if b.tag == "mysql" then assert.matches("2503 rows in batches of 1000$", ctx.executed[1]) end
    end)

    it("lets the server default fill a column a row leaves out", function()
      local def = table_def()
      ctx.executed = {}
      op.bulk_insert(def, { { id = 1, t = "a" }, { id = 2, t = "b", label = "given" }, { id = 3, t = "c" } })
      local got = assert(ctx.conn:query("SELECT id, label FROM items ORDER BY id"))
      assert.same({ "none", "given", "none" }, { got[1].label, got[2].label, got[3].label })
      assert.matches("^INSERT INTO", ctx.executed[1])
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
end
