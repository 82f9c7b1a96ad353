-- luamig.context.ddl_lock without a server: the settings, and the retries
-- of run_statement against a connection that only records what it is
-- sent (the servers' side is spec/integration/ddl_lock_timeout_spec.lua).
local ddl_lock = require("luamig.context.ddl_lock")
local postgres = require("luamig.ddl.postgres")
local mysql = require("luamig.ddl.mysql")

-- A context over a fake connection: `failures` lists the info each
-- successive exec fails with (nil: it succeeds).
local function context(dialect, in_transaction, failures)
  local sent, lines = {}, {}
  local conn = {
    execute = function(_, sql) sent[#sent + 1] = sql; return 1 end,
    in_transaction = function() return in_transaction end,
  }
  local ctx = setmetatable({ conn = conn, dialect = dialect, log = function(l) lines[#lines + 1] = l end },
    { __index = ddl_lock.methods })
  local n = 0
  local function exec(sql)
    n = n + 1
    sent[#sent + 1] = sql
    local info = failures[n]
    if info then return nil, "lock timeout", info end
    return 1
  end
  return ctx, exec, sent, lines
end

local PG_LOCK = { sqlstate = "55P03" }
local record = { kind = "add_column", table = "t" }

describe("luamig.context.ddl_lock", function()
  it("reads the flags over luamig.lua and checks them", function()
    local t = assert(ddl_lock.settings({ ddl_lock_timeout = 3, ddl_lock_retries = 2 }, { ddl_lock_timeout = 1.5 },
      postgres))
    assert.same({ lock = 1.5, retries = 2, backoff = 0.5 }, t)
    assert.same({ retries = 5, backoff = 0.5 }, ddl_lock.settings({}, {}, postgres))
    local _, err, status = ddl_lock.settings({}, { ddl_lock_retries = "2.5" }, postgres)
    assert.equal(2, status)
    assert.matches("option %-%-ddl%-lock%-retries: ddl_lock_retries must be a whole number", err)
    _, err = ddl_lock.settings({}, { ddl_lock_timeout = 1.5 }, mysql)
    assert.matches("whole number of seconds", err)
  end)

  it("retries inside a savepoint in a PostgreSQL transaction, with doubling pauses", function()
    local ctx, exec, sent, lines = context(postgres, true, { PG_LOCK, PG_LOCK })
    assert(ctx:set_timeouts({ lock = 1, retries = 3, backoff = 0 }))
    assert.same({}, sent) -- no session SET on PostgreSQL
    assert.equal(1, ctx:run_statement("ALTER TABLE t ADD x INT", record, exec))
    assert.same({ "SAVEPOINT luamig_ddl_lock", "ALTER TABLE t ADD x INT", "ROLLBACK TO SAVEPOINT luamig_ddl_lock",
      "ALTER TABLE t ADD x INT", "ROLLBACK TO SAVEPOINT luamig_ddl_lock",
      "ALTER TABLE t ADD x INT", "RELEASE SAVEPOINT luamig_ddl_lock" }, sent)
    assert.same({ 'lock on "t" not granted within 1 s (try 1 of 4), retrying in 0 s',
      'lock on "t" not granted within 1 s (try 2 of 4), retrying in 0 s' }, lines)
  end)

  it("gives up after the last try, naming the table, the tries and the statement", function()
    local ctx, exec, _, lines = context(postgres, false, { PG_LOCK, PG_LOCK })
    ctx:set_timeouts({ lock = 0.5, retries = 1, backoff = 0 })
    local ok, err = ctx:run_statement("ALTER TABLE t ADD x INT", record, exec)
    assert.is_nil(ok)
    assert.matches('^lock on "t" not granted after 2 tries of 0.5 s each %(ddl_lock_timeout, ddl_lock_retries 1%):'
      .. " ALTER TABLE t ADD x INT: lock timeout$", err)
    assert.matches("giving up$", lines[2])
  end)

  it("sets the timeouts around a statement outside a PostgreSQL transaction", function()
    local ctx, exec, sent = context(postgres, false, {})
    ctx:set_timeouts({ lock = 2, statement = 0.25, retries = 0, backoff = 0 })
    assert(ctx:run_statement("CREATE INDEX i ON t (x)", record, exec))
    assert.same({ "SET lock_timeout = '2000ms'", "SET statement_timeout = '250ms'", "CREATE INDEX i ON t (x)",
      "RESET lock_timeout", "RESET statement_timeout" }, sent)
  end)

  it("retries no other error, no CREATE INDEX CONCURRENTLY, no data statement in a MySQL transaction", function()
    local ctx, exec, sent = context(postgres, true, { { sqlstate = "42P01" } })
    ctx:set_timeouts({ lock = 1, retries = 3, backoff = 0 })
    assert.is_nil(ctx:run_statement("ALTER TABLE t ADD x INT", record, exec))
    assert.equal(2, #sent)
    ctx, exec = context(postgres, false, { PG_LOCK })
    ctx:set_timeouts({ lock = 1, retries = 3, backoff = 0 })
    local _, err = ctx:run_statement("create index concurrently i on t (x)", record, exec)
    assert.matches("INVALID index", err)
    ctx, exec = context(mysql, true, { { code = 1205 } })
    ctx:set_timeouts({ lock = 1, retries = 3, backoff = 0 })
    _, err = ctx:run_statement("UPDATE t SET x = 1", { kind = "execute" }, exec)
    assert.matches("not retried", err)
    -- MySQL's DDL did nothing when its wait ran out: run again
    ctx, exec, sent = context(mysql, true, { { code = 1205 } })
    assert(ctx:set_timeouts({ lock = 1, retries = 3, backoff = 0 }))
    assert.same({ "SET SESSION lock_wait_timeout = 1" }, sent)
    assert(ctx:run_statement("ALTER TABLE t ADD x INT", record, exec))
    ctx:reset_timeouts()
    assert.same("SET SESSION lock_wait_timeout = DEFAULT", sent[#sent])
  end)
end)
