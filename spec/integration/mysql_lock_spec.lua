-- The MySQL migration lock (a row in luamig_version_lock, lua/luamig/lock/mysql.lua)
-- and the cancel of a waiting statement (runner/drivers/driver_mysql_side.c) on one
-- MariaDB server: a holder killed with -9 is taken over at once on its own
-- server, the heartbeat keeps a lock through a statement longer than the
-- lease, a lost lock is reported, a read-only server is refused, and
-- SIGTERM or SIGINT stop a statement that waits in the server by KILL QUERY.
-- The Galera side of the same is spec/integration/galera_spec.lua.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local config = require("luamig.config")

local b = backends.mysql
local q = h.shell_quote

-- Start `luamig ARGS` in dir in the background, wait until its stderr
-- shows `mark`, then run `action` (shell: kill -9 $pid, kill -TERM $pid...).
-- Returns the exit status, its stderr, its pid and the seconds from the
-- action to its end.
local function background(dir, url, args, mark, action)
  local script = table.concat({
    "set -m",  -- a job of its own: SIGINT is not ignored
    "cd " .. q(dir),
    "env --default-signal=INT -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(url) .. " " .. args
      .. " >bg.out 2>bg.err & pid=$!",
    "echo $pid > bg.pid",
    "for i in $(seq 1 600); do grep -q " .. q(mark) .. " bg.err 2>/dev/null && break; sleep 0.05; done",
    "sleep 0.5",
    "t0=$(date +%s.%N)",
    action,
    "wait $pid; echo $? > bg.status",
    "awk -v a=\"$t0\" -v b=\"$(date +%s.%N)\" 'BEGIN {print b - a}' > bg.seconds",
  }, "\n")
  os.execute("bash -c " .. q(script) .. " 2>/dev/null")
  return tonumber(h.read_file(dir .. "/bg.status")), h.read_file(dir .. "/bg.err"),
    tonumber(h.read_file(dir .. "/bg.pid")), tonumber(h.read_file(dir .. "/bg.seconds"))
end

local function scalar(url, sql, ...)
  local args = table.pack(...)
  return b:with(url, function(conn)
    local row = assert(conn:first(sql, table.unpack(args, 1, args.n)))
    local _, v = next(row)
    return tonumber(v) or v
  end)
end

local function lock_rows(url)
  return scalar(url, "SELECT COUNT(*) AS n FROM luamig_version_lock")
end

local function project(files, lease)
  files["luamig.lua"] = string.format("return { lock_lease = %d }\n", lease or 30)
  return h.project(files)
end

-- DML only, so that a run cut off in it leaves nothing (MySQL's DDL
-- commits). napping: sleeps only while events has a row 'nap', so that the
-- run after a kill does not sleep too.
local function sleepy(id, down, seconds, napping)
  local nap = napping and string.format("IF(EXISTS(SELECT 1 FROM events WHERE rev = 'nap'), %d, 0)", seconds)
    or tostring(seconds)
  return h.revision_text(id, {
    down = down,
    up = '  op.execute("INSERT INTO events (rev) VALUES (\'' .. id .. '\')")\n'
      .. string.format('  op.execute("SELECT SLEEP(%s)")', nap),
    down_body = '  op.execute("DELETE FROM events WHERE rev = \'' .. id .. '\'")',
  })
end

local EVENTS = h.revision_text("r001", {
  up = '  op.execute("CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, rev VARCHAR(20) NOT NULL)")',
  down_body = '  op.execute("DROP TABLE events")',
})

-- r001 makes events, r002 (sleepy) sleeps `seconds`; the lock's lease is
-- `lease` seconds (nil: 30).
local function sleepy_project(seconds, lease, napping)
  return project({
    ["migrations/versions/r001.lua"] = EVENTS,
    ["migrations/versions/r002.lua"] = sleepy("r002", "r001", seconds, napping),
  }, lease)
end

-- The database is at `version` and no lock row is left.
local function assert_settled(url, version)
  assert.same({ version }, b:versions(url))
  assert.equal(0, lock_rows(url))
end

-- r002 ran once, it is recorded, and no lock row is left.
local function assert_r002_done(url)
  assert.equal(1, scalar(url, "SELECT COUNT(*) AS n FROM events WHERE rev = 'r002'"))
  assert_settled(url, "r002")
end

-- background()'s upgrade head, with `action` done once r002 has started.
local function during_r002(dir, url, action)
  return background(dir, url, "upgrade head", "Running upgrade r001 -> r002", action)
end

describe("the MySQL migration lock #mysql", function()
  if not b.available then
    return it("runs on MariaDB", function() pending(b.skip_message) end)
  end
  local url
  backends.database_per_test(b, function(new) url = new end)

  it("is a row that the run deletes, in a table that autogenerate leaves alone", function()
    local dir = project { ["migrations/versions/r001.lua"] = EVENTS }
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "events", "luamig_history", "luamig_version", "luamig_version_lock" }, b:tables(url))
    assert.equal(0, lock_rows(url))
    h.write_file(dir .. "/models.lua", 'Table("events", Column("id", Integer, { primary_key = true,'
      .. ' autoincrement = true }), Column("rev", String(20), { nullable = false }))\n')
    local r = h.run(dir, h.with_url(url, { "check" }))
    assert.not_matches("luamig_version_lock", r.stdout .. r.stderr)
  end)

  it("leaves no lock table behind runs that changed nothing, also 8 at once", function()
    local dir = project { ["migrations/versions/r001.lua"] = EVENTS }
    local lines = { "cd " .. q(dir), "pids=()" }
    for i = 1, 8 do
      lines[#lines + 1] = string.format("env -u DATABASE_URL %s -u %s upgrade head --transaction all"
        .. " >out.%d 2>err.%d & pids+=($!)", q(h.bin), q(url), i, i)
    end
    lines[#lines + 1] = 'for p in "${pids[@]}"; do wait $p; echo $?; done > statuses'
    os.execute("bash -c " .. q(table.concat(lines, "\n")))
    assert.equal(string.rep("2\n", 8), h.read_file(dir .. "/statuses"))
    for i = 1, 8 do
      assert.matches("luamig: --transaction all needs transactional DDL", h.read_file(dir .. "/err." .. i), 1, true)
    end
    assert.same({}, b:tables(url))
  end)

  it("is taken over at once from a holder killed with -9 on the same server", function()
    local dir = sleepy_project(60, 30, true)
    h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
    b:with(url, function(conn) assert(conn:execute("INSERT INTO events (rev) VALUES ('nap')")) end)
    local status, _, pid = during_r002(dir, url, "kill -9 $pid")
    assert.equal(137, status)
    assert.equal(1, lock_rows(url))
    b:with(url, function(conn) assert(conn:execute("DELETE FROM events WHERE rev = 'nap'")) end)
    -- MySQL records a step as started (its DDL would commit): the killed
    -- one is settled with repair, the first run after the kill
    local t0 = os.time()
    local r = h.run(dir, h.with_url(url, { "repair", "--lock-timeout", "20" }))
    assert.equal(0, r.status, r.stderr)
    assert.is_true(os.time() - t0 < 10, "waited for the lease instead of seeing the connection gone")
    assert.matches("Took over the migration lock %(row in [%w_]+%.luamig_version_lock%) of luamig [^ ]+ pid "
      .. pid .. " %(token %x+%) on [^ ]+ %(connection %d+%), since [%d%- :%.]+ UTC, last seen [%d%- :%.]+ UTC:"
      .. " its connection to this server is gone", r.stderr)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--lock-timeout", "0" }))
    assert_r002_done(url)
  end)

  it("keeps the lock through a statement longer than the lease (the heartbeat)", function()
    local dir = sleepy_project(6, 2)
    -- the second run starts while the first sleeps 6 s with a lease of 2 s
    local status, stderr = during_r002(dir, url,
      "env -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(url) .. " upgrade head --lock-timeout 30"
      .. " >second.out 2>second.err; echo $? > second.status")
    assert.equal(0, status, stderr)
    assert.equal("0\n", h.read_file(dir .. "/second.status"))
    local second = h.read_file(dir .. "/second.err")
    assert.matches("Waiting for the migration lock", second)
    assert.not_matches("Took over", second)
    assert_r002_done(url)
  end)

  it("reports a lock that another run took over while it was held", function()
    local dir = sleepy_project(3, 30)
    -- what a takeover does: the row gets another token
    local status, stderr = during_r002(dir, url,
      "mariadb --no-defaults --socket=" .. q(os.getenv("LUAMIG_TEST_MYSQL_SOCKET")) .. " -uroot "
      .. q(url:match("/([^/?]+)$")) .. " -e \"UPDATE luamig_version_lock SET token = REPEAT('0', 32),"
      .. " owner = 'someone else'\"")
    assert.equal(1, status, stderr)
    assert.matches("luamig: the migration lock %(row in [%w_]+%.luamig_version_lock%) was lost while this run held"
      .. " it: it is now held by someone else on ", stderr)
    assert.equal(1, lock_rows(url))  -- the other run's row stays
  end)

  it("refuses a read-only server for upgrade, downgrade and stamp, changing nothing", function()
    local dir = project { ["migrations/versions/r001.lua"] = EVENTS }
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    local before = b:tables(url)
    b:with(url, function(conn) assert(conn:execute("SET GLOBAL read_only = 1")) end)
    local results = {}
    local ok, err = pcall(function()
      for _, args in ipairs { { "upgrade", "head" }, { "downgrade", "base" }, { "stamp", "base" } } do
        results[#results + 1] = h.run(dir, h.with_url(url, args))
      end
    end)
    b:with(url, function(conn) assert(conn:execute("SET GLOBAL read_only = 0")) end)
    assert(ok, err)
    for _, r in ipairs(results) do
      assert.equal(1, r.status)
      assert.equal("luamig: the database at " .. config.mask_url(url) .. " is a read-only replica (read_only is ON):"
        .. " run luamig against the primary\n", r.stderr)
    end
    assert.same(before, b:tables(url))
    assert_settled(url, "r001")
  end)
end)

describe("a signal while a MySQL statement waits #mysql", function()
  if not b.available then
    return it("runs on MariaDB", function() pending(b.skip_message) end)
  end
  local url
  backends.database_per_test(b, function(new) url = new end)

  -- The statements of this test's database still running, as "id: text" lines.
  local function running_statements(like)
    return b:with(url, function(conn)
      local out = {}
      for _, r in ipairs(assert(conn:query("SELECT id, info FROM information_schema.processlist"
        .. " WHERE db = DATABASE() AND info LIKE ? AND id <> CONNECTION_ID()", like))) do
        out[#out + 1] = r.id .. ": " .. r.info
      end
      return table.concat(out, "\n")
    end)
  end

  it("SIGTERM cancels a statement waiting for a metadata lock (KILL QUERY) and exits 143", function()
    local dir = project {
      ["migrations/versions/r001.lua"] = EVENTS,
      ["migrations/versions/r002.lua"] = h.revision_text("r002", { down = "r001",
        up = '  op.execute("ALTER TABLE events ADD COLUMN extra INT")',
        down_body = '  op.execute("ALTER TABLE events DROP COLUMN extra")' }),
    }
    h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
    -- an open transaction that read events holds its metadata lock: the ALTER waits
    local blocker = b:connect(url)
    assert(blocker:begin())
    assert(blocker:query("SELECT * FROM events"))
    local status, stderr, _, seconds = during_r002(dir, url, "kill -TERM $pid")
    local waiting = running_statements("ALTER TABLE events%")
    blocker:rollback()
    blocker:close()
    assert.equal(143, status, stderr)
    assert.is_true(seconds < 5, "took " .. tostring(seconds) .. " s")
    assert.matches("upgrade r002 failed: .*interrupted by SIGTERM", stderr)
    assert.matches("luamig stopped %(interrupted by SIGTERM%); the version table says r001", stderr)
    assert.equal("", waiting)
    assert.is_nil(b:columns(url, "events").extra)
    assert_settled(url, "r001")
  end)

  it("SIGINT cancels SELECT SLEEP(60) at once and exits 130", function()
    local dir = sleepy_project(60)
    local status, stderr, _, seconds = during_r002(dir, url, "kill -INT $pid")
    assert.equal(130, status, stderr)
    assert.is_true(seconds < 5, "took " .. tostring(seconds) .. " s")
    assert.matches("interrupted by SIGINT", stderr)
    assert.equal("", running_statements("SELECT SLEEP(60)%"))
    assert_settled(url, "r001")
    assert.same({ "events", "luamig_history", "luamig_version", "luamig_version_lock" }, b:tables(url))
    assert.equal(0, scalar(url, "SELECT COUNT(*) AS n FROM events"))
  end)
end)
