-- luamig.lock.mysql: the migration lock on MySQL, MariaDB and Galera (see
-- luamig.lock): one row, id 1, in the table "<version_table>_lock".
--
-- GET_LOCK would be simpler, but it is local to one server: on a Galera
-- cluster two runs on two nodes would both hold it. A row is written
-- through the cluster's certification: of two INSERTs of id 1 on two
-- nodes one commits, the other fails (duplicate key, or deadlock 1213
-- when both certify at once), and that run waits like any other.
--
-- A row outlives a holder that crashed, so it carries a lease: the
-- holder's side connection (runner/drivers/driver_mysql_side.c) renews heartbeat_at
-- every lease/5 seconds, also while the main connection spends an hour in
-- one ALTER TABLE. A row whose heartbeat is older than the lease is taken
-- over (a compare-and-swap on the old token, which the cluster certifies
-- too) with a message naming the holder. On the holder's own server the
-- wait is shorter: the holder also holds GET_LOCK("luamig-alive:<token>")
-- on its main connection, which the server frees when that connection
-- ends, so a run on the same server (or Galera node) sees at once that the
-- holder is gone, whatever its privileges (the processlist shows other
-- users' connections only to those with PROCESS).
--
-- Times are the server's UTC_TIMESTAMP(6); a row's age is measured on the
-- server that reads it, so the nodes' clocks need to agree to well under
-- the lease (NTP does).

local common = require("luamig.lock.common")
local sys = require("luamig.sys")
local dberror = require("luamig.present.dberror")
local driver = require("luamig.driver")

-- The errors of an INSERT or a takeover that another run beat: the row
-- is there (1062), the cluster certified the other write first (1213), or
-- a row lock of a concurrent takeover (1205).
local LOST_RACE = { [1062] = true, [1213] = true, [1205] = true }
-- The errors after which any statement of the lock is tried again at the
-- next try, as a run that waits: on Galera a DDL statement of another node
-- (the holder's revisions, run in total order) aborts whatever local
-- statement holds a conflicting lock, even a read of information_schema,
-- and the victim gets "Deadlock found" (1213); or a lock wait ran out (1205).
local TRY_AGAIN = { [1213] = true, [1205] = true }

-- A failed statement of the lock: false (try again) or nil, message, status.
local function failed(what, err, info)
  if info and TRY_AGAIN[info.code] then return false end
  return common.db_failure(what, err, info)
end
local NO_SUCH_TABLE = 1146

local function quote(name) return "`" .. name:gsub("`", "``") .. "`" end

local function describe(row)
  return string.format("%s on %s (connection %s), since %s UTC, last seen %s UTC",
    tostring(row.owner), tostring(row.server), tostring(row.connection_id),
    tostring(row.acquired_at), tostring(row.heartbeat_at))
end

return function(ctx)
  local conn = ctx.conn
  local lease = ctx.cfg.lock_lease or 30
  local tname = common.table_name(ctx.cfg.version_table)
  local t = quote(tname)
  local me, err, info = conn:first("SELECT DATABASE() AS db, CONNECTION_ID() AS id,"
    .. " CONCAT(@@hostname, ':', @@port) AS server")
  if not me then return common.db_failure("CONNECTION_ID()", err, info) end
  local token = sys.random_hex(32)
  local owner = string.format("%s (token %s)", common.owner_note(), token:sub(1, 8))
  local alive = "luamig-alive:" .. token
  local s = { where = string.format("row in %s.%s", tostring(me.db), tname) }
  local ready, held_alive, created = false, false, false
  local taken_over

  -- The table, on first need; looked up first, since on Galera even a
  -- CREATE TABLE IF NOT EXISTS of a table that exists stops the whole
  -- cluster for a moment (DDL runs in total order).
  local function prepare()
    local r, e, i = conn:first("SELECT COUNT(*) AS n FROM information_schema.tables"
      .. " WHERE table_schema = DATABASE() AND table_name = ?", tname)
    if not r then return failed("looking for " .. tname, e, i) end
    if tonumber(r.n) == 0 then
      local ok
      ok, e, i = conn:execute("CREATE TABLE IF NOT EXISTS " .. t .. " ("
        .. "id TINYINT NOT NULL PRIMARY KEY,"            -- always 1: one lock per version table
        .. " owner VARCHAR(255) NOT NULL,"              -- user@host pid N (token)
        .. " token CHAR(32) NOT NULL,"
        .. " server VARCHAR(255) NOT NULL,"             -- @@hostname:@@port of the holder's server
        .. " connection_id BIGINT UNSIGNED NOT NULL,"
        .. " alive_lock VARCHAR(64) NULL,"              -- the holder's GET_LOCK name, NULL: none
        .. " acquired_at DATETIME(6) NOT NULL,"
        .. " heartbeat_at DATETIME(6) NOT NULL"
        .. ") ENGINE=InnoDB")
      if not ok then return failed("creating " .. tname, e, i) end
      created = true
    end
    -- Held for as long as the main connection lives (see the header).
    r = conn:first("SELECT GET_LOCK(?, 0) AS ok", alive)
    held_alive = r ~= nil and tonumber(r.ok) == 1
    ready = true
    return true
  end

  local function start_heartbeat()
    local ok, e, i = conn:heartbeat(string.format("UPDATE %s SET heartbeat_at = UTC_TIMESTAMP(6)"
      .. " WHERE id = 1 AND token = '%s'", t, token), math.max(lease / 5, 0.2))
    if ok then return true end
    conn:execute("DELETE FROM " .. t .. " WHERE id = 1 AND token = ?", token)  -- false: try again from scratch
    return failed("starting the lock's heartbeat", e, i)
  end

  local function holder_row()
    return conn:first("SELECT owner, token, server, connection_id, alive_lock, acquired_at, heartbeat_at,"
      .. " TIMESTAMPDIFF(MICROSECOND, heartbeat_at, UTC_TIMESTAMP(6)) / 1000000 AS age,"
      .. " IF(alive_lock IS NULL, NULL, IS_FREE_LOCK(alive_lock)) AS gone"
      .. " FROM " .. t .. " WHERE id = 1")
  end

  -- The row of a holder that is gone, replaced by ours; true when we won.
  local function take_over(row, why)
    local n, e, i = conn:execute("UPDATE " .. t .. " SET owner = ?, token = ?, server = ?, connection_id = ?,"
      .. " alive_lock = ?, acquired_at = UTC_TIMESTAMP(6), heartbeat_at = UTC_TIMESTAMP(6)"
      .. " WHERE id = 1 AND token = ?", owner, token, me.server, me.id,
      held_alive and alive or driver.null, row.token)
    if not n then
      if i and LOST_RACE[i.code] then return false end
      return common.db_failure("taking over " .. tname, e, i)
    end
    if n ~= 1 then return false end
    taken_over = string.format("Took over the migration lock (%s) of %s: %s", s.where, describe(row), why)
    return true
  end

  function s.try()
    if not ready then
      local ok, e, st = prepare()
      if not ok then return ok, e, st end  -- false: try again later
    end
    local n, e, i = conn:execute("INSERT INTO " .. t .. " (id, owner, token, server, connection_id, alive_lock,"
      .. " acquired_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
      owner, token, me.server, me.id, held_alive and alive or driver.null)
    if n then return start_heartbeat() end
    if i and i.code == NO_SUCH_TABLE then  -- dropped by a run that had created it (release)
      ready = false
      return false
    end
    if not (i and LOST_RACE[i.code]) then return common.db_failure("INSERT INTO " .. tname, e, i) end
    local row = holder_row()
    if not row then return false end  -- gone meanwhile, or unreadable: the next try tells
    local age = tonumber(row.age) or 0
    local won, terr, tstatus = false, nil, nil
    if tostring(row.server) == me.server and tonumber(row.gone) == 1 then
      won, terr, tstatus = take_over(row, "its connection to this server is gone")
    elseif age > lease then
      won, terr, tstatus = take_over(row, string.format("its heartbeat stopped %.1f s ago (lease %g s)", age, lease))
    end
    if won == nil then return nil, terr, tstatus end
    if won then return start_heartbeat() end
    return false
  end

  function s.note()
    local note = taken_over
    taken_over = nil
    return note
  end

  function s.holder()
    local row = holder_row()
    if not row then return nil end
    return describe(row)
  end

  -- Our row only, and it must be there: when it is not, another run took
  -- the lock over (our heartbeat had stopped: a frozen process, a network
  -- cut), and the two runs may have overlapped.
  function s.release()
    local _, hb_err = conn:heartbeat(nil)
    local n, e, i
    -- A run that made the lock table and then changed nothing (refused,
    -- or failed before it wrote a version table) leaves the database as it
    -- was: it drops the table while its row is still in it, so that no
    -- other run can hold a row there meanwhile; a run waiting makes the
    -- table again (1146).
    if created then
      local r = conn:first("SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
        .. " AND table_name = ?) AS versions, (SELECT token FROM " .. t .. " WHERE id = 1) AS token",
        ctx.cfg.version_table)
      if r and tonumber(r.versions) == 0 and r.token == token then
        n, e, i = conn:execute("DROP TABLE " .. t)
        if n then n = 1 end
      end
    end
    if not n then n, e, i = conn:execute("DELETE FROM " .. t .. " WHERE id = 1 AND token = ?", token) end
    if held_alive then conn:first("SELECT RELEASE_LOCK(?) AS ok", alive) end
    held_alive = false
    if not n then
      return nil, string.format("cannot release the migration lock (%s): %s", s.where, dberror.describe(e, i))
    end
    if n == 1 then return true end
    local row = holder_row()
    return nil, string.format("the migration lock (%s) was lost while this run held it: %s%s", s.where,
      row and ("it is now held by " .. describe(row)) or "its row is gone",
      hb_err and ("; the heartbeat said: " .. hb_err) or "")
  end

  -- Only for a lock that was never taken: frees the GET_LOCK.
  function s.abandon()
    if held_alive then conn:first("SELECT RELEASE_LOCK(?) AS ok", alive) end
    held_alive = false
  end
  return s
end
