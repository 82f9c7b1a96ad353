-- luamig.url: database URLs. parse() reads one into the parameters of
-- driver.connect, checking it all before anything connects (a bad URL is
-- bad input, exit 2, not a failed connection); mask() shows it with its
-- password hidden wherever parse() found one; scrub() takes the password
-- out of a driver's message. Nothing prints a URL but through mask().

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local assert, select = assert, select
local str_char, str_format = string.char, string.format
local table_concat, table_sort = table.concat, table.sort

local M = {}

-- s in double quotes, a quote, backslash or control character in it escaped
-- (a message is one line).
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return c == '"' and '\\"' or c == "\\" and "\\\\" or str_format("\\%d", c:byte())
  end) .. '"'
end

local DRIVERS = {
  sqlite = "sqlite",
  postgresql = "postgres", postgres = "postgres",
  mysql = "mysql", mariadb = "mysql",
}

---------------------------------------------------------------------------
-- Query parameters. Each driver's table maps a name to true (any value) or
-- to a function(value) -> nil when good, else why it is not. A name or
-- value refused here is refused before connecting, as bad input (exit 2),
-- not as a failed connection. The drivers check them again for programs
-- that call driver.connect themselves.

local function integer_in(min, max)
  return function(v)
    local n = v:match("^%d+$") and tonumber(v)
    if not n or n < min or n > max then return str_format("expected an integer from %d to %d", min, max) end
  end
end

local function one_of(words, case_blind)
  local set = {}
  for _, w in ipairs(words) do set[w] = true end
  return function(v)
    if not set[case_blind and v:lower() or v] then return "expected one of " .. table_concat(words, ", ") end
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

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(hex) return str_char(tonumber(hex, 16)) end))
end

-- The query from index `from` of url: a list of {key, value, first, last}
-- (first..last: the value's span in url, for masking).
local function read_query(url, from)
  local list, seen = {}, {}
  local i = from
  while i <= #url + 1 do
    local j = url:find("&", i, true) or #url + 1
    local pair = url:sub(i, j - 1)
    if pair ~= "" then
      local eq = pair:find("=", 1, true)
      local key = percent_decode(eq and pair:sub(1, eq - 1) or pair)
      local entry = { key = key, value = eq and percent_decode(pair:sub(eq + 1)) or "",
        first = eq and i + eq or j, last = j - 1 }
      list[#list + 1] = entry
      if key == "" then entry.err = "a parameter without a name" end
      if seen[key] then entry.err = "parameter " .. quote(key) .. " given twice" end
      seen[key] = true
    end
    i = j + 1
  end
  return list
end

-- One reading of a server URL: its user information ends at the "@" at
-- index `at` of url (nil: there is none); `from` is the index after
-- "scheme://". Returns the parts, with `spans` = the secrets' spans in url
-- and `stop`, `query_from` = where the path and the query begin, or nil
-- when the text before `at` cannot be a user name and password.
local function read_server(url, from, at)
  local r = { spans = {} }
  local pos = from
  if at then
    local colon = url:find(":", from, true)
    if colon and colon > at then colon = nil end
    local user = url:sub(from, (colon or at) - 1)
    if user:find("[/?]") then return nil end
    r.user = user
    if colon then
      r.password = url:sub(colon + 1, at - 1)
      r.spans[1] = { colon + 1, at - 1 }
    end
    pos = at + 1
  end
  local stop = url:find("[/?]", pos) or #url + 1
  r.hostport, r.stop = url:sub(pos, stop - 1), stop
  local q = url:find("?", stop, true)
  r.query_from = q or #url + 1
  if url:sub(stop, stop) == "/" then r.path = url:sub(stop + 1, (q or #url + 1) - 1) end
  r.query = q and read_query(url, q + 1) or {}
  for _, p in ipairs(r.query) do
    if SECRET[p.key] then r.spans[#r.spans + 1] = { p.first, p.last } end
  end
  return r
end

-- One "host[:port]" (an IPv6 address in brackets): host, port ("" when
-- none), or nil.
local function one_host(text)
  local host, port
  if text:sub(1, 1) == "[" then -- [::1]:5432
    host, port = text:match("^%[([^%]]*)%]:?(.*)$")
  else
    host, port = text:match("^([^:]*):?(.*)$")
  end
  if not host or host:find("[%s@%[%],]") then return nil end
  return host, port
end

-- The host and port of a URL's host part. PostgreSQL takes a list,
-- "h1:5432,h2:5433", which libpq tries in turn (with
-- ?target_session_attrs=read-write it goes on to the primary): the
-- hosts and the ports are passed as libpq's comma-separated lists.
local function host_and_port(hostport, driver)
  if not hostport:find(",", 1, true) then
    local host, port = one_host(hostport)
    if not host then return nil, nil, str_format("host %s is not a host name or address", quote(hostport)) end
    return host, port
  end
  if driver ~= "postgres" then
    return nil, nil, str_format("host %s: a list of hosts is for PostgreSQL (libpq) only", quote(hostport))
  end
  local hosts, ports, any_port = {}, {}, false
  for item in (hostport .. ","):gmatch("([^,]*),") do
    local host, port = one_host(item)
    if not host or host == "" then
      return nil, nil, str_format("host %s in %s is not a host name or address", quote(item), quote(hostport))
    end
    hosts[#hosts + 1], ports[#ports + 1] = host, port
    any_port = any_port or port ~= ""
  end
  if any_port then
    for i, port in ipairs(ports) do
      -- libpq takes one port for all hosts, or one per host
      if port == "" then
        return nil, nil, str_format("host %s in %s has no port: give every host its port, or none",
          quote(hosts[i]), quote(hostport))
      end
    end
  end
  return table_concat(hosts, ","), any_port and table_concat(ports, ",") or ""
end

-- Check a reading and turn it into the parsed URL; nil, msg when it is not
-- a good one.
local function server_url(r, driver)
  local url = { driver = driver, params = {} }
  local host, port, herr = host_and_port(r.hostport, driver)
  if not host then return nil, herr end
  if r.path and r.path:find("@", 1, true) then
    return nil, "an \"@\" after the host: write an \"@\" in the database name as %40"
  end
  url.host = host ~= "" and percent_decode(host) or nil
  url.port = port ~= "" and port or nil
  url.database = r.path and r.path ~= "" and percent_decode(r.path) or nil
  url.user = r.user and r.user ~= "" and percent_decode(r.user) or nil
  url.password = r.password and percent_decode(r.password) or nil
  local known = PARAMS[driver]
  for _, p in ipairs(r.query) do
    local k, v = p.key, p.value
    if p.err then return nil, p.err end
    local check = URL_PARTS[k] or known[k]
    if not check then
      return nil, str_format("unknown parameter %s (%s)", quote(k), driver == "postgres"
        and "not a libpq connection parameter" or "MySQL takes: " .. M.param_names(driver))
    end
    if URL_PARTS[k] then
      if url[k] ~= nil and k ~= "host" and k ~= "port" then
        return nil, str_format("%s given twice (in the URL and as ?%s=)", k, k)
      end
      url[k] = v  -- ?host=/run/postgresql (a socket directory) and ?port= win over the URL's
    else
      url.params[k] = v
    end
    local bad = type(check) == "function" and not SECRET[k] and check(v)
    if bad then return nil, str_format("%s %s: %s", k, quote(v), bad) end
  end
  if url.port then
    for one in url.port:gmatch("[^,]+") do
      if not one:match("^%d+$") then return nil, str_format("port %s is not a number", quote(one)) end
      if PORT(one) then return nil, str_format("port %s is out of range (1 to 65535)", quote(one)) end
    end
  end
  return url
end

-- The parsed URL of a server URL (nil, msg when it cannot be read), the
-- secrets' spans in the text (for mask_url) and the reading taken.
--
-- The user name ends at the first ":", the password at the "@" before the
-- host. The host part is read as most URL parsers read it: it ends at the
-- first "/" or "?", the user information at its last "@" (so an "@" in a
-- password needs no escape). When that reading is not a good URL, the
-- password may hold "/" or "?": the user information then ends at the
-- first later "@" after which the URL reads well and names a database.
-- When no reading is good, the message masks the most that any reading
-- took for the password, and quotes nothing that could be part of it.
local function parse_server(url, from, driver)
  local stop = url:find("[/?]", from) or #url + 1
  local at
  for i = stop - 1, from, -1 do
    if url:byte(i) == 64 then at = i; break end -- "@"
  end
  local first = read_server(url, from, at)
  local parsed, err = server_url(first, driver)
  if parsed then return parsed, nil, first.spans, first end
  local spans, other = first.spans, false
  for i = stop, #url do
    if url:byte(i) == 64 then
      local r = read_server(url, from, i)
      if r then
        local p = server_url(r, driver)
        if p and p.database then return p, nil, r.spans, r end
        spans, other = r.spans, true
      end
    end
  end
  if other and not at then
    -- The first reading found no password, so what it quotes (a port, a
    -- host) may be a piece of one.
    err = "cannot tell where the password ends: write \"/\", \"?\" and \"@\" in it as %2F, %3F and %40"
  end
  return nil, err, spans
end

-- sqlite:relative.db, sqlite:///abs/path.db, sqlite:///relative (Alembic's
-- three slashes = relative), sqlite:////abs, sqlite::memory:.
local function parse_sqlite(url, rest, spans)
  local path
  if rest == "" or rest == "//" then
    -- `sqlite:$UNSET_VARIABLE` would otherwise migrate a database that
    -- vanishes when luamig exits, and say it went well
    return nil, "no database file in the sqlite URL (sqlite:FILE, or sqlite::memory: for a database in memory)"
  elseif rest == ":memory:" or rest == "///:memory:" then
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
  local parsed = { driver = "sqlite", params = {} }
  local q = path:find("?", 1, true)
  if q then
    local query = read_query(url, #url - #path + q + 1)
    for _, p in ipairs(query) do
      if SECRET[p.key] then spans[#spans + 1] = { p.first, p.last } end
    end
    for _, p in ipairs(query) do
      if p.err then return nil, p.err end
      local check = PARAMS.sqlite[p.key]
      if not check then
        return nil, str_format("unknown parameter %s (SQLite takes: %s)", quote(p.key), M.param_names("sqlite"))
      end
      local bad = check(p.value)
      if bad then return nil, str_format("%s %s: %s", p.key, quote(p.value), bad) end
      parsed.params[p.key] = p.value
    end
    path = path:sub(1, q - 1)
  end
  if path == "" then return nil, "no database file in sqlite URL" end
  parsed.database = path
  return parsed
end

-- url's scheme, its driver (nil: unknown) and the index after "scheme:".
local function scheme_of(url)
  local scheme, after = url:match("^([%a][%w+.-]*):()")
  local base = scheme and scheme:match("^([^+]+)") -- postgresql+psycopg2 works too
  return scheme, base and DRIVERS[base:lower()], after
end

-- parse_url's work: parsed | nil, msg; and the spans of the secrets.
local function parse(url)
  if type(url) ~= "string" or not url:find("%S") then return nil, "empty", {} end
  local scheme, driver, after = scheme_of(url)
  local server = url:sub(after or 1, (after or 1) + 1) == "//"
  local parsed, err, spans
  if driver == "sqlite" then
    spans = {}
    parsed, err = parse_sqlite(url, url:sub(after), spans)
    if not parsed and server then spans = select(3, parse_server(url, after + 2, "postgres")) end
  elseif server then
    parsed, err, spans = parse_server(url, after + 2, driver or "postgres")
  else
    spans = {}
    local at = url:find("@[^@]*$")  -- no "//": hide what could be a user and a password
    if at then spans[1] = { after or 1, at - 1 } end
  end
  if not driver then
    parsed, err = nil, str_format("unknown scheme%s (use sqlite:, postgresql:// or mysql://)",
      scheme and (" \"" .. scheme .. "\"") or "")
  elseif driver ~= "sqlite" and not server then
    parsed, err = nil, "expected " .. scheme .. "://[user[:password]@]host[:port]/database"
  end
  -- After the parts: a control character or an outer space is refused
  -- whatever else is wrong, and the spans above mask the message.
  if url:find("^%s") or url:find("%s$") then
    parsed, err = nil, "it starts or ends with a space"
  elseif url:find("%c") then
    parsed, err = nil, str_format("it holds a control character (byte %d)", url:byte(url:find("%c")))
  end
  if parsed then
    parsed.url = url
  elseif #spans == 0 and server then
    -- No reading found a password, yet one may be there: hide all that
    -- could be a user and a password.
    local at = url:find("@[^@]*$")
    if at then spans[1] = { after + 2, at - 1 } end
  end
  return parsed, err, spans
end

-- url with each span replaced by ***.
local function mask_spans(url, spans)
  table_sort(spans, function(a, b) return a[1] > b[1] end)
  for _, sp in ipairs(spans) do
    if sp[2] >= sp[1] then url = url:sub(1, sp[1] - 1) .. "***" .. url:sub(sp[2] + 1) end
  end
  return url
end

--- The names of the query parameters a driver takes, sorted, as one string.
function M.param_names(driver)
  local names = {}
  for k in pairs(PARAMS[driver]) do
    if k ~= "client_encoding" then names[#names + 1] = k end
  end
  if driver ~= "sqlite" then
    for k in pairs(URL_PARTS) do names[#names + 1] = k end
  end
  table_sort(names)
  return table_concat(names, ", ")
end

--- Parse a database URL into a table for driver.connect:
-- {driver, database, host, port, user, password, params, url}.
-- Returns nil, msg naming what is wrong; the message never holds the
-- password. A server URL without a database parses (helpers create
-- databases through such URLs); context.open refuses it.
function M.parse(url)
  local parsed, err, spans = parse(url)
  if parsed then return parsed end
  if err == "empty" then return nil, "bad database URL: empty" end
  return nil, str_format("bad database URL %s: %s", quote(mask_spans(url, spans)), err)
end

--- The URL with its password (wherever the parser found it: before the
-- host, ?password=, ?sslpassword=...) replaced by ***.
function M.mask(url)
  if type(url) ~= "string" then return tostring(url) end
  local _, _, spans = parse(url)
  return mask_spans(url, spans)
end

--- The URL of the database `name` on the server of `url` (same user,
-- password, host and parameters), for helpers that create databases.
function M.with_database(url, name)
  local _, driver, after = scheme_of(url)
  assert(driver and driver ~= "sqlite", "url.with_database: a server URL")
  local parsed, _, _, r = parse_server(url, after + 2, driver)
  assert(parsed, "url.with_database: a good URL")
  return url:sub(1, r.stop - 1) .. "/" .. name:gsub("[^%w_.~-]", function(c)
    return str_format("%%%02X", c:byte())
  end) .. url:sub(r.query_from)
end

--- Scrub every occurrence of the secrets from a message (drivers may echo
-- connection strings). `secrets`: a password, or a parsed URL (its
-- password and secret parameters). A secret of one or two characters is
-- left: it would turn every "p" of the message into *** and hide nothing
-- worth it.
function M.scrub(message, secrets)
  if type(message) ~= "string" then return message end
  local list = {}
  if type(secrets) == "table" then
    if secrets.password then list[#list + 1] = secrets.password end
    for k, v in pairs(secrets.params or {}) do
      if SECRET[k] then list[#list + 1] = v end
    end
    for _, v in ipairs(secrets) do list[#list + 1] = v end
  elseif secrets then
    list[1] = secrets
  end
  for _, secret in ipairs(list) do
    if #secret >= 3 then
      local i, j = message:find(secret, 1, true)
      while i do
        message = message:sub(1, i - 1) .. "***" .. message:sub(j + 1)
        i, j = message:find(secret, i + 3, true)
      end
    end
  end
  return message
end

return M
