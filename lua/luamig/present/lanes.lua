-- luamig.present.lanes: the revision graph drawn in text, as `git log
-- --graph` draws commits (`luamig history --graph`). Pure: nodes in, lines
-- out, no I/O.
--
-- The picture, newest first, one row per revision:
--
--   * m3 (head) (mergepoint), merge      a revision: `*` in its lane
--   |\                                   a merge: its second parent's lane opens
--   | * c1, add c                        lanes run side by side
--   * | b1, add b
--   |/                                   lanes waiting for the same parent join
--   * a0 (branchpoint), start
--
-- Lanes are two characters apart: lane i is drawn at text column 2(i-1),
-- and `/`, `\`, `_` between them (odd columns) say where a lane moves. Only
-- versioning edges (down_revision) are lanes; depends_on is not a parent
-- and is shown in the line's text by the caller. The drawing depends only
-- on the order of `nodes` and their fields, so the output is deterministic.
--
-- The rules, per revision n in the given order (children before parents):
--   1. Lanes that wait for n join, the rightmost into the one left of it,
--      one row each (`|/`, `|_|/` across lanes in between); lanes right of
--      the one that goes move left one column (`/`).
--   2. No lane waits for n: n is a tip, and starts a new lane at the right.
--      If that is the very column where the revision before it ended as a
--      root, a row of the other lanes alone (blank without any) comes
--      first, so that two unrelated revisions do not look like parent and
--      child.
--   3. The row of n: `*` in its lane, `|` in the others, then the text.
--   4. n's lane now waits for its first parent; each further parent (a
--      merge) opens a lane right of it (`|\`, lanes further right move
--      right: `\`). Without a parent among `nodes` (a base, or a range
--      that stops here) the lane ends, and lanes right of it move left.

local revisions = require("luamig.present.revisions")

local concat, insert, remove = table.concat, table.insert, table.remove

local M = {}

--- A revision's row text for `history --graph`: what `history` shows but
-- the parents, which the lanes draw; depends_on is no lane (it is not a
-- parent), so the row names it.
function M.text(graph, node, marks)
  local deps = node.depends_on
  local note = #deps > 0 and (" (depends on " .. concat(deps, ", ") .. ")") or ""
  return revisions.decorated(graph, node, marks) .. note .. ", " .. (node.doc or "")
end

-- Text column of lane i.
local function col(i) return 2 * (i - 1) end

-- cells (column -> glyph) as a string `width` columns wide; rows without
-- text after them lose their trailing blanks.
local function render(cells, width, trim)
  local out = {}
  for c = 0, width - 1 do out[c + 1] = cells[c] or " " end
  local s = concat(out)
  if trim then s = s:gsub(" +$", "") end
  return s
end

-- Width of n lanes in text columns.
local function width_of(n) return n > 0 and col(n) + 1 or 0 end

--- Lines of the picture. nodes: revisions newest first (each with `id`
-- and `down_revisions`), every child before its parents, as
-- graph:history() returns them. opts.text(node) is the text of a
-- revision's row; opts.details(node), optional, gives lines shown under
-- it with the lanes running alongside (history -v).
function M.draw(nodes, opts)
  local text, details = opts.text, opts.details
  local drawn = {}
  for _, n in ipairs(nodes) do drawn[n.id] = true end
  local lanes, lines = {}, {}
  local ended_at           -- the lane of the previous revision, when it ended there

  local function emit(cells, width) lines[#lines + 1] = render(cells, width, true) end

  for _, n in ipairs(nodes) do
    -- 1. join the lanes that wait for n, the rightmost first
    while true do
      local q, p
      for i, id in ipairs(lanes) do
        if id == n.id then q, p = p, i end
      end
      if not q then break end
      local cells = {}
      for i = 1, p - 1 do cells[col(i)] = "|" end
      cells[col(p) - 1] = "/"
      for c = col(q) + 1, col(p) - 3, 2 do cells[c] = "_" end
      for i = p + 1, #lanes do cells[col(i) - 1] = "/" end
      emit(cells, width_of(#lanes))
      remove(lanes, p)
    end
    local at
    for i, id in ipairs(lanes) do
      if id == n.id then at = i; break end
    end
    -- 2. a tip: a new lane on the right
    if not at then
      lanes[#lanes + 1] = n.id
      at = #lanes
      if ended_at == at then
        local cells = {}
        for i = 1, at - 1 do cells[col(i)] = "|" end
        emit(cells, width_of(at - 1))
      end
    end
    -- 3. the revision's row
    local width = width_of(#lanes)
    local cells = {}
    for i = 1, #lanes do cells[col(i)] = i == at and "*" or "|" end
    lines[#lines + 1] = render(cells, width) .. " " .. text(n)
    local parents = {}
    for _, id in ipairs(n.down_revisions) do
      if drawn[id] then parents[#parents + 1] = id end
    end
    if details then
      cells[col(at)] = #parents > 0 and "|" or nil
      local prefix = render(cells, width)
      for _, line in ipairs(details(n) or {}) do
        lines[#lines + 1] = (prefix .. " " .. line):gsub(" +$", "")
      end
    end
    -- 4. the lane goes on to the parents, or ends
    ended_at = nil
    if #parents == 0 then
      remove(lanes, at)
      if at <= #lanes then
        cells = {}
        for i = 1, at - 1 do cells[col(i)] = "|" end
        for i = at + 1, #lanes + 1 do cells[col(i) - 1] = "/" end
        emit(cells, width)
      end
      ended_at = at
    else
      lanes[at] = parents[1]
      -- the last parent first: each opens at at+1, pushing the others right
      for k = #parents, 2, -1 do
        cells = {}
        for i = 1, at do cells[col(i)] = "|" end
        cells[col(at) + 1] = "\\"
        for i = at + 1, #lanes do cells[col(i) + 1] = "\\" end
        emit(cells, width_of(#lanes + 1))
        insert(lanes, at + 1, parents[k])
      end
    end
  end
  return lines
end

return M
