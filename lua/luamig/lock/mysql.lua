-- luamig.lock.mysql: the migration lock on MySQL and MariaDB (see luamig.lock).

local checksum = require "luamig.checksum"
local common = require "luamig.lock.common"

local tostring, tonumber = tostring, tonumber
local str_format = string.format

return function(ctx)
  local conn = ctx.conn
  local row, err, info = conn:first("SELECT DATABASE() AS db")
  if not row then return common.db_failure("DATABASE()", err, info) end
  local name = str_format("luamig:%s.%s", tostring(row.db), ctx.cfg.version_table)
  if #name > 64 then name = "luamig:" .. checksum.sha256(name):sub(1, 57) end  -- GET_LOCK names: 64 characters
  local s = { where = str_format("MySQL GET_LOCK('%s')", name) }
  function s.try()
    local r, e, i = conn:first("SELECT GET_LOCK(?, 0) AS ok", name)
    if not r then return common.db_failure("GET_LOCK", e, i) end
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
