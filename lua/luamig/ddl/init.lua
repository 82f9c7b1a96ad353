-- luamig.ddl: the dialects that compile operation records to SQL.
--
-- The shared compiler is luamig.ddl.base; each dialect module returns one
-- dialect table that inherits from it and overrides only what differs. They
-- are stateless, so one table per dialect serves every context.

local M = {}

M.names = { "sqlite", "postgres", "mysql" }

-- The names a URL scheme or a driver may use for the same dialect.
local ALIASES = {
  sqlite = "sqlite", sqlite3 = "sqlite",
  postgres = "postgres", postgresql = "postgres",
  mysql = "mysql", mariadb = "mariadb",
}

--- The dialect for a driver name | nil, msg.
function M.dialect(name)
  if type(name) ~= "string" then
    error("ddl.dialect: argument #1 (name) must be a string, got " .. type(name), 2)
  end
  local canonical = ALIASES[name]
  if not canonical then
    return nil, string.format("unknown SQL dialect %q (expected sqlite, postgres, mysql or mariadb)", name)
  end
  return require("luamig.ddl." .. canonical)
end

--- The dialect for the server a connection reached: MariaDB's where a
-- MySQL connection's server says it is MariaDB (server_version()).
function M.for_server(dialect, version)
  if dialect.name == "mysql" and tostring(version or ""):find("MariaDB", 1, true) then
    return require("luamig.ddl.mariadb")
  end
  return dialect
end

return M
