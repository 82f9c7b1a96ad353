-- luamig.lock.sqlite: the migration lock of a SQLite database, a file lock
-- (see luamig.lock).

local filelock = require("luamig.filelock")
local common = require("luamig.lock.common")

local M = {}

-- The file a SQLite database's lock lives in; nil for an in-memory one.
local function lock_path(database)
  if database == ":memory:" or database == "" then return nil end
  local path = database
  if path:sub(1, 5) == "file:" then
    if path:find("mode=memory", 1, true) then return nil end
    path = path:sub(6):gsub("%?.*$", "")
  end
  return path .. "-luamig-lock"
end

function M.strategy(ctx)
  local path = lock_path(ctx.url.database)
  if not path then
    return { where = "in-memory database", try = function() return true end, release = function() end }
  end
  local file, err, why = filelock.open(path)
  if why == "unsafe" then
    -- Something else sits where the lock file goes: a link planted to
    -- have the run overwrite its target, or a file that is not ours.
    return nil, string.format("cannot take the migration lock: the lock file %s; luamig neither follows nor"
      .. " overwrites it: remove it if no luamig run is using it, and check who could put it there", err), 2
  end
  if not file then return nil, string.format("cannot take the migration lock: %s", err), 1 end
  local s = { where = string.format("lock file %s", path) }
  function s.try()
    local ok, terr = file:try()
    if ok == nil then return nil, string.format("cannot take the migration lock: %s: %s", path, terr), 1 end
    if ok then file:set_owner(common.owner_note() .. " since " .. os.date("!%Y-%m-%dT%H:%M:%SZ")) end
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

M.path = lock_path
return M
