-- luamig.present.differences: autogenerate's changes as the objects of
-- `check --json`: one kind per change, a column change split by attribute.
local differences = require("luamig.present.differences")
local json = require("luamig.present.json")
local change = require("luamig.autogen.compare.change")

local function type_text(col) return col.type_text end

local function objects(changes)
  return differences.objects(changes, change.describe, type_text)
end

describe("present.differences", function()
  it("names tables and columns added and removed, with the column's type", function()
    local got = objects {
      change.change(2, { op = "create_table", table = { name = "t", columns = { { name = "id" }, { name = "x" } } } }),
      change.change(4, { op = "add_column", table = "t", column = { name = "c", type_text = "TEXT" } }),
      change.change(8, { op = "drop_column", table = "t", column = { name = "d", type_text = "INTEGER" } }),
    }
    assert.same({
      { kind = "add_table", table = "t", columns = { "id", "x" }, text = "add table t" },
      { kind = "add_column", table = "t", column = "c", from = json.null, to = "TEXT", text = "add column t.c" },
      { kind = "drop_column", table = "t", column = "d", from = "INTEGER", to = json.null,
        text = "remove column t.d" },
    }, got)
  end)

  it("splits a column change into one object per attribute, from the database to the models", function()
    local got = objects { change.change(5, { op = "alter_column", table = "t", column = "c",
      changes = { type_ = {}, nullable = false, server_default = "0" },
      existing = { name = "c", type_text = "VARCHAR(20)", nullable = true },
      target = { name = "c", type_text = "VARCHAR(50)", nullable = false, default = "0" } }) }
    assert.same({
      { kind = "change_type", table = "t", column = "c", from = "VARCHAR(20)", to = "VARCHAR(50)",
        text = "change type of column t.c" },
      { kind = "change_nullable", table = "t", column = "c", from = true, to = false,
        text = "change nullable of column t.c" },
      { kind = "change_server_default", table = "t", column = "c", from = json.null, to = "0",
        text = "change server default of column t.c" },
    }, got)
  end)

  it("names constraints and indexes with their columns, and leaves unknown ops as their name", function()
    local got = objects {
      change.change(7, { op = "create_foreign_key", table = "a",
        entry = { name = "fk_a_b", columns = { "b_id" }, ref_table = "b", ref_columns = { "id" } } }),
      change.change(6, { op = "drop_index", table = "a", index = { name = "ix_a", columns = { "x" }, unique = true } }),
      change.change(10, { op = "something_new", table = "a" }),
    }
    assert.same({ "add_foreign_key", "fk_a_b", { "b_id" }, "b", { "id" } },
      { got[1].kind, got[1].name, got[1].columns, got[1].ref_table, got[1].ref_columns })
    assert.same({ "drop_index", "ix_a", { "x" }, true, "remove index ix_a on a" },
      { got[2].kind, got[2].name, got[2].columns, got[2].unique, got[2].text })
    assert.same({ kind = "something_new", table = "a", text = "something_new" }, got[3])
  end)
end)
