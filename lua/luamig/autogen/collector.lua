-- luamig.autogen.collector: Lua's garbage collector while autogenerate
-- compares.
--
-- Reflecting a schema and building the models make a heap that only
-- grows: nearly all of it stays live until the comparison ends. Lua 5.4's
-- generational collector (luamig.cli's choice) does badly on that: each
-- minor collection (every fifth of growth) goes over new objects that all
-- survive, and a major one that frees little sends it to full collections
-- of the whole heap. On a thousand tables that was a quarter of `luamig
-- check`'s time in Lua. So the collector stops for the comparison, and
-- runs once where it pays: after reflection (see luamig.autogen), when
-- the garbage is the driver's rows and what is live only the database's
-- snapshot. What the models leave behind waits for the end; it costs some
-- memory (on a thousand tables, 49 MB at the peak instead of 43), not
-- time.

local M = {}

local Paused = {}
Paused.__index = Paused

-- Closing the pause (the end of the scope, or an error through it)
-- restarts the collector.
Paused.__close = function() collectgarbage("restart") end

--- A full collection now, while paused.
function Paused.collect()
  collectgarbage("collect")
end

--- A pause of the collector, to hold in a <close> variable; nil when it
-- was stopped already (by an embedding host), which is then left alone.
function M.pause()
  if not collectgarbage("isrunning") then return nil end
  collectgarbage("stop")
  return setmetatable({}, Paused)
end

return M
