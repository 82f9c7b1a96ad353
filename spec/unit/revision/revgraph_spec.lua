-- Unit specs for luamig.revgraph (runner/modules/revgraph.c): the graph of
-- a clean project built in C must be the very graph luamig.revision.build
-- makes in Lua, and anything else must be left to build.lua.
local revgraph = require("luamig.revgraph")
local build = require("luamig.revision.build")

local EMPTY = build.EMPTY

local function script(id, down)
  return { id = id, down_revisions = down or EMPTY, depends_on = EMPTY, branch_labels = EMPTY,
    doc = "doc of " .. id, path = "migrations/versions/" .. id .. ".lua" }
end

-- A deterministic pseudo-random clean graph of n revisions: a main line
-- with branches, merges and extra bases, in shuffled list order.
local function random_graph(n, seed)
  local state = seed
  local function rand(k)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % k + 1
  end
  local scripts, ids = {}, {}
  for i = 1, n do
    local id = string.format("%04x%s", rand(65535), string.char(96 + rand(26))) .. i
    local down
    if i > 1 and rand(10) > 1 then
      down = { ids[rand(#ids)] }
      if rand(6) == 1 and #ids > 2 then
        local other = ids[rand(#ids)]
        if other ~= down[1] then down[2] = other end
      end
    elseif i > 1 and rand(2) == 1 then
      down = {}  -- an empty table, not EMPTY: a base all the same
    end
    ids[i] = id
    scripts[i] = script(id, down)
  end
  for i = n, 2, -1 do  -- the files' order is not the graph's
    local j = rand(i)
    scripts[i], scripts[j] = scripts[j], scripts[i]
  end
  return scripts
end

local function ids_of(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.id end
  return out
end

local NODE_FIELDS = { "id", "path", "doc", "rank" }
local LIST_FIELDS = { "down_revisions", "depends_on", "branch_labels", "children", "dependents", "labels" }

local function same_graph(c, lua)
  assert.same(ids_of(lua._order), ids_of(c._order))
  for _, key in ipairs { "_heads", "_bases", "_branch_points", "_merge_points" } do
    assert.same(ids_of(lua[key]), ids_of(c[key]), key)
  end
  assert.same(lua._labels, c._labels)
  assert.same(lua._label_names, c._label_names)
  local count = 0
  for id, ln in pairs(lua._nodes) do
    count = count + 1
    local cn = c._nodes[id]
    assert.is_table(cn, id)
    for _, f in ipairs(NODE_FIELDS) do assert.equal(ln[f], cn[f], id .. "." .. f) end
    assert.equal(ln.script, cn.script)
    for _, f in ipairs(LIST_FIELDS) do
      assert.same(ln[f], cn[f], id .. "." .. f)
      -- the same sharing: EMPTY where build.lua has EMPTY, the script's own list where it keeps it
      if ln[f] == EMPTY or ln[f] == ln.script[f] then assert.equal(ln[f], cn[f], id .. "." .. f .. " (identity)") end
    end
    local keys = 0
    for _ in pairs(cn) do keys = keys + 1 end
    local lkeys = 0
    for _ in pairs(ln) do lkeys = lkeys + 1 end
    assert.equal(lkeys, keys, id .. ": number of fields")
    assert.equal(c._order[cn.rank], cn)
  end
  assert.equal(count, #c._order)
end

describe("luamig.revgraph", function()
  it("builds the graph build.lua builds, for clean graphs of every shape", function()
    for seed = 1, 40 do
      local scripts = random_graph(1 + seed * 7, seed)
      local c = revgraph.build(scripts, EMPTY)
      assert.is_table(c, "seed " .. seed)
      local lua = assert(build.graph(scripts))
      same_graph(c, lua)
    end
  end)

  it("builds a line, a diamond and several bases like build.lua", function()
    local cases = {
      { script("a"), script("b", { "a" }), script("c", { "b" }) },
      { script("d", { "b", "c" }), script("c", { "a" }), script("b", { "a" }), script("a") },
      { script("x"), script("y"), script("z", { "x", "y" }), script("w", { "x" }) },
      -- lists left out (nil) rather than EMPTY, as a literal may have them
      { { id = "p", path = "p.lua" }, { id = "q", down_revisions = { "p" } } },
    }
    for i, scripts in ipairs(cases) do
      local c = assert(revgraph.build(scripts, EMPTY), "case " .. i)
      same_graph(c, assert(build.graph(scripts)))
    end
  end)

  it("makes a node on first use, once: the same table by id, by rank and in the lists", function()
    local scripts = random_graph(300, 7)
    local c = assert(revgraph.build(scripts, EMPTY))
    local lua = assert(build.graph(scripts))
    -- nothing made but the heads, bases, branch and merge points
    local listed, made = {}, {}
    for _, key in ipairs { "_heads", "_bases", "_branch_points", "_merge_points" } do
      for _, n in ipairs(lua[key]) do listed[n.rank] = true end
    end
    for rank in next, c._order do made[rank] = true end -- next: only the nodes made
    assert.same(listed, made)
    local inner  -- a node in none of the lists
    for rank = 1, 300 do if not listed[rank] then inner = lua._order[rank]; break end end
    local id = inner.id
    local n = c._nodes[id]
    assert.equal(id, n.id)
    assert.equal(n, c._nodes[id])
    assert.equal(n, rawget(c._order, n.rank))  -- kept, not made again
    for _, key in ipairs { "_heads", "_bases", "_branch_points", "_merge_points" } do
      for i, h in ipairs(c[key]) do assert.equal(h, c._nodes[h.id], key .. " " .. i) end
    end
    assert.equal(300, #c._order)
    assert.equal(n, c._order[n.rank])
    for rank, node in ipairs(c._order) do assert.equal(node, c._nodes[node.id], "rank " .. rank) end
    -- ids the graph does not have, and keys that are no id
    for _, key in ipairs { "nope", id .. "\0", id:sub(1, 4), 1, true } do
      assert.is_nil(c._nodes[key], tostring(key))
    end
    for _, rank in ipairs { 0, 301, -1, 1.5, "1" } do assert.is_nil(c._order[rank], tostring(rank)) end
  end)

  it("walks every node with pairs, made as it comes, in rank order", function()
    local scripts = random_graph(120, 3)
    local lua = assert(build.graph(scripts))
    for _, field in ipairs { "_nodes", "_order" } do
      local c = assert(revgraph.build(scripts, EMPTY))
      local count, last = 0, 0
      for key, node in pairs(c[field]) do
        count = count + 1
        assert.equal(field == "_nodes" and node.id or node.rank, key)
        assert.equal(lua._nodes[node.id].rank, node.rank)
        assert.is_true(node.rank > last, "rank order")
        last = node.rank
        assert.equal(node, c._nodes[node.id])
      end
      assert.equal(120, count, field)
    end
  end)

  it("keeps the scripts it was built from: a node made late is the one of build time", function()
    local scripts = { script("a"), script("b", { "a" }), script("c", { "b" }) }
    local c = assert(revgraph.build(scripts, EMPTY))
    local b = scripts[2]
    scripts[2] = script("x")
    b.id = "changed"
    collectgarbage()
    local n = c._nodes.b
    assert.equal("b", n.id)
    assert.equal(b, n.script)
    assert.same({ "c" }, n.children)
  end)

  it("leaves every fault and every unusual record to build.lua", function()
    local function with(fields)
      local s = script("b", { "a" })
      for k, v in pairs(fields) do s[k] = v end
      return { script("a"), s }
    end
    local cases = {
      ["a duplicate id"] = { script("a"), script("a") },
      ["a missing parent"] = { script("a"), script("b", { "nope" }) },
      ["a revision its own parent"] = { script("a", { "a" }) },
      ["a parent named twice"] = { script("a"), script("b", { "a", "a" }) },
      ["a cycle"] = { script("a", { "b" }), script("b", { "a" }), script("c") },
      ["a cycle every node is on"] = { script("a", { "b" }), script("b", { "a" }) },
      ["a branch label"] = with { branch_labels = { "main" } },
      ["a dependency"] = with { depends_on = { "a" } },
      ["a parent given as a string"] = with { down_revisions = "a" },
      ["a list with a hole"] = with { down_revisions = { nil, "a" } },
      ["an empty parent id"] = with { down_revisions = { "" } },
      ["a parent that is not a string"] = with { down_revisions = { 1 } },
      ["an id with a space"] = { script("a b") },
      ["an id with a colon"] = { script("a:b") },
      ["an id with an @"] = { script("a@b") },
      ["an id with a comma"] = { script("a,b") },
      ["an id with a tab"] = { script("a\tb") },
      ["a reserved id"] = { script("heads") },
      ["an empty id"] = { script("") },
      ["an id that is not a string"] = { { id = 7, down_revisions = EMPTY } },
      ["a script that is not a table"] = { "a" },
      ["no scripts"] = {},
    }
    for what, scripts in pairs(cases) do
      assert.is_nil(revgraph.build(scripts, EMPTY), what)
    end
    assert.is_nil(revgraph.build("scripts", EMPTY))
  end)

  it("writes history's lines as present.revisions' line() does, making no node", function()
    local revision = require("luamig.revision")
    local present = require("luamig.present.revisions")
    local docs = { [1] = false, [2] = 42, [3] = 1.5, [4] = "", [5] = "two\nlines" } -- false: no doc (nil)
    for seed = 1, 12 do
      local scripts = random_graph(20 + seed * 9, seed)
      for i, doc in pairs(docs) do
        if doc == false then scripts[i].doc = nil else scripts[i].doc = doc end
      end
      local g = assert(revision.new(scripts))
      local made = {}
      for rank in next, g._order do made[#made + 1] = rank end -- next: only the nodes made
      local current = {}
      for i = seed % 3 + 1, #scripts, 5 + seed % 4 do current[scripts[i].id] = true end
      if seed == 1 then current = {} end
      local text = g:history_text(current)
      local still = {}
      for rank in next, g._order do still[#still + 1] = rank end
      assert.same(made, still, "seed " .. seed .. ": a node was made")
      local marks = { head = present.marks(g).head, current = current }
      local want = {}
      for i, node in ipairs(assert(g:history())) do want[i] = present.line(g, node, marks) end
      assert.equal(table.concat(want, "\n"), text, "seed " .. seed)
      if seed > 1 then assert.matches("(current)", text, 1, true) end
      assert.matches("(mergepoint)", text, 1, true)
    end
  end)

  it("leaves history's lines to Lua for a graph build.lua made or a doc a line cannot show", function()
    local revision = require("luamig.revision")
    local labelled = script("b", { "a" })
    labelled.branch_labels = { "main" }
    assert.is_nil(assert(revision.new({ script("a"), labelled })):history_text({}))
    local odd = script("b", { "a" })
    odd.doc = true
    local g = assert(revision.new({ script("a"), odd }))
    assert.is_nil(g:history_text({}))
  end)

  it("is what luamig.revision.new uses: a fault still gets build.lua's message", function()
    local revision = require("luamig.revision")
    local g = assert(revision.new({ script("a"), script("b", { "a" }) }))
    assert.same({ "b" }, g:heads())
    local ok, err = revision.new({ script("a"), script("b", { "nope" }) })
    assert.is_nil(ok)
    assert.matches('names down_revision "nope" which no revision file has', err, 1, true)
  end)
end)
