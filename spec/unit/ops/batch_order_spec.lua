-- The column order of a rebuilt table (luamig.ops.batch.order): the orders
-- Alembic's tests/test_batch.py (BatchApplyTest) expects for
-- partial_reordering and add_column's insert_before / insert_after, on its
-- simple fixture (id, x, y), and the refusals luamig adds where Alembic
-- silently ignores a name or fails with a Python error.

local order = require("luamig.ops.batch.order")

local function add(name, opts)
  opts = opts or {}
  return { kind = "add_column", column = { name = name }, insert_before = opts.before, insert_after = opts.after }
end

local function plan(records, reordering, columns)
  return order.plan(columns or { "id", "x", "y" }, records, reordering, "tname")
end

describe("batch mode's column order", function()
  -- { test, records, partial_reordering, expected order }
  local alembic = {
    { "test_partial_reordering", {}, { { "x", "id", "y" } }, { "x", "id", "y" } },
    { "test_add_col_partial_reordering", { add("g") }, { { "id", "x", "g", "y" } }, { "id", "x", "g", "y" } },
    { "test_add_col", { add("g") }, nil, { "id", "x", "y", "g" } },
    { "test_add_col_insert_before", { add("g", { before = "x" }) }, nil, { "id", "g", "x", "y" } },
    { "test_add_col_insert_before_beginning", { add("g", { before = "id" }) }, nil, { "g", "id", "x", "y" } },
    { "test_add_col_insert_before_middle", { add("g", { before = "y" }) }, nil, { "id", "x", "g", "y" } },
    { "test_add_col_insert_after_middle", { add("g", { after = "id" }) }, nil, { "id", "g", "x", "y" } },
    { "test_add_col_insert_after_penultimate", { add("g", { after = "x" }) }, nil, { "id", "x", "g", "y" } },
    { "test_add_col_insert_after_end", { add("g", { after = "y" }) }, nil, { "id", "x", "y", "g" } },
    { "test_add_col_insert_after_plus_no_order", { add("g", { after = "id" }), add("q") }, nil,
      { "id", "g", "x", "y", "q" } },
    { "test_add_col_no_order_plus_insert_after", { add("q"), add("g", { after = "id" }) }, nil,
      { "id", "g", "x", "y", "q" } },
    { "test_add_col_insert_after_another_insert", { add("g", { after = "id" }), add("q", { after = "g" }) }, nil,
      { "id", "g", "q", "x", "y" } },
    { "test_add_col_insert_before_another_insert", { add("g", { after = "id" }), add("q", { before = "g" }) }, nil,
      { "id", "q", "g", "x", "y" } },
  }
  for _, case in ipairs(alembic) do
    it("puts the columns where Alembic's " .. case[1] .. " expects them", function()
      assert.same(case[4], assert(plan(case[2], case[3])))
    end)
  end

  it("keeps the order of columns partial_reordering does not name, moving the named ones by layers", function()
    -- Alembic's sort: every column nothing must precede, in order, then the rest
    assert.same({ "b", "c", "d", "a" }, assert(plan({}, { { "d", "a" } }, { "a", "b", "c", "d" })))
    assert.same({ "c", "d", "a", "b" }, assert(plan({}, { { "c", "d", "a", "b" } }, { "a", "b", "c", "d" })))
    assert.same({ "b", "d", "a", "c" }, assert(plan({}, { { "d", "c" }, { "b", "a" } }, { "a", "b", "c", "d" })))
    -- two inserts after the same column keep the order they were added in
    assert.same({ "id", "g", "q", "x", "y" }, assert(plan({ add("g", { after = "id" }), add("q", { after = "id" }) })))
  end)

  it("follows renamed and dropped columns, by the new name or (as Alembic) the old one", function()
    local recs = { { kind = "alter_column", column = "x", new_column_name = "x2" }, { kind = "drop_column", column = "id" },
      add("g", { before = "x2" }) }
    assert.same({ "g", "x2", "y" }, assert(plan(recs)))
    assert.same({ "y", "x2" }, assert(plan({ recs[1] }, { { "y", "x" } }, { "x", "y" })))
    assert.same({ "y", "x2" }, assert(plan({ recs[1] }, { { "y", "x2" } }, { "x", "y" })))
  end)

  it("refuses a column that does not exist, one named twice, and orders that contradict each other", function()
    local _, err = plan({}, { { "x", "nope" } })
    assert.equal('partial_reordering names no column "nope" of table "tname" (its columns after the batch: id, x, y)',
      err)
    _, err = plan({ { kind = "drop_column", column = "x" } }, { { "x", "y" } })
    assert.equal('partial_reordering names no column "x" of table "tname" (its columns after the batch: id, y)', err)
    _, err = plan({}, { { "x", "y", "X" } })
    assert.equal('partial_reordering names column "x" twice in one list', err)
    _, err = plan({}, { { "x", "y" }, { "y", "x" } })
    assert.equal('the column orders asked for contradict each other: "y" before "x" before "y"', err)
    _, err = plan({ add("g", { before = "x" }) }, { { "x", "y", "g" } })
    assert.equal('the column orders asked for contradict each other: "y" before "g" before "x" before "y"', err)
    _, err = plan({ add("g", { after = "zz" }) })
    assert.equal('add_column "g": insert_after names no column "zz" of table "tname" (its columns: id, x, y)', err)
  end)

  it("accepts as partial_reordering only a list of lists of two or more names", function()
    assert.is_true(order.is_reordering({ { "a", "b" } }))
    assert.is_true(order.is_reordering({ { "a", "b", "c" }, { "d", "a" } }))
    for _, bad in ipairs { "a", {}, { "a", "b" }, { { "a" } }, { { "a", 2 } }, { { "a", "" } }, { { "a", "b" }, x = 1 } } do
      assert.is_false(order.is_reordering(bad))
    end
  end)

  it("asks for an order when partial_reordering or an anchored add_column is given, else not", function()
    assert.is_false(order.wanted({ add("g") }, nil))
    assert.is_true(order.wanted({ add("g", { after = "x" }) }, nil))
    assert.is_true(order.wanted({}, { { "x", "y" } }))
  end)
end)
