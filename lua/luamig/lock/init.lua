-- luamig.lock: the migration lock, held for the whole of every run that
-- writes (upgrade, downgrade, stamp, verify --accept, repair), so that
-- every instance of an application may run `luamig upgrade head` at start:
-- one applies the revisions, the others wait, then find nothing to do.
--
--   PostgreSQL  a transaction advisory lock, its key derived from the
--               version table's schema and name (advisory locks are per
--               database), in a transaction held open on a second
--               connection (lock/postgres.lua: why, behind a pooler);
--   MySQL       a row in "<version_table>_lock", inserted in autocommit
--               (GET_LOCK is per server, so runs on two Galera nodes would
--               both hold it; a row is certified by the whole cluster);
--               it carries a lease that a side connection renews, and a
--               holder whose lease ran out, or whose connection to our
--               own server is gone, is taken over with a message;
--   SQLite      flock() on "<database>-luamig-lock" (luamig.filelock).
--
-- PostgreSQL's and SQLite's die with their holder (the transaction, the
-- process); MySQL's row outlives it by the lease at most. So a run that
-- crashed never leaves a lock for good. A waiting run polls, so that
-- Ctrl-C stops it at once; it says once whom it waits for, and gives up
-- after the lock timeout.

local interrupt = require("luamig.interrupt")
local sys = require("luamig.sys")

local M = {}

local POLL_FIRST, POLL_MAX = 0.02, 0.25  -- seconds between two tries

-- Each backend's strategy, loaded when a run on that backend locks.
local STRATEGIES = {
  postgres = function() return require("luamig.lock.postgres") end,
  mysql = function() return require("luamig.lock.mysql") end,
  sqlite = function() return require("luamig.lock.sqlite").strategy end,
}

---------------------------------------------------------------------------

local Lock = {}
Lock.__index = Lock

-- true, or nil, msg when the strategy finds that the lock was lost while
-- held (MySQL: another run took the row over).
function Lock:release()
  local strategy, held = self.strategy, self.held
  self.strategy, self.held = nil, false
  if not strategy then return true end
  if not held and strategy.abandon then strategy.abandon(); return true end
  local ok, err = strategy.release()
  if ok == nil and err then return nil, err end
  return true
end

--- Is the lock still held? true, or nil, msg (a strategy that cannot lose
-- its lock has no check).
function Lock:check()
  local strategy = self.strategy
  if strategy and strategy.check then return strategy.check() end
  return true
end

local function taken(lock, log)
  lock.held = true
  local note = lock.strategy.note and lock.strategy.note()
  if note then log(note) end
  return lock
end

local function interrupted_status()
  local name, number = interrupt.caught()
  return string.format("interrupted by %s while waiting for the migration lock; nothing was changed", name),
    128 + number
end

--- Take the lock for ctx's database, waiting up to `timeout` seconds.
-- log: progress lines (the one "waiting" line). Returns a lock with
-- :release(), or nil, msg, status (1: timeout or database error).
function M.acquire(ctx, timeout, log)
  local strategy, err, status = STRATEGIES[ctx.url.driver]()(ctx)
  if not strategy then return nil, err, status end
  local lock = setmetatable({ strategy = strategy }, Lock)
  local ok, terr, tstatus = strategy.try()
  if ok then return taken(lock, log) end
  if ok == nil then lock:release(); return nil, terr, tstatus end
  local holder = strategy.holder and strategy.holder() or nil
  local who = holder and ("held by " .. holder) or "held by another session"
  if timeout <= 0 then
    lock:release()
    return nil, string.format("the migration lock (%s) is %s, and --lock-timeout is 0", strategy.where, who), 1
  end
  log(string.format("Waiting for the migration lock (%s), %s; giving up after %g s", strategy.where, who, timeout))
  local deadline = sys.monotonic() + timeout
  local pause = POLL_FIRST
  while true do
    local left = deadline - sys.monotonic()
    if left <= 0 then break end
    if not interrupt.sleep(math.min(pause, left)) then
      lock:release()
      local msg, st = interrupted_status()
      return nil, msg, st
    end
    pause = math.min(pause * 2, POLL_MAX)
    ok, terr, tstatus = strategy.try()
    if ok then return taken(lock, log) end
    if ok == nil then lock:release(); return nil, terr, tstatus end
  end
  holder = strategy.holder and strategy.holder() or holder
  lock:release()
  return nil, string.format("gave up waiting for the migration lock (%s) after %g s: it is %s."
    .. " Another luamig run is probably migrating this database; wait for it to finish, or pass a longer"
    .. " --lock-timeout", strategy.where, timeout, holder and ("held by " .. holder) or who), 1
end

function M.sqlite_lock_path(...) return require("luamig.lock.sqlite").path(...) end
return M
