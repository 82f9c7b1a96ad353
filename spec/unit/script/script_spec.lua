-- script: revision file metadata, templates and slugs.
local script = require("luamig.script")
local template = require("luamig.script.template")

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
    -- a literal assignment that a later line changes: the scanner leaves
    -- the file to evaluation, which sees the change
    s = assert(script.load_file(write("h.lua",
      "revision = 'h1'\nfunction upgrade() end\nif true then revision = 'h2' end\n")))
    assert.equal("h2", s.id)
    assert.is_function(s.env.upgrade)
  end)

  it("reports a syntax error with file and line", function()
    local path = write("i.lua", "revision = 'i1'\nfunction upgrade()\n  op.x(\nend\n")
    local s, err = script.load_file(path)
    assert.is_nil(s)
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

  it("gives revision files no io, load or debug, and a require of the project's helpers only", function()
    -- require: luamig.script.helpers (spec/integration/revision_helpers_spec.lua)
    local path = write("r.lua", "revision = 'r1'\nlocal x = require('io')\nfunction upgrade() end\n")
    local ok, err = script.load_file(path)
    assert.is_nil(ok)
    assert.matches(path .. ":2: require: no helper module \"io\": cannot read ", err, 1, true)
    for _, name in ipairs { "io", "load", "loadstring", "dofile", "debug", "package", "_G", "collectgarbage" } do
      -- a top-level statement other than the metadata: listing evaluates it
      local path = write("f.lua", "revision = 'f1'\nlocal x = " .. name .. "\nfunction upgrade() end\n")
      local ok, err = script.load_file(path)
      assert.is_nil(ok)
      assert.equal(path .. ":2: undefined global '" .. name .. "'", err)
    end
    local s = assert(script.load_file(write("g.lua", "revision = 'f1'\nseen = { os_exit = os.exit, os_remove = os.remove }\n"
      .. "function upgrade() end\n")))
    assert.is_true(script.compile(s))
    assert.same({}, s.env.seen)
    assert.is_function(s.env.Column)
    assert.is_function(s.env.sql)
  end)

  it("refuses a transactional that is not a boolean, naming the file and the value", function()
    for value, shown in pairs { ['"no"'] = 'string "no"', ["0"] = "number 0", ["{}"] = "table" } do
      local path = write("t.lua", "revision = 't1'\ntransactional = " .. value .. "\nfunction upgrade() end\n")
      local s, err = script.load_file(path)
      assert.is_nil(s)
      assert.equal(path .. ": transactional must be true, false or nil, got " .. shown, err)
    end
    local s = assert(script.load_file(write("u.lua", "revision = 'u1'\ntransactional = nil\nfunction upgrade() end\n")))
    assert.is_true(s.transactional)
  end)

  it("checks transactional too when it compiles a file", function()
    local path = write("v.lua", "revision = 'v1'\n--[[ transactional = false ]]\nfunction upgrade() end\n")
    local s = assert(script.load_file(path))
    assert.is_true(s.transactional)
    assert.is_true(script.compile(s))
    -- a record that says otherwise (a damaged cache): refused before anything runs
    local damaged = assert(script.load_file(path))
    damaged.transactional = false
    local ok, err = script.compile(damaged)
    assert.is_nil(ok)
    assert.equal(path .. ": the metadata the file computes differs from its literal assignments", err)
  end)

  it("defines null as the driver's NULL, and raises at the line for an undefined global", function()
    local driver = require("luamig.driver")
    local path = write("n.lua", "revision = 'n1'\nfunction upgrade()\n  return null, nul\nend\n")
    local s = assert(script.load_file(path))
    assert.is_true(script.compile(s))
    local ok, err = pcall(script.func(s, "upgrade"))
    assert.is_false(ok)
    assert.equal(path .. ":3: undefined global 'nul'", err)
    s.env.nul = 1
    assert.equal(driver.null, (script.func(s, "upgrade")()))
    -- at the top level, the file is refused with its line
    path = write("o.lua", "revision = 'o1'\nlocal t = Interger\nfunction upgrade() end\n")
    local bad, lerr = script.load_file(path)
    assert.is_nil(bad)
    assert.matches("^" .. path:gsub("%p", "%%%0") .. ":2: unknown type or constructor Interger", lerr)
    path = write("p.lua", "revision = 'p1'\nlocal t = { x = lenght }\nfunction upgrade() end\n")
    bad, lerr = script.load_file(path)
    assert.is_nil(bad)
    assert.equal(path .. ":2: undefined global 'lenght'", lerr)
    -- op is there only while upgrade/downgrade runs
    path = write("q.lua", "revision = 'q1'\nop.execute('x')\nfunction upgrade() end\n")
    bad, lerr = script.load_file(path)
    assert.equal(path .. ":2: op is only available inside upgrade() and downgrade()", lerr)
  end)

  it("lets luamig read what a file left unset without raising", function()
    local s = assert(script.load_file(write("w.lua", "revision = 'w' .. '1'\nfunction upgrade() end\n")))
    assert.is_not_nil(s.env) -- evaluated
    assert.is_nil(s.env.downgrade)
    assert.is_nil(s.env.transactional)
    assert.is_nil(s.env.depends_on)
    assert.is_nil(script.func(s, "downgrade"))
    assert.is_function(script.func(s, "upgrade"))
    -- writing globals stays allowed
    s.env.op = {}
    assert.same({}, s.env.op)
  end)

  it("gives each file library tables of its own, and no metatable of luamig's", function()
    local types = require("luamig.schema.types")
    local a = assert(script.load_file(write("a1.lua", [[
revision = "a1"
string.match = function() return "clobbered" end
table.concat = nil
math.floor = nil
os.time = nil
rawset(Integer, "name", "Text")
reset = pcall(setmetatable, String, nil)
str_ok, str_err = pcall(getmetatable, "")
got = { int = getmetatable(Integer), env = getmetatable(_ENV),
  null = getmetatable(null), col = getmetatable(Column("c", Integer)) }
local mt = {}
own = getmetatable(setmetatable({}, mt)) == mt
ok = pcall(function() getmetatable("").__index.upper = nil end)
function upgrade() end
]])))
    assert.equal("clobbered", a.env.string.match())
    assert.same({ int = false, env = false, null = false, col = false }, a.env.got)
    assert.is_false(a.env.str_ok)
    assert.matches("the strings' metatable is luamig's", a.env.str_err, 1, true)
    assert.is_true(a.env.own)
    assert.is_false(a.env.ok)
    assert.is_false(a.env.reset)
    -- luamig's own, and another file's, are untouched
    assert.equal("b", ("abc"):match("b"))
    assert.equal("a,b", table.concat({ "a", "b" }, ","))
    assert.equal("Integer", types.Integer.name)
    assert.is_true(types.is_type(types.String))
    assert.equal("ABC", ("abc"):upper())
    local b = assert(script.load_file(write("b1.lua", [[
revision = "b1"
x = { string.match("abc", "b"), table.concat({ 1, 2 }), math.floor(1.5), type(os.time()), Integer.name,
  tostring(String(5)) }
function upgrade() end
]])))
    assert.is_true(script.compile(b))
    assert.same({ "b", "12", 1, "number", "Integer", "String(5)" }, b.env.x)
  end)

  it("makes slugs like Alembic", function()
    assert.equal("create_users_table", template.slug("Create users table!"))
    assert.equal("a_b", template.slug("  a -- b  "))
    assert.is_true(#template.slug(string.rep("word ", 20)) <= 40)
  end)

  it("renders templates, leaving unknown placeholders", function()
    assert.equal("x = 1, ${y}", template.render("x = ${x}, ${y}", { x = 1 }))
  end)
end)
