-- The checks that every driver spec makes of the transaction guard
-- (conn:guard_transactions, docs/internals.md): how a refusal reads, and
-- the same run of refusals through each way a driver runs SQL, so that
-- driver_mysql_spec and driver_postgres_spec state only their own cases.

local assert = require("luassert")

local M = {}

--- Asserts that a call returned the guard's refusal of the statement
-- `named`: nil, a message that names it, and SQLSTATE 2D000.
function M.refused(named, ok, msg, info)
  assert.is_nil(ok, named)
  assert.equal('refused "' .. named .. '": ', msg:sub(1, #named + 12))
  assert.equal("2D000", info.sqlstate)
end

--- Opens a transaction on `conn` and turns the guard on.
function M.begin_guarded(conn)
  assert.is_true(conn:begin())
  conn:guard_transactions(true)
end

--- Turns the guard off, asserting that it was on and saw no end of the
-- transaction (what a server-side routine or MySQL's implicit commit does
-- goes unseen).
function M.off_unseen(conn)
  local before, ended = conn:guard_transactions(false)
  assert.is_true(before)
  assert.is_nil(ended)
end

--- In a guarded transaction that has inserted one row into table g, each
-- of `scripts` (script -> the statement its refusal names) is refused
-- before any of it runs, as are COMMIT through query, first and a
-- prepared statement, then what `driver_ways(refused)` checks (the
-- driver's own bulk load and cursors), and begin, commit and rollback
-- (`begin_word` is what the driver's begin sends). The transaction stays
-- open with only the first row in it.
function M.refuses_everywhere(conn, scripts, begin_word, driver_ways)
  assert.is_true(conn:begin())
  assert.is_false(conn:guard_transactions(true))
  assert.equal(1, conn:execute("INSERT INTO g VALUES (?)", 1))
  for sql, named in pairs(scripts) do
    M.refused(named, conn:execute(sql))
  end
  M.refused("COMMIT", conn:query("COMMIT"))
  M.refused("COMMIT", conn:first("COMMIT"))
  M.refused("COMMIT", assert(conn:prepare("COMMIT")):execute())
  driver_ways(M.refused)
  M.refused(begin_word, conn:begin())
  M.refused("COMMIT", conn:commit())
  M.refused("ROLLBACK", conn:rollback())
  assert.is_true(conn:in_transaction())
  assert.equal(1, conn:first("SELECT count(*) AS n FROM g").n)  -- nothing of a refused script ran
  assert.is_true(conn:guard_transactions(false))
  assert.is_true(conn:rollback())
end

return M
