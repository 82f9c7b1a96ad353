-- luamig.lock.postgres: the migration lock on PostgreSQL (see luamig.lock).

local checksum = require "luamig.checksum"
local common = require "luamig.lock.common"

local tostring, tonumber = tostring, tonumber
local str_format = string.format

return function(ctx)
  local conn = ctx.conn
  -- Who holds the lock is told by the holder's application_name.
  local ok, err, info = conn:execute("SET application_name = '" .. common.owner_note():gsub("'", "''") .. "'")
  if not ok then return common.db_failure("SET application_name", err, info) end
  local row; row, err, info = conn:first("SELECT current_schema() AS s")
  if not row then return common.db_failure("current_schema()", err, info) end
  local name = str_format("%s.%s", tostring(row.s), ctx.cfg.version_table)
  -- 60 bits of the name's hash: a positive bigint.
  local key = tonumber(checksum.sha256("luamig:" .. name):sub(1, 15), 16)
  local s = { where = str_format("PostgreSQL advisory lock %d on %s", key, name) }
  function s.try()
    local r, e, i = conn:first("SELECT pg_try_advisory_lock(?) AS ok", key)
    if not r then return common.db_failure("pg_try_advisory_lock", e, i) end
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
