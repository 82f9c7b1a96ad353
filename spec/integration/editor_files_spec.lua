-- The files `luamig init` writes for editors, linters and busted, each
-- checked with the real tool: .luacheckrc with Debian's luacheck (a new
-- project and the example revisions lint clean; a typo in a revision is
-- found), .busted with Debian's busted (which starts under Lua 5.1),
-- .gitignore with git, .luarc.json against the stubs it names; and that
-- init overwrites none of them.

local h = require("helpers.luamig")

local q = h.shell_quote

-- The tree's bin/ first on PATH, so that .busted finds this luamig (and
-- not one installed elsewhere on the machine).
local BIN_DIR = h.bin:match("^(.*)/[^/]*$")
local PATH = "PATH=" .. q(BIN_DIR .. ":" .. (os.getenv("PATH") or "/usr/bin:/bin"))

local function in_dir(dir, cmd)
  return h.sh("cd " .. q(dir) .. " && env -u DATABASE_URL " .. PATH .. " " .. cmd)
end

-- A project made by `luamig init`, with one revision of its own.
local function new_project()
  local dir = h.tmpdir()
  local r = h.run_ok(dir, { "init" })
  h.run_ok(dir, { "revision", "-m", "x" })
  return dir, r
end

local function luacheck(dir)
  return in_dir(dir, "luacheck --no-color --codes .")
end

-- A revision file written as `luamig revision` would, with this upgrade().
local function revision(dir, id, body)
  h.write_file(dir .. "/migrations/versions/" .. id .. "_x.lua", table.concat({
    "-- x", 'revision = "' .. id .. '"', "down_revision = nil", "",
    "function upgrade()", body, "end", "", "function downgrade()", "end", "" }, "\n"))
end

describe("the editor and linter files luamig init writes #sqlite", function()
  after_each(h.cleanup)

  it("lists them and lints clean under luacheck, example revisions included", function()
    local dir, r = new_project()
    assert.matches("Created in %.: luamig%.lua, spec/migrations_spec%.lua, %.luacheckrc, %.luarc%.json, %.busted, "
      .. "%.gitignore\n", r.stdout)
    local examples = h.example_project() .. "/migrations/versions"
    os.execute("cp " .. q(examples) .. "/*.lua " .. q(dir .. "/migrations/versions/"))
    local c = luacheck(dir)
    assert.equal(0, c.status, c.stdout .. c.stderr)
    assert.matches("Total: 0 warnings / 0 errors in 6 files", c.stdout, 1, true)
  end)

  it("makes luacheck warn of what a revision cannot use or misspells", function()
    local dir = new_project()
    revision(dir, "aaaa00000001", table.concat({
      '  op.creat_table("t", Column("id", Integer))',
      '  local f = io.open("x")',
      '  op.execute("UPDATE t SET a = ?", nul)',
      '  dofile("socket.lua")',
      '  return f',
    }, "\n"))
    local c = luacheck(dir)
    assert.equal(1, c.status, c.stdout .. c.stderr)
    local file = "migrations/versions/aaaa00000001_x.lua"
    assert.matches(file .. ":6:3: (W143) accessing undefined field 'creat_table' of global 'op'", c.stdout, 1, true)
    assert.matches(file .. ":7:13: (W113) accessing undefined variable 'io'", c.stdout, 1, true)
    assert.matches(file .. ":8:36: (W113) accessing undefined variable 'nul'", c.stdout, 1, true)
    assert.matches(file .. ":9:3: (W113) accessing undefined variable 'dofile'", c.stdout, 1, true)
    assert.matches("Total: 4 warnings / 0 errors", c.stdout, 1, true)
    -- luamig itself refuses the same file, at the first of them
    local up = h.run(dir, { "upgrade", "aaaa00000001" })
    assert.equal(1, up.status, up.stderr)
    assert.matches("aaaa00000001_x.lua:6: op.creat_table: no such operation", up.stderr, 1, true)
  end)

  it("writes a .busted: Debian's busted (Lua 5.1) runs the specs under Lua 5.4, luamig test too", function()
    local dir = new_project()
    local text = h.read_file(dir .. "/.busted")
    assert.matches('"lua5.4"', text, 1, true)
    h.write_file(dir .. "/spec/version_spec.lua",
      'it("runs under Lua 5.4", function() assert.equal("Lua 5.4", _VERSION) end)\n')
    local r = in_dir(dir, "/usr/bin/busted -o TAP")
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.matches("ok 5 ", r.stdout, 1, true)
    assert.matches("1..5", r.stdout, 1, true)
    assert.not_matches("not ok", r.stdout, 1, true)
    -- and `luamig test`, which is Lua 5.4 already, reads the same .busted without starting another busted
    local t = h.run(dir, { "test", "-o", "TAP" })
    assert.equal(0, t.status, t.stdout .. t.stderr)
    assert.matches("1..5", t.stdout, 1, true)
  end)

  it("writes a .gitignore that keeps the database and the lock file out of git", function()
    local dir = new_project()
    h.run_ok(dir, { "upgrade", "head" })
    local r = in_dir(dir, "git init -q . && git status --porcelain --ignored")
    assert.equal(0, r.status, r.stderr)
    assert.matches("!! luamig.db\n", r.stdout, 1, true)
    assert.matches("!! luamig.db-luamig-lock\n", r.stdout, 1, true)
    assert.matches("?? migrations/\n", r.stdout, 1, true)
    assert.not_matches("?? luamig.db", r.stdout, 1, true)
  end)

  it("writes a .luarc.json whose library holds the stubs", function()
    local dir = new_project()
    local text = h.read_file(dir .. "/.luarc.json")
    assert.matches('"runtime.version": "Lua 5.4"', text, 1, true)
    local library = text:match('"workspace.library": %["([^"]+)"%]')
    assert.truthy(library, text)
    for _, f in ipairs { "revision.lua", "op.lua", "op_data.lua", "types.lua", "schema.lua", "bind.lua",
      "testing.lua" } do
      assert.truthy(io.open(library .. "/" .. f), library .. "/" .. f)
    end
    -- JSON that a parser takes: every key quoted, no trailing comma
    assert.not_matches(",%s*[}%]]", text)
  end)

  it("never overwrites a file that is there, and says so", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/.gitignore", "mine\n")
    h.write_file(dir .. "/.luacheckrc", "std = 'max'\n")
    local r = h.run_ok(dir, { "init" })
    assert.equal("mine\n", h.read_file(dir .. "/.gitignore"))
    assert.equal("std = 'max'\n", h.read_file(dir .. "/.luacheckrc"))
    assert.matches("Kept as they were (existing files are never overwritten): .luacheckrc, .gitignore\n", r.stdout, 1,
      true)
    assert.matches('"lua5.4"', h.read_file(dir .. "/.busted"), 1, true)
  end)
end)
