-- luamig.present.diagram: the revision graph as Graphviz DOT or Mermaid
-- flowchart text (`luamig graph`), for documentation and pull requests.
-- Pure: nodes in, text out, no I/O.
--
-- Both formats draw the same picture, oldest at the top: an arrow goes from
-- a revision to each revision built on it (the way upgrades run), a dashed
-- one labelled "depends on" from a dependency to its dependent. A merge
-- point is a hexagon, a branch point a rounded box, a head has a thick
-- border, the revision(s) the database is at are filled. Each label is the
-- revision as `luamig heads` shows it (id, branch labels, marks) over its
-- description, so the picture still reads in black and white.

local concat = table.concat

local M = {}

M.FORMATS = { "dot", "mermaid" }

local CURRENT_FILL = "#ffd966"

-- The edges between nodes, in the nodes' order: {parent, child} pairs
-- and {dependency, dependent} pairs. An edge to a revision left out (a
-- range) is not drawn.
local function edges(nodes)
  local member = {}
  for _, n in ipairs(nodes) do member[n.id] = true end
  local parents, deps = {}, {}
  for _, n in ipairs(nodes) do
    for _, p in ipairs(n.down_revisions) do
      if member[p] then parents[#parents + 1] = { p, n.id } end
    end
    for _, d in ipairs(n.depends_on or {}) do
      if member[d] then deps[#deps + 1] = { d, n.id } end
    end
  end
  return parents, deps
end

-- Control characters (a tab in a description) would break a quoted string
-- in either format; a space reads the same.
local function printable(s)
  return (tostring(s):gsub("%c", " "))
end

---------------------------------------------------------------------------
-- Graphviz DOT

-- Inside a quoted DOT string only \ and " need escaping; an escaped
-- backslash also keeps Graphviz from reading \n, \l or \N in a
-- description as its own escapes.
local function dot_escaped(s)
  return (printable(s):gsub('[\\"]', "\\%0"))
end

local function dot_string(s) return '"' .. dot_escaped(s) .. '"' end

--- DOT text of nodes (oldest first, as graph:nodes() gives them; each
-- with id, down_revisions, depends_on). info(node) gives what is drawn:
-- { label = "id (marks)", doc = "...", head =, current =, branch_point =,
-- merge_point = } (booleans).
function M.dot(nodes, info)
  local out = {
    "// luamig revision graph: an arrow leads from a revision to the ones built on it;",
    "// dashed: depends_on. Hexagon: merge point; rounded: branch point;",
    "// thick border: head; filled: the database's current revision.",
    "digraph revisions {",
    "  rankdir=TB;",
    '  node [shape=box, fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555", fontname="Helvetica"];',
  }
  for _, n in ipairs(nodes) do
    local i = info(n)
    -- "\n" (backslash, n) is DOT's line break in a label
    local attrs = { 'label="' .. dot_escaped(i.label) .. (i.doc ~= "" and ("\\n" .. dot_escaped(i.doc)) or "") .. '"' }
    local style = {}
    if i.merge_point then attrs[#attrs + 1] = "shape=hexagon"
    elseif i.branch_point then style[#style + 1] = "rounded" end
    if i.head then attrs[#attrs + 1] = "penwidth=2.5" end
    if i.current then
      style[#style + 1] = "filled"
      attrs[#attrs + 1] = 'fillcolor="' .. CURRENT_FILL .. '"'
    end
    if #style > 0 then attrs[#attrs + 1] = 'style="' .. concat(style, ",") .. '"' end
    out[#out + 1] = "  " .. dot_string(n.id) .. " [" .. concat(attrs, ", ") .. "];"
  end
  local parents, deps = edges(nodes)
  for _, e in ipairs(parents) do
    out[#out + 1] = "  " .. dot_string(e[1]) .. " -> " .. dot_string(e[2]) .. ";"
  end
  for _, e in ipairs(deps) do
    out[#out + 1] = "  " .. dot_string(e[1]) .. " -> " .. dot_string(e[2])
      .. ' [style=dashed, label="depends on", fontsize=9];'
  end
  out[#out + 1] = "}"
  return concat(out, "\n")
end

---------------------------------------------------------------------------
-- Mermaid

-- Mermaid reads `#code;` in a quoted label as a character: the way to
-- write the characters that would end the label or start markup.
local MERMAID_ESCAPES = { ['"'] = "#quot;", ["#"] = "#35;", ["<"] = "#lt;", [">"] = "#gt;",
  ["&"] = "#amp;", ["`"] = "#96;" }

local function mermaid_text(s)
  return (printable(s):gsub('["#<>&`]', MERMAID_ESCAPES))
end

-- A node id Mermaid reads as a plain name: the revision id when it is a
-- word, behind a prefix (a revision id may be "end", Mermaid's keyword, or
-- start with "o" or "x", which it can read as an arrow's head); otherwise
-- its place in the list.
local function mermaid_ids(nodes)
  local ids = {}
  for k, n in ipairs(nodes) do
    ids[n.id] = n.id:match("^[%w_]+$") and ("rev_" .. n.id) or ("n" .. k)
  end
  return ids
end

--- Mermaid flowchart text of nodes (oldest first), info as for M.dot.
function M.mermaid(nodes, info)
  local ids = mermaid_ids(nodes)
  -- the diagram type first: Mermaid detects it on the first line
  local out = {
    "flowchart TB",
    "%% luamig revision graph: an arrow leads from a revision to the ones built on it;",
    "%% dotted: depends_on. Hexagon: merge point; rounded: branch point;",
    "%% thick border: head; filled: the database's current revision.",
  }
  local heads, current = {}, {}
  for _, n in ipairs(nodes) do
    local i = info(n)
    local label = mermaid_text(i.label) .. (i.doc ~= "" and ("<br/>" .. mermaid_text(i.doc)) or "")
    local open, close = "[", "]"
    if i.merge_point then open, close = "{{", "}}"
    elseif i.branch_point then open, close = "([", "])" end
    out[#out + 1] = "  " .. ids[n.id] .. open .. '"' .. label .. '"' .. close
    if i.head then heads[#heads + 1] = ids[n.id] end
    if i.current then current[#current + 1] = ids[n.id] end
  end
  local parents, deps = edges(nodes)
  for _, e in ipairs(parents) do
    out[#out + 1] = "  " .. ids[e[1]] .. " --> " .. ids[e[2]]
  end
  for _, e in ipairs(deps) do
    out[#out + 1] = "  " .. ids[e[1]] .. " -.->|depends on| " .. ids[e[2]]
  end
  out[#out + 1] = "  classDef head stroke-width:3px"
  out[#out + 1] = "  classDef current fill:" .. CURRENT_FILL
  if #heads > 0 then out[#out + 1] = "  class " .. concat(heads, ",") .. " head" end
  if #current > 0 then out[#out + 1] = "  class " .. concat(current, ",") .. " current" end
  return concat(out, "\n")
end

return M
