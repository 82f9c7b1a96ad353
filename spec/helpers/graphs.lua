-- Revision graphs built from literals for the unit specs (no files, no
-- database): rev() makes a script record as luamig.script would, graph()
-- the luamig.revision graph of a list of them.
local revision = require("luamig.revision")

local M = {}

--- A record: `down` a parent id or a list; opts: deps, labels, doc, path.
function M.rev(id, down, opts)
  opts = opts or {}
  if type(down) == "string" then down = { down } end
  return {
    id = id, down_revisions = down or {}, depends_on = opts.deps or {},
    branch_labels = opts.labels or {}, doc = opts.doc or ("revision " .. id),
    path = opts.path or ("migrations/versions/" .. id .. ".lua"),
  }
end

--- The graph of `list`, which must be a valid one.
function M.graph(list)
  local g, err = revision.new(list)
  assert(g, err)
  return g
end

return M
