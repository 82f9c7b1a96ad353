-- luamig.present.revisions: how revisions are shown by current, heads, history, show
-- and branches. The formats follow Alembic's so that its users read them at
-- a glance:
--   <base> -> 1975ea83b712 (branchpoint), create account table
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart) (head), add cart table

local M = {}

local function set_of(list)
  local set = {}
  for _, v in ipairs(list or {}) do set[v] = true end
  return set
end

--- What decorated() marks: the graph's heads and, optionally, the
-- revisions the database is at.
function M.marks(graph, current)
  return { head = set_of(graph:heads()), current = current and set_of(current) or {} }
end

--- The first line of a message (a statement, an error).
function M.first_line(s)
  return (tostring(s):match("^[^\n]*"))
end

--- "id (label) (head) (branchpoint) (mergepoint) (current)"
function M.decorated(graph, node, marks)
  local id = node.id
  local labels, children, downs = node.branch_labels, node.children, node.down_revisions
  -- Most revisions have no mark: no table, no concatenation (history
  -- prints ten thousand of them).
  if not marks.head[id] and not marks.current[id] and #downs < 2
      and (labels == nil or #labels == 0) and (children == nil or #children < 2) then
    return id
  end
  local parts = { id }
  for _, label in ipairs(labels or {}) do parts[#parts + 1] = "(" .. label .. ")" end
  if marks.head[id] then parts[#parts + 1] = "(head)" end
  if children and #children > 1 then parts[#parts + 1] = "(branchpoint)" end
  if #downs > 1 then parts[#parts + 1] = "(mergepoint)" end
  if marks.current[id] then parts[#parts + 1] = "(current)" end
  return table.concat(parts, " ")
end

function M.parents(node)
  local downs = node.down_revisions
  if #downs == 1 then return downs[1] end
  if #downs == 0 then return "<base>" end
  return table.concat(downs, ", ")
end

--- One history line: "parents -> id (marks), doc".
function M.line(graph, node, marks)
  -- concatenation, not string.format: history formats ten thousand of these
  return M.parents(node) .. " -> " .. M.decorated(graph, node, marks) .. ", " .. (node.doc or "")
end

--- The -v block: Rev, Parent, Depends on, Branches into, Path, doc.
function M.block(graph, node, marks)
  local lines = {
    "Rev: " .. M.decorated(graph, node, marks),
    "Parent: " .. M.parents(node),
  }
  if #(node.depends_on or {}) > 0 then
    lines[#lines + 1] = "Also depends on: " .. table.concat(node.depends_on, ", ")
  end
  if #(node.children or {}) > 1 then
    lines[#lines + 1] = "Branches into: " .. table.concat(node.children, ", ")
  end
  if #(node.labels or {}) > 0 then
    lines[#lines + 1] = "Branch names: " .. table.concat(node.labels, ", ")
  end
  lines[#lines + 1] = "Path: " .. (node.path or "?")
  lines[#lines + 1] = ""
  lines[#lines + 1] = "    " .. (node.doc or "")
  lines[#lines + 1] = ""
  return table.concat(lines, "\n")
end

--- A revision as plain data, for --json.
function M.json_node(graph, node, marks)
  local json = require("luamig.present.json")
  return {
    id = node.id, down_revisions = node.down_revisions, depends_on = node.depends_on,
    branch_labels = node.labels or {}, doc = node.doc or "", path = node.path or json.null,
    is_head = marks.head[node.id] == true, is_current = marks.current[node.id] == true,
    is_branch_point = #(node.children or {}) > 1, is_merge_point = #node.down_revisions > 1,
  }
end

--- The `branches` entry of a branch point:
--   1975ea83b712 (branchpoint)
--                -> 27c6a30d7c24 (head), add cart table
function M.branch_point(graph, node, marks, verbose)
  local out = { verbose and M.block(graph, node, marks) or M.decorated(graph, node, marks) }
  local indent = (" "):rep(#node.id + 1)
  for _, child_id in ipairs(node.children) do
    local child = graph:get(child_id)
    out[#out + 1] = string.format("%s-> %s, %s", indent, M.decorated(graph, child, marks), child.doc or "")
  end
  return table.concat(out, "\n")
end

return M
