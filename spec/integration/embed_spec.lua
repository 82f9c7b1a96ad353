-- The embedding API (runner/luamig.h) through the programs of examples/embed,
-- built with the build under test: bin/embed_app and bin/embed_threads next
-- to $LUAMIG_BIN, so that test.sh's sanitizer pass runs the ASan + UBSan
-- builds of the library and the examples.
local h = require("helpers.luamig")

local q = h.shell_quote
local BIN_DIR = h.bin:match("^(.*)/[^/]*$")
local APP = BIN_DIR .. "/embed_app"
local THREADS = BIN_DIR .. "/embed_threads"
local MIGRATIONS = os.getenv("PWD") .. "/examples/embed/migrations"
local HEAD, FIRST = "b2f6c1d1de02", "a1e5b0c0de01"

-- Run a program with args in dir, without $LUAMIG_LUA_DIR: {status, stdout, stderr}.
local function exec(dir, program, args, env)
  local all = { LUAMIG_LUA_DIR = false }
  for k, v in pairs(env or {}) do all[k] = v end
  return h.sh(h.command(dir, program, args, all))
end

local function history_rows(db)
  local conn = h.sqlite(db)
  local row = assert(conn:first("SELECT count(*) AS n FROM luamig_history"))
  conn:close()
  return row.n
end

-- A copy of the example's migrations with one more revision on top.
local function migrations_with(dir, id, body)
  os.execute("cp -r " .. q(MIGRATIONS) .. " " .. q(dir .. "/migrations"))
  local path = dir .. "/migrations/versions/" .. id .. "_broken.lua"
  h.write_file(path, h.revision_text(id, { down = HEAD, up = body, doc = "broken" }))
  return dir .. "/migrations"
end

describe("embedding API: examples/embed #sqlite", function()
  after_each(h.cleanup)

  it("migrates the program's database to head on start-up, then does nothing", function()
    local dir = h.tmpdir()
    local db = dir .. "/notes.db"
    local r = exec(dir, APP, { db, MIGRATIONS })
    assert.equal(0, r.status, r.stderr)
    assert.equal(db .. " is at revision " .. HEAD .. " (luamig 0.1.0)\n", r.stdout)
    assert.equal("", r.stderr)  -- no progress lines unless the program asks
    assert.same({ "luamig_history", "luamig_version", "notes" }, h.sqlite_tables(db))
    assert.same({ HEAD }, h.sqlite_versions(db))
    assert.matches('"tag" VARCHAR%(40%)', h.sqlite_schema(db))
    local ran = history_rows(db)
    assert.equal(2, ran)

    r = exec(dir, APP, { db, MIGRATIONS })
    assert.equal(0, r.status, r.stderr)
    assert.equal(db .. " is at revision " .. HEAD .. " (luamig 0.1.0)\n", r.stdout)
    assert.equal(ran, history_rows(db))
    assert.same({ HEAD }, h.sqlite_versions(db))
  end)

  it("sends progress lines to the program's log callback", function()
    local dir = h.tmpdir()
    local r = exec(dir, APP, { "-v", "notes.db", MIGRATIONS })
    assert.equal(0, r.status, r.stderr)
    assert.equal("embed_app: Running upgrade <base> -> " .. FIRST .. ", create notes\n"
      .. "embed_app: Running upgrade " .. FIRST .. " -> " .. HEAD .. ", tag notes\n", r.stderr)
  end)

  it("reads no luamig.lua or $DATABASE_URL when the program names its migrations and database", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/luamig.lua", 'return { version_table = "not_this_one", url = "sqlite:other.db" }')
    local r = exec(dir, APP, { "notes.db", MIGRATIONS }, { DATABASE_URL = "sqlite:env.db" })
    assert.equal(0, r.status, r.stderr)
    assert.same({ HEAD }, h.sqlite_versions(dir .. "/notes.db"))
    assert.is_nil(io.open(dir .. "/other.db"))
    assert.is_nil(io.open(dir .. "/env.db"))
  end)

  -- embed_app on the example's migrations and revision `id` doing `body`:
  -- it must exit 1. Returns its directory and what it printed.
  local function fails_with(id, body)
    local dir = h.tmpdir()
    local r = exec(dir, APP, { "notes.db", migrations_with(dir, id, body) })
    assert.equal(1, r.status)
    return dir, r
  end

  it("fails with exit 1 and luamig's one-line error when a revision fails; what ran before stays", function()
    local dir, r = fails_with("c0ffee000003", 'op.execute("INSERT INTO no_such_table VALUES (1)")')
    assert.equal("", r.stdout)
    assert.matches("^embed_app: [^\n]*c0ffee000003[^\n]*no such table: no_such_table[^\n]*\n$", r.stderr)
    assert.same({ HEAD }, h.sqlite_versions(dir .. "/notes.db"))
  end)

  it("fails with exit 1 naming the file of a revision that does not load", function()
    local dir, r = fails_with("c0ffee000004", "op.create_table(")
    assert.matches("^embed_app: [^\n]*c0ffee000004_broken%.lua[^\n]*\n$", r.stderr)
    -- Every file is compiled before the first runs: nothing was applied.
    assert.same({}, h.sqlite_tables(dir .. "/notes.db"))
  end)

  it("fails with exit 1 naming a database path it cannot write", function()
    local dir = h.tmpdir()
    local r = exec(dir, APP, { dir .. "/missing/notes.db", MIGRATIONS })
    assert.equal(1, r.status)
    assert.equal("embed_app: cannot open database " .. dir .. "/missing/notes.db: directory "
      .. dir .. "/missing does not exist\n", r.stderr)
  end)

  it("runs separate environments on separate threads at once, two of them on one database", function()
    local dir = h.tmpdir()
    local dbs = { dir .. "/a.db", dir .. "/b.db", dir .. "/c.db", dir .. "/c.db" }
    local r = exec(dir, THREADS, { MIGRATIONS, table.unpack(dbs) })
    assert.equal(0, r.status, r.stderr)
    assert.equal("", r.stderr)
    local n = 0
    for i, line in r.stdout:gmatch("thread (%d+): ([^\n]*)") do
      n = n + 1
      local db, head, logged = line:match("^(.-) at (%x+), (%d+) upgrade lines logged$")
      assert.equal(dbs[tonumber(i)], db)
      assert.equal(HEAD, head)
      -- 6 rounds of 2 upgrades for a database of its own; on the shared
      -- one the other thread may have done some of them.
      if i == "1" or i == "2" then assert.equal("12", logged) end
      assert.truthy(tonumber(logged) >= 2)
    end
    assert.equal(4, n)
    for _, db in ipairs(dbs) do
      assert.same({ "luamig_history", "luamig_version", "notes" }, h.sqlite_tables(db))
      assert.same({ HEAD }, h.sqlite_versions(db))
    end
  end)
end)
