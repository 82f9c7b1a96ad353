-- luamig.fleet: one command on many databases (--targets FILE, --target
-- NAME, --all-targets), at most --jobs of them at once.
--
-- Each target runs in a luamig process of its own: this executable again,
-- with the same command and arguments, and the target's URL in its
-- environment (LUAMIG_FLEET_URL, which stands for -u: an argument would
-- show the password to anyone running ps). A process per target, rather
-- than coroutines over several connections in this one, because then a
-- target is isolated exactly as a single run is: its own Lua state, its
-- own signal handling and lock, its own memory, and a crash (a driver's
-- segfault, an out-of-memory) ends that target and not the fleet; and the
-- drivers block, so one process could not overlap them anyway. The
-- children's stdout, stderr and descriptor 3 come back through pipes
-- (luamig.spawn); on 3 a child writes its outcome (`status` and one line
-- of text, see cli.lua) so that the fleet need not parse what it prints.
--
-- Ctrl-C or SIGTERM: the children run in process groups of their own, so
-- the fleet forwards the signal to each running child exactly once (each
-- then rolls back and releases its lock as a single run does), starts no
-- other, waits for them, reports the rest as skipped and exits 128 + the
-- signal's number.

-- Loaded on first use: every command asks usage() (luamig.lazy).
local lazy = require("luamig.lazy")
local config = lazy("luamig.config")
local json = lazy("luamig.present.json")
local plan = lazy("luamig.plan")
local errors = lazy("luamig.errors")
local spawn = require("luamig.spawn")
local sys = require("luamig.sys")
local targets = lazy("luamig.fleet.targets")
local interrupt = require("luamig.interrupt")

local M = {}

-- The commands that read or write a database, and so take a fleet.
M.COMMANDS = { upgrade = true, downgrade = true, current = true, check = true, verify = true, stamp = true,
  history = true }

M.DEFAULT_JOBS = 4

-- The order of the summary line's counts.
local ORDER = { "upgraded", "downgraded", "stamped", "ok", "failed", "unchanged", "skipped" }

local POLL_SECONDS = 0.1

--- usage(opts): nil, or the usage error of a fleet's options (exit 2).
-- Called for every command, so that --jobs without a fleet is refused too.
function M.usage(opts)
  local fleet = opts.targets or opts.target or opts.all_targets
  local name = opts.command
  if not fleet then
    for _, f in ipairs { { "jobs", "--jobs" }, { "shard", "--shard" }, { "fail_fast", "--fail-fast" } } do
      if opts[f[1]] ~= nil then
        return string.format("%s: %s applies only to a fleet (--targets FILE, --target NAME or --all-targets)", name,
          f[2])
      end
    end
    return nil
  end
  local given = opts.targets and "--targets" or opts.target and "--target" or "--all-targets"
  if opts.targets and (opts.target or opts.all_targets) then
    return string.format("%s: --targets FILE and %s both choose the targets: use one", name,
      opts.target and "--target" or "--all-targets")
  end
  if opts.target and opts.all_targets then
    return string.format("%s: --target and --all-targets both choose the targets: use one", name)
  end
  if opts.url then return string.format("%s: -u and %s both choose the database: use one", name, given) end
  if opts.sql then return string.format("%s: --sql writes a script without a database; it takes no %s", name, given) end
  if name == "history" and not opts.applied then
    return string.format("history: %s needs --applied (the revision files are the same for every target)", given)
  end
  if opts.jobs ~= nil then
    local n = math.tointeger(tonumber(opts.jobs))
    if not n or n < 1 then return string.format("%s: --jobs %s: expected a whole number >= 1", name, opts.jobs) end
    opts.jobs = n
  end
  if opts.shard then
    local i, n = targets.parse_shard(opts.shard)
    if not i then return string.format("%s: %s", name, n) end
    opts.shard_i, opts.shard_n = i, n
  end
  return nil
end

-- The targets, from the file or luamig.lua, then the shard. nil, why.
local function chosen(cfg, opts)
  local list, err
  if opts.targets then
    list, err = targets.read(opts.targets)
  else
    local where = cfg.config_file or "luamig.lua"
    if not cfg.targets then
      return nil, string.format("%s: %s has no targets table (targets = { name = URL, ... })",
        opts.target and ("--target " .. opts.target[1]) or "--all-targets", where)
    end
    list, err = targets.from_config(cfg.targets, where)
    if list and opts.target then list, err = targets.select(list, opts.target, where) end
  end
  if not list then return nil, err end
  if opts.shard_n then list = targets.shard(list, opts.shard_i, opts.shard_n) end
  return list
end

-- The first line of the child's error: its `luamig: ...` line, else the
-- last line it wrote, else its exit status.
local function error_line(stderr, status, signal, secrets)
  local last
  for line in stderr:gmatch("[^\n]+") do
    local msg = line:match("^luamig: (.*)$")
    if msg then return config.scrub(msg, secrets) end
    last = line
  end
  if signal then return string.format("killed by signal %d", signal) end
  return config.scrub(last or string.format("exit status %d", status), secrets)
end

-- What the child reported on descriptor 3: status, text.
local function outcome_of(text)
  local status, line = text:match("^([%w_]+)\n([^\n]*)")
  return status, line
end

-- The commands whose --json is JSON Lines (an object per step, then a
-- summary): in the array their output is the array of those objects.
M.JSON_LINES = { upgrade = true, downgrade = true, stamp = true }

-- The JSON a child printed, to be put in the array as it is. Only from a
-- child that ended normally (0 or 1): a killed one may have written half.
local function command_json(out, status, lines)
  if status > 1 then return nil end
  local text = out:match("^%s*(.-)%s*$")
  local first = text:sub(1, 1)
  if first ~= "{" and first ~= "[" then return nil end
  -- The encoder writes no newline inside a value: one value a line.
  if lines then return json.raw("[" .. text:gsub("\n+", ",") .. "]") end
  return json.raw(text)
end

local function plural(n, word)
  return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

-- The progress line (stderr at a terminal): cleared before a result line is
-- written, drawn again after it.
local Progress = {}
Progress.__index = Progress

-- Drawn again only when it changes: the loop comes by at every chunk of
-- a child's output.
function Progress:draw()
  if not self.on then return end
  local s = self.state
  local text = string.format("%d/%d done, %d running, %d failed", s.done, s.total, s.running, s.failed)
  if self.drawn == text then return end
  io.stderr:write("\r", text, "\27[K")
  self.drawn = text
end

function Progress:clear()
  if self.drawn then io.stderr:write("\r\27[K"); self.drawn = nil end
end

--- run(cfg, opts): the command of opts on every target, as a command's
-- run is (true, or a raised luamig.errors value). opts.child_argv: the
-- command line without the fleet's options.
function M.run(cfg, opts)
  local list, err = chosen(cfg, opts)
  if not list then errors.fail(err, 2) end
  -- A bad revision file would fail every target alike: said once, here,
  -- before any of them starts (history --applied reads no file).
  if opts.command ~= "history" then errors.check(plan.load(cfg)) end
  local exe = sys.exe_path()
  if not exe then errors.fail("a fleet runs the luamig executable, and this is not it", 2) end
  local jobs = opts.jobs or M.DEFAULT_JOBS
  local unchanged_label = "already at " .. (opts.args[1] or (opts.command == "upgrade" and "head" or ""))
  local child_argv = opts.child_argv
  local labels = { unchanged = unchanged_label }

  local results, running, counts = {}, {}, {}
  local state = { done = 0, total = #list, running = 0, failed = 0 }
  local progress = setmetatable({ on = not opts.quiet and sys.isatty(io.stderr), state = state }, Progress)

  local function finish(t, result)
    results[t.index] = result
    counts[result.status] = (counts[result.status] or 0) + 1
    state.done = state.done + 1
    if result.status == "failed" then state.failed = state.failed + 1 end
    if not opts.json then
      progress:clear()
      local text = result.status == "failed" and ("failed: " .. result.error) or result.outcome
      opts.out(string.format("%s: %s", t.name, text))
      if opts.verbose and result.stderr ~= "" then
        for line in result.stderr:gmatch("[^\n]+") do io.stderr:write("  ", line, "\n") end
      end
    end
    progress:draw()
  end

  local function ended(entry)
    local t, proc = entry.target, entry.proc
    local status, signal = proc:result()
    local secrets = config.parse_url(t.url)
    local ostatus, otext = outcome_of(proc:output(3))
    local stderr = config.scrub(proc:output(2), secrets)
    local result = { exit_code = status, stderr = stderr, output = opts.json and command_json(proc:output(1), status,
      M.JSON_LINES[opts.command]) }
    if status == 0 and ostatus then
      result.status, result.outcome = ostatus, otext
    elseif status == 0 then
      result.status, result.outcome = "ok", "ok"
    else
      result.status, result.error = "failed", error_line(stderr, status, signal, secrets)
      result.outcome = "failed: " .. result.error
    end
    finish(t, result)
  end

  -- From here a signal is the fleet's to handle (see the header).
  interrupt.trap()
  local next_index, stopping, forwarded = 1, false, false
  for i, t in ipairs(list) do t.index = i end
  while next_index <= #list or #running > 0 do
    local signame, signum = interrupt.caught()
    if signame and not forwarded then
      forwarded, stopping = true, true
      for _, entry in ipairs(running) do entry.proc:signal(signum) end
    end
    while not stopping and #running < jobs and next_index <= #list do
      local t = list[next_index]
      next_index = next_index + 1
      local proc, serr = spawn.start(exe, child_argv, { LUAMIG_FLEET_URL = t.url, LUAMIG_FLEET_OUTCOME = "3" })
      if not proc then
        finish(t, { status = "failed", exit_code = 2, error = "cannot start luamig: " .. tostring(serr),
          outcome = "failed: cannot start luamig", stderr = "" })
      else
        running[#running + 1] = { target = t, proc = proc }
      end
    end
    state.running = #running
    if #running == 0 then break end
    -- Drawn as the targets start, not only when a wait ends: a target that
    -- ends within the poll would otherwise never be shown running (and the
    -- fleet spec's picture depended on the machine's speed).
    progress:draw()
    local done = spawn.wait((function()
      local procs = {}
      for i, entry in ipairs(running) do procs[i] = entry.proc end
      return procs
    end)(), POLL_SECONDS)
    for _, proc in ipairs(done) do
      for i, entry in ipairs(running) do
        if entry.proc == proc then
          table.remove(running, i)
          state.running = #running
          ended(entry)
          break
        end
      end
    end
    if opts.fail_fast and state.failed > 0 then stopping = true end
    progress:draw()
  end
  progress:clear()
  for i = 1, #list do
    if not results[i] then
      results[i] = { status = "skipped", exit_code = json.null, outcome = "skipped", stderr = "" }
      counts.skipped = (counts.skipped or 0) + 1
      if not opts.json then opts.out(string.format("%s: skipped", list[i].name)) end
    end
  end

  if opts.json then
    local array = {}
    for i, t in ipairs(list) do
      local r = results[i]
      array[i] = { target = t.name, url = config.mask_url(t.url), status = r.status, exit_code = r.exit_code,
        outcome = r.outcome, error = r.error, output = r.output }
    end
    opts.out(json.encode(array))
  else
    local parts = {}
    for _, status in ipairs(ORDER) do
      if counts[status] then parts[#parts + 1] = string.format("%d %s", counts[status], labels[status] or status) end
    end
    opts.out(#parts > 0 and table.concat(parts, ", ") or "no targets")
  end

  local signame, signum = interrupt.caught()
  if signame then
    errors.fail(string.format("interrupted by %s: %s not started", signame, plural(counts.skipped or 0, "target")),
      128 + signum)
  end
  -- Each failed target has its line above: nothing more to say.
  if (counts.failed or 0) > 0 then errors.fail(nil, 1) end
  return true
end

return M
