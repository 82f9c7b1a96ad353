-- PostgreSQL where production runs it: behind pgbouncer (transaction,
-- session and statement pooling) and with a hot standby. The servers are
-- real: spec/with-servers.sh starts them with LUAMIG_TEST_CLUSTERS=1 (as
-- test.sh does). A pooler or replica that could not start fails these
-- specs with the reason; they are pending only outside test.sh.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local stress = require("helpers.stress")
local config = require("luamig.config")

local pg = backends.postgres
local ROUNDS, PROCESSES = 10, 16

local function env(name)
  local v = os.getenv(name)
  return v ~= "" and v or nil
end

-- The URL of `database` through the pooler in `mode`.
local function pooled(mode, database)
  local url = env("LUAMIG_TEST_PGBOUNCER_" .. mode:upper() .. "_URL")
  if not url then error("pgbouncer is not running: " .. (env("LUAMIG_TEST_POOLER_ERROR") or "no URL"), 0) end
  return config.with_database(url, database)
end

local function database_of(url)
  return assert(config.parse_url(url)).database
end

local function scalar(url, sql)
  return pg:with(url, function(conn)
    local row = assert(conn:first(sql))
    local _, v = next(row)
    return v
  end)
end

-- Advisory locks held anywhere on the server (there must be none between runs).
local function advisory_locks()
  return tonumber(scalar(pg.admin_url, "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory'"))
end

local counting_project = stress.counting_project

-- Each revision applied exactly once, and history to match.
local function assert_applied_once(url)
  local ok, why = stress.applied_once(pg, url)
  assert(ok, why)
end

describe("PostgreSQL behind pgbouncer and with a replica #postgres #topology", function()
  if not pg.available then return it("runs", function() pending(pg.skip_message) end) end
  if env("LUAMIG_TEST_CLUSTERS") ~= "1" then
    return it("runs", function() pending("run through test.sh (LUAMIG_TEST_CLUSTERS=1 starts pgbouncer and a replica)") end)
  end
  after_each(function() backends.cleanup(); h.cleanup() end)

  it("finds pgbouncer and the replica running", function()
    assert.is_nil(env("LUAMIG_TEST_POOLER_ERROR"))
    assert.is_nil(env("LUAMIG_TEST_REPLICA_ERROR"))
    assert.truthy(env("LUAMIG_TEST_PG_REPLICA_URL"))
  end)

  it(string.format("lets %d concurrent upgrades over transaction and session pooling apply each revision once,"
    .. " %d rounds", PROCESSES, ROUNDS), function()
    local dir = counting_project()
    for round = 1, ROUNDS do
      local name = database_of(pg:new_database())
      local urls = { pooled("transaction", name), pooled("session", name) }
      local result = stress.concurrent_upgrades(dir, urls, PROCESSES, 60)
      for i, status in ipairs(result.statuses) do
        assert(status == 0, string.format("round %d, process %d exited %d: %s", round, i, status, result.stderr[i]))
      end
      assert_applied_once(config.with_database(pg.admin_url, name))
      assert.equal(0, advisory_locks())
    end
  end)

  it("closes a transactional = false step's history row behind transaction pooling", function()
    -- The row's id came from lastval(), which belonged to another server
    -- connection once the INSERT had committed: the row stayed "running"
    -- and the next run refused with a false "luamig was stopped".
    local dir = counting_project()
    local url = pooled("transaction", database_of(pg:new_database()))
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert_applied_once(config.with_database(pg.admin_url, database_of(url)))
    local again = h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal("", again.stderr)
  end)

  it("lets the next run take the lock at once after kill -9 of its holder behind the pooler", function()
    -- r1 sleeps while the table slow_flag exists: the killed run sleeps, the next does not.
    local dir = h.project {
      ["migrations/versions/r1.lua"] = h.revision_text("r1", {
        up = '  op.create_table("slow", Column("id", Integer, { primary_key = true }))\n'
          .. '  op.execute("SELECT pg_sleep(30) FROM slow_flag")',
        down_body = '  op.drop_table("slow")' }),
    }
    local name = database_of(pg:new_database())
    local direct = config.with_database(pg.admin_url, name)
    pg:with(direct, function(conn)
      assert(conn:execute("CREATE TABLE slow_flag (x integer)"))
      assert(conn:execute("INSERT INTO slow_flag VALUES (1)"))
    end)
    local url = pooled("transaction", name)
    local status = stress.killed_upgrade(dir, url, 1.5)
    assert.equal(137, status)
    pg:with(direct, function(conn) assert(conn:execute("DELETE FROM slow_flag")) end)
    -- The killed client's transaction (and with it the lock) ends when
    -- pgbouncer drops its server connection; the next run must not wait
    -- for a lease or a manual unlock.
    local started = os.time()
    local r = h.run(dir, h.with_url(url, { "upgrade", "head", "--lock-timeout", "20" }))
    assert.equal(0, r.status, r.stderr)
    assert(os.time() - started < 10, "the next run waited " .. (os.time() - started) .. " s")
    assert.same({ "r1" }, pg:versions(direct))
    assert.equal(0, advisory_locks())
  end)

  it("refuses statement pooling with a message that says why, and changes nothing", function()
    local dir = counting_project()
    local name = database_of(pg:new_database())
    local direct = config.with_database(pg.admin_url, name)
    local before = pg:schema(direct)
    local r = h.run(dir, h.with_url(pooled("statement", name), { "upgrade", "head" }))
    assert.equal(1, r.status)
    assert.equal("luamig: cannot take the migration lock: the database is reached through a connection pooler"
      .. " in statement mode (pgbouncer pool_mode = statement), which allows no transaction of two statements,"
      .. " and luamig runs every revision in one; connect through a pool in transaction or session mode, or to"
      .. " the server itself\n", r.stderr)
    assert.same(before, pg:schema(direct))
  end)

  it("checks the models through every pooling mode, the reflection's queries sent ahead", function()
    -- check sends its catalog queries as one simple query while it builds
    -- the models (conn:prefetch); a pooler passes it as one statement
    local models = 'Table("users", Column("id", Integer, { primary_key = true }), Column("name", String(50)))\n'
    local dir = h.project { ["migrations/models.lua"] = models }
    local name = database_of(pg:new_database())
    local direct = config.with_database(pg.admin_url, name)
    h.run_ok(dir, h.with_url(direct, { "revision", "--autogenerate", "-m", "users", "--rev-id", "r1" }))
    h.run_ok(dir, h.with_url(direct, { "upgrade", "head" }))
    for _, mode in ipairs { "transaction", "session", "statement" } do
      local r = h.run(dir, h.with_url(pooled(mode, name), { "check" }))
      assert.equal(0, r.status, mode .. ": " .. r.stderr)
      assert.equal("No differences: the database matches the models\n", r.stdout, mode)
    end
    pg:with(direct, function(conn) assert(conn:execute("ALTER TABLE users ADD COLUMN extra integer")) end)
    local before = pg:schema(direct)
    for _, mode in ipairs { "transaction", "session", "statement" } do
      local r = h.run(dir, h.with_url(pooled(mode, name), { "check" }))
      assert.equal(1, r.status, mode)
      assert.equal("remove column users.extra\n", r.stdout, mode)
    end
    assert.same(before, pg:schema(direct))
  end)

  it("stops before the next step when the lock's connection is lost", function()
    -- r1 ends the lock's server session itself (as an administrator or a
    -- timeout would), waiting until it is gone; r2 must not run without
    -- the lock. (Without the wait, the session could still be on its way
    -- out when r2's check looks: the lost lock would be found a step
    -- later, as any loss during a step is.)
    local dir = h.project {
      ["migrations/versions/r1.lua"] = h.revision_text("r1", {
        up = '  op.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_locks WHERE locktype = \'advisory\''
          .. ' AND granted AND pid <> pg_backend_pid()")',
        down_body = "  op.execute('SELECT 1')" }),
      ["migrations/versions/r2.lua"] = h.revision_text("r2", { down = "r1",
        up = '  op.create_table("after", Column("id", Integer, { primary_key = true }))',
        down_body = '  op.drop_table("after")' }),
    }
    local url = pg:new_database()
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status)
    assert.matches("\nluamig: the migration lock %(PostgreSQL advisory lock %d+ on public%.luamig_version%) was lost:"
      .. " its connection failed: .*; stopped before the upgrade of revision r2\n$", r.stderr)
    assert.same({ "r1" }, pg:versions(url))
    assert.is_false(pg:with(url, function(conn)
      return conn:first("SELECT 1 AS found FROM information_schema.tables WHERE table_name = 'after'") ~= nil
    end))
  end)

  describe("tenants in schemas", function()
    local function tables_in(url, schema)
      return pg:with(url, function(conn)
        local out = {}
        for i, row in ipairs(assert(conn:query("SELECT table_name AS t FROM information_schema.tables"
          .. " WHERE table_schema = ? ORDER BY table_name", schema))) do out[i] = row.t end
        return out
      end)
    end
    local ALL = { "applied", "counter", "luamig_history", "luamig_version" }

    it("run each tenant's revisions in its schema behind transaction pooling, concurrently", function()
      local name = database_of(pg:new_database())
      local direct = config.with_database(pg.admin_url, name)
      pg:with(direct, function(conn)
        for i = 1, 4 do assert(conn:execute("CREATE SCHEMA tenant_" .. i)) end
      end)
      -- r1 and r2 of the counting project: in transactions, unqualified
      -- names (a statement outside a transaction would have to qualify
      -- them behind a transaction pooler; README)
      local dir = counting_project()
      os.remove(dir .. "/migrations/versions/r3.lua")
      local url = pooled("transaction", name)
      -- two tenants by --schema, two by the URL; four processes for each
      local script = { "cd " .. h.shell_quote(dir), "pids=()" }
      for p = 1, 16 do
        local t = (p - 1) % 4 + 1
        local args = t <= 2 and ("--schema tenant_" .. t .. " -u " .. h.shell_quote(url))
          or ("-u " .. h.shell_quote(url .. "?schema=tenant_" .. t))
        script[#script + 1] = string.format("env -u DATABASE_URL %s -q %s upgrade head >out.%d 2>err.%d & pids+=($!)",
          h.shell_quote(h.bin), args, p, p)
      end
      script[#script + 1] = 'for p in "${pids[@]}"; do wait $p || echo "failed: $p"; done > failures'
      os.execute("bash -c " .. h.shell_quote(table.concat(script, "\n")))
      assert.equal("", h.read_file(dir .. "/failures"), h.read_file(dir .. "/err.1"))
      for t = 1, 4 do
        local schema = "tenant_" .. t
        assert.same(ALL, tables_in(direct, schema))
        local tenant = direct .. "?schema=" .. schema
        assert.equal(1, tonumber(scalar(tenant, "SELECT n FROM tenant_" .. t .. ".counter")))
        assert.equal(2, tonumber(scalar(tenant, "SELECT COUNT(*) AS n FROM tenant_" .. t .. ".applied")))
        assert.same({ "r2" }, pg:with(direct, function(conn)
          return { assert(conn:first("SELECT version_num FROM " .. schema .. ".luamig_version")).version_num }
        end))
      end
      assert.same({}, tables_in(direct, "public"))
    end)

    it("keeps luamig's tables in version_table_schema", function()
      local name = database_of(pg:new_database())
      local direct = config.with_database(pg.admin_url, name)
      pg:with(direct, function(conn) assert(conn:execute("CREATE SCHEMA meta")) end)
      local dir = counting_project()
      h.write_file(dir .. "/luamig.lua", 'return { version_table_schema = "meta" }\n')
      h.run_ok(dir, h.with_url(pooled("transaction", name), { "upgrade", "head" }))
      assert.same({ "luamig_history", "luamig_version" }, tables_in(direct, "meta"))
      assert.same({ "applied", "counter" }, tables_in(direct, "public"))
      local current = h.run_ok(dir, h.with_url(direct, { "current" }))
      assert.matches("^r3", current.stdout)
    end)

    it("refuses a schema that does not exist, and changes nothing", function()
      local direct = pg:new_database()
      local before = pg:schema(direct)
      local r = h.run(counting_project(), h.with_url(direct, { "--schema", "nowhere", "upgrade", "head" }))
      assert.equal(1, r.status)
      assert.equal(string.format('luamig: schema "nowhere" does not exist in the database at %s: create it first'
        .. " (CREATE SCHEMA), or correct the schema setting\n", config.mask_url(direct)), r.stderr)
      assert.same(before, pg:schema(direct))
    end)

    it("refuses a schema on SQLite and MySQL, naming the setting", function()
      local dir = counting_project()
      local r = h.run(dir, { "-u", "sqlite:app.db", "--schema", "t1", "upgrade", "head" })
      assert.equal(2, r.status)
      assert.equal("luamig: --schema: a schema is for PostgreSQL; on SQLite name the database in the URL instead\n",
        r.stderr)
      assert.is_nil(io.open(dir .. "/app.db"))
      h.write_file(dir .. "/luamig.lua", 'return { schema = "t1" }\n')
      r = h.run(dir, { "-u", "mysql://u:p@127.0.0.1:1/db", "upgrade", "head" })
      assert.equal(2, r.status)
      assert.equal("luamig: schema in luamig.lua: a schema is for PostgreSQL; on MySQL name the database in the URL"
        .. " instead\n", r.stderr)
    end)
  end)

  describe("a hot standby", function()
    local replica = env("LUAMIG_TEST_PG_REPLICA_URL")
    local masked = replica and config.mask_url(replica) or "?"
    local refusal = "luamig: the database at " .. masked .. " is a read-only replica (a hot standby:"
      .. " pg_is_in_recovery() is true); run luamig against the primary, or list every host in the URL with"
      .. " ?target_session_attrs=read-write so that libpq finds it\n"

    for _, args in ipairs { { "upgrade", "head" }, { "downgrade", "base" }, { "stamp", "r1" } } do
      it("is refused for " .. args[1] .. " before anything runs", function()
        assert(replica, env("LUAMIG_TEST_REPLICA_ERROR") or "no replica")
        local dir = counting_project()
        local before = pg:schema(pg.admin_url)
        local r = h.run(dir, h.with_url(replica, args))
        assert.equal(1, r.status)
        assert.equal(refusal, r.stderr)
        assert.same(before, pg:schema(pg.admin_url))
      end)
    end

    it("is passed over for the primary by a multi-host URL with target_session_attrs=read-write", function()
      assert(replica, env("LUAMIG_TEST_REPLICA_ERROR") or "no replica")
      local name = database_of(pg:new_database())
      -- The standby must let a session into the new database first: a
      -- standby that refuses the start-up ("database does not exist") ends
      -- libpq's host list, as a failed authentication does, instead of being
      -- passed over. Replay lags on a loaded machine (a wait for the replay
      -- LSN with a 30 s limit, which went on silently, was not enough once in
      -- a sanitizer pass beside another suite), so wait for that very
      -- condition, up to two minutes, and say so if it never comes.
      local on_standby = config.with_database(replica, name)
      local deadline, reached, why = os.time() + 120, false, nil
      repeat
        reached, why = pcall(scalar, on_standby, "SELECT 1 AS one")
        if not reached then os.execute("sleep 0.2") end
      until reached or os.time() > deadline
      if not reached then  -- say where replication stood, for whoever reads the failure
        local standby_state = select(2, pcall(scalar, replica, "SELECT pg_last_wal_receive_lsn() || ' received, '"
          .. " || pg_last_wal_replay_lsn() || ' replayed, paused: ' || pg_is_wal_replay_paused() AS s"))
        local primary_state = select(2, pcall(scalar, pg.admin_url, "SELECT pg_current_wal_lsn() || ' written; '"
          .. " || COALESCE((SELECT state || ' ' || replay_lsn FROM pg_stat_replication LIMIT 1), 'no walsender')"
          .. " || '; slot ' || COALESCE((SELECT active::text || ' ' || restart_lsn FROM pg_replication_slots"
          .. " LIMIT 1), 'none') AS s"))
        error(string.format("the standby never let a session into the new database: %s (standby: %s; primary: %s)",
          tostring(why), tostring(standby_state), tostring(primary_state)))
      end
      local primary = assert(config.parse_url(pg.admin_url))
      local standby = assert(config.parse_url(replica))
      local url = string.format("postgresql://postgres:%s@%s:%s,%s:%s/%s?target_session_attrs=read-write",
        os.getenv("LUAMIG_TEST_PASSWORD"), standby.host, standby.port, primary.host, primary.port, name)
      h.run_ok(counting_project(), h.with_url(url, { "upgrade", "head" }))
      assert_applied_once(config.with_database(pg.admin_url, name))
    end)
  end)
end)
