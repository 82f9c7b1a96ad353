-- luamig.present.diagram: `luamig graph`'s DOT and Mermaid text, from
-- graphs built from literals (luamig.revision), no files, no database.
-- (spec/integration/graph_spec.lua has Graphviz itself read the DOT.)
local revision = require("luamig.revision")
local diagram = require("luamig.present.diagram")
local present = require("luamig.present.revisions")

local graphs = require("helpers.graphs")
local rev, graph = graphs.rev, graphs.graph

-- What command/graph.lua passes: the marks of `heads`, the description.
local function info_of(g, current)
  local marks = present.marks(g, current)
  return function(n)
    return { label = present.decorated(g, n, marks), doc = n.doc or "",
      head = marks.head[n.id] == true, current = marks.current[n.id] == true,
      branch_point = #n.children > 1, merge_point = #n.down_revisions > 1 }
  end
end

local function small()
  return graph {
    rev("a0", nil, { doc = "create accounts" }),
    rev("b1", "a0", { labels = { "left" }, doc = "add orders" }),
    rev("c1", "a0", { doc = "add carts" }),
    rev("m2", { "b1", "c1" }, { doc = "merge" }),
    rev("o1", nil, { deps = { "b1" }, doc = "audit" }),
  }
end

describe("diagram.dot", function()
  it("writes the golden DOT of a small graph: merge, branch point, head, current, dependency", function()
    local g = small()
    assert.equal([[
// luamig revision graph: an arrow leads from a revision to the ones built on it;
// dashed: depends_on. Hexagon: merge point; rounded: branch point;
// thick border: head; filled: the database's current revision.
digraph revisions {
  rankdir=TB;
  node [shape=box, fontname="Helvetica", fontsize=11];
  edge [color="#555555", fontname="Helvetica"];
  "a0" [label="a0 (branchpoint)\ncreate accounts", style="rounded"];
  "b1" [label="b1 (left)\nadd orders"];
  "c1" [label="c1 (current)\nadd carts", fillcolor="#ffd966", style="filled"];
  "m2" [label="m2 (head) (mergepoint)\nmerge", shape=hexagon, penwidth=2.5];
  "o1" [label="o1 (head) (current)\naudit", penwidth=2.5, fillcolor="#ffd966", style="filled"];
  "a0" -> "b1";
  "a0" -> "c1";
  "b1" -> "m2";
  "c1" -> "m2";
  "b1" -> "o1" [style=dashed, label="depends on", fontsize=9];
}]], diagram.dot(g:nodes(), info_of(g, { "c1", "o1" })))
  end)

  it("escapes quotes and backslashes, and turns control characters into spaces", function()
    local g = graph { rev("a1", nil, { doc = 'say "hi" \\n\tnow' }) }
    local text = diagram.dot(g:nodes(), info_of(g))
    assert.matches('"a1" [label="a1 (head)\\nsay \\"hi\\" \\\\n now", penwidth=2.5];', text, 1, true)
  end)

  it("leaves out the edges to revisions not drawn (a range)", function()
    local g = small()
    local nodes = { g:get("c1"), g:get("m2"), g:get("o1") }   -- o1 depends on b1
    local text = diagram.dot(nodes, info_of(g))
    assert.matches('"c1" -> "m2";', text, 1, true)
    assert.no.matches('"b1"', text, 1, true)
    assert.no.matches('"a0"', text, 1, true)
  end)
end)

describe("diagram.mermaid", function()
  it("writes the golden Mermaid flowchart of a small graph", function()
    local g = small()
    assert.equal([[
flowchart TB
%% luamig revision graph: an arrow leads from a revision to the ones built on it;
%% dotted: depends_on. Hexagon: merge point; rounded: branch point;
%% thick border: head; filled: the database's current revision.
  rev_a0(["a0 (branchpoint)<br/>create accounts"])
  rev_b1["b1 (left)<br/>add orders"]
  rev_c1["c1<br/>add carts"]
  rev_m2{{"m2 (head) (mergepoint)<br/>merge"}}
  rev_o1["o1 (head) (current)<br/>audit"]
  rev_a0 --> rev_b1
  rev_a0 --> rev_c1
  rev_b1 --> rev_m2
  rev_c1 --> rev_m2
  rev_b1 -.->|depends on| rev_o1
  classDef head stroke-width:3px
  classDef current fill:#ffd966
  class rev_m2,rev_o1 head
  class rev_o1 current]], diagram.mermaid(g:nodes(), info_of(g, { "o1" })))
  end)

  it("escapes what would end a label or start markup", function()
    local g = graph { rev("a1", nil, { doc = 'a "b" <i>#1 & `x`' }) }
    local text = diagram.mermaid(g:nodes(), info_of(g))
    assert.matches('rev_a1["a1 (head)<br/>a #quot;b#quot; #lt;i#gt;#35;1 #amp; #96;x#96;"]', text, 1, true)
  end)

  it("names a revision whose id is not a word by its place, so Mermaid never misreads it", function()
    local g = graph { rev("a-1"), rev("end", "a-1") }
    local text = diagram.mermaid(g:nodes(), info_of(g))
    assert.matches('  n1["a-1<br/>revision a-1"]', text, 1, true)
    assert.matches("  n1 --> rev_end", text, 1, true)
  end)

  it("has no class line for heads or current revisions it does not have", function()
    local text = diagram.mermaid({}, info_of(graph {}))
    assert.no.matches("class ", text:gsub("classDef", ""), 1, true)
  end)
end)
