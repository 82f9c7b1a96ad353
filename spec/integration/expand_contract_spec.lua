-- Expand/contract: a revision's expand() and contract() run in two phases
-- (upgrade --phase expand, then --phase contract), the history table
-- records each phase, current/status/verify show a revision only
-- expanded, downgrade undoes the halves that ran, --sql writes a script
-- per phase, and a history table made before the phase column is upgraded
-- in place. On every backend, each test in a fresh database.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local A1 = [[
-- create people
revision = "a1"
down_revision = nil
function upgrade()
  op.create_table("people", Column("id", Integer, { primary_key = true }), Column("name", String(50)))
  op.execute("INSERT INTO people (id, name) VALUES (1, 'ann')")
end
function downgrade() op.drop_table("people") end
]]

-- A rename of people.name to full_name in two phases.
local B2 = [[
-- rename name to full_name
revision = "b2"
down_revision = "a1"
function expand()
  op.add_column("people", Column("full_name", String(50)))
  op.execute("UPDATE people SET full_name = name")
end
function contract()
  op.drop_column("people", "name")
end
function downgrade_contract()
  op.add_column("people", Column("name", String(50)))
  op.execute("UPDATE people SET name = full_name")
end
function downgrade_expand()
  op.drop_column("people", "full_name")
end
]]

-- A revision without phases after it.
local C3 = [[
-- add age
revision = "c3"
down_revision = "b2"
function upgrade() op.add_column("people", Column("age", Integer)) end
function downgrade() op.drop_column("people", "age") end
]]

-- The README's rename, word for word (PostgreSQL: its trigger is PL/pgSQL).
local README_RENAME = [==[
-- rename users.name to full_name without downtime
revision = "7d2e0c4b9a11"
down_revision = "4f1c0a9be2d3"

-- Keeps both columns equal while old code (writing name) and new code
-- (writing full_name) run side by side.
local function sync_trigger()
  op.execute([[
CREATE FUNCTION users_sync_name() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.full_name := COALESCE(NEW.full_name, NEW.name);
    NEW.name := COALESCE(NEW.name, NEW.full_name);
  ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
    NEW.full_name := NEW.name;
  ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
    NEW.name := NEW.full_name;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql]])
  op.execute([[CREATE TRIGGER users_sync_name BEFORE INSERT OR UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION users_sync_name()]])
end

local function drop_sync_trigger()
  op.execute("DROP TRIGGER users_sync_name ON users")
  op.execute("DROP FUNCTION users_sync_name()")
end

function expand()
  op.add_column("users", Column("full_name", String(100)))
  op.execute("UPDATE users SET full_name = name")
  sync_trigger()
end

function contract()
  drop_sync_trigger()
  op.drop_column("users", "name")
end

function downgrade_contract()
  op.add_column("users", Column("name", String(100)))
  op.execute("UPDATE users SET name = full_name")
  sync_trigger()
end

function downgrade_expand()
  drop_sync_trigger()
  op.drop_column("users", "full_name")
end
]==]

local README_BASE = [[
-- create users
revision = "4f1c0a9be2d3"
function upgrade() op.create_table("users", Column("id", Integer, { primary_key = true }), Column("name", String(100))) end
function downgrade() op.drop_table("users") end
]]

local function project(extra)
  local files = { ["migrations/versions/a1.lua"] = A1, ["migrations/versions/b2.lua"] = B2 }
  for k, v in pairs(extra or {}) do files[k] = v end
  return h.project(files)
end

local function names(cols)
  local out = {}
  for name in pairs(cols) do out[#out + 1] = name end
  table.sort(out)
  return table.concat(out, " ")
end

backends.each("expand/contract", function(b)
  local url
  backends.database_per_test(b, function(u) url = u end)
  local function run(dir, args) return h.run(dir, h.with_url(url, args)) end
  local function ok_run(dir, args) return h.run_ok(dir, h.with_url(url, args)) end
  local function history()
    return b:with(url, function(conn)
      local out = {}
      for _, row in ipairs(assert(conn:query("SELECT revision, direction, phase FROM luamig_history ORDER BY id"))) do
        local phase = type(row.phase) == "string" and row.phase or "-"
        out[#out + 1] = row.revision .. " " .. row.direction .. " " .. phase
      end
      return out
    end)
  end

  it("runs the expand, then the contract, then downgrades both halves", function()
    local dir = project()
    local r = ok_run(dir, { "upgrade", "head", "--phase", "expand" })
    assert.matches("Running upgrade %(expand%) a1 %-> b2", r.stderr)
    assert.equal("full_name id name", names(b:columns(url, "people")))
    assert.same({ "b2" }, b:versions(url))
    assert.equal("b2 (head) (expanded)", h.lines(ok_run(dir, { "current" }).stdout)[1])
    r = ok_run(dir, { "upgrade", "head", "--phase", "contract" })
    assert.matches("Running upgrade %(contract%) a1 %-> b2", r.stderr)
    assert.equal("full_name id", names(b:columns(url, "people")))
    assert.same({ "b2" }, b:versions(url))
    assert.equal("b2 (head)", h.lines(ok_run(dir, { "current" }).stdout)[1])
    ok_run(dir, { "downgrade", "a1" })
    assert.equal("id name", names(b:columns(url, "people")))
    assert.same({ "a1" }, b:versions(url))
    assert.same({ "a1 up -", "b2 up expand", "b2 up contract", "b2 down -" }, history())
    -- the name survived the round trip through full_name
    assert.equal("ann", b:with(url, function(conn) return assert(conn:first("SELECT name FROM people")).name end))
  end)

  it("downgrades a revision only expanded with its downgrade_expand()", function()
    local dir = project()
    ok_run(dir, { "upgrade", "--phase", "expand" })
    local r = ok_run(dir, { "downgrade", "a1" })
    assert.matches("Running downgrade %(expand%) b2 %-> a1", r.stderr)
    assert.equal("id name", names(b:columns(url, "people")))
    assert.same({ "a1 up -", "b2 up expand", "b2 down expand" }, history())
    assert.equal("a1", h.lines(ok_run(dir, { "current" }).stdout)[1])
  end)

  it("refuses to downgrade a revision only expanded that has no downgrade_expand()", function()
    local dir = project { ["migrations/versions/b2.lua"] = B2:gsub("function downgrade_expand%(%).-end\n", "") }
    ok_run(dir, { "upgrade", "--phase", "expand" })
    local r = run(dir, { "downgrade", "a1" })
    assert.equal(2, r.status)
    assert.matches("revision b2 is only expanded .* no downgrade_expand%(%) function", r.stderr)
    assert.same({ "b2" }, b:versions(url))
  end)

  it("refuses --phase contract before the expand ran, and changes nothing", function()
    local dir = project()
    local r = run(dir, { "upgrade", "head", "--phase", "contract" })
    assert.equal(1, r.status)
    assert.matches("cannot contract revision a1: its expand has not run", r.stderr)
    assert.matches("luamig upgrade head %-%-phase expand", r.stderr)
    assert.same({}, b:tables(url))
    ok_run(dir, { "upgrade", "a1" })
    r = run(dir, { "upgrade", "head", "--phase", "contract" })
    assert.equal(1, r.status)
    assert.matches("cannot contract revision b2: its expand has not run", r.stderr)
    assert.same({ "a1" }, b:versions(url))
    assert.equal("id name", names(b:columns(url, "people")))
    assert.same({ "a1 up -" }, history())
  end)

  it("runs the contracts before the first revision not expanded, and nothing past it", function()
    local dir = project { ["migrations/versions/c3.lua"] = C3 }
    ok_run(dir, { "upgrade", "b2", "--phase", "expand" })
    local r = run(dir, { "upgrade", "head", "--phase", "contract" })
    assert.equal(1, r.status)
    assert.matches("cannot contract revision c3", r.stderr)
    assert.equal("full_name id", names(b:columns(url, "people")))
    assert.same({ "b2" }, b:versions(url))
  end)

  it("runs a revision without phases whole in the expand phase", function()
    local dir = project { ["migrations/versions/c3.lua"] = C3 }
    local r = ok_run(dir, { "upgrade", "--phase", "expand" })
    assert.matches("Running upgrade <base> %-> a1", r.stderr)
    assert.matches("Running upgrade b2 %-> c3", r.stderr)
    assert.equal("age full_name id name", names(b:columns(url, "people")))
    assert.same({ "c3" }, b:versions(url))
    assert.same({ "a1 up -", "b2 up expand", "c3 up -" }, history())
    -- only b2 is expanded: the contract phase runs its contract alone
    assert.equal("c3 (head)", h.lines(ok_run(dir, { "current" }).stdout)[1])
    ok_run(dir, { "upgrade", "--phase", "contract" })
    assert.same({ "a1 up -", "b2 up expand", "c3 up -", "b2 up contract" }, history())
    assert.equal("age full_name id", names(b:columns(url, "people")))
  end)

  it("runs both halves in one step without --phase, and contracts what an earlier expand left", function()
    local dir = project { ["migrations/versions/c3.lua"] = C3 }
    ok_run(dir, { "upgrade", "b2" })
    assert.same({ "a1 up -", "b2 up -" }, history())
    assert.equal("full_name id", names(b:columns(url, "people")))
    ok_run(dir, { "downgrade", "a1" })
    ok_run(dir, { "upgrade", "b2", "--phase", "expand" })
    ok_run(dir, { "upgrade" })
    assert.same({ "a1 up -", "b2 up -", "b2 down -", "b2 up expand", "b2 up contract", "c3 up -" }, history())
    assert.equal("age full_name id", names(b:columns(url, "people")))
  end)

  it("takes the phase of a plain upgrade from upgrade_phase in luamig.lua", function()
    local dir = project { ["luamig.lua"] = 'return { upgrade_phase = "expand" }\n' }
    ok_run(dir, { "upgrade" })
    assert.same({ "a1 up -", "b2 up expand" }, history())
    ok_run(dir, { "upgrade", "--phase", "all" })
    assert.same({ "a1 up -", "b2 up expand", "b2 up contract" }, history())
  end)

  it("shows a revision only expanded in current, status and verify", function()
    local dir = project()
    ok_run(dir, { "upgrade", "--phase", "expand" })
    local r = ok_run(dir, { "current", "--json" })
    assert.matches('"expanded":true', r.stdout)
    local status = h.lines(ok_run(dir, { "status" }).stdout)
    assert.matches("^b2 +expanded ", status[3])
    assert.matches("^a1 +applied ", status[2])
    assert.equal("2 revisions: 2 applied, 0 pending, 1 expanded, contract pending", status[#status])
    assert.matches('"expanded":1', ok_run(dir, { "status", "--json" }).stdout)
    local verify = h.lines(ok_run(dir, { "verify" }).stdout)
    assert.matches("^expanded b2  its expand ran, its contract has not", verify[1])
    assert.matches('"expanded":%["b2"%]', ok_run(dir, { "verify", "--json" }).stdout)
    ok_run(dir, { "upgrade", "--phase", "contract" })
    status = h.lines(ok_run(dir, { "status" }).stdout)
    assert.matches("^b2 +applied ", status[3])
    assert.equal("2 revisions: 2 applied, 0 pending", status[#status])
    assert.is_nil(ok_run(dir, { "verify" }).stdout:find("expanded", 1, true))
  end)

  it("upgrades in place a history table made before the phase column", function()
    local dir = project()
    ok_run(dir, { "upgrade", "a1" })
    -- the table as an earlier luamig made it: every column but phase
    b:with(url, function(conn) assert(conn:execute("ALTER TABLE luamig_history DROP COLUMN phase")) end)
    assert.is_nil(b:columns(url, "luamig_history").phase)
    -- reading commands leave it as it is
    assert.equal("a1", h.lines(ok_run(dir, { "current" }).stdout)[1])
    ok_run(dir, { "status" })
    ok_run(dir, { "verify" })
    ok_run(dir, { "history", "--applied" })
    assert.is_nil(b:columns(url, "luamig_history").phase)
    -- the first write adds it
    ok_run(dir, { "upgrade", "--phase", "expand" })
    assert.truthy(b:columns(url, "luamig_history").phase)
    assert.same({ "a1 up -", "b2 up expand" }, history())
    assert.equal("b2 (head) (expanded)", h.lines(ok_run(dir, { "current" }).stdout)[1])
  end)

  it("writes an SQL script per phase", function()
    local dir = project()
    local expand = ok_run(dir, { "upgrade", "--sql", "--phase", "expand", "base:head" }).stdout
    assert.matches("%-%- Running upgrade %(expand%) a1 %-> b2", expand)
    assert.matches("ADD COLUMN", expand)
    assert.matches("UPDATE people SET full_name = name", expand)
    assert.is_nil(expand:find("DROP COLUMN", 1, true))
    assert.matches("CREATE TABLE [^\n]*luamig_history", expand)
    local contract = ok_run(dir, { "upgrade", "--sql", "--phase", "contract", "base:head" }).stdout
    assert.matches("%-%- Running upgrade %(contract%) a1 %-> b2", contract)
    assert.matches("DROP COLUMN", contract)
    assert.is_nil(contract:find("CREATE TABLE", 1, true))
    assert.is_nil(contract:find("luamig_version", 1, true))
    assert.is_nil(contract:find("a1", 1, true) and contract:find("<base> -> a1", 1, true))
    local whole = ok_run(dir, { "upgrade", "--sql", "base:head" }).stdout
    assert.matches("%-%- Running upgrade a1 %-> b2", whole)
    assert.matches("ADD COLUMN.*DROP COLUMN", whole)
    assert.same({}, b:tables(url))
  end)

  if b.tag == "postgres" then
    it("runs the README's rename: both columns in sync between the phases", function()
      local dir = h.project { ["migrations/versions/base.lua"] = README_BASE,
        ["migrations/versions/rename.lua"] = README_RENAME }
      ok_run(dir, { "upgrade", "--phase", "expand" })
      local function names_of()
        return b:with(url, function(conn)
          -- the old code writes name, the new code full_name: each sees its own
          assert(conn:execute("INSERT INTO users (id, name) VALUES (1, 'old code')"))
          assert(conn:execute("INSERT INTO users (id, full_name) VALUES (2, 'new code')"))
          assert(conn:execute("UPDATE users SET name = 'old edit' WHERE id = 2"))
          local out = {}
          for _, row in ipairs(assert(conn:query("SELECT name, full_name FROM users ORDER BY id"))) do
            out[#out + 1] = row.name .. "=" .. row.full_name
          end
          return table.concat(out, " ")
        end)
      end
      assert.equal("old code=old code old edit=old edit", names_of())
      ok_run(dir, { "upgrade", "--phase", "contract" })
      assert.equal("full_name id", names(b:columns(url, "users")))
      ok_run(dir, { "downgrade", "4f1c0a9be2d3" })
      assert.equal("id name", names(b:columns(url, "users")))
      assert.same({ "4f1c0a9be2d3" }, b:versions(url))
    end)
  end
end)
