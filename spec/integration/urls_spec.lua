-- Database URLs end to end: a bad URL is exit 2 with one line naming what
-- is wrong, before anything connects; a server URL must name its database;
-- the password never shows, whatever form the URL gives it in and whatever
-- the command prints; and the ways to keep it off the command line
-- (PGPASSWORD, a pgpass file, MYSQL_PWD, MySQL option files, a url read
-- from the environment in luamig.lua) work on the real servers.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local config = require("luamig.config")

local REVISION = h.revision_text("a1", {
  up = 'op.create_table("from_a1", Column("id", Integer, { primary_key = true }))',
  down_body = 'op.drop_table("from_a1")',
})

local listing = h.listing

local function encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- exit 2, one line "luamig: ...", `expected` in it, no luamig source named.
local function one_line_error(r, status, expected)
  assert.equal(status, r.status, r.stderr)
  assert.matches("^luamig: [^\n]*\n$", r.stderr)
  assert.matches(expected, r.stderr, 1, true)
  assert.is_nil(r.stderr:find("lua/luamig/", 1, true), r.stderr)
  assert.is_nil(r.stderr:find("%.lua:%d+:"), r.stderr)
end

describe("bad database URLs", function()
  after_each(h.cleanup)

  -- Nothing in these listens or is read: the password and the files the
  -- URL names must not show or appear.
  local BAD = {
    { "foo://u:Pw0rdX@h/d", 'unknown scheme "foo"' },
    { "", "bad database URL: empty" },
    { "   ", "bad database URL: empty" },
    { " sqlite:x.db", "it starts or ends with a space" },
    { "sqlite:x.db ", "it starts or ends with a space" },
    { "sqlite:x\ty.db", "it holds a control character (byte 9)" },
    { "sqlite://host/x.db", "a sqlite URL has no host" },
    { "sqlite://u:Pw0rdX@host/x.db", "a sqlite URL has no host" },
    { "sqlite:x.db?foo=1", 'unknown parameter "foo" (SQLite takes: busy_timeout, mode)' },
    { "sqlite:x.db?mode=ro", 'mode "ro": expected one of rwc, rw' },
    { "sqlite:.", "cannot open database .: it is a directory" },
    { "sqlite:migrations", "cannot open database migrations: it is a directory" },
    { "sqlite:///tmp", "cannot open database /tmp: it is a directory" },
    { "postgresql:u:Pw0rdX@h/d", "expected postgresql://" },
    { "postgresql://u:Pw0rdX@127.0.0.1:abc/d", 'port "abc" is not a number' },
    { "postgresql://u:Pw0rdX@127.0.0.1:99999/d", 'port "99999" is out of range (1 to 65535)' },
    { "postgresql://u:Pw0rdX@127.0.0.1:0/d", 'port "0" is out of range' },
    { "mysql://u:Pw0rdX@127.0.0.1/d?port=x1", 'port "x1" is not a number' },
    { "postgresql://u:Pw0rdX@ho st/d", 'host "ho st" is not a host name or address' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?connect_timeout=abc", 'connect_timeout "abc": expected an integer' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?bogus=1", 'unknown parameter "bogus" (not a libpq connection parameter)' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?sslmode=always", 'sslmode "always": expected one of disable' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?client_encoding=latin1", "client_encoding" },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?sslmode=require&sslmode=disable", 'parameter "sslmode" given twice' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/d?password=Pw0rdY", "password given twice" },
    { "mysql://u:Pw0rdX@127.0.0.1:1/d?bogus=1", 'unknown parameter "bogus" (MySQL takes: ' },
    { "mysql://u:Pw0rdX@127.0.0.1:1/d?sslmode=require", 'unknown parameter "sslmode"' },
    { "mysql://u:Pw0rdX@127.0.0.1:1/d?connect_timeout=0", 'connect_timeout "0": expected an integer from 1' },
    { "mysql://u:Pw0rdX@127.0.0.1:1/d?charset=latin1", 'charset "latin1"' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/my@db", 'write an "@" in the database name as %40' },
    { "postgresql://u:Pw0rdX@127.0.0.1:1/", "names no database: write its name after the host" },
    { "postgresql://u:Pw0rdX@127.0.0.1:1", "names no database" },
    { "mysql://u@127.0.0.1:1/", "names no database" },
    { "mariadb://u:Pw0rdX@127.0.0.1:1/?connect_timeout=2", "names no database" },
  }

  for _, case in ipairs(BAD) do
    local url, expected = case[1], case[2]
    it(string.format("%q: exit 2, %s", url, expected), function()
      local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
      local before = listing(dir)
      for _, command in ipairs { { "upgrade", "head" }, { "current" } } do
        local r = h.run(dir, h.with_url(url, command))
        one_line_error(r, 2, expected)
        assert.is_nil(r.stderr:find("Pw0rd", 1, true), r.stderr)
        assert.equal("", r.stdout)
      end
      assert.equal(before, listing(dir))
    end)
  end

  it("a server that does not answer stays exit 1 (the command ran, the network failed)", function()
    local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
    for _, url in ipairs { "postgresql://u:Pw0rdX@127.0.0.1:1/d?connect_timeout=2",
                           "mysql://u:Pw0rdX@127.0.0.1:1/d?connect_timeout=2" } do
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      one_line_error(r, 1, "cannot connect to " .. url:gsub("Pw0rdX", "***"))
      assert.is_nil(r.stderr:find("Pw0rd", 1, true), r.stderr)
    end
  end)
end)

-- The password of the spec's own account: every character a password
-- may hold that URLs give a meaning to.
local PASSWORD = "S3cr@t/pa?ss:Wd"
local WRONG = "Wr0ng@x/y?z:Pw"
-- What must never show: the password, its escaped form, and its parts.
local function assert_no_secret(text, where)
  for _, secret in ipairs { PASSWORD, encode(PASSWORD), "S3cr", "t/pa", "ss:Wd", WRONG, encode(WRONG), "Wr0ng",
                            "z:Pw" } do
    assert.is_nil(text:find(secret, 1, true), where .. " shows " .. secret .. ":\n" .. text)
  end
end

for _, b in ipairs(backends.all()) do
  if b.tag ~= "sqlite" then
    describe("database URLs on #" .. b.tag, function()
      if not b.available then
        return it("runs", function() pending(b.skip_message) end)
      end
      teardown(backends.cleanup)
      after_each(h.cleanup)

      local admin = assert(config.parse_url(b.admin_url))
      local scheme = b.tag == "postgres" and "postgresql" or "mysql"
      local role = "luamig_pw_" .. require("luamig.sys").random_hex(6)

      -- A database, and an account with PASSWORD that may use it.
      local url, dbname
      before_each(function()
        url = b:new_database()
        dbname = assert(config.parse_url(url)).database
        if b.tag == "postgres" then
          b:with(b.admin_url, function(conn)
            if not conn:first("SELECT 1 AS x FROM pg_roles WHERE rolname = ?", role) then
              assert(conn:execute("CREATE ROLE " .. role .. " LOGIN PASSWORD '" .. PASSWORD .. "'"))
            end
          end)
          b:with(url, function(conn) assert(conn:execute("GRANT ALL ON SCHEMA public TO " .. role)) end)
        else
          b:with(b.admin_url, function(conn)
            for _, host in ipairs { "%", "localhost" } do
              assert(conn:execute("CREATE USER IF NOT EXISTS '" .. role .. "'@'" .. host .. "' IDENTIFIED BY '"
                .. PASSWORD .. "'"))
              assert(conn:execute("GRANT ALL ON " .. dbname .. ".* TO '" .. role .. "'@'" .. host .. "'"))
            end
          end)
        end
      end)

      teardown(function()
        backends.cleanup()
        b:with(b.admin_url, function(conn)
          if b.tag == "postgres" then
            conn:execute("DROP ROLE IF EXISTS " .. role)
          else
            conn:execute("DROP USER IF EXISTS '" .. role .. "'@'%', '" .. role .. "'@'localhost'")
          end
        end)
      end)

      local function server(port)
        return string.format("%s://%s:%%s@127.0.0.1:%s/%s", scheme, role, port or admin.port, dbname)
      end

      -- The forms a password can take in a URL.
      local function forms(password, port)
        local base = string.format("%s://%s@127.0.0.1:%s/%s", scheme, role, port or admin.port, dbname)
        return {
          { "as it is", server(port):format(password) },
          { "percent-escaped", server(port):format(encode(password)) },
          { "?password= escaped", base .. "?password=" .. encode(password) },
          { "?password= as it is", base .. "?password=" .. password },
        }
      end

      for i, form in ipairs(forms(PASSWORD)) do
        it("never shows the password given " .. form[1] .. ", whatever the command prints", function()
          local u = forms(PASSWORD)[i][2]
          local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
          for _, command in ipairs {
            { "upgrade", "head" }, { "current", "-v" }, { "current", "--json" }, { "history", "-i", "-v" },
            { "history", "--applied", "-v" }, { "history", "--applied", "--json" }, { "verify", "--json" },
            { "stamp", "a1" }, { "check", "--json" }, { "-v", "downgrade", "base" }, { "-v", "upgrade", "head" },
          } do
            local r = h.run(dir, h.with_url(u, command))
            local what = "luamig " .. table.concat(command, " ")
            if command[1] ~= "check" then assert.equal(0, r.status, what .. ": " .. r.stderr) end
            assert_no_secret(r.stdout, what .. " stdout")
            assert_no_secret(r.stderr, what .. " stderr")
          end
          assert.same({ "a1" }, b:versions(url))
          -- The URL shows with the password masked where the parser found it.
          local r = h.run_ok(dir, h.with_url(u, { "current", "--json" }))
          assert.matches('"url":"' .. config.mask_url(u):gsub("%p", "%%%0") .. '"', r.stdout)
          assert.matches("***", config.mask_url(u), 1, true)
          -- $DATABASE_URL, and a url luamig.lua reads from the environment.
          h.run_ok(dir, { "downgrade", "base" }, { DATABASE_URL = u })
          h.write_file(dir .. "/luamig.lua", 'return { url = os.getenv("APP_DB_URL") }')
          r = h.run_ok(dir, { "-v", "upgrade", "head" }, { APP_DB_URL = u })
          assert_no_secret(r.stderr, "upgrade with APP_DB_URL")
          assert.same({ "a1" }, b:versions(url))
        end)

        it("never shows the password given " .. form[1] .. " when the connection fails", function()
          local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
          for _, u in ipairs { forms(WRONG)[i][2], forms(PASSWORD, 1)[i][2] } do
            for _, command in ipairs { { "upgrade", "head" }, { "-v", "current", "--json" } } do
              local r = h.run(dir, h.with_url(u .. (u:find("?", #scheme + 4, true) and "&" or "?")
                .. "connect_timeout=3", command))
              one_line_error(r, 1, "cannot connect to " .. scheme .. "://")
              assert_no_secret(r.stdout, "stdout")
              assert_no_secret(r.stderr, "stderr")
            end
          end
          assert.same({}, b:tables(url))
        end)
      end

      it("refuses a URL without a database: the server's default database is left alone", function()
        local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
        local no_db = b.admin_url:match("^(.-://[^/]*)")
        local before = b:tables(b.admin_url)
        for _, u in ipairs { no_db, no_db .. "/", no_db .. "/?connect_timeout=5" } do
          local r = h.run(dir, h.with_url(u, { "upgrade", "head" }))
          one_line_error(r, 2, "names no database: write its name after the host (" .. scheme .. "://host/DBNAME)")
          assert.is_nil(r.stderr:find(admin.password, 1, true))
        end
        assert.same(before, b:tables(b.admin_url))
      end)

      it("refuses an unknown parameter before connecting", function()
        local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
        local r = h.run(dir, h.with_url(server():format(encode(PASSWORD)) .. "?bogus=1", { "upgrade", "head" }))
        one_line_error(r, 2, 'unknown parameter "bogus"')
        assert_no_secret(r.stderr, "stderr")
        assert.same({}, b:tables(url))
      end)

      -- A URL without a password: the client library's own sources.
      local bare
      before_each(function() bare = string.format("%s://%s@127.0.0.1:%s/%s", scheme, role, admin.port, dbname) end)

      it("without a password in the URL, and none elsewhere, the server refuses (exit 1)", function()
        local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
        local r = h.run(dir, h.with_url(bare, { "upgrade", "head" }), { HOME = dir })
        one_line_error(r, 1, "cannot connect to " .. bare)
        assert.same({}, b:tables(url))
      end)

      if b.tag == "postgres" then
        it("takes the password from PGPASSWORD, PGPASSFILE or ~/.pgpass", function()
          local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
          h.run_ok(dir, h.with_url(bare, { "upgrade", "head" }), { PGPASSWORD = PASSWORD, HOME = dir })
          assert.same({ "a1" }, b:versions(url))
          -- pgpass: host:port:database:user:password, ":" and "\" escaped
          local line = string.format("127.0.0.1:%s:%s:%s:%s\n", admin.port, dbname, role,
            (PASSWORD:gsub("[:\\]", "\\%0")))
          h.write_file(dir .. "/pgpass", line)
          os.execute("chmod 600 " .. h.shell_quote(dir .. "/pgpass"))
          h.run_ok(dir, h.with_url(bare, { "downgrade", "base" }), { PGPASSFILE = dir .. "/pgpass", HOME = dir })
          assert.same({}, b:versions(url))
          h.write_file(dir .. "/.pgpass", line)
          os.execute("chmod 600 " .. h.shell_quote(dir .. "/.pgpass"))
          local r = h.run_ok(dir, h.with_url(bare, { "-v", "upgrade", "head" }), { HOME = dir })
          assert_no_secret(r.stderr, "stderr")
          assert.same({ "a1" }, b:versions(url))
        end)
      else
        it("takes the password from MYSQL_PWD or an option file the URL names", function()
          local dir = h.project { ["migrations/versions/a1.lua"] = REVISION }
          h.run_ok(dir, h.with_url(bare, { "upgrade", "head" }), { MYSQL_PWD = PASSWORD, HOME = dir })
          assert.same({ "a1" }, b:versions(url))
          h.write_file(dir .. "/my.cnf", '[client]\npassword="' .. PASSWORD .. '"\n')
          h.run_ok(dir, h.with_url(bare .. "?read_default_file=" .. dir .. "/my.cnf", { "downgrade", "base" }),
            { HOME = dir })
          assert.same({}, b:versions(url))
          h.write_file(dir .. "/my.cnf", '[client]\npassword=wrong\n[luamig]\npassword="' .. PASSWORD .. '"\n')
          local r = h.run_ok(dir, h.with_url(bare .. "?read_default_file=" .. dir .. "/my.cnf&read_default_group=luamig",
            { "-v", "upgrade", "head" }), { HOME = dir })
          assert_no_secret(r.stderr, "stderr")
          assert.same({ "a1" }, b:versions(url))
          -- luamig's session stays utf8mb4 whatever the file says
          h.write_file(dir .. "/my.cnf", '[client]\ndefault-character-set=latin1\npassword="' .. PASSWORD .. '"\n')
          h.write_file(dir .. "/migrations/versions/a2.lua", h.revision_text("a2", { down = "a1",
            up = 'assert(op.get_bind():first("SELECT @@character_set_client AS c").c == "utf8mb4")' }))
          h.run_ok(dir, h.with_url(bare .. "?read_default_file=" .. dir .. "/my.cnf", { "upgrade", "head" }),
            { HOME = dir })
          assert.same({ "a2" }, b:versions(url))
        end)
      end
    end)
  end
end
