-- command.revision_hooks: the shape post_write_hooks must have.
local hooks = require("luamig.command.revision_hooks")
local errors = require("luamig.errors")

local function check(list)
  local ok, err = pcall(hooks.check, { config_file = "luamig.lua", post_write_hooks = list })
  if ok then return true end
  assert.is_true(errors.is(err))
  assert.equal(2, err.status)
  return nil, err.message
end

describe("command.revision_hooks.check", function()
  it("takes exec hooks, lua hooks and functions", function()
    assert.is_true(check {
      { type = "exec", command = "stylua", args = { "REVISION_SCRIPT_FILENAME" } },
      { type = "exec", name = "lint", command = "/usr/bin/luacheck" },
      { type = "lua", name = "x", fn = function() end },
      function() end,
    })
    assert.is_true(check {})
  end)

  it("refuses anything else, naming the setting and the hook", function()
    for _, case in ipairs {
      { { x = {} }, "post_write_hooks must be a list of hooks, got the key x" },
      { { "stylua" }, "post_write_hooks[1] is a string" },
      { { { type = "console_scripts", entrypoint = "black" } }, "post_write_hooks[1] has an unknown key entrypoint" },
      { { { type = "console_scripts" } }, 'post_write_hooks[1] has type console_scripts: use "exec"' },
      { { function() end, { type = "exec", command = "" } }, "post_write_hooks[2] (exec) needs command" },
      { { { type = "exec", command = "x", args = { 1 } } }, "(exec) has args that are not a list of strings" },
      { { { type = "exec", command = "x", fn = print } }, "(exec) takes command and args, not fn" },
      { { { type = "lua" } }, "(lua) needs fn" },
      { { { type = "lua", fn = print, command = "x" } }, "(lua) takes fn, not command or args" },
      { { { type = "lua", fn = print, name = 3 } }, "has a name that is not a string" },
    } do
      local ok, err = check(case[1])
      assert.is_nil(ok, case[2])
      assert.matches("^config file luamig%.lua: post_write_hooks", err)
      assert.matches(case[2], err, 1, true)
    end
  end)
end)
