-- script: revision file metadata, templates and slugs.
local script = require "luamig.script"

local dir
local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "wb"))
  f:write(text)
  f:close()
  return dir .. "/" .. name
end

describe("script", function()
  before_each(function()
    local p = io.popen("mktemp -d"); dir = p:read("l"); p:close()
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("reads metadata without running upgrade", function()
    local path = write("a.lua", [[
-- add the users table
revision = "abc123"
down_revision = { "p1", "p2" }
branch_labels = "core"
depends_on = nil
function upgrade() error("must not run") end
function downgrade() end
]])
    local s = assert(script.load_file(path))
    assert.equal("abc123", s.id)
    assert.same({ "p1", "p2" }, s.down_revisions)
    assert.same({ "core" }, s.branch_labels)
    assert.same({}, s.depends_on)
    assert.equal("add the users table", s.doc)
    assert.equal(path, s.path)
    assert.is_nil(s.env) -- literal metadata: nothing was compiled
    assert.is_true(script.compile(s))
    assert.is_function(s.env.upgrade)
  end)

  it("evaluates files whose metadata is not literal, and checks both ways agree", function()
    local s = assert(script.load_file(write("g.lua",
      "local base = 'g'\nrevision = base .. '1'\ndown_revision = nil\nfunction upgrade() end\n")))
    assert.equal("g1", s.id)
    assert.is_function(s.env.upgrade)
    -- literal assignment, but a later line changes it: compile() notices
    s = assert(script.load_file(write("h.lua",
      "revision = 'h1'\nfunction upgrade() end\nif true then revision = 'h2' end\n")))
    assert.equal("h1", s.id)
    local ok, err = script.compile(s)
    assert.is_nil(ok)
    assert.equal(dir .. "/h.lua: the metadata the file computes differs from its literal assignments", err)
  end)

  it("reports a syntax error with file and line when compiled", function()
    local path = write("i.lua", "revision = 'i1'\nfunction upgrade()\n  op.x(\nend\n")
    local s = assert(script.load_file(path))
    local ok, err = script.compile(s)
    assert.is_nil(ok)
    assert.matches("^" .. path:gsub("%p", "%%%0") .. ":4:", err)
  end)

  it("strips a UTF-8 byte order mark", function()
    local s = assert(script.load_file(write("b.lua", "\239\187\191revision = 'x1'\nfunction upgrade() end\n")))
    assert.equal("x1", s.id)
  end)

  it("refuses bytecode", function()
    local bytecode = string.dump(function() revision = "x" end)
    local s, err = script.load_file(write("c.lua", bytecode))
    assert.is_nil(s)
    assert.matches("attempt to load a binary chunk", err, 1, true)
  end)

  it("names the file for wrong metadata types", function()
    local path = write("d.lua", "revision = 'd1'\ndown_revision = 42\nfunction upgrade() end\n")
    local s, err = script.load_file(path)
    assert.is_nil(s)
    assert.equal(path .. ": down_revision must be nil, a string or a list of strings, got number", err)
    path = write("e.lua", "revision = 'bad id!'\nfunction upgrade() end\n")
    s, err = script.load_file(path)
    assert.is_nil(s)
    assert.matches(path .. ': revision must be a string of up to 32 letters, digits or _, got "bad id!"', err, 1, true)
  end)

  it("gives revision files no io, load, require or debug", function()
    local s = assert(script.load_file(write("f.lua",
      "revision = 'f1'\nseen = { io = io, load = load, require = require, debug = debug, os_exit = os.exit }\n"
      .. "function upgrade() end\n")))
    assert.is_true(script.compile(s))
    assert.same({}, s.env.seen)
    assert.is_function(s.env.Column)
    assert.is_function(s.env.sql)
  end)

  it("makes slugs like Alembic", function()
    assert.equal("create_users_table", script.slug("Create users table!"))
    assert.equal("a_b", script.slug("  a -- b  "))
    assert.is_true(#script.slug(string.rep("word ", 20)) <= 40)
  end)

  it("renders templates, leaving unknown placeholders", function()
    assert.equal("x = 1, ${y}", script.render("x = ${x}, ${y}", { x = 1 }))
  end)
end)
