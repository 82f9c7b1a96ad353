-- luamig.config.url.sqlite: reading a sqlite URL (sqlite:FILE,
-- sqlite:///abs/path.db, sqlite::memory:) into the parameters of
-- driver.connect.

local url_text = require("luamig.config.url.text")
local params = require("luamig.config.url.params")

local M = {}

local quote, read_query = url_text.quote, url_text.read_query
local PARAMS, SECRET = params.PARAMS, params.SECRET
local param_names = params.param_names

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
        return nil, string.format("unknown parameter %s (SQLite takes: %s)", quote(p.key), param_names("sqlite"))
      end
      local bad = check(p.value)
      if bad then return nil, string.format("%s %s: %s", p.key, quote(p.value), bad) end
      parsed.params[p.key] = p.value
    end
    path = path:sub(1, q - 1)
  end
  if path == "" then return nil, "no database file in sqlite URL" end
  parsed.database = path
  return parsed
end

M.parse_sqlite = parse_sqlite

return M
