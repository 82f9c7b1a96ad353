-- bench/reap_delay.lua: how long after a child exits luamig.spawn.wait
-- hands it back (the fleet's reaping delay; bench/README.md, Fleets).
--
--   lua5.4 bench/reap_delay.lua [N]     (from the repository root)
--
-- Each child is perl, which writes CLOCK_MONOTONIC on its descriptor 3
-- just before it exits; the parent reads the same clock when spawn.wait
-- returns the child. The difference is the delay, plus perl's own exit
-- (tens of microseconds). Two cases, N children each (default 50), one at
-- a time, waited for as the fleet waits (0.1 s per call):
--   plain       the child's pipes close when it exits;
--   grandchild  a `sleep` it left behind keeps the pipes open, so only the
--               exit itself can say that the child is gone.

package.cpath = "bin/?.so;" .. package.cpath
local spawn = require("luamig.spawn")
local sys = require("luamig.sys")

local n = tonumber(arg[1]) or 50
local POLL_SECONDS = 0.1  -- lua/luamig/fleet/init.lua's
local PERL = [[use POSIX (); use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
open(my $f, ">&=", 3) or die; $f->autoflush(1);
printf $f "%.9f", clock_gettime(CLOCK_MONOTONIC); POSIX::_exit(0)]]

local function measure(script)
  local delays = {}
  for i = 1, n do
    local proc = assert(spawn.start("/bin/sh", { "-c", script, "sh", PERL }))
    local done
    repeat done = spawn.wait({ proc }, POLL_SECONDS) until #done == 1
    local t = sys.monotonic()
    local exited = tonumber(proc:output(3))
    assert(exited and proc:result() == 0, proc:output(2))
    delays[i] = (t - exited) * 1000
  end
  table.sort(delays)
  local sum = 0
  for _, d in ipairs(delays) do sum = sum + d end
  return sum / n, delays[(n + 1) // 2], delays[n]
end

print(string.format("reaping delay, ms (%d children each; load average %s)", n,
  io.open("/proc/loadavg"):read("l"):match("^(%S+ %S+ %S+)")))
print("case        mean  median     max")
for _, case in ipairs({
  { "plain", [[exec perl -e "$1"]] },
  { "grandchild", [[sleep 1 & exec perl -e "$1"]] },
}) do
  print(string.format("%-10s %6.2f %7.2f %8.2f", case[1], measure(case[2])))
end
