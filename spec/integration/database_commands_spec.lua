-- luamig create, drop and wait: the database the URL names, as a whole
-- (as dbmate's commands of the same names), on every backend; what the
-- server holds is looked at through the driver, never through luamig.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local config = require("luamig.config")

-- Does the database of url exist? Asked of the server (or the file system).
local EXISTS_SQL = {
  postgres = "SELECT 1 AS found FROM pg_database WHERE datname = ?",
  mysql = "SELECT 1 AS found FROM information_schema.schemata WHERE schema_name = ?",
}
local function exists(b, url)
  local u = assert(config.parse_url(url))
  if b.tag == "sqlite" then
    local f = io.open(u.database, "rb")
    if f then f:close() end
    return f ~= nil
  end
  return b:with(b.admin_url, function(conn) return conn:first(EXISTS_SQL[b.tag], u.database) ~= nil end)
end

-- A TCP port on 127.0.0.1 that nothing listens on (bound, then let go).
local function free_port()
  local p = io.popen("python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0));"
    .. " print(s.getsockname()[1])'")
  local port = tonumber(p:read("l"))
  p:close()
  return port
end

-- url with its port on 127.0.0.1 replaced.
local function on_port(url, port)
  local moved, n = url:gsub("@127%.0%.0%.1:%d+", "@127.0.0.1:" .. port, 1)
  assert(n == 1, "the test servers listen on 127.0.0.1")
  return moved
end

local function seconds(fn)
  local t = os.time()
  local r = fn()
  return r, os.time() - t
end

backends.each("luamig create, drop and wait", function(b)
  backends.cleanup_after_each()

  local url, dir
  before_each(function()
    url = b:new_database()
    dir = h.tmpdir()
    -- a server database starts out missing, as a SQLite file does
    if b.tag ~= "sqlite" then h.run_ok(dir, { "-u", url, "drop" }) end
    assert.is_false(exists(b, url))
  end)

  it("create makes the database, which migrations then use", function()
    local r = h.run_ok(dir, { "-u", url, "create" })
    assert.matches("Created the database", r.stderr, 1, true)
    assert.is_true(exists(b, url))
    assert.same({}, b:tables(url))
    local project = h.example_project()
    h.run_ok(project, { "-u", url, "upgrade", "head" })
    assert.same(b:with_bookkeeping { "clicks", "links" }, b:tables(url))
  end)

  it("create refuses a database that exists, and leaves it as it was; --if-not-exists does not", function()
    h.run_ok(dir, { "-u", url, "create" })
    b:with(url, function(conn) assert(conn:execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")) end)
    local r = h.run(dir, { "-u", url, "create" })
    assert.equal(1, r.status)
    assert.equal("luamig: the database " .. config.mask_url(url) .. " already exists", h.lines(r.stderr)[1]:gsub(" %(the file .*%)$", ""))
    assert.same({ "keep_me" }, b:tables(url))
    r = h.run_ok(dir, { "-u", url, "create", "--if-not-exists" })
    assert.matches("already exists; nothing to do", r.stderr, 1, true)
    assert.same({ "keep_me" }, b:tables(url))
  end)

  it("drop removes the database with what it holds, without asking", function()
    h.run_ok(dir, { "-u", url, "create" })
    h.run_ok(h.example_project(), { "-u", url, "upgrade", "head" })
    local r = h.run_ok(dir, { "-u", url, "drop" }, { TERM = "dumb" })
    assert.matches("Dropped the database", r.stderr, 1, true)
    assert.is_false(exists(b, url))
    if b.tag == "sqlite" then  -- luamig's lock file goes with the file
      local path = assert(config.parse_url(url)).database
      assert.is_nil(io.open(path .. "-luamig-lock"))
    end
  end)

  it("drop of a database that does not exist is exit 1, unless --if-exists", function()
    local r = h.run(dir, { "-u", url, "drop" })
    assert.equal(1, r.status)
    assert.matches("^luamig: the database " .. config.mask_url(url):gsub("%p", "%%%0") .. " does not exist",
      r.stderr)
    assert.is_false(exists(b, url))
    h.run_ok(dir, { "-u", url, "drop", "--if-exists" })
    assert.is_false(exists(b, url))
  end)

  it("wait returns at once when the server is up", function()
    local r, took = seconds(function() return h.run_ok(dir, { "-u", url, "wait", "--timeout", "10" }) end)
    assert.equal("", r.stderr)
    assert.is_true(took <= 1)
  end)

  if b.tag == "sqlite" then
    it("create and drop of sqlite::memory: are refused", function()
      for _, cmd in ipairs { "create", "drop" } do
        local r = h.run(dir, { "-u", "sqlite::memory:", cmd })
        assert.equal(2, r.status)
        assert.equal("luamig: the database URL sqlite::memory: names no file\n", r.stderr)
      end
      assert.equal("", h.listing(dir))
    end)
    return
  end

  it("wait gives up after --timeout when nothing listens, naming the last error", function()
    local dead = on_port(url, free_port())
    local r, took = seconds(function() return h.run(dir, { "-u", dead, "wait", "--timeout", "2" }) end)
    assert.equal(1, r.status)
    local last = h.lines(r.stderr)
    assert.equal("Waiting for " .. config.mask_url(dead) .. " to accept connections ...", last[1])
    assert.matches("^luamig: " .. config.mask_url(dead):gsub("%p", "%%%0")
      .. " did not accept connections within 2 s; the last attempt: .", last[#last])
    assert.is_nil(r.stderr:find(os.getenv("LUAMIG_TEST_PASSWORD"), 1, true))
    assert.is_true(took >= 1 and took <= 5, "took " .. took .. " s")
  end)

  it("wait returns once a server that starts later accepts connections", function()
    -- A relay that starts listening 2 s from now and forwards to the server.
    local u = assert(config.parse_url(url))
    local port, tmp = free_port(), h.tmpdir()
    h.write_file(tmp .. "/relay.py", table.concat({
      "import socket, sys, threading, time",
      "time.sleep(2)",
      "ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "ls.bind(('127.0.0.1', int(sys.argv[1]))); ls.listen(8); ls.settimeout(30)",
      "def pipe(a, b):",
      "    try:",
      "        while True:",
      "            d = a.recv(65536)",
      "            if not d: break",
      "            b.sendall(d)",
      "    except OSError: pass",
      "    for s in (a, b):",
      "        try: s.shutdown(socket.SHUT_RDWR)",
      "        except OSError: pass",
      "try:",
      "    while True:",
      "        c, _ = ls.accept()",
      "        s = socket.create_connection(('127.0.0.1', int(sys.argv[2])))",
      "        for x, y in ((c, s), (s, c)): threading.Thread(target=pipe, args=(x, y), daemon=True).start()",
      "except socket.timeout: pass",
    }, "\n") .. "\n")
    local pid = io.popen("python3 " .. h.shell_quote(tmp .. "/relay.py") .. " " .. port .. " " .. u.port
      .. " >/dev/null 2>&1 & echo $!"):read("l")
    local later = on_port(url, port)
    local r, took = seconds(function() return h.run(dir, { "-u", later, "wait", "--timeout", "20" }) end)
    os.execute("kill " .. pid .. " 2>/dev/null")
    assert.equal(0, r.status, r.stderr)
    assert.equal("Waiting for " .. config.mask_url(later) .. " to accept connections ...", h.lines(r.stderr)[1])
    assert.equal(config.mask_url(later) .. " accepts connections", h.lines(r.stderr)[2])
    assert.is_true(took >= 1 and took <= 10, "took " .. took .. " s")
  end)
end)
