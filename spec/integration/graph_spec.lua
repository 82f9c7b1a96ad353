-- Pictures of the revision graph, run as the real executable:
-- `history --graph` (git log --graph's lanes) and `graph --format
-- dot|mermaid`, with the database's revisions marked on every backend,
-- Graphviz's own `dot` reading the DOT, and the refusals.
--
--   a0 ─┬─ b1 (left) ── b2 ─┐
--       └─ c1 (right) ──────┴─ m3 (merge)
--   o1 (other) ── o2  (o2 depends on b1)
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local branched_project = h.branched_project

-- The picture of branched_project(), `current` the ids marked (current).
local function picture(current)
  local c = {}
  for _, id in ipairs(current or {}) do c[id] = " (current)" end
  return table.concat({
    "* o2 (head)" .. (c.o2 or "") .. " (depends on b1), revision o2",
    "* o1 (other)" .. (c.o1 or "") .. ", revision o1",
    "",
    "* m3 (head) (mergepoint)" .. (c.m3 or "") .. ", revision m3",
    "|\\",
    "| * c1 (right)" .. (c.c1 or "") .. ", revision c1",
    "* | b2" .. (c.b2 or "") .. ", revision b2",
    "* | b1 (left)" .. (c.b1 or "") .. ", revision b1",
    "|/",
    "* a0 (branchpoint)" .. (c.a0 or "") .. ", revision a0",
    "",
  }, "\n")
end

-- A URL no server answers: a command that opened it would fail.
local UNREACHABLE = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2"

backends.each("pictures mark the database's revisions", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  it("history --graph -i and graph -i show where the database is, and move with it", function()
    local dir = branched_project()
    h.run_ok(dir, h.with_url(url, { "upgrade", "b2" }))
    h.run_ok(dir, h.with_url(url, { "upgrade", "o1" }))
    assert.equal(picture { "b2", "o1" }, h.run_ok(dir, h.with_url(url, { "history", "--graph", "-i" })).stdout)
    local dot = h.run_ok(dir, h.with_url(url, { "graph", "-i" })).stdout
    assert.matches('"b2" [label="b2 (current)\\nrevision b2", fillcolor="#ffd966", style="filled"];', dot, 1, true)
    assert.matches('"o1" [label="o1 (other) (current)\\nrevision o1", fillcolor="#ffd966", style="filled"];', dot, 1,
      true)
    h.run_ok(dir, h.with_url(url, { "upgrade", "heads" }))
    assert.equal(picture { "m3", "o2" }, h.run_ok(dir, h.with_url(url, { "history", "--graph", "-i" })).stdout)
    local mermaid = h.run_ok(dir, h.with_url(url, { "graph", "--format", "mermaid", "-i" })).stdout
    assert.matches("\n  class rev_m3,rev_o2 current\n", mermaid, 1, true)
  end)
end)

describe("history --graph #sqlite", function()
  after_each(h.cleanup)

  it("draws the branches, the merge, the roots apart and the dependency as a note", function()
    local dir = branched_project()
    assert.equal(picture(), h.run_ok(dir, { "history", "--graph" }).stdout)
  end)

  it("works offline: without -i it opens no database, even one that cannot be reached", function()
    local dir = branched_project()
    assert.equal(picture(), h.run_ok(dir, { "-u", UNREACHABLE, "history", "--graph" }).stdout)
    assert.equal(picture(), h.run_ok(dir, { "history", "--graph" }, { DATABASE_URL = UNREACHABLE }).stdout)
    -- nor does it create the default SQLite database
    assert.equal("migrations\n", h.listing(dir))
    -- with -i it does open it, and says so when it cannot
    local r = h.run(dir, { "-u", UNREACHABLE, "history", "--graph", "-i" })
    assert.equal(1, r.status)
    assert.equal("", r.stdout)
  end)

  it("marks the current revisions on SQLite", function()
    local dir = branched_project()
    h.run_ok(dir, { "upgrade", "c1" })
    h.run_ok(dir, { "upgrade", "left@b2" })
    assert.equal(picture { "b2", "c1" }, h.run_ok(dir, { "history", "--graph", "-i" }).stdout)
    -- without -i, no mark
    assert.equal(picture(), h.run_ok(dir, { "history", "--graph" }).stdout)
  end)

  it("takes -r and -v", function()
    local dir = branched_project()
    assert.equal("* m3 (head) (mergepoint), revision m3\n|\\\n| * c1 (right), revision c1\n* | b2, revision b2\n"
      .. "* | b1 (left), revision b1\n|/\n* a0 (branchpoint), revision a0\n",
      h.run_ok(dir, { "history", "--graph", "-r", "a0:m3" }).stdout)
    -- a range that cuts: b1's lane ends where its parent is left out
    assert.equal("* b2, revision b2\n* b1 (left), revision b1\n",
      h.run_ok(dir, { "history", "--graph", "-r", "b1:b2" }).stdout)
    local v = h.run_ok(dir, { "history", "--graph", "-v", "-r", "a0:c1" }).stdout
    assert.equal(table.concat({
      "* c1 (right), revision c1",
      "| Parent: a0",
      "| Branch names: right",
      "| Path: migrations/versions/c1.lua",
      "|",
      "* a0 (branchpoint), revision a0",
      "  Parent: <base>",
      "  Branches into: b1, c1",
      "  Path: migrations/versions/a0.lua",
      "",
      "",
    }, "\n"), v)
  end)

  it("refuses --json and --applied with one line, exit 2", function()
    local dir = branched_project()
    for _, other in ipairs { "--json", "--applied" } do
      local r = h.run(dir, { "history", "--graph", other })
      assert.equal(2, r.status)
      assert.equal("luamig: history: --graph cannot be combined with " .. other .. "\n", r.stderr)
      assert.equal("", r.stdout)
    end
  end)

  it("leaves plain history as it was", function()
    local dir = branched_project()
    local out = h.run_ok(dir, { "history" }).stdout
    assert.matches("^o1 %-> o2 %(head%), revision o2\n", out)
    assert.no.matches("|", out, 1, true)
  end)
end)

describe("graph #sqlite", function()
  after_each(h.cleanup)

  local function have_dot()
    local r = h.sh("command -v dot")
    assert(r.status == 0, "Graphviz's dot is needed: apt-get install graphviz")
  end

  it("writes DOT that Graphviz's dot -Tsvg accepts, to stdout or to -o FILE", function()
    have_dot()
    local dir = branched_project()
    h.run_ok(dir, { "upgrade", "b2" })
    -- grep counts the nodes Graphviz drew: an empty or cut input fails it
    local r = h.sh(h.command(dir, h.bin, { "graph", "-i" })
      .. " | dot -Tsvg -o graph.svg && grep -c '<g id=\"node' graph.svg")
    assert.equal(0, r.status, r.stderr)
    assert.equal("7\n", r.stdout)
    assert.equal("", r.stderr)
    local svg = h.read_file(dir .. "/graph.svg")
    assert.matches('fill="#ffd966"', svg, 1, true)       -- the current revision, filled
    assert.matches("stroke-dasharray", svg, 1, true)      -- the dependency, dashed
    -- -o FILE: the same text, nothing on stdout
    local o = h.run_ok(dir, { "graph", "--format", "dot", "-o", "revisions.dot" })
    assert.equal("", o.stdout)
    assert.equal(h.run_ok(dir, { "graph" }).stdout, h.read_file(dir .. "/revisions.dot"))
    r = h.sh("dot -Tsvg " .. h.shell_quote(dir .. "/revisions.dot") .. " > /dev/null")
    assert.equal(0, r.status, r.stderr)
  end)

  it("writes a Mermaid flowchart: shapes, dotted dependency, classes", function()
    local dir = branched_project()
    local out = h.run_ok(dir, { "graph", "--format", "mermaid" }).stdout
    assert.matches("^flowchart TB\n", out)
    assert.matches('\n  rev_a0(["a0 (branchpoint)<br/>revision a0"])\n', out, 1, true)
    assert.matches('\n  rev_m3{{"m3 (head) (mergepoint)<br/>revision m3"}}\n', out, 1, true)
    assert.matches("\n  rev_b2 --> rev_m3\n  rev_c1 --> rev_m3\n", out, 1, true)
    assert.matches("\n  rev_b1 -.->|depends on| rev_o2\n", out, 1, true)
    assert.matches("\n  class rev_m3,rev_o2 head\n", out, 1, true)
    assert.no.matches(" current\n", out, 1, true)   -- no -i: no database, no mark
    assert.equal("migrations\n", h.listing(dir))
  end)

  it("draws only a range with -r", function()
    local dir = branched_project()
    local out = h.run_ok(dir, { "graph", "-r", "b1:m3" }).stdout
    assert.equal('\n  "b1" -> "b2";\n  "b2" -> "m3";\n}\n', out:sub(-35))
    -- the merge's other parent is left out, and its edge with it
    assert.no.matches('"c1"', out, 1, true)
    assert.no.matches('"a0"', out, 1, true)
  end)

  it("refuses a bad --format with one line naming it, exit 2", function()
    local dir = branched_project()
    local r = h.run(dir, { "graph", "--format", "png" })
    assert.equal(2, r.status)
    assert.equal('luamig: option --format: expected dot or mermaid, got "png"\n', r.stderr)
    assert.equal("", r.stdout)
    r = h.run(dir, { "graph", "--format" })
    assert.equal(2, r.status)
    assert.matches("--format", r.stderr, 1, true)
    assert.equal(1, #h.lines(r.stderr))
  end)

  it("fails with one line when -o cannot be opened or written, and leaves no file for a bad range", function()
    local dir = branched_project()
    local r = h.run(dir, { "graph", "-o", "no/such/dir/g.dot" })
    assert.equal(1, r.status)
    assert.equal("luamig: graph: cannot write no/such/dir/g.dot: No such file or directory\n", r.stderr)
    -- a write that fails is a failure, never exit 0 with half a picture
    r = h.run(dir, { "graph", "-o", "/dev/full" })
    assert.equal(1, r.status)
    assert.equal("luamig: graph: could not write /dev/full (No space left on device); what it holds is incomplete\n",
      r.stderr)
    r = h.run(dir, { "graph", "-o", "g.dot", "-r", "nothing:head" })
    assert.equal(2, r.status)
    assert.equal(1, #h.lines(r.stderr))
    assert.equal("migrations\n", h.listing(dir))
  end)

  it("is listed by luamig --help, which the shell completions read", function()
    local out = h.run_ok(h.tmpdir(), { "--help" }).stdout
    assert.matches("\n  graph +write the revision graph as Graphviz DOT or Mermaid text\n", out)
  end)
end)
