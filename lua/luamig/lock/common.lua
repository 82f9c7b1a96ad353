-- luamig.lock.common: what the lock strategies share: the note that names
-- a lock's owner, and the message of a database error while locking.

local sys = require "luamig.sys"
local dberror = require "luamig.dberror"

local str_format = string.format

local M = {}

function M.owner_note()
  return str_format("luamig %s@%s pid %d", sys.username() or "?", sys.hostname() or "?", sys.getpid())
end

function M.db_failure(what, err, info)
  return nil, str_format("cannot take the migration lock: %s: %s", what, dberror.describe(err, info)), 1
end

return M
