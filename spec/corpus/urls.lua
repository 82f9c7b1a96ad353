-- Database URLs: unknown schemes, bad ports, no database name, bad options,
-- SQLite paths that are directories or missing, and every way of writing a
-- password, which must never be printed (not even with -v). A URL that
-- cannot be read is bad input (exit 2, the URL named, masked); one that is
-- read but cannot be connected to is a failed run (exit 1). The
-- database of the case and the server's default database stay as they
-- were, and no file appears in the project.
return function(k)
  local GOOD = k.rev { up = '  op.create_table("good_t", Column("id", Integer, { primary_key = true }))' }
  local SERVERS = { "postgres", "mysql" }

  -- The parts of the server's URL: scheme, user, password, host:port.
  local function server_vars(ctx)
    local admin = ctx.b.admin_url or ""
    local scheme, user, pw, hp = admin:match("^(%a+)://([^:]*):([^@]*)@([^/]*)/")
    return { scheme = scheme or "", user = user or "", pw = pw or "", hp = hp or "" }
  end

  local function url(name, u, status, names, extra)
    local c = {
      name = name, files = { [k.BAD] = GOOD }, url = false, args = { "-u", u, "upgrade", "head" },
      status = status, names = names, vars = server_vars, on = { "sqlite" },
    }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  -- A password form on a port where nothing listens: exit 1 (cannot
  -- connect), or 2 where the form itself is refused; never printed.
  local function password(name, u, secrets, extra)
    local c = url(name, u, { 1, 2 }, nil, { on = SERVERS, absent = secrets })
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  return {
    url("an unknown scheme", "mongodb://u:MongoPw11@h/d", 2, { "mongodb" }, { absent = { "MongoPw11" } }),
    url("a misspelt scheme", "postgress://h/d", 2, { "postgress" }),
    url("no scheme at all", "localhost/db", 2, { "localhost/db" }),
    url("a scheme and nothing else", "postgresql:", 2, { "postgresql:" }),
    url("one slash after the scheme", "postgresql:/h/d", 2, { "postgresql:/h/d" }),
    url("a port that is not a number", "postgresql://u:PortPw22@127.0.0.1:abc/db", 2, { "abc" },
      { absent = { "PortPw22" } }),
    url("a port out of range", "postgresql://127.0.0.1:99999/db", 2, { "99999" }),
    url("port 0", "mysql://127.0.0.1:0/db", 2, { "0" }),
    url("a negative port", "mysql://127.0.0.1:-5/db", 2, { "-5" }),
    url("an empty URL", "", 2, { "URL" }),
    url("a space in the host", "postgresql://ho st/db", 2, { "ho st" }),
    url("sqlite: with no path", "sqlite:", 2, { "sqlite:" }),
    url("sqlite: with a host", "sqlite://host/x.db", 2, { "sqlite://host/x.db" }),
    url("sqlite: a directory", "sqlite:///{dbdir}", 2, { "{dbdir}" }),
    url("sqlite: a directory with a trailing slash", "sqlite:///{dbdir}/", 2, { "{dbdir}" }),
    url("sqlite: a missing directory", "sqlite:nowhere/x.db", 2, { "nowhere" }),
    url("sqlite: a path through a file", "sqlite:luamig.lua/x.db", 2, { "luamig.lua" },
      { files = { [k.BAD] = GOOD, ["luamig.lua"] = "return {}\n" } }),
    url("sqlite: a file that is not a database", "sqlite:notes.db", { 1, 2 }, { "notes.db" },
      { files = { [k.BAD] = GOOD, ["notes.db"] = "these are my notes, not a database\n" } }),
    url("sqlite: an unknown option", "sqlite:x.db?frobnicate=1", 2, { "frobnicate" }),
    url("sqlite: a bad mode", "sqlite:x.db?mode=bogus", 2, { "bogus" }),
    url("sqlite: a bad busy_timeout", "sqlite:x.db?busy_timeout=abc", 2, { "busy_timeout" }),
    url("sqlite: mode=rw on a missing file", "sqlite:missing.db?mode=rw", { 1, 2 }, { "missing.db" }),
    url("DATABASE_URL that cannot be read", nil, 2, { "garbage" },
      { args = { "upgrade", "head" }, env = { DATABASE_URL = "garbage" } }),
    url("DATABASE_URL with an unknown scheme and a password", nil, 2, { "oracle" },
      { args = { "upgrade", "head" }, env = { DATABASE_URL = "oracle://u:EnvPw33@h/d" }, absent = { "EnvPw33" } }),
    url("-u without a value", nil, 2, { "-u" }, { args = { "upgrade", "head", "-u" } }),

    -- the server's URLs
    url("no database name", "{scheme}://{user}:{pw}@{hp}", 2, { "database" },
      { on = SERVERS, also_admin = true, absent = { "{pw}" } }),
    url("no database name, a trailing slash", "{scheme}://{user}:{pw}@{hp}/", 2, { "database" },
      { on = SERVERS, also_admin = true, absent = { "{pw}" } }),
    url("no database name, options only", "{scheme}://{user}:{pw}@{hp}/?connect_timeout=5", 2, { "database" },
      { on = SERVERS, also_admin = true, absent = { "{pw}" } }),
    url("an unknown option", "{scheme}://{user}:{pw}@{hp}/db?no_such_option=1", 2, { "no_such_option" },
      { on = SERVERS, absent = { "{pw}" } }),
    url("connect_timeout that is not a number", "{scheme}://{user}:{pw}@{hp}/db?connect_timeout=abc", 2,
      { "connect_timeout" }, { on = SERVERS, absent = { "{pw}" } }),
    url("a bad sslmode", "{scheme}://{user}:{pw}@{hp}/db?sslmode=bogus", 2, { "bogus" },
      { on = { "postgres" }, absent = { "{pw}" } }),
    url("client_encoding, which luamig sets itself", "{scheme}://{user}:{pw}@{hp}/db?client_encoding=LATIN1", 2,
      { "client_encoding" }, { on = { "postgres" }, absent = { "{pw}" } }),
    url("a bad ssl_mode", "{scheme}://{user}:{pw}@{hp}/db?ssl_mode=bogus", 2, { "bogus" },
      { on = { "mysql" }, absent = { "{pw}" } }),
    url("a charset other than utf8mb4", "{scheme}://{user}:{pw}@{hp}/db?charset=latin1", 2, { "charset" },
      { on = { "mysql" }, absent = { "{pw}" } }),
    url("a wrong password", "{scheme}://{user}:WrongPw77@{hp}/db", 1, { "{user}" },
      { on = SERVERS, absent = { "WrongPw77" } }),
    url("a database that does not exist", "{scheme}://{user}:{pw}@{hp}/no_such_db_x", 1, { "no_such_db_x" },
      { on = SERVERS, absent = { "{pw}" } }),
    url("nothing listens on the port", "{scheme}://{user}:ClosedPw88@127.0.0.1:1/db", 1, { "127.0.0.1" },
      { on = SERVERS, absent = { "ClosedPw88" } }),
    url("the other server's port", "{scheme}://{user}:{pw}@{otherhp}/db?connect_timeout=3", 1, { "{otherhp}" },
      { on = SERVERS, absent = { "{pw}" }, vars = function(ctx)
        local v = server_vars(ctx)
        local other = ctx.b.tag == "postgres" and os.getenv("LUAMIG_TEST_MYSQL_PORT") or os.getenv("LUAMIG_TEST_PG_PORT")
        v.otherhp = "127.0.0.1:" .. (other or "1")
        return v
      end }),

    -- passwords, in every form
    password("password: plain", "{scheme}://u:PlainPw01@127.0.0.1:1/db", { "PlainPw01" }),
    password("password: percent-escaped", "{scheme}://u:Esc%40Pw02@127.0.0.1:1/db", { "Esc%40Pw02", "Esc@Pw02" }),
    password("password: an unescaped @", "{scheme}://u:AtPw03@PART03@127.0.0.1:1/db", { "AtPw03", "PART03" }),
    password("password: an unescaped /", "{scheme}://u:SlPw04/PART04@127.0.0.1:1/db", { "SlPw04", "PART04" }),
    password("password: an unescaped ?", "{scheme}://u:QmPw05?PART05@127.0.0.1:1/db", { "QmPw05", "PART05" }),
    password("password: an unescaped #", "{scheme}://u:HsPw06#PART06@127.0.0.1:1/db", { "HsPw06", "PART06" }),
    password("password: a colon inside", "{scheme}://u:CoPw07:PART07@127.0.0.1:1/db", { "CoPw07", "PART07" }),
    password("password: ?password=", "{scheme}://u@127.0.0.1:1/db?password=QpPw08", { "QpPw08" }),
    password("password: ?password= and a user in the query", "{scheme}://127.0.0.1:1/db?user=u&password=QpPw09",
      { "QpPw09" }),
    password("password: with -v", "{scheme}://u:VerbosePw10@127.0.0.1:1/db", { "VerbosePw10" },
      { args = { "-v", "-u", "{scheme}://u:VerbosePw10@127.0.0.1:1/db", "upgrade", "head" }, verbose = true }),
    password("password: in DATABASE_URL", nil, { "EnvUrlPw12" },
      { args = { "upgrade", "head" }, env = { DATABASE_URL = "{scheme}://u:EnvUrlPw12@127.0.0.1:1/db" } }),
    password("password: in luamig.lua", nil, { "FilePw13" },
      { args = { "upgrade", "head" },
        files = { [k.BAD] = GOOD, ["luamig.lua"] = 'return { url = "{scheme}://u:FilePw13@127.0.0.1:1/db" }\n' } }),
    password("password: in a URL with a bad port", "{scheme}://u:BadPortPw14@127.0.0.1:x1/db", { "BadPortPw14" }),
    password("password: in a URL with an unknown option", "{scheme}://u:OptPw15@127.0.0.1:1/db?frob=1",
      { "OptPw15" }),
    password("password: current, not upgrade", "{scheme}://u:CurPw16@127.0.0.1:1/db", { "CurPw16" },
      { args = { "-u", "{scheme}://u:CurPw16@127.0.0.1:1/db", "current" } }),
    password("password: upgrade --sql prints no connection", "{scheme}://u:SqlPw17@h/db", { "SqlPw17" },
      { args = { "-u", "{scheme}://u:SqlPw17@h/db", "upgrade", "--sql", "base:head" }, status = 0 }),
  }
end
