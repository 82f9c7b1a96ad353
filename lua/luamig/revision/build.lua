-- luamig.revision.build: checks script records and builds the graph's
-- fields for luamig.revision (nodes, canonical order, heads, bases, labels).
--
-- Errors are one line and name the files: duplicate ids, a down_revision or
-- depends_on that names nothing, self references, cycles (listed, through
-- down_revision or, as a "dependency cycle", through depends_on too),
-- labels declared twice or clashing with ids. Of several faults the one of
-- the lowest revision id is reported, whatever order the files came in.
--
-- Nodes keep the script's own arrays when they are clean (no copy), and
-- share EMPTY for empty lists: callers must treat nodes as read-only.

-- Local copies of globals: the graph's loops visit every revision, and
-- bench/revision_graph.lua runs ~15% faster with them (10,000 revisions).
local type, ipairs, pairs, next = type, ipairs, pairs, next
local setmetatable, error = setmetatable, error
local concat, sort = table.concat, table.sort
local format, find = string.format, string.find

local M = {}

M.RESERVED = { head = true, heads = true, base = true, current = true }
local RESERVED = M.RESERVED

-- Shared by every node that has none.
local EMPTY = setmetatable({}, { __newindex = function() error("revision graph nodes are read-only", 2) end })
M.EMPTY = EMPTY

local function by_id(a, b) return a.id < b.id end

local function where(node)
  return node.path and format("%s (%s)", node.id, node.path) or node.id
end

-- A list field of a script record: nil, a string, or an array of strings.
-- A valid array without repeats is used as is (not copied).
local function string_list(s, field)
  local v = s[field]
  if v == nil then return EMPTY end
  if type(v) == "string" then return { v } end
  local bad
  if type(v) ~= "table" then
    bad = format("%s must be a string or a list of strings, not a %s", field, type(v))
  else
    local copy
    for j = 1, #v do
      local x = v[j]
      if type(x) ~= "string" or x == "" then
        bad = format("%s[%d] must be a non-empty string", field, j)
        break
      end
      for k = 1, j - 1 do
        if v[k] == x then copy = true end
      end
    end
    if not bad then
      if #v == 0 then return EMPTY end
      if not copy then return v end
      local out, seen = {}, {}
      for _, x in ipairs(v) do
        if not seen[x] then seen[x] = true; out[#out + 1] = x end
      end
      return out
    end
  end
  local id = type(s.id) == "string" and s.id or "?"
  return nil, format("revision %s: %s", s.path and format("%s (%s)", id, s.path) or id, bad)
end

---------------------------------------------------------------------------
-- Building

local function make_node(s, i)
  local id = s.id
  if type(id) ~= "string" or id == "" then
    return nil, format("%s has no revision id", s.path or format("script #%d", i))
  end
  if find(id, "[@:,%s]") then
    return nil, format('revision id "%s" (%s) may not contain "@", ":", "," or spaces', id, s.path or "?")
  end
  if RESERVED[id] then
    return nil, format('revision id "%s" (%s) is a reserved word', id, s.path or "?")
  end
  local down, deps, labels, err = s.down_revisions, s.depends_on, s.branch_labels, nil
  -- fast path: one parent, no dependency, no label (most revisions)
  if not (type(down) == "table" and #down == 1 and type(down[1]) == "string" and down[1] ~= "") then
    down, err = string_list(s, "down_revisions"); if not down then return nil, err end
  end
  -- EMPTY itself: what revision files without labels or dependencies give
  -- (luamig.script shares it), so most nodes pass at one comparison each.
  if deps == EMPTY then -- as it is
  elseif deps == nil or (type(deps) == "table" and deps[1] == nil) then deps = EMPTY else
    deps, err = string_list(s, "depends_on"); if not deps then return nil, err end
  end
  if labels == EMPTY then -- as it is
  elseif labels == nil or (type(labels) == "table" and labels[1] == nil) then labels = EMPTY else
    labels, err = string_list(s, "branch_labels"); if not labels then return nil, err end
  end
  return {
    id = id, down_revisions = down, depends_on = deps, branch_labels = labels,
    path = s.path, doc = s.doc, script = s,
    children = EMPTY, dependents = EMPTY, labels = EMPTY, rank = 0,
  }
end

-- Of several errors, report the one of the lowest revision id, so that the
-- message does not depend on the order the files were read in.
local function first_error(best_id, best_msg, id, msg)
  if best_id == nil or id < best_id then return id, msg end
  return best_id, best_msg
end

-- Declared labels: unique, not reserved, not an id.
local function collect_labels(list, nodes)
  local declared, eid, emsg = {}, nil, nil
  for _, n in ipairs(list) do
    for _, l in ipairs(n.branch_labels) do
      local msg
      if RESERVED[l] or find(l, "[@:,%s]") then
        msg = format('branch label "%s" of revision %s is not allowed: labels may not be a reserved word or contain "@", ":", "," or spaces', l, where(n))
      elseif nodes[l] then
        msg = format('branch label "%s" of revision %s is also a revision id', l, where(n))
      elseif declared[l] then
        local a, b = declared[l], n
        if b.id < a.id then a, b = b, a end
        msg = format('branch label "%s" is declared twice: by %s and by %s', l, where(a), where(b))
      else
        declared[l] = n
      end
      if msg then eid, emsg = first_error(eid, emsg, n.id, msg) end
    end
  end
  if emsg then return nil, emsg end
  return declared
end

local function link(list, nodes, declared)
  local eid, emsg
  for _, n in ipairs(list) do
    local down = n.down_revisions
    for j = 1, #down do
      local pid = down[j]
      local p = nodes[pid]
      if pid == n.id then
        eid, emsg = first_error(eid, emsg, n.id, format("revision %s names itself as its down_revision", where(n)))
      elseif not p then
        eid, emsg = first_error(eid, emsg, n.id, format('revision %s names down_revision "%s" which no revision file has', where(n), pid))
      elseif p.children == EMPTY then
        p.children = { n.id }
      else
        p.children[#p.children + 1] = n.id
      end
    end
    local deps = n.depends_on
    if deps ~= EMPTY then
      local resolved = {}
      for _, d in ipairs(deps) do
        local p = nodes[d] or declared[d]
        if p == n then
          eid, emsg = first_error(eid, emsg, n.id, format("revision %s depends on itself", where(n)))
        elseif not p then
          eid, emsg = first_error(eid, emsg, n.id, format('revision %s depends on "%s", which is neither a revision id nor a branch label', where(n), d))
        else
          local dup = false
          for j = 1, #down do if down[j] == p.id then dup = true end end
          for j = 1, #resolved do if resolved[j] == p.id then dup = true end end
          if not dup then
            resolved[#resolved + 1] = p.id
            if p.dependents == EMPTY then p.dependents = { n.id } else p.dependents[#p.dependents + 1] = n.id end
          end
        end
      end
      n.depends_on = #resolved == 0 and EMPTY or resolved
    end
  end
  if emsg then return nil, emsg end
  for _, n in ipairs(list) do   -- ascending ids wherever there is a choice
    if #n.children > 1 then sort(n.children) end
    if #n.dependents > 1 then sort(n.dependents) end
  end
  return true
end

local function cycle_message(stack, index, sp, back)
  -- stack[j]'s parent number index[j] is stack[j+1]; stack[sp]'s is `back`
  local k = sp
  while stack[k] ~= back do k = k - 1 end
  local ring, kinds = {}, {}
  for j = k, sp do
    ring[#ring + 1] = stack[j]
    kinds[#kinds + 1] = index[j] <= #stack[j].down_revisions and "revises" or "depends on"
  end
  local start = 1
  for j = 2, #ring do if ring[j].id < ring[start].id then start = j end end
  local parts, files, dep = {}, {}, false
  for j = 0, #ring - 1 do
    local a = ring[(start + j - 1) % #ring + 1]
    local b = ring[(start + j) % #ring + 1]
    local kind = kinds[(start + j - 1) % #ring + 1]
    if kind == "depends on" then dep = true end
    parts[#parts + 1] = format("%s %s %s", a.id, kind, b.id)
    files[#files + 1] = a.path or a.id
  end
  return format("%s: %s (files: %s)",
    dep and "dependency cycle" or "revisions form a cycle",
    concat(parts, ", "), concat(files, ", "))
end

-- Canonical order (see the header) and cycle detection in one iterative
-- DFS. tips: the nodes nothing revises or depends on, in ascending ids.
-- A node's rank is its state as well: 0 not reached yet (make_node's),
-- -1 on the DFS stack, then its place in the order (no table of states:
-- its 10,000 inserts were a tenth of the DFS on a 10,000-revision graph).
local function canonical_order(list, nodes, tips)
  local order, count = {}, 0
  local stack, index = {}, {}
  local function dfs(root)
    local sp = 1
    stack[1], index[1], root.rank = root, 0, -1
    while sp > 0 do
      local n = stack[sp]
      local i = index[sp] + 1
      local down = n.down_revisions
      local nd = #down
      local pid
      if i <= nd then pid = down[i] else pid = n.depends_on[i - nd] end
      if pid then
        index[sp] = i
        local p = nodes[pid]
        local st = p.rank
        if st == 0 then
          sp = sp + 1
          stack[sp], index[sp], p.rank = p, 0, -1
        elseif st == -1 then
          return nil, cycle_message(stack, index, sp, p)
        end
      else
        count = count + 1
        order[count] = n
        n.rank = count
        sp = sp - 1
      end
    end
    return true
  end
  for _, n in ipairs(tips) do
    local ok, err = dfs(n); if not ok then return nil, err end
  end
  if count < #list then   -- what no tip reaches lies on a cycle
    local rest = {}
    for _, n in ipairs(list) do if n.rank == 0 then rest[#rest + 1] = n end end
    sort(rest, by_id)
    for _, n in ipairs(rest) do
      if n.rank == 0 then
        local ok, err = dfs(n); if not ok then return nil, err end
      end
    end
  end
  return order
end

local function sorted_union(a, b)
  local seen, out = {}, {}
  for _, x in ipairs(a) do if not seen[x] then seen[x] = true; out[#out + 1] = x end end
  for _, x in ipairs(b) do if not seen[x] then seen[x] = true; out[#out + 1] = x end end
  sort(out)
  return out
end

-- node.labels: effective labels, a sorted array shared between nodes that
-- carry the same set. Returns label name -> {name, declared_by, base}.
local function propagate_labels(order, nodes, declared)
  if next(declared) == nil then return {} end
  for _, n in ipairs(order) do
    local down = n.down_revisions
    local acc = EMPTY
    if #down == 1 then
      acc = nodes[down[1]].labels
    elseif #down > 1 then
      for j = 1, #down do acc = sorted_union(acc, nodes[down[j]].labels) end
    end
    if n.branch_labels ~= EMPTY then acc = sorted_union(acc, n.branch_labels) end
    n.labels = acc
  end
  local labels = {}
  for name, r in pairs(declared) do
    local base, node = r, r
    while #node.children <= 1 and #node.down_revisions <= 1 do
      if node ~= r then node.labels = sorted_union(node.labels, { name }) end
      base = node
      if #node.down_revisions == 0 then break end
      node = nodes[node.down_revisions[1]]
    end
    labels[name] = { name = name, declared_by = r, base = base }
  end
  return labels
end

-- fields, msg = build.graph(scripts): the graph's fields, checked
function M.graph(scripts)
  if type(scripts) ~= "table" then
    error(format("bad argument #1 to 'new' (table expected, got %s)", type(scripts)), 3)
  end
  local nodes, list = {}, {}
  for i, s in ipairs(scripts) do
    if type(s) ~= "table" then
      error(format("bad argument #1 to 'new' (script #%d is a %s, not a table)", i, type(s)), 3)
    end
    local n, err = make_node(s, i)
    if not n then return nil, err end
    local old = nodes[n.id]
    if old then
      local a, b = old.path or "?", n.path or format("script #%d", i)
      if b < a then a, b = b, a end
      return nil, format('duplicate revision id "%s": %s and %s', n.id, a, b)
    end
    nodes[n.id] = n
    list[i] = n
  end
  local declared, err = collect_labels(list, nodes)
  if not declared then return nil, err end
  local ok; ok, err = link(list, nodes, declared)
  if not ok then return nil, err end

  local heads, bases, tips, branch_points, merge_points = {}, {}, {}, {}, {}
  for _, n in ipairs(list) do
    local nc, np = #n.children, #n.down_revisions
    if nc == 0 then
      heads[#heads + 1] = n
      if n.dependents == EMPTY then tips[#tips + 1] = n end
    elseif nc > 1 then
      branch_points[#branch_points + 1] = n
    end
    if np == 0 then bases[#bases + 1] = n elseif np > 1 then merge_points[#merge_points + 1] = n end
  end
  sort(heads, by_id); sort(bases, by_id); sort(tips, by_id)
  sort(branch_points, by_id); sort(merge_points, by_id)
  local order; order, err = canonical_order(list, nodes, tips)
  if not order then return nil, err end
  local labels = propagate_labels(order, nodes, declared)
  local names = {}
  for name in pairs(labels) do names[#names + 1] = name end
  sort(names)
  return {
    _nodes = nodes, _order = order, _heads = heads, _bases = bases,
    _branch_points = branch_points, _merge_points = merge_points,
    _labels = labels, _label_names = names,
  }
end

return M
