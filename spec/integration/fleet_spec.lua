-- Fleets: one command on many databases (--targets FILE, --target NAME,
-- --all-targets), run as the real executable on SQLite files and on
-- databases of the throwaway PostgreSQL server; what each database holds
-- afterwards is read through the driver.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local decode = require("helpers.json").decode

local HEAD = "c3d5e7f90a12"
local MIDDLE = "9b7e21c4d8a0"
local FIRST = "4f1c0a9be2d3"

local lines = h.lines

-- The result lines (in any order: they come as targets finish), sorted,
-- and the summary line, which is last.
local function results(stdout)
  local all = lines(stdout)
  local summary = table.remove(all)
  table.sort(all)
  return all, summary
end

-- luamig with its stdin read from a file holding `input`.
local function run_stdin(dir, args, input)
  local path = os.tmpname()
  h.write_file(path, input)
  local r = h.sh(h.command(dir, h.bin, args) .. " <" .. path)
  os.remove(path)
  return r
end

-- A targets file of n SQLite databases db01..dbNN in dir; returns the names.
local function sqlite_fleet(dir, n)
  local names, text = {}, { "# a fleet of SQLite files", "" }
  for i = 1, n do
    names[i] = string.format("db%02d", i)
    text[#text + 1] = string.format("%s sqlite:%s.db", names[i], names[i])
  end
  h.write_file(dir .. "/targets.txt", table.concat(text, "\n") .. "\n")
  return names
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

describe("fleets #sqlite", function()
  after_each(h.cleanup)

  it("upgrades 50 SQLite files, one of them broken: the others reach head, exit 1", function()
    local dir = h.example_project()
    local names = sqlite_fleet(dir, 50)
    h.write_file(dir .. "/db17.db", "this is not a database\n")
    local r = h.run(dir, { "upgrade", "head", "--targets", "targets.txt", "--jobs", "4" })
    assert.equal(1, r.status)
    assert.equal("", r.stderr)
    local got, summary = results(r.stdout)
    local want = {}
    for _, name in ipairs(names) do
      want[#want + 1] = name == "db17"
        and "db17: failed: cannot read database sqlite:db17.db: file is not a database"
        or (name .. ": upgraded 3 revisions to " .. HEAD)
    end
    assert.same(want, got)
    assert.equal("49 upgraded, 1 failed", summary)
    for _, name in ipairs(names) do
      if name ~= "db17" then assert.same({ HEAD }, h.sqlite_versions(dir .. "/" .. name .. ".db")) end
    end
    assert.equal("this is not a database\n", h.read_file(dir .. "/db17.db"))

    -- Again, as JSON: one array in the file's order; each target's
    -- `output` is the array of its own --json objects (JSON Lines), whose
    -- last is the summary.
    r = h.run(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "3", "--json" })
    assert.equal(1, r.status)
    assert.equal("", r.stderr)
    local objects = {}
    for i, o in ipairs(decode(r.stdout)) do
      local last = o.output[#o.output]
      assert.same({ 1, "summary", o.status == "failed" and "failed" or "unchanged", o.exit_code },
        { #o.output, last.type, last.status, last.exit_code })
      if o.status == "failed" then assert.equal(o.error, last.error) end
      o.output = nil
      objects[i] = o
    end
    local wanted = {}
    for i, name in ipairs(names) do
      wanted[i] = name == "db17"
        and { error = "cannot read database sqlite:db17.db: file is not a database", exit_code = 1,
          outcome = "failed: cannot read database sqlite:db17.db: file is not a database", status = "failed",
          target = "db17", url = "sqlite:db17.db" }
        or { exit_code = 0, outcome = "already at head", status = "unchanged", target = name,
          url = "sqlite:" .. name .. ".db" }
    end
    assert.same(wanted, objects)

    r = h.run(dir, { "upgrade", "--targets", "targets.txt" })
    assert.equal(1, r.status)
    local _, again = results(r.stdout)
    assert.equal("1 failed, 49 already at head", again)
  end)

  it("splits a fleet into shards that hold every target exactly once, for N = 1 to 5", function()
    local dir = h.example_project()
    local names = sqlite_fleet(dir, 50)
    h.run_ok(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "4" })
    for n = 1, 5 do
      local seen = {}
      for i = 1, n do
        local r = h.run_ok(dir, { "current", "--targets", "targets.txt", "--shard", i .. "/" .. n, "--jobs", "4" })
        local got, summary = results(r.stdout)
        for _, l in ipairs(got) do
          local name = assert(l:match("^(db%d%d): at " .. HEAD .. "$"), l)
          assert.is_nil(seen[name], name .. " in two shards")
          seen[name] = i
        end
        assert.equal(#got == 0 and "no targets" or (#got .. " ok"), summary)
      end
      for _, name in ipairs(names) do assert.truthy(seen[name], name .. " in no shard of " .. n) end
    end
  end)

  it("--fail-fast starts no other target after the first failure; those are skipped", function()
    local dir = h.example_project()
    sqlite_fleet(dir, 5)
    h.write_file(dir .. "/db03.db", "not a database either\n")
    local r = h.run(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "1", "--fail-fast" })
    assert.equal(1, r.status)
    assert.equal(table.concat({
      "db01: upgraded 3 revisions to " .. HEAD,
      "db02: upgraded 3 revisions to " .. HEAD,
      "db03: failed: cannot read database sqlite:db03.db: file is not a database",
      "db04: skipped",
      "db05: skipped",
      "2 upgraded, 1 failed, 2 skipped",
    }, "\n") .. "\n", r.stdout)
    assert.is_false(exists(dir .. "/db04.db"))
    assert.is_false(exists(dir .. "/db05.db"))
    r = h.run(dir, { "current", "--targets", "targets.txt", "--jobs", "1", "--fail-fast", "--json" })
    assert.equal(1, r.status)
    assert.matches(',{"exit_code":null,"outcome":"skipped","status":"skipped","target":"db05",'
      .. '"url":"sqlite:db05.db"}]\n$', r.stdout)
  end)

  it("shows a progress line at a terminal only, cleared before each result line", function()
    local dir = h.example_project()
    sqlite_fleet(dir, 3)
    local tty = h.at_terminal(dir, { "upgrade", "head", "--targets", "targets.txt", "--jobs", "1" })
    -- the line as the first target runs, and after each one ends
    assert.matches("\r0/3 done, 1 running, 0 failed\27[K", tty, 1, true)
    assert.matches("\r1/3 done, 1 running, 0 failed\27[K", tty, 1, true)
    assert.matches("\r2/3 done, 1 running, 0 failed\27[K", tty, 1, true)
    -- erased before a result line, so that each result starts its own line
    assert.matches("\r\27[Kdb02: upgraded 3 revisions to " .. HEAD, tty, 1, true)
    assert.matches("\r\27[K3 upgraded", tty, 1, true)
    local quiet = h.at_terminal(dir, { "-q", "current", "--targets", "targets.txt" })
    assert.is_nil(quiet:find("done,", 1, true))
    -- in a pipe (a CI log), no progress line
    local piped = h.run(dir, { "current", "--targets", "targets.txt" })
    assert.equal(0, piped.status, piped.stderr)
    assert.equal("", piped.stderr)
  end)

  it("reads the targets from stdin with --targets -", function()
    local dir = h.example_project()
    local r = run_stdin(dir, { "upgrade", "+1", "--targets", "-", "--jobs", "1" }, "a sqlite:a.db\nsqlite:b.db\n")
    assert.equal(0, r.status)
    assert.equal("a: upgraded 1 revision to " .. FIRST .. "\nsqlite:b.db: upgraded 1 revision to " .. FIRST
      .. "\n2 upgraded\n", r.stdout)
    r = run_stdin(dir, { "current", "--targets", "-" }, "x sqlite:a.db\n\nx nonsense\n")
    assert.equal(2, r.status)
    assert.equal('luamig: <stdin>:3: bad database URL "nonsense": unknown scheme (use sqlite:, postgresql:// or'
      .. " mysql://)\n", r.stderr)
  end)

  it("runs stamp, current, verify, history --applied and downgrade on a small fleet", function()
    local dir = h.example_project()
    sqlite_fleet(dir, 3)
    local function fleet(args, status)
      local all = { table.unpack(args) }
      for _, a in ipairs { "--targets", "targets.txt", "--jobs", "1" } do all[#all + 1] = a end
      local r = h.run(dir, all)
      assert.equal(status or 0, r.status, r.stderr)
      return r.stdout
    end
    local function each(text, summary)
      return ("db01: %s\ndb02: %s\ndb03: %s\n%s\n"):format(text, text, text, summary)
    end
    assert.equal(each("upgraded 2 revisions to " .. MIDDLE, "3 upgraded"), fleet { "upgrade", "+2" })
    assert.equal(each("at " .. MIDDLE, "3 ok"), fleet { "current" })
    assert.equal(each("OK: 2 applied revisions match their files", "3 ok"), fleet { "verify" })
    assert.equal(each("downgraded 1 revision to " .. FIRST, "3 downgraded"), fleet { "downgrade", "-1" })
    assert.equal(each("stamped " .. FIRST, "3 stamped"), fleet { "stamp", FIRST })
    assert.equal(each("already at " .. FIRST, "3 already at " .. FIRST), fleet { "downgrade", FIRST })
    assert.equal(each("4 steps, the last: stamp " .. FIRST .. " ok", "3 ok"), fleet { "history", "--applied" })
    assert.equal(each("upgraded 2 revisions to " .. HEAD, "3 upgraded"), fleet { "upgrade" })
    assert.equal(each("already at head", "3 already at head"), fleet { "upgrade" })
    assert.equal(each("at " .. HEAD, "3 ok"), fleet { "current", "--check-heads" })
    local path = dir .. "/migrations/versions/" .. FIRST .. "_create_links.lua"
    h.write_file(path, h.read_file(path) .. "-- edited\n")
    assert.equal(each("failed: the applied revisions differ from their files: 1 edited, 0 missing, 0 unknown;"
      .. " 3 applied revisions checked", "3 failed"), fleet({ "verify" }, 1))

    -- A command's own JSON is in its target's object, as that command prints it.
    local single = h.run_ok(dir, { "-u", "sqlite:db02.db", "current", "--json" }).stdout:gsub("\n$", "")
    local array = fleet { "current", "--json" }
    assert.matches('{"exit_code":0,"outcome":"at ' .. HEAD .. '","output":' .. single:gsub("%p", "%%%0")
      .. ',"status":"ok","target":"db02","url":"sqlite:db02.db"}', array)
    assert.equal(1, #lines(array))
  end)

  it("runs check on a fleet: a target that differs from the models fails", function()
    local dir = h.project {
      ["migrations/versions/a1_users.lua"] = h.revision_text("a1", {
        up = 'op.create_table("users", Column("id", Integer, { primary_key = true }))',
        down_body = 'op.drop_table("users")',
      }),
      ["migrations/models.lua"] = 'Table("users", Column("id", Integer, { primary_key = true }))\n',
    }
    sqlite_fleet(dir, 3)
    h.run_ok(dir, { "upgrade", "--targets", "targets.txt" })
    local conn = h.sqlite(dir .. "/db02.db")
    assert(conn:execute("CREATE TABLE extra (id INTEGER)"))
    conn:close()
    local r = h.run(dir, { "check", "--targets", "targets.txt", "--jobs", "1" })
    assert.equal(1, r.status)
    assert.equal(table.concat({
      "db01: matches the models",
      "db02: failed: 1 difference between the models and the database: run 'luamig revision --autogenerate"
        .. " -m MESSAGE' to write them as a revision",
      "db03: matches the models",
      "2 ok, 1 failed",
    }, "\n") .. "\n", r.stdout)
  end)

  it("takes the targets table of luamig.lua with --target NAME and --all-targets", function()
    local dir = h.example_project()
    h.write_file(dir .. "/luamig.lua",
      'return { targets = { c = "sqlite:c.db", a = "sqlite:a.db", b = "sqlite:b.db" } }')
    local r = h.run_ok(dir, { "upgrade", "--target", "c", "--target", "a", "--jobs", "1" })
    assert.equal("a: upgraded 3 revisions to " .. HEAD .. "\nc: upgraded 3 revisions to " .. HEAD
      .. "\n2 upgraded\n", r.stdout)
    assert.is_false(exists(dir .. "/b.db"))
    r = h.run_ok(dir, { "upgrade", "--all-targets", "--jobs", "1" })
    assert.equal("a: already at head\nb: upgraded 3 revisions to " .. HEAD .. "\nc: already at head\n"
      .. "1 upgraded, 2 already at head\n", r.stdout)
  end)

  it("refuses bad targets and misused options with one line, exit 2, and changes nothing", function()
    local dir = h.example_project()
    h.write_file(dir .. "/t.txt", "# fleet\na sqlite:a.db\nb sqlite:b.db too many\nc sqlite:c.db\n")
    h.write_file(dir .. "/good.txt", "a sqlite:a.db\n")
    local cases = {
      { { "upgrade", "--targets", "t.txt" }, "t.txt:3: expected URL or NAME URL, got 4 words" },
      { { "upgrade", "--targets", "missing.txt" }, "--targets: cannot read missing.txt: No such file or directory" },
      { { "upgrade", "--targets", "good.txt", "--target", "a" },
        "upgrade: --targets FILE and --target both choose the targets: use one" },
      { { "upgrade", "--target", "a" }, "--target a: luamig.lua has no targets table (targets = { name = URL, ... })" },
      { { "upgrade", "--targets", "good.txt", "--jobs", "0" }, "upgrade: --jobs 0: expected a whole number >= 1" },
      { { "upgrade", "--targets", "good.txt", "--jobs", "two" }, "upgrade: --jobs two: expected a whole number >= 1" },
      { { "upgrade", "--targets", "good.txt", "--shard", "6/5" },
        "upgrade: --shard 6/5: expected I/N with 1 <= I <= N (e.g. 2/4)" },
      { { "upgrade", "--jobs", "2" },
        "upgrade: --jobs applies only to a fleet (--targets FILE, --target NAME or --all-targets)" },
      { { "-u", "sqlite:x.db", "current", "--targets", "good.txt" },
        "current: -u and --targets both choose the database: use one" },
      { { "upgrade", "--sql", "--targets", "good.txt" },
        "upgrade: --sql writes a script without a database; it takes no --targets" },
      { { "history", "--targets", "good.txt" },
        "history: --targets needs --applied (the revision files are the same for every target)" },
      { { "heads", "--targets", "good.txt" }, "heads: unknown option --targets (see 'luamig heads --help')" },
    }
    for _, c in ipairs(cases) do
      local r = h.run(dir, c[1])
      assert.equal(2, r.status, table.concat(c[1], " "))
      assert.equal("luamig: " .. c[2] .. "\n", r.stderr)
      assert.equal("", r.stdout)
    end
    h.write_file(dir .. "/luamig.lua", 'return { targets = { a = "sqlite:a.db", b = "sqlite:b.db" } }')
    local r = h.run(dir, { "upgrade", "--target", "a", "--target", "nope" })
    assert.equal(2, r.status)
    assert.equal("luamig: --target nope: luamig.lua has no target of that name (it has: a, b)\n", r.stderr)
    assert.is_false(exists(dir .. "/a.db"))
    assert.is_false(exists(dir .. "/b.db"))
    assert.is_false(exists(dir .. "/c.db"))
    assert.is_false(exists(dir .. "/x.db"))
  end)

  it("refuses a bad revision file once, before any target starts", function()
    local dir = h.project {
      ["migrations/versions/a1_bad.lua"] = "revision = 'a1'\ndown_revision = nil\nfunction upgrade(\n",
    }
    sqlite_fleet(dir, 3)
    local r = h.run(dir, { "upgrade", "--targets", "targets.txt" })
    assert.equal(2, r.status)
    assert.equal("", r.stdout)
    assert.equal(1, #lines(r.stderr))
    assert.matches("^luamig: migrations/versions/a1_bad.lua:4: ", r.stderr)
    assert.is_false(exists(dir .. "/db01.db"))
  end)

  it("forwards SIGTERM to the running targets once, skips the rest, exits 143", function()
    local dir = h.project {
      ["migrations/versions/a1_fast.lua"] = h.revision_text("a1", {
        up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))',
        down_body = 'op.drop_table("t")',
      }),
      ["migrations/versions/a2_slow.lua"] = h.revision_text("a2", { down = "a1",
        up = 'op.add_column("t", Column("n", Integer))\nlocal t = os.clock() while os.clock() - t < 30 do end',
      }),
    }
    sqlite_fleet(dir, 5)
    os.execute("cd " .. h.shell_quote(dir) .. " && (env -u DATABASE_URL " .. h.shell_quote(h.bin)
      .. " upgrade --targets targets.txt --jobs 2 >out 2>err & echo $! >pid; wait $!; echo $? >rc) &")
    -- Both running targets are inside a2 once a1 is recorded in both.
    local deadline = os.time() + 30
    local function at_a1(name)
      local ok, v = pcall(h.sqlite_versions, dir .. "/" .. name .. ".db")
      return ok and v[1] == "a1"
    end
    while not (at_a1("db01") and at_a1("db02")) and os.time() < deadline do os.execute("sleep 0.1") end
    os.execute("kill -TERM " .. h.read_file(dir .. "/pid"))
    while h.read_file(dir .. "/rc") == "" and os.time() < deadline + 30 do os.execute("sleep 0.1") end
    assert.equal("143\n", h.read_file(dir .. "/rc"))
    local got, summary = results(h.read_file(dir .. "/out"))
    local slow = "failed: upgrade a2 failed: migrations/versions/a2_slow.lua:7: interrupted by SIGTERM"
    assert.same({ "db01: " .. slow, "db02: " .. slow, "db03: skipped", "db04: skipped", "db05: skipped" }, got)
    assert.equal("2 failed, 3 skipped", summary)
    assert.equal("luamig: interrupted by SIGTERM: 3 targets not started\n", h.read_file(dir .. "/err"))
    assert.same({ "a1" }, h.sqlite_versions(dir .. "/db01.db"))
    assert.same({ "a1" }, h.sqlite_versions(dir .. "/db02.db"))
    assert.is_false(exists(dir .. "/db03.db"))
  end)
end)

-- describe(title) of fleets on server backend b, with a pending test
-- named `pending_name` when its server is not running; every database and
-- project a test made is gone after it.
local function describe_server(b, title, pending_name, fn)
  describe(title, function()
    if not b.available then
      return it(pending_name, function() pending(b.skip_message) end)
    end
    backends.cleanup_after_each()
    fn()
  end)
end

local pg, my = backends.postgres, backends.mysql

describe_server(pg, "fleets #postgres", "runs on PostgreSQL", function()

  it("upgrades 20 databases, one with a conflicting table: the others reach head, passwords masked", function()
    local dir = h.example_project()
    local urls, text = {}, {}
    for i = 1, 20 do
      urls[i] = pg:new_database()
      text[i] = urls[i]
    end
    local broken = urls[7]
    pg:with(broken, function(conn) assert(conn:execute("CREATE TABLE links (id integer)")) end)
    h.write_file(dir .. "/targets.txt", table.concat(text, "\n") .. "\n")
    local password = os.getenv("LUAMIG_TEST_PASSWORD")
    local r = h.run(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "4" })
    assert.equal(1, r.status)
    assert.equal("", r.stderr)
    assert.is_nil(r.stdout:find(password, 1, true))
    -- The error line is the one a single run on that database prints.
    local single = h.run(dir, { "-u", broken, "upgrade" })
    assert.equal(1, single.status)
    local error_line = lines(single.stderr)[#lines(single.stderr)]:match("^luamig: (.*)$")
    local got, summary = results(r.stdout)
    local want = {}
    for i, u in ipairs(urls) do
      local masked = u:gsub(password:gsub("%p", "%%%0"), "***")
      want[i] = masked .. ": " .. (i == 7 and ("failed: " .. error_line) or ("upgraded 3 revisions to " .. HEAD))
    end
    table.sort(want)
    assert.same(want, got)
    assert.equal("19 upgraded, 1 failed", summary)
    for i, u in ipairs(urls) do
      if i == 7 then
        assert.same({ "links" }, pg:tables(u))
      else
        assert.same({ HEAD }, pg:versions(u))
      end
    end

    r = h.run(dir, { "current", "--targets", "targets.txt", "--jobs", "4", "--json" })
    assert.equal(0, r.status)
    assert.is_nil(r.stdout:find(password, 1, true))
    assert.equal(1, #lines(r.stdout))
    local _, count = r.stdout:gsub('"status":"ok"', "")
    assert.equal(20, count)
  end)

  it("upgrades 20 tenants' schemas of one database, one broken: the others reach head in their schema", function()
    local dir = h.example_project()
    local url = pg:new_database()
    local text = {}
    pg:with(url, function(conn)
      for i = 1, 20 do
        local schema = string.format("tenant_%02d", i)
        assert(conn:execute("CREATE SCHEMA " .. schema))
        text[i] = string.format("%s %s?schema=%s", schema, url, schema)
      end
      assert(conn:execute("CREATE TABLE tenant_07.links (id integer)"))
    end)
    h.write_file(dir .. "/targets.txt", table.concat(text, "\n") .. "\n")
    local r = h.run(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "4" })
    assert.equal(1, r.status)
    local got, summary = results(r.stdout)
    assert.equal("19 upgraded, 1 failed", summary)
    assert.equal(20, #got)
    for i = 1, 20 do
      local schema = string.format("tenant_%02d", i)
      local line = got[i]
      if i == 7 then
        assert.matches("^tenant_07: failed: ", line)
      else
        assert.equal(schema .. ": upgraded 3 revisions to " .. HEAD, line)
        assert.same({ HEAD }, pg:with(url, function(conn)
          return { assert(conn:first("SELECT version_num FROM " .. schema .. ".luamig_version")).version_num }
        end))
      end
    end
    -- nothing landed in public
    assert.same({}, pg:tables(url))
  end)
end)

describe_server(my, "fleets #mysql", "runs on MariaDB", function()

  it("upgrades named MariaDB databases and reports each", function()
    local dir = h.example_project()
    local text = {}
    for i = 1, 3 do text[i] = ("m%d %s"):format(i, my:new_database()) end
    h.write_file(dir .. "/targets.txt", table.concat(text, "\n") .. "\n")
    local r = h.run(dir, { "upgrade", "--targets", "targets.txt", "--jobs", "3" })
    assert.equal(0, r.status, r.stderr)
    local got, summary = results(r.stdout)
    assert.same({ "m1: upgraded 3 revisions to " .. HEAD, "m2: upgraded 3 revisions to " .. HEAD,
      "m3: upgraded 3 revisions to " .. HEAD }, got)
    assert.equal("3 upgraded", summary)
    for _, line in ipairs(text) do assert.same({ HEAD }, my:versions(line:match("%S+$"))) end
  end)
end)
