-- A busted output handler: busted's plain terminal output, plus one line
-- "passed failed errors pending" appended to $LUAMIG_COUNTS_FILE at the end,
-- so that test.sh can add up several busted runs into one summary line;
-- and, with $LUAMIG_SPEC_TIMES, a line "seconds file" a spec file appended
-- to that file, from which test.sh shows the slowest.

return function(options)
  local busted = require("busted")
  local handler = require("busted.outputHandlers.plainTerminal")(options)
  local subscribe = handler.subscribe

  handler.subscribe = function(self, opts)
    subscribe(self, opts)
    local times = os.getenv("LUAMIG_SPEC_TIMES")
    if times then
      local started
      busted.subscribe({ "file", "start" }, function()
        started = os.time()
        return nil, true
      end)
      busted.subscribe({ "file", "end" }, function(file)
        local f = assert(io.open(times, "a"))
        f:write(string.format("%d %s\n", os.time() - started, file.name))
        f:close()
        return nil, true
      end)
    end
    busted.subscribe({ "suite", "end" }, function()
      local path = os.getenv("LUAMIG_COUNTS_FILE")
      if path then
        local f = assert(io.open(path, "a"))
        f:write(string.format("%d %d %d %d\n", handler.successesCount, handler.failuresCount,
          handler.errorsCount, handler.pendingsCount))
        f:close()
      end
      return nil, true
    end)
  end
  return handler
end
