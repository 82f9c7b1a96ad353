-- luamig.command.test: `luamig test`, busted inside this host, so that
-- specs need no separate C module.

local errors = require("luamig.errors")

local function run(_, opts)
  -- -u URL (before or after `test`): the server luamig.testing makes its
  -- scratch databases on; the other arguments are busted's.
  local url, args = opts.url, {}
  local i = 1
  while i <= #opts.args do
    local a = opts.args[i]
    if a == "-u" or a == "--url" then url = opts.args[i + 1]; i = i + 2
    elseif a:match("^%-%-url=") then url = a:sub(7); i = i + 1
    else args[#args + 1] = a; i = i + 1 end
  end
  if url then require("luamig.testing").default_url = url end
  _G.arg = { [0] = "busted" }
  for j, a in ipairs(args) do _G.arg[j] = a end
  local ok, runner = pcall(require, "busted.runner")
  if not ok then
    errors.fail("test: busted is not installed (apt-get install lua-busted): " .. tostring(runner), 2)
  end
  runner { standalone = false }
  return true
end

return {
  usage = "test [SPEC...] [-u URL] [BUSTED ARGS...]", passthrough = true,
  flags = {},
  run = run,
}
