-- Every core command, run as the real executable, on every backend, each
-- test in a fresh database; the database is inspected through the driver.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local EXAMPLE = { "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12" }

-- What the example's revisions declare, as each server reports it.
local LINKS = {
  sqlite = {
    id = "INTEGER NOT NULL null", original_url = "TEXT NOT NULL null",
    short_code = "VARCHAR(16) NOT NULL null", description = "TEXT NULL null",
    created_by = "VARCHAR(100) NULL null", created_at = "DATETIME NOT NULL CURRENT_TIMESTAMP",
    click_count = "INTEGER NOT NULL 0",
  },
  postgres = {
    id = "integer NOT NULL null auto", original_url = "text NOT NULL null",
    short_code = "character varying(16) NOT NULL null", description = "text NULL null",
    created_by = "character varying(100) NULL null",
    created_at = "timestamp without time zone NOT NULL CURRENT_TIMESTAMP", click_count = "integer NOT NULL 0",
  },
  mysql = {
    id = "int NOT NULL null auto", original_url = "text NOT NULL null",
    short_code = "varchar(16) NOT NULL null", description = "text NULL NULL",
    created_by = "varchar(100) NULL NULL", created_at = "datetime NOT NULL current_timestamp()",
    click_count = "int NOT NULL 0",
  },
}

local lines = h.lines

local function error_lines(stderr)
  local t = {}
  for _, l in ipairs(lines(stderr)) do
    if l:match("^luamig: ") then t[#t + 1] = l end
  end
  return t
end

backends.each("luamig", function(b)
  backends.cleanup_after_each()

  -- luamig with -u pointing at this test's database.
  local url
  local function run(dir, args, env) return h.run(dir, h.with_url(url, args), env) end
  local function ok_run(dir, args, env) return h.run_ok(dir, h.with_url(url, args), env) end
  before_each(function() url = b:new_database() end)

  -- A copy of the example project after a successful `luamig args` on this
  -- test's database.
  local function example_after(args)
    local dir = h.example_project()
    ok_run(dir, args)
    return dir
  end

  describe("the example project", function()
    it("round-trips upgrade head, downgrade base, upgrade head", function()
      local dir = example_after { "upgrade", "head" }
      assert.same(b:with_bookkeeping { "clicks", "links" }, b:tables(url))
      assert.same({ EXAMPLE[3] }, b:versions(url))
      assert.same(LINKS[b.tag], b:columns(url, "links"))
      assert.same({ "ix_clicks_link_id" }, b:indexes(url, "clicks"))
      local schema = b:schema(url)

      ok_run(dir, { "downgrade", "base" })
      assert.same(b:with_bookkeeping(), b:tables(url))
      assert.same({}, b:versions(url))

      ok_run(dir, { "upgrade", "head" })
      assert.equal(schema, b:schema(url))
      assert.same({ EXAMPLE[3] }, b:versions(url))
      -- every step is in the history, in order
      local history = b:with(url, function(conn)
        return conn:query("SELECT revision, direction, outcome FROM luamig_history ORDER BY id")
      end)
      assert.equal(9, #history)
      assert.same({ revision = EXAMPLE[3], direction = "down", outcome = "ok" }, history[4])
      assert.same({ revision = EXAMPLE[3], direction = "up", outcome = "ok" }, history[9])
    end)

    it("enforces what the revisions declare: unique, not null, foreign key", function()
      local dir = example_after { "upgrade", "head" }
      b:with(url, function(conn)
        assert(conn:execute("INSERT INTO links (original_url, short_code) VALUES ('https://a', 'a')"))
        local ok, err = conn:execute("INSERT INTO links (original_url, short_code) VALUES ('https://b', 'a')")
        assert.is_nil(ok)
        -- SQLite/PostgreSQL say "unique", MySQL "Duplicate entry"
        assert.is_truthy(err:lower():find("unique", 1, true) or err:find("Duplicate entry", 1, true), err)
        ok = conn:execute("INSERT INTO links (short_code) VALUES ('c')")
        assert.is_nil(ok)
        local row = conn:first("SELECT click_count FROM links WHERE short_code = 'a'")
        assert.equal(0, row.click_count)
      end)
    end)

    it("runs the data migration through op.get_bind()", function()
      local dir = example_after { "upgrade", "9b7e" }
      b:with(url, function(conn)
        assert(conn:execute("INSERT INTO links (id, original_url, short_code) VALUES (1, 'https://a', 'a')"))
        assert(conn:execute("INSERT INTO links (id, original_url, short_code) VALUES (2, 'https://b', 'b')"))
        for _, link in ipairs { 1, 1, 1, 2 } do
          assert(conn:execute("INSERT INTO clicks (link_id) VALUES (?)", link))
        end
      end)
      ok_run(dir, { "upgrade", "+1" })
      local rows = b:with(url, function(conn)
        return conn:query("SELECT id, click_count FROM links ORDER BY id")
      end)
      assert.same({ { id = 1, click_count = 3 }, { id = 2, click_count = 1 } }, rows)
    end)

    it("shows current, heads, history and show", function()
      local dir = h.example_project()
      assert.equal("", ok_run(dir, { "current" }).stdout)
      ok_run(dir, { "upgrade", "+2" })
      assert.equal("9b7e21c4d8a0\n", ok_run(dir, { "current" }).stdout)
      ok_run(dir, { "upgrade" })
      assert.equal("c3d5e7f90a12 (head)\n", ok_run(dir, { "current" }).stdout)
      assert.equal("c3d5e7f90a12 (head)\n", ok_run(dir, { "heads" }).stdout)
      assert.same({
        "9b7e21c4d8a0 -> c3d5e7f90a12 (head), count clicks per link",
        "4f1c0a9be2d3 -> 9b7e21c4d8a0, create clicks",
        "<base> -> 4f1c0a9be2d3, create links",
      }, lines(ok_run(dir, { "history" }).stdout))
      local show = ok_run(dir, { "show", "9b7e" }).stdout
      assert.matches("Rev: 9b7e21c4d8a0\n", show, 1, true)
      assert.matches("Parent: 4f1c0a9be2d3\n", show, 1, true)
      assert.matches("Path: migrations/versions/9b7e21c4d8a0_create_clicks.lua", show, 1, true)
      local verbose = ok_run(dir, { "current", "-v" }).stdout
      assert.matches("Current revision(s) for ", verbose, 1, true)
      assert.matches("Rev: c3d5e7f90a12 (head)", verbose, 1, true)
    end)

    it("steps with relative targets and stops at the ends", function()
      local dir = example_after { "upgrade", "+1" }
      assert.same({ EXAMPLE[1] }, b:versions(url))
      ok_run(dir, { "upgrade", "+2" })
      assert.same({ EXAMPLE[3] }, b:versions(url))
      ok_run(dir, { "downgrade", "-1" })
      assert.same({ EXAMPLE[2] }, b:versions(url))
      local r = run(dir, { "upgrade", "+5" })
      assert.equal(2, r.status)
      assert.same({ EXAMPLE[2] }, b:versions(url))
      r = run(dir, { "downgrade", "-3" })
      assert.equal(2, r.status)
      assert.same({ EXAMPLE[2] }, b:versions(url))
    end)

    it("refuses to upgrade to a revision below the current one, and the reverse", function()
      local dir = example_after { "upgrade", "head" }
      local before = b:schema(url)
      local r = run(dir, { "upgrade", "4f1c0a9be2d3" })
      assert.equal(2, r.status)
      assert.matches("^luamig: .*4f1c0a9be2d3", r.stderr)
      assert.matches("downgrade", r.stderr)
      assert.equal(before, b:schema(url))
      ok_run(dir, { "downgrade", "4f1c" })
      r = run(dir, { "downgrade", "c3d5e7f90a12" })
      assert.equal(2, r.status)
      assert.matches("upgrade", r.stderr)
      assert.same({ EXAMPLE[1] }, b:versions(url))
    end)

    it("stamps without running revisions", function()
      local dir = example_after { "stamp", "head" }
      assert.same({ EXAMPLE[3] }, b:versions(url))
      assert.same(b:with_bookkeeping(), b:tables(url))
      ok_run(dir, { "stamp", "base" })
      assert.same({}, b:versions(url))
    end)
  end)

  it("quotes every identifier: tables named order and my \"table\" work", function()
    local dir = h.project {
      ["migrations/versions/q1.lua"] = h.revision_text("q1", {
        up = [[op.create_table("order", Column("id", Integer, { primary_key = true }),
      Column("select", String(20), { nullable = false, server_default = "it's" }))
    op.create_table('my "table"', Column("from", Integer, { references = "order.id" }))
    op.create_index("ix_order_select", "order", { "select" }, { unique = true })
    op.add_column('my "table"', Column("group", Boolean, { server_default = true }))
    op.rename_table('my "table"', "my `other`")
    op.bulk_insert("order", { { id = 1, select = "a" }, { id = 2 } })]],
        down_body = [[op.drop_table("my `other`")
    op.drop_index("ix_order_select", "order")
    op.drop_table("order")]],
      }),
    }
    ok_run(dir, { "upgrade", "head" })
    assert.same(b:with_bookkeeping { "my `other`", "order" }, b:tables(url))
    assert.truthy(b:columns(url, "my `other`").group)
    local rows = b:with(url, function(conn)
      return conn:query("SELECT id, " .. conn:quote_ident("select") .. " AS s FROM "
        .. conn:quote_ident("order") .. " ORDER BY id")
    end)
    assert.same({ { id = 1, s = "a" }, { id = 2, s = "it's" } }, rows)
    ok_run(dir, { "downgrade", "base" })
    assert.same(b:with_bookkeeping(), b:tables(url))
  end)

  describe("a failing revision", function()
    local function project(bad_up)
      return h.project {
        ["migrations/versions/a1_good.lua"] = h.revision_text("a1", {
          up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))',
          down_body = 'op.drop_table("t")',
        }),
        ["migrations/versions/b2_bad.lua"] = h.revision_text("b2", { down = "a1", up = bad_up }),
      }
    end

    -- luamig upgrade head in dir fails with exit 1 and one error line:
    -- returns dir, the run and that line.
    local function fails(dir)
      local r = run(dir, { "upgrade", "head" })
      assert.equal(1, r.status)
      local errs = error_lines(r.stderr)
      assert.equal(1, #errs)
      return dir, r, errs[1]
    end

    if b.tag ~= "mysql" then
      it("rolls back that revision whole and names file:line, exit 1", function()
        local dir, r, err = fails(project('op.create_table("u", Column("id", Integer))\n'
          .. '  op.add_column("u", Column("x", Integer))\n  error("boom")'))
        assert.equal("luamig: upgrade b2 failed: migrations/versions/b2_bad.lua:8: boom", err)
        assert.is_nil(r.stderr:find("traceback", 1, true))
        assert.same(b:with_bookkeeping { "t" }, b:tables(url))
        assert.same({ "a1" }, b:versions(url))
        r = run(dir, { "-v", "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("stack traceback", r.stderr, 1, true)
      end)

      it("a transactional = false revision that fails is recorded, not rolled back", function()
        local dir = h.project {
          ["migrations/versions/a1_good.lua"] = h.revision_text("a1", {
            up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))',
          }),
          ["migrations/versions/b2_bad.lua"] = h.revision_text("b2", { down = "a1",
            up = 'op.create_table("u", Column("id", Integer))\n  error("boom")' })
            :gsub("\nfunction upgrade", "\ntransactional = false\nfunction upgrade", 1),
        }
        local r = run(dir, { "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("runs outside a transaction (transactional = false)", r.stderr, 1, true)
        assert.matches("luamig stamp a1", r.stderr, 1, true)
        assert.same(b:with_bookkeeping { "t", "u" }, b:tables(url))
        assert.same({ "a1" }, b:versions(url))
        r = run(dir, { "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("the upgrade of revision b2 started at .* did not finish %(failed", r.stderr)
      end)

      it("shows the server's message and SQLSTATE for failing SQL and leaves nothing behind", function()
        local _, _, err = fails(project('op.create_table("u", Column("id", Integer))\n'
          .. '  op.execute("INSERT INTO nowhere VALUES (1)")'))
        assert.matches("luamig: upgrade b2 failed: migrations/versions/b2_bad.lua:7:", err, 1, true)
        assert.matches("nowhere", err, 1, true)
        if b.tag == "postgres" then assert.matches("[SQLSTATE 42P01]", err, 1, true) end
        assert.same(b:with_bookkeeping { "t" }, b:tables(url))
        assert.same({ "a1" }, b:versions(url))
      end)
    else
      it("records the half-applied revision, says how to recover, and refuses to go on", function()
        local dir = project('op.create_table("u", Column("id", Integer))\n'
          .. '  op.add_column("u", Column("x", Integer))\n'
          .. '  op.execute("INSERT INTO nowhere VALUES (1)")')
        local r = run(dir, { "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("luamig: upgrade b2 failed: migrations/versions/b2_bad.lua:8:", r.stderr, 1, true)
        assert.matches("[SQLSTATE 42S02]", r.stderr, 1, true)
        assert.matches("MySQL commits DDL at once", r.stderr, 1, true)
        assert.matches("CREATE TABLE `u`", r.stderr, 1, true)
        assert.matches("ALTER TABLE `u` ADD", r.stderr, 1, true)
        assert.matches("luamig stamp a1", r.stderr, 1, true)
        -- MySQL kept the DDL: the state is recorded, not hidden
        assert.same(b:with_bookkeeping { "t", "u" }, b:tables(url))
        assert.same({ "a1" }, b:versions(url))
        local last = b:with(url, function(conn)
          return conn:first("SELECT revision, outcome FROM luamig_history ORDER BY id DESC LIMIT 1")
        end)
        assert.same({ revision = "b2", outcome = "failed" }, last)
        -- a later run refuses instead of re-running DDL on a half-changed schema
        r = run(dir, { "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("the upgrade of revision b2 started at .* did not finish %(failed", r.stderr)
        assert.matches("luamig stamp REV", r.stderr, 1, true)
        -- recover: undo by hand, stamp, fix the revision, upgrade
        b:with(url, function(conn) assert(conn:execute("DROP TABLE u")) end)
        ok_run(dir, { "stamp", "a1" })
        h.write_file(dir .. "/migrations/versions/b2_bad.lua", h.revision_text("b2", {
          down = "a1", up = 'op.create_table("u", Column("id", Integer))' }))
        ok_run(dir, { "upgrade", "head" })
        assert.same({ "b2" }, b:versions(url))
      end)
    end
  end)

  if b.tag == "postgres" then
    it("shows the server's notices with -v, and only then", function()
      local dir = h.project {
        ["migrations/versions/a1.lua"] = h.revision_text("a1", {
          up = [[op.execute("DO $$ BEGIN RAISE NOTICE 'hello from a1'; END $$")]],
        }),
      }
      local r = run(dir, { "-v", "upgrade", "head" })
      assert.equal(0, r.status, r.stderr)
      assert.matches("NOTICE: hello from a1", r.stderr, 1, true)
      ok_run(dir, { "downgrade", "base" })
      r = run(dir, { "upgrade", "head" })
      assert.is_nil(r.stderr:find("hello from a1", 1, true))
    end)
  end

  if b.tag ~= "sqlite" then
    describe("connection failures", function()
      local u
      before_each(function() u = assert(require("luamig.config").parse_url(b.admin_url)) end)

      local function server_url(user, password, port, database)
        return string.format("%s://%s:%s@127.0.0.1:%s/%s", b.tag == "postgres" and "postgresql" or "mysql",
          user, password, port, database)
      end

      it("a wrong password is named without the password", function()
        local dir = h.example_project()
        local bad = server_url(u.user, "not-the-password-42", u.port, "nodb")
        local r = h.run(dir, { "-u", bad, "upgrade", "head" })
        assert.equal(1, r.status)
        assert.matches("^luamig: cannot connect to ", r.stderr)
        assert.matches(":***@127.0.0.1", r.stderr, 1, true)
        assert.is_nil(r.stderr:find("not-the-password-42", 1, true))
      end)

      it("a refused port fails within the connect timeout", function()
        local dir = h.example_project()
        local bad = server_url(u.user, u.password, "1", "x") .. "?connect_timeout=2"
        local t0 = os.time()
        local r = h.run(dir, { "-u", bad, "current" })
        assert.equal(1, r.status)
        assert.matches("^luamig: cannot connect to ", r.stderr)
        assert.is_nil(r.stderr:find(u.password, 1, true))
        assert.is_true(os.time() - t0 <= 5)
      end)

      it("a database that does not exist is named", function()
        local dir = h.example_project()
        local r = h.run(dir, { "-u", server_url(u.user, u.password, u.port, "no_such_db_x"), "upgrade" })
        assert.equal(1, r.status)
        assert.matches("no_such_db_x", r.stderr, 1, true)
        assert.is_nil(r.stderr:find(u.password, 1, true))
      end)

      it("a connection lost in the middle of a revision exits non-zero and leaves a known state", function()
        local sleep = b.tag == "postgres" and "SELECT pg_sleep(30)" or "SELECT SLEEP(30)"
        local dir = h.project {
          ["migrations/versions/a1.lua"] = h.revision_text("a1", {
            up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))\n'
              .. '  op.execute("' .. sleep .. '")',
          }),
        }
        local status_file = dir .. "/status"
        os.execute(string.format("(cd %s && %s -u %s upgrade head >out 2>err; echo $? >%s) &",
          h.shell_quote(dir), h.shell_quote(h.bin), h.shell_quote(url), h.shell_quote(status_file)))
        -- find the sleeping session from a second connection and end it
        local killed = false
        for _ = 1, 100 do
          killed = b:with(b.admin_url, function(conn)
            local row
            if b.tag == "postgres" then
              row = conn:first("SELECT pid FROM pg_stat_activity WHERE query = ? AND state = 'active'", sleep)
              if row then assert(conn:query("SELECT pg_terminate_backend(?)", row.pid)) end
            else
              row = conn:first("SELECT id FROM information_schema.processlist WHERE info = ?", sleep)
              if row then assert(conn:execute("KILL " .. math.tointeger(row.id))) end
            end
            return row ~= nil
          end)
          if killed then break end
          os.execute("sleep 0.1")
        end
        assert.is_true(killed)
        local status
        for _ = 1, 100 do
          status = tonumber(h.read_file(status_file):match("%d+"))
          if status then break end
          os.execute("sleep 0.1")
        end
        assert.equal(1, status)
        local err = h.read_file(dir .. "/err")
        assert.matches("luamig: upgrade a1 failed:", err, 1, true)
        assert.same({}, b:versions(url))
        if b.tag == "postgres" then
          -- the revision's transaction died with the session, and the
          -- bookkeeping tables made in it with it: nothing left
          assert.same({}, b:tables(url))
        else
          -- MySQL: the step stays recorded as running; the next run says so
          local r = run(dir, { "upgrade", "head" })
          assert.equal(1, r.status)
          assert.matches("revision a1 .* did not finish %(luamig was stopped while it ran: killed, or its connection lost%)", r.stderr)
        end
      end)
    end)
  end
end)
