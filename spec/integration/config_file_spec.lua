-- A config file that is there but cannot be read stops the run (exit 2,
-- one line naming the file and why) instead of luamig falling back to
-- $DATABASE_URL or sqlite:luamig.db and migrating another database. Only a
-- luamig.lua that does not exist at all means "no config file".
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local REVISION = h.revision_text("a1", {
  up = 'op.create_table("from_a1", Column("id", Integer, { primary_key = true }))',
  down_body = 'op.drop_table("from_a1")',
})

-- Permissions do not bind root: the unreadable file is read by nobody.
local function can_run_as_nobody()
  return os.execute("id -u nobody >/dev/null 2>&1 && [ $(id -u) -eq 0 ] && command -v runuser >/dev/null") == true
end

-- Run luamig in dir as `user` (nil: as we are), with $DATABASE_URL set.
local function run(dir, args, database_url, user)
  return h.sh(h.command(dir, h.bin, args, { DATABASE_URL = database_url }, user))
end

local listing = h.listing

for _, b in ipairs(backends.all()) do
  describe("a config file that cannot be read #" .. b.tag, function()
    if not b.available then
      return it("runs", function() pending(b.skip_message) end)
    end
    teardown(backends.cleanup)

    -- The project, and the database $DATABASE_URL names: the one luamig
    -- fell back to.
    local dir, env_url
    before_each(function()
      dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
      env_url = b:new_database()
    end)
    after_each(h.cleanup)

    -- The run stops: exit 2, one line naming the file and why, and no
    -- database anywhere was touched.
    local function refused(r, file, why)
      assert.equal(2, r.status, r.stderr)
      assert.equal("luamig: cannot read config file " .. file .. ": " .. why .. "\n", r.stderr)
      assert.equal("", r.stdout)
      assert.is_nil(io.open(dir .. "/luamig.db"), "luamig.db was created")
      if b.tag == "sqlite" then  -- not even created: opening it to look would create it
        assert.is_nil(io.open(env_url:sub(#"sqlite:///" + 1)), "the $DATABASE_URL file was created")
      else
        assert.same({}, b:tables(env_url))
      end
    end

    it("a luamig.lua this user may not read", function()
      if not can_run_as_nobody() then return pending("needs root and runuser to run luamig as nobody") end
      h.write_file(dir .. "/luamig.lua", 'return { script_location = "migrations" }')
      -- nobody may write the directory: a fallback to sqlite:luamig.db would succeed
      os.execute("chmod -R a+rwX " .. h.shell_quote(dir) .. " && chmod 600 " .. h.shell_quote(dir .. "/luamig.lua"))
      local url = env_url
      if b.tag == "sqlite" then
        url = "sqlite:///" .. dir .. "/env.db"  -- nobody may not write the spec's database directory
        env_url = url
      end
      local r = run(dir, { "upgrade", "head" }, url, "nobody")
      refused(r, "luamig.lua", "Permission denied")
    end)

    it("a directory named luamig.lua", function()
      os.execute("mkdir " .. h.shell_quote(dir .. "/luamig.lua"))
      refused(run(dir, { "upgrade", "head" }, env_url), "luamig.lua", "it is a directory")
    end)

    it("a FIFO named luamig.lua, without waiting for a writer", function()
      os.execute("mkfifo " .. h.shell_quote(dir .. "/luamig.lua"))
      refused(run(dir, { "upgrade", "head" }, env_url), "luamig.lua", "it is not a regular file")
    end)

    it("a luamig.lua that is a symbolic link to nothing", function()
      os.execute("ln -s gone.lua " .. h.shell_quote(dir .. "/luamig.lua"))
      refused(run(dir, { "upgrade", "head" }, env_url), "luamig.lua",
        "it is a symbolic link to a file that does not exist")
    end)

    it("-c DIR and -c a file that does not exist", function()
      os.execute("mkdir " .. h.shell_quote(dir .. "/conf"))
      refused(run(dir, { "-c", "conf", "upgrade", "head" }, env_url), "conf", "it is a directory")
      refused(run(dir, { "-c", "missing.lua", "upgrade", "head" }, env_url), "missing.lua",
        "No such file or directory")
      local r = run(dir, { "-c", "", "upgrade", "head" }, env_url)
      assert.equal(2, r.status)
      assert.equal("luamig: -c: no config file named\n", r.stderr)
    end)

    it("a luamig.lua whose url variable is not set stops with its own message", function()
      -- the README's idiom: os.getenv alone would give nil, the default URL
      h.write_file(dir .. "/luamig.lua", 'return {\n  url = os.getenv("APP_DB_URL") or error("set APP_DB_URL", 0),\n}\n')
      local r = run(dir, { "upgrade", "head" }, env_url)
      assert.equal(2, r.status)
      assert.equal("luamig: config file luamig.lua:2: set APP_DB_URL\n", r.stderr)
      h.write_file(dir .. "/luamig.lua", 'return {\n  url = os.getenv("APP_DB_URL") or error("set APP_DB_URL"),\n}\n')
      r = run(dir, { "upgrade", "head" }, env_url)
      assert.equal(2, r.status)
      assert.equal("luamig: config file luamig.lua:2: set APP_DB_URL\n", r.stderr)
      assert.is_nil(io.open(dir .. "/luamig.db"))
      if b.tag ~= "sqlite" then assert.same({}, b:tables(env_url)) end
    end)

    it("no luamig.lua at all still means no config file: $DATABASE_URL is migrated", function()
      local before = listing(dir)
      local r = run(dir, { "upgrade", "head" }, env_url)
      assert.equal(0, r.status, r.stderr)
      assert.same(b:with_bookkeeping { "from_a1" }, b:tables(env_url))
      assert.equal(before, listing(dir))
    end)
  end)
end
