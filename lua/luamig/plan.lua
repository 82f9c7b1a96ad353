-- luamig.plan: what a run will do, before anything runs: the project's
-- revision files read into their graph, and the steps from a database's
-- version rows to a target, each file compiled, so that a syntax error
-- anywhere stops a run before its first step. Every way of moving a
-- database takes its steps from here: upgrade and downgrade (online and
-- --sql, command/migrate.lua) and luamig.testing; the context runs them
-- (context/steps.lua) or writes them as SQL (context/offline.lua).

local script = require("luamig.script")
local phases = require("luamig.script.phases")
local revision = require("luamig.revision")

local M = {}

--- The project's graph and its scripts by id; nil, msg, status (2 for any
-- bad revision file).
function M.load(cfg)
  local scripts, err, status = script.load_all(cfg)
  if not scripts then return nil, err, status end
  local graph, gerr = revision.new(scripts)
  if not graph then return nil, gerr, 2 end
  -- Each script is its node's: looked up when asked for, not for all ten
  -- thousand revisions of a listing (whose records are made on use);
  -- pairs walks them all (next() sees only those looked up).
  local by_id = setmetatable({}, {
    __index = function(t, id)
      local node = graph:get(id)
      local s = node and node.script
      if s then rawset(t, id, s) end
      return s
    end,
    __pairs = function(t)
      local nodes, i = graph:nodes(), 0
      return function()
        i = i + 1
        local node = nodes[i]
        if node then return node.id, node.script end
      end, t, nil
    end,
  })
  return graph, by_id
end

-- Compile each step's file, so that its functions can run: the steps |
-- nil, msg.
local function compile_all(steps, by_id)
  for _, step in ipairs(steps) do
    local ok, cerr = script.compile(by_id[step.node.id])
    if not ok then return nil, cerr end
  end
  return steps
end

--- The steps from `from` (version rows) to `target` in `direction` ("up"
-- or "down"), each file compiled. nil, msg, "target" when the target
-- cannot be reached; nil, msg when a file does not compile.
function M.steps(graph, by_id, direction, from, target)
  local steps, err
  if direction == "up" then steps, err = graph:upgrade_steps(from, target)
  else steps, err = graph:downgrade_steps(from, target) end
  if not steps then return nil, err, "target" end
  return compile_all(steps, by_id)
end

--- The phases `upgrade --phase` takes ("all": both, in one step per
-- revision, as a revision without phases always runs).
M.PHASES = { expand = true, contract = true, all = true }

-- The contract step of an applied revision: its version row stays.
local function contract_step(node)
  return { node = node, id = node.id, direction = "up", version = {}, phase = "contract" }
end

--- An upgrade's steps by phase (see luamig.script.phases). phase:
-- "expand" (the pending revisions, phased ones by their expand() alone),
-- "contract" (the contracts of the applied revisions that are only
-- expanded, up to the target) or "all" (those contracts, then the pending
-- revisions whole). expanded: the set of revisions only expanded
-- (ctx:expanded()). Returns steps, then for the contract phase the refusal
-- of the first pending revision (whose expand has not run: nothing past it
-- runs); nil, msg, "target" | nil, msg as M.steps.
function M.upgrade_steps(graph, by_id, heads, target, phase, expanded)
  local pending, err = graph:upgrade_steps(heads, target)
  local goal
  if pending then goal = graph:heads_after(heads, pending)
  elseif phase == "contract" then
    -- a target at or below the current revision: its contracts alone
    goal = graph:resolve(target, heads)
    pending = {}
  end
  if not goal then return nil, err, "target" end
  local ok, cerr = compile_all(pending, by_id)
  if not ok then return nil, cerr end
  if phase == "expand" then
    for _, step in ipairs(pending) do step.phase = "expand" end
    return pending
  end
  local steps = {}
  if next(expanded) ~= nil then
    local applied = {}
    for _, id in ipairs(assert(graph:applied(heads))) do applied[id] = true end
    for _, id in ipairs(assert(graph:applied(goal))) do
      if expanded[id] and applied[id] then steps[#steps + 1] = contract_step(graph:get(id)) end
    end
    ok, cerr = compile_all(steps, by_id)
    if not ok then return nil, cerr end
  end
  if phase == "contract" then
    local first = pending[1]
    if not first then return steps end
    return steps, string.format("cannot contract revision %s: its expand has not run (the contract phase runs only"
      .. " the contracts of revisions whose expand ran); run 'luamig upgrade %s --phase expand' first%s",
      first.node.id, target,
      #steps > 0 and string.format("; the contracts before it ran (%d)", #steps) or "")
  end
  for _, step in ipairs(pending) do steps[#steps + 1] = step end
  return steps
end

--- --sql by phase: the steps from `from` (version rows) to `target`; the
-- contract phase's script contracts the phased revisions of that range,
-- which the expand phase's script of the same range expanded.
function M.offline_upgrade_steps(graph, by_id, from, target, phase)
  local steps, err, kind = M.steps(graph, by_id, "up", from, target)
  if not steps then return nil, err, kind end
  if phase == "expand" then
    for _, step in ipairs(steps) do step.phase = "expand" end
  elseif phase == "contract" then
    local out = {}
    for _, step in ipairs(steps) do
      if phases.phased(by_id[step.node.id]) then out[#out + 1] = contract_step(step.node) end
    end
    steps = out
  end
  return steps
end

--- A downgrade's steps, each marked `expanded` when its revision's
-- contract has not run (see luamig.script.phases).
function M.downgrade_steps(graph, by_id, heads, target, expanded)
  local steps, err, kind = M.steps(graph, by_id, "down", heads, target)
  if not steps then return nil, err, kind end
  for _, step in ipairs(steps) do step.expanded = expanded[step.node.id] == true end
  return steps
end

return M
