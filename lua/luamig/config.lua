-- luamig.config: where settings come from, and database URLs.
--
-- Precedence, highest first: command-line flags (-u, -x), the optional
-- luamig.lua file (or -c FILE), $DATABASE_URL, built-in defaults. Every key
-- has a default so that a bare `luamig upgrade head` works with no file.
-- A URL's password is decoded here and never printed: everything that shows
-- a URL goes through mask_url().

local setmetatable, type, pairs, tostring = setmetatable, type, pairs, tostring
local tonumber, load = tonumber, load
local io_open, os_getenv = io.open, os.getenv
local str_char, str_format = string.char, string.format

local M = {}

M.defaults = {
  script_location = "migrations",
  url = "sqlite:luamig.db",
  models = "models",
  version_table = "luamig_version",
  history_table = "luamig_history",
  transaction_per_migration = true,
  lock_timeout = 60,
}

local DRIVERS = {
  sqlite = "sqlite",
  postgresql = "postgres", postgres = "postgres",
  mysql = "mysql", mariadb = "mysql",
}

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(hex) return str_char(tonumber(hex, 16)) end))
end

local function parse_query(query)
  local params = {}
  for pair in query:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if k then params[percent_decode(k)] = percent_decode(v)
    else params[percent_decode(pair)] = "" end
  end
  return params
end

-- sqlite:relative.db, sqlite:///abs/path.db, sqlite:///relative (Alembic's
-- three slashes = relative), sqlite:////abs, sqlite::memory:.
local function parse_sqlite(rest)
  local path
  if rest == ":memory:" or rest == "///:memory:" or rest == "//" or rest == "" then
    path = ":memory:"
  elseif rest:sub(1, 3) == "///" then
    path = rest:sub(4)
    -- sqlite:///abs/path.db is what users write for absolute paths; Alembic's
    -- four-slash form also works.
    if path:sub(1, 1) ~= "/" then path = "/" .. path end
  elseif rest:sub(1, 2) == "//" then
    return nil, "a sqlite URL has no host: use sqlite:relative.db or sqlite:///abs/path.db"
  else
    path = rest
  end
  local query = ""
  local q = path:find("?", 1, true)
  if q then path, query = path:sub(1, q - 1), path:sub(q + 1) end
  if path == "" then return nil, "no database file in sqlite URL" end
  return { driver = "sqlite", database = path, params = parse_query(query) }
end

local function parse_server(driver, rest)
  if rest:sub(1, 2) ~= "//" then
    return nil, "expected " .. driver .. "://[user[:password]@]host[:port]/database"
  end
  rest = rest:sub(3)
  local query = ""
  local q = rest:find("?", 1, true)
  if q then rest, query = rest:sub(1, q - 1), rest:sub(q + 1) end
  local authority, database = rest:match("^([^/]*)/?(.*)$")
  local url = { driver = DRIVERS[driver], params = parse_query(query) }
  local userinfo, hostport = authority:match("^(.*)@([^@]*)$")
  if not userinfo then hostport = authority end
  if userinfo then
    local user, password = userinfo:match("^([^:]*):(.*)$")
    url.user = percent_decode(user or userinfo)
    url.password = password and percent_decode(password) or nil
  end
  local host, port
  if hostport:sub(1, 1) == "[" then -- [::1]:5432
    host, port = hostport:match("^%[([^%]]*)%]:?(%d*)$")
  else
    host, port = hostport:match("^([^:]*):?(.*)$")
  end
  if not host then return nil, "cannot read host and port" end
  if port ~= "" and not port:match("^%d+$") then
    return nil, str_format("port %q is not a number", port)
  end
  url.host = host ~= "" and percent_decode(host) or nil
  url.port = port ~= "" and port or nil
  url.database = database ~= "" and percent_decode(database) or nil
  -- ?host=/run/postgresql (libpq) and ?unix_socket= (MySQL) name a socket
  if url.params.host then url.host = url.params.host; url.params.host = nil end
  if url.params.port then url.port = url.params.port; url.params.port = nil end
  return url
end

--- Parse a database URL into a table for driver.connect.
-- Returns nil, msg naming what is wrong; the message never holds the password.
function M.parse_url(url)
  if type(url) ~= "string" or url == "" then
    return nil, "bad database URL: empty"
  end
  local scheme, rest = url:match("^([%a][%w+.-]*):(.*)$")
  local base = scheme and scheme:match("^([^+]+)") -- postgresql+psycopg2 works too
  local driver = base and DRIVERS[base:lower()]
  if not driver then
    return nil, str_format("bad database URL %q: unknown scheme%s (use sqlite:, postgresql:// or mysql://)",
      M.mask_url(url), scheme and (" \"" .. scheme .. "\"") or "")
  end
  local parsed, err
  if driver == "sqlite" then parsed, err = parse_sqlite(rest)
  else parsed, err = parse_server(base:lower(), rest) end
  if not parsed then
    return nil, str_format("bad database URL %q: %s", M.mask_url(url), err)
  end
  parsed.url = url
  return parsed
end

--- The URL with its password replaced by ***.
function M.mask_url(url)
  if type(url) ~= "string" then return tostring(url) end
  return (url:gsub("^([%a][%w+.-]*://[^:/@]*):[^@/]*@", "%1:***@"))
end

--- Scrub every occurrence of a password from a message (drivers may echo
-- connection strings). A password of one or two characters is left: it
-- would turn every "p" of the message into *** and hide nothing worth it.
function M.scrub(message, password)
  if not password or #password < 3 or type(message) ~= "string" then return message end
  local i, j = message:find(password, 1, true)
  while i do
    message = message:sub(1, i - 1) .. "***" .. message:sub(j + 1)
    i, j = message:find(password, i + 3, true)
  end
  return message
end

-- The config file runs as a text chunk with the standard library, so it can
-- read the environment; it returns a table.
local function load_file(path, required)
  local f, open_err = io_open(path, "rb")
  if not f then
    if required then return nil, str_format("cannot read config file %s", open_err) end
    return {}, false
  end
  local src = f:read("a")
  f:close()
  local env = setmetatable({}, { __index = _G })
  local chunk, err = load(src, "@" .. path, "t", env)
  if not chunk then return nil, str_format("config file %s", err) end
  local ok, result = pcall(chunk)
  if not ok then return nil, str_format("config file %s", tostring(result)) end
  if type(result) ~= "table" then
    return nil, str_format("config file %s must return a table, got %s", path, type(result))
  end
  return result, true
end

local KNOWN = {
  script_location = "string", url = "string", models = "string",
  version_table = "string", history_table = "string", transaction_per_migration = "boolean",
  version_locations = "table", naming_convention = "table",
  sqlite_batch_mode = "boolean", post_write_hook = "string",
  include_object = "function", include_name = "function",
  version_table_schema = "string", lock_timeout = "number",
}

--- Build the settings for one run.
-- opts: config_file (explicit -c; false: no file, not even ./luamig.lua),
-- url (-u), x (table of -x key=value).
function M.load(opts)
  opts = opts or {}
  local file, found = {}, false
  if opts.config_file ~= false then
    file, found = load_file(opts.config_file or "luamig.lua", opts.config_file ~= nil)
  end
  if not file then return nil, found end
  local where = opts.config_file or "luamig.lua"
  for k, v in pairs(file) do
    local want = KNOWN[k]
    if not want then
      return nil, str_format("config file %s: unknown key %q", where, tostring(k))
    elseif type(v) ~= want then
      return nil, str_format("config file %s: %s must be a %s, got %s", where, k, want, type(v))
    elseif k == "naming_convention" then
      local ok, err = require("luamig.naming").check(v)
      if not ok then return nil, str_format("config file %s: %s", where, err) end
    end
  end
  local cfg = {}
  for k, v in pairs(M.defaults) do cfg[k] = v end
  local env_url = os_getenv("DATABASE_URL")
  if env_url and env_url ~= "" then cfg.url = env_url end
  for k, v in pairs(file) do cfg[k] = v end
  if opts.url then cfg.url = opts.url end
  cfg.x = opts.x or {}
  cfg.config_file = found and where or nil
  return cfg
end

return M
