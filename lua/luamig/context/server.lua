-- luamig.context.server: the database a URL names, as a whole: create it,
-- drop it, wait for its server to accept connections (luamig create, drop,
-- wait, as dbmate's). A server database is made and dropped from a
-- connection to the server's maintenance database (the dialect's
-- maintenance_database: PostgreSQL's "postgres", none on MySQL); a SQLite
-- database is its file. What differs between backends is in the dialects
-- (luamig.ddl.*: create_database_sql, database_exists_sql...).

local driver = require("luamig.driver")
local config = require("luamig.config")
local ddl = require("luamig.ddl")
local dberror = require("luamig.present.dberror")
local interrupt = require("luamig.interrupt")
local sys = require("luamig.sys")
local sqlite_file = require("luamig.context.sqlite_file")

local M = {}

-- The parsed URL and its dialect; nil, msg, 2 for a URL that is bad or
-- names no database.
local function target(cfg)
  local url, err = config.parse_url(cfg.url)
  if not url then return nil, err .. (cfg.url_source and (" (" .. cfg.url_source .. ")") or ""), 2 end
  local dialect = ddl.dialect(url.driver)
  if dialect.database_file then
    if url.database == ":memory:" or url.database:sub(1, 5) == "file:" then
      return nil, string.format("the database URL %s names no file", config.mask_url(cfg.url)), 2
    end
  elseif not url.database then
    return nil, string.format("the database URL %s names no database: write its name after the host"
      .. " (%s://host/DBNAME)", config.mask_url(cfg.url), cfg.url:match("^[^:]*")), 2
  end
  return url, dialect
end

-- A connection to the server of url, in its maintenance database; params
-- overrides (connect_timeout). nil, msg, 1, why when it cannot connect
-- (why: the server's or the client's reason alone).
local function connect_server(cfg, url, dialect, params)
  local p = require("luamig.context").connect_params(url)
  p.database = dialect.maintenance_database
  for k, v in pairs(params or {}) do p[k] = v end
  local conn, err, info = driver.connect(url.driver, p)
  if not conn then
    local why = config.scrub(dberror.describe(err, info), url)
    return nil, string.format("cannot connect to the server of %s: %s", config.mask_url(cfg.url), why), 1, why
  end
  return conn
end

-- fn(conn) on a connection to the server; its results, the connection
-- closed. A database error becomes nil, msg, 1.
local function on_server(cfg, url, dialect, fn)
  local conn, err, status = connect_server(cfg, url, dialect)
  if not conn then return nil, err, status end
  local ok, a, b, c = pcall(fn, conn)
  conn:close()
  if not ok then error(a, 0) end
  if a == nil and b then b = config.scrub(dberror.describe(b), url) end
  return a, b, c
end

local function exists(conn, dialect, name)
  local row, err = conn:first(dialect.database_exists_sql, name)
  if row == nil and err then return nil, err end
  return row ~= nil
end

--- Create the database of cfg.url. opts.if_not_exists: one that exists is
-- no error. Returns "created" or "exists" | nil, msg, status.
function M.create(cfg, opts)
  local url, dialect, status = target(cfg)
  if not url then return nil, dialect, status end
  local shown = config.mask_url(cfg.url)
  if dialect.database_file then
    if sys.stat(url.database) then
      if opts.if_not_exists then return "exists" end
      return nil, string.format("the database %s already exists (the file %s)", shown, url.database), 1
    end
    local ok, err = sqlite_file.check(url.database)
    if not ok then return nil, err, 2 end
    local conn, cerr = driver.connect(url.driver, require("luamig.context").connect_params(url))
    if not conn then return nil, string.format("cannot create %s: %s", url.database, dberror.describe(cerr)), 1 end
    conn:close()
    return "created"
  end
  return on_server(cfg, url, dialect, function(conn)
    local found, err = exists(conn, dialect, url.database)
    if found == nil then return nil, err, 1 end
    if found then
      if opts.if_not_exists then return "exists" end
      return nil, string.format("the database %s already exists", shown), 1
    end
    local ok, cerr = conn:execute(string.format(dialect.create_database_sql, conn:quote_ident(url.database)))
    if not ok then return nil, cerr, 1 end
    return "created"
  end)
end

--- Drop the database of cfg.url. opts.if_exists: one that does not exist
-- is no error. Returns "dropped" or "absent" | nil, msg, status.
function M.drop(cfg, opts)
  local url, dialect, status = target(cfg)
  if not url then return nil, dialect, status end
  local shown = config.mask_url(cfg.url)
  if dialect.database_file then
    local st = sys.stat(url.database)
    if not st then
      if opts.if_exists then return "absent" end
      return nil, string.format("the database %s does not exist (no file %s)", shown, url.database), 1
    end
    if st.type ~= "file" then return nil, select(2, sqlite_file.check(url.database)), 2 end
    local ok, err = os.remove(url.database)
    if not ok then return nil, string.format("cannot drop %s: %s", shown, err), 1 end
    for _, suffix in ipairs(dialect.database_file_companions) do
      if sys.stat(url.database .. suffix) then os.remove(url.database .. suffix) end
    end
    return "dropped"
  end
  return on_server(cfg, url, dialect, function(conn)
    local found, err = exists(conn, dialect, url.database)
    if found == nil then return nil, err, 1 end
    if not found then
      if opts.if_exists then return "absent" end
      return nil, string.format("the database %s does not exist", shown), 1
    end
    local ok, derr = conn:execute(string.format(dialect.drop_named_database_sql, conn:quote_ident(url.database)))
    if not ok then return nil, derr, 1 end
    return "dropped"
  end)
end

--- Wait until the server of cfg.url accepts connections, trying again
-- every `every` seconds for at most `timeout` seconds. A SQLite database
-- has no server: ready at once. Returns the seconds waited and the
-- number of attempts | nil, msg,
-- status (1: the time ran out, with the last connection error).
function M.wait(cfg, timeout, every, log)
  local url, dialect, status = target(cfg)
  if not url then return nil, dialect, status end
  if dialect.database_file then return 0, 1 end
  local start = sys.monotonic()
  local last, tries = nil, 0
  while true do
    local left = timeout - (sys.monotonic() - start)
    -- One attempt never outlasts what is left: a host that drops packets
    -- would otherwise hold it for the URL's connect_timeout (default 10 s).
    local params = url.params.connect_timeout == nil and { connect_timeout = tostring(math.max(1, math.ceil(left))) }
      or nil
    local conn, _, _, why = connect_server(cfg, url, dialect, params)
    tries = tries + 1
    if conn then conn:close(); return sys.monotonic() - start, tries end
    last = why
    if tries == 1 then log(string.format("Waiting for %s to accept connections ...", config.mask_url(cfg.url))) end
    left = timeout - (sys.monotonic() - start)
    if left <= 0 then break end
    if not interrupt.sleep(math.min(every, left)) then return nil, "interrupted while waiting", 1 end
  end
  return nil, string.format("%s did not accept connections within %s s; the last attempt: %s",
    config.mask_url(cfg.url), tostring(timeout), last), 1
end

return M
