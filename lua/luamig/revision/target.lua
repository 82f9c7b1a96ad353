-- luamig.revision.target: the target grammar, resolved against a graph.
--
--   target := id | prefix of 4+ characters | branch label (its revision)
--           | "head" | "heads" | "base" | "current"
--           | [anchor] ("+" | "-") N        relative step; no anchor = current
--           | label "@" ("head" | "heads" | "base")
--           | label "@" [anchor] ("+" | "-") N   along the branch; no anchor =
--                                                its current head
--           | label "@" revision            the revision, checked to be on it
--           | revision "@" ("head" | "heads")    the head(s) above a revision
--   anchor := "head" | "heads" | "base" | "current" | revision
--
-- An exact revision id always wins over any reading of the grammar.
-- Relative steps follow down_revision only; along a branch they only visit
-- revisions that carry its label. Going up, a branch point is ambiguous;
-- going down, a merge point is (unless it is the last step: the target is
-- then the merge's parents). One step down from a base revision (or from
-- a branch's first revision) is the point before it: as a downgrade target
-- it removes that line and what depends on it, nothing else.
--
-- point(graph, text, cur) -> point | nil, msg, where a point is
-- {nodes = {...}} (empty: base) or {below = node}; cur is the array of
-- current head nodes, or nil when the current revision is not known.

-- Local copies of globals: the graph's loops visit every revision, and
-- bench/revision_graph.lua runs ~15% faster with them (10,000 revisions).
local ipairs, tonumber = ipairs, tonumber
local tointeger = math.tointeger
local concat = table.concat
local format = string.format

local M = {}

local function ids(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.id end
  return concat(out, ", ")
end

local function has_label(n, name)
  for _, x in ipairs(n.labels) do if x == name then return true end end
  return false
end

local function multiple_heads(heads)
  return format('multiple heads (%s): name one, use "heads", or merge them with \'luamig merge heads\'', ids(heads))
end

local function need_current(text)
  return format('"%s" is relative to the current revision, which is not known here', text)
end

-- "abc-2" -> "abc", -2; "head" -> "head", nil
local function split_delta(text)
  local anchor, sign, digits = text:match("^(.-)([+-])(%d+)$")
  if not anchor then return text end
  local n = tointeger(tonumber(digits))
  if not n then return nil, format('relative step in "%s" is too large', text) end
  return anchor, sign == "-" and -n or n
end

-- One step of a walk. A position is (kind, node): "node", "base" (below
-- every base, unlabelled walks only) or "below" (the point before node).
local function up_one(graph, text, kind, n, label)
  if kind == "below" then return "node", n end
  if kind == "base" then
    local bases = graph._bases
    if #bases == 0 then return nil, format('"%s" walks past the head: there are no revisions', text) end
    if #bases > 1 then
      return nil, format('"%s" is ambiguous: there are several bases (%s); start from one of them or from a branch label', text, ids(bases))
    end
    return "node", bases[1]
  end
  local next = {}
  for _, cid in ipairs(n.children) do
    local c = graph._nodes[cid]
    if not label or has_label(c, label.name) then next[#next + 1] = c end
  end
  if #next == 0 then
    if label then
      return nil, format('"%s" walks past the head of branch "%s": nothing comes after %s', text, label.name, n.id)
    end
    return nil, format('"%s" walks past the head: nothing comes after %s', text, n.id)
  end
  if #next > 1 then
    if label then
      return nil, format('"%s" is ambiguous at branch point %s (next: %s): branch "%s" splits there; name the revision', text, n.id, ids(next), label.name)
    end
    return nil, format('"%s" is ambiguous at branch point %s (next: %s): name the revision, or walk along a branch with label@+N', text, n.id, ids(next))
  end
  return "node", next[1]
end

-- Down from a merge point the position is the set of its parents: fine as
-- the last step (a downgrade then removes the merge only), ambiguous after.
-- Returns kind, position[, the merge node when kind is "set"].
local function down_one(graph, text, kind, n, label, merge)
  if kind == "set" then
    return nil, format('"%s" is ambiguous at merge point %s (previous: %s): name the revision, or walk along a branch with label@-N', text, merge.id, ids(n))
  end
  if kind ~= "node" then
    if label then return nil, format('"%s" walks past the base of branch "%s"', text, label.name) end
    return nil, format('"%s" walks past base', text)
  end
  local down = n.down_revisions
  if #down == 0 or (label and n == label.base) then return "below", n end
  local all, prev = graph:_parents(n, true), {}
  for _, p in ipairs(all) do
    if not label or has_label(p, label.name) then prev[#prev + 1] = p end
  end
  if #prev == 0 then prev = all end
  if #prev > 1 then return "set", prev, n end
  return "node", prev[1]
end

local function walk(graph, text, kind, n, delta, label)
  local merge
  for _ = 1, delta >= 0 and delta or -delta do
    local k, m
    if delta > 0 then
      k, m = up_one(graph, text, kind, n, label)
    else
      k, m, merge = down_one(graph, text, kind, n, label, merge)
    end
    if not k then return nil, m end
    kind, n = k, m
  end
  if kind == "below" then return { below = n } end
  if kind == "base" then return { nodes = {} } end
  if kind == "set" then return { nodes = n } end
  return { nodes = { n } }
end

local function label_target(graph, text, l, right, cur)
  local name = l.name
  if right == "heads" then return { nodes = graph:_label_heads(l) } end
  if right == "base" then return { below = l.base } end
  if right == "head" then
    local hs = graph:_label_heads(l)
    if #hs > 1 then
      return nil, format('branch "%s" has several heads (%s): name one, or use %s@heads', name, ids(hs), name)
    end
    return { nodes = hs }
  end
  local anchor, delta = split_delta(right)
  if not anchor then return nil, delta end
  local kind, n
  if anchor == "" or anchor == "current" then
    if anchor == "" and not delta then
      return nil, format('"%s" is incomplete: after "%s@" write head, heads, base, +N, -N or a revision', text, name)
    end
    if not cur then return nil, need_current(text) end
    local on = {}
    for _, c in ipairs(cur) do if has_label(c, name) then on[#on + 1] = c end end
    if not delta then
      if #on == 0 then return { below = l.base } end
      return { nodes = on }
    end
    if #on > 1 then
      return nil, format('"%s" is ambiguous: branch "%s" has several current heads (%s); name one of them, e.g. %s%+d', text, name, ids(on), on[1].id, delta)
    end
    if #on == 0 then kind, n = "below", l.base else kind, n = "node", on[1] end
  elseif anchor == "head" or anchor == "heads" then
    local hs = graph:_label_heads(l)
    if #hs > 1 then
      return nil, format('branch "%s" has several heads (%s): name one, or use %s@heads', name, ids(hs), name)
    end
    kind, n = "node", hs[1]
  elseif anchor == "base" then
    kind, n = "below", l.base
  else
    local err
    n, err = graph:find(anchor)
    if not n then return nil, err end
    if not has_label(n, name) then
      return nil, format('revision %s is not on branch "%s" (the branch starts at %s)', n.id, name, l.base.id)
    end
    if not delta then return { nodes = { n } } end
    kind = "node"
  end
  return walk(graph, text, kind, n, delta, l)
end

local function revision_heads(graph, text, left, right)
  local n, err, why = graph:find(left)
  if not n then
    if why == "ambiguous" then return nil, err end
    return nil, graph:_unknown_label(left)
  end
  if right ~= "head" and right ~= "heads" then
    return nil, format('"%s": after a revision and "@" only head or heads may follow (a branch label takes head, heads, base, +N, -N or a revision)', text)
  end
  local above = graph:_down({ n }, true)
  local hs = {}
  for _, h in ipairs(graph._heads) do if above[h] then hs[#hs + 1] = h end end
  if right == "head" and #hs > 1 then
    return nil, format('"%s" is ambiguous: several heads descend from %s (%s); name one, or use %s@heads', text, n.id, ids(hs), left)
  end
  return { nodes = hs }
end

local function plain_target(graph, text, cur)
  local anchor, delta = split_delta(text)
  if not anchor then return nil, delta end
  local kind, n
  if anchor == "" or anchor == "current" then
    if not cur then return nil, need_current(text) end
    if not delta then return { nodes = cur } end
    if #cur > 1 then
      return nil, format('"%s" is ambiguous: the database has several current heads (%s); use label@%+d or <revision>%+d', text, ids(cur), delta, delta)
    end
    if #cur == 0 then kind = "base" else kind, n = "node", cur[1] end
  elseif anchor == "head" or anchor == "heads" then
    local hs = graph._heads
    if not delta and anchor == "heads" then return { nodes = hs } end
    if #hs > 1 then return nil, multiple_heads(hs) end
    if not delta then return { nodes = hs } end
    if #hs == 0 then kind = "base" else kind, n = "node", hs[1] end
  elseif anchor == "base" then
    if not delta then return { nodes = {} } end
    kind = "base"
  else
    local err
    n, err = graph:find(anchor)
    if not n then return nil, err end
    if not delta then return { nodes = { n } } end
    kind = "node"
  end
  return walk(graph, text, kind, n, delta)
end

function M.point(graph, text, cur)
  if text == "" then return nil, "empty revision target" end
  local n = graph._nodes[text]
  if n then return { nodes = { n } } end
  local left, right = text:match("^([^@]*)@(.*)$")
  if not left then return plain_target(graph, text, cur) end
  if left == "" then
    return nil, format('"%s" names no branch: write label@%s', text, right)
  end
  local l = graph._labels[left]
  if l then return label_target(graph, text, l, right, cur) end
  return revision_heads(graph, text, left, right)
end

return M
