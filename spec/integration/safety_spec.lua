-- Safe runs on every backend: the migration lock (a held lock, concurrent
-- deploys), kill -9 in the middle of an upgrade, Ctrl-C and SIGTERM,
-- --transaction all, op.autocommit_block, checksums with verify, repair and
-- history --applied. Real executable, real databases; bench/stress.lua
-- runs the concurrency and kill checks many more times.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local stress = require("helpers.stress")
local context = require("luamig.context")
local lock = require("luamig.lock")

local CONCURRENT_ROUNDS, KILL_TRIALS = 3, 3

local function count(haystack, needle)
  local n, from = 0, 1
  while true do
    local i = haystack:find(needle, from, true)
    if not i then return n end
    n, from = n + 1, i + #needle
  end
end

local t_tables, applied_counts = stress.t_tables, stress.applied_counts

local function history_count(b, url)
  return b:with(url, function(conn)
    return tonumber(assert(conn:first("SELECT COUNT(*) AS n FROM luamig_history")).n)
  end)
end

local function slow_revision(b, id, down, table_name)
  -- PostgreSQL sleeps in the server (Ctrl-C must cancel the statement);
  -- the others spin in Lua (Ctrl-C must stop the revision body).
  local wait = b.tag == "postgres" and '  op.execute("SELECT pg_sleep(30)")'
    or "  local stop = os.clock() + 30\n  while os.clock() < stop do end"
  return h.table_revision(id, down, table_name, nil, wait)
end

local table_revision = h.table_revision

-- Run `luamig ARGS` in the background, wait until its stderr shows `mark`,
-- send `signal`; returns the exit status and stderr.
--
-- luamig keeps SIGINT ignored when it starts with SIGINT ignored (a
-- background job of a non-interactive shell, nohup), as the convention
-- wants; and an ignored signal is inherited through fork and exec. So when
-- the suite itself was started in the background (`./test.sh &` from a
-- script, a CI runner), every luamig it starts would ignore Ctrl-C, and
-- bash cannot undo that (`trap - INT` keeps a signal ignored at entry).
-- `env --default-signal=INT` gives the luamig under test SIGINT's default
-- disposition whatever the suite inherited.
-- inherit_ignored: start from a shell that ignores SIGINT, as a suite
-- started in the background does.
local function signalled(dir, url, args, mark, signal, inherit_ignored)
  local script = table.concat({
    inherit_ignored and "trap '' INT" or "",
    "set -m", -- a job of its own: a background job of a plain script ignores SIGINT
    "cd " .. h.shell_quote(dir),
    "env --default-signal=INT -u DATABASE_URL " .. h.shell_quote(h.bin) .. " -u " .. h.shell_quote(url)
      .. " " .. args .. " 2>sig.err & pid=$!",
    "for i in $(seq 1 300); do grep -q " .. h.shell_quote(mark) .. " sig.err 2>/dev/null && break; sleep 0.05; done",
    "sleep 0.3",
    "kill -" .. signal .. " $pid",
    "wait $pid; echo $? > sig.status",
  }, "\n")
  os.execute("bash -c " .. h.shell_quote(script) .. " 2>/dev/null")  -- not the job-control lines
  return tonumber(h.read_file(dir .. "/sig.status")), h.read_file(dir .. "/sig.err")
end

backends.each("safe runs", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  describe("the migration lock", function()
    it("makes a second run wait, then give up with a message, changing nothing", function()
      local dir = stress.project(3)
      local cfg = { url = url, version_table = "luamig_version", history_table = "luamig_history" }
      local ctx = assert(context.open(cfg))
      local held = assert(lock.acquire(ctx, 0, function() end))
      local r = h.run(dir, h.with_url(url, { "upgrade", "head", "--lock-timeout", "1" }))
      local r0 = h.run(dir, h.with_url(url, { "upgrade", "head", "--lock-timeout", "0" }))
      held:release()
      ctx:close()
      assert.equal(1, r.status)
      assert.equal(1, count(r.stderr, "Waiting for the migration lock"), r.stderr)
      assert.matches("gave up waiting for the migration lock %(.-%) after 1 s: it is held by", r.stderr)
      assert.equal(1, r0.status)
      assert.matches("the migration lock %(.-%) is held by .*%-%-lock%-timeout is 0", r0.stderr)
      assert.same({}, t_tables(b, url))
      assert.same({}, b:versions(url))
      -- released: the next run goes through
      h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--lock-timeout", "0" }))
      assert.same({ "r003" }, b:versions(url))
    end)

    it("lets 16 concurrent upgrades apply each revision exactly once", function()
      for round = 1, CONCURRENT_ROUNDS do
        local round_url = round == 1 and url or b:new_database()
        local dir = stress.project(50)
        local result = stress.concurrent_upgrades(dir, round_url, 16)
        assert.equal(16, #result.statuses)
        for i, status in ipairs(result.statuses) do
          assert.equal(0, status, string.format("round %d, process %d: %s", round, i, result.stderr[i]))
        end
        local counts = applied_counts(b, round_url)
        for i = 1, 50 do
          local id = string.format("r%03d", i)
          assert.equal(1, counts[id], string.format("round %d: %s applied %s times", round, id, tostring(counts[id])))
        end
        assert.same({ "r050" }, b:versions(round_url))
        assert.equal(50, #t_tables(b, round_url))
      end
    end)
  end)

  it("keeps the version table and the schema together when kill -9 cuts an upgrade", function()
    math.randomseed(os.time())
    for trial = 1, KILL_TRIALS do
      local trial_url = trial == 1 and url or b:new_database()
      local dir = stress.project(100, 20)
      -- within the time a whole upgrade takes on this machine (SQLite
      -- about 0.2 s, the servers about 0.5 s)
      local delay = 0.02 + math.random() * (b.tag == "sqlite" and 0.15 or 0.45)
      local where = string.format("trial %d, kill after %.3f s", trial, delay)
      stress.killed_upgrade(dir, trial_url, delay)
      local versions, tables = b:versions(trial_url), t_tables(b, trial_url)
      local ok, why = stress.consistent(versions, tables)
      if not ok then assert.equal("mysql", b.tag, where .. ": " .. tostring(why)) end
      -- MySQL: a step cut off after it was recorded as running (whether
      -- or not its DDL ran) is named by the next run, which stops
      local r = b.tag == "mysql" and h.run(dir, h.with_url(trial_url, { "upgrade", "head" }))
      if r and r.status == 0 then assert.is_true(ok, where .. ": went on over a half-applied step") end
      if r and r.status ~= 0 then
        assert.equal(1, r.status, where)
        local cut = stress.unfinished_revision(r.stderr)
        assert.truthy(cut, where .. ": " .. r.stderr)
        assert.matches("luamig repair", r.stderr)
        -- settle it as an operator would, by looking at the schema
        local made = false
        for _, t in ipairs(t_tables(b, trial_url)) do if t == "t_" .. cut:sub(2) then made = true end end
        if made then h.run_ok(dir, h.with_url(trial_url, { "stamp", cut }))
        else h.run_ok(dir, h.with_url(trial_url, { "repair" })) end
      end
      h.run_ok(dir, h.with_url(trial_url, { "upgrade", "head" }))
      assert.same({ "r100" }, b:versions(trial_url), where)
      assert.equal(100, #t_tables(b, trial_url), where)
    end
  end)

  it("rolls back and releases the lock on Ctrl-C during a revision", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001"),
      ["migrations/versions/r002.lua"] = slow_revision(b, "r002", "r001", "t_002"),
    }
    local status, stderr = signalled(dir, url, "upgrade head", "Running upgrade r001 -> r002", "INT")
    assert.equal(130, status, stderr)
    assert.matches("upgrade r002 failed: .*interrupted by SIGINT", stderr)
    assert.matches("luamig stopped %(interrupted by SIGINT%); the version table says r001", stderr)
    assert.same({ "r001" }, b:versions(url))
    assert.same({ "t_001" }, t_tables(b, url))
    -- the lock is free again: no waiting, no lock message
    local r = h.run(dir, h.with_url(url, { "current", "--check-heads" }))
    assert.equal(1, r.status)
    local again = h.run(dir, h.with_url(url, { "upgrade", "r001", "--lock-timeout", "0" }))
    assert.not_matches("migration lock", again.stderr)
  end)

  it("rolls back on Ctrl-C also when the suite itself runs with SIGINT ignored", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = slow_revision(b, "r001", nil, "t_001"),
    }
    local status, stderr = signalled(dir, url, "upgrade head", "Running upgrade <base> -> r001", "INT", true)
    assert.equal(130, status, stderr)
    assert.matches("interrupted by SIGINT", stderr)
    assert.same({}, b:versions(url))
    assert.same({}, t_tables(b, url))
  end)

  it("stops with status 143 on SIGTERM", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = slow_revision(b, "r001", nil, "t_001"),
    }
    local status, stderr = signalled(dir, url, "upgrade head", "Running upgrade <base> -> r001", "TERM")
    assert.equal(143, status, stderr)
    assert.matches("interrupted by SIGTERM", stderr)
    assert.same({}, b:versions(url))
    assert.same({}, t_tables(b, url))
  end)

  if b.tag == "mysql" then
    -- The step's history row is closed after the Ctrl-C, while the side
    -- thread may still be sending its KILL QUERY: a trigger makes that
    -- UPDATE last a second, so a KILL that reached it would stop it.
    local function interrupted_after_ddl(trigger_body)
      local dir = h.project {
        ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001"),
        ["migrations/versions/r002.lua"] = h.revision_text("r002", { down = "r001",
          up = '  op.execute("CREATE TABLE sig_t (id INTEGER)")\n'
            .. "  local stop = os.clock() + 30\n  while os.clock() < stop do end" }),
      }
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      b:with(url, function(conn)
        assert(conn:execute("CREATE TRIGGER history_update BEFORE UPDATE ON luamig_history FOR EACH ROW "
          .. trigger_body))
      end)
      local status, stderr = signalled(dir, url, "upgrade head", "Running upgrade r001 -> r002", "INT")
      local last = b:with(url, function(conn)
        return conn:first("SELECT revision, outcome FROM luamig_history ORDER BY id DESC LIMIT 1")
      end)
      return status, stderr, last
    end

    it("records the interrupted step as failed: the KILL QUERY of Ctrl-C reaches no later statement", function()
      local status, stderr, last = interrupted_after_ddl("BEGIN DO SLEEP(1); END")
      assert.equal(130, status, stderr)
      assert.matches("the step is recorded as failed in luamig_history", stderr, 1, true)
      assert.same({ revision = "r002", outcome = "failed" }, last)
      assert.same({ "r001" }, b:versions(url))
    end)

    it("says so when the interrupted step's history row could not be closed", function()
      local status, stderr, last = interrupted_after_ddl(
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'history is read-only'")
      assert.equal(130, status, stderr)
      assert.matches("The version table says r001; the step's history row was not closed: its row %d+ in"
        .. " luamig_history could not be marked failed %(.*history is read%-only.*%) and still says running%.", stderr)
      assert.not_matches("recorded as failed", stderr)
      assert.same({ revision = "r002", outcome = "running" }, last)
    end)
  end

  it("runs --transaction all as one transaction, or refuses where DDL is not transactional", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001"),
      ["migrations/versions/r002.lua"] = table_revision("r002", "r001", "t_002"),
      ["migrations/versions/r003.lua"] = table_revision("r003", "r002", "t_003",
        '\n  op.execute("SELECT * FROM no_such_table")'),
    }
    local r = h.run(dir, h.with_url(url, { "upgrade", "head", "--transaction", "all" }))
    if b.tag == "mysql" then
      assert.equal(2, r.status)
      assert.matches("%-%-transaction all needs transactional DDL, and [%w/]+ commits every DDL statement at once", r.stderr)
      assert.same({}, b:tables(url))
    else
      assert.equal(1, r.status)
      assert.matches("upgrade r003 failed: .*; the whole run was rolled back %(%-%-transaction all%)", r.stderr)
    end
    assert.same({}, b:versions(url))
    assert.same({}, t_tables(b, url))
    -- without the failing revision the run commits as one
    os.remove(dir .. "/migrations/versions/r003.lua")
    h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--transaction", b.tag == "mysql" and "per-revision" or "all" }))
    assert.same({ "r002" }, b:versions(url))
    assert.same({ "t_001", "t_002" }, t_tables(b, url))
  end)

  it("runs op.autocommit_block outside the revision's transaction", function()
    local index = b.tag == "postgres" and "CREATE INDEX CONCURRENTLY ix_t_001_id ON t_001 (id)"
      or "CREATE INDEX ix_t_001_id ON t_001 (id)"
    local dir = h.project {
      ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001",
        string.format('\n  op.autocommit_block(function() op.execute(%q) end)\n  op.create_table("t_002", Column("id", Integer, { primary_key = true }))', index)),
    }
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "r001" }, b:versions(url))
    assert.same({ "t_001", "t_002" }, t_tables(b, url))
    assert.same({ "ix_t_001_id" }, (function()
      local out = {}
      for _, name in ipairs(b:indexes(url, "t_001")) do if name == "ix_t_001_id" then out[#out + 1] = name end end
      return out
    end)())
    assert.same({ r001 = 1 }, applied_counts(b, url))
  end)

  it("records a step that fails after an autocommit block, and refuses to go on until repaired", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001",
        '\n  op.autocommit_block(function() op.create_table("t_002", Column("id", Integer, { primary_key = true })) end)'
        .. '\n  op.execute("SELECT * FROM no_such_table")'),
    }
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status)
    assert.matches("upgrade r001 failed", r.stderr)
    assert.matches("were committed and stay applied", r.stderr)
    assert.matches("recorded as failed in luamig_history", r.stderr)
    assert.same({}, b:versions(url))
    local again = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, again.status)
    assert.matches("the upgrade of revision r001 started at .* did not finish %(failed: ", again.stderr)
    local rows = history_count(b, url)
    -- repair settles it; the history says so
    local rep = h.run_ok(dir, h.with_url(url, { "repair" }))
    assert.matches("Marked the upgrade of r001 .* as repaired by hand\nThe version table says base", rep.stdout)
    assert.equal(rows, history_count(b, url))
    assert.matches("Nothing to repair", h.run_ok(dir, h.with_url(url, { "repair" })).stdout)
    local hist = h.run_ok(dir, h.with_url(url, { "history", "--applied" }))
    assert.matches("up%s+r001%s+repaired", hist.stdout)
  end)

  describe("checksums", function()
    local function applied_project()
      local dir = h.project {
        ["migrations/versions/r001.lua"] = table_revision("r001", nil, "t_001"),
        ["migrations/versions/r002.lua"] = table_revision("r002", "r001", "t_002"),
        ["migrations/versions/r003.lua"] = table_revision("r003", "r002", "t_003"),
      }
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      return dir
    end

    it("verify passes on untouched files and ignores CRLF line ends and a BOM", function()
      local dir = applied_project()
      local path = dir .. "/migrations/versions/r002.lua"
      h.write_file(path, "\239\187\191" .. h.read_file(path):gsub("\n", "\r\n"))
      local r = h.run_ok(dir, h.with_url(url, { "verify" }))
      assert.matches("OK: 3 applied revisions match their files", r.stdout)
    end)

    it("verify finds an edited, a missing and an unknown revision, and changes nothing", function()
      local dir = applied_project()
      local v = dir .. "/migrations/versions/"
      h.write_file(v .. "r003.lua", h.read_file(v .. "r003.lua") .. "-- edited\n")
      os.remove(v .. "r002.lua")
      b:with(url, function(conn) assert(conn:execute("INSERT INTO luamig_version (version_num) VALUES ('x9999')")) end)
      local rows = history_count(b, url)
      local r = h.run(dir, h.with_url(url, { "verify" }))
      assert.equal(1, r.status)
      assert.matches("edited   r003  [^\n]*r003%.lua: applied as sha256:%x+%.%.%., the file is now sha256:%x+", r.stdout)
      assert.matches("missing  r002  applied, but no file has it %([^\n]*r003%.lua names it as a parent%)", r.stdout)
      assert.matches("unknown  x9999  in the version table", r.stdout)
      assert.matches("1 edited, 1 missing, 1 unknown", r.stdout)
      assert.matches("the applied revisions differ from their files", r.stderr)
      local j = h.run(dir, h.with_url(url, { "verify", "--json" }))
      assert.equal(1, j.status)
      assert.matches('"ok":false', j.stdout)
      assert.matches('"edited":%[{"actual":"sha256:%x+","id":"r003"', j.stdout)
      assert.matches('"missing":%[{"id":"r002","named_by":"[^"]*r003%.lua"}%]', j.stdout)
      assert.matches('"unknown":%[{"id":"x9999"}%]', j.stdout)
      assert.equal(rows, history_count(b, url))
      assert.same({ "r003", "x9999" }, b:versions(url))
    end)

    it("upgrade refuses an edited revision until accepted or --allow-edited", function()
      local dir = applied_project()
      local v = dir .. "/migrations/versions/"
      h.write_file(v .. "r004.lua", table_revision("r004", "r003", "t_004"))
      h.write_file(v .. "r001.lua", h.read_file(v .. "r001.lua") .. "-- edited\n")
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status)
      assert.matches("revision r001 %([^)]*r001%.lua%) was edited after it was applied", r.stderr)
      assert.matches("luamig verify %-%-accept r001", r.stderr)
      assert.same({ "r003" }, b:versions(url))
      assert.equal(3, #t_tables(b, url))
      h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--allow-edited" }))
      assert.same({ "r004" }, b:versions(url))
      assert.equal(1, h.run(dir, h.with_url(url, { "verify" })).status)
      local acc = h.run_ok(dir, h.with_url(url, { "verify", "--accept", "r001" }))
      assert.matches("OK: 4 applied revisions match their files", acc.stdout)
      h.run_ok(dir, h.with_url(url, { "verify" }))
    end)
  end)

  it("history --applied lists every step with who ran it", function()
    local dir = stress.project(2)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    h.run_ok(dir, h.with_url(url, { "downgrade", "-1" }))
    local r = h.run_ok(dir, h.with_url(url, { "history", "--applied" }))
    local lines = h.lines(r.stdout)
    assert.equal(3, #lines, r.stdout)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT[%d:.]+Z  down    r002%s+ok%s+%d+ ms  [^@ ]+@[^ ]+ pid %d+$", lines[1])
    assert.matches("  up      r002  ", lines[2])
    assert.matches("  up      r001  ", lines[3])
    local j = h.run_ok(dir, h.with_url(url, { "history", "--applied", "--json" }))
    assert.matches('^%[{"applied_by":"[^"]+","checksum":null,"direction":"down"', j.stdout)
    assert.equal(2, count(j.stdout, '"checksum":"sha256:'))
  end)
end)
