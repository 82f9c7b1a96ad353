-- Batch mode's column order (partial_reordering, add_column's insert_before
-- and insert_after) run by the real executable on each database: SQLite
-- rebuilds the table, PostgreSQL moves and copies it, MariaDB moves the
-- columns with ALTER TABLE ... MODIFY ... AFTER. The columns must come out
-- in the order Alembic gives, with every row, key, index, reference from
-- another table, comment and the key's next value kept; a wrong name or a
-- contradiction is refused at the batch's line, changing nothing. The
-- database is inspected through the driver, not through luamig.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local snapshot = require("helpers.snapshot")

-- foo (id, data, x) with three rows whose ids the database gave, an
-- index, a comment on a column (where kept), and bar referencing foo.
local SETUP = [[
  op.create_table("foo", Column("id", Integer, { primary_key = true }), Column("data", String(50)),
    Column("x", Integer, { comment = "the x" }), Index("ix_foo_x", "x"))
  op.execute("INSERT INTO foo (data, x) VALUES ('d1', 5), ('d2', 6), ('d3', 7)")
  op.create_table("bar", Column("id", Integer, { primary_key = true }),
    Column("foo_id", Integer, { references = "foo.id" }))
  op.execute("INSERT INTO bar (id, foo_id) VALUES (1, 3)")]]

local function project(body)
  return h.project {
    ["migrations/versions/a1_setup.lua"] = h.revision_text("a1", { up = SETUP }),
    ["migrations/versions/b2_rev.lua"] = h.revision_text("b2", { down = "a1", up = body }),
  }
end

local function column_order(b, url, t)
  return b:with(url, function(conn)
    local rows
    if b.tag == "sqlite" then
      rows = assert(conn:query("SELECT name FROM pragma_table_info('" .. t .. "') ORDER BY cid"))
    else
      rows = assert(conn:query("SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?"
        .. (b.tag == "postgres" and " AND table_schema = current_schema()" or " AND table_schema = DATABASE()")
        .. " ORDER BY ordinal_position", t))
    end
    local out = {}
    for i, r in ipairs(rows) do out[i] = r.name or r.NAME end
    return out
  end)
end

backends.each("batch mode's column order", function(b)
  backends.cleanup_after_each()

  local function run(body, recreate)
    local url = b:new_database()
    local dir = project(body)
    h.run_ok(dir, h.with_url(url, { "upgrade", "a1" }))
    local before = snapshot.take(b, url)
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    return r, url, before, recreate
  end

  it("puts the columns in the order partial_reordering and insert_after ask, keeping rows, keys and references",
    function()
      local r, url = run([[
  op.batch_alter_table("foo", function(batch)
    batch.add_column(Column("note", String(20), { server_default = "n" }), { insert_after = "id" })
  end, { recreate = "always", partial_reordering = { { "x", "data" } } })]])
      assert.equal(0, r.status, r.stderr)
      -- Alembic: id and x first (nothing before them), then data (after x)
      -- and note (after id), in the table's order
      assert.same({ "id", "x", "data", "note" }, column_order(b, url, "foo"))
      b:with(url, function(conn)
        assert.same({ { id = 1, data = "d1", x = 5, note = "n" }, { id = 2, data = "d2", x = 6, note = "n" },
          { id = 3, data = "d3", x = 7, note = "n" } }, conn:query("SELECT id, data, x, note FROM foo ORDER BY id"))
        -- the key still generates (continuing after 3), and is still a key
        assert(conn:execute("INSERT INTO foo (data, x) VALUES ('d4', 8)"))
        assert.equal(4, conn:first("SELECT id FROM foo WHERE data = 'd4'").id)
        assert.is_nil(conn:execute("INSERT INTO foo (id, data) VALUES (1, 'dup')"))
        if b.tag == "sqlite" then assert(conn:execute("PRAGMA foreign_keys = ON")) end
        -- bar's reference into foo still holds and is enforced
        assert.is_nil(conn:execute("INSERT INTO bar (id, foo_id) VALUES (2, 99)"))
        assert(conn:execute("INSERT INTO bar (id, foo_id) VALUES (3, 2)"))
      end)
      assert.is_truthy(table.concat(b:indexes(url, "foo"), " "):find("ix_foo_x", 1, true))
      if b.tag ~= "sqlite" then assert.equal("the x", b:column_comment(url, "foo", "x")) end
    end)

  it("places added columns with insert_before and insert_after as Alembic does", function()
    local r, url = run([[
  op.batch_alter_table("foo", function(batch)
    batch.add_column(Column("g", Integer), { insert_after = "id" })
    batch.add_column(Column("q", Integer), { insert_before = "g" })
    batch.add_column(Column("z", Integer))
  end, { recreate = "always" })]])
    assert.equal(0, r.status, r.stderr)
    -- Alembic's test_add_col_insert_before_another_insert, plus one at the end
    assert.same({ "id", "q", "g", "data", "x", "z" }, column_order(b, url, "foo"))
    b:with(url, function(conn)
      assert.same({ { id = 3, data = "d3", x = 7 } }, conn:query("SELECT id, data, x FROM foo WHERE id = 3"))
    end)
  end)

  it("reorders with an empty batch, and follows a renamed column by its new name", function()
    local r, url = run([[
  op.batch_alter_table("foo", function(batch)
    batch.alter_column("data", { new_column_name = "body", existing_type = String(50) })
  end, { partial_reordering = { { "x", "body", "id" } } })]])
    assert.equal(0, r.status, r.stderr)
    assert.same({ "x", "body", "id" }, column_order(b, url, "foo"))
    b:with(url, function(conn)
      assert.same({ { id = 2, body = "d2", x = 6 } }, conn:query("SELECT id, body, x FROM foo WHERE id = 2"))
    end)
  end)

  -- Each refusal at the batch's line (6: the first line of upgrade()),
  -- with the database exactly as before (the batch also adds a column,
  -- which must not have been added).
  local refusals = {
    { "a column that does not exist", '{ { "x", "nope" } }',
      'b2_rev.lua:6: op.batch_alter_table("foo"): partial_reordering names no column "nope" of table "foo"'
        .. ' (its columns after the batch: id, data, x, extra)' },
    { "a column named twice", '{ { "x", "data", "x" } }',
      'b2_rev.lua:6: op.batch_alter_table("foo"): partial_reordering names column "x" twice in one list' },
    { "orders that contradict each other", '{ { "x", "data" }, { "data", "id" }, { "id", "x" } }',
      'b2_rev.lua:6: op.batch_alter_table("foo"): the column orders asked for contradict each other:'
        .. ' "x" before "data" before "id" before "x"' },
  }
  for _, case in ipairs(refusals) do
    it("refuses " .. case[1] .. " at the batch's line, changing nothing", function()
      local r, url, before = run(string.format([[
  op.batch_alter_table("foo", function(batch) batch.add_column(Column("extra", Integer)) end,
    { recreate = "always", partial_reordering = %s })]], case[2]))
      assert.equal(1, r.status)
      assert.matches(case[3], r.stderr, 1, true)
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      snapshot.close()
    end)
  end

  it("refuses an order with recreate = \"never\", which forbids the rebuild it needs", function()
    local r, url, before = run([[
  op.batch_alter_table("foo", function(batch)
    batch.add_column(Column("g", Integer), { insert_before = "x" })
  end, { recreate = "never" })]])
    assert.equal(1, r.status)
    assert.matches('b2_rev.lua:6: op.batch_alter_table("foo"): insert_before/insert_after needs the table rebuilt,'
      .. ' which recreate = "never" forbids', r.stderr, 1, true)
    assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
    snapshot.close()
  end)
end)
