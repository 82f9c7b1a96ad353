-- How a failing step ends, on every backend: the message names the
-- revision file and line whatever raised (luamig.script.failure), a value
-- returned by upgrade() fails the step, the database is as it was, and
-- where part of a step was committed (MySQL DDL, op.autocommit_block,
-- transactional = false) the recovery text lists exactly what stays
-- applied, and later runs wait until every unfinished step is settled.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local snapshot = require("helpers.snapshot")

-- The first lines of every revision_text body: line 6 is the body's first.
local BODY_LINE = 6

local function create(name)
  return string.format('op.create_table(%q, Column("id", Integer, { primary_key = true }))', name)
end

-- The rows of t_001, for what a failure kept.
local function t_rows(b, url)
  return b:with(url, function(conn) return assert(conn:query("SELECT id FROM t_001 ORDER BY id")) end)
end

-- The error lines of stderr.
local function one_error_line(stderr)
  local lines = {}
  for line in stderr:gmatch("[^\n]+") do
    if not line:match("^Running ") then lines[#lines + 1] = line end
  end
  return lines
end

local INTERNAL = { "lua/luamig/", "luamig/[%w_/]+%.lua:%d", '%[string "luamig' }

local function assert_no_internal_path(text)
  for _, pattern in ipairs(INTERNAL) do assert.not_matches(pattern, text) end
end

backends.each("failing steps", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  -- A history row saying that someone else's luamig is running r002 in
  -- server session `session`.
  local function running_in_session(session)
    b:with(url, function(conn)
      assert(conn:execute("INSERT INTO luamig_history (revision, direction, outcome, started_at, applied_by,"
        .. " message) VALUES ('r002', 'up', 'running', '2026-12-05T10:00:00.000Z', 'someone@elsewhere pid 1', ?)",
        "running in server session " .. tostring(session)))
    end)
  end

  -- r001 makes t_001; r002's body is `body`, after an INSERT into t_001
  -- (which the failure must take back too).
  local function project(body, extra_files)
    local files = {
      ["migrations/versions/r001.lua"] = h.revision_text("r001", { up = create("t_001") }),
      ["migrations/versions/r002.lua"] = h.revision_text("r002", { down = "r001",
        up = 'op.execute("INSERT INTO t_001 (id) VALUES (7)")\n' .. body }),
    }
    for k, v in pairs(extra_files or {}) do files[k] = v end
    local dir = h.project(files)
    h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
    return dir
  end

  -- r002 with `body` fails: exit 1, one line naming r002.lua:`line` and
  -- holding `text`, no luamig path, the database as it was.
  local function fails_at(body, line, text)
    local dir = project(body)
    local before = snapshot.take(b, url)
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status, r.stderr)
    local lines = one_error_line(r.stderr)
    assert.equal(1, #lines, r.stderr)
    local prefix = string.format("luamig: upgrade r002 failed: migrations/versions/r002.lua:%d: ", line)
    assert.equal(prefix, lines[1]:sub(1, #prefix), r.stderr)
    assert.matches(text, lines[1], 1, true)
    assert_no_internal_path(r.stderr)
    assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
  end

  describe("name the revision's file and line, whatever raised or was not understood", function()
    local cases = {
      { "error({})", "error raised with a table value and no message" },
      { "error(nil)", "error raised with no value" },
      { 'error(setmetatable({}, { __tostring = function() return "custom failure" end }))', "custom failure" },
      { 'error("said without a position", 0)', "said without a position" },
      { 'op.execute("SELECT ?", 1, 2)', "statement has 1 parameters, 2 values given" },
      { 'op.get_bind():execute("SELECT ?", 1, 2)', "statement has 1 parameters, 2 values given" },
      { 'op.get_bind():query("SELECT * FROM no_such_table")', "no_such_table" },
      { 'op.get_bind():prepare("SELECT ?"):execute(1, 2)', "statement has 1 parameters, 2 values given" },
      { 'op.bulk_insert("t_001", { { id = 8, no_such_column = 1 } })', "no_such_column" },
      { 'for row in op.get_bind():rows("SELECT * FROM no_such_table") do end', "no_such_table" },
      -- arguments and options that are not understood
      { 'op.bulk_insert("t_001", { id = 8 })', 'op.bulk_insert: rows must be a list of rows, but it has the key'
        .. ' string "id" (one row? write it as a list of one: { { ... } })' },
      { 'op.bulk_insert("t_001", { { id = 8 }, [3] = { id = 9 } })', "the key number 3 beyond the list's length" },
      { 'op.get_bind({ decimal = "number" })', 'op.get_bind: unknown option string "decimal"' },
      { 'op.drop_table("t_001", nil, "now")', 'op.drop_table: unexpected argument #3 (string "now")' },
      { 'op.add_column("t_001", Column("x", Integer, {}, "extra"))', 'Column "x": unexpected argument #4' },
      { 'op.execute(sql("SELECT 1", "x"))', "sql: unexpected argument #2" },
      { 'op.batch_alter_table("t_001", function(b) b:drop_column("id", {}, 3) end)',
        "op.batch_alter_table: drop_column: unexpected argument #3 (number 3)" },
      { 'op.bulk_insert("t_001", { { id = nul } })', "undefined global 'nul'" },
    }
    for _, case in ipairs(cases) do
      it(case[1], function() fails_at(case[1], BODY_LINE + 1, case[2]) end)
    end
  end)

  describe("take a value returned by upgrade() as a failure", function()
    local cases = {
      { 'return nil, "no rows to migrate"', 'upgrade() returned nil, "no rows to migrate": the step failed' },
      { "return true", "upgrade() returned true: a revision function returns nothing" },
      { "return op", "upgrade() returned a table" },
      { "return false", "upgrade() returned false" },
    }
    for _, case in ipairs(cases) do
      -- named at the line where upgrade() is defined
      it(case[1], function() fails_at(case[1], BODY_LINE - 1, case[2]) end)
    end

    it("and returning nothing, or nil, succeeds", function()
      local dir = project("return nil")
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      assert.same({ "r002" }, b:versions(url))
    end)
  end)

  if b.tag ~= "mysql" then  -- where the step, its version row and its history row commit together
    it("take the step back when its version row is not there to update (the run's check of the row count)", function()
      local dir = project('op.execute("DELETE FROM luamig_version")')
      local before = snapshot.take(b, url)
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status, r.stderr)
      assert.same({ "luamig: upgrade r002 failed: version table: expected one row r001 in luamig_version to update"
        .. " to r002, found 0" }, one_error_line(r.stderr))
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      assert.same({ "r001" }, b:versions(url))
    end)
  end

  if b.tag == "postgres" then  -- the version and history rows go with the COMMIT, in one round trip
    it("take the step back when its COMMIT fails (a deferred constraint), its bookkeeping with it", function()
      local dir = project('op.execute("CREATE TABLE t_deferred (x INT, CONSTRAINT t_deferred_x UNIQUE (x)'
        .. ' DEFERRABLE INITIALLY DEFERRED)")\n  op.execute("INSERT INTO t_deferred VALUES (1), (1)")')
      local before = snapshot.take(b, url)
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status, r.stderr)
      assert.matches('^luamig: upgrade r002 failed: duplicate key value violates unique constraint "t_deferred_x"',
        one_error_line(r.stderr)[1])
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      assert.same({ "r001" }, b:versions(url))
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))  -- no unfinished step refuses the next run
    end)
  end

  if b.tag == "mysql" then  -- the version and history rows are queued after the body, with their START TRANSACTION
    it("take the step back when its version row is not there to update (MySQL: nothing of it committed)", function()
      local dir = project('op.execute("DELETE FROM luamig_version")')
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
      local before = snapshot.take(b, url)
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status, r.stderr)
      assert.matches("^luamig: upgrade r002 failed: version table: expected one row r001 in luamig_version to update"
        .. " to r002, found 0", one_error_line(r.stderr)[1])
      -- the body's INSERT and DELETE rolled back with the queued rows, and
      -- the step's running row removed again: nothing to settle
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      assert.same({ "r001" }, b:versions(url))
      assert.same({}, t_rows(b, url))
      h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))  -- no unfinished step refuses the next run
    end)

    -- After DDL the version and history rows are a transaction of their
    -- own, sent with its COMMIT: one statement moves the version row and
    -- closes the running row, both or neither, and the count tells.
    for _, case in ipairs {
      { "the version row", 'op.execute("DELETE FROM luamig_version")', {} },
      { "the running row", 'op.execute("DELETE FROM luamig_history WHERE revision = \'r002\'")', { "r001" } },
    } do
      it("find " .. case[1] .. " gone after the body's DDL: the COMMIT that carried both rows changed neither",
        function()
          local dir = project(case[2] .. "\n" .. create("t_002"))
          h.run_ok(dir, h.with_url(url, { "upgrade", "r001" }))
          local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
          assert.equal(1, r.status, r.stderr)
          assert.matches("^luamig: upgrade r002 failed: version table: expected one row r001 in luamig_version to"
            .. " update to r002 and the running row %d+ in luamig_history to close: one of them is not there, and"
            .. " neither changed$", one_error_line(r.stderr)[1])
          assert.same(case[3], b:versions(url))  -- not moved to r002
        end)
    end
  end

  it("leave no bookkeeping tables when the first run fails" .. (b.tag == "mysql" and " (MySQL: recorded)" or ""),
    function()
      local dir = h.project {
        ["migrations/versions/r001.lua"] = h.revision_text("r001", { up = create("t_001") .. '\nerror("boom")' }),
      }
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status)
      if b.tag == "mysql" then
        -- MySQL made the tables before the step (DDL cannot roll back),
        -- the lock's table with them
        assert.same({ "luamig_history", "luamig_version", "luamig_version_lock", "t_001" }, b:tables(url))
      else
        assert.same({}, b:tables(url))
      end
    end)

  it("keep refusing an unfinished step after verify --accept (every unsettled step counts)", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = h.revision_text("r001", { up = create("t_001")
        .. '\nop.autocommit_block(function() op.execute("INSERT INTO t_001 (id) VALUES (1)") end)'
        .. '\nerror("half-way")' }),
      ["migrations/versions/r002.lua"] = h.revision_text("r002", { down = "r001", up = create("t_002") }),
    }
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status)
    assert.matches("were committed and stay applied", r.stderr, 1, true)
    h.run_ok(dir, h.with_url(url, { "verify", "--accept", "r001" }))
    local before = snapshot.take(b, url)
    r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status)
    assert.matches("the upgrade of revision r001 started at .* did not finish %(failed: [^)]*half%-way%)", r.stderr)
    assert.matches("the version table says base", r.stderr, 1, true)
    assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
    -- settled by stamping what is really there, the run goes on
    h.run_ok(dir, h.with_url(url, { "stamp", "r001" }))
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "r002" }, b:versions(url))
  end)

  it("list exactly the committed statements, in order, repeats counted", function()
    local dir = h.project {
      ["migrations/versions/r001.lua"] = h.revision_text("r001", { up = create("t_001") }),
      ["migrations/versions/r002.lua"] = "transactional = false\n" .. h.revision_text("r002", { down = "r001",
        up = 'local db = op.get_bind()\nfor i = 1, 3 do db:execute("INSERT INTO t_001 (id) VALUES (?)", i) end\n'
          .. 'op.execute("UPDATE t_001 SET id = id + 10 WHERE id = 1")\nerror("stop")' }),
    }
    local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status)
    local expected = table.concat({
      "Revision r002 runs outside a transaction (transactional = false): these statements ran and stay"
        .. " applied, in this order:",
      "  INSERT INTO t_001 (id) VALUES (?)  (3 times)",
      "  UPDATE t_001 SET id = id + 10 WHERE id = 1",
      "The version table says r001, and the step is recorded as failed in luamig_history.",
    }, "\n")
    assert.matches(expected, r.stderr, 1, true)
    assert.same({ { id = 2 }, { id = 3 }, { id = 11 } }, t_rows(b, url))
  end)

  if b.tag == "sqlite" then
    it("fail a step whose statement made SQLite roll the transaction back, even when the revision caught the"
      .. " error, as one that committed nothing", function()
      -- INSERT OR ROLLBACK rolls the whole transaction back on a conflict:
      -- no transaction-control statement for the guard to refuse, so its
      -- backstop sees the transaction gone, and knows it was a rollback
      local dir = project(create("t_x") .. '\nop.execute("INSERT INTO t_x (id) VALUES (1)")'
        .. '\npcall(function() op.get_bind():execute("INSERT OR ROLLBACK INTO t_x (id) VALUES (1)") end)')
      local before = snapshot.take(b, url)
      for _ = 1, 2 do  -- nothing recorded: the second run fails the same way, not on an unfinished step
        local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        assert.equal(1, r.status, r.stderr)
        assert.same({ "luamig: upgrade r002 failed: migrations/versions/r002.lua: the revision's transaction was"
          .. ' rolled back by the database when "INSERT OR ROLLBACK INTO t_x (id) VALUES (1)" failed, so nothing'
          .. " more runs in it" }, one_error_line(r.stderr))
        assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      end
    end)
  end

  if b.tag == "mysql" then
    it("MySQL: a step that committed nothing failed cleanly and needs no repair", function()
      local dir = project('op.execute("UPDATE t_001 SET id = 8 WHERE id = 7")\nerror("before any DDL")')
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status)
      -- one line, as a failure in a transaction
      assert.same({ "luamig: upgrade r002 failed: migrations/versions/r002.lua:8: before any DDL" },
        one_error_line(r.stderr))
      assert.same({}, t_rows(b, url))
      -- no trace: the running row is gone again
      local last = b:with(url, function(conn)
        return conn:first("SELECT revision, outcome FROM luamig_history ORDER BY id DESC LIMIT 1")
      end)
      assert.same({ revision = "r001", outcome = "ok" }, last)
      -- fixed, it runs: nothing to settle first
      h.write_file(dir .. "/migrations/versions/r002.lua", h.revision_text("r002", { down = "r001",
        up = create("t_002") }))
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      assert.same({ "r002" }, b:versions(url))
    end)

    it("MySQL: DML before DDL is committed by the DDL and listed with it", function()
      local dir = project(create("t_002") .. '\nop.execute("INSERT INTO nowhere VALUES (1)")')
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status)
      assert.matches("commits DDL at once: these statements of r002 were committed and stay applied, in this"
        .. " order:\n  INSERT INTO t_001 (id) VALUES (7)\n  CREATE TABLE `t_002` (", r.stderr, 1, true)
      assert.same({ { id = 7 } }, t_rows(b, url))
    end)
  end

  if b.tag ~= "sqlite" then
    if b.tag == "postgres" then
      it("call a step stopped when its server session is there but idle, as a pooler's is", function()
        -- Behind pgbouncer the server session that ran a step lives on
        -- after luamig is gone, idle or serving others.
        local dir = project(create("t_002"))
        local pooled = b:connect(url)
        local session = assert(pooled:first("SELECT pg_backend_pid() AS id")).id
        running_in_session(session)
        local before = snapshot.take(b, url)
        local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        pooled:close()
        assert.equal(1, r.status)
        assert.matches("did not finish (luamig was stopped while it ran: killed, or its connection lost)", r.stderr,
          1, true)
        assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      end)
    end

    it("do not call a step stopped while its server session is still there", function()
      local dir = project(create("t_002"))
      -- a step recorded as running by a session that is still connected
      local holder = b:connect(url)
      local session = assert(holder:first(b.tag == "postgres" and "SELECT pg_backend_pid() AS id"
        or "SELECT CONNECTION_ID() AS id")).id
      -- PostgreSQL: busy, in a transaction (an idle session may be a
      -- pooler's, serving other clients; see the next spec)
      if b.tag == "postgres" then assert(holder:begin()); assert(holder:first("SELECT 1 AS one")) end
      running_in_session(session)
      local before = snapshot.take(b, url)
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status)
      assert.matches("has not finished: it is still running, or its statement still is, in server session "
        .. tostring(session), r.stderr, 1, true)
      assert.not_matches("stopped while it ran", r.stderr)
      local rep = h.run(dir, h.with_url(url, { "repair" }))
      assert.equal(1, rep.status)
      assert.matches("may still be running in server session " .. tostring(session), rep.stderr, 1, true)
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      -- once that session is gone, it was stopped
      holder:close()
      local gone
      for _ = 1, 50 do
        r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        gone = r.stderr:find("stopped while it ran", 1, true)
        if gone then break end
        os.execute("sleep 0.1")
      end
      assert.truthy(gone, r.stderr)
      assert.matches("the version table says r001", r.stderr, 1, true)
      h.run_ok(dir, h.with_url(url, { "repair" }))
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      assert.same({ "r002" }, b:versions(url))
    end)
  end
end)
