-- luamig.context.sqlite_file: the checks of a SQLite database path before
-- it is opened, so that a bad path gets a message that names what is wrong
-- with it rather than SQLite's "unable to open database file".

local sys = require("luamig.sys")

local M = {}

-- Where a relative SQLite path points to a missing directory SQLite only
-- says "unable to open database file"; name the directory instead.
function M.check(path)
  if path == ":memory:" or path:sub(1, 5) == "file:" then return true end
  -- SQLite would say "unable to open database file" for a directory, and
  -- wait forever reading a FIFO.
  local file = sys.stat(path)
  if file and file.type == "dir" then
    return nil, string.format("cannot open database %s: it is a directory; name a file in it (sqlite:%s/app.db)",
      path, (path:gsub("/+$", "")))
  elseif file and file.type ~= "file" then
    return nil, string.format("cannot open database %s: it is not a regular file", path)
  end
  local dir = path:match("^(.*)/[^/]*$") or "."
  if dir == "" then dir = "/" end
  local st = sys.stat(dir)
  if not st then
    return nil, string.format("cannot open database %s: directory %s does not exist", path, dir)
  elseif st.type ~= "dir" then
    return nil, string.format("cannot open database %s: %s is not a directory", path, dir)
  end
  -- SQLite writes a journal next to the database, so the directory must be
  -- writable as well as searchable.
  if not sys.access(dir, "wx") then
    return nil, string.format("cannot open database %s: directory %s is not writable by this user", path, dir)
  end
  if file and not sys.access(path, "rw") then
    return nil, string.format("cannot open database %s: the file is not readable and writable by this user", path)
  end
  return true
end

return M
