-- luamig.lazy: a module loaded on first use. `local plan = lazy("luamig.plan")`
-- gives a stand-in table; the first field read from it requires the module
-- and makes the stand-in read through to it. A command loads only the
-- modules it uses, so that `luamig --version`, `--help` or a mistyped
-- command start as fast as Lua itself (issue 21: start-up within 1.5x of
-- `lua5.4 -e ''`), rather than after compiling the whole tree.
-- For modules that are tables of functions and constants, read by field
-- (not iterated with pairs, not compared by identity).

return function(name)
  return setmetatable({}, {
    __index = function(stand_in, key)
      local module = require(name)
      setmetatable(stand_in, { __index = module, __newindex = module })
      return module[key]
    end,
    __newindex = function(_, key, value)
      require(name)[key] = value
    end,
  })
end
