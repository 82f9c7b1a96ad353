-- luamig.testing on every backend: the example project's migrations pass
-- the ready-made checks; a revision whose downgrade forgets an index is
-- caught; the helpers move and read a scratch database that is dropped
-- afterwards; `luamig init` writes a spec that `luamig test` runs.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local testing = require("luamig.testing")

local BROKEN = [[
-- index clicks by time
revision = "d4e6f8a0b2c4"
down_revision = "c3d5e7f90a12"

function upgrade()
  op.create_index("ix_clicks_clicked_at", "clicks", { "clicked_at" })
end

function downgrade()
  -- forgot: op.drop_index("ix_clicks_clicked_at", "clicks")
end
]]

local function error_of(fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

backends.each("luamig.testing", function(b)
  -- SQLite: in memory (the default); servers: a scratch database on them
  local server_url = b.env_url and os.getenv(b.env_url) or nil
  local env
  local function environment(dir)
    env = testing.environment { url = server_url, script_location = dir .. "/migrations" }
    return env
  end
  after_each(function()
    if env then env:close(); env = nil end
    h.cleanup()
  end)

  it("passes the example project's migrations through every check", function()
    local e = environment(h.example_project())
    assert.is_true(e:single_head())
    assert.is_true(e:upgrade_from_base())
    assert.is_true(e:up_down_consistency())
    assert.is_true(e:downgrade_leaves_no_trace())
    assert.same({ "c3d5e7f90a12" }, e:current())
  end)

  it("catches a downgrade that forgets an index", function()
    local dir = h.example_project()
    h.write_file(dir .. "/migrations/versions/d4e6f8a0b2c4_index_clicks.lua", BROKEN)
    local e = environment(dir)
    local err = error_of(function() e:downgrade_leaves_no_trace() end)
    assert.matches("downgrade_leaves_no_trace: revision d4e6f8a0b2c4 %([^)]*d4e6f8a0b2c4_index_clicks%.lua%) does not"
      .. " undo everything its upgrade does: .* needs: remove index ix_clicks_clicked_at on clicks", err)
    -- the other checks do not see it
    assert.is_true(e:up_down_consistency())
  end)

  it("moves the database step by step and reads it", function()
    local e = environment(h.example_project())
    e:migrate_up_to("9b7e21c4d8a0")
    assert.same({ "9b7e21c4d8a0" }, e:current())
    e:insert_into("links", { { id = 1, original_url = "https://a.example", short_code = "a" },
      { id = 2, original_url = "https://b.example", short_code = "b" } })
    e:insert_into("clicks", { { link_id = 1 }, { link_id = 1 }, { link_id = 2 } })
    e:migrate_one_up() -- the data migration counts them
    local rows = e:query("SELECT id, click_count FROM links ORDER BY id")
    assert.equal(2, tonumber(rows[1].click_count))
    assert.equal(1, tonumber(rows[2].click_count))
    e:migrate_one_down()
    assert.same({ "9b7e21c4d8a0" }, e:current())
    local links = e:table_at_revision("links", "c3d5e7f90a12")
    local names = {}
    for _, c in ipairs(links.columns) do names[#names + 1] = c.name end
    assert.same({ "id", "original_url", "short_code", "description", "created_by", "created_at", "click_count" }, names)
    assert.is_nil(e:table_at_revision("clicks", "4f1c0a9be2d3"))
    e:migrate_down_to("base")
    assert.same({}, e:current())
    local err = error_of(function() e:migrate_one_down() end)
    assert.matches("downgrade %-1", err)
  end)

  it("says which heads there are when there is more than one", function()
    local dir = h.example_project()
    h.write_file(dir .. "/migrations/versions/e1.lua", h.revision_text("e1", { down = "9b7e21c4d8a0" }))
    local e = environment(dir)
    local err = error_of(function() e:single_head() end)
    assert.matches("single_head: the revisions have 2 heads %(c3d5e7f90a12, e1%); merge them with 'luamig merge heads", err)
  end)

  it("compares the models with what the revisions make", function()
    local dir = h.project {
      ["migrations/versions/r1.lua"] = h.revision_text("r1", {
        up = 'op.create_table("t", Column("id", Integer, { primary_key = true }), Column("name", String(20)))',
        down_body = 'op.drop_table("t")' }),
      ["migrations/models.lua"] = 'Table("t", Column("id", Integer, { primary_key = true }), Column("name", String(20)))',
    }
    local e = environment(dir)
    assert.is_true(e:model_matches_ddl())
    h.write_file(dir .. "/migrations/models.lua",
      'Table("t", Column("id", Integer, { primary_key = true }), Column("name", String(40)))')
    local err = error_of(function() e:model_matches_ddl() end)
    assert.matches("model_matches_ddl: the models differ from what the revisions make:\n  change type of column t.name", err)
  end)

  if b.tag ~= "sqlite" then
    it("works on a scratch database of its own, dropped by close()", function()
      local e = environment(h.example_project())
      local name = e.cfg.url:match("/(luamig_test_%x+)")
      assert.truthy(name, e.cfg.url)
      e:upgrade_from_base()
      e:close()
      env = nil
      local list = b.tag == "postgres" and "SELECT datname AS name FROM pg_database" or "SHOW DATABASES"
      b:with(server_url, function(conn)
        for _, row in ipairs(assert(conn:query(list))) do
          local _, v = next(row)
          assert.are_not.equal(name, v)
        end
      end)
    end)
  end

  it("runs the spec `luamig init` writes with `luamig test`", function()
    local dir = h.tmpdir()
    h.run_ok(dir, { "init", "." })
    assert.matches("env:downgrade_leaves_no_trace%(%)", h.read_file(dir .. "/spec/migrations_spec.lua"))
    os.execute("cp " .. h.shell_quote(h.example_project() .. "/migrations/versions") .. "/*.lua "
      .. h.shell_quote(dir .. "/migrations/versions/"))
    local args = { "test" }
    if server_url then args = { "test", "-u", server_url } end
    local r = h.run(dir, args)
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.matches("4 successes / 0 failures / 0 errors", r.stdout)
    h.write_file(dir .. "/migrations/versions/d4e6f8a0b2c4_index_clicks.lua", BROKEN)
    r = h.run(dir, args)
    assert.are_not.equal(0, r.status)
    assert.matches("revision d4e6f8a0b2c4 .* remove index ix_clicks_clicked_at on clicks", r.stdout)
  end)

  -- busted runs each file insulated (package.loaded as it was before it):
  -- the second file loads luamig's modules again, and nothing of the
  -- first file's (a constraint's metatable, a cached revision) may reach it.
  it("runs several spec files with `luamig test`, each as it would run alone", function()
    local dir = h.tmpdir()
    h.run_ok(dir, { "init", "." })
    h.write_file(dir .. "/migrations/versions/a1_team.lua", [[
revision = "a1"
down_revision = nil
function upgrade()
  op.create_table("team", Column("id", Integer, { primary_key = true }), Column("name", String(50)),
    UniqueConstraint("name", { name = "uq_team_name" }), CheckConstraint("length(name) > 0", { name = "ck_team_name" }))
end
function downgrade() op.drop_table("team") end
]])
    h.write_file(dir .. "/migrations/models.lua", [[
Table("team", Column("id", Integer, { primary_key = true }), Column("name", String(50)),
  UniqueConstraint("name", { name = "uq_team_name" }), CheckConstraint("length(name) > 0", { name = "ck_team_name" }))
]])
    local spec = h.read_file(dir .. "/spec/migrations_spec.lua")
    for _, name in ipairs { "a_spec.lua", "b_spec.lua", "c_spec.lua" } do h.write_file(dir .. "/spec/" .. name, spec) end
    local args = { "test" }
    if server_url then args = { "test", "-u", server_url } end
    local r = h.run(dir, args)
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.matches("20 successes / 0 failures / 0 errors", r.stdout)
  end)
end)
