-- bench/topology.lua: the issue-17 scenario, measured. For each topology,
-- ROUNDS rounds of PROCESSES concurrent `luamig upgrade head` of the
-- counting project (an INSERT, an UPDATE counter + 1, a `transactional =
-- false` UPDATE counter + 10: spec/helpers/stress.lua) on a fresh
-- database, then counts: exit statuses, rounds where a revision ran twice
-- (or not at all), advisory locks left on the server, and the server log's
-- "you don't own a lock" warnings. Run through bench/topology.sh.
--   lua5.4 bench/topology.lua [--processes 120] [--rounds 5]

package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "bin/?.so;" .. package.cpath

local backends = require("helpers.backends")
local stress = require("helpers.stress")
local config = require("luamig.config")
local sys = require("luamig.sys")

local processes, rounds = 120, 5
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--processes" then processes = tonumber(arg[i + 1]); i = i + 2
  elseif a == "--rounds" then rounds = tonumber(arg[i + 1]); i = i + 2
  else io.stderr:write("topology.lua: unknown argument ", a, "\n"); os.exit(2) end
end

local pg = backends.postgres
assert(pg.available, pg.skip_message)

local function server_log_count(needle)
  local dir = os.getenv("LUAMIG_TEST_PG_SOCKET")
  local f = io.open(dir .. "/server.log")
  if not f then return 0 end
  local n = 0
  for line in f:lines() do if line:find(needle, 1, true) then n = n + 1 end end
  f:close()
  return n
end

local TOPOLOGIES = {
  { name = "direct", env = "LUAMIG_TEST_PG_URL" },
  { name = "pgbouncer transaction", env = "LUAMIG_TEST_PGBOUNCER_TRANSACTION_URL" },
  { name = "pgbouncer session", env = "LUAMIG_TEST_PGBOUNCER_SESSION_URL" },
}

print(string.format("%d concurrent `luamig upgrade head` x %d rounds per topology", processes, rounds))
print(string.format("%-24s %8s %8s %8s %8s %8s %8s %8s", "topology", "runs", "exit 0", "gave up", "other",
  "doubled", "locks", "seconds"))
local bad = false
for _, t in ipairs(TOPOLOGIES) do
  local base = os.getenv(t.env)
  if not base then
    print(string.format("%-24s not running: %s", t.name, os.getenv("LUAMIG_TEST_POOLER_ERROR") or "?"))
    bad = true
  else
    local zero, gave_up, other, doubled, locks_left = 0, 0, 0, 0, 0
    local warnings_before = server_log_count("you don't own a lock")
    local started = sys.monotonic()
    for round = 1, rounds do
      local name = assert(config.parse_url(pg:new_database())).database
      local dir = stress.counting_project()
      local result = stress.concurrent_upgrades(dir, config.with_database(base, name), processes, 300)
      for p, status in ipairs(result.statuses) do
        if status == 0 then zero = zero + 1
        elseif result.stderr[p]:find("gave up waiting for the migration lock", 1, true) then gave_up = gave_up + 1
        else
          other = other + 1
          io.stderr:write(string.format("round %d process %d exit %d: %s", round, p, status, result.stderr[p]))
        end
      end
      local ok, why = stress.applied_once(pg, config.with_database(pg.admin_url, name))
      if not ok then doubled = doubled + 1; io.stderr:write("round " .. round .. ": " .. why .. "\n") end
      locks_left = locks_left + pg:with(pg.admin_url, function(conn)
        return tonumber(assert(conn:first("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory'")).n)
      end)
      backends.cleanup()
    end
    local secs = sys.monotonic() - started
    print(string.format("%-24s %8d %8d %8d %8d %8d %8d %8.1f", t.name, processes * rounds, zero, gave_up, other,
      doubled, locks_left, secs))
    local warnings = server_log_count("you don't own a lock") - warnings_before
    if warnings > 0 then print(string.format("  the server logged %d \"you don't own a lock\" warnings", warnings)) end
    bad = bad or other > 0 or doubled > 0 or locks_left > 0 or warnings > 0
  end
end
os.exit(bad and 1 or 0)
