-- luamig.lock.common: what the lock strategies share: the note that names
-- a lock's owner, the name of a lock table, and the message of a database
-- error while locking.

local sys = require("luamig.sys")
local dberror = require("luamig.present.dberror")

local M = {}

function M.owner_note()
  return string.format("luamig %s@%s pid %d", sys.username() or "?", sys.hostname() or "?", sys.getpid())
end

--- The table of a lock that is a row (MySQL): "<version_table>_lock",
-- shortened with a hash past MySQL's 64 characters.
function M.table_name(version_table)
  local name = version_table .. "_lock"
  if #name <= 64 then return name end
  return string.format("%s_%s_lock", version_table:sub(1, 50), require("luamig.checksum").sha256(version_table):sub(1,
    8))
end

function M.db_failure(what, err, info)
  return nil, string.format("cannot take the migration lock: %s: %s", what, dberror.describe(err, info)), 1
end

return M
