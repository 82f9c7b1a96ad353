-- luamig.command.graph: `luamig graph`, the revision graph as Graphviz DOT
-- or Mermaid flowchart text (luamig.present.diagram), for documentation
-- and pull requests; to stdout, or to a file with -o.

local common = require("luamig.command.common")
local present = require("luamig.present.revisions")
local diagram = require("luamig.present.diagram")
local errors = require("luamig.errors")

-- What the picture shows of a revision: what `heads` shows (declared
-- branch labels, head, branch point, merge point, current) and its
-- description.
local function info_of(graph, marks)
  return function(node)
    return {
      label = present.decorated(graph, node, marks), doc = node.doc or "",
      head = marks.head[node.id] == true, current = marks.current[node.id] == true,
      branch_point = #node.children > 1, merge_point = #node.down_revisions > 1,
    }
  end
end

-- The whole text to FILE, opened only once the picture is made, so that a
-- bad range or project leaves no file behind. A write that fails is
-- reported, as a failed write to stdout is, rather than the file removed:
-- FILE may be a device or a pipe (-o /dev/stdout) that is not ours to remove.
local function write_file(path, text)
  local f, err = io.open(path, "wb")
  if not f then errors.fail(string.format("graph: cannot write %s", err), 1) end
  local ok, werr = f:write(text)
  local closed, cerr = f:close()
  if not (ok and closed) then
    errors.fail(string.format("graph: could not write %s (%s); what it holds is incomplete", path, werr or cerr), 1)
  end
end

local function run(cfg, opts)
  -- the database is opened only for -i (or a range naming `current`)
  local graph, marks, nodes = common.revision_history(cfg, opts)
  local oldest_first = {}
  for i = #nodes, 1, -1 do oldest_first[#oldest_first + 1] = nodes[i] end
  local draw = diagram[opts.format or "dot"]
  local text = draw(oldest_first, info_of(graph, marks))
  if opts.output then write_file(opts.output, text .. "\n") else opts.out(text) end
  return true
end

return {
  usage = "graph [--format dot|mermaid] [-o FILE] [-r RANGE] [-i]", max = 0,
  flags = {
    { "--format", key = "format", value = "FORMAT", choices = diagram.FORMATS,
      help = "dot (Graphviz, the default) or mermaid (a flowchart)" },
    { "-o", "--output", key = "output", value = "FILE", help = "write to FILE instead of stdout" },
    { "-r", "--rev-range", key = "range", value = "RANGE", help = "only FROM:TO (e.g. base:head, networking@base:)" },
    { "-i", "--indicate-current", key = "indicate_current",
      help = "fill the revision(s) the database is at (opens the database)" },
  },
  run = run,
}
