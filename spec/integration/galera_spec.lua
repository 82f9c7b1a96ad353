-- luamig on a 3-node MariaDB Galera cluster (spec/servers/galera.sh, started
-- by spec/with-servers.sh when LUAMIG_TEST_CLUSTERS=1): concurrent runs on
-- the three nodes apply each revision once (the lock row is certified by
-- the cluster, where GET_LOCK was per node), a holder killed with -9 is
-- taken over once its lease runs out, a long statement keeps its lock by
-- the heartbeat, and the preflight refuses a node in RSU, a node that is
-- not Synced and a read-only node. When the cluster did not start, every
-- test here fails with the reason (LUAMIG_TEST_GALERA_ERROR).
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local config = require("luamig.config")

local b = backends.mysql  -- connects to any mysql:// URL
local q = h.shell_quote

local NODES = {}
for u in (os.getenv("LUAMIG_TEST_GALERA_URLS") or ""):gmatch("%S+") do NODES[#NODES + 1] = u end
local PROCESSES = 16
local ROUNDS = tonumber(os.getenv("LUAMIG_GALERA_ROUNDS") or "") or 10

local function random_name()
  local f = assert(io.open("/dev/urandom", "rb"))
  local s = f:read(6):gsub(".", function(c) return string.format("%02x", c:byte()) end)
  f:close()
  return "luamig_g_" .. s
end

-- A new database on the cluster; its URL on each node.
local made = {}
-- A new database, made on node 1. The other nodes apply the CREATE
-- DATABASE in total order but after node 1 has returned, so a connection
-- to node 2 with the new name can come first ("Unknown database": a CI
-- run failed so): wait until every node has it (a causal read).
local function new_database()
  local name = random_name()
  b:with(NODES[1], function(conn) assert(conn:execute("CREATE DATABASE " .. name)) end)
  made[#made + 1] = name
  local urls = {}
  for i, u in ipairs(NODES) do
    urls[i] = u .. name
    b:with(u, function(conn)
      assert(conn:execute("SET SESSION wsrep_sync_wait = 1"))
      local deadline = os.time() + 30
      while not conn:first("SELECT 1 AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name) do
        assert(os.time() < deadline, "node " .. i .. " has not applied CREATE DATABASE " .. name .. " in 30 s")
        os.execute("sleep 0.05")
      end
    end)
  end
  return urls
end

local function drop_databases()
  for _, name in ipairs(made) do
    pcall(b.with, b, NODES[1], function(conn) conn:execute("DROP DATABASE IF EXISTS " .. name) end)
  end
  made = {}
end

-- fn(conn) on a node's connection that first waits until the node has
-- applied every write the cluster committed before (wsrep_sync_wait).
local function on_node(url, fn)
  return b:with(url, function(conn)
    assert(conn:execute("SET SESSION wsrep_sync_wait = 1"))
    return fn(conn)
  end)
end

local function scalar(url, sql)
  return on_node(url, function(conn)
    local _, v = next(assert(conn:first(sql)))
    return tonumber(v) or v
  end)
end

local function set_global(url, assignment)
  b:with(url, function(conn) assert(conn:execute("SET GLOBAL " .. assignment)) end)
end

-- Revisions whose effect shows when they run twice: r002 inserts, r003
-- (transactional = false) inserts, counts and adds a column (a second
-- ALTER would fail), r004 counts.
local function counting_project(lease)
  local function rev(id, down, up, extra)
    return (h.revision_text(id, { down = down, up = up, down_body = "" })
      :gsub("\nfunction upgrade", "\n" .. (extra or "") .. "function upgrade", 1))
  end
  return h.project {
    ["luamig.lua"] = lease and string.format("return { lock_lease = %d }\n", lease) or nil,
    ["migrations/versions/r001.lua"] = rev("r001", nil,
      '  op.execute("CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, rev VARCHAR(20) NOT NULL)")\n'
      .. '  op.execute("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)")\n'
      .. '  op.execute("INSERT INTO counter VALUES (1, 0)")\n'
      .. '  op.execute("CREATE TABLE nap (seconds INT NOT NULL)")'),
    ["migrations/versions/r002.lua"] = rev("r002", "r001",
      '  op.execute("INSERT INTO events (rev) VALUES (\'r002\')")\n'
      -- a nap only while the test asks for one, so that the run after a kill does not nap
      .. '  op.execute("SELECT SLEEP((SELECT COALESCE(MAX(seconds), 0) FROM nap))")'),
    ["migrations/versions/r003.lua"] = rev("r003", "r002",
      '  op.execute("INSERT INTO events (rev) VALUES (\'r003\')")\n'
      .. '  op.execute("UPDATE counter SET n = n + 1 WHERE id = 1")\n'
      .. '  op.execute("ALTER TABLE counter ADD COLUMN c3 INT")', "transactional = false\n"),
    ["migrations/versions/r004.lua"] = rev("r004", "r003",
      '  op.execute("INSERT INTO events (rev) VALUES (\'r004\')")\n'
      .. '  op.execute("UPDATE counter SET n = n + 1 WHERE id = 1")'),
  }
end

-- What a database that went through r001..r004 exactly once holds; nil
-- when it does, else what differs.
local function applied_once(urls)
  local problems = {}
  local url = urls[1]
  for _, rev in ipairs { "r002", "r003", "r004" } do
    local n = scalar(url, "SELECT COUNT(*) AS n FROM events WHERE rev = '" .. rev .. "'")
    if n ~= 1 then problems[#problems + 1] = string.format("%s inserted %d times", rev, n) end
  end
  local n = scalar(url, "SELECT n FROM counter WHERE id = 1")
  if n ~= 2 then problems[#problems + 1] = "counter is " .. tostring(n) .. ", not 2" end
  local history = on_node(url, function(conn)
    local counts = {}
    for _, r in ipairs(assert(conn:query("SELECT revision, COUNT(*) AS n FROM luamig_history"
      .. " WHERE direction = 'up' AND outcome = 'ok' GROUP BY revision"))) do
      counts[r.revision] = tonumber(r.n)
    end
    return counts
  end)
  for _, rev in ipairs { "r001", "r002", "r003", "r004" } do
    if history[rev] ~= 1 then
      problems[#problems + 1] = string.format("%s has %s history rows", rev, tostring(history[rev]))
    end
  end
  for i, u in ipairs(urls) do
    local v = on_node(u, function(conn)
      local out = {}
      for _, r in ipairs(assert(conn:query("SELECT version_num FROM luamig_version ORDER BY 1"))) do
        out[#out + 1] = r.version_num
      end
      return out
    end)
    if table.concat(v, ",") ~= "r004" then
      problems[#problems + 1] = string.format("node %d's version rows: %s", i, table.concat(v, ","))
    end
  end
  local locks = scalar(url, "SELECT COUNT(*) AS n FROM luamig_version_lock")
  if locks ~= 0 then problems[#problems + 1] = locks .. " lock rows left" end
  return #problems > 0 and table.concat(problems, "; ") or nil
end

-- n runs of `luamig upgrade head` at once, spread over the nodes.
local function concurrent_upgrades(dir, urls, n)
  local lines = { "cd " .. q(dir), "pids=()" }
  for i = 1, n do
    lines[#lines + 1] = string.format("env -u DATABASE_URL %s -u %s upgrade head --lock-timeout 120 >out.%d 2>err.%d"
      .. " & pids+=($!)", q(h.bin), q(urls[(i - 1) % #urls + 1]), i, i)
  end
  lines[#lines + 1] = 'for p in "${pids[@]}"; do wait $p; echo $?; done > statuses'
  os.execute("bash -c " .. q(table.concat(lines, "\n")) .. " 2>/dev/null")
  local statuses, stderr = {}, {}
  for s in h.read_file(dir .. "/statuses"):gmatch("%d+") do statuses[#statuses + 1] = tonumber(s) end
  for i = 1, n do stderr[i] = h.read_file(dir .. "/err." .. i) end
  return statuses, stderr
end

-- Start `luamig ARGS` on url in the background, wait for `mark` on its
-- stderr, run the shell `action` ($pid is luamig's). Returns the exit
-- status, stderr and pid.
local function background(dir, url, args, mark, action)
  local script = table.concat({
    "cd " .. q(dir),
    "env -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(url) .. " " .. args .. " >bg.out 2>bg.err & pid=$!",
    "echo $pid > bg.pid",
    "for i in $(seq 1 600); do grep -q " .. q(mark) .. " bg.err 2>/dev/null && break; sleep 0.05; done",
    "sleep 0.5",
    action,
    "wait $pid; echo $? > bg.status",
  }, "\n")
  os.execute("bash -c " .. q(script) .. " 2>/dev/null")
  return tonumber(h.read_file(dir .. "/bg.status")), h.read_file(dir .. "/bg.err"),
    tonumber(h.read_file(dir .. "/bg.pid"))
end

describe("luamig on a MariaDB Galera cluster #galera #mysql", function()
  if #NODES ~= 3 then
    local why = os.getenv("LUAMIG_TEST_GALERA_ERROR")
    if not why and os.getenv("LUAMIG_TEST_CLUSTERS") ~= "1" then
      return it("runs on the cluster", function()
        pending("the Galera cluster starts only with LUAMIG_TEST_CLUSTERS=1 (test.sh sets it)")
      end)
    end
    return it("runs on the cluster", function()
      error("the Galera cluster did not start: " .. (why or "LUAMIG_TEST_GALERA_URLS is not 3 URLs"), 0)
    end)
  end
  after_each(function()
    h.cleanup()
    drop_databases()
  end)

  it(string.format("applies each revision once with %d concurrent runs on 3 nodes, %d rounds", PROCESSES, ROUNDS),
    function()
      local waited, gave_up = 0, 0
      for round = 1, ROUNDS do
        local urls = new_database()
        local dir = counting_project()
        local statuses, stderr = concurrent_upgrades(dir, urls, PROCESSES)
        assert.equal(PROCESSES, #statuses, "round " .. round)
        for i, status in ipairs(statuses) do
          local where = string.format("round %d, process %d on node %d", round, i, (i - 1) % 3 + 1)
          if status == 0 then
            assert.not_matches("Took over", stderr[i], 1, true)
          else
            assert.equal(1, status, where .. ": " .. stderr[i])
            assert.matches("gave up waiting for the migration lock", stderr[i], 1, true)
            gave_up = gave_up + 1
          end
          if stderr[i]:find("Waiting for the migration lock", 1, true) then waited = waited + 1 end
        end
        local wrong = applied_once(urls)
        assert.is_nil(wrong, "round " .. round .. ": " .. tostring(wrong))
        drop_databases()
      end
      print(string.format("\ngalera: %d rounds x %d runs: %d waited for the lock, %d gave up, 0 double applies",
        ROUNDS, PROCESSES, waited, gave_up))
    end)

  it("keeps the lock through a statement longer than the lease, against a run on another node", function()
    local urls = new_database()
    local dir = counting_project(2)
    h.run_ok(dir, h.with_url(urls[1], { "upgrade", "r001" }))
    b:with(urls[1], function(conn) assert(conn:execute("INSERT INTO nap VALUES (6)")) end)
    -- r002 naps 6 s with a lease of 2 s; meanwhile a run on node 2
    local status, stderr = background(dir, urls[1], "upgrade head", "Running upgrade r001 -> r002",
      "env -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(urls[2]) .. " upgrade head --lock-timeout 90 >second.out"
      .. " 2>second.err; echo $? > second.status")
    local second = h.read_file(dir .. "/second.err")
    assert.equal(0, status, stderr)
    assert.equal("0\n", h.read_file(dir .. "/second.status"), second)
    assert.matches("Waiting for the migration lock", second, 1, true)
    assert.not_matches("Took over", second, 1, true)
    assert.is_nil(applied_once(urls))
  end)

  it("takes over the lock of a holder killed with -9 once its lease ran out, applying nothing twice", function()
    local urls = new_database()
    local dir = counting_project(3)
    h.run_ok(dir, h.with_url(urls[1], { "upgrade", "r001" }))
    b:with(urls[1], function(conn) assert(conn:execute("INSERT INTO nap VALUES (60)")) end)
    local status, _, pid = background(dir, urls[1], "upgrade head", "Running upgrade r001 -> r002", "kill -9 $pid")
    assert.equal(137, status)
    b:with(urls[1], function(conn) assert(conn:execute("DELETE FROM nap")) end)
    assert.equal(1, scalar(urls[2], "SELECT COUNT(*) AS n FROM luamig_version_lock"))
    -- the killed run's step is recorded as started (MySQL): repair settles
    -- it, on node 2, after the lease of 3 s
    local t0 = os.time()
    local r = h.run(dir, h.with_url(urls[2], { "repair", "--lock-timeout", "30" }))
    assert.equal(0, r.status, r.stderr)
    assert.is_true(os.time() - t0 >= 2, "did not wait for the lease")
    assert.matches("Took over the migration lock %(row in [%w_]+%.luamig_version_lock%) of luamig [^ ]+ pid "
      .. pid .. " %(token %x+%) on [^ ]+ %(connection %d+%), since [%d%- :%.]+ UTC, last seen [%d%- :%.]+ UTC:"
      .. " its heartbeat stopped [%d%.]+ s ago %(lease 3 s%)", r.stderr)
    h.run_ok(dir, h.with_url(urls[3], { "upgrade", "head", "--lock-timeout", "0" }))
    assert.is_nil(applied_once(urls))
  end)

  -- On Galera, a DDL statement of another node aborts any local statement
  -- in its way (even a read of information_schema) with "Deadlock found";
  -- the driver runs a statement that was alone in its transaction again
  -- (runner/drivers/driver_mysql.c, lmy_retry_deadlock), a server-side
  -- statement prepared anew. A run of CI once failed at its first read so.
  it("runs a read again that another node's DDL aborted, by either protocol, reused or not", function()
    local urls = new_database()
    -- Up to three rounds of DDL on node 1 while node 2 reads, until node 2
    -- has aborted statements for it (most often in the first).
    local ddl = '  for _ = 1, 300 do op.execute("CREATE TABLE t (a INT)"); op.execute("DROP TABLE t") end'
    local dir = h.project {
      ["migrations/versions/r001.lua"] = h.revision_text("r001", { up = ddl }),
      ["migrations/versions/r002.lua"] = h.revision_text("r002", { down = "r001", up = ddl }),
      ["migrations/versions/r003.lua"] = h.revision_text("r003", { down = "r002", up = ddl }),
    }
    local function bf_aborts()
      return b:with(urls[2], function(conn)
        return tonumber(assert(conn:first("SHOW GLOBAL STATUS LIKE 'wsrep_local_bf_aborts'")).Value)
      end)
    end
    local function done(round)
      local f = io.open(dir .. "/ddl.status." .. round)
      if f then f:close() end
      return f ~= nil
    end
    local reads, failures = 0, {}
    local function expect(what, ok, err, missing_is_fine)
      reads = reads + 1
      if not ok and not (missing_is_fine and tostring(err):find("doesn't exist", 1, true)) then
        failures[#failures + 1] = what .. ": " .. tostring(err)
      end
    end
    local aborts_before, aborted = bf_aborts(), false
    for round = 1, 3 do
      os.execute("bash -c " .. q("cd " .. q(dir) .. "; env -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(urls[1])
        .. " upgrade r00" .. round .. " >ddl.out 2>ddl.err; echo $? > ddl.status." .. round) .. " >/dev/null 2>&1 &")
      b:with(urls[2], function(conn)
        local find = "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()"
          .. " AND table_name = ?"
        local reused = assert(conn:prepare(find))
        local deadline = os.time() + 300
        while not done(round) and os.time() < deadline do
          expect("a new statement", conn:first(find, "t"))
          expect("a reused statement", reused:first("t"))
          local rows, err = conn:query("SELECT a FROM t WHERE 1 = 0")
          expect("text", rows, err, true)
        end
        reused:close()
      end)
      assert.equal("0\n", h.read_file(dir .. "/ddl.status." .. round), h.read_file(dir .. "/ddl.err"))
      aborted = bf_aborts() > aborts_before
      if aborted then break end
    end
    assert.same({}, failures)
    assert.is_true(reads > 300, "only " .. reads .. " reads")
    -- the case happened: node 2 aborted local statements for node 1's DDL
    assert.is_true(aborted, "no statement of node 2 was aborted in three rounds")
  end)

  describe("the node checks", function()
    local urls, dir
    before_each(function()
      urls = new_database()
      dir = counting_project()
      h.run_ok(dir, h.with_url(urls[1], { "upgrade", "r002" }))
    end)

    -- `runs` on urls[node] with `assignment` in force on that node, then
    -- `restore`; the database must be as it was.
    local function refused(node, assignment, restore, runs)
      local results = {}
      set_global(urls[node], assignment)
      local ok, err = pcall(function()
        for i, args in ipairs(runs) do results[i] = h.run(dir, h.with_url(urls[node], args)) end
      end)
      set_global(urls[node], restore)
      assert(ok, err)
      assert.same({ "r002" }, b:versions(urls[1]))
      assert.equal(1, scalar(urls[1], "SELECT COUNT(*) AS n FROM events"))
      assert.equal(0, scalar(urls[1], "SELECT COUNT(*) AS n FROM luamig_version_lock"))
      return results
    end

    it("refuses a node whose DDL method is RSU, unless allow_rsu", function()
      local r = refused(2, "wsrep_OSU_method = 'RSU'", "wsrep_OSU_method = 'TOI'", { { "upgrade", "head" } })[1]
      assert.equal(1, r.status)
      assert.equal("luamig: the Galera node at " .. config.mask_url(urls[2]) .. " runs DDL with wsrep_OSU_method"
        .. " = RSU: a revision's DDL would change this node only, while its version row replicates to every node,"
        .. " which would then say they are migrated without the change; SET GLOBAL wsrep_OSU_method = 'TOI' first"
        .. " (or set allow_rsu = true in luamig.lua if you apply DDL node by node yourself)\n", r.stderr)
      -- allowed: a warning, and the run goes on (a downgrade of r002 is DML only)
      h.write_file(dir .. "/luamig.lua", "return { allow_rsu = true }\n")
      set_global(urls[2], "wsrep_OSU_method = 'RSU'")
      local ok, allowed = pcall(h.run, dir, h.with_url(urls[2], { "downgrade", "r001" }))
      set_global(urls[2], "wsrep_OSU_method = 'TOI'")
      assert(ok, allowed)
      assert.equal(0, allowed.status, allowed.stderr)
      assert.matches("Warning: the Galera node at .* runs DDL with wsrep_OSU_method = RSU: .*%(allowed by allow_rsu%)",
        allowed.stderr)
      assert.same({ "r001" }, b:versions(urls[1]))
    end)

    it("refuses a node that is not Synced", function()
      local r = refused(3, "wsrep_desync = ON", "wsrep_desync = OFF", { { "upgrade", "head" } })[1]
      assert.equal(1, r.status)
      assert.equal("luamig: the Galera node at " .. config.mask_url(urls[3]) .. " is Donor/Desynced, not Synced:"
        .. " it may lack writes of the cluster; run luamig on a Synced node, or when this one is Synced again\n",
        r.stderr)
    end)

    it("refuses a read-only node for upgrade, downgrade and stamp", function()
      local results = refused(3, "read_only = 1", "read_only = 0",
        { { "upgrade", "head" }, { "downgrade", "base" }, { "stamp", "r004" } })
      for _, r in ipairs(results) do
        assert.equal(1, r.status)
        assert.equal("luamig: the database at " .. config.mask_url(urls[3]) .. " is a read-only replica"
          .. " (read_only is ON): run luamig against the primary\n", r.stderr)
      end
    end)
  end)
end)
