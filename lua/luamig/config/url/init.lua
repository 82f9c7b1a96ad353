-- luamig.config.url: database URLs. parse() reads one into the parameters of
-- driver.connect, checking it all before anything connects (a bad URL is
-- bad input, exit 2, not a failed connection); mask() shows it with its
-- password hidden wherever parse() found one; scrub() takes the password
-- out of a driver's message. Nothing prints a URL but through mask().
--
-- This module is the entry point; the reading is done in its parts:
--   luamig.config.url.server  postgresql://, mysql:// URLs
--   luamig.config.url.sqlite  sqlite: URLs
--   luamig.config.url.params  the query parameters each driver takes
--   luamig.config.url.text    percent-escapes, the query string, quote()
--   luamig.config.url.scrub   scrub()

local ddl = require("luamig.ddl")
local url_text = require("luamig.config.url.text")
local params = require("luamig.config.url.params")
local url_server = require("luamig.config.url.server")
local url_sqlite = require("luamig.config.url.sqlite")
local url_scrub = require("luamig.config.url.scrub")

local M = {}

local quote = url_text.quote
local parse_server, parse_sqlite = url_server.parse_server, url_sqlite.parse_sqlite

local DRIVERS = {
  sqlite = "sqlite",
  postgresql = "postgres", postgres = "postgres",
  mysql = "mysql", mariadb = "mysql",
}

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
  local file = driver and ddl.dialect(driver).database_file
  if file then
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
    parsed, err = nil, string.format("unknown scheme%s (use sqlite:, postgresql:// or mysql://)",
      scheme and (" \"" .. scheme .. "\"") or "")
  elseif not file and not server then
    parsed, err = nil, "expected " .. scheme .. "://[user[:password]@]host[:port]/database"
  end
  -- After the parts: a control character or an outer space is refused
  -- whatever else is wrong, and the spans above mask the message.
  if url:find("^%s") or url:find("%s$") then
    parsed, err = nil, "it starts or ends with a space"
  elseif url:find("%c") then
    parsed, err = nil, string.format("it holds a control character (byte %d)", url:byte(url:find("%c")))
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
  table.sort(spans, function(a, b) return a[1] > b[1] end)
  for _, sp in ipairs(spans) do
    if sp[2] >= sp[1] then url = url:sub(1, sp[1] - 1) .. "***" .. url:sub(sp[2] + 1) end
  end
  return url
end

--- The names of the query parameters a driver takes, sorted, as one string.
M.param_names = params.param_names

--- Parse a database URL into a table for driver.connect:
-- {driver, database, host, port, user, password, params, url}.
-- Returns nil, msg naming what is wrong; the message never holds the
-- password. A server URL without a database parses (helpers create
-- databases through such URLs); context.open refuses it.
function M.parse(url)
  local parsed, err, spans = parse(url)
  if parsed then return parsed end
  if err == "empty" then return nil, "bad database URL: empty" end
  return nil, string.format("bad database URL %s: %s", quote(mask_spans(url, spans)), err)
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
  assert(driver and not ddl.dialect(driver).database_file, "url.with_database: a server URL")
  local parsed, _, _, r = parse_server(url, after + 2, driver)
  assert(parsed, "url.with_database: a good URL")
  return url:sub(1, r.stop - 1) .. "/" .. name:gsub("[^%w_.~-]", function(c)
    return string.format("%%%02X", c:byte())
  end) .. url:sub(r.query_from)
end

--- Scrub the secrets (a password, or a parsed URL's) from a message.
M.scrub = url_scrub.scrub

return M
