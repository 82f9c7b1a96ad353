-- config: URL parsing, masking, settings precedence.
local config = require("luamig.config")

-- parse_url refuses `url` with a message holding `expected` and none of
-- the strings in the list `hidden` (the password). Returns the message.
local function refused(url, expected, hidden)
  local u, err = config.parse_url(url)
  assert.is_nil(u, "accepted: " .. url)
  assert.matches(expected, err, 1, true)
  for _, secret in ipairs(hidden or {}) do assert.is_nil(err:find(secret, 1, true), err) end
  return err
end

describe("config.parse_url", function()
  it("reads relative, absolute and in-memory SQLite URLs", function()
    assert.same({ driver = "sqlite", database = "app.db", params = {}, url = "sqlite:app.db" },
      config.parse_url("sqlite:app.db"))
    assert.equal("/abs/path.db", config.parse_url("sqlite:///abs/path.db").database)
    assert.equal("/abs/path.db", config.parse_url("sqlite:////abs/path.db").database)
    assert.equal(":memory:", config.parse_url("sqlite::memory:").database)
  end)

  it("reads server URLs with every part, percent-decoding user and password", function()
    local u = assert(config.parse_url("postgresql://al%40ice:p%3Ass%2Fw@db.example:6432/shop?sslmode=require"))
    assert.equal("postgres", u.driver)
    assert.equal("al@ice", u.user)
    assert.equal("p:ss/w", u.password)
    assert.equal("db.example", u.host)
    assert.equal("6432", u.port)
    assert.equal("shop", u.database)
    assert.same({ sslmode = "require" }, u.params)
  end)

  it("maps every scheme to its driver", function()
    for _, case in ipairs {
      { "postgres://h/d", "postgres" }, { "postgresql+psycopg2://h/d", "postgres" },
      { "mysql://h/d", "mysql" }, { "mariadb://u@h/d", "mysql" },
    } do
      assert.equal(case[2], config.parse_url(case[1]).driver, case[1])
    end
  end)

  it("takes a unix socket directory from ?host=", function()
    local u = assert(config.parse_url("postgresql://me@/db?host=/run/postgresql"))
    assert.equal("/run/postgresql", u.host)
    assert.is_nil(u.params.host)
    assert.equal("db", u.database)
  end)

  it("reads IPv6 hosts", function()
    local u = assert(config.parse_url("mysql://root@[::1]:3307/x"))
    assert.equal("::1", u.host)
    assert.equal("3307", u.port)
  end)

  it("rejects unknown schemes and bad ports without showing the password", function()
    refused("oracle://scott:tiger@h/d", 'unknown scheme "oracle"', { "tiger" })
    refused("postgresql://u:secret@h:5x/d", 'port "5x" is not a number', { "secret" })
    refused("", "empty")
    refused("postgresql:db", "expected postgresql://")
  end)
end)

describe("config.parse_url: where the password is", function()
  -- The user name ends at the first ":", the password at the "@" before
  -- the host; the host part is read as every URL parser reads it, and a
  -- password holding "/" or "?" is read when no other reading makes sense.
  local function reads(url, user, password, host, port, database)
    local u, err = config.parse_url(url)
    assert(u, err)
    assert.same({ user, password, host, port, database }, { u.user, u.password, u.host, u.port, u.database })
    return u
  end

  it("takes the last @ before the host, so an @ in the password needs no escape", function()
    reads("postgresql://u:p@ss@db.example:5432/shop", "u", "p@ss", "db.example", "5432", "shop")
    reads("mysql://u:a@b@c@h/d", "u", "a@b@c", "h", nil, "d")
  end)

  it("reads a / or ? in the password when the URL reads no other way", function()
    reads("postgresql://u:pa/ss@h:5432/shop", "u", "pa/ss", "h", "5432", "shop")
    reads("postgresql://u:12/34@h/shop", "u", "12/34", "h", nil, "shop")
    reads("postgresql://u:p?ss@h/shop?sslmode=require", "u", "p?ss", "h", nil, "shop")
    reads("mysql://u:a/b@c?d@h:3306/shop", "u", "a/b@c?d", "h", "3306", "shop")
    reads("postgresql://u:p@a?b@h/shop", "u", "p@a?b", "h", nil, "shop")
  end)

  it("keeps an @ in a query value in the query", function()
    local u = reads("postgresql://u:pw@h:5432/shop?application_name=me@ci", "u", "pw", "h", "5432", "shop")
    assert.same({ application_name = "me@ci" }, u.params)
    u = reads("postgresql://h:5432/shop?application_name=me@ci", nil, nil, "h", "5432", "shop")
    assert.same({ application_name = "me@ci" }, u.params)
  end)

  it("takes ?password= and ?user= as the password and the user, not as parameters", function()
    local u = reads("postgresql://h/shop?user=al&password=s3cret&sslmode=require", "al", "s3cret", "h", nil, "shop")
    assert.same({ sslmode = "require" }, u.params)
    u = reads("mysql://al@h/shop?password=p%40ss", "al", "p@ss", "h", nil, "shop")
    assert.same({}, u.params)
  end)

  it("refuses a password or user given twice", function()
    refused("postgresql://u:one@h/d?password=two", "password given twice", { "one", "two" })
  end)

  it("leaves an empty password empty and no password absent", function()
    reads("mysql://u:@h/d", "u", "", "h", nil, "d")
    reads("mysql://u@h/d", "u", nil, "h", nil, "d")
  end)

  it("reads a database name with an escaped @, and refuses a bare one", function()
    reads("postgresql://h/my%40db", nil, nil, "h", nil, "my@db")
    refused("postgresql://h/my@db", "%40")
  end)

  it("reads a URL without a database (for helpers that create one); context.open refuses it", function()
    reads("mysql://u:pw@127.0.0.1:3306/", "u", "pw", "127.0.0.1", "3306", nil)
    reads("postgresql://u:pw@h", "u", "pw", "h", nil, nil)
  end)
end)

describe("config.parse_url: bad URLs", function()
  -- ...in one line.
  local function refuses(url, expected, secret)
    local err = refused(url, expected, { secret })
    assert.is_nil(err:find("\n", 1, true))
    return err
  end

  it("names what is wrong, never showing the password", function()
    refuses("postgresql://u:s3cret@h:99999/d", 'port "99999" is out of range (1 to 65535)', "s3cret")
    refuses("postgresql://u:s3cret@h:0/d", 'port "0" is out of range', "s3cret")
    refuses("postgresql://u:s3cret@h:54x/d", 'port "54x" is not a number', "s3cret")
    refuses("postgresql://u:s3cret@h/d?port=abc", 'port "abc" is not a number', "s3cret")
    refuses("postgresql://u:s3cret@ho st/d", 'host "ho st"', "s3cret")
    refuses("sqlite://host/x", "a sqlite URL has no host")
    refuses("sqlite://u:s3cret@host/x", "a sqlite URL has no host", "s3cret")
    refuses(" sqlite:x.db", "starts or ends with a space")
    refuses("sqlite:x.db ", "starts or ends with a space")
    refuses("postgresql://u:s3cret@h/d\n", "starts or ends with a space", "s3cret")
    refuses("sqlite:x\1.db", "control character")
    refuses("postgresql:u:s3cret@h/d", "expected postgresql://", "s3cret")
    refuses("foo://u:s3cret@h/d", 'unknown scheme "foo"', "s3cret")
    refuses("   ", "empty")
  end)

  it("says so when it cannot tell where a password holding / or ? ends", function()
    refuses("postgresql://u:pa/s3cret@h/", "cannot tell where the password ends", "s3cret")
    local err = refuses("postgresql://u:s3/cret@h:5432", "cannot tell where the password ends", "cret")
    assert.is_nil(err:find('"s3"', 1, true))
    refuses("postgresql://u:s3cret@h:bad/db?application_name=a@b", 'port "bad" is not a number', "s3cret")
    refuses("postgresql://u:s3cret@h/my@db", 'write an "@" in the database name as %40', "s3cret")
  end)

  it("refuses a query parameter the driver does not take, naming it", function()
    refuses("postgresql://u:s3cret@h/d?bogus=1", 'unknown parameter "bogus"', "s3cret")
    refuses("mysql://u:s3cret@h/d?sslmode=require", 'unknown parameter "sslmode"', "s3cret")
    refuses("sqlite:x.db?foo=1", 'unknown parameter "foo"')
    refuses("postgresql://u:s3cret@h/d?client_encoding=latin1", "client_encoding", "s3cret")
    refuses("postgresql://u:s3cret@h/d?sslmode=require&sslmode=disable", 'parameter "sslmode" given twice', "s3cret")
  end)

  it("refuses a parameter value luamig can tell is bad before connecting", function()
    refuses("postgresql://u:s3cret@h/d?connect_timeout=abc", 'connect_timeout "abc"', "s3cret")
    refuses("postgresql://u:s3cret@h/d?sslmode=always", 'sslmode "always"', "s3cret")
    refuses("mysql://u:s3cret@h/d?connect_timeout=0", 'connect_timeout "0"', "s3cret")
    refuses("mysql://u:s3cret@h/d?ssl_mode=sometimes", 'ssl_mode "sometimes"', "s3cret")
    refuses("mysql://u:s3cret@h/d?charset=latin1", 'charset "latin1"', "s3cret")
    refuses("sqlite:x.db?mode=ro", 'mode "ro"')
    refuses("sqlite:x.db?busy_timeout=soon", 'busy_timeout "soon"')
  end)

  it("accepts the parameters each driver takes", function()
    assert(config.parse_url("postgresql://h/d?sslmode=verify-full&connect_timeout=3&application_name=x&options=-c%20a%3Db"))
    assert(config.parse_url("mysql://h/d?ssl_mode=REQUIRED&connect_timeout=3&charset=utf8mb4&unix_socket=/s"))
    assert(config.parse_url("mysql://h/d?read_default_file=/etc/luamig.cnf&read_default_group=luamig"))
    assert(config.parse_url("sqlite:x.db?mode=rw&busy_timeout=100"))
  end)
end)

describe("config.mask_url", function()
  it("hides the password and only the password", function()
    assert.equal("postgresql://u:***@h:5432/d", config.mask_url("postgresql://u:secret@h:5432/d"))
    assert.equal("mysql://u@h/d", config.mask_url("mysql://u@h/d"))
    assert.equal("sqlite:app.db", config.mask_url("sqlite:app.db"))
  end)

  it("hides what the parser took as the password, wherever it is", function()
    assert.equal("postgresql://u:***@h/d", config.mask_url("postgresql://u:p@ss@h/d"))
    assert.equal("postgresql://u:***@h/d", config.mask_url("postgresql://u:pa/ss@h/d"))
    assert.equal("postgresql://u:***@h/d", config.mask_url("postgresql://u:p?ss@h/d"))
    assert.equal("postgresql://u@h/d?password=***&sslmode=require",
      config.mask_url("postgresql://u@h/d?password=s3cret&sslmode=require"))
    assert.equal("postgresql://u@h/d?sslpassword=***", config.mask_url("postgresql://u@h/d?sslpassword=s3cret"))
    assert.equal("postgresql://u:***@h/d?application_name=me@ci",
      config.mask_url("postgresql://u:pw@h/d?application_name=me@ci"))
  end)

  it("hides the password of a URL it cannot read", function()
    for _, url in ipairs {
      "postgresql://u:s3cret@h:99999/d", "oracle://scott:s3cret@h/d", "postgresql:u:s3cret@h/d",
      "postgresql://u:s3cret@h/d?bogus=1", "postgresql://u:s3cret@h/d?password=two",
      "mysql://us/er:s3cret@h/d", "postgresql://u:s3cret@h:bad/d?application_name=a@b",
    } do
      local masked = config.mask_url(url)
      assert.is_nil(masked:find("s3cret", 1, true), masked)
    end
  end)
end)

describe("config.with_database", function()
  it("names another database on the same server, the password and parameters kept", function()
    assert.equal("mysql://luamig:pw@127.0.0.1:3306/t1", config.with_database("mysql://luamig:pw@127.0.0.1:3306/", "t1"))
    assert.equal("mysql://u@h:3306/t1", config.with_database("mysql://u@h:3306", "t1"))
    assert.equal("postgresql://u:a/b@h:5/new%20db?sslmode=disable",
      config.with_database("postgresql://u:a/b@h:5/postgres?sslmode=disable", "new db"))
    assert.equal("postgresql:///t1?host=/tmp", config.with_database("postgresql:///x?host=/tmp", "t1"))
  end)
end)

describe("config.scrub", function()
  it("removes every occurrence of the password from a message", function()
    assert.equal("bad *** and *** again", config.scrub("bad pw1 and pw1 again", "pw1"))
    assert.equal("nothing", config.scrub("nothing", nil))
    assert.equal("port 1 failed: password authentication failed", config.scrub("port 1 failed: password authentication failed", "p"))
    assert.equal("no *** nor ***", config.scrub("no s3cret nor p%40ss", { "s3cret", "p%40ss" }))
  end)
end)

describe("config.load", function()
  local dir, old_dir
  local function write(path, text)
    local f = assert(io.open(path, "w")); f:write(text); f:close()
  end
  before_each(function()
    local p = io.popen("mktemp -d"); dir = p:read("l"); p:close()
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("has a default for every key when there is no file", function()
    local cfg = assert(config.load { config_file = nil, url = nil })
    assert.equal("migrations", cfg.script_location)
    assert.equal("luamig_version", cfg.version_table)
    assert.is_true(cfg.transaction_per_migration)
    assert.is_string(cfg.url)
  end)

  it("lets the file override the defaults and -u override the file", function()
    write(dir .. "/cfg.lua", 'return { url = "sqlite:from_file.db", script_location = "db" }')
    local cfg = assert(config.load { config_file = dir .. "/cfg.lua" })
    assert.equal("sqlite:from_file.db", cfg.url)
    assert.equal("db", cfg.script_location)
    cfg = assert(config.load { config_file = dir .. "/cfg.lua", url = "sqlite:flag.db" })
    assert.equal("sqlite:flag.db", cfg.url)
  end)

  it("names the file and the key that is wrong", function()
    write(dir .. "/bad.lua", 'return { scrip_location = "x" }')
    local cfg, err = config.load { config_file = dir .. "/bad.lua" }
    assert.is_nil(cfg)
    assert.equal("config file " .. dir .. '/bad.lua: unknown key "scrip_location"', err)
    write(dir .. "/bad2.lua", "return { version_table = 3 }")
    cfg, err = config.load { config_file = dir .. "/bad2.lua" }
    assert.is_nil(cfg)
    assert.matches("version_table must be a string, got number", err, 1, true)
    write(dir .. "/bad3.lua", 'return { naming_convention = { uq = "uq_%(tabel_name)s" } }')
    cfg, err = config.load { config_file = dir .. "/bad3.lua" }
    assert.is_nil(cfg)
    assert.matches("bad3.lua: naming_convention.uq: unknown token %(tabel_name)s (known: ", err, 1, true)
    write(dir .. "/syntax.lua", "return {")
    cfg, err = config.load { config_file = dir .. "/syntax.lua" }
    assert.is_nil(cfg)
    assert.matches(dir .. "/syntax.lua:1:", err, 1, true)
    cfg, err = config.load { config_file = dir .. "/missing.lua" }
    assert.is_nil(cfg)
    assert.matches("cannot read config file " .. dir .. "/missing.lua", err, 1, true)
  end)

  it("refuses a config file it cannot read, naming it and why", function()
    os.execute("mkdir '" .. dir .. "/adir'")
    local cfg, err = config.load { config_file = dir .. "/adir" }
    assert.is_nil(cfg)
    assert.equal("cannot read config file " .. dir .. "/adir: it is a directory", err)
    os.execute("mkfifo '" .. dir .. "/fifo'")
    cfg, err = config.load { config_file = dir .. "/fifo" }
    assert.is_nil(cfg)
    assert.equal("cannot read config file " .. dir .. "/fifo: it is not a regular file", err)
    cfg, err = config.load { config_file = "" }
    assert.is_nil(cfg)
    assert.equal("-c: no config file named", err)
  end)
end)
