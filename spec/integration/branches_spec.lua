-- Branches, merges, labels and dependencies, run as the real executable on
-- every backend; the version table is checked after every step.
--
--   a0 ─┬─ b1 (left) ── b2 ─┐
--       └─ c1 (right) ──────┴─ m3 (merge)
--   o1 (other) ── o2  (o2 depends on b1)
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local branched_project = h.branched_project

backends.each("branches and merges", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  local function step(dir, args, rows, tables)
    local r = h.run_ok(dir, h.with_url(url, args))
    assert.same(rows, b:versions(url), "version rows after " .. table.concat(args, " "))
    if tables then
      local present = {}
      for _, t in ipairs(b:tables(url)) do
        if t:match("^t_") then present[#present + 1] = t:sub(3) end
      end
      assert.same(tables, present, "tables after " .. table.concat(args, " "))
    end
    return r
  end

  it("steps along one branch, across the merge and back", function()
    local dir = branched_project()
    step(dir, { "upgrade", "a0" }, { "a0" }, { "a0" })
    -- one branch only: a0's row moves along it (left@head would be m3:
    -- as in Alembic, a label carries on through the merge)
    step(dir, { "upgrade", "b2" }, { "b2" }, { "a0", "b1", "b2" })
    -- the other branch starts: a row is inserted
    step(dir, { "upgrade", "c1" }, { "b2", "c1" }, { "a0", "b1", "b2", "c1" })
    -- the merge: one row deleted, the other updated
    step(dir, { "upgrade", "m3" }, { "m3" }, { "a0", "b1", "b2", "c1", "m3" })
    -- undoing the merge brings both rows back
    step(dir, { "downgrade", "-1" }, { "b2", "c1" }, { "a0", "b1", "b2", "c1" })
    -- one branch down to its base, the other stays
    step(dir, { "downgrade", "right@base" }, { "b2" }, { "a0", "b1", "b2" })
    step(dir, { "downgrade", "left@-1" }, { "b1" }, { "a0", "b1" })
    step(dir, { "downgrade", "base" }, {}, {})
  end)

  it("upgrades every head, with dependencies across roots, and back to base", function()
    local dir = branched_project()
    -- o2 needs b1: upgrading the other branch applies a0 and b1 first;
    -- as in Alembic, the dependency's row is folded into o2's
    step(dir, { "upgrade", "other@head" }, { "o2" }, { "a0", "b1", "o1", "o2" })
    step(dir, { "upgrade", "heads" }, { "m3", "o2" }, { "a0", "b1", "b2", "c1", "m3", "o1", "o2" })
    -- going below b1 must take its dependent o2 away first
    step(dir, { "downgrade", "a0" }, { "a0", "o1" }, { "a0", "o1" })
    step(dir, { "downgrade", "base" }, {}, {})
  end)

  it("stamps branch by branch, and --purge replaces everything", function()
    local dir = branched_project()
    step(dir, { "stamp", "b2" }, { "b2" })
    step(dir, { "stamp", "c1" }, { "b2", "c1" })
    step(dir, { "stamp", "m3" }, { "m3" })
    step(dir, { "stamp", "o1" }, { "m3", "o1" })
    step(dir, { "stamp", "--purge", "b1" }, { "b1" })
    step(dir, { "stamp", "heads" }, { "m3", "o2" })
  end)
end)

describe("branch commands #sqlite", function()
  after_each(h.cleanup)

  local ok_run = h.run_ok

  it("lists heads, branch points and history with marks", function()
    local dir = branched_project()
    assert.equal("m3 (head) (mergepoint)\no2 (head)\n", ok_run(dir, { "heads" }).stdout)
    assert.equal("m3 (head) (mergepoint)\n", ok_run(dir, { "heads", "--resolve-dependencies" }).stdout
      :gsub("o2 %(head%)\n", ""))
    local branches = ok_run(dir, { "branches" }).stdout
    assert.matches("^a0 %(branchpoint%)\n", branches)
    assert.matches("-> b1 (left), revision b1", branches, 1, true)
    assert.matches("-> c1 (right), revision c1", branches, 1, true)
    local history = ok_run(dir, { "history" }).stdout
    assert.matches("b2, c1 -> m3 (head) (mergepoint), revision m3", history, 1, true)
    ok_run(dir, { "upgrade", "b2" })
    local marked = ok_run(dir, { "history", "-i", "-r", "a0:b2" }).stdout
    assert.same("b1 -> b2 (current), revision b2\na0 -> b1 (left), revision b1\n<base> -> a0 (branchpoint), revision a0\n",
      marked)
  end)

  it("checks that the database is at the heads", function()
    local dir = branched_project()
    ok_run(dir, { "upgrade", "m3" })
    local r = h.run(dir, { "current", "--check-heads" })
    assert.equal(1, r.status)
    assert.matches("the database is not at the head revision(s): it is at m3; the heads are m3, o2", r.stderr, 1, true)
    ok_run(dir, { "upgrade", "heads" })
    ok_run(dir, { "current", "--check-heads" })
  end)

  it("refuses a revision on several heads and merges them", function()
    local dir = branched_project()
    local r = h.run(dir, { "revision", "-m", "next" })
    assert.equal(2, r.status)
    assert.matches("the project has 2 heads (m3, o2): pass --head REV", r.stderr, 1, true)
    assert.matches("luamig merge heads", r.stderr, 1, true)
    ok_run(dir, { "merge", "heads", "-m", "join all", "--rev-id", "z9" })
    local text = h.read_file(dir .. "/migrations/versions/z9_join_all.lua")
    assert.matches('down_revision = { "m3", "o2" }', text, 1, true)
    assert.equal("z9 (head) (mergepoint)\n", ok_run(dir, { "heads" }).stdout)
    ok_run(dir, { "revision", "-m", "after", "--rev-id", "y8" })
    assert.matches('down_revision = "z9"', h.read_file(dir .. "/migrations/versions/y8_after.lua"), 1, true)
  end)

  it("creates branches with --head, --splice, --branch-label and --depends-on", function()
    local dir = branched_project()
    local r = h.run(dir, { "revision", "-m", "x", "--head", "b1" })
    assert.equal(2, r.status)
    assert.matches("revision b1 is not a head; pass --splice", r.stderr, 1, true)
    ok_run(dir, { "revision", "-m", "spliced", "--head", "b1", "--splice", "--rev-id", "s1",
      "--branch-label", "side", "--depends-on", "c1" })
    local text = h.read_file(dir .. "/migrations/versions/s1_spliced.lua")
    assert.matches('down_revision = "b1"', text, 1, true)
    assert.matches('branch_labels = "side"', text, 1, true)
    assert.matches('depends_on = "c1"', text, 1, true)
    ok_run(dir, { "revision", "-m", "on other", "--head", "other@head", "--rev-id", "o3" })
    assert.matches('down_revision = "o2"', h.read_file(dir .. "/migrations/versions/o3_on_other.lua"), 1, true)
    ok_run(dir, { "revision", "-m", "new root", "--head", "base", "--rev-id", "n1", "--branch-label", "fresh" })
    assert.matches("down_revision = nil", h.read_file(dir .. "/migrations/versions/n1_new_root.lua"), 1, true)
    -- a label used twice is refused and no file is left
    r = h.run(dir, { "revision", "-m", "dup", "--head", "base", "--rev-id", "d1", "--branch-label", "left" })
    assert.equal(2, r.status)
    assert.matches("left", r.stderr, 1, true)
    assert.is_nil(io.open(dir .. "/migrations/versions/d1_dup.lua"))
  end)

  it("names what is wrong with a target", function()
    local dir = branched_project()
    local function fails(args, text)
      local r = h.run(dir, args)
      assert.equal(2, r.status, table.concat(args, " "))
      assert.matches(text, r.stderr, 1, true)
    end
    fails({ "upgrade", "head" }, "multiple heads")
    fails({ "upgrade", "nope@head" }, "nope")
    fails({ "upgrade", "zzzz" }, "zzzz")
    fails({ "show", "a" }, "a")
  end)
end)
