-- Config files: luamig.lua (or -c FILE) that does not load, returns the
-- wrong thing, has an unknown key or a value of the wrong type, or cannot
-- be read at all. The project has a pending revision and DATABASE_URL
-- names the case's database, so a run that ignored the file and went on
-- with defaults would change it (or write luamig.db into the project):
-- the snapshots catch that. Bad input: exit 2, the file and the key named.
return function(k)
  local GOOD = k.rev { up = '  op.create_table("good_t", Column("id", Integer, { primary_key = true }))' }

  local function cfg(name, text, names, extra)
    local c = {
      name = name, files = { ["luamig.lua"] = text, [k.BAD] = GOOD }, url = false,
      env = { DATABASE_URL = "{url}" }, args = { "upgrade", "head" }, status = 2, names = names,
      culprit = "luamig.lua",
    }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  local function key(name, body, names)
    return cfg(name, "return {\n  " .. body .. ",\n}\n", names)
  end

  local function ok(name, text)
    return cfg(name, text, nil, { status = 0, versions = { k.B } })
  end

  return {
    cfg("syntax error", 'return { url = "{url}"\n', { "luamig.lua:" }),
    cfg("runtime error", 'local x = nil .. "a"\nreturn {}\n', { "luamig.lua:1" }),
    cfg("error(\"...\")", 'error("bad config")\nreturn {}\n', { "luamig.lua:1", "bad config" }),
    cfg("error({})", "error({})\n", { "luamig.lua:1" }),
    cfg("error(nil)", "error(nil)\n", { "luamig.lua:1" }),
    cfg("returns a number", "return 5\n", { "luamig.lua" }),
    cfg("returns nothing", "local x = 1\n", { "luamig.lua" }),
    cfg("returns a string", 'return "{url}"\n', { "luamig.lua" }),
    cfg("is empty", "", { "luamig.lua" }),
    cfg("is bytecode", string.dump(load("return {}")), { "luamig.lua" }),
    cfg("a list instead of a table of keys", 'return { "{url}" }\n', { "luamig.lua" }),
    key("unknown key", 'urll = "{url}"', { "luamig.lua", "urll" }),
    key("unknown key differing in case", 'URL = "{url}"', { "luamig.lua", "URL" }),
    key("url: a number", "url = 5", { "luamig.lua", "url" }),
    key("url: an unknown scheme", 'url = "mongodb://h/d"', { "luamig.lua", "mongodb" }),
    key("url: empty", 'url = ""', { "luamig.lua", "url" }),
    key("lock_timeout: a string", 'lock_timeout = "abc"', { "luamig.lua", "lock_timeout" }),
    key("lock_timeout: negative", "lock_timeout = -1", { "luamig.lua", "lock_timeout" }),
    key("lock_timeout: NaN", "lock_timeout = 0/0", { "luamig.lua", "lock_timeout" }),
    key("lock_lease: zero", "lock_lease = 0", { "luamig.lua", "lock_lease" }),
    key("lock_lease: a string", 'lock_lease = "30"', { "luamig.lua", "lock_lease" }),
    key("allow_rsu: a string", 'allow_rsu = "yes"', { "luamig.lua", "allow_rsu" }),
    key("transaction_per_migration: a string", 'transaction_per_migration = "yes"',
      { "luamig.lua", "transaction_per_migration" }),
    key("version_table: empty", 'version_table = ""', { "luamig.lua", "version_table" }),
    key("version_table: a number", "version_table = 5", { "luamig.lua", "version_table" }),
    key("version_table: the history table's name", 'version_table = "luamig_history"',
      { "luamig.lua", "version_table" }),
    key("version_table: an application table", 'version_table = "users"', { "luamig.lua", "version_table" }),
    cfg("version_table: an application table, verify --accept", 'return { version_table = "users" }\n',
      { "version_table" }, { args = { "verify", "--accept", k.A3 }, status = { 1, 2 } }),
    cfg("version_table: empty, stamp", 'return { version_table = "" }\n', { "luamig.lua", "version_table" },
      { args = { "stamp", k.B } }),
    key("history_table: the version table's name", 'history_table = "luamig_version"',
      { "luamig.lua", "history_table" }),
    key("history_table: empty", 'history_table = ""', { "luamig.lua", "history_table" }),
    key("script_location: no such directory", 'script_location = "nowhere"', { "nowhere" }),
    key("script_location: a file", 'script_location = "luamig.lua"', { "luamig.lua" }),
    key("script_location: a number", "script_location = 5", { "luamig.lua", "script_location" }),
    key("naming_convention: an unknown token", 'naming_convention = { ix = "ix_%(bogus)s" }',
      { "luamig.lua", "bogus" }),
    key("naming_convention: an unknown kind", 'naming_convention = { zz = "x_%(table_name)s" }',
      { "luamig.lua", "zz" }),
    key("naming_convention: a number", "naming_convention = 5", { "luamig.lua", "naming_convention" }),
    key("version_locations: no such directory", 'version_locations = { "nowhere" }', { "nowhere" }),
    key("version_locations: a string", 'version_locations = "migrations/versions"',
      { "luamig.lua", "version_locations" }),
    key("sqlite_batch_mode: a string", 'sqlite_batch_mode = "yes"', { "luamig.lua", "sqlite_batch_mode" }),
    key("include_object: a string", 'include_object = "x"', { "luamig.lua", "include_object" }),
    key("models: a number", "models = 5", { "luamig.lua", "models" }),
    cfg("luamig.lua is a directory", nil, { "luamig.lua" }, {
      files = { [k.BAD] = GOOD },
      prepare = function(ctx) os.execute("mkdir '" .. ctx.dir .. "/luamig.lua'") end,
    }),
    cfg("luamig.lua is a FIFO", nil, { "luamig.lua" }, {
      files = { [k.BAD] = GOOD }, timeout = 5,
      prepare = function(ctx) os.execute("mkfifo '" .. ctx.dir .. "/luamig.lua'") end,
    }),
    cfg("luamig.lua is a dangling symlink", nil, { "luamig.lua" }, {
      files = { [k.BAD] = GOOD },
      prepare = function(ctx) os.execute("ln -s nowhere.lua '" .. ctx.dir .. "/luamig.lua'") end,
    }),
    cfg("luamig.lua cannot be read (permissions)", 'return { url = "{url}" }\n', { "luamig.lua" }, {
      on = { "postgres", "mysql" }, as = "nobody",
      prepare = function(ctx)
        os.execute("chmod -R a+rX '" .. ctx.dir .. "' && chmod 000 '" .. ctx.dir .. "/luamig.lua'")
      end,
    }),
    cfg("-c names a missing file", "return {}\n", { "missing.lua" },
      { args = { "-c", "missing.lua", "upgrade", "head" } }),
    cfg("-c names a directory", "return {}\n", { "migrations" },
      { args = { "-c", "migrations", "upgrade", "head" } }),
    cfg("-c without a value", "return {}\n", { "-c" }, { args = { "upgrade", "head", "-c" } }),
    cfg("-c with an empty value", "return {}\n", { "config file" }, { args = { "-c", "", "upgrade", "head" } }),
    cfg("-c /dev/null", "return {}\n", { "/dev/null" }, { args = { "-c", "/dev/null", "upgrade", "head" } }),
    cfg("-c names a revision file", "return {}\n", { "b1_case.lua" },
      { args = { "-c", k.BAD, "upgrade", "head" } }),
    ok("a BOM before the code is fine", '\239\187\191return { url = "{url}" }\n'),
    ok("CRLF line ends are fine", 'return {\r\n  url = "{url}",\r\n}\r\n'),
    ok("a url from an unset variable falls back to DATABASE_URL", 'return { url = os.getenv("NO_SUCH_VARIABLE") }\n'),
  }
end
