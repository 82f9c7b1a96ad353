-- Every core command, run as the real executable against real SQLite files.
local h = require "helpers.luamig"

local EXAMPLE = { "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12" }

local function ok_run(dir, args, env)
  local r = h.run(dir, args, env)
  assert(r.status == 0, ("luamig %s exited %d: %s"):format(table.concat(args, " "), r.status, r.stderr))
  return r
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

describe("luamig on SQLite #sqlite", function()
  after_each(h.cleanup)

  describe("the example project", function()
    it("round-trips upgrade head, downgrade base, upgrade head", function()
      local dir = h.example_project()
      local db = dir .. "/luamig.db"
      ok_run(dir, { "upgrade", "head" })
      assert.same({ "clicks", "links", "luamig_version" }, h.sqlite_tables(db))
      assert.same({ "c3d5e7f90a12" }, h.sqlite_versions(db))
      local schema = h.sqlite_schema(db)
      assert.matches('"short_code" VARCHAR%(16%) NOT NULL', schema)
      assert.matches('"click_count" INTEGER', schema)
      assert.matches('REFERENCES "links"', schema)
      assert.matches('ix_clicks_link_id', schema)

      ok_run(dir, { "downgrade", "base" })
      assert.same({ "luamig_version" }, h.sqlite_tables(db))
      assert.same({}, h.sqlite_versions(db))

      ok_run(dir, { "upgrade", "head" })
      assert.equal(schema, h.sqlite_schema(db))
      assert.same({ "c3d5e7f90a12" }, h.sqlite_versions(db))
    end)

    it("runs the data migration through op.get_bind()", function()
      local dir = h.example_project()
      local db = dir .. "/luamig.db"
      ok_run(dir, { "upgrade", "9b7e" })
      local conn = h.sqlite(db)
      assert(conn:execute("INSERT INTO links (id, original_url, short_code) VALUES (1, 'https://a', 'a'), (2, 'https://b', 'b')"))
      assert(conn:execute("INSERT INTO clicks (link_id) VALUES (1), (1), (1), (2)"))
      conn:close()
      ok_run(dir, { "upgrade", "+1" })
      conn = h.sqlite(db)
      local rows = conn:query("SELECT id, click_count FROM links ORDER BY id")
      conn:close()
      assert.same({ { id = 1, click_count = 3 }, { id = 2, click_count = 1 } }, rows)
    end)

    it("shows current, heads, history and show like Alembic", function()
      local dir = h.example_project()
      assert.equal("", ok_run(dir, { "current" }).stdout)
      ok_run(dir, { "upgrade", "+2" })
      assert.equal("9b7e21c4d8a0\n", ok_run(dir, { "current" }).stdout)
      ok_run(dir, { "upgrade" })
      assert.equal("c3d5e7f90a12 (head)\n", ok_run(dir, { "current" }).stdout)
      assert.equal("c3d5e7f90a12 (head)\n", ok_run(dir, { "heads" }).stdout)
      assert.same({
        "9b7e21c4d8a0 -> c3d5e7f90a12 (head), count clicks per link",
        "4f1c0a9be2d3 -> 9b7e21c4d8a0, create clicks",
        "<base> -> 4f1c0a9be2d3, create links",
      }, lines(ok_run(dir, { "history" }).stdout))
      local show = ok_run(dir, { "show", "9b7e" }).stdout
      assert.matches("Rev: 9b7e21c4d8a0\n", show, 1, true)
      assert.matches("Parent: 4f1c0a9be2d3\n", show, 1, true)
      assert.matches("Path: migrations/versions/9b7e21c4d8a0_create_clicks.lua", show, 1, true)
      local verbose = ok_run(dir, { "current", "-v" }).stdout
      assert.matches("Current revision(s) for sqlite:luamig.db:", verbose, 1, true)
      assert.matches("Rev: c3d5e7f90a12 (head)", verbose, 1, true)
    end)

    it("steps with relative targets and stops at the ends", function()
      local dir = h.example_project()
      local db = dir .. "/luamig.db"
      ok_run(dir, { "upgrade", "+1" })
      assert.same({ EXAMPLE[1] }, h.sqlite_versions(db))
      ok_run(dir, { "upgrade", "+2" })
      assert.same({ EXAMPLE[3] }, h.sqlite_versions(db))
      ok_run(dir, { "downgrade", "-1" })
      assert.same({ EXAMPLE[2] }, h.sqlite_versions(db))
      local r = h.run(dir, { "upgrade", "+5" })
      assert.equal(2, r.status)
      assert.same({ EXAMPLE[2] }, h.sqlite_versions(db))
      r = h.run(dir, { "downgrade", "-3" })
      assert.equal(2, r.status)
      assert.same({ EXAMPLE[2] }, h.sqlite_versions(db))
    end)

    it("refuses to upgrade to a revision below the current one, and the reverse", function()
      local dir = h.example_project()
      local db = dir .. "/luamig.db"
      ok_run(dir, { "upgrade", "head" })
      local before = h.sqlite_schema(db)
      local r = h.run(dir, { "upgrade", "4f1c0a9be2d3" })
      assert.equal(2, r.status)
      assert.matches("^luamig: .*4f1c0a9be2d3", r.stderr)
      assert.matches("downgrade", r.stderr)
      assert.equal(before, h.sqlite_schema(db))
      ok_run(dir, { "downgrade", "4f1c" })
      r = h.run(dir, { "downgrade", "c3d5e7f90a12" })
      assert.equal(2, r.status)
      assert.matches("upgrade", r.stderr)
      assert.same({ EXAMPLE[1] }, h.sqlite_versions(db))
    end)

    it("stamps without running revisions", function()
      local dir = h.example_project()
      local db = dir .. "/luamig.db"
      ok_run(dir, { "stamp", "head" })
      assert.same({ EXAMPLE[3] }, h.sqlite_versions(db))
      assert.same({ "luamig_version" }, h.sqlite_tables(db))
      ok_run(dir, { "stamp", "base" })
      assert.same({}, h.sqlite_versions(db))
    end)

    it("takes the database from -u, then $DATABASE_URL, then the default", function()
      local dir = h.example_project()
      ok_run(dir, { "-u", "sqlite:flag.db", "upgrade", "+1" })
      assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/flag.db"))
      ok_run(dir, { "upgrade", "+2" }, { DATABASE_URL = "sqlite:///" .. dir .. "/env.db" })
      assert.same({ EXAMPLE[2] }, h.sqlite_versions(dir .. "/env.db"))
      h.write_file(dir .. "/luamig.lua", 'return { url = "sqlite:file.db" }')
      ok_run(dir, { "upgrade", "head" })
      assert.same({ EXAMPLE[3] }, h.sqlite_versions(dir .. "/file.db"))
    end)
  end)

  describe("init and revision", function()
    it("scaffolds a project whose new revisions chain and apply", function()
      local dir = h.tmpdir()
      ok_run(dir, { "init" })
      assert.truthy(io.open(dir .. "/luamig.lua"))
      assert.truthy(io.open(dir .. "/migrations/script.lua.tmpl"))
      local r = ok_run(dir, { "revision", "-m", "Create users table!", "--rev-id", "aaaa00000001" })
      assert.matches("migrations/versions/aaaa00000001_create_users_table.lua", r.stdout, 1, true)
      r = ok_run(dir, { "revision", "-m", "second" })
      local id = r.stdout:match("versions/(%x+)_second%.lua")
      assert.equal(12, #id)
      local text = h.read_file(dir .. "/migrations/versions/" .. id .. "_second.lua")
      assert.matches('down_revision = "aaaa00000001"', text, 1, true)
      assert.matches("-- second\n", text, 1, true)
      ok_run(dir, { "upgrade", "head" })
      assert.same({ id }, h.sqlite_versions(dir .. "/luamig.db"))
    end)

    it("refuses to overwrite a project and needs -m", function()
      local dir = h.tmpdir()
      ok_run(dir, { "init" })
      local r = h.run(dir, { "init" })
      assert.equal(2, r.status)
      assert.equal("luamig: ./migrations already exists: not overwriting an existing project\n", r.stderr)
      r = h.run(dir, { "revision" })
      assert.equal(2, r.status)
      assert.matches("-m MESSAGE is required", r.stderr, 1, true)
    end)
  end)

  describe("bad input", function()
    -- A project whose first revision is good, and whose second is `bad`.
    local function broken_project(bad_text, bad_name)
      return h.project {
        ["migrations/versions/a1_good.lua"] = h.revision_text("a1", {
          up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))',
          down_body = 'op.drop_table("t")',
        }),
        ["migrations/versions/" .. (bad_name or "b2_bad.lua")] = bad_text,
      }
    end

    -- Progress lines ("Running upgrade ...") may come first; the error is
    -- one line, the last, and there is no traceback without -v.
    local function assert_one_line_error(r, status, pattern)
      assert.equal(status, r.status)
      local all = lines(r.stderr)
      local errors = 0
      for _, l in ipairs(all) do
        if l:match("^luamig: ") then errors = errors + 1 end
      end
      assert.equal(1, errors, "expected one error line: " .. r.stderr)
      assert.matches("^luamig: ", all[#all])
      assert.is_nil(r.stderr:find("traceback", 1, true))
      assert.matches(pattern, all[#all], 1, true)
    end

    it("a Lua syntax error names the file and line, exit 2, database untouched", function()
      local dir = broken_project("revision = 'b2'\ndown_revision = 'a1'\nfunction upgrade(\nend\n")
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "migrations/versions/b2_bad.lua:4:")
      assert.same({}, h.sqlite_tables(dir .. "/luamig.db"))
    end)

    it("a runtime error in upgrade rolls that revision back, names file:line, exit 1", function()
      local dir = broken_project(h.revision_text("b2", {
        down = "a1",
        up = 'op.create_table("u", Column("id", Integer))\n  op.add_column("u", Column("x", Integer))\n  error("boom")',
      }))
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 1, "migrations/versions/b2_bad.lua:8: boom")
      assert.matches("upgrade b2 failed", r.stderr, 1, true)
      local db = dir .. "/luamig.db"
      assert.same({ "luamig_version", "t" }, h.sqlite_tables(db))
      assert.same({ "a1" }, h.sqlite_versions(db))
      -- with -v the traceback is there
      r = h.run(dir, { "-v", "upgrade", "head" })
      assert.equal(1, r.status)
      assert.matches("stack traceback", r.stderr, 1, true)
    end)

    it("a failing SQL statement rolls the revision back with the database's message", function()
      local dir = broken_project(h.revision_text("b2", {
        down = "a1",
        up = 'op.create_table("u", Column("id", Integer))\n  op.execute("INSERT INTO nowhere VALUES (1)")',
      }))
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 1, "migrations/versions/b2_bad.lua:7:")
      assert.matches("no such table: nowhere", r.stderr, 1, true)
      assert.same({ "luamig_version", "t" }, h.sqlite_tables(dir .. "/luamig.db"))
    end)

    it("a file without revision, or without upgrade, is named", function()
      local dir = broken_project("down_revision = 'a1'\nfunction upgrade() end\n")
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "migrations/versions/b2_bad.lua: no revision id")
      dir = broken_project("revision = 'b2'\ndown_revision = 'a1'\n")
      r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "migrations/versions/b2_bad.lua: revision b2 has no upgrade() function")
      assert.same({}, h.sqlite_tables(dir .. "/luamig.db"))
    end)

    it("a duplicate id names both files", function()
      local dir = broken_project(h.revision_text("a1", {}), "c3_dup.lua")
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "a1")
      assert.matches("migrations/versions/a1_good.lua", r.stderr, 1, true)
      assert.matches("migrations/versions/c3_dup.lua", r.stderr, 1, true)
    end)

    it("a down_revision that does not exist names the file", function()
      local dir = broken_project(h.revision_text("b2", { down = "zz99" }))
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "zz99")
      assert.matches("migrations/versions/b2_bad.lua", r.stderr, 1, true)
      assert.same({}, h.sqlite_tables(dir .. "/luamig.db"))
    end)

    it("a cycle names the revisions in it", function()
      local dir = h.project {
        ["migrations/versions/a1.lua"] = h.revision_text("a1", { down = "b2" }),
        ["migrations/versions/b2.lua"] = h.revision_text("b2", { down = "a1" }),
      }
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "cycle")
      assert.matches("a1", r.stderr, 1, true)
      assert.matches("b2", r.stderr, 1, true)
    end)

    it("an unknown command or flag is exit 2 with one line", function()
      local dir = h.example_project()
      assert_one_line_error(h.run(dir, { "upgrayedd" }), 2, 'unknown command "upgrayedd"')
      assert_one_line_error(h.run(dir, { "upgrade", "--frobnicate" }), 2,
        "upgrade: unknown option --frobnicate")
    end)

    it("a bad URL names the URL without its password", function()
      local dir = h.example_project()
      local r = h.run(dir, { "-u", "postgresql://me:hunter2@host:port/db", "current" })
      assert_one_line_error(r, 2, "bad database URL")
      assert.is_nil(r.stderr:find("hunter2", 1, true))
      r = h.run(dir, { "-u", "mongodb://h/d", "upgrade" })
      assert_one_line_error(r, 2, 'unknown scheme "mongodb"')
    end)

    it("a missing or unusable database directory is named", function()
      local dir = h.example_project()
      local r = h.run(dir, { "-u", "sqlite:nowhere/app.db", "upgrade", "head" })
      assert_one_line_error(r, 2, "cannot open database nowhere/app.db: directory nowhere does not exist")
      h.write_file(dir .. "/afile", "x")
      r = h.run(dir, { "-u", "sqlite:afile/app.db", "upgrade", "head" })
      assert_one_line_error(r, 2, "afile is not a directory")
    end)

    it("a missing revisions directory says how to start a project", function()
      local dir = h.tmpdir()
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "cannot read revisions directory migrations/versions")
      assert.matches("luamig init", r.stderr, 1, true)
    end)
  end)

  describe("help", function()
    it("lists the commands and each command's options", function()
      local dir = h.tmpdir()
      local r = ok_run(dir, { "--help" })
      for _, name in ipairs { "init", "revision", "upgrade", "downgrade", "current", "history", "heads", "show", "stamp" } do
        assert.matches("\n  " .. name .. " ", r.stdout, 1, true)
      end
      r = ok_run(dir, { "revision", "--help" })
      assert.matches("usage: luamig [options] revision -m MESSAGE", r.stdout, 1, true)
      assert.matches("--rev-id ID", r.stdout, 1, true)
      r = ok_run(dir, { "--version" })
      assert.matches("^luamig %d+%.%d+%.%d+\n$", r.stdout)
    end)
  end)
end)
