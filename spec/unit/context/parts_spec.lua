-- luamig.context's parts loaded on first use: the method names it lists
-- for each part must be exactly the part's methods, or a method left out
-- would be missing from a context (nil, "attempt to call a nil value")
-- until a listed one had been called.
local context = require("luamig.context")

describe("luamig.context's lazy parts", function()
  for part, listed in pairs(context.LAZY_PARTS) do
    it("lists every method of luamig.context." .. part .. " and nothing else", function()
      local module = require("luamig.context." .. part)
      local names = {}
      for name, value in pairs(module.methods or module) do
        if type(value) == "function" then names[#names + 1] = name end
      end
      table.sort(names)
      local sorted = { table.unpack(listed) }
      table.sort(sorted)
      assert.same(names, sorted)
    end)
  end

  it("gives the parts' methods at the first call, and then reads missing fields without a look-up", function()
    local Context = context.Context
    assert.is_nil(Context.no_such_method)
    assert.equal(require("luamig.context.steps").run_steps, Context.run_steps)
    assert.equal(require("luamig.context.ddl_lock").methods.run_statement, rawget(Context, "run_statement"))
    assert.equal(require("luamig.context.bulk_insert").bulk_insert, rawget(Context, "bulk_insert"))
    assert.is_nil(getmetatable(Context))  -- a run's nil fields cost no metamethod call
  end)
end)
