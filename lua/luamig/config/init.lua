-- luamig.config: where settings come from.
--
-- Precedence, highest first: command-line flags (-u, -x), the optional
-- luamig.lua file (or -c FILE), $DATABASE_URL, built-in defaults. Every key
-- has a default so that a bare `luamig upgrade head` works with no file.
-- A settings file that exists but cannot be read is an error: only a
-- missing ./luamig.lua means "no settings file".

local sys = require("luamig.sys")
local url = require("luamig.config.url")
local failure = require("luamig.script.failure")

local M = {}

M.defaults = {
  script_location = "migrations",
  url = "sqlite:luamig.db",
  models = "models",
  version_table = "luamig_version",
  history_table = "luamig_history",
  transaction_per_migration = true,
  lock_timeout = 60,
  lock_lease = 30,     -- MySQL: seconds without heartbeat before a lock row is taken over
  allow_rsu = false,   -- Galera: run on a node whose wsrep_OSU_method is RSU (see README)
}

-- Database URLs live in luamig.config.url; these names are the ones the other
-- modules have always called.
M.parse_url, M.mask_url, M.scrub, M.with_database = url.parse, url.mask, url.scrub, url.with_database

local ENOENT = 2  -- errno: no such file or directory

-- Is there an entry named like path in its directory, though stat() finds
-- no file there? Then it is a symbolic link to nothing.
local function dangling_link(path)
  local dir, name = path:match("^(.*)/([^/]*)$")
  local names = sys.listdir(dir or ".")
  for _, n in ipairs(names or {}) do
    if n == (name or path) then return true end
  end
  return false
end

-- The text of the config file at path; false when there is none and none
-- is required; nil, msg when a file is there and cannot be read. Only a
-- name that does not exist at all means "no config file": a file luamig
-- cannot read must not make it fall back to another database.
local function read_config(path, required)
  if path == "" then return nil, "-c: no config file named" end
  local st, err, errno = sys.stat(path)
  if not st then
    if errno == ENOENT and dangling_link(path) then
      return nil, string.format("cannot read config file %s: it is a symbolic link to a file that does not exist", path)
    end
    if errno == ENOENT and not required then return false end
    return nil, string.format("cannot read config file %s", err)
  end
  -- Checked before opening: opening a FIFO would wait for a writer.
  if st.type == "dir" then return nil, string.format("cannot read config file %s: it is a directory", path) end
  if st.type ~= "file" then return nil, string.format("cannot read config file %s: it is not a regular file", path) end
  local f, open_err = io.open(path, "rb")
  if not f then return nil, string.format("cannot read config file %s", open_err) end
  local src, read_err = f:read("a")
  f:close()
  if not src then return nil, string.format("cannot read config file %s: %s", path, read_err) end
  return src
end

-- What a config file sees besides the standard library: the constructors
-- a revision has (Column, Integer, sql...), for the functions of its
-- `operations`; made on first use, so that a config without them loads
-- nothing more.
local constructors
local function config_global(_, key)
  local v = _G[key]
  if v ~= nil or type(key) ~= "string" then return v end
  if not constructors then
    constructors = require("luamig.schema.types").export(setmetatable({}, { __index = function() return nil end }))
  end
  return rawget(constructors, key)
end

-- The config file runs as a text chunk with the standard library, so it can
-- read the environment; it returns a table.
local function load_file(path, required)
  local src, read_err = read_config(path, required)
  if src == false then return {}, false end
  if not src then return nil, read_err end
  if src:sub(1, 3) == "\239\187\191" then src = src:sub(4) end  -- a UTF-8 BOM, as revision files allow
  local env = setmetatable({}, { __index = config_global })
  local chunk, err = load(src, "@" .. path, "t", env)
  if not chunk then
    if err:sub(1, #path + 1) ~= path .. ":" then err = path .. ": " .. err end  -- "attempt to load a binary chunk"
    return nil, string.format("config file %s", err)
  end
  -- Whatever the file raises is told at its line (luamig.script.failure).
  local ok, result = xpcall(chunk, failure.handler(path))
  if not ok then
    local msg = result.message
    if msg:sub(1, #path + 1) ~= path .. ":" then msg = path .. ": " .. msg end  -- error(msg, 0)
    return nil, "config file " .. msg
  end
  if type(result) ~= "table" then
    return nil, string.format("config file %s must return a table, got %s", path, type(result))
  end
  return result, true
end

local KNOWN = {
  script_location = "string", url = "string", models = "string",
  version_table = "string", history_table = "string", transaction_per_migration = "boolean",
  version_locations = "table", naming_convention = "table",
  sqlite_batch_mode = "boolean", post_write_hook = "string",
  include_object = "function", include_name = "function",
  version_table_schema = "string", lock_timeout = "number", schema = "string",
  lock_lease = "number", allow_rsu = "boolean",
  -- how long a revision's statement may wait for a table lock, and run (luamig.context.ddl_lock)
  ddl_lock_timeout = "number", ddl_lock_retries = "number", ddl_lock_backoff = "number",
  statement_timeout = "number",
  -- what `upgrade` without --phase runs: "all" (default), "expand" or "contract" (luamig.plan)
  upgrade_phase = "string",
  targets = "table",  -- a fleet's databases (luamig.fleet.targets reads them)
  operations = "table",  -- the project's own ops: name -> function(op, ...) (luamig.ops)
  -- revision --autogenerate's hooks, as Alembic's (luamig.command.revision_hooks, luamig.autogen.directives)
  file_template = "string", skip_empty_autogenerate = "boolean", process_revision_directives = "function",
  post_write_hooks = "table",
  lint = "table",  -- luamig lint's rules: { disable = {...}, severity = {...} } (luamig.lint)
}

-- The settings of luamig.context.ddl_lock, checked alike in luamig.lua and
-- on the command line: what each must be, or nil when `v` is fine.
local TIMEOUTS = {
  ddl_lock_timeout = { "a number of seconds > 0", function(v) return v > 0 and v <= 86400 end },
  statement_timeout = { "a number of seconds > 0", function(v) return v > 0 and v <= 86400 end },
  ddl_lock_retries = { "a whole number from 0 to 100", function(v) return v >= 0 and v <= 100 and v % 1 == 0 end },
  ddl_lock_backoff = { "a number of seconds from 0 to 60", function(v) return v >= 0 and v <= 60 end },
}
function M.check_timeout(key, v)
  local rule = TIMEOUTS[key]
  if type(v) == "number" and v == v and rule[2](v) then return nil end
  return string.format("%s must be %s, got %s", key, rule[1], tostring(v))
end

--- Build the settings for one run.
-- opts: config_file (explicit -c; false: no file, not even ./luamig.lua),
-- url (-u), schema (--schema), x (table of -x key=value).
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
      return nil, string.format("config file %s: unknown key %q", where, tostring(k))
    elseif type(v) ~= want then
      return nil, string.format("config file %s: %s must be a %s, got %s", where, k, want, type(v))
    elseif k == "naming_convention" then
      local ok, err = require("luamig.schema.naming").check(v)
      if not ok then return nil, string.format("config file %s: %s", where, err) end
    elseif k == "operations" then
      for name, fn in pairs(v) do
        if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") or type(fn) ~= "function" then
          return nil, string.format("config file %s: operations must map op names to functions(op, ...), got"
            .. " %s = %s", where, tostring(name), type(fn))
        end
      end
    elseif k == "lint" then
      local ok, err = require("luamig.lint").check_config(v)
      if not ok then return nil, string.format("config file %s: %s", where, err) end
    elseif k == "file_template" then
      local ok, err = require("luamig.script.file_template").check(v)
      if not ok then return nil, string.format("config file %s: file_template %q: %s", where, v, err) end
    elseif k == "lock_timeout" and not (v >= 0 and v < math.huge) then
      return nil, string.format("config file %s: lock_timeout must be a number of seconds >= 0, got %s", where,
        tostring(v))
    elseif TIMEOUTS[k] and M.check_timeout(k, v) then
      return nil, string.format("config file %s: %s", where, M.check_timeout(k, v))
    elseif k == "lock_lease" and not (v >= 1 and v <= 86400) then
      return nil, string.format("config file %s: lock_lease must be a number of seconds from 1 to 86400, got %s",
        where, tostring(v))
    elseif (k == "version_table" or k == "history_table") and (not v:match("^[%w_$]+$") or #v > 63) then
      return nil, string.format("config file %s: %s must be a table name of letters, digits and _ (at most 63),"
        .. " got %q", where, k, v)
    end
  end
  local version_table = file.version_table or M.defaults.version_table
  if version_table == (file.history_table or M.defaults.history_table) then
    return nil, string.format("config file %s: version_table and history_table must be two tables, both are %q",
      where, version_table)
  end
  local cfg = {}
  for k, v in pairs(M.defaults) do cfg[k] = v end
  -- Where the URL came from, for a message about a bad one.
  cfg.url_source = nil
  local env_url = os.getenv("DATABASE_URL")
  if env_url and env_url ~= "" then cfg.url, cfg.url_source = env_url, "from $DATABASE_URL" end
  for k, v in pairs(file) do cfg[k] = v end
  if file.url ~= nil then cfg.url_source = string.format("url in %s", where) end
  if opts.url then cfg.url, cfg.url_source = opts.url, "from -u" end
  if opts.schema then cfg.schema, cfg.schema_source = opts.schema, "--schema" end
  cfg.x = opts.x or {}
  cfg.config_file = found and where or nil
  return cfg
end

return M
