-- luamig.config.url.params: the query parameters each driver takes in a
-- database URL, the checks of their values, and which of them are secrets.

local ddl = require("luamig.ddl")

local M = {}

-- Query parameters. Each driver's table maps a name to true (any value) or
-- to a function(value) -> nil when good, else why it is not. A name or
-- value refused here is refused before connecting, as bad input (exit 2),
-- not as a failed connection. The drivers check them again for programs
-- that call driver.connect themselves.

local function integer_in(min, max)
  return function(v)
    local n = v:match("^%d+$") and tonumber(v)
    if not n or n < min or n > max then return string.format("expected an integer from %d to %d", min, max) end
  end
end

local function one_of(words, case_blind)
  local set = {}
  for _, w in ipairs(words) do set[w] = true end
  return function(v)
    if not set[case_blind and v:lower() or v] then return "expected one of " .. table.concat(words, ", ") end
  end
end

local PORT = integer_in(1, 65535)

local PARAMS = {
  sqlite = { mode = one_of { "rwc", "rw" }, busy_timeout = integer_in(0, 2147483647) },
  -- libpq's connection keywords (PostgreSQL 15 to 18) and luamig's
  -- `schema`; libpq checks the values of the ones without a function.
  postgres = {
    hostaddr = true, passfile = true, require_auth = true,
    channel_binding = one_of { "disable", "prefer", "require" },
    connect_timeout = integer_in(0, 2147483647), options = true, application_name = true,
    fallback_application_name = true, keepalives = integer_in(0, 1), keepalives_idle = integer_in(0, 2147483647),
    keepalives_interval = integer_in(0, 2147483647), keepalives_count = integer_in(0, 2147483647),
    tcp_user_timeout = integer_in(0, 2147483647), replication = true,
    gssencmode = one_of { "disable", "prefer", "require" },
    sslmode = one_of { "disable", "allow", "prefer", "require", "verify-ca", "verify-full" },
    sslnegotiation = true, sslcompression = true, sslcert = true, sslkey = true, sslkeylogfile = true,
    sslpassword = true, sslcertmode = true, sslrootcert = true, sslcrl = true, sslcrldir = true, sslsni = true,
    requirepeer = true, ssl_min_protocol_version = true, ssl_max_protocol_version = true,
    min_protocol_version = true, max_protocol_version = true, krbsrvname = true, gsslib = true,
    gssdelegation = true, scram_client_key = true, scram_server_key = true, service = true,
    target_session_attrs = one_of { "any", "read-write", "read-only", "primary", "standby", "prefer-standby" },
    load_balance_hosts = one_of { "disable", "random" },
    oauth_issuer = true, oauth_client_id = true, oauth_client_secret = true, oauth_scope = true,
    client_encoding = function() return "luamig always talks UTF8: leave it out" end,
    -- luamig's own: the schema revisions run in (the driver sets search_path)
    schema = function(v) if v == "" or #v > 63 then return "expected a schema name of 1 to 63 bytes" end end,
  },
  mysql = {
    unix_socket = true, ssl_ca = true, ssl_cert = true, ssl_key = true,
    connect_timeout = integer_in(1, 31536000), read_timeout = integer_in(1, 31536000),
    write_timeout = integer_in(1, 31536000),
    ssl_mode = one_of({ "disabled", "preferred", "required", "verify_ca", "verify_identity" }, true),
    ssl = one_of({ "true", "false", "1", "0" }, true),
    charset = function(v) if v:lower() ~= "utf8mb4" then return "expected utf8mb4 (luamig always uses it)" end end,
    read_default_file = true, read_default_group = true,  -- option files, as the mysql client reads them
  },
}

-- Parameters every server driver takes from the query as parts of the URL.
local URL_PARTS = { host = true, port = true, user = true, password = true }

-- Parameters whose value is a secret: masked as the password is.
local SECRET = { password = true, sslpassword = true, oauth_client_secret = true,
  scram_client_key = true, scram_server_key = true }

--- The names of the query parameters a driver takes, sorted, as one string.
function M.param_names(driver)
  local names = {}
  for k in pairs(PARAMS[driver]) do
    if k ~= "client_encoding" then names[#names + 1] = k end
  end
  if not ddl.dialect(driver).database_file then
    for k in pairs(URL_PARTS) do names[#names + 1] = k end
  end
  table.sort(names)
  return table.concat(names, ", ")
end

-- PARAMS[driver][name] is its check, PORT checks a port (nil when good).
M.PARAMS, M.URL_PARTS, M.SECRET, M.PORT = PARAMS, URL_PARTS, SECRET, PORT

return M
