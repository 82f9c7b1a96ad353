-- The command line itself: project set-up, settings, bad input found before
-- any database work, help. Runs the real executable against SQLite files;
-- what every backend must do is in commands_spec.lua.
local h = require("helpers.luamig")

local EXAMPLE = { "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12" }

local ok_run = h.run_ok

local lines = h.lines

describe("luamig command line #sqlite", function()
  after_each(h.cleanup)

  describe("settings", function()
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

    it("an unwritable database directory is named, and nothing is written", function()
      -- permissions do not bind root: run luamig as nobody
      if os.execute("id -u nobody >/dev/null 2>&1 && [ $(id -u) -eq 0 ] && command -v runuser >/dev/null") ~= true then
        return pending("needs root and runuser to run luamig as nobody")
      end
      local dir = h.example_project()
      os.execute("chmod 755 " .. h.shell_quote(dir) .. " && mkdir " .. h.shell_quote(dir .. "/ro")
        .. " && chmod 555 " .. h.shell_quote(dir .. "/ro") .. " && chmod -R a+rX " .. h.shell_quote(dir))
      local out = os.tmpname()
      local _, _, status = os.execute(string.format("cd %s && runuser -u nobody -- %s -u sqlite:ro/app.db upgrade head 2>%s",
        h.shell_quote(dir), h.shell_quote(h.bin), out))
      local err = h.read_file(out)
      os.remove(out)
      assert.equal(2, status)
      assert.equal("luamig: cannot open database ro/app.db: directory ro is not writable by this user\n", err)
      assert.is_nil(io.open(dir .. "/ro/app.db"))
    end)

    it("a server driver that is not installed is named; LUAMIG_DRIVER_DIR finds it", function()
      if io.open("/usr/local/lib/luamig/luamig_postgres.so") then
        return pending("luamig is installed under /usr/local: its driver would be found there")
      end
      local dir = h.example_project()
      -- luamig copied alone: no luamig_postgres.so next to it
      os.execute("cp " .. h.shell_quote(h.bin) .. " " .. h.shell_quote(dir .. "/luamig"))
      local url = "postgresql://me@127.0.0.1:1/db?connect_timeout=2"
      local run = function(env)
        local out = os.tmpname()
        local vars = ""
        for k, v in pairs(env) do vars = vars .. k .. "=" .. h.shell_quote(v) .. " " end
        local _, _, status = os.execute(string.format("cd %s && env %s./luamig -u %s current 2>%s",
          h.shell_quote(dir), vars, h.shell_quote(url), out))
        local err = h.read_file(out)
        os.remove(out)
        return status, err
      end
      local status, err = run({})
      assert.equal(1, status)
      assert.matches("the postgres driver is not installed: luamig_postgres.so is neither next to luamig"
        .. " nor in its lib/luamig directory", err, 1, true)
      status, err = run({ LUAMIG_DRIVER_DIR = h.bin:match("^(.*)/[^/]*$") })
      assert.equal(1, status)
      assert.is_nil(err:find("not installed", 1, true))
      assert.matches("cannot connect to postgresql://me@127.0.0.1:1/db", err, 1, true)
    end)

    it("a server driver built for another luamig is refused, not read with the wrong layout", function()
      -- plugins exporting the driver's symbol with no interface version (as
      -- before there was one) and with another one
      local dir = h.tmpdir()
      local url = "postgresql://me@127.0.0.1:1/db?connect_timeout=2"
      for _, case in ipairs {
        { "old", "const char *lm_driver_postgres[40] = { \"postgres\" };\n" },
        { "other", "const char *lm_driver_postgres[40] = { \"postgres\" };\nconst int lm_driver_postgres_interface = -7;\n" },
      } do
        local plugins = dir .. "/" .. case[1]
        os.execute("mkdir -p " .. h.shell_quote(plugins))
        h.write_file(plugins .. "/plugin.c", case[2])
        local built = os.execute("cc -shared -fPIC -o " .. h.shell_quote(plugins .. "/luamig_postgres.so") .. " "
          .. h.shell_quote(plugins .. "/plugin.c"))
        assert.is_true(built)
        local r = h.run(h.example_project(), { "-u", url, "current" }, { LUAMIG_DRIVER_DIR = plugins })
        assert_one_line_error(r, 1, "cannot connect to " .. url .. ": " .. plugins
          .. "/luamig_postgres.so was built for another luamig (its driver interface is not this luamig's):"
          .. " install the drivers that came with this luamig")
      end
    end)

    it("a missing revisions directory says how to start a project", function()
      local dir = h.tmpdir()
      local r = h.run(dir, { "upgrade", "head" })
      assert_one_line_error(r, 2, "cannot read revisions directory migrations/versions")
      assert.matches("luamig init", r.stderr, 1, true)
    end)
  end)

  describe("the revision metadata cache", function()
    -- A chain of n literal revisions r0001..rNNNN; the last creates a table.
    local function chain(dir, n)
      for i = 1, n do
        h.write_file(string.format("%s/migrations/versions/%04d_step.lua", dir, i), string.format(
          '-- step %d\nrevision = "r%04d"\ndown_revision = %s\n'
          .. 'function upgrade() %s end\nfunction downgrade() end\n',
          i, i, i == 1 and "nil" or string.format('"r%04d"', i - 1),
          i == n and 'op.create_table("last", Column("id", Integer, { primary_key = true }))' or ""))
      end
    end

    it("lists from the cache once files settle, sees every edit at once, and runs what the files say", function()
      local dir = h.tmpdir()
      ok_run(dir, { "init" })
      chain(dir, 110)
      local index = dir .. "/migrations/versions/.luamig_cache/index"
      assert.equal("r0110 (head)\n", ok_run(dir, { "heads" }).stdout)
      assert.is_nil(io.open(index)) -- files younger than 2 s are not cached
      os.execute("sleep 2.2")
      ok_run(dir, { "heads" })
      assert.truthy(io.open(index))
      -- an edit that keeps the size: r0110 now revises r0108, so r0109 is a head
      local last = dir .. "/migrations/versions/0110_step.lua"
      local text = h.read_file(last)
      h.write_file(last, (text:gsub('"r0109"', '"r0108"')))
      assert.equal(#text, #h.read_file(last))
      assert.equal("r0109 (head)\nr0110 (head)\n", ok_run(dir, { "heads" }).stdout)
      -- a new file, and the upgrade runs the revision bodies read on demand
      h.write_file(dir .. "/migrations/versions/0111_merge.lua",
        'revision = "r0111"\ndown_revision = { "r0109", "r0110" }\nfunction upgrade() end\n')
      ok_run(dir, { "upgrade", "head" })
      assert.same({ "r0111" }, h.sqlite_versions(dir .. "/luamig.db"))
      assert.same({ "last", "luamig_history", "luamig_version" }, h.sqlite_tables(dir .. "/luamig.db"))
      -- the checksums recorded are those of the files' bytes
      local r = ok_run(dir, { "verify", "--json" })
      assert.matches('"ok":true', r.stdout, 1, true)
    end)

    it("is neither read nor written with LUAMIG_NO_CACHE=1", function()
      local dir = h.tmpdir()
      ok_run(dir, { "init" })
      chain(dir, 105)
      os.execute("sleep 2.2")
      ok_run(dir, { "heads" }, { LUAMIG_NO_CACHE = "1" })
      assert.is_nil(io.open(dir .. "/migrations/versions/.luamig_cache"))
      ok_run(dir, { "heads" }, { LUAMIG_NO_CACHE = "0" }) -- "0" leaves it on
      assert.truthy(io.open(dir .. "/migrations/versions/.luamig_cache/index"))
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
