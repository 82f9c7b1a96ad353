-- --json of the commands that change a database (upgrade, downgrade,
-- stamp: JSON Lines, an object per step as it ends, then a summary) and of
-- check (the differences as objects), on every backend; and of the
-- commands that read only the files (branches, show). Every output is
-- parsed by a strict JSON decoder (helpers/json.lua); an error case checks
-- the message and that the database did not change.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local json = require("helpers.json")
local ddl = require("luamig.ddl")

local null = json.null

local function revisions(extra, only_a1)
  local files = {
    ["migrations/versions/a1.lua"] = h.revision_text("a1", { doc = "create users",
      up = '  op.create_table("users", Column("id", Integer, { primary_key = true }), Column("name", String(20)),'
        .. ' Column("old", Integer))',
      down_body = '  op.drop_table("users")' }),
    ["migrations/versions/b2.lua"] = h.revision_text("b2", { down = "a1", doc = "create posts",
      up = '  op.create_table("posts", Column("id", Integer, { primary_key = true }))',
      down_body = '  op.drop_table("posts")' }),
  }
  if only_a1 then files["migrations/versions/b2.lua"] = nil end
  for k, v in pairs(extra or {}) do files[k] = v end
  return h.project(files)
end

-- The objects of a run's stdout: the steps, then the summary (the last).
local function run_objects(stdout)
  local objects = json.lines(stdout)
  assert.is_true(#objects >= 1, "no JSON on stdout")
  local summary = table.remove(objects)
  assert.equal("summary", summary.type)
  for _, o in ipairs(objects) do assert.equal("step", o.type) end
  return objects, summary
end

-- A step object without its duration (checked to be a whole number >= 0).
local function without_duration(o)
  assert.equal("number", type(o.duration_ms))
  assert.is_true(math.type(o.duration_ms) == "integer" and o.duration_ms >= 0)
  o.duration_ms = nil
  return o
end

backends.each("--json of upgrade, downgrade and stamp", function(b)
  local url
  backends.database_per_test(b, function(u) url = u end)
  local transactional = ddl.dialect(b.driver).transactional_ddl == true

  it("upgrade writes a step object per revision, then the summary; downgrade and stamp alike", function()
    local dir = revisions()
    local r = h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--json" }))
    local steps, summary = run_objects(r.stdout)
    assert.same({
      { type = "step", revision = "a1", direction = "up", from = {}, to = { "a1" }, doc = "create users",
        path = "migrations/versions/a1.lua", transactional = transactional, outcome = "ok", error = null },
      { type = "step", revision = "b2", direction = "up", from = { "a1" }, to = { "b2" }, doc = "create posts",
        path = "migrations/versions/b2.lua", transactional = transactional, outcome = "ok", error = null },
    }, { without_duration(steps[1]), without_duration(steps[2]) })
    assert.equal("integer", math.type(summary.duration_ms))
    summary.duration_ms = nil
    assert.same({ type = "summary", command = "upgrade", outcome = "ok", status = "upgraded", target = "head",
      steps = 2, heads_before = {}, heads = { "b2" }, exit_code = 0, error = null }, summary)
    -- stderr keeps its progress lines
    assert.matches("Running upgrade a1 %-> b2, create posts", r.stderr)

    -- nothing to do: the summary alone
    steps, summary = run_objects(h.run_ok(dir, h.with_url(url, { "upgrade", "--json" })).stdout)
    assert.same({}, steps)
    assert.equal("unchanged", summary.status)
    assert.same({ 0, { "b2" }, { "b2" } }, { summary.steps, summary.heads_before, summary.heads })

    steps, summary = run_objects(h.run_ok(dir, h.with_url(url, { "downgrade", "-1", "--json" })).stdout)
    assert.equal(1, #steps)
    assert.same({ "b2", "down", { "b2" }, { "a1" }, "ok" },
      { steps[1].revision, steps[1].direction, steps[1].from, steps[1].to, steps[1].outcome })
    assert.same({ "downgrade", "downgraded", "-1", { "b2" }, { "a1" } },
      { summary.command, summary.status, summary.target, summary.heads_before, summary.heads })
    assert.same({ "a1" }, b:versions(url))

    steps, summary = run_objects(h.run_ok(dir, h.with_url(url, { "stamp", "b2", "--json" })).stdout)
    assert.same({ { type = "step", revision = "b2", direction = "stamp", from = { "a1" }, to = { "b2" },
      doc = "create posts", path = "migrations/versions/b2.lua", transactional = true, outcome = "ok",
      error = null } }, { without_duration(steps[1]) })
    assert.same({ "stamp", "stamped", 1, { "a1" }, { "b2" } },
      { summary.command, summary.status, summary.steps, summary.heads_before, summary.heads })
    assert.same({ "b2" }, b:versions(url))
  end)

  it("a failed step: its object says failed with the error, then the summary; exit 1, stderr one line", function()
    local dir = revisions {
      ["migrations/versions/c3.lua"] = h.revision_text("c3", { down = "b2", doc = "breaks",
        up = '  op.execute("SELECT * FROM no_such_table")\n  op.create_table("never", Column("id", Integer))' }),
    }
    h.run_ok(dir, h.with_url(url, { "upgrade", "b2" }))
    local tables = b:tables(url)
    local r = h.run(dir, h.with_url(url, { "upgrade", "--json" }))
    assert.equal(1, r.status)
    local steps, summary = run_objects(r.stdout)
    assert.equal(1, #steps)
    assert.same({ "c3", "up", { "b2" }, { "c3" }, "failed" },
      { steps[1].revision, steps[1].direction, steps[1].from, steps[1].to, steps[1].outcome })
    assert.matches("c3%.lua:%d+: .*no_such_table", steps[1].error)
    assert.same({ "upgrade", "failed", "failed", 0, { "b2" }, { "b2" }, 1 },
      { summary.command, summary.outcome, summary.status, summary.steps, summary.heads_before, summary.heads,
        summary.exit_code })
    assert.matches("no_such_table", summary.error)
    -- stderr: the error line, as without --json, and it ends the output
    local err_line = r.stderr:match("([^\n]*)\n$")
    assert.equal("luamig: " .. summary.error, err_line)
    assert.same({ "b2" }, b:versions(url))
    assert.same(tables, b:tables(url))
  end)

  it("refuses --json with --sql: exit 2, both named, nothing written or changed", function()
    local dir = revisions()
    for _, args in ipairs { { "upgrade", "--sql", "--json" }, { "downgrade", "b2:base", "--sql", "--json" },
      { "stamp", "head", "--sql", "--json" } } do
      local r = h.run(dir, h.with_url(url, args))
      assert.equal(2, r.status)
      assert.equal("", r.stdout)
      assert.equal(string.format("luamig: %s: --json and --sql cannot be combined: --sql writes the SQL script to"
        .. " standard output (run --json without --sql)\n", args[1]), r.stderr)
    end
    assert.same({}, b:tables(url))
  end)

  it("a run refused before any step: the summary alone, with the error; nothing changed", function()
    local dir = revisions()
    h.run_ok(dir, h.with_url(url, { "upgrade", "a1" }))
    local r = h.run(dir, h.with_url(url, { "upgrade", "nope", "--json" }))
    assert.equal(2, r.status)
    local steps, summary = run_objects(r.stdout)
    assert.same({}, steps)
    assert.same({ "failed", "nope", { "a1" }, { "a1" }, 2 },
      { summary.outcome, summary.target, summary.heads_before, summary.heads, summary.exit_code })
    assert.matches('^unknown revision "nope"', summary.error)
    assert.equal("luamig: " .. summary.error .. "\n", r.stderr)
    r = h.run(dir, h.with_url(url, { "stamp", "zzzz", "--json" }))
    assert.equal(2, r.status)
    steps, summary = run_objects(r.stdout)
    assert.same({ {}, "stamp", "failed" }, { steps, summary.command, summary.status })
    assert.same({ "a1" }, b:versions(url))
  end)
end)

local USERS_MODEL = [[
Table("users",
  Column("id", Integer, { primary_key = true }),
  Column("name", String(50), { nullable = false }),
  Column("email", String(100)))
Table("tags", Column("id", Integer, { primary_key = true }))
]]

backends.each("check --json", function(b)
  local url
  backends.database_per_test(b, function(u) url = u end)

  it("gives each difference as an object beside its line", function()
    local dir = revisions({ ["migrations/models.lua"] = USERS_MODEL }, true)
    h.run_ok(dir, h.with_url(url, { "upgrade", "a1" }))
    local r = h.run(dir, h.with_url(url, { "check", "--json" }))
    assert.equal(1, r.status)
    local out = json.decode(r.stdout)
    assert.is_false(out.ok)
    assert.equal("string", type(out.url))
    local by_kind, lines = {}, {}
    for _, l in ipairs(out.differences) do lines[l] = true end
    for _, c in ipairs(out.changes) do
      assert.equal("string", type(c.text))
      by_kind[c.kind .. " " .. (c.column or c.table)] = c
      -- a line of `differences`, or (a column change split by attribute) one of its attributes
      assert.truthy(lines[c.text] or c.kind:match("^change_"), c.text)
    end
    local function has(key, fields)
      local c = by_kind[key]
      assert(c, "no " .. key .. " in " .. r.stdout)
      for k, v in pairs(fields) do assert.same(v, c[k], key .. "." .. k) end
    end
    has("add_table tags", { table = "tags", columns = { "id" }, text = "add table tags" })
    has("add_column email", { table = "users", from = null, text = "add column users.email" })
    assert.matches("^VARCHAR%(100%)", by_kind["add_column email"].to)
    has("drop_column old", { table = "users", to = null, text = "remove column users.old" })
    has("change_type name", { table = "users", column = "name", text = "change type of column users.name" })
    assert.matches("^VARCHAR%(20%)", by_kind["change_type name"].from:upper())
    assert.matches("^VARCHAR%(50%)", by_kind["change_type name"].to:upper())
    has("change_nullable name", { from = true, to = false, text = "change nullable of column users.name" })
    -- the lines, as before
    assert.same({ "add table tags", "add column users.email", "change type, nullable of column users.name",
      "remove column users.old" }, out.differences)
    assert.same({ "a1" }, b:versions(url))
  end)

  it("no difference: ok, both lists empty, exit 0", function()
    local dir = revisions({ ["migrations/models.lua"] = [[
Table("users",
  Column("id", Integer, { primary_key = true }),
  Column("name", String(20)),
  Column("old", Integer))
]] }, true)
    h.run_ok(dir, h.with_url(url, { "upgrade", "a1" }))
    local out = json.decode(h.run_ok(dir, h.with_url(url, { "check", "--json" })).stdout)
    assert.same({ true, {}, {} }, { out.ok, out.differences, out.changes })
  end)
end)

describe("--json of the commands that read the files #sqlite", function()
  after_each(h.cleanup)

  local function branched()
    return revisions {
      ["migrations/versions/c3.lua"] = h.revision_text("c3", { down = "a1", doc = "other branch" }),
    }
  end

  it("branches --json: each branch point with its children", function()
    local out = json.decode(h.run_ok(branched(), { "branches", "--json" }).stdout)
    assert.equal(1, #out)
    assert.same({ "a1", true }, { out[1].id, out[1].is_branch_point })
    local children = {}
    for i, c in ipairs(out[1].children) do children[i] = c.id .. (c.is_head and " head" or "") end
    assert.same({ "b2 head", "c3 head" }, children)
  end)

  it("show --json: an array of the revisions REV names", function()
    local dir = branched()
    local out = json.decode(h.run_ok(dir, { "show", "a1", "--json" }).stdout)
    assert.same({ { id = "a1", down_revisions = {}, depends_on = {}, branch_labels = {}, doc = "create users",
      path = "migrations/versions/a1.lua", is_head = false, is_current = false, is_branch_point = true,
      is_merge_point = false } }, out)
    out = json.decode(h.run_ok(dir, { "show", "heads", "--json" }).stdout)
    assert.same({ "b2", "c3" }, { out[1].id, out[2].id })
  end)

  it("upgrade --json on a fleet: each target's output is the array of its objects", function()
    local dir = revisions()
    h.write_file(dir .. "/targets.txt", "one sqlite:one.db\ntwo sqlite:two.db\n")
    h.run_ok(dir, { "-u", "sqlite:two.db", "upgrade", "a1" })
    local out = json.decode(h.run_ok(dir, { "upgrade", "--targets", "targets.txt", "--json" }).stdout)
    assert.same({ "one", "upgraded", 3, "two", "upgraded", 2 }, { out[1].target, out[1].status, #out[1].output,
      out[2].target, out[2].status, #out[2].output })
    assert.same({ "summary", "upgraded", { "b2" } }, { out[2].output[2].type, out[2].output[2].status,
      out[2].output[2].heads })
  end)
end)
