-- luamig.plan: what a run will do, before anything runs: the project's
-- revision files read into their graph, and the steps from a database's
-- version rows to a target, each file compiled, so that a syntax error
-- anywhere stops a run before its first step. Every way of moving a
-- database takes its steps from here: upgrade and downgrade (online and
-- --sql, command/migrate.lua) and luamig.testing; the context runs them
-- (context/steps.lua) or writes them as SQL (context/offline.lua).

local script = require("luamig.script")
local revision = require("luamig.revision")

local M = {}

--- The project's graph and its scripts by id; nil, msg, status (2 for any
-- bad revision file).
function M.load(cfg)
  local scripts, err, status = script.load_all(cfg)
  if not scripts then return nil, err, status end
  local graph, gerr = revision.new(scripts)
  if not graph then return nil, gerr, 2 end
  local by_id = {}
  for _, s in ipairs(scripts) do by_id[s.id] = s end
  return graph, by_id
end

--- The steps from `from` (version rows) to `target` in `direction` ("up"
-- or "down"), each file compiled. nil, msg, "target" when the target
-- cannot be reached; nil, msg when a file does not compile.
function M.steps(graph, by_id, direction, from, target)
  local steps, err
  if direction == "up" then steps, err = graph:upgrade_steps(from, target)
  else steps, err = graph:downgrade_steps(from, target) end
  if not steps then return nil, err, "target" end
  for _, step in ipairs(steps) do
    local ok, cerr = script.compile(by_id[step.node.id])
    if not ok then return nil, cerr end
  end
  return steps
end

return M
