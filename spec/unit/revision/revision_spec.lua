-- Unit specs for luamig.revision: graphs from literals, no database.
local revision = require("luamig.revision")

local function rev(id, down, opts)
  opts = opts or {}
  if type(down) == "string" then down = { down } end
  return {
    id = id, down_revisions = down or {}, depends_on = opts.deps or {},
    branch_labels = opts.labels or {}, doc = opts.doc,
    path = opts.path or ("migrations/versions/" .. id .. ".lua"),
  }
end

local graph = require("helpers.graphs").graph

local function ids(steps)
  local out = {}
  for i, s in ipairs(steps) do out[i] = s.id or s.node.id end
  return out
end

-- "-x" delete, "a>b" update, "+x" insert, in the order they apply
local function versions(steps)
  local out = {}
  for i, s in ipairs(steps) do
    local v, parts = s.version, {}
    for _, d in ipairs(v.delete) do parts[#parts + 1] = "-" .. d end
    if v.update then parts[#parts + 1] = v.update.from .. ">" .. v.update.to end
    for _, x in ipairs(v.insert) do parts[#parts + 1] = "+" .. x end
    out[i] = table.concat(parts, " ")
  end
  return out
end

-- g:upgrade_steps or g:downgrade_steps (`direction` "upgrade" or
-- "downgrade") from `current` to `target` must run the revisions `want_ids`
-- (nil: not checked), making the version-table changes `want_versions`.
-- Returns the steps.
local function assert_steps(g, direction, current, target, want_ids, want_versions)
  local steps = assert(g[direction .. "_steps"](g, current, target))
  if want_ids then assert.same(want_ids, ids(steps)) end
  assert.same(want_versions, versions(steps))
  return steps
end

local function fails(ok, msg)
  assert.is_nil(ok)
  assert.is_string(msg)
  return msg
end

describe("revision.new", function()
  it("rejects a duplicate id, naming both files", function()
    local msg = fails(revision.new {
      rev("1a2b3c4d", nil, { path = "migrations/versions/1a2b_first.lua" }),
      rev("1a2b3c4d", nil, { path = "other/versions/1a2b_again.lua" }),
    })
    assert.same('duplicate revision id "1a2b3c4d": migrations/versions/1a2b_first.lua and other/versions/1a2b_again.lua', msg)
  end)

  it("rejects a down_revision that names no file", function()
    local msg = fails(revision.new { rev("1a2b3c4d", "zzz") })
    assert.same('revision 1a2b3c4d (migrations/versions/1a2b3c4d.lua) names down_revision "zzz" which no revision file has', msg)
  end)

  it("rejects a depends_on that names neither a revision nor a label", function()
    local msg = fails(revision.new { rev("aaaa"), rev("bbbb", nil, { deps = { "nope" } }) })
    assert.same('revision bbbb (migrations/versions/bbbb.lua) depends on "nope", which is neither a revision id nor a branch label', msg)
  end)

  it("rejects a revision that revises itself", function()
    local msg = fails(revision.new { rev("aaaa"), rev("bbbb", { "aaaa", "bbbb" }) })
    assert.same("revision bbbb (migrations/versions/bbbb.lua) names itself as its down_revision", msg)
  end)

  it("rejects a revision that depends on itself", function()
    local msg = fails(revision.new { rev("aaaa", nil, { deps = { "aaaa" } }) })
    assert.same("revision aaaa (migrations/versions/aaaa.lua) depends on itself", msg)
  end)

  it("rejects a two-revision cycle, listing both and their files", function()
    local msg = fails(revision.new { rev("root"), rev("bbbb", "cccc"), rev("cccc", "bbbb") })
    assert.same("revisions form a cycle: bbbb revises cccc, cccc revises bbbb (files: migrations/versions/bbbb.lua, migrations/versions/cccc.lua)", msg)
  end)

  it("rejects a longer cycle, starting the listing at the lowest id", function()
    local msg = fails(revision.new {
      rev("root"), rev("dddd", "cccc"), rev("cccc", "eeee"), rev("eeee", "dddd"), rev("ffff", "dddd"),
    })
    assert.same("revisions form a cycle: cccc revises eeee, eeee revises dddd, dddd revises cccc (files: migrations/versions/cccc.lua, migrations/versions/eeee.lua, migrations/versions/dddd.lua)", msg)
  end)

  it("calls a cycle through depends_on a dependency cycle", function()
    local msg = fails(revision.new {
      rev("aaaa"), rev("bbbb", "aaaa", { deps = { "dddd" } }), rev("cccc"), rev("dddd", "cccc", { deps = { "bbbb" } }),
    })
    assert.same("dependency cycle: bbbb depends on dddd, dddd depends on bbbb (files: migrations/versions/bbbb.lua, migrations/versions/dddd.lua)", msg)
  end)

  it("rejects a branch label declared twice, naming both revisions", function()
    local msg = fails(revision.new {
      rev("aaaa", nil, { labels = { "cart" } }), rev("bbbb", "aaaa", { labels = { "cart" } }),
    })
    assert.same('branch label "cart" is declared twice: by aaaa (migrations/versions/aaaa.lua) and by bbbb (migrations/versions/bbbb.lua)', msg)
  end)

  it("rejects a label that is also a revision id, and reserved ids", function()
    local msg = fails(revision.new { rev("aaaa"), rev("bbbb", "aaaa", { labels = { "aaaa" } }) })
    assert.same('branch label "aaaa" of revision bbbb (migrations/versions/bbbb.lua) is also a revision id', msg)
    msg = fails(revision.new { rev("head") })
    assert.same('revision id "head" (migrations/versions/head.lua) is a reserved word', msg)
    msg = fails(revision.new { rev("ab:cd") })
    assert.same('revision id "ab:cd" (migrations/versions/ab:cd.lua) may not contain "@", ":", "," or spaces', msg)
  end)

  it("rejects a script without an id", function()
    local msg = fails(revision.new { { path = "migrations/versions/x.lua", down_revisions = {} } })
    assert.same("migrations/versions/x.lua has no revision id", msg)
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() revision.new("nope") end, "bad argument #1 to 'new' (table expected, got string)")
    assert.has_error(function() revision.new { 42 } end, "bad argument #1 to 'new' (script #1 is a number, not a table)")
  end)

  it("builds the same graph whatever order the files come in", function()
    local list = { rev("aaaa"), rev("bbbb", "aaaa"), rev("dddd", "aaaa"), rev("cccc", "bbbb"), rev("eeee", { "cccc", "dddd" }) }
    local reversed = {}
    for i = #list, 1, -1 do reversed[#reversed + 1] = list[i] end
    local g1, g2 = graph(list), graph(reversed)
    assert.same(ids(g1:upgrade_steps({}, "heads")), ids(g2:upgrade_steps({}, "heads")))
    assert.same({ "aaaa", "bbbb", "cccc", "dddd", "eeee" }, ids(g1:upgrade_steps({}, "heads")))
  end)

  it("keeps the node fields of the contract", function()
    local g = graph { rev("aaaa", nil, { doc = "first" }), rev("bbbb", "aaaa", { deps = {}, labels = { "x" } }) }
    local n = g:get("aaaa")
    assert.same({ "bbbb" }, n.children)
    assert.same("first", n.doc)
    assert.same("migrations/versions/aaaa.lua", n.path)
    assert.same({ "aaaa" }, g:get("bbbb").down_revisions)
    assert.same({ "x" }, g:get("bbbb").branch_labels)
    assert.is_nil(g:get("zzzz"))
  end)
end)

describe("a linear chain", function()
  -- 1a00 <- 2b00 <- 3c00 <- 4d00 <- 5e00
  local g = graph { rev("1a00"), rev("2b00", "1a00"), rev("3c00", "2b00"), rev("4d00", "3c00"), rev("5e00", "4d00") }

  it("has one head and one base", function()
    assert.same({ "5e00" }, g:heads())
    assert.same({ "1a00" }, g:bases())
    assert.same({ "5e00" }, g:resolve("head"))
    assert.same({}, g:resolve("base"))
  end)

  it("upgrades from base inserting the first row, then updating it", function()
    local steps = assert_steps(g, "upgrade", {}, "head", { "1a00", "2b00", "3c00", "4d00", "5e00" },
      { "+1a00", "1a00>2b00", "2b00>3c00", "3c00>4d00", "4d00>5e00" })
    assert.same("up", steps[1].direction)
    assert.same("1a00", steps[1].node.id)
  end)

  it("defaults the upgrade target to head", function()
    assert.same({ "4d00", "5e00" }, ids(assert(g:upgrade_steps({ "3c00" }))))
  end)

  it("steps up and down relative to the current revision", function()
    assert.same({ "4d00" }, g:resolve("+2", { "2b00" }))
    assert.same({ "1a00" }, g:resolve("-1", { "2b00" }))
    assert.same({ "1a00" }, g:resolve("+1", {}))
    assert.same({ "2b00", "3c00" }, ids(assert(g:upgrade_steps({ "1a00" }, "+2"))))
    local down = assert_steps(g, "downgrade", { "4d00" }, "-2", { "4d00", "3c00" }, { "4d00>3c00", "3c00>2b00" })
    assert.same("down", down[1].direction)
  end)

  it("steps relative to a revision, head and base", function()
    assert.same({ "4d00" }, g:resolve("2b00+2"))
    assert.same({ "1a00" }, g:resolve("3c00-2"))
    assert.same({ "4d00" }, g:resolve("head-1"))
    assert.same({ "3c00" }, g:resolve("base+3"))
    assert.same({ "3c00" }, g:resolve("2b00+1"))
  end)

  it("downgrades one step below the base revision to base, deleting the row", function()
    assert_steps(g, "downgrade", { "1a00" }, "-1", { "1a00" }, { "-1a00" })
    assert_steps(g, "downgrade", { "5e00" }, "base", { "5e00", "4d00", "3c00", "2b00", "1a00" },
      { "5e00>4d00", "4d00>3c00", "3c00>2b00", "2b00>1a00", "-1a00" })
  end)

  it("refuses a relative step that walks past either end", function()
    assert.same('"+2" walks past the head: nothing comes after 5e00', fails(g:resolve("+2", { "4d00" })))
    assert.same('"-3" walks past base', fails(g:resolve("-3", { "2b00" })))
    assert.same('"head+1" walks past the head: nothing comes after 5e00', fails(g:resolve("head+1")))
    assert.same('"base-1" walks past base', fails(g:resolve("base-1")))
  end)

  it("needs the current revision for a relative step", function()
    assert.same('"+1" is relative to the current revision, which is not known here', fails(g:resolve("+1")))
  end)

  it("refuses to upgrade to a revision below the current one", function()
    local msg = fails(g:upgrade_steps({ "4d00" }, "2b00"))
    assert.same('target "2b00" is below the current revision (4d00): upgrade only moves forward; use downgrade', msg)
    msg = fails(g:upgrade_steps({ "4d00" }, "-1"))
    assert.same('target "-1" (3c00) is below the current revision (4d00): upgrade only moves forward; use downgrade', msg)
  end)

  it("refuses to downgrade to a revision above the current one", function()
    local msg = fails(g:downgrade_steps({ "2b00" }, "4d00"))
    assert.same('target "4d00" is above the current revision (2b00): downgrade only moves back; use upgrade', msg)
    msg = fails(g:downgrade_steps({}, "1a00"))
    assert.same('target "1a00" is above the current revision (base): downgrade only moves back; use upgrade', msg)
  end)

  it("does nothing when already there", function()
    assert.same({}, assert(g:upgrade_steps({ "5e00" }, "head")))
    assert.same({}, assert(g:downgrade_steps({ "3c00" }, "3c00")))
    assert.same({}, assert(g:downgrade_steps({}, "base")))
  end)

  it("rejects a current revision that no file has", function()
    local msg = fails(g:upgrade_steps({ "9999" }, "head"))
    assert.same('the database is at revision "9999", which no revision file has (was the file removed or renamed?)', msg)
  end)

  it("walks history newest first, whole or by range", function()
    assert.same({ "5e00", "4d00", "3c00", "2b00", "1a00" }, ids(g:walk()))
    assert.same({ "4d00", "3c00", "2b00" }, ids(g:walk({ "4d00" }, { "2b00" })))
    assert.same({ "4d00", "3c00", "2b00" }, ids(assert(g:history("2b00:4d00"))))
    assert.same({ "3c00", "2b00", "1a00" }, ids(assert(g:history(":3c00"))))
    assert.same({ "5e00", "4d00" }, ids(assert(g:history("4d00:"))))
    assert.same({ "4d00", "3c00", "2b00" }, ids(assert(g:history("-1:+1", { "3c00" }))))
    assert.same({ "5e00", "4d00", "3c00" }, ids(assert(g:history("current:heads", { "3c00" }))))
  end)
end)

describe("target resolution by id", function()
  local g = graph { rev("ae1023f9b1c4"), rev("ae10ff003d21", "ae1023f9b1c4"), rev("27c6a30d7c24", "ae10ff003d21") }

  it("accepts full ids and unique prefixes of 4+ characters", function()
    assert.same({ "27c6a30d7c24" }, g:resolve("27c6a30d7c24"))
    assert.same({ "27c6a30d7c24" }, g:resolve("27c6"))
    assert.same({ "ae10ff003d21" }, g:resolve("ae10f"))
    assert.same("ae1023f9b1c4", g:find("ae102").id)
  end)

  it("lists the candidates of an ambiguous prefix", function()
    assert.same('revision "ae10" is ambiguous: matches ae1023f9b1c4, ae10ff003d21', fails(g:resolve("ae10")))
  end)

  it("refuses a prefix shorter than 4 characters", function()
    assert.same('revision prefix "27c" is too short: give at least 4 characters of the id', fails(g:resolve("27c")))
  end)

  it("names an unknown revision", function()
    assert.same('unknown revision "ffff": no revision id starts with it and no branch label has that name', fails(g:resolve("ffff")))
    assert.same('unknown revision "ffff": no revision id starts with it and no branch label has that name', fails(g:upgrade_steps({}, "ffff")))
  end)

  it("steps relative to a prefix", function()
    assert.same({ "27c6a30d7c24" }, g:resolve("ae102+2"))
    assert.same('revision "ae10" is ambiguous: matches ae1023f9b1c4, ae10ff003d21', fails(g:resolve("ae10+1")))
  end)

  it("raises on a target that is not a string", function()
    assert.has_error(function() g:resolve(12) end, "bad argument #1 to 'resolve' (string expected, got number)")
    assert.has_error(function() g:upgrade_steps("x", "head") end, "bad argument #1 to 'upgrade_steps' (table of revision ids expected, got string)")
  end)
end)

describe("a split into two labelled branches", function()
  --            / cart1 <- cart2 (label cart on cart2)
  -- root <- bp
  --            \ acct1 <- acct2 (label acct on acct1)
  local g = graph {
    rev("root"), rev("bpbp", "root"),
    rev("cart1", "bpbp"), rev("cart2", "cart1", { labels = { "cart" } }),
    rev("acct1", "bpbp", { labels = { "acct" } }), rev("acct2", "acct1"),
  }

  it("has two heads, one branch point", function()
    assert.same({ "acct2", "cart2" }, g:heads())
    assert.same({ "bpbp" }, g:branch_points())
    assert.same({}, g:merge_points())
    assert.same({ "acct1", "cart1" }, g:get("bpbp").children)
  end)

  it("refuses head when there are several, naming them", function()
    local msg = 'multiple heads (acct2, cart2): name one, use "heads", or merge them with \'luamig merge heads\''
    assert.same(msg, fails(g:resolve("head")))
    assert.same(msg, fails(g:upgrade_steps({}, nil)))
    assert.same(msg, fails(g:resolve("head-1")))
  end)

  it("applies a label to descendants and to ancestors down to the branch point", function()
    assert.same({ "cart" }, g:get("cart1").labels)
    assert.same({ "cart" }, g:get("cart2").labels)
    assert.same({ "acct" }, g:get("acct2").labels)
    assert.same({}, g:get("bpbp").labels)
    assert.same({}, g:get("root").labels)
    assert.same({ name = "cart", declared_by = "cart2", base = "cart1", heads = { "cart2" } }, g:label("cart"))
    assert.same({ "acct", "cart" }, g:labels())
  end)

  it("upgrades along one branch only", function()
    assert_steps(g, "upgrade", {}, "cart@head", { "root", "bpbp", "cart1", "cart2" },
      { "+root", "root>bpbp", "bpbp>cart1", "cart1>cart2" })
  end)

  it("starts a new version row when the second branch starts", function()
    local steps = assert_steps(g, "upgrade", { "cart2" }, "acct@head", { "acct1", "acct2" },
      { "+acct1", "acct1>acct2" })
    assert.same({ "acct2", "cart2" }, g:heads_after({ "cart2" }, steps))
    assert.same({ "acct2", "cart2" }, g:target_heads({ "cart2" }, "up", "acct@head"))
  end)

  it("upgrades heads: both branches, the lower-id tip's branch first", function()
    assert_steps(g, "upgrade", {}, "heads", { "root", "bpbp", "acct1", "acct2", "cart1", "cart2" },
      { "+root", "root>bpbp", "bpbp>acct1", "acct1>acct2", "+cart1", "cart1>cart2" })
  end)

  it("downgrades one branch to its base, deleting its row at the end", function()
    local steps = assert_steps(g, "downgrade", { "acct2", "cart2" }, "cart@base", { "cart2", "cart1" },
      { "cart2>cart1", "-cart1" })
    assert.same({ "acct2" }, g:heads_after({ "acct2", "cart2" }, steps))
  end)

  it("downgrades the last branch down to the branch point, updating the row", function()
    assert_steps(g, "downgrade", { "cart2" }, "cart@base", nil, { "cart2>cart1", "cart1>bpbp" })
  end)

  it("downgrades to a revision on one branch without touching the other", function()
    assert_steps(g, "downgrade", { "acct2", "cart2" }, "cart1", { "cart2" }, { "cart2>cart1" })
  end)

  it("downgrading to the branch point removes both branches", function()
    assert_steps(g, "downgrade", { "acct2", "cart2" }, "bpbp", { "cart2", "cart1", "acct2", "acct1" },
      { "cart2>cart1", "-cart1", "acct2>acct1", "acct1>bpbp" })
  end)

  it("steps along a label relative to its current head", function()
    assert.same({ "cart1" }, g:resolve("cart@+1", { "acct2" }))
    assert.same({ "cart2" }, g:resolve("cart@+1", { "acct2", "cart1" }))
    assert.same({ "acct1" }, g:resolve("acct@-1", { "acct2", "cart2" }))
    assert.same({ "cart1", "cart2" }, ids(assert(g:upgrade_steps({ "acct2" }, "cart@+2"))))
    assert_steps(g, "downgrade", { "acct2", "cart2" }, "acct@-2", nil, { "acct2>acct1", "-acct1" })
    assert.same({ "cart2" }, g:resolve("cart@head"))
    assert.same({ "cart1" }, g:resolve("cart@head-1"))
    assert.same({ "cart2" }, g:resolve("cart@base+2"))
    assert.same({ "cart2" }, g:resolve("cart@cart1+1"))
  end)

  it("refuses label steps past the branch ends", function()
    assert.same('"cart@+3" walks past the head of branch "cart": nothing comes after cart2', fails(g:resolve("cart@+3", {})))
    assert.same('"cart@-3" walks past the base of branch "cart"', fails(g:resolve("cart@-3", { "cart2" })))
  end)

  it("is ambiguous stepping up from the branch point without a label", function()
    assert.same('"+1" is ambiguous at branch point bpbp (next: acct1, cart1): name the revision, or walk along a branch with label@+N',
      fails(g:resolve("+1", { "bpbp" })))
    assert.same('"-1" is ambiguous: the database has several current heads (acct2, cart2); use label@-1 or <revision>-1',
      fails(g:resolve("-1", { "acct2", "cart2" })))
  end)

  it("resolves rev@head to the head above a revision", function()
    assert.same({ "cart2" }, g:resolve("cart1@head"))
    assert.same({ "acct2", "cart2" }, g:resolve("root@heads"))
    assert.same('"bpbp@head" is ambiguous: several heads descend from bpbp (acct2, cart2); name one, or use bpbp@heads', fails(g:resolve("bpbp@head")))
  end)

  it("refuses a range across the two branches", function()
    assert.same('range "cart1:acct2" does not follow one line of descent: cart1 is not an ancestor of acct2', fails(g:resolve_range("cart1:acct2", {})))
    local a, b = g:resolve_range("root:cart2")
    assert.same({ "root" }, a)
    assert.same({ "cart2" }, b)
    a, b = g:resolve_range("cart2:bpbp", nil, "down")
    assert.same({ "cart2" }, a)
    assert.same({ "bpbp" }, b)
    assert.same('range "bpbp:cart2" does not follow one line of descent: cart2 is not an ancestor of bpbp', fails(g:resolve_range("bpbp:cart2", nil, "down")))
    assert.same('revision range "cart2" must be written from:to (either end may be left empty)', fails(g:resolve_range("cart2")))
  end)

  it("walks history across both branches", function()
    assert.same({ "cart2", "cart1", "acct2", "acct1", "bpbp", "root" }, ids(g:walk()))
    assert.same({ "cart2", "cart1", "bpbp" }, ids(assert(g:history("bpbp:cart@head"))))
  end)
end)

describe("a split that merges again", function()
  -- root <- bp <- left  <- mrge <- tail
  --           \ <- right <-/
  local g = graph {
    rev("root"), rev("bpbp", "root"), rev("left", "bpbp"), rev("right", "bpbp"),
    rev("mrge", { "left", "right" }), rev("tail", "mrge"),
  }

  it("has one head, a branch point and a merge point", function()
    assert.same({ "tail" }, g:heads())
    assert.same({ "bpbp" }, g:branch_points())
    assert.same({ "mrge" }, g:merge_points())
  end)

  it("inserts a row when the second branch starts, deletes one at the merge", function()
    assert_steps(g, "upgrade", {}, "head", { "root", "bpbp", "left", "right", "mrge", "tail" },
      { "+root", "root>bpbp", "bpbp>left", "+right", "-right left>mrge", "mrge>tail" })
  end)

  it("merges from two current heads", function()
    local steps = assert_steps(g, "upgrade", { "left", "right" }, "mrge", nil, { "-right left>mrge" })
    assert.same({ "mrge" }, g:heads_after({ "left", "right" }, steps))
  end)

  it("applies the missing side before the merge", function()
    assert_steps(g, "upgrade", { "left" }, "head", { "right", "mrge", "tail" },
      { "+right", "-right left>mrge", "mrge>tail" })
  end)

  it("unmerges on the way down: update to one parent, insert the other", function()
    local steps = assert_steps(g, "downgrade", { "tail" }, "left", { "tail", "mrge" },
      { "tail>mrge", "mrge>left +right" })
    assert.same({ "left", "right" }, g:heads_after({ "tail" }, steps))
  end)

  it("deletes a row when a parent is still reached by another head", function()
    assert_steps(g, "downgrade", { "tail" }, "bpbp", { "tail", "mrge", "right", "left" },
      { "tail>mrge", "mrge>left +right", "-right", "left>bpbp" })
    assert.same({ "bpbp" }, g:target_heads({ "tail" }, "down", "bpbp"))
  end)

  it("steps down from a merge point to both parents, and no further", function()
    assert.same({ "left", "right" }, g:resolve("-1", { "mrge" }))
    assert.same({ "mrge" }, g:resolve("-1", { "tail" }))
    assert.same({ "left", "right" }, g:resolve("tail-2"))
    assert.same('"-2" is ambiguous at merge point mrge (previous: left, right): name the revision, or walk along a branch with label@-N',
      fails(g:resolve("-2", { "mrge" })))
    assert_steps(g, "downgrade", { "mrge" }, "-1", nil, { "mrge>left +right" })
  end)

  it("walks the whole diamond in history", function()
    assert.same({ "tail", "mrge", "right", "left", "bpbp", "root" }, ids(g:walk()))
    assert.same({ "mrge", "left" }, ids(g:walk({ "mrge" }, { "left" })))
    assert.same({ "mrge", "right", "left", "bpbp" }, ids(g:walk({ "mrge" }, { "bpbp" })))
  end)

  it("accepts a range from one side of the diamond to the top", function()
    local a, b = g:resolve_range("right:tail")
    assert.same({ "right" }, a)
    assert.same({ "tail" }, b)
  end)
end)

describe("a merge inherits the labels of both sides", function()
  local g = graph {
    rev("root"), rev("aaaa", "root", { labels = { "feat" } }), rev("bbbb", "root", { labels = { "main" } }),
    rev("cccc", { "aaaa", "bbbb" }), rev("dddd", "cccc"),
  }
  it("labels the merge and what follows with both", function()
    assert.same({ "feat", "main" }, g:get("cccc").labels)
    assert.same({ "feat", "main" }, g:get("dddd").labels)
    assert.same({ "dddd" }, g:resolve("feat@head"))
    assert.same({ "aaaa" }, g:resolve("feat@dddd-2"))
    assert.same({ "aaaa", "bbbb" }, g:resolve("dddd-2"))
    assert.same('"dddd-3" is ambiguous at merge point cccc (previous: aaaa, bbbb): name the revision, or walk along a branch with label@-N', fails(g:resolve("dddd-3")))
    assert.same({ "bbbb" }, g:resolve("main@dddd-2"))
  end)
end)

describe("two independent roots", function()
  local g = graph {
    rev("r1r1", nil, { labels = { "alpha" } }), rev("r2r2", "r1r1"),
    rev("s1s1", nil, { labels = { "beta" } }), rev("s2s2", "s1s1"),
  }

  it("has two bases and two heads", function()
    assert.same({ "r1r1", "s1s1" }, g:bases())
    assert.same({ "r2r2", "s2s2" }, g:heads())
  end)

  it("upgrades heads inserting one row per root", function()
    assert_steps(g, "upgrade", {}, "heads", { "r1r1", "r2r2", "s1s1", "s2s2" },
      { "+r1r1", "r1r1>r2r2", "+s1s1", "s1s1>s2s2" })
  end)

  it("upgrades one root's branch by label", function()
    assert.same({ "+s1s1" }, versions(assert(g:upgrade_steps({ "r2r2" }, "beta@+1"))))
    assert.same({ "s1s1", "s2s2" }, ids(assert(g:upgrade_steps({ "r2r2" }, "beta@head"))))
  end)

  it("downgrades one root's branch to base, leaving the other", function()
    local steps = assert_steps(g, "downgrade", { "r2r2", "s2s2" }, "beta@base", nil, { "s2s2>s1s1", "-s1s1" })
    assert.same({ "r2r2" }, g:heads_after({ "r2r2", "s2s2" }, steps))
  end)

  it("downgrades everything to base", function()
    assert_steps(g, "downgrade", { "r2r2", "s2s2" }, "base", { "s2s2", "s1s1", "r2r2", "r1r1" },
      { "s2s2>s1s1", "-s1s1", "r2r2>r1r1", "-r1r1" })
  end)

  it("is ambiguous stepping up from base with several bases", function()
    assert.same('"base+1" is ambiguous: there are several bases (r1r1, s1s1); start from one of them or from a branch label', fails(g:resolve("base+1")))
    assert.same({ "s1s1" }, g:resolve("beta@base+1"))
  end)

  it("refuses a downgrade to a revision of a root that is not applied", function()
    local msg = fails(g:downgrade_steps({ "r2r2" }, "s1s1"))
    assert.same('target "s1s1" is not reachable by downgrade from the current revision (r2r2): it is not applied', msg)
  end)

  it("walking below one root is that root's base only", function()
    assert_steps(g, "downgrade", { "r2r2", "s1s1" }, "s1s1-1", nil, { "-s1s1" })
  end)
end)

describe("a dependency across roots", function()
  -- r1 <- r2          (alpha)
  -- s1 <- s2 -> r2    (s2 depends_on r2)
  -- t1 depends on the label alpha (its declaring revision r1)
  local g = graph {
    rev("r1r1", nil, { labels = { "alpha" } }), rev("r2r2", "r1r1"),
    rev("s1s1"), rev("s2s2", "s1s1", { deps = { "r2r2" } }),
    rev("t1t1", nil, { deps = { "alpha" } }),
  }

  it("does not count the dependency for heads", function()
    assert.same({ "r2r2", "s2s2", "t1t1" }, g:heads())
    assert.same({ "s2s2" }, g:get("r2r2").dependents)
    assert.same({ "r1r1" }, g:get("t1t1").depends_on)
    assert.is_true(g:is_ancestor("r2r2", "s2s2"))
    assert.is_false(g:is_ancestor("r2r2", "s2s2", true))
  end)

  it("applies the dependency first and folds it into the dependent's row", function()
    assert_steps(g, "upgrade", {}, "s2s2", { "s1s1", "r1r1", "r2r2", "s2s2" },
      { "+s1s1", "+r1r1", "r1r1>r2r2", "-r2r2 s1s1>s2s2" })
    assert.same({ "s1s1", "r1r1", "r2r2", "s2s2" }, g:applied({ "s2s2" }))
  end)

  it("treats a folded dependency head as applied", function()
    assert.same({ "t1t1" }, ids(assert(g:upgrade_steps({ "s2s2" }, "heads"))))
    assert.same({}, assert(g:upgrade_steps({ "s2s2" }, "r2r2")))
  end)

  it("removes dependents before their dependency on the way down", function()
    local steps = assert_steps(g, "downgrade", { "s2s2" }, "r1r1", { "s2s2", "r2r2" },
      { "s2s2>s1s1 +r2r2", "r2r2>r1r1" })
    assert.same({ "r1r1", "s1s1" }, g:heads_after({ "s2s2" }, steps))
  end)

  it("removes a dependent when the dependency's whole branch goes", function()
    local steps = assert(g:downgrade_steps({ "s2s2", "t1t1" }, "alpha@base"))
    assert.same({ "t1t1", "s2s2", "r2r2", "r1r1" }, ids(steps))
    assert.same({ "s1s1" }, g:heads_after({ "s2s2", "t1t1" }, steps))
  end)
end)

describe("branch label resolution", function()
  local g = graph {
    rev("root"), rev("cart", "root", { labels = { "shop" } }), rev("cart2", "cart"),
    rev("pay1", "cart2"), rev("pay2", "cart2"),
    rev("misc", "root"),
  }

  it("resolves a bare label to the revision that declares it", function()
    assert.same({ "cart" }, g:resolve("shop"))
  end)

  it("names an unknown label and lists the known ones", function()
    assert.same('unknown branch label "shoe" (branch labels: shop)', fails(g:resolve("shoe@head")))
    assert.same('unknown branch label "shoe" (branch labels: shop)', select(2, g:label("shoe")))
    local g2 = graph { rev("aaaa") }
    assert.same('unknown branch label "x" (no revision declares a branch label)', fails(g2:resolve("x@head")))
  end)

  it("refuses a revision that is not on the branch", function()
    assert.same('revision misc is not on branch "shop" (the branch starts at cart)', fails(g:resolve("shop@misc")))
    assert.same({ "cart2" }, g:resolve("shop@cart2"))
  end)

  it("refuses label@head when the branch splits, and gives label@heads", function()
    assert.same('branch "shop" has several heads (pay1, pay2): name one, or use shop@heads', fails(g:resolve("shop@head")))
    assert.same({ "pay1", "pay2" }, g:resolve("shop@heads"))
  end)

  it("resolves label@base to where the branch starts", function()
    assert.same({ "root" }, g:resolve("shop@base"))
  end)

  it("refuses an incomplete label target and rev@something else", function()
    assert.same('"shop@" is incomplete: after "shop@" write head, heads, base, +N, -N or a revision', fails(g:resolve("shop@")))
    assert.same('"cart2@base": after a revision and "@" only head or heads may follow (a branch label takes head, heads, base, +N, -N or a revision)', fails(g:resolve("cart2@base")))
    assert.same('"@head" names no branch: write label@head', fails(g:resolve("@head")))
  end)

  it("is ambiguous stepping a label up through its own branch point", function()
    assert.same('"shop@+1" is ambiguous at branch point cart2 (next: pay1, pay2): branch "shop" splits there; name the revision',
      fails(g:resolve("shop@+1", { "cart2" })))
  end)
end)

describe("more of the target grammar", function()
  local g = graph {
    rev("root"), rev("aaaa", "root", { labels = { "left" } }), rev("aaab", "aaaa"),
    rev("bbbb", "root", { labels = { "right" } }),
  }

  it("resolves current and label@current", function()
    assert.same({ "aaab", "bbbb" }, g:resolve("current", { "aaab", "bbbb" }))
    assert.same({ "aaab" }, g:resolve("left@current", { "aaab", "bbbb" }))
    assert.same({ "root" }, g:resolve("left@current", { "root" }))
    assert.same({ "aaab" }, g:resolve("current+1", { "aaaa" }))
  end)

  it("treats unknown words before @ as unknown labels", function()
    assert.same('unknown branch label "lefty" (branch labels: left, right)', fails(g:resolve("lefty@head")))
    assert.same('unknown branch label "xy" (branch labels: left, right)', fails(g:resolve("xy@+1", {})))
  end)

  it("refuses an empty target and a huge step", function()
    assert.same("empty revision target", fails(g:resolve("")))
    assert.same('relative step in "+99999999999999999999" is too large', fails(g:resolve("+99999999999999999999", {})))
  end)

  it("refuses to upgrade to a branch base once the branch is applied", function()
    assert.same('target "left@base" is below the current revision (aaab): upgrade only moves forward; use downgrade',
      fails(g:upgrade_steps({ "aaab" }, "left@base")))
    assert.same({}, assert(g:upgrade_steps({ "aaab", "bbbb" }, "heads")))
    assert.same({}, assert(g:downgrade_steps({ "bbbb" }, "left@base")))
  end)

  it("prefixes range errors with the range", function()
    assert.same('range "current:heads": "current" is relative to the current revision, which is not known here', fails(g:resolve_range("current:heads")))
    assert.same('range "aaaa:nope": unknown revision "nope": no revision id starts with it and no branch label has that name', fails(g:history("aaaa:nope")))
  end)

  it("accepts list fields as a single string and drops repeats", function()
    local g2 = graph {
      { id = "aaaa", path = "a.lua" },
      { id = "bbbb", down_revisions = "aaaa", path = "b.lua" },
      { id = "cccc", down_revisions = { "bbbb", "bbbb" }, depends_on = { "bbbb", "aaaa" }, path = "c.lua" },
    }
    assert.same({ "aaaa" }, g2:get("bbbb").down_revisions)
    assert.same({ "bbbb" }, g2:get("cccc").down_revisions)
    assert.same({ "aaaa" }, g2:get("cccc").depends_on)
    assert.same(3, g2:count())
    assert.same({ "aaaa", "bbbb", "cccc" }, ids(g2:nodes()))
  end)

  it("reports the fault of the lowest id whatever the file order", function()
    local a = { rev("bbbb", "nope"), rev("aaaa", "gone") }
    local b = { a[2], a[1] }
    local msg = 'revision aaaa (migrations/versions/aaaa.lua) names down_revision "gone" which no revision file has'
    assert.same(msg, fails(revision.new(a)))
    assert.same(msg, fails(revision.new(b)))
  end)

  it("rejects a list field of the wrong type", function()
    assert.same("revision aaaa (a.lua): down_revisions must be a string or a list of strings, not a number",
      fails(revision.new { { id = "aaaa", down_revisions = 5, path = "a.lua" } }))
  end)

  it("raises on unknown ids given to walk and is_ancestor", function()
    assert.has_error(function() g:walk({ "zzzz" }) end, "bad argument #1 to 'walk' (unknown revision \"zzzz\")")
    assert.has_error(function() g:is_ancestor("root", "zzzz") end, "bad argument #2 to 'is_ancestor' (unknown revision \"zzzz\")")
    assert.is_true(g:is_ancestor("root", "aaab"))
    assert.is_false(g:is_ancestor("aaab", "root"))
  end)

  it("keeps shared empty lists read-only", function()
    assert.has_error(function() g:get("root").down_revisions[1] = "x" end)
  end)
end)

describe("version helpers", function()
  it("apply_version deletes, updates, then inserts", function()
    assert.same({ "cccc", "dddd" }, revision.apply_version({ "aaaa", "bbbb" }, { delete = { "bbbb" }, update = { from = "aaaa", to = "cccc" }, insert = { "dddd" } }))
  end)
end)
