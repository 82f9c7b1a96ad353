-- luamig.spawn (runner/modules/spawn.c): the fleet's child processes, seen
-- from Lua: what a child wrote, how it ended, and when wait reports it.
-- No spec here asserts a duration: each checks what happened first.

local spawn = require("luamig.spawn")

-- Running, not only there: an orphan that has exited stays a zombie until
-- init reaps it (kill -0 would still find it).
local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local state = f:read("a"):match("%) (%a)")
  f:close()
  return state ~= nil and state ~= "Z" and state ~= "X"
end

-- Waits as the fleet does (lua/luamig/fleet/init.lua) until proc ends.
local function wait_for(proc, seconds)
  local done
  repeat done = spawn.wait({ proc }, seconds or 0.1) until #done == 1 and done[1] == proc
end

describe("luamig.spawn", function()
  it("gives what a child wrote on 1, 2 and 3, and its exit status", function()
    local proc = assert(spawn.start("/bin/sh", { "-c", "echo out; echo err >&2; printf '%s' \"$X\" >&3; exit 3" },
      { X = "from env" }))
    assert.is_nil(proc:result())
    wait_for(proc)
    assert.equal("out\n", proc:output(1))
    assert.equal("err\n", proc:output(2))
    assert.equal("from env", proc:output(3))
    assert.equal(3, proc:result())
  end)

  it("reports a child killed by a signal as 128 + n, and n", function()
    local proc = assert(spawn.start("/bin/sleep", { "30" }))
    assert.is_true(proc:signal(spawn.SIGKILL))
    wait_for(proc)
    assert.same({ 128 + spawn.SIGKILL, spawn.SIGKILL }, { proc:result() })
    assert.is_false(proc:signal(spawn.SIGKILL))  -- reaped: the pid is no longer its
  end)

  it("says why a program cannot start", function()
    local proc, msg = spawn.start("/nonexistent/luamig", {})
    if proc then
      -- A posix_spawn that forks without CLONE_VFORK (valgrind's, an old
      -- glibc's) learns of the failed exec too late: the child exits 127.
      wait_for(proc)
      assert.equal(127, proc:result())
      return
    end
    assert.matches("^/nonexistent/luamig: ", msg)
  end)

  it("reports each of several children once, whichever ends first", function()
    local slow = assert(spawn.start("/bin/sh", { "-c", "sleep 0.3; echo slow" }))
    local fast = assert(spawn.start("/bin/sh", { "-c", "echo fast" }))
    local order = {}
    local running = { slow, fast }
    while #running > 0 do
      for _, proc in ipairs(spawn.wait(running, 0.1)) do
        order[#order + 1] = proc:output(1)
        for i, p in ipairs(running) do
          if p == proc then table.remove(running, i) break end
        end
      end
    end
    assert.same({ "fast\n", "slow\n" }, order)
  end)

  -- Before pidfds an exit whose pipes a grandchild held open was only seen
  -- when the wait timed out, or when the grandchild let go of the pipes:
  -- here wait's timeout outlasts the grandchild, so the child would have
  -- been reported after the grandchild ended.
  it("reports a child that exits while a grandchild holds its pipes, before the grandchild ends", function()
    -- Without pidfds (Linux < 5.3, valgrind 3.19) spawn.c falls back to
    -- the pipes and a timer, where this exit is seen late.
    if not spawn.pidfd then pending("needs pidfd_open (Linux >= 5.3)") return end
    -- Nothing on the pipes either (the grandchild's pid goes to a file):
    -- data there would wake the wait, which might then find the child gone.
    local pidfile = os.tmpname()
    local proc = assert(spawn.start("/bin/sh", { "-c", 'sleep 5 & echo $! > "$PIDFILE"' }, { PIDFILE = pidfile }))
    wait_for(proc, 30)
    local f = assert(io.open(pidfile))
    local grandchild = tonumber(f:read("a"))
    f:close()
    os.remove(pidfile)
    finally(function() if grandchild then os.execute("kill " .. grandchild .. " 2>/dev/null") end end)
    assert.is_number(grandchild)
    assert.is_true(alive(grandchild))
    assert.equal(0, proc:result())
  end)

  it("returns early, with no child, when a signal arrives", function()
    -- In a child Lua (as sys_spec does), whose handlers interrupt.trap
    -- sets: busted's own stay as they are. The signal comes from a
    -- grandchild once the child sleeps in poll (its wchan), not merely
    -- soon: one that came before the poll would be seen at the timeout.
    local killer = [[lua=$PPID
(for i in $(seq 1 500); do grep -q poll /proc/$lua/wchan 2>/dev/null && break; sleep 0.01; done
 kill -TERM $lua) &
exec sleep 30]]
    local script = [[
package.cpath = "bin/?.so;" .. package.cpath
local spawn, interrupt = require("luamig.spawn"), require("luamig.interrupt")
interrupt.trap()
local sleeper = assert(spawn.start("/bin/sh", { "-c", os.getenv("KILLER") }))
local done = spawn.wait({ sleeper }, 30)
io.stdout:write(#done, " ", tostring(interrupt.caught()), " ", tostring((sleeper:result())), "\n")]]
    local proc = assert(spawn.start("/usr/bin/env", { "lua5.4", "-e", script }, { KILLER = killer }))
    wait_for(proc, 30)
    assert.equal("", proc:output(2))
    assert.equal("0 SIGTERM nil\n", proc:output(1))
    assert.equal(0, proc:result())
  end)

  it("kills and reaps a child collected while it runs", function()
    local proc = assert(spawn.start("/bin/sleep", { "30" }))
    local pid = proc:pid()
    assert.is_true(alive(pid))
    proc = nil  -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_false(alive(pid))  -- reaped too: not even a zombie is left
  end)
end)
