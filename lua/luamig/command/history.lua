-- luamig.command.history: `luamig history`, the revisions newest first
-- (-r RANGE, -i; --graph draws their lanes as `git log --graph` does), or
-- with --applied the history table: every step that ran on the database,
-- by whom, and how it ended.

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local present = require("luamig.present.revisions")
local lanes = require("luamig.present.lanes")
local errors = require("luamig.errors")

-- history --applied: the history table, newest first.
local function applied_history(cfg, opts)
  local rows = common.with_context(cfg, opts, function(ctx)
    return errors.check(ctx:history_rows())
  end)
  local null = require("luamig.driver").null
  local function v(x) if x == nil or x == null then return nil end return x end
  local last = rows[1]
  opts.outcome = { "ok", last and string.format("%s, the last: %s %s %s", common.plural(#rows, "step"), last.direction,
    last.revision, last.outcome) or "no steps recorded" }
  if opts.json then
    local json = require("luamig.present.json")
    local function j(x) local y = v(x); if y == nil then return json.null end return y end
    local out = {}
    for i, r in ipairs(rows) do
      out[i] = { revision = r.revision, direction = r.direction, outcome = r.outcome, checksum = j(r.checksum),
        started_at = r.started_at, finished_at = j(r.finished_at), duration_ms = j(r.duration_ms),
        applied_by = j(r.applied_by), luamig_version = j(r.luamig_version), message = j(r.message),
        phase = v(r.phase) }  -- expand/contract steps only (left out for whole ones)
    end
    opts.out(json.encode(out))
    return true
  end
  for _, r in ipairs(rows) do
    local dur = v(r.duration_ms) and string.format("%d ms", r.duration_ms) or "-"
    local line = string.format("%s  %-6s  %-12s  %-8s  %8s  %s", r.started_at, r.direction, r.revision, r.outcome, dur,
      v(r.applied_by) or "?")
    if opts.verbose then
      line = line .. string.format("  luamig %s  %s", v(r.luamig_version) or "?", v(r.checksum) or "-")
    end
    if v(r.phase) then line = line .. "  (" .. r.phase .. ")" end  -- one half of an expand/contract revision
    if v(r.message) then line = line .. "  " .. present.first_line(r.message) end
    opts.out(line)
  end
  return true
end

-- -v in --graph: the lines of `history -v` the row does not show already.
local function graph_details(node)
  local lines = { "Parent: " .. present.parents(node) }
  if #node.children > 1 then lines[#lines + 1] = "Branches into: " .. table.concat(node.children, ", ") end
  if #node.labels > 0 then lines[#lines + 1] = "Branch names: " .. table.concat(node.labels, ", ") end
  lines[#lines + 1] = "Path: " .. (node.path or "?")
  lines[#lines + 1] = ""
  return lines
end

-- --graph goes with the revision listing only: one picture, not JSON, not
-- the history table (whose steps have no graph).
local function refuse_graph_with(opts)
  for _, other in ipairs { { "applied", "--applied" }, { "json", "--json" } } do
    if opts[other[1]] then
      errors.fail(string.format("history: --graph cannot be combined with %s", other[2]), 2)
    end
  end
end

local function run(cfg, opts)
  if opts.graph then refuse_graph_with(opts) end
  if opts.applied then return applied_history(cfg, opts) end
  -- The plain listing of every revision comes as one text from the graph
  -- when it was built in C: no node is made (10,000 revisions: a third of
  -- the time). Otherwise each node's line is formatted below.
  local graph, marks, nodes, text = common.revision_history(cfg, opts, not (opts.json or opts.graph or opts.verbose))
  if text then
    if text ~= "" then opts.out(text) end
    return true
  end
  if opts.json then
    local list = {}
    for i, node in ipairs(nodes) do list[i] = present.json_node(graph, node, marks) end
    opts.out(require("luamig.present.json").encode(list))
    return true
  end
  if opts.graph then
    local lines = lanes.draw(nodes, {
      text = function(node) return lanes.text(graph, node, marks) end,
      details = opts.verbose and graph_details or nil,
    })
    for _, line in ipairs(lines) do opts.out(line) end
    return true
  end
  for _, node in ipairs(nodes) do
    opts.out(opts.verbose and present.block(graph, node, marks) or present.line(graph, node, marks))
  end
  return true
end

return {
  usage = "history [-r RANGE] [-i] [-v] [--graph] | history --applied [--json] [-v]", max = 0,
  flags = flags.with_fleet({
    { "--applied", key = "applied", help = "list the history table: every step run, by whom, how it ended" },
    { "--json", key = "json", help = "JSON output (with --applied too)" },
    { "-r", "--rev-range", key = "range", value = "RANGE", help = "only FROM:TO (e.g. base:head, -3:current)" },
    { "-i", "--indicate-current", key = "indicate_current", help = "mark the database's revisions (current)" },
    { "--graph", key = "graph", help = "draw the branches and merges, as git log --graph (offline unless -i)" },
  }),
  run = run,
}
