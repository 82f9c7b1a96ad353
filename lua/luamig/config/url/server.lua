-- luamig.config.url.server: reading a server URL (PostgreSQL, MySQL),
-- scheme://[user[:password]@]host[:port][,host[:port]...][/database][?query],
-- into the parameters of driver.connect, with the spans of its secrets.

local ddl = require("luamig.ddl")
local url_text = require("luamig.config.url.text")
local params = require("luamig.config.url.params")

local M = {}

local quote, percent_decode, read_query = url_text.quote, url_text.percent_decode, url_text.read_query
local PARAMS, URL_PARTS, SECRET, PORT = params.PARAMS, params.URL_PARTS, params.SECRET, params.PORT
local param_names = params.param_names

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
    if not host then return nil, nil, string.format("host %s is not a host name or address", quote(hostport)) end
    return host, port
  end
  if not ddl.dialect(driver).host_lists then
    return nil, nil, string.format("host %s: a list of hosts is for PostgreSQL (libpq) only", quote(hostport))
  end
  local hosts, ports, any_port = {}, {}, false
  for item in (hostport .. ","):gmatch("([^,]*),") do
    local host, port = one_host(item)
    if not host or host == "" then
      return nil, nil, string.format("host %s in %s is not a host name or address", quote(item), quote(hostport))
    end
    hosts[#hosts + 1], ports[#ports + 1] = host, port
    any_port = any_port or port ~= ""
  end
  if any_port then
    for i, port in ipairs(ports) do
      -- libpq takes one port for all hosts, or one per host
      if port == "" then
        return nil, nil, string.format("host %s in %s has no port: give every host its port, or none",
          quote(hosts[i]), quote(hostport))
      end
    end
  end
  return table.concat(hosts, ","), any_port and table.concat(ports, ",") or ""
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
      local dialect = ddl.dialect(driver)
      return nil, string.format("unknown parameter %s (%s)", quote(k), dialect.client_params_hint
        or (dialect.display_name .. " takes: " .. param_names(driver)))
    end
    if URL_PARTS[k] then
      if url[k] ~= nil and k ~= "host" and k ~= "port" then
        return nil, string.format("%s given twice (in the URL and as ?%s=)", k, k)
      end
      url[k] = v  -- ?host=/run/postgresql (a socket directory) and ?port= win over the URL's
    else
      url.params[k] = v
    end
    local bad = type(check) == "function" and not SECRET[k] and check(v)
    if bad then return nil, string.format("%s %s: %s", k, quote(v), bad) end
  end
  if url.port then
    for one in url.port:gmatch("[^,]+") do
      if not one:match("^%d+$") then return nil, string.format("port %s is not a number", quote(one)) end
      if PORT(one) then return nil, string.format("port %s is out of range (1 to 65535)", quote(one)) end
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

M.parse_server = parse_server

return M
