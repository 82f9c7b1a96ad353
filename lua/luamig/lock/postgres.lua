-- luamig.lock.postgres: the migration lock on PostgreSQL (see luamig.lock).
--
-- A transaction-level advisory lock (pg_try_advisory_xact_lock), taken in
-- a transaction that stays open on a second connection for the whole run:
--   - it ends with that transaction: the run's COMMIT at the end, or the
--     connection's end when luamig dies (kill -9, a lost network), so no
--     lock outlives its holder and there is never a stale one to clear;
--   - behind a pooler in transaction mode (pgbouncer pool_mode =
--     transaction) an open transaction keeps its server connection, so
--     the lock stays with the client that took it. A session lock
--     (pg_advisory_lock) would stay with the pooled server connection
--     after its client left, and its unlock could run on another server
--     connection ("you don't own a lock") and fail unseen.
-- The main connection keeps no session state, so it may be pooled too.
-- Statement pooling allows no transaction of two statements: it is
-- refused, with a message that says so.

local checksum = require("luamig.checksum")
local common = require("luamig.lock.common")
local dberror = require("luamig.present.dberror")

-- pgbouncer's answer to a BEGIN in statement pooling mode.
local function statement_pooling(err)
  return tostring(err):find("statement pooling", 1, true) ~= nil
end

local STATEMENT_POOLING = "cannot take the migration lock: the database is reached through a connection"
  .. " pooler in statement mode (pgbouncer pool_mode = statement), which allows no transaction of two"
  .. " statements, and luamig runs every revision in one; connect through a pool in transaction or"
  .. " session mode, or to the server itself"

return function(ctx)
  local conn, err, info = ctx:connect_again()
  if not conn then return common.db_failure("a second connection, to hold the lock", err, info) end
  -- The version table's schema names the lock: the one luamig's tables
  -- are in (version_table_schema, or the `schema` setting), else the
  -- role's own, which every server connection of a pool shares.
  local schema = ctx.versions.schema
  if not schema then
    local row; row, err, info = conn:first("SELECT current_schema() AS s")
    if not row then conn:close(); return common.db_failure("current_schema()", err, info) end
    schema = tostring(row.s)
  end
  local name = string.format("%s.%s", schema, ctx.cfg.version_table)
  -- 60 bits of the name's hash: a positive bigint.
  local key = tonumber(checksum.sha256("luamig:" .. name):sub(1, 15), 16)
  local owner = common.owner_note()
  local s = { where = string.format("PostgreSQL advisory lock %d on %s", key, name) }
  local held = false

  function s.try()
    local ok, e, i = conn:begin()
    if not ok then
      if statement_pooling(e) then return nil, STATEMENT_POOLING, 1 end
      return common.db_failure("BEGIN", e, i)
    end
    -- In one round trip: the holder's name for whoever waits (pg_stat_activity
    -- shows it), and no idle-in-transaction timeout, as the transaction idles
    -- while the run works on the other connection.
    local r; r, e, i = conn:first("SELECT set_config('application_name', ?, true) AS app,"
      .. " set_config('idle_in_transaction_session_timeout', '0', true) AS idle,"
      .. " pg_try_advisory_xact_lock(?) AS ok", owner, key)
    if r and (r.ok == true or r.ok == 1 or r.ok == "t") then
      -- The query's portal (extended protocol) keeps its snapshot until
      -- another query replaces it, and an idle transaction with a snapshot
      -- holds back the xmin horizon: CREATE INDEX CONCURRENTLY would wait
      -- for it forever, and VACUUM could not clean up behind it. A simple
      -- query drops that portal.
      ok, e, i = conn:execute("SELECT 1")
      if not ok then conn:rollback(); return common.db_failure("SELECT 1", e, i) end
      held = true
      return true
    end
    local rolled_back, rb_e, rb_i = conn:rollback()
    if not r then
      if statement_pooling(e) then return nil, STATEMENT_POOLING, 1 end
      return common.db_failure("pg_try_advisory_xact_lock", e, i)
    end
    -- Held elsewhere: the next try begins anew, which it cannot inside a
    -- transaction that did not end.
    if not rolled_back then return common.db_failure("ROLLBACK", rb_e, rb_i) end
    return false
  end

  function s.holder()
    local r = conn:first("SELECT a.pid, a.application_name AS app, a.usename AS usr,"
      .. " COALESCE(host(a.client_addr), 'local socket') AS addr"
      .. " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      .. " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
      .. " AND l.classid::bigint = ? AND l.objid::bigint = ?"
      .. " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      key >> 32, key & 0xffffffff)
    if not r then return nil end
    local app = (r.app and r.app ~= "") and tostring(r.app) or "an unnamed client"
    return string.format("%s (server pid %s, user %s from %s)", app, tostring(r.pid), tostring(r.usr), tostring(r.addr))
  end

  -- Is the lock still ours? Its transaction must still be open on a live
  -- connection: one that the server or a pooler closed (a timeout, a
  -- restart, pg_terminate_backend) took the lock with it. Such a close
  -- sends a FATAL message and then end of file, so a connection with
  -- nothing to read since its last answer (conn:quiet(), no round trip)
  -- still holds the lock; when something came, a query reads it and says
  -- what happened. This runs before every step: on a thousand revisions
  -- the round trip it saves is one in six of the run's.
  function s.check()
    if conn:quiet() and conn:in_transaction() then return true end
    local r, e, i = conn:execute("SELECT 1")  -- a simple query: no snapshot left behind (see try)
    if r and conn:in_transaction() then return true end
    held = false  -- nothing left to commit: release only closes the connection
    return nil, string.format("the migration lock (%s) was lost: its connection %s", s.where,
      r and "is no longer in its transaction" or ("failed: " .. dberror.describe(e, i)))
  end

  function s.release()
    local ok, e, i = true, nil, nil
    if held then ok, e, i = conn:commit() end
    held = false
    conn:close()
    if not ok then
      return nil, string.format("the migration lock (%s) was lost before the run ended: its transaction's COMMIT"
        .. " failed: %s", s.where, dberror.describe(e, i))
    end
    return true
  end

  return s
end
