-- luamig.present.progress: the progress line of a long data migration (rows done,
-- rows per second, and the percentage when the total is known), on stderr.
--
-- Modes, chosen by the CLI: "tty" redraws one line in place (at most ten
-- times a second, and only once the work has run for `delay` seconds, so
-- that quick steps print nothing); "lines" (-v on a pipe or a file, as in
-- CI) writes a plain line every ten seconds and one at the end; nil
-- writes nothing (stderr is not a terminal and there is no -v, or --json,
-- or -q, or an embedding program). Nothing goes to stdout, so --json
-- output is never broken.

local sys = require("luamig.sys")

local M = {}

local REDRAW, LINE_EVERY = 0.1, 10

-- 1234567 -> "1,234,567"
local function grouped(n)
  local s = string.format("%d", math.floor(n))
  local sign, digits = s:match("^(-?)(%d+)$")
  local head = #digits % 3
  local out = digits:sub(1, head)
  for i = head + 1, #digits, 3 do
    out = out .. (out ~= "" and "," or "") .. digits:sub(i, i + 2)
  end
  return sign .. out
end
M.grouped = grouped

local Progress = {}
Progress.__index = Progress
Progress.__name = "luamig.Progress"

local function text(self, now)
  local elapsed = now - self.started
  local rate = elapsed > 0 and self.done / elapsed or 0
  local s = self.label .. ": " .. grouped(self.done)
  if self.total and self.total > 0 then
    s = s .. " / " .. grouped(self.total) .. string.format(" rows (%d%%)", math.floor(100 * self.done / self.total))
  else
    s = s .. " rows"
  end
  return s .. string.format(", %s rows/s, %.2f s", grouped(rate), elapsed)
end

local function draw(self, now, final)
  local line = text(self, now)
  if self.mode == "tty" then
    -- \r and erase-to-end: the line is rewritten in place
    self.write("\r" .. line .. "\27[K" .. (final and "\n" or ""))
  else
    self.write(line .. "\n")
  end
  self.drawn, self.last = true, now
end

--- p:add(n): n more rows done (1 when omitted).
function Progress:add(n)
  self.done = self.done + (n or 1)
  if not self.mode or self.finished then return end
  local now = sys.monotonic()
  if self.mode == "tty" then
    if now - self.started >= self.delay and now - self.last >= REDRAW then draw(self, now) end
  elseif now - self.last >= LINE_EVERY then
    draw(self, now)
  end
end

--- p:set_total(n): the total, once it is known.
function Progress:set_total(n)
  self.total = n
end

--- p:finish(): the work is over; the line is finished (and written in
-- "lines" mode, or when it was drawn at all on a terminal).
function Progress:finish()
  if self.finished then return end
  self.finished = true
  if self.on_finish then self.on_finish(self) end
  if not self.mode then return end
  local now = sys.monotonic()
  if self.drawn or self.mode == "lines" or now - self.started >= self.delay then draw(self, now, true) end
end
Progress.__close = Progress.finish

--- new{mode =, label =, total =, write =, delay =, on_finish =}
function M.new(opts)
  local total = opts.total
  if type(total) ~= "number" then total = nil end
  local now = sys.monotonic()
  return setmetatable({
    mode = opts.mode, label = opts.label or "rows", total = total, done = 0,
    write = opts.write or function(s) io.stderr:write(s) end,
    delay = opts.delay or 0.5, started = now, last = now - REDRAW,
    drawn = false, finished = false, on_finish = opts.on_finish,
  }, Progress)
end

return M
