-- luamig lint, plan and upgrade --lint, run as the real binary on SQLite
-- projects (lint writes the SQL offline, so --dialect postgresql/mysql
-- need no server).

local h = require("helpers.luamig")
local json_decode = require("helpers.json").decode

local CONFIG = 'return { url = "sqlite:///%s/db.sqlite"%s }\n'

local BASE = [[
revision = "a1"
down_revision = nil
function upgrade()
  op.create_table("users", Column("id", Integer, {primary_key = true}), Column("email", String(50)))
end
function downgrade() op.drop_table("users") end
]]

local function project(second, extra)
  local dir = h.project({ ["migrations/versions/a1_base.lua"] = BASE,
    ["migrations/versions/b2_next.lua"] = 'revision = "b2"\ndown_revision = "a1"\nfunction upgrade()\n' .. second
      .. '\nend\nfunction downgrade() end\n' })
  h.write_file(dir .. "/luamig.lua", CONFIG:format(dir, extra or ""))
  return dir
end

describe("luamig lint", function()
  after_each(h.cleanup)

  it("reports a PostgreSQL rule with the op's file and line and exits 1; not on a safe form", function()
    local dir = project('  op.create_index("ix_email", "users", {"email"})')
    local r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(1, r.status)
    assert.matches("migrations/versions/b2_next.lua:4: error pg%-index%-concurrently: ", r.stdout)
    dir = project('  op.create_index("ix_email", "users", {"email"}, {postgresql_concurrently = true})',
      ", ddl_lock_timeout = 5")
    r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(0, r.status, r.stderr)
    assert.equal("", r.stdout)
  end)

  it("does not flag an index on a table created in the same revision", function()
    local dir = project('  op.create_table("t", Column("a", Integer))\n  op.create_index("ix_a", "t", {"a"})',
      ", ddl_lock_timeout = 5")
    local r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(0, r.status, r.stdout .. r.stderr)
  end)

  it("honours a suppression with a reason, and reports one without", function()
    local dir = project('  -- luamig: allow pg-index-concurrently because the table is tiny\n'
      .. '  op.create_index("ix_email", "users", {"email"})', ", ddl_lock_timeout = 5")
    local r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(0, r.status, r.stdout)
    dir = project('  op.create_index("ix_email", "users", {"email"}) -- luamig: allow pg-index-concurrently',
      ", ddl_lock_timeout = 5")
    r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(1, r.status)
    assert.matches("b2_next.lua:4: error suppress%-reason: ", r.stdout)
    assert.matches("pg%-index%-concurrently", r.stdout)
  end)

  it("disables a rule from luamig.lua and refuses an unknown one", function()
    local dir = project('  op.create_index("ix_email", "users", {"email"})',
      ', ddl_lock_timeout = 5, lint = { disable = { "pg-index-concurrently" } }')
    assert.equal(0, h.run(dir, { "lint", "--dialect", "postgresql" }).status)
    dir = project('  op.drop_column("users", "email")', ', lint = { disable = { "nope" } }')
    local r = h.run(dir, { "lint", "--dialect", "postgresql" })
    assert.equal(2, r.status)
    assert.matches("unknown rule nope", r.stderr)
  end)

  it("writes SARIF 2.1.0 with the required fields", function()
    local dir = project('  op.create_index("ix_email", "users", {"email"})', ", ddl_lock_timeout = 5")
    local r = h.run(dir, { "lint", "--dialect", "postgresql", "--format", "sarif" })
    assert.equal(1, r.status)
    local log = json_decode(r.stdout)
    assert.equal("2.1.0", log.version)
    local run = log.runs[1]
    assert.equal("luamig", run.tool.driver.name)
    assert.truthy(#run.tool.driver.rules > 10)
    local res = run.results[1]
    assert.equal("pg-index-concurrently", res.ruleId)
    assert.equal("error", res.level)
    assert.truthy(res.message.text:find("CONCURRENTLY", 1, true))
    assert.equal("migrations/versions/b2_next.lua", res.locations[1].physicalLocation.artifactLocation.uri)
    assert.equal(4, res.locations[1].physicalLocation.region.startLine)
  end)

  it("writes --json findings", function()
    local dir = project('  op.drop_column("users", "email")')
    local r = h.run(dir, { "lint", "--dialect", "mysql", "--json" })
    assert.equal(0, r.status, r.stderr)
    local out = json_decode(r.stdout)
    assert.equal(1, out.warnings)
    assert.equal("drop-column", out.findings[1].rule)
    assert.equal(4, out.findings[1].line)
  end)

  it("flags an SQLite batch rebuild", function()
    local dir = project('  op.batch_alter_table("users", function(b) b.alter_column("email", {nullable = false}) end,'
      .. ' {copy_from = {table = "users", columns = {Column("id", Integer, {primary_key = true}),'
      .. ' Column("email", String(50))}}})', ", sqlite_batch_mode = true")
    local r = h.run(dir, { "lint", "a1:heads" })
    assert.matches("b2_next.lua:4: warning sqlite%-batch%-rebuild", r.stdout, nil, r.stderr)
  end)
end)

describe("luamig plan", function()
  after_each(h.cleanup)

  it("shows each statement with its lock and findings", function()
    local dir = project('  op.create_index("ix_email", "users", {"email"})', ", ddl_lock_timeout = 5")
    local r = h.run(dir, { "plan", "--dialect", "postgresql", "--json" })
    assert.equal(0, r.status, r.stderr)
    local out = json_decode(r.stdout)
    local last = out.statements[#out.statements]
    assert.equal("b2", last.revision)
    assert.equal("SHARE", last.locks[1].lock)
    assert.equal("pg-index-concurrently", last.findings[1].rule)
  end)
end)

describe("luamig upgrade --lint", function()
  after_each(h.cleanup)

  it("refuses to run, changing nothing, when an error-level rule fires", function()
    local dir = project('  op.alter_column("users", "email", {new_column_name = "mail"})')
    local r = h.run(dir, { "upgrade", "--lint" })
    assert.equal(1, r.status)
    assert.matches("rename%-column", r.stderr)
    assert.matches("nothing was run", r.stderr)
    r = h.run_ok(dir, { "current" })
    assert.equal("", r.stdout)
    -- without an error-level finding it runs
    dir = project('  op.add_column("users", Column("age", Integer))')
    h.run_ok(dir, { "upgrade", "--lint" })
    assert.matches("b2", h.run_ok(dir, { "current" }).stdout)
  end)
end)
