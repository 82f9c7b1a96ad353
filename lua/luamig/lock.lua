-- luamig.lock: the migration lock, held for the whole of every run that
-- writes (upgrade, downgrade, stamp, verify --accept, repair), so that
-- every instance of an application may run `luamig upgrade head` at start:
-- one applies the revisions, the others wait, then find nothing to do.
--
--   PostgreSQL  a session advisory lock, its key derived from the version
--               table's schema and name (advisory locks are per database);
--   MySQL       GET_LOCK on a name derived from the database and the
--               version table (GET_LOCK names are per server);
--   SQLite      flock() on "<database>-luamig-lock" (luamig.filelock).
--
-- All three die with their holder (the session, the process), so a run
-- that crashed never leaves a stale lock. A waiting run polls, so that
-- Ctrl-C stops it at once; it says once whom it waits for, and gives up
-- after the lock timeout.

local checksum = require "luamig.checksum"
local filelock = require "luamig.filelock"
local interrupt = require "luamig.interrupt"
local sys = require "luamig.sys"
local dberror = require "luamig.dberror"

local setmetatable, tostring, tonumber = setmetatable, tostring, tonumber
local str_format = string.format
local math_min = math.min

local M = {}

local POLL_FIRST, POLL_MAX = 0.02, 0.25  -- seconds between two tries

local function owner_note()
  return str_format("luamig %s@%s pid %d", sys.username() or "?", sys.hostname() or "?", sys.getpid())
end

local function db_failure(what, err, info)
  return nil, str_format("cannot take the migration lock: %s: %s", what, dberror.describe(err, info)), 1
end

---------------------------------------------------------------------------
-- One strategy per driver: try() -> true | false | nil, msg;
-- holder() -> a description or nil; release(); where (for messages).

local function postgres_strategy(ctx)
  local conn = ctx.conn
  -- Who holds the lock is told by the holder's application_name.
  local ok, err, info = conn:execute("SET application_name = '" .. owner_note():gsub("'", "''") .. "'")
  if not ok then return db_failure("SET application_name", err, info) end
  local row; row, err, info = conn:first("SELECT current_schema() AS s")
  if not row then return db_failure("current_schema()", err, info) end
  local name = str_format("%s.%s", tostring(row.s), ctx.cfg.version_table)
  -- 60 bits of the name's hash: a positive bigint.
  local key = tonumber(checksum.sha256("luamig:" .. name):sub(1, 15), 16)
  local s = { where = str_format("PostgreSQL advisory lock %d on %s", key, name) }
  function s.try()
    local r, e, i = conn:first("SELECT pg_try_advisory_lock(?) AS ok", key)
    if not r then return db_failure("pg_try_advisory_lock", e, i) end
    return r.ok == true or r.ok == 1 or r.ok == "t"
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
    return str_format("%s (server pid %s, user %s from %s)", app, tostring(r.pid), tostring(r.usr), tostring(r.addr))
  end
  function s.release()
    conn:first("SELECT pg_advisory_unlock(?) AS ok", key)
  end
  return s
end

local function mysql_strategy(ctx)
  local conn = ctx.conn
  local row, err, info = conn:first("SELECT DATABASE() AS db")
  if not row then return db_failure("DATABASE()", err, info) end
  local name = str_format("luamig:%s.%s", tostring(row.db), ctx.cfg.version_table)
  if #name > 64 then name = "luamig:" .. checksum.sha256(name):sub(1, 57) end  -- GET_LOCK names: 64 characters
  local s = { where = str_format("MySQL GET_LOCK('%s')", name) }
  function s.try()
    local r, e, i = conn:first("SELECT GET_LOCK(?, 0) AS ok", name)
    if not r then return db_failure("GET_LOCK", e, i) end
    return tonumber(r.ok) == 1
  end
  function s.holder()
    local r = conn:first("SELECT p.id, p.user AS usr, p.host AS host FROM information_schema.processlist p"
      .. " WHERE p.id = IS_USED_LOCK(?)", name)
    if not r then return nil end
    return str_format("connection %s (user %s from %s)", tostring(r.id), tostring(r.usr), tostring(r.host))
  end
  function s.release()
    conn:first("SELECT RELEASE_LOCK(?) AS ok", name)
  end
  return s
end

-- The file a SQLite database's lock lives in; nil for an in-memory one.
local function sqlite_lock_path(database)
  if database == ":memory:" or database == "" then return nil end
  local path = database
  if path:sub(1, 5) == "file:" then
    if path:find("mode=memory", 1, true) then return nil end
    path = path:sub(6):gsub("%?.*$", "")
  end
  return path .. "-luamig-lock"
end

local function sqlite_strategy(ctx)
  local path = sqlite_lock_path(ctx.url.database)
  if not path then
    return { where = "in-memory database", try = function() return true end, release = function() end }
  end
  local file, err, why = filelock.open(path)
  if why == "unsafe" then
    -- Something else sits where the lock file goes: a link planted to
    -- have the run overwrite its target, or a file that is not ours.
    return nil, str_format("cannot take the migration lock: the lock file %s; luamig neither follows nor"
      .. " overwrites it: remove it if no luamig run is using it, and check who could put it there", err), 2
  end
  if not file then return nil, str_format("cannot take the migration lock: %s", err), 1 end
  local s = { where = str_format("lock file %s", path) }
  function s.try()
    local ok, terr = file:try()
    if ok == nil then return nil, str_format("cannot take the migration lock: %s: %s", path, terr), 1 end
    if ok then file:set_owner(owner_note() .. " since " .. os.date("!%Y-%m-%dT%H:%M:%SZ")) end
    return ok
  end
  function s.holder()
    local note = file:owner()
    if note and note ~= "" then return note end
    return nil
  end
  function s.release() file:close() end
  return s
end

local STRATEGIES = { postgres = postgres_strategy, mysql = mysql_strategy, sqlite = sqlite_strategy }

---------------------------------------------------------------------------

local Lock = {}
Lock.__index = Lock

function Lock:release()
  if self.strategy then self.strategy.release() end
  self.strategy = nil
end

local function interrupted_status()
  local name, number = interrupt.caught()
  return str_format("interrupted by %s while waiting for the migration lock; nothing was changed", name),
    128 + number
end

--- Take the lock for ctx's database, waiting up to `timeout` seconds.
-- log: progress lines (the one "waiting" line). Returns a lock with
-- :release(), or nil, msg, status (1: timeout or database error).
function M.acquire(ctx, timeout, log)
  local strategy, err, status = STRATEGIES[ctx.url.driver](ctx)
  if not strategy then return nil, err, status end
  local lock = setmetatable({ strategy = strategy }, Lock)
  local ok, terr, tstatus = strategy.try()
  if ok then return lock end
  if ok == nil then lock:release(); return nil, terr, tstatus end
  local holder = strategy.holder and strategy.holder() or nil
  local who = holder and ("held by " .. holder) or "held by another session"
  if timeout <= 0 then
    lock:release()
    return nil, str_format("the migration lock (%s) is %s, and --lock-timeout is 0", strategy.where, who), 1
  end
  log(str_format("Waiting for the migration lock (%s), %s; giving up after %g s", strategy.where, who, timeout))
  local deadline = sys.monotonic() + timeout
  local pause = POLL_FIRST
  while true do
    local left = deadline - sys.monotonic()
    if left <= 0 then break end
    if not interrupt.sleep(math_min(pause, left)) then
      lock:release()
      local msg, st = interrupted_status()
      return nil, msg, st
    end
    pause = math_min(pause * 2, POLL_MAX)
    ok, terr, tstatus = strategy.try()
    if ok then return lock end
    if ok == nil then lock:release(); return nil, terr, tstatus end
  end
  holder = strategy.holder and strategy.holder() or holder
  lock:release()
  return nil, str_format("gave up waiting for the migration lock (%s) after %g s: it is %s."
    .. " Another luamig run is probably migrating this database; wait for it to finish, or pass a longer"
    .. " --lock-timeout", strategy.where, timeout, holder and ("held by " .. holder) or who), 1
end

M.sqlite_lock_path = sqlite_lock_path
return M
