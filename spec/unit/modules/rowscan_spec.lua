-- luamig.rowscan: what op.bulk_insert learns of its rows before inserting
-- them. The scan skips the lookup of a key that sits where the first
-- row had it; rows made alike and rows that differ must both be told
-- right.
local rowscan = require("luamig.rowscan")
local sorted = require("luamig.ops.check").sorted_keys

describe("luamig.rowscan", function()
  it("tells rows made alike: their keys, the same in every row", function()
    local rows = {}
    for i = 1, 1000 do rows[i] = { id = i, name = "n" .. i, f = i / 2 } end
    local keys, same, tables = rowscan.scan(rows)
    assert.same({ "f", "id", "name" }, sorted(keys))
    assert.is_true(same)
    assert.is_false(tables)
  end)

  it("tells a row with another key in the first row's place, as many keys as the first", function()
    local rows = {}
    for i = 1, 50 do rows[i] = { a = i, b = i } end
    rows[37] = { a = 1, c = 2 }
    local keys, same = rowscan.scan(rows)
    assert.same({ "a", "b", "c" }, sorted(keys))
    assert.is_false(same)
  end)

  it("takes the same keys in another order as the same", function()
    local rows = { { a = 1, b = 2, c = 3 } }
    local other = {}
    other.c = 3; other.b = 2; other.a = 1
    for i = 2, 20 do rows[i] = i % 2 == 0 and other or { a = i, b = i, c = i } end
    local keys, same = rowscan.scan(rows)
    assert.same({ "a", "b", "c" }, sorted(keys))
    assert.is_true(same)
  end)

  it("tells rows with fewer or more keys, keys longer than a short string, and values that are tables", function()
    local long = string.rep("k", 60)  -- not interned: compared by lookup
    local rows = { { [long] = 1, b = 2 }, { [long] = 2, b = 3 }, { [long] = 3 } }
    local keys, same = rowscan.scan(rows)
    assert.same({ "b", long }, sorted(keys))
    assert.is_false(same)
    keys, same = rowscan.scan({ { a = 1 }, { a = 2, b = { 1 } } })
    assert.same({ "a", "b" }, sorted(keys))
    assert.is_false(same)
    local _, _, tables = rowscan.scan({ { a = 1 }, { a = { 1 } } })
    assert.is_true(tables)
  end)

  it("names a row that is not a table, a key that is not a name, a key outside the list", function()
    assert.same({ nil, 2, "row" }, { rowscan.scan({ { a = 1 }, "x" }) })
    assert.same({ nil, 2, "key" }, { rowscan.scan({ { a = 1 }, { a = 1, [5] = 2 } }) })
    local _, key, what = rowscan.scan({ { a = 1 }, x = { a = 2 } })
    assert.equal("x", key)
    assert.equal("list", what)
  end)

  it("skips the list's own check when told the list is one, and finds a stray key by itself", function()
    local list = { { a = 1 }, { a = 2 } }
    list.extra = { a = 3 }
    assert.equal("extra", rowscan.stray_key(list))
    local keys, same = rowscan.scan(list, true)
    assert.same({ "a" }, sorted(keys))
    assert.is_true(same)
    assert.is_nil(rowscan.stray_key({ { a = 1 }, { a = 2 } }))
    assert.equal(5, rowscan.stray_key({ { a = 1 }, [5] = { a = 1 } }))  -- a hole: #list is 1
  end)
end)
