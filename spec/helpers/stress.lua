-- Concurrent and killed runs of the real executable, shared by
-- spec/integration/safety_spec.lua (a few rounds in every test run) and
-- bench/stress.lua (the long version: 20 concurrent rounds and 30 kill -9
-- trials per backend). Every check reads the real database afterwards.

local h = require("helpers.luamig")

local M = {}

local q = h.shell_quote

--- A project of n revisions r001..rNNN, each creating table t_NNN and
-- filling it with `rows` rows (so that a revision takes a moment and a
-- kill can land inside one).
function M.project(n, rows)
  local files = {}
  for i = 1, n do
    local id = string.format("r%03d", i)
    local up = string.format('  op.create_table("t_%03d", Column("id", Integer, { primary_key = true }), Column("v", String(40)))', i)
    if rows and rows > 0 then
      up = up .. string.format('\n  local data = {}\n  for k = 1, %d do data[k] = { id = k, v = "value " .. k } end\n'
        .. '  op.bulk_insert("t_%03d", data)', rows, i)
    end
    files["migrations/versions/" .. id .. ".lua"] = h.revision_text(id, {
      down = i > 1 and string.format("r%03d", i - 1) or nil,
      up = up, down_body = string.format('  op.drop_table("t_%03d")', i),
    })
  end
  return h.project(files)
end

local function lines_of(path)
  local out = {}
  local f = io.open(path)
  if not f then return out end
  for line in f:lines() do out[#out + 1] = line end
  f:close()
  return out
end

--- n processes of `luamig -u url upgrade head` started at once in dir;
-- url may be a list, which the processes take in turn (the nodes of a
-- cluster, the modes of a pooler). Returns {statuses = {...}, stderr = {...}}.
function M.concurrent_upgrades(dir, url, n, timeout)
  local urls = type(url) == "table" and url or { url }
  local lines = { "cd " .. q(dir), "pids=()" }
  for i = 1, n do
    lines[#lines + 1] = "env -u DATABASE_URL " .. q(h.bin) .. " -q -u " .. q(urls[(i - 1) % #urls + 1])
      .. " upgrade head --lock-timeout " .. (timeout or 120) .. " >out." .. i .. " 2>err." .. i .. " & pids+=($!)"
  end
  lines[#lines + 1] = "for p in \"${pids[@]}\"; do wait $p; echo $?; done > statuses"
  local script = table.concat(lines, "\n")
  local _, _, code = os.execute("bash -c " .. q(script) .. " 2>/dev/null")
  assert(code == 0, "the concurrent run script failed")
  local result = { statuses = {}, stderr = {} }
  for i, s in ipairs(lines_of(dir .. "/statuses")) do
    result.statuses[i] = tonumber(s)
    result.stderr[i] = h.read_file(dir .. "/err." .. i)
  end
  return result
end

--- Start `luamig upgrade head`, kill -9 it after `delay` seconds (or let
-- it finish first). Returns the exit status (137 when killed).
function M.killed_upgrade(dir, url, delay)
  local script = table.concat({
    "cd " .. q(dir),
    "env -u DATABASE_URL " .. q(h.bin) .. " -q -u " .. q(url) .. " upgrade head >kill.out 2>kill.err & pid=$!",
    string.format("sleep %.3f", delay),
    "kill -9 $pid 2>/dev/null",
    "wait $pid; echo $? > kill.status",
  }, "\n")
  os.execute("bash -c " .. q(script) .. " 2>/dev/null")  -- not bash's "Killed" line
  return tonumber(lines_of(dir .. "/kill.status")[1])
end

--- After a kill: the version table must match the schema. versions: the
-- version rows; tables: the t_NNN tables present. Returns true | false, why.
function M.consistent(versions, tables)
  local at = versions[1] and tonumber(versions[1]:match("^r(%d+)$")) or 0
  if #versions > 1 then return false, "several version rows: " .. table.concat(versions, ",") end
  local want = {}
  for i = 1, at do want[#want + 1] = string.format("t_%03d", i) end
  local got = {}
  for _, t in ipairs(tables) do if t:match("^t_%d+$") then got[#got + 1] = t end end
  table.sort(got)
  if table.concat(want, ",") ~= table.concat(got, ",") then
    return false, string.format("version table at %s but tables %s", versions[1] or "base",
      #got > 0 and (got[1] .. ".." .. got[#got]) or "none")
  end
  return true
end

--- The t_NNN tables of a database (b: a helpers.backends backend).
function M.t_tables(b, url)
  local out = {}
  for _, t in ipairs(b:tables(url)) do if t:match("^t_") then out[#out + 1] = t end end
  return out
end

--- revision -> how many "up"/"ok" history rows it has.
function M.applied_counts(b, url)
  return b:with(url, function(conn)
    local counts = {}
    for _, row in ipairs(assert(conn:query("SELECT revision FROM luamig_history WHERE direction = 'up' AND outcome = 'ok'"))) do
      counts[row.revision] = (counts[row.revision] or 0) + 1
    end
    return counts
  end)
end

--- The revision a MySQL run was cut off in, from the refusal of the next
-- run: "the upgrade of revision rNNN ... did not finish".
function M.unfinished_revision(stderr)
  return stderr:match("the upgrade of revision (r%d+) started at .- did not finish")
end

--- Three revisions whose effect shows if one ran twice: r1 makes the
-- tables and inserts a row, r2 (in a transaction) and r3 (`transactional
-- = false`) each add to a counter (1, then 10) and insert a row of their
-- own. Used where runs compete through poolers and cluster nodes.
function M.counting_project()
  local function rev(id, down, up, transactional)
    local text = h.revision_text(id, { down = down, up = up, down_body = "  op.execute('SELECT 1')" })
    if transactional == false then text = text:gsub("\nfunction upgrade", "\ntransactional = false\nfunction upgrade", 1) end
    return text
  end
  return h.project {
    ["migrations/versions/r1.lua"] = rev("r1", nil,
      '  op.create_table("counter", Column("id", Integer, { primary_key = true }), Column("n", Integer))\n'
      .. '  op.create_table("applied", Column("id", Integer, { primary_key = true, autoincrement = true }),'
      .. ' Column("rev", String(8)))\n'
      .. '  op.execute("INSERT INTO counter (id, n) VALUES (1, 0)")\n'
      .. '  op.execute("INSERT INTO applied (rev) VALUES (\'r1\')")'),
    ["migrations/versions/r2.lua"] = rev("r2", "r1",
      '  op.execute("UPDATE counter SET n = n + 1")\n  op.execute("INSERT INTO applied (rev) VALUES (\'r2\')")'),
    ["migrations/versions/r3.lua"] = rev("r3", "r2",
      '  op.execute("UPDATE counter SET n = n + 10")\n  op.execute("INSERT INTO applied (rev) VALUES (\'r3\')")',
      false),
  }
end

--- After runs of counting_project on backend b's database url: each
-- revision applied exactly once, version at r3, history to match.
-- Returns true | false, what is wrong.
function M.applied_once(b, url)
  return b:with(url, function(conn)
    local n = tonumber(assert(conn:first("SELECT n FROM counter")).n)
    if n ~= 11 then return false, "counter is " .. n .. ", not 11 (a revision ran twice, or not at all)" end
    local revs = {}
    for i, row in ipairs(assert(conn:query("SELECT rev FROM applied ORDER BY id"))) do revs[i] = row.rev end
    if table.concat(revs, " ") ~= "r1 r2 r3" then return false, "applied rows: " .. table.concat(revs, " ") end
    local versions = {}
    for i, row in ipairs(assert(conn:query("SELECT version_num FROM luamig_version"))) do versions[i] = row.version_num end
    if table.concat(versions, " ") ~= "r3" then return false, "version table: " .. table.concat(versions, " ") end
    local history = {}
    for i, row in ipairs(assert(conn:query("SELECT revision, direction, outcome FROM luamig_history ORDER BY id"))) do
      history[i] = row.revision .. " " .. row.direction .. " " .. row.outcome
    end
    if table.concat(history, ", ") ~= "r1 up ok, r2 up ok, r3 up ok" then
      return false, "history: " .. table.concat(history, ", ")
    end
    return true
  end)
end

return M
