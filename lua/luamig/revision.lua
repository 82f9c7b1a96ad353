-- luamig.revision: the revision graph.
--
-- Pure: built from the script records `script` returns (id, down_revisions,
-- depends_on, branch_labels, path, doc), no I/O. It answers what the
-- commands ask: heads, bases, branch labels, target resolution (the grammar
-- lives in luamig/revision/target.lua), the ordered steps of an upgrade or
-- a downgrade with the version-table change of each step, and history walks.
--
-- Edges. down_revision entries are "versioning" parents: they decide heads,
-- bases, branch points, merges, labels and relative steps. depends_on
-- entries are extra parents that only order things: an upgrade applies a
-- revision's dependencies first, a downgrade removes the dependents first.
-- A depends_on entry is a full revision id or a branch label (the revision
-- that declares it), as in Alembic.
--
-- Order (the tie-break rule). Whatever runs, runs in the graph's canonical
-- order: a depth-first walk that starts from the tips (revisions nothing
-- revises or depends on) in ascending id order, visits a revision's parents
-- in the order its down_revision lists them, then its depends_on entries in
-- their order, and places each revision right after all of its parents.
-- So parents come before children, each branch stays contiguous as far as
-- dependencies allow, the branch leading to the lower-id tip runs first,
-- and the result depends only on the set of files, never on the order they
-- were read. A downgrade runs the exact reverse. History lists newest first
-- in the reverse of that order.
--
-- Branch labels (Alembic's rule). A label applies to the revision that
-- declares it, to all of its versioning descendants, and to its ancestors
-- down to (not including) the nearest branch point or merge point. A label
-- may be declared once; it may not be a revision id or a reserved word.
--
-- Version table. The rows are the heads of the applied set, where "head"
-- counts depends_on too (a dependency absorbed by its dependent leaves the
-- table, as in Alembic). Upgrading R, with P = the current rows that are
-- parents of R (down_revision first, then depends_on): P empty inserts R;
-- otherwise R replaces P[1] (update) and the rest of P is deleted (a merge,
-- or a dependency now implied by R). Downgrading R, with N = the parents of
-- R that no other remaining row still reaches: N empty deletes R; otherwise
-- R becomes N[1] (update) and the rest of N is inserted (an unmerge).
-- Apply a step's version change as: delete, then update, then insert.

local target = require "luamig.revision.target"

local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring
local setmetatable, error, select, next = setmetatable, error, select, next
local concat, sort = table.concat, table.sort
local format, find = string.format, string.find

local M = {}

local Graph = {}
Graph.__index = Graph

local RESERVED = { head = true, heads = true, base = true, current = true }

-- Shared by every node that has none; nodes are read-only for callers.
local EMPTY = setmetatable({}, { __newindex = function() error("revision graph nodes are read-only", 2) end })
M.EMPTY = EMPTY

local function by_rank(a, b) return a.rank < b.rank end
local function by_id(a, b) return a.id < b.id end

local function ids_of(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.id end
  return out
end

local function where(node)
  return node.path and format("%s (%s)", node.id, node.path) or node.id
end

local function argerror(n, fname, msg)
  error(format("bad argument #%d to '%s' (%s)", n, fname, msg), 3)
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
  if deps == nil or (type(deps) == "table" and deps[1] == nil) then deps = EMPTY else
    deps, err = string_list(s, "depends_on"); if not deps then return nil, err end
  end
  if labels == nil or (type(labels) == "table" and labels[1] == nil) then labels = EMPTY else
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
local function canonical_order(list, nodes, tips)
  local state, order = {}, {}
  local stack, index = {}, {}
  local function dfs(root)
    local sp = 1
    stack[1], index[1], state[root] = root, 0, 1
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
        local st = state[p]
        if st == nil then
          sp = sp + 1
          stack[sp], index[sp], state[p] = p, 0, 1
        elseif st == 1 then
          return nil, cycle_message(stack, index, sp, p)
        end
      else
        state[n] = 2
        order[#order + 1] = n
        n.rank = #order
        sp = sp - 1
      end
    end
    return true
  end
  for _, n in ipairs(tips) do
    local ok, err = dfs(n); if not ok then return nil, err end
  end
  if #order < #list then   -- what no tip reaches lies on a cycle
    local rest = {}
    for _, n in ipairs(list) do if not state[n] then rest[#rest + 1] = n end end
    sort(rest, by_id)
    for _, n in ipairs(rest) do
      if not state[n] then
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

-- graph, msg = revision.new(scripts)
function M.new(scripts)
  if type(scripts) ~= "table" then
    error(format("bad argument #1 to 'new' (table expected, got %s)", type(scripts)), 2)
  end
  local nodes, list = {}, {}
  for i, s in ipairs(scripts) do
    if type(s) ~= "table" then
      error(format("bad argument #1 to 'new' (script #%d is a %s, not a table)", i, type(s)), 2)
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
  return setmetatable({
    _nodes = nodes, _order = order, _heads = heads, _bases = bases,
    _branch_points = branch_points, _merge_points = merge_points,
    _labels = labels, _label_names = names,
  }, Graph)
end

---------------------------------------------------------------------------
-- Closures and order (internal, shared with target.lua)

-- Set of the start nodes and all their ancestors (versioning_only: through
-- down_revision only). Returns set, count.
function Graph:_up(start, versioning_only)
  local nodes = self._nodes
  local seen, queue, qn = {}, {}, 0
  for _, n in ipairs(start) do
    if not seen[n] then seen[n] = true; qn = qn + 1; queue[qn] = n end
  end
  local i = 1
  while i <= qn do
    local n = queue[i]; i = i + 1
    local list = n.down_revisions
    for pass = 1, versioning_only and 1 or 2 do
      if pass == 2 then list = n.depends_on end
      for j = 1, #list do
        local p = nodes[list[j]]
        if not seen[p] then seen[p] = true; qn = qn + 1; queue[qn] = p end
      end
    end
  end
  return seen, qn
end

-- Set of the start nodes and all their descendants (through dependents too
-- unless versioning_only). Returns set, count.
function Graph:_down(start, versioning_only)
  local nodes = self._nodes
  local seen, queue, qn = {}, {}, 0
  for _, n in ipairs(start) do
    if not seen[n] then seen[n] = true; qn = qn + 1; queue[qn] = n end
  end
  local i = 1
  while i <= qn do
    local n = queue[i]; i = i + 1
    local list = n.children
    for pass = 1, versioning_only and 1 or 2 do
      if pass == 2 then list = n.dependents end
      for j = 1, #list do
        local c = nodes[list[j]]
        if not seen[c] then seen[c] = true; qn = qn + 1; queue[qn] = c end
      end
    end
  end
  return seen, qn
end

-- Parent nodes of n (down_revisions first, then depends_on) / versioning only.
function Graph:_parents(n, versioning_only)
  local out, nodes = {}, self._nodes
  for _, id in ipairs(n.down_revisions) do out[#out + 1] = nodes[id] end
  if not versioning_only then
    for _, id in ipairs(n.depends_on) do out[#out + 1] = nodes[id] end
  end
  return out
end

-- Child nodes of n (children first, then dependents) / versioning only.
function Graph:_children(n, versioning_only)
  local out, nodes = {}, self._nodes
  for _, id in ipairs(n.children) do out[#out + 1] = nodes[id] end
  if not versioning_only then
    for _, id in ipairs(n.dependents) do out[#out + 1] = nodes[id] end
  end
  return out
end

-- The nodes of a set in canonical order.
function Graph:_ordered(set, count)
  local out = {}
  count = count or #self._order
  if count * 8 >= #self._order then
    for _, n in ipairs(self._order) do if set[n] then out[#out + 1] = n end end
  else
    for n in pairs(set) do out[#out + 1] = n end
    sort(out, by_rank)
  end
  return out
end

-- Current heads (ids from the version table) -> nodes | nil, msg
function Graph:_current(current_heads, fname)
  if current_heads == nil then return {} end
  if type(current_heads) ~= "table" then
    argerror(1, fname, "table of revision ids expected, got " .. type(current_heads))
  end
  local out, seen = {}, {}
  for _, id in ipairs(current_heads) do
    if type(id) ~= "string" then argerror(1, fname, "current heads must be strings") end
    local n = self._nodes[id]
    if not n then
      return nil, format('the database is at revision "%s", which no revision file has (was the file removed or renamed?)', id)
    end
    if not seen[n] then seen[n] = true; out[#out + 1] = n end
  end
  return out
end

local function current_text(cur)
  if #cur == 0 then return "base" end
  return concat(ids_of(cur), ", ")
end

local function describe(text, nodes)
  local ids = concat(ids_of(nodes), ", ")
  if text == ids then return format('"%s"', text) end
  return format('"%s" (%s)', text, ids)
end

---------------------------------------------------------------------------
-- Queries

function Graph:get(id) return self._nodes[id] end
function Graph:heads() return ids_of(self._heads) end
function Graph:bases() return ids_of(self._bases) end
function Graph:count() return #self._order end
function Graph:labels() return { table.unpack(self._label_names) } end

-- All nodes in canonical order (parents first).
function Graph:nodes()
  return { table.unpack(self._order) }
end

function Graph:branch_points() return ids_of(self._branch_points) end
function Graph:merge_points() return ids_of(self._merge_points) end

-- Sorted ids, built on the first prefix lookup.
function Graph:_sorted_ids()
  local ids = self._ids
  if not ids then
    ids = {}
    for i, n in ipairs(self._order) do ids[i] = n.id end
    sort(ids)
    self._ids = ids
  end
  return ids
end

-- Revision by full id, branch label (its declaring revision) or unique
-- prefix of at least 4 characters -> node | nil, msg, kind
-- (kind: "unknown", "short" or "ambiguous").
function Graph:find(ident)
  if type(ident) ~= "string" then argerror(1, "find", "string expected, got " .. type(ident)) end
  local n = self._nodes[ident]
  if n then return n end
  local label = self._labels[ident]
  if label then return label.declared_by end
  local ids, len = self:_sorted_ids(), #ident
  local lo, hi = 1, #ids + 1           -- first id >= ident
  while lo < hi do
    local mid = (lo + hi) // 2
    if ids[mid] < ident then lo = mid + 1 else hi = mid end
  end
  local matches = {}
  while ids[lo] and ids[lo]:sub(1, len) == ident do
    matches[#matches + 1] = ids[lo]; lo = lo + 1
  end
  if #matches == 0 then
    return nil, format('unknown revision "%s": no revision id starts with it and no branch label has that name', ident), "unknown"
  end
  if len < 4 then
    return nil, format('revision prefix "%s" is too short: give at least 4 characters of the id', ident), "short"
  end
  if #matches > 1 then
    local shown = matches
    if #matches > 10 then
      shown = { table.unpack(matches, 1, 10) }
      shown[11] = format("and %d more", #matches - 10)
    end
    return nil, format('revision "%s" is ambiguous: matches %s', ident, concat(shown, ", ")), "ambiguous"
  end
  return self._nodes[matches[1]]
end

-- Branch label -> {name, declared_by = id, base = id, heads = {ids}} | nil, msg
function Graph:label(name)
  local l = self._labels[name]
  if not l then return nil, self:_unknown_label(name) end
  return { name = name, declared_by = l.declared_by.id, base = l.base.id,
           heads = ids_of(self:_label_heads(l)) }
end

function Graph:_unknown_label(name)
  local names = self._label_names
  return format('unknown branch label "%s" (%s)', name,
    #names == 0 and "no revision declares a branch label"
      or "branch labels: " .. concat(names, ", "))
end

function Graph:_label_heads(l)
  local out = {}
  for _, h in ipairs(self._heads) do
    for _, x in ipairs(h.labels) do
      if x == l.name then out[#out + 1] = h; break end
    end
  end
  return out
end

-- Is a an ancestor of b (strictly)? versioning_only ignores depends_on.
function Graph:is_ancestor(a, b, versioning_only)
  local na, nb = self._nodes[a], self._nodes[b]
  if not na then argerror(1, "is_ancestor", format('unknown revision "%s"', tostring(a))) end
  if not nb then argerror(2, "is_ancestor", format('unknown revision "%s"', tostring(b))) end
  if na == nb then return false end
  return self:_up({ nb }, versioning_only)[na] == true
end

-- Ids applied when the version table holds current_heads, in canonical
-- order | nil, msg
function Graph:applied(current_heads)
  local cur, err = self:_current(current_heads, "applied")
  if not cur then return nil, err end
  return ids_of(self:_ordered(self:_up(cur)))
end

---------------------------------------------------------------------------
-- Targets

-- resolve(target, current_heads) -> array of ids | nil, msg.
-- current_heads nil means "not known": relative targets then fail.
-- "base" gives {}; "label@base" gives the revisions the branch starts from.
function Graph:resolve(text, current_heads)
  if type(text) ~= "string" then argerror(1, "resolve", "string expected, got " .. type(text)) end
  local cur
  if current_heads ~= nil then
    local err
    cur, err = self:_current(current_heads, "resolve")
    if not cur then return nil, err end
  end
  local point, err = target.point(self, text, cur)
  if not point then return nil, err end
  if point.below then return { table.unpack(point.below.down_revisions) } end
  return ids_of(point.nodes)
end

-- resolve_range("from:to", current_heads, direction) -> from_ids, to_ids | nil, msg
-- direction "up" (default; history, upgrade --sql): from is the older end,
-- empty = base; to the newer end, empty = heads. "down" (downgrade --sql):
-- from is the newer end (empty = heads), to the older (empty = base).
-- Every id of the older end must be an ancestor of (or equal to) one of the
-- newer end.
function Graph:resolve_range(text, current_heads, direction)
  if type(text) ~= "string" then argerror(1, "resolve_range", "string expected, got " .. type(text)) end
  direction = direction or "up"
  if direction ~= "up" and direction ~= "down" then
    argerror(3, "resolve_range", 'direction must be "up" or "down"')
  end
  local a, b = text:match("^([^:]*):([^:]*)$")
  if not a then
    return nil, format('revision range "%s" must be written from:to (either end may be left empty)', text)
  end
  local old_t, new_t = a, b
  if direction == "down" then old_t, new_t = b, a end
  local old, new, err = {}, self:heads()
  if old_t ~= "" then
    old, err = self:resolve(old_t, current_heads)
    if not old then return nil, format('range "%s": %s', text, err) end
  end
  if new_t ~= "" then
    new, err = self:resolve(new_t, current_heads)
    if not new then return nil, format('range "%s": %s', text, err) end
  end
  local new_nodes = {}
  for i, id in ipairs(new) do new_nodes[i] = self._nodes[id] end
  local reach = self:_up(new_nodes)
  for _, id in ipairs(old) do
    if not reach[self._nodes[id]] then
      return nil, format('range "%s" does not follow one line of descent: %s is not an ancestor of %s',
        text, id, #new == 0 and "base" or concat(new, ", "))
    end
  end
  if direction == "down" then return new, old end
  return old, new
end

---------------------------------------------------------------------------
-- Steps

-- Version-table rows after applying one step's change to `heads` (ids).
function M.apply_version(heads, version)
  local del = {}
  for _, id in ipairs(version.delete or {}) do del[id] = true end
  local out = {}
  for _, id in ipairs(heads) do
    if not del[id] then
      if version.update and id == version.update.from then id = version.update.to end
      out[#out + 1] = id
    end
  end
  for _, id in ipairs(version.insert or {}) do out[#out + 1] = id end
  return out
end

-- Version-table rows after running `steps` from current_heads.
function Graph:heads_after(current_heads, steps)
  local heads = { table.unpack(current_heads or {}) }
  for _, s in ipairs(steps) do heads = M.apply_version(heads, s.version) end
  sort(heads)
  return heads
end

local function step(n, direction, version)
  return { node = n, id = n.id, direction = direction, version = version }
end

-- upgrade_steps(current_heads, target = "head") -> steps | nil, msg
function Graph:upgrade_steps(current_heads, text)
  text = text or "head"
  if type(text) ~= "string" then argerror(2, "upgrade_steps", "string expected, got " .. type(text)) end
  local cur, err = self:_current(current_heads, "upgrade_steps")
  if not cur then return nil, err end
  local nodes = self._nodes
  local point; point, err = target.point(self, text, cur)
  if not point then return nil, err end
  local applied = self:_up(cur)
  local goal = point.nodes
  if point.below then
    local b = point.below
    if applied[b] then
      return nil, format('target "%s" is below the current revision (%s): upgrade only moves forward; use downgrade',
        text, current_text(cur))
    end
    goal = self:_parents(b)
  end
  for _, t in ipairs(goal) do
    if applied[t] then
      for _, cid in ipairs(t.children) do
        if applied[nodes[cid]] then
          return nil, format('target %s is below the current revision (%s): upgrade only moves forward; use downgrade',
            describe(text, goal), current_text(cur))
        end
      end
    end
  end
  local wanted = self:_up(goal)
  local todo, count = {}, 0
  for n in pairs(wanted) do
    if not applied[n] then todo[n] = true; count = count + 1 end
  end
  local heads = {}
  for _, n in ipairs(cur) do heads[n] = true end
  local steps = {}
  for i, n in ipairs(self:_ordered(todo, count)) do
    local p = {}
    for pass = 1, 2 do
      for _, qid in ipairs(pass == 1 and n.down_revisions or n.depends_on) do
        local q = nodes[qid]
        if heads[q] then p[#p + 1] = qid; heads[q] = nil end
      end
    end
    heads[n] = true
    local version
    if #p == 0 then
      version = { delete = {}, insert = { n.id } }
    else
      version = { delete = { select(2, table.unpack(p)) }, insert = {},
                  update = { from = p[1], to = n.id } }
    end
    steps[i] = step(n, "up", version)
  end
  return steps
end

-- downgrade_steps(current_heads, target) -> steps | nil, msg
function Graph:downgrade_steps(current_heads, text)
  if type(text) ~= "string" then argerror(2, "downgrade_steps", "string expected, got " .. type(text)) end
  local cur, err = self:_current(current_heads, "downgrade_steps")
  if not cur then return nil, err end
  local point; point, err = target.point(self, text, cur)
  if not point then return nil, err end
  local applied = self:_up(cur)
  local remove, count = {}, 0
  if point.below then                 -- label@base, or a walk below a base
    for n in pairs(self:_down({ point.below })) do
      if applied[n] then remove[n] = true; count = count + 1 end
    end
  elseif #point.nodes == 0 then       -- base
    for n in pairs(applied) do remove[n] = true; count = count + 1 end
  else
    for _, t in ipairs(point.nodes) do
      if not applied[t] then
        local above = #cur == 0
        local anc = self:_up({ t })
        for _, c in ipairs(cur) do if anc[c] then above = true; break end end
        if above then
          return nil, format('target %s is above the current revision (%s): downgrade only moves back; use upgrade',
            describe(text, { t }), current_text(cur))
        end
        return nil, format('target %s is not reachable by downgrade from the current revision (%s): it is not applied',
          describe(text, { t }), current_text(cur))
      end
    end
    local keep = self:_up(point.nodes)
    for n in pairs(self:_down(point.nodes)) do
      if applied[n] and not keep[n] then remove[n] = true; count = count + 1 end
    end
  end
  local seq = self:_ordered(remove, count)
  local nodes = self._nodes
  -- applied children (and dependents) per parent, counted before any removal
  local function applied_children(p)
    local k, list = 0, p.children
    for j = 1, #list do if applied[nodes[list[j]]] then k = k + 1 end end
    list = p.dependents
    for j = 1, #list do if applied[nodes[list[j]]] then k = k + 1 end end
    return k
  end
  local left, heads = {}, {}
  for _, n in ipairs(cur) do heads[n] = true end
  local steps = {}
  for i = #seq, 1, -1 do
    local n = seq[i]
    heads[n] = nil
    local back = {}
    for pass = 1, 2 do
      local list = pass == 1 and n.down_revisions or n.depends_on
      for j = 1, #list do
        local p = nodes[list[j]]
        local k = (left[p] or applied_children(p)) - 1
        left[p] = k
        if k == 0 and not heads[p] then heads[p] = true; back[#back + 1] = p.id end
      end
    end
    local version
    if #back == 0 then
      version = { delete = { n.id }, insert = {} }
    else
      version = { delete = {}, insert = { select(2, table.unpack(back)) },
                  update = { from = n.id, to = back[1] } }
    end
    steps[#steps + 1] = step(n, "down", version)
  end
  return steps
end

-- target_heads(current_heads, direction, target) -> the version-table rows
-- after running to target ("up" or "down") | nil, msg
function Graph:target_heads(current_heads, direction, text)
  local steps, err
  if direction == "up" then
    steps, err = self:upgrade_steps(current_heads, text)
  elseif direction == "down" then
    steps, err = self:downgrade_steps(current_heads, text)
  else
    argerror(2, "target_heads", 'direction must be "up" or "down"')
  end
  if not steps then return nil, err end
  return self:heads_after(current_heads, steps)
end

---------------------------------------------------------------------------
-- History

-- walk(upper, lower) -> nodes newest first: the ancestors of `upper` (ids;
-- nil = all heads), themselves included, that descend from or are one of
-- `lower` (ids; nil or {} = down to base). Both ends included.
function Graph:walk(upper, lower)
  local function nodes_of(ids, n)
    local out = {}
    for i, id in ipairs(ids) do
      local node = self._nodes[id]
      if not node then argerror(n, "walk", format('unknown revision "%s"', tostring(id))) end
      out[i] = node
    end
    return out
  end
  local top = upper and nodes_of(upper, 1) or self._heads
  local set, count = self:_up(top)
  if lower and #lower > 0 then
    local from = self:_down(nodes_of(lower, 2))
    count = 0
    for n in pairs(set) do
      if from[n] then count = count + 1 else set[n] = nil end
    end
  end
  local seq = self:_ordered(set, count)
  local out = {}
  for i = #seq, 1, -1 do out[#out + 1] = seq[i] end
  return out
end

-- history(range, current_heads) -> nodes newest first | nil, msg
function Graph:history(range, current_heads)
  if range == nil or range == "" then return self:walk() end
  local lower, upper = self:resolve_range(range, current_heads, "up")
  if not lower then return nil, upper end
  return self:walk(upper, lower)
end

M.RESERVED = RESERVED
return M
