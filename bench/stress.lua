-- bench/stress.lua: the long version of the safety specs' stress checks.
--
--   * ROUNDS rounds of 16 concurrent `luamig upgrade head` on a fresh
--     50-revision project: every process must exit 0, every revision be
--     applied exactly once (history table), the database be at head;
--   * TRIALS kill -9 trials per backend on a 100-revision upgrade, killed
--     at a random moment within the time a whole upgrade takes: afterwards
--     the version table must match the schema (SQLite, PostgreSQL), or the
--     next run must name the revision that was cut off (MySQL), and a
--     rerun (after `stamp`/`repair` on MySQL) must reach head.
--
-- Run through bench/stress.sh, which starts throwaway servers.
--   lua5.4 bench/stress.lua [--rounds 20] [--trials 30] [--only sqlite|postgres|mysql]

package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "bin/?.so;" .. package.cpath

local h = require("helpers.luamig")
local backends = require("helpers.backends")
local stress = require("helpers.stress")
local sys = require("luamig.sys")

local rounds, trials, only = 20, 30, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--rounds" then rounds = tonumber(arg[i + 1]); i = i + 2
  elseif a == "--trials" then trials = tonumber(arg[i + 1]); i = i + 2
  elseif a == "--only" then only = arg[i + 1]; i = i + 2
  else io.stderr:write("stress.lua: unknown argument ", a, "\n"); os.exit(2) end
end

local t_tables, applied_counts = stress.t_tables, stress.applied_counts

local function concurrent(b)
  local failures, started = {}, sys.monotonic()
  for round = 1, rounds do
    local url, dir = b:new_database(), stress.project(50)
    local result = stress.concurrent_upgrades(dir, url, 16)
    local problem
    for p, status in ipairs(result.statuses) do
      if status ~= 0 then problem = string.format("process %d exited %d: %s", p, status, result.stderr[p]) end
    end
    if #result.statuses ~= 16 then problem = "only " .. #result.statuses .. " processes reported" end
    if not problem then
      local counts = applied_counts(b, url)
      for r = 1, 50 do
        local id = string.format("r%03d", r)
        if counts[id] ~= 1 then problem = string.format("%s applied %s times", id, tostring(counts[id])) end
      end
      local v = b:versions(url)
      if #v ~= 1 or v[1] ~= "r050" then problem = "version table: " .. table.concat(v, ",") end
    end
    if problem then failures[#failures + 1] = string.format("round %d: %s", round, problem) end
    h.cleanup()
    backends.cleanup()
  end
  return failures, sys.monotonic() - started
end

local function kills(b)
  -- how long a whole upgrade takes here, to kill within it
  local url, dir = b:new_database(), stress.project(100, 20)
  local t0 = sys.monotonic()
  h.run_ok(dir, h.with_url(url, { "-q", "upgrade", "head" }))
  local full = sys.monotonic() - t0
  local stats = { mid_run = 0, consistent = 0, reported = 0, failures = {} }
  math.randomseed(20261121)
  for trial = 1, trials do
    url, dir = b:new_database(), stress.project(100, 20)
    local delay = full * (0.05 + 0.9 * math.random())
    local where = string.format("trial %d (kill after %.3f s)", trial, delay)
    local status = stress.killed_upgrade(dir, url, delay)
    local versions, tables = b:versions(url), t_tables(b, url)
    if status == 137 then stats.mid_run = stats.mid_run + 1 end
    local ok, why = stress.consistent(versions, tables)
    local problem
    if ok then stats.consistent = stats.consistent + 1 end
    if not ok and b.tag ~= "mysql" then
      problem = why
    elseif b.tag == "mysql" then
      -- MySQL: a step cut off after it was recorded as running (whether
      -- or not its DDL ran) must be named by the next run
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      local cut = stress.unfinished_revision(r.stderr)
      if r.status == 0 then
        if not ok then problem = "the next run went on over a half-applied step: " .. why end
      elseif r.status ~= 1 or not cut then
        problem = "the next run did not name the revision cut off: " .. r.stderr
      else
        stats.reported = stats.reported + 1
        local made = false
        for _, t in ipairs(t_tables(b, url)) do if t == "t_" .. cut:sub(2) then made = true end end
        h.run_ok(dir, h.with_url(url, made and { "stamp", cut } or { "repair" }))
      end
    end
    if not problem then
      local r = h.run(dir, h.with_url(url, { "-q", "upgrade", "head" }))
      local v = b:versions(url)
      if r.status ~= 0 or v[1] ~= "r100" or #t_tables(b, url) ~= 100 then
        problem = "the rerun did not reach head: " .. r.stderr
      end
    end
    if problem then stats.failures[#stats.failures + 1] = where .. ": " .. problem end
    h.cleanup()
    backends.cleanup()
  end
  return stats, full
end

print(string.format("# stress: %d rounds of 16 concurrent upgrades (50 revisions), %d kill -9 trials (100 revisions)",
  rounds, trials))
print("")
print("| backend | concurrent rounds | failed | time | kill trials | killed mid-run | consistent after | cut-off reported (MySQL) | failed |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
local total_failures = 0
for _, b in ipairs(backends.all()) do
  if (not only or only == b.tag) then
    if not b.available then
      print(string.format("| %s | skipped: %s |", b.name, b.skip_message))
    else
      local cfail, ctime = concurrent(b)
      local k, full = kills(b)
      total_failures = total_failures + #cfail + #k.failures
      print(string.format("| %s | %d | %d | %.1f s | %d | %d (upgrade %.2f s) | %d | %d | %d |", b.name, rounds, #cfail,
        ctime, trials, k.mid_run, full, k.consistent, k.reported, #k.failures))
      for _, f in ipairs(cfail) do io.stderr:write(b.name, " concurrent ", f, "\n") end
      for _, f in ipairs(k.failures) do io.stderr:write(b.name, " kill ", f, "\n") end
    end
  end
end
os.exit(total_failures == 0 and 0 or 1)
