-- luamig.report: how revisions are shown by current, heads, history, show
-- and branches. The formats follow Alembic's so that its users read them at
-- a glance:
--   <base> -> 1975ea83b712 (branchpoint), create account table
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart) (head), add cart table

local ipairs = ipairs
local str_format, table_concat = string.format, table.concat

local M = {}

local function contains(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end

--- "id (label) (head) (branchpoint) (mergepoint) (current)"
-- marks: {heads = ids, current = ids (optional)}
function M.decorated(graph, node, marks)
  local parts = { node.id }
  for _, label in ipairs(node.branch_labels or {}) do parts[#parts + 1] = "(" .. label .. ")" end
  if contains(marks.heads, node.id) then parts[#parts + 1] = "(head)" end
  if #(node.children or {}) > 1 then parts[#parts + 1] = "(branchpoint)" end
  if #node.down_revisions > 1 then parts[#parts + 1] = "(mergepoint)" end
  if marks.current and contains(marks.current, node.id) then parts[#parts + 1] = "(current)" end
  return table_concat(parts, " ")
end

function M.parents(node)
  if #node.down_revisions == 0 then return "<base>" end
  return table_concat(node.down_revisions, ", ")
end

--- One history line: "parents -> id (marks), doc".
function M.line(graph, node, marks)
  return str_format("%s -> %s, %s", M.parents(node), M.decorated(graph, node, marks), node.doc or "")
end

--- The -v block: Rev, Parent, Depends on, Branches into, Path, doc.
function M.block(graph, node, marks)
  local lines = {
    "Rev: " .. M.decorated(graph, node, marks),
    "Parent: " .. M.parents(node),
  }
  if #(node.depends_on or {}) > 0 then
    lines[#lines + 1] = "Also depends on: " .. table_concat(node.depends_on, ", ")
  end
  if #(node.children or {}) > 1 then
    lines[#lines + 1] = "Branches into: " .. table_concat(node.children, ", ")
  end
  if #(node.labels or {}) > 0 then
    lines[#lines + 1] = "Branch names: " .. table_concat(node.labels, ", ")
  end
  lines[#lines + 1] = "Path: " .. (node.path or "?")
  lines[#lines + 1] = ""
  lines[#lines + 1] = "    " .. (node.doc or "")
  lines[#lines + 1] = ""
  return table_concat(lines, "\n")
end

--- The `branches` entry of a branch point:
--   1975ea83b712 (branchpoint)
--                -> 27c6a30d7c24 (head), add cart table
function M.branch_point(graph, node, marks, verbose)
  local out = { verbose and M.block(graph, node, marks) or M.decorated(graph, node, marks) }
  local indent = (" "):rep(#node.id + 1)
  for _, child_id in ipairs(node.children) do
    local child = graph:get(child_id)
    out[#out + 1] = str_format("%s-> %s, %s", indent, M.decorated(graph, child, marks), child.doc or "")
  end
  return table_concat(out, "\n")
end

return M
