-- A transactional revision cannot end the transaction luamig runs it in.
-- Its own COMMIT (or END, ROLLBACK, BEGIN...) used to go unnoticed: a
-- later failure left the changes before it behind, and a revision that
-- committed and then succeeded exited 1 yet recorded its version. Such a
-- statement is now refused before it runs, by the connection's transaction
-- guard (runner/drivers/driver.h), whatever path it takes (op.execute, a script of
-- several statements, op.get_bind()'s execute, prepare, inside savepoint),
-- and the database is exactly as it was. Savepoints keep working; a
-- `transactional = false` revision and an op.autocommit_block may commit.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local snapshot = require("helpers.snapshot")

local BASE = "migrations/versions/a0_base.lua"
local BAD = "migrations/versions/a1_bad.lua"
local ADVICE = "set transactional = false in the revision, or run the statement inside op.autocommit_block()"

local BASE_BODY = [[
  op.create_table("t", Column("id", Integer, { primary_key = true }))
  op.bulk_insert("t", { { id = 1 } })]]

-- The revision's body around the statement under test, which is on line 7
-- of the file: a change before it, which must not stay, and one after.
local function around(line)
  return '  op.bulk_insert("t", { { id = 2 } })\n  ' .. line .. '\n  op.bulk_insert("t", { { id = 3 } })'
end

-- Each case: a name, the revision's line 7, and the statement the refusal
-- names (nil: the backend's server refuses it by itself, as a syntax error
-- or a statement it cannot run in a transaction). `only`: its backends.
local REFUSED = {
  { "op.execute(\"COMMIT\")", 'op.execute("COMMIT")', "COMMIT" },
  { "a lower-case commit; after comments", 'op.execute("-- done here\\n/* really */ commit;")', "commit" },
  { "END", 'op.execute("END")', { sqlite = "END", postgres = "END" } },
  { "BEGIN", 'op.execute("BEGIN")', "BEGIN" },
  { "ROLLBACK", 'op.execute("ROLLBACK")', "ROLLBACK" },
  { "START TRANSACTION", 'op.execute("START TRANSACTION")',
    { postgres = "START TRANSACTION", mysql = "START TRANSACTION" } },
  { "a COMMIT in the middle of a script", 'op.execute("INSERT INTO t VALUES (5); COMMIT; INSERT INTO t VALUES (6)")',
    "COMMIT" },
  { "op.get_bind():execute(\"COMMIT\")", 'op.get_bind():execute("COMMIT")', "COMMIT" },
  { "a prepared COMMIT", 'op.get_bind():prepare("COMMIT"):execute()', "COMMIT" },
  { "COMMIT inside savepoint()", 'op.get_bind():savepoint(function(db) db:execute("COMMIT") end)', "COMMIT" },
  { "ROLLBACK inside savepoint()", 'op.get_bind():savepoint(function(db) db:execute("INSERT INTO t VALUES (7)");'
    .. ' db:execute("ROLLBACK") end)', "ROLLBACK" },
  { "ABORT", 'op.execute("ABORT")', "ABORT", only = { postgres = true } },
  { "PREPARE TRANSACTION", 'op.execute("PREPARE TRANSACTION \'luamig_x\'")', "PREPARE TRANSACTION 'luamig_x'",
    only = { postgres = true } },
  { "COMMIT PREPARED", 'op.execute("COMMIT PREPARED \'luamig_x\'")', "COMMIT PREPARED 'luamig_x'",
    only = { postgres = true } },
  { "ROLLBACK PREPARED", 'op.execute("ROLLBACK PREPARED \'luamig_x\'")', "ROLLBACK PREPARED 'luamig_x'",
    only = { postgres = true } },
  { "COMMIT AND CHAIN", 'op.execute("COMMIT AND CHAIN")', "COMMIT AND CHAIN", only = { postgres = true, mysql = true } },
  { "SET autocommit = 1", 'op.execute("SET autocommit = 1")', "SET autocommit = 1", only = { mysql = true } },
  { "SET SESSION autocommit", 'op.execute("SET @x = 1, SESSION autocommit = 1")', "SET @x = 1, SESSION autocommit = 1",
    only = { mysql = true } },
  { "LOCK TABLES", 'op.execute("LOCK TABLES t WRITE")', "LOCK TABLES t WRITE", only = { mysql = true } },
  { "XA START", 'op.execute("XA START \'luamig_x\'")', "XA START 'luamig_x'", only = { mysql = true } },
  { "COMMIT in an executable comment", 'op.execute("/*!40101 COMMIT */")', "COMMIT", only = { mysql = true } },
  { "COMMIT in a BEGIN NOT ATOMIC block", 'op.execute("BEGIN NOT ATOMIC INSERT INTO t VALUES (8); COMMIT; END")',
    "BEGIN NOT ATOMIC INSERT INTO t VALUES (8); COMMIT; END", only = { mysql = true } },
  -- What the keywords cannot tell: a procedure or a DO block that commits.
  -- PostgreSQL itself refuses a COMMIT inside them in a transaction block
  -- (2D000, "invalid transaction termination"); were it ever to run, the
  -- guard's backstop would fail the step (driver_postgres_spec).
  { "CALL of a procedure that commits", 'op.execute("CALL commits()")', nil, only = { postgres = true } },
  { "a DO block that commits", 'op.execute("DO $$ BEGIN INSERT INTO t VALUES (9); COMMIT; END $$")', nil,
    only = { postgres = true } },
}

local PROCEDURE = [[

  op.execute("CREATE PROCEDURE commits() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (9); COMMIT; END $$")]]

backends.each("transaction control in a revision", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  -- A project at a0 (table t with one row); a1's body is `up`.
  local function project(up, opts)
    opts = opts or {}
    local base = BASE_BODY .. (b.tag == "postgres" and PROCEDURE or "")
    local text = h.revision_text("a1", { down = "a0", up = up })
    if opts.non_transactional then text = text:gsub("\nfunction upgrade", "\ntransactional = false\nfunction upgrade", 1) end
    local dir = h.project { [BASE] = h.revision_text("a0", { up = base }), [BAD] = text }
    h.run_ok(dir, h.with_url(url, { "upgrade", "a0" }))
    return dir
  end
  local function ids()
    return b:with(url, function(conn)
      local out = {}
      for i, r in ipairs(assert(conn:query("SELECT id FROM t ORDER BY id"))) do out[i] = r.id end
      return out
    end)
  end
  -- upgrade head succeeds in dir: the version is a1 and t holds the ids
  -- `want` (nil: not looked at).
  local function upgraded(dir, want)
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.same({ "a1" }, b:versions(url))
    if want then assert.same(want, ids()) end
  end

  for _, case in ipairs(REFUSED) do
    local name, line, named = case[1], case[2], case[3]
    if type(named) == "table" then named = named[b.tag] end
    if not case.only or case.only[b.tag] then
      it(name .. (named and " is refused before it runs" or " fails") .. ", changing nothing", function()
        local dir = project(around(line))
        local before = snapshot.take(b, url)
        local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        assert.equal(1, r.status, r.stderr)
        assert.matches("luamig: upgrade a1 failed: migrations/versions/a1_bad%.lua:7: ", r.stderr)
        if named then
          assert.matches('refused "' .. named .. '": ', r.stderr, 1, true)
          assert.matches(ADVICE, r.stderr, 1, true)
        end
        assert.not_matches("lua/luamig/", r.stderr, 1, true)
        assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
        assert.same({ "a0" }, b:versions(url))
        assert.same({ 1 }, ids())
      end)
    end
  end

  it("keeps savepoints working: SAVEPOINT, RELEASE, ROLLBACK TO and savepoint()", function()
    local dir = project(table.concat({
      '  op.execute("SAVEPOINT s1")',
      '  op.bulk_insert("t", { { id = 2 } })',
      '  op.execute("ROLLBACK TO SAVEPOINT s1")',
      '  op.execute("RELEASE SAVEPOINT s1")',
      '  local db = op.get_bind()',
      '  assert(not pcall(db.savepoint, db, function(d) d:execute("INSERT INTO t VALUES (3)"); error("undo") end))',
      '  db:savepoint(function(d) d:execute("INSERT INTO t VALUES (4)") end)',
      '  db:execute("SELECT \'COMMIT; BEGIN\'")',
    }, "\n"))
    upgraded(dir, { 1, 4 })
  end)

  it("lets a transactional = false revision commit", function()
    local dir = project(table.concat({
      '  op.execute("' .. (b.tag == "mysql" and "START TRANSACTION" or "BEGIN") .. '")',
      '  op.bulk_insert("t", { { id = 2 } })',
      '  op.execute("COMMIT")',
    }, "\n"), { non_transactional = true })
    upgraded(dir, { 1, 2 })
  end)

  it("lets an op.autocommit_block commit, and guards the rest of the revision again", function()
    local begin = b.tag == "mysql" and "START TRANSACTION" or "BEGIN"
    local dir = project(table.concat({
      '  op.create_table("u", Column("id", Integer, { primary_key = true }))',  -- MySQL: no transaction after
      '  op.autocommit_block(function()',
      '    op.execute("' .. begin .. '")',
      '    op.bulk_insert("t", { { id = 2 } })',
      '    op.execute("COMMIT")',
      '  end)',
      '  op.bulk_insert("t", { { id = 3 } })',
    }, "\n"))
    upgraded(dir, { 1, 2, 3 })

    url = b:new_database()
    local guarded = project(table.concat({
      '  op.autocommit_block(function() op.execute("' .. begin .. '"); op.execute("COMMIT") end)',
      '  op.execute("COMMIT")',
    }, "\n"))
    local r = h.run(guarded, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status, r.stderr)
    assert.matches('migrations/versions/a1_bad%.lua:7: refused "COMMIT"', r.stderr)
  end)

  if b.tag == "postgres" then
    it("does not take the END of a BEGIN ATOMIC body, or text in a string, for a statement", function()
      local dir = project(table.concat({
        '  op.execute([[CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql',
          '    BEGIN ATOMIC SELECT CASE WHEN i > 0 THEN i + 1 ELSE 1 END; END;',
          '    SELECT \'commit\'; SELECT $$ ; END $$; SELECT E\'\\\'; COMMIT\']])',
        '  op.execute("INSERT INTO t VALUES (add_one(1))")',
      }, "\n"))
      upgraded(dir, { 1, 2 })
    end)
  end

  if b.tag == "mysql" then
    it("does not take the statements of a procedure's body for statements that run now", function()
      local dir = project(table.concat({
        '  op.execute([[CREATE PROCEDURE add_row(i INT) BEGIN',
          '    START TRANSACTION; IF i > 0 THEN INSERT INTO t VALUES (i); END IF;',
          '    CASE WHEN i > 5 THEN ROLLBACK; ELSE COMMIT; END CASE; END]])',
        '  op.execute("SELECT \'COMMIT\' # COMMIT")',
      }, "\n"))
      upgraded(dir)
    end)
  end
end)
