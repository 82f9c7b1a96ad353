-- meta/: the Lua Language Server stubs (meta/luals) and the luacheck std
-- (meta/luacheck/luamig.lua) against the real API: every name a stub
-- declares exists, and every op, global, method and luamig.testing
-- function luamig has is declared, so that a new op without a stub fails
-- here. The stubs are read as text (they are never run): a top-level
-- `function NAME(` or `NAME = ` declares a global, `function T.NAME(` or
-- `function T:NAME(` a method of the table T.

local editor = require("luamig.command.init_editor")
local script = require("luamig.script")
local types = require("luamig.schema.types")
local ops = require("luamig.ops")

local META = "meta"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function stub_files()
  local p = io.popen("ls " .. META .. "/luals/*.lua")
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  return files
end

-- {globals = set, tables = {T = set}} declared by the stubs.
local function declared()
  local globals, tables = {}, {}
  for _, path in ipairs(stub_files()) do
    for line in read(path):gmatch("[^\n]+") do
      local g = line:match("^function ([%a_][%w_]*)%(") or line:match("^([%a_][%w_]*) = ")
      if g then globals[g] = true end
      local t, m = line:match("^function ([%a_][%w_]*)[.:]([%a_][%w_]*)%(")
      if t then
        tables[t] = tables[t] or {}
        tables[t][m] = true
      end
    end
  end
  return { globals = globals, tables = tables }
end

-- The names of the functions of `t` (a class table: metamethods left out).
local function methods(t)
  local set = {}
  for k, v in pairs(t) do
    if type(v) == "function" and not k:match("^__") then set[k] = true end
  end
  return set
end

-- Both sets hold the same names; the message names what is missing where.
local function assert_same(real, stubs, what)
  local missing, extra = {}, {}
  for k in pairs(real) do if not stubs[k] then missing[#missing + 1] = k end end
  for k in pairs(stubs) do if not real[k] then extra[#extra + 1] = k end end
  table.sort(missing)
  table.sort(extra)
  assert(#missing == 0 and #extra == 0, string.format("%s: without a stub: {%s}; stubs for what luamig lacks: {%s}",
    what, table.concat(missing, ", "), table.concat(extra, ", ")))
end

local function real_op()
  return ops.new({ run_op = function() return true end })
end

describe("meta/", function()
  local stubs
  setup(function() stubs = declared() end)

  it("has stub files that all compile", function()
    local files = stub_files()
    assert.is_true(#files >= 5)
    for _, path in ipairs(files) do
      local chunk, err = loadfile(path)
      assert(chunk, err)
      assert.matches("^%-%-%-@meta", read(path), nil, false)
    end
    assert(loadfile(META .. "/luacheck/luamig.lua"))
  end)

  it("declares every op, and no op luamig lacks", function()
    assert_same(methods(real_op()), stubs.tables.op, "op")
  end)

  it("declares every global a revision sees besides the standard library", function()
    local env = script.environment()
    local candidates = { null = true, op = true }
    for k in pairs(types.environment()) do candidates[k] = true end
    for k in pairs(stubs.globals) do candidates[k] = true end
    local declared_names = {}
    for _, k in ipairs(editor.DECLARED) do candidates[k], declared_names[k] = true, true end
    local real = {}
    for name in pairs(candidates) do
      if _G[name] == nil then
        local ok, v = pcall(function() return env[name] end)
        -- the declared names are nil until the file sets them, op until upgrade() runs
        if ok and (v ~= nil or declared_names[name]) then real[name] = true end
      end
    end
    real.op = true
    local stub_globals = {}
    for k in pairs(stubs.globals) do stub_globals[k] = true end
    stub_globals.Table = nil  -- models files only (luamig.autogen.model)
    assert_same(real, stub_globals, "revision globals")
  end)

  it("declares the metadata globals luamig reads, which a revision may set", function()
    local env = script.environment()
    for _, name in ipairs(editor.DECLARED) do
      assert.is_nil(env[name])
      assert.is_true(stubs.globals[name], name)
    end
    assert.has_error(function() return env.not_a_luamig_global end, "undefined global 'not_a_luamig_global'")
  end)

  it("declares every method of batch_alter_table's batch", function()
    local batch
    local ok = pcall(real_op().batch_alter_table, "t", function(b) batch = b; error("stop") end)
    assert.is_false(ok)
    assert_same(methods(batch), stubs.tables.Batch, "batch")
  end)

  it("declares the methods of op.get_bind()'s connection and its statements", function()
    local conn = { prepare = function() return {} end }
    local db = require("luamig.context.bind").new(conn, {})
    assert_same(methods(getmetatable(db).__index), stubs.tables.Bind, "Bind")
    assert_same(methods(getmetatable(db:prepare("SELECT 1")).__index), stubs.tables.Statement, "Statement")
  end)

  it("declares the methods of op.inspect() and op.progress()", function()
    local insp = require("luamig.context.inspector").new({})
    assert_same(methods(getmetatable(insp).__index), stubs.tables.Inspector, "Inspector")
    local p = require("luamig.present.progress").new({})
    assert_same(methods(getmetatable(p).__index), stubs.tables.Progress, "Progress")
  end)

  it("declares luamig.testing and its environments' methods", function()
    local testing = require("luamig.testing")
    assert_same(methods(testing), stubs.tables.testing, "luamig.testing")
    local env = testing.environment({ script_location = "migrations" })
    local env_methods = methods(getmetatable(env).__index)
    env:close()
    assert_same(env_methods, stubs.tables.Env, "luamig.testing environment")
    assert.matches("^%-%-%-@meta luamig%.testing\n", read(META .. "/luals/testing.lua"))
  end)

  it("ships the luacheck std that luamig makes from the revision environment", function()
    local shipped = dofile(META .. "/luacheck/luamig.lua")
    assert.are.same(editor.luacheck_std(), shipped,
      "meta/luacheck/luamig.lua is out of date: lua5.4 meta/luacheck/generate.lua > meta/luacheck/luamig.lua")
    -- what a revision cannot reach is not in it; require is the project's helpers' loader
    for _, name in ipairs { "io", "load", "loadfile", "dofile", "debug", "package", "collectgarbage" } do
      assert.is_nil(shipped.read_globals[name], name)
    end
    assert.same({}, shipped.read_globals.require)
    assert_same(methods(real_op()), shipped.read_globals.op.fields, "the std's op fields")
    assert.same({ clock = {}, date = {}, getenv = {}, time = {} }, shipped.read_globals.os.fields)
  end)
end)
