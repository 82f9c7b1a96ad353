-- ddl_lock_timeout, ddl_lock_retries and statement_timeout
-- (lua/luamig/context/ddl_lock.lua): against a second connection that
-- holds a lock on the table a revision alters, `luamig upgrade` in the
-- background waits no longer than the timeout, says so, retries, and goes
-- on once the lock is free; held throughout, the revision fails with
-- nothing applied. A statement longer than statement_timeout is stopped.
-- SQLite and --sql need no server.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local q = h.shell_quote

-- How the spec's own connection holds a lock that ALTER TABLE t waits
-- for: PostgreSQL's ACCESS SHARE (ADD COLUMN wants ACCESS EXCLUSIVE), and
-- on MariaDB the metadata lock of a read in an open transaction.
local HOLD = {
  postgres = "LOCK TABLE t IN ACCESS SHARE MODE",
  mysql = "SELECT * FROM t",
}
-- A statement that runs for `s` seconds.
local SLEEP = { postgres = "SELECT pg_sleep(%d)", mysql = "SELECT SLEEP(%d)" }
-- The session's lock timeout as a revision reads it, and what it reads
-- with --ddl-lock-timeout 2 inside the revision's transaction and then
-- outside any (PostgreSQL's is the transaction's own, SET LOCAL: nothing
-- stays with the session; MySQL's is the session's for the run).
local SHOW = {
  postgres = { "SELECT current_setting('lock_timeout') AS v", "2s", "0" },
  mysql = { "SELECT @@SESSION.lock_wait_timeout AS v", "2", "2" },
}
local STATEMENT_TIMEOUT = { postgres = "canceling statement due to statement timeout", mysql = "max_statement_time" }

local T = h.revision_text("r001", {
  up = '  op.create_table("t", Column("id", Integer, { primary_key = true }))',
  down_body = '  op.drop_table("t")',
})

-- r002 adds t.x; `first`, Lua run before that (a statement the retry must
-- not lose, inside the revision's transaction on PostgreSQL).
local function project(first, extra, config)
  return h.project {
    ["luamig.lua"] = config or "return {}\n",
    ["migrations/versions/r001.lua"] = T,
    ["migrations/versions/r002.lua"] = (extra or "") .. h.revision_text("r002", {
      down = "r001",
      up = (first or "") .. '\n  op.add_column("t", Column("x", Integer))',
      down_body = '  op.drop_column("t", "x")',
    }),
  }
end

-- Start `luamig ARGS` in dir in the background; returns wait(), which
-- returns its exit status, stderr and the seconds it ran.
local function start(dir, url, args)
  local script = "cd " .. q(dir) .. "\nt0=$(date +%s.%N)\n(env -u DATABASE_URL " .. q(h.bin) .. " -u " .. q(url)
    .. " " .. args .. " >bg.out 2>bg.err; s=$?; awk -v a=\"$t0\" -v b=\"$(date +%s.%N)\" 'BEGIN {print b - a}'"
    .. " > bg.seconds; echo $s > bg.tmp; mv bg.tmp bg.status) </dev/null >/dev/null 2>&1 &"
  os.execute("bash -c " .. q(script))
  return function()
    for _ = 1, 600 do
      local status = tonumber(h.read_file(dir .. "/bg.status"))
      if status then
        return status, h.read_file(dir .. "/bg.err"), tonumber(h.read_file(dir .. "/bg.seconds"))
      end
      os.execute("sleep 0.05")
    end
    error("luamig did not end within 30 s: " .. h.read_file(dir .. "/bg.err"))
  end
end

-- Until the background run's stderr shows `mark` (at most 10 s).
local function wait_for(dir, mark)
  for _ = 1, 200 do
    if h.read_file(dir .. "/bg.err"):find(mark, 1, true) then return end
    os.execute("sleep 0.05")
  end
  error("never saw " .. mark .. " in: " .. h.read_file(dir .. "/bg.err"))
end

for _, b in ipairs { backends.postgres, backends.mysql } do
  describe("ddl_lock_timeout and statement_timeout on " .. b.name .. " #" .. b.tag, function()
    if not b.available then return it("needs the server", function() pending(b.skip_message) end) end
    local url
    backends.database_per_test(b, function(new) url = new end)

    -- A connection holding the lock on t, in an open transaction.
    local function hold()
      local conn = b:connect(url)
      assert(conn:begin())
      assert(conn:query(HOLD[b.tag]))
      return conn
    end
    local function release(conn)
      assert(conn:rollback())
      conn:close()
    end
    local function columns() return b:columns(url, "t") end

    it("retries a statement whose lock was not granted, and goes on once the lock is free", function()
      -- On PostgreSQL the CREATE TABLE u before it is in the same
      -- transaction: only a savepoint keeps it through the retry.
      local dir = project('  op.create_table("u", Column("id", Integer, { primary_key = true }))')
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      local conn = hold()
      local wait = start(dir, url, "upgrade head --ddl-lock-timeout 1 --ddl-lock-retries 3")
      wait_for(dir, "(try 1 of 4)")
      os.execute("sleep 0.2")
      release(conn)
      local status, err = wait()
      assert.equal(0, status, err)
      assert.matches('lock on "t" not granted within 1 s %(try 1 of 4%), retrying in 0.5 s', err)
      assert.not_matches("try 3 of 4", err)
      assert.same({ "r002" }, b:versions(url))
      assert.is_not_nil(columns().x)
      assert.matches(" t u$", " " .. table.concat(b:tables(url), " "))
    end)

    it("fails cleanly when the lock stays held (settings from luamig.lua)", function()
      local dir = project(nil, nil, "return { ddl_lock_timeout = 1, ddl_lock_retries = 1, ddl_lock_backoff = 0.2 }\n")
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      local before = columns()
      local conn = hold()
      local status, err, seconds = start(dir, url, "upgrade head")()
      release(conn)
      assert.equal(1, status, err)
      assert.matches('lock on "t" not granted within 1 s %(try 1 of 2%), retrying in 0.2 s', err)
      assert.matches('lock on "t" not granted within 1 s %(try 2 of 2%), giving up', err)
      assert.matches('r002%.lua:%d+: lock on "t" not granted after 2 tries of 1 s each', err)
      assert.matches("ADD COLUMN", err)
      assert.is_true(seconds < 5, tostring(seconds))
      assert.same({ "r001" }, b:versions(url))
      assert.same(before, columns())
      -- nothing to settle: the next run goes on
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      assert.is_not_nil(columns().x)
    end)

    it("reruns the statement in a transactional = false revision", function()
      local dir = project(nil, "transactional = false\n")
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      local conn = hold()
      local wait = start(dir, url, "upgrade head --ddl-lock-timeout 1 --ddl-lock-retries 2")
      wait_for(dir, "(try 1 of 3)")
      release(conn)
      local status, err = wait()
      assert.equal(0, status, err)
      assert.same({ "r002" }, b:versions(url))
      assert.is_not_nil(columns().x)
    end)

    it("sets the lock timeout for what the revision runs, and leaves none in the session", function()
      local show = SHOW[b.tag]
      local check = '  local v = tostring(op.get_bind():first(%q).v)\n  if v ~= %q then error("lock timeout " .. v) end'
      local dir = project(check:format(show[1], show[2]))
      h.write_file(dir .. "/migrations/versions/r003.lua", "transactional = false\n" .. h.revision_text("r003", {
        down = "r002", up = check:format(show[1], show[3]) }))
      h.run_ok(dir, h.with_url(url, { "upgrade", "head", "--ddl-lock-timeout", "2" }))
      assert.same({ "r003" }, b:versions(url))
    end)

    it("fails any other error at once, without retrying", function()
      local dir = project('  op.execute("ALTER TABLE nowhere ADD COLUMN y INTEGER")')
      local r = h.run(dir, h.with_url(url, { "upgrade", "head", "--ddl-lock-timeout", "1" }))
      assert.equal(1, r.status, r.stderr)
      assert.matches("r002%.lua:%d+:", r.stderr)
      assert.not_matches("not granted", r.stderr)
      assert.same({ "r001" }, b:versions(url))
    end)

    it("stops a statement that runs longer than statement_timeout", function()
      local dir = project(string.format('  op.execute("%s")', SLEEP[b.tag]:format(20)))
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      local status, err, seconds = start(dir, url, "upgrade head --statement-timeout 1")()
      assert.equal(1, status, err)
      assert.matches("r002%.lua:%d+:", err)
      assert.matches(STATEMENT_TIMEOUT[b.tag], err, 1, true)
      assert.is_true(seconds < 6, tostring(seconds))
      assert.same({ "r001" }, b:versions(url))
    end)
  end)
end

describe("ddl_lock_timeout without a server", function()
  backends.cleanup_after_each()

  it("is accepted and changes nothing on SQLite", function()
    local dir = project()
    local r = h.run_ok(dir, { "-u", "sqlite:app.db", "upgrade", "head", "--ddl-lock-timeout", "0.5",
      "--ddl-lock-retries", "2", "--statement-timeout", "3" })
    assert.not_matches("not granted", r.stderr)
    assert.same({ "r002" }, h.sqlite_versions(dir .. "/app.db"))
  end)

  it("refuses bad values before anything runs", function()
    local dir = project()
    for _, args in ipairs {
      { "--ddl-lock-timeout", "0" }, { "--ddl-lock-retries", "1.5" }, { "--ddl-lock-retries", "x" },
      { "--statement-timeout", "-1" },
    } do
      local r = h.run(dir, { "-u", "sqlite:app.db", "upgrade", "head", args[1], args[2] })
      assert.equal(2, r.status, r.stderr)
    end
    local r = h.run(dir, { "-u", "mysql://u@127.0.0.1:1/db", "upgrade", "--sql", "head", "--ddl-lock-timeout", "1.5" })
    assert.equal(2, r.status, r.stderr)
    assert.matches("whole number of seconds", r.stderr)
    h.write_file(dir .. "/luamig.lua", "return { ddl_lock_retries = -1 }\n")
    r = h.run(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    assert.equal(2, r.status, r.stderr)
    assert.matches("ddl_lock_retries must be a whole number", r.stderr)
    assert.is_nil(io.open(dir .. "/app.db"))
  end)

  it("writes the SETs into --sql scripts, and their resets at the end", function()
    local dir = project()
    local pg = h.run_ok(dir, { "-u", "postgresql://u@h/db", "upgrade", "--sql", "head", "--ddl-lock-timeout", "1.5",
      "--statement-timeout", "30" }).stdout
    assert.matches("SET lock_timeout = '1500ms';\nSET statement_timeout = '30000ms';\n", pg, 1, true)
    assert.matches("RESET lock_timeout;\nRESET statement_timeout;\n$", pg)
    local my = h.run_ok(dir, { "-u", "mariadb://u@h/db", "upgrade", "--sql", "head", "--ddl-lock-timeout", "2",
      "--statement-timeout", "0.5" }).stdout
    assert.matches("SET SESSION lock_wait_timeout = 2;\nSET SESSION max_statement_time = 0.5;\n", my, 1, true)
    assert.matches("SET SESSION lock_wait_timeout = DEFAULT;", my, 1, true)
    local plain = h.run_ok(dir, { "-u", "postgresql://u@h/db", "upgrade", "--sql", "head" }).stdout
    assert.not_matches("lock_timeout", plain)
  end)
end)
