-- bench/revision_graph.lua: the revision graph on 10,000 revisions.
--
-- Builds in memory a literal graph of 10,000 revisions with 100 branch and
-- merge points (50 diamonds along one main line, plus 49 revisions of an
-- independent labelled root that depends on the main line), then times what
-- `heads`, `current`, `history`, `upgrade` and `downgrade` ask of the graph.
-- Run from the repository root: lua5.4 bench/revision_graph.lua
local here = (arg and arg[0] or ""):match("^(.*)/bench/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. here .. "/lua/?/init.lua;" .. package.path

local revision = require("luamig.revision")

local N, DIAMONDS, SIDE = 10000, 50, 40

-- deterministic 12-hex-digit ids
local state = 20261121
local used = {}
local function new_id()
  local id
  repeat
    state = (state * 1103515245 + 12345) % 2147483648
    local a = state
    state = (state * 1103515245 + 12345) % 2147483648
    id = string.format("%06x%06x", a % 0x1000000, state % 0x1000000)
  until not used[id]
  used[id] = true
  return id
end

local scripts = {}
local function add(down, extra)
  local s = {
    id = new_id(), down_revisions = down, depends_on = extra and extra.deps or {},
    branch_labels = extra and extra.labels or {}, doc = "generated",
  }
  s.path = "migrations/versions/" .. s.id .. "_generated.lua"
  scripts[#scripts + 1] = s
  return s.id
end

-- an independent root of 49 revisions, the last one depending on the main line
local side_root = add({}, { labels = { "side" } })
local side = side_root
for _ = 2, 48 do side = add({ side }) end

local main_count = N - 49
local prev = add({}, { labels = { "main" } })
local count, made = 1, 0
local step = math.floor(main_count / (DIAMONDS + 1))
while count < main_count do
  if made < DIAMONDS and count % step == 0 and count + 2 * SIDE + 1 < main_count then
    local bp, left, right = prev, prev, prev
    for _ = 1, SIDE do left = add({ left }); count = count + 1 end
    for _ = 1, SIDE do right = add({ right }); count = count + 1 end
    prev = add({ left, right }); count = count + 1
    made = made + 1
    assert(bp)
  else
    prev = add({ prev }); count = count + 1
  end
end
add({ side }, { deps = { prev } })
assert(#scripts == N, #scripts)

local function time(label, f, reps)
  reps = reps or 5
  local best, result = math.huge, nil
  for _ = 1, reps do
    local t0 = os.clock()
    result = f()
    local dt = (os.clock() - t0) * 1000
    if dt < best then best = dt end
  end
  print(string.format("%-34s %8.2f ms", label, best))
  return result
end

print(string.format("revision graph: %d revisions, %d diamonds (%d branch/merge points), lua %s",
  N, DIAMONDS, 2 * DIAMONDS, _VERSION))

local g = time("new (build + validate)", function() return assert(revision.new(scripts)) end)
assert(#g:branch_points() == DIAMONDS and #g:merge_points() == DIAMONDS)
local heads = time("heads", function() return g:heads() end, 50)
time("resolve('heads')", function() return assert(g:resolve("heads")) end, 50)
time("resolve('main@head')", function() return assert(g:resolve("main@head")) end, 20)
do
  local fresh = assert(revision.new(scripts))
  local t0 = os.clock()
  assert(fresh:resolve(prev:sub(1, 6)))
  print(string.format("%-34s %8.2f ms", "resolve(prefix), first (sorts ids)", (os.clock() - t0) * 1000))
end
time("resolve(prefix), later", function() return assert(g:resolve(prev:sub(1, 6))) end, 50)
time("resolve('-3') from current", function() return assert(g:resolve("-3", { prev })) end, 20)
time("current: applied(heads)", function() return assert(g:applied(heads)) end)
local up = time("upgrade_steps(base -> heads)", function() return assert(g:upgrade_steps({}, "heads")) end)
assert(#up == N)
time("heads_after(upgrade)", function() return g:heads_after({}, up) end)
local down = time("downgrade_steps(heads -> base)", function() return assert(g:downgrade_steps(heads, "base")) end)
assert(#down == N)
local hist = time("history: walk() all", function() return g:walk() end)
assert(#hist == N)
time("history -r base:heads", function() return assert(g:history("base:heads", heads)) end)
time("history -r -20:current", function() return assert(g:history("-20:current", { prev })) end)
local t0 = os.clock()
local g2 = assert(revision.new(scripts))
local h = g2:heads()
local _ = g2:walk()
print(string.format("%-34s %8.2f ms", "new + heads + history, one run", (os.clock() - t0) * 1000))
assert(#h == 2)
