-- autogen.directives: process_revision_directives over autogenerate's changes.
local directives = require("luamig.autogen.directives")
local render = require("luamig.autogen.render")
local ddl = require("luamig.ddl")

local dialect = ddl.dialect("sqlite")

local function renames()
  return {
    { up = { op = "rename_table", from = "a", to = "b" }, down = { op = "rename_table", from = "b", to = "a" }, phase = 1 },
    { up = { op = "rename_table", from = "c", to = "d" }, down = { op = "rename_table", from = "d", to = "c" }, phase = 1 },
  }
end

-- cfg with the hook that luamig.lua's source `src` returns (so that
-- messages name luamig.lua and its lines).
local function cfg_with(src)
  return { config_file = "luamig.lua", process_revision_directives = assert(load(src, "@luamig.lua"))() }
end

describe("autogen.directives", function()
  it("leaves the changes alone without a hook", function()
    local changes = renames()
    assert.equal(changes, directives.apply({}, changes, {}, dialect))
  end)

  it("takes the list changed in place, or the list the hook returns", function()
    local changes = renames()
    local cfg = cfg_with("return function(c) table.remove(c, 1) end")
    local out = directives.apply(cfg, changes, {}, dialect)
    assert.equal(1, #out)
    assert.equal("c", out[1].up.from)
    cfg = cfg_with([[return function(c, ctx)
  return { c[2], c[1], { up = { op = "execute", sql = ctx.sql }, down = { op = "code", code = "-- undo\nop.execute('x')" } } }
end]])
    out = directives.apply(cfg, renames(), { sql = "UPDATE t SET x = 1" }, dialect)
    assert.equal(3, #out)
    assert.equal('  op.rename_table("c", "d")\n  op.rename_table("a", "b")\n  op.execute("UPDATE t SET x = 1")',
      render.body(out, dialect, "up"))
    assert.equal("  -- undo\n  op.execute('x')\n" .. '  op.rename_table("b", "a")\n  op.rename_table("d", "c")',
      render.body(out, dialect, "down"))
  end)

  it("passes false on (no revision) and an empty list as it is", function()
    assert.is_false(directives.apply(cfg_with("return function() return false end"), renames(), {}, dialect))
    assert.same({}, directives.apply(cfg_with("return function() return {} end"), renames(), {}, dialect))
  end)

  it("an up or a down may be left out", function()
    local out = directives.apply(cfg_with([[return function(c) c[1].down = nil; c[2].up = nil end]]), renames(), {},
      dialect)
    assert.equal('  op.rename_table("a", "b")', render.body(out, dialect, "up"))
    assert.equal('  op.rename_table("d", "c")', render.body(out, dialect, "down"))
  end)

  it("names luamig.lua and the line when the hook raises or returns something wrong", function()
    for _, case in ipairs {
      { "return function()\n  error('nope')\nend", "config file luamig.lua:2: process_revision_directives: nope" },
      { "return function()\n  error({})\nend", "config file luamig.lua:2: process_revision_directives: error raised with a table" },
      { "\nreturn function() return 'x' end", "config file luamig.lua:2: process_revision_directives returned a string" },
      { "return function(c) c[1] = 5 end", "returned a bad change #1: is a number" },
      { "return function(c) c[1] = {} end", "returned a bad change #1: has neither an up nor a down" },
      { "return function(c) c[2].up.op = 'drop_everything' end", "bad change #2 (drop_everything): its up has op drop_everything; the ops are" },
      { "return function(c) c[1].down = { op = 'execute' } end", "bad change #1 (rename table a to b): its down (execute) needs sql" },
      { "return function(c) c[1].up = { op = 'code', code = 'end' } end", "its up (code) is not Lua" },
      { "return function(c) c[1].up = { op = 'add_column', table = 't' } end", "its up (add_column) cannot be written: " },
    } do
      local out, err, status = directives.apply(cfg_with(case[1]), renames(), {}, dialect)
      assert.is_nil(out, case[1])
      assert.matches(case[2], err, 1, true)
      assert.equal(2, status)
      assert.not_matches("\n", err)
    end
  end)
end)
