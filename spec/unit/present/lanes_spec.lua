-- luamig.present.lanes: `history --graph`'s picture, drawn from graphs
-- built from literals (luamig.revision), no files, no database.
local lanes = require("luamig.present.lanes")
local present = require("luamig.present.revisions")

local graphs = require("helpers.graphs")
local rev, graph = graphs.rev, graphs.graph

-- The picture of g (or of range), each row's text the revision's id alone,
-- as one string.
local function picture(g, range)
  local lines = lanes.draw(assert(g:history(range)), { text = function(n) return n.id end })
  return table.concat(lines, "\n")
end

describe("lanes.draw", function()
  it("draws a linear chain as one lane, newest first", function()
    local g = graph { rev("a1"), rev("a2", "a1"), rev("a3", "a2") }
    assert.equal("* a3\n* a2\n* a1", picture(g))
  end)

  it("opens a lane at a merge and joins the lanes at the branch point", function()
    local g = graph { rev("a0"), rev("b1", "a0"), rev("b2", "b1"), rev("c1", "a0"), rev("m3", { "b2", "c1" }) }
    assert.equal(table.concat({
      "* m3",
      "|\\",
      "| * c1",
      "* | b2",
      "* | b1",
      "|/",
      "* a0",
    }, "\n"), picture(g))
  end)

  it("keeps two roots apart: a row between a root and the next tip in its column", function()
    local g = graph { rev("a1"), rev("a2", "a1"), rev("z1"), rev("z2", "z1") }
    assert.equal("* z2\n* z1\n\n* a2\n* a1", picture(g))
  end)

  it("draws no lane for a dependency: it is not a parent", function()
    local g = graph { rev("a1"), rev("a2", "a1"), rev("o1"), rev("o2", "o1", { deps = { "a1" } }) }
    -- o2's lane ends at o1, its parent; a1 and a2 are a line of their own
    assert.equal("* o2\n* o1\n\n* a2\n* a1", picture(g))
  end)

  it("gives each of several heads its lane, joined where they branched", function()
    local g = graph { rev("a"), rev("b", "a"), rev("c", "a"), rev("d", "a"), rev("e", "b") }
    assert.equal(table.concat({
      "* e",
      "* b",
      "| * d",
      "| | * c",
      "| |/",
      "|/",
      "* a",
    }, "\n"), picture(g))
  end)

  it("joins a lane across another one with _, and moves the lanes right of it left", function()
    -- n branches into h1 and h3, x sits between their lanes
    local g = graph { rev("z"), rev("n", "z"), rev("x", "z"), rev("h1", "n"), rev("h2", "x"), rev("h3", "n"),
      rev("h4", "n") }
    assert.equal(table.concat({
      "* h4",
      "| * h3",
      "| | * h2",
      "| | * x",
      "| | | * h1",
      "| |_|/",
      "|/ /",
      "* | n",
      "|/",
      "* z",
    }, "\n"), picture(g))
  end)

  it("opens one lane per further parent of an octopus merge", function()
    local g = graph { rev("a"), rev("b", "a"), rev("c", "a"), rev("d", "a"), rev("m", { "b", "c", "d" }) }
    assert.equal(table.concat({
      "* m",
      "|\\",
      "|\\ \\",
      "| | * d",
      "| * | c",
      "* | | b",
      "| |/",
      "|/",
      "* a",
    }, "\n"), picture(g))
  end)

  it("moves the lanes right of a root left", function()
    -- r ends its lane while a's lane waits right of it
    local g = graph { rev("a"), rev("b", "a"), rev("r"), rev("m", { "r", "b" }), rev("c", "a"),
      rev("m2", { "c", "m" }) }
    assert.equal(table.concat({
      "* m2",
      "|\\",
      "| * m",
      "| |\\",
      "| | * b",
      "| * | r",
      "|  /",
      "* | c",
      "|/",
      "* a",
    }, "\n"), picture(g))
  end)

  it("ends the lanes a range cuts: a parent outside is not drawn", function()
    local g = graph { rev("a0"), rev("b1", "a0"), rev("b2", "b1"), rev("c1", "a0"), rev("m3", { "b2", "c1" }) }
    -- m3's other parent, c1, and b1's parent, a0, are outside b1:m3
    assert.equal("* m3\n* b2\n* b1", picture(g, "b1:m3"))
  end)

  it("draws the details under a row with the lanes running alongside", function()
    local g = graph { rev("a0"), rev("b1", "a0"), rev("c1", "a0"), rev("m", { "b1", "c1" }) }
    local lines = lanes.draw(g:history(), {
      text = function(n) return n.id end,
      details = function(n) return { "path " .. n.id, "" } end,
    })
    assert.same({
      "* m", "| path m", "|", "|\\",
      "| * c1", "| | path c1", "| |",
      "* | b1", "| | path b1", "| |", "|/",
      "* a0", "  path a0", "",
    }, lines)
  end)

  it("is the same whatever order the files were read in", function()
    local list = { rev("a0"), rev("b1", "a0"), rev("c1", "a0"), rev("m3", { "b1", "c1" }), rev("z1") }
    local reversed = {}
    for i = #list, 1, -1 do reversed[#reversed + 1] = list[i] end
    assert.equal(picture(graph(list)), picture(graph(reversed)))
  end)
end)

describe("lanes.text and the golden picture", function()
  it("draws a small project as history --graph prints it", function()
    local g = graph {
      rev("a0", nil, { doc = "create accounts" }),
      rev("b1", "a0", { labels = { "left" }, doc = "add orders" }),
      rev("b2", "b1", { doc = "index orders" }),
      rev("c1", "a0", { labels = { "right" }, doc = "add carts" }),
      rev("m3", { "b2", "c1" }, { doc = "merge orders and carts" }),
      rev("o1", nil, { labels = { "other" }, doc = "create audit" }),
      rev("o2", "o1", { deps = { "b1" }, doc = "audit orders" }),
    }
    local marks = present.marks(g, { "b2", "o2" })
    local lines = lanes.draw(g:history(), { text = function(n) return lanes.text(g, n, marks) end })
    assert.equal([[
* o2 (head) (current) (depends on b1), audit orders
* o1 (other), create audit

* m3 (head) (mergepoint), merge orders and carts
|\
| * c1 (right), add carts
* | b2 (current), index orders
* | b1 (left), add orders
|/
* a0 (branchpoint), create accounts]], table.concat(lines, "\n"))
  end)

  it("names every dependency, a label's resolved to its revision", function()
    local g = graph { rev("a1", nil, { labels = { "core" } }), rev("b1"),
      rev("c1", nil, { deps = { "core", "b1" } }) }
    local text = lanes.text(g, g:get("c1"), present.marks(g))
    assert.equal("c1 (head) (depends on a1, b1), revision c1", text)
  end)
end)
