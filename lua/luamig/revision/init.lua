-- luamig.revision: the revision graph.
--
-- Pure: built from the script records `script` returns (id, down_revisions,
-- depends_on, branch_labels, path, doc), no I/O. It answers what the
-- commands ask: heads, bases, branch labels, target resolution, the ordered
-- steps of an upgrade or a downgrade with the version-table change of each
-- step, and history walks. Checking and building live in revision/build.lua,
-- the target grammar in revision/target.lua, the steps in revision/steps.lua.
-- The contract is in docs/internals.md ("Revision graph").
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

local build = require("luamig.revision.build")
local revgraph = require("luamig.revgraph")
-- Loaded on first use (luamig.lazy): listing revisions needs neither.
local lazy = require("luamig.lazy")
local steps = lazy("luamig.revision.steps")
local target = lazy("luamig.revision.target")

-- Local copies of globals: the graph's loops visit every revision, and
-- bench/revision_graph.lua runs ~15% faster with them (10,000 revisions).
local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring
local setmetatable, error = setmetatable, error
local concat, sort, unpack = table.concat, table.sort, table.unpack
local format = string.format

local M = {}

local Graph = {}
Graph.__index = Graph

local EMPTY = build.EMPTY
M.EMPTY = EMPTY
M.RESERVED = build.RESERVED

local function by_rank(a, b) return a.rank < b.rank end

local function ids_of(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.id end
  return out
end

local function argerror(n, fname, msg)
  error(format("bad argument #%d to '%s' (%s)", n, fname, msg), 3)
end

-- graph, msg = revision.new(scripts). A clean project's graph is built in
-- C (runner/modules/revgraph.c: the same tables, several times faster);
-- anything else, faults included, by build.lua, which says what is wrong.
function M.new(scripts)
  local fields = revgraph.build(scripts, EMPTY)
  if not fields then
    local err
    fields, err = build.graph(scripts)
    if not fields then return nil, err end
  end
  return setmetatable(fields, Graph)
end

---------------------------------------------------------------------------
-- Closures and order (internal, shared with target.lua)

-- Set of the start nodes and every node reached from them along the edge
-- lists `versioning` (and `extra`, unless versioning_only), breadth first.
-- Returns set, count.
local function closure(nodes, start, versioning, extra, versioning_only)
  local seen, queue, qn = {}, {}, 0
  for _, n in ipairs(start) do
    if not seen[n] then seen[n] = true; qn = qn + 1; queue[qn] = n end
  end
  local i = 1
  while i <= qn do
    local n = queue[i]; i = i + 1
    for pass = 1, versioning_only and 1 or 2 do
      local list = n[pass == 1 and versioning or extra]
      for j = 1, #list do
        local m = nodes[list[j]]
        if not seen[m] then seen[m] = true; qn = qn + 1; queue[qn] = m end
      end
    end
  end
  return seen, qn
end

-- Set of the start nodes and all their ancestors (versioning_only: through
-- down_revision only). Returns set, count.
function Graph:_up(start, versioning_only)
  return closure(self._nodes, start, "down_revisions", "depends_on", versioning_only)
end

-- Set of the start nodes and all their descendants (through dependents too
-- unless versioning_only). Returns set, count.
function Graph:_down(start, versioning_only)
  return closure(self._nodes, start, "children", "dependents", versioning_only)
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
    error(format("bad argument #1 to '%s' (table of revision ids expected, got %s)", fname, type(current_heads)), 4)
  end
  local out, seen = {}, {}
  for _, id in ipairs(current_heads) do
    if type(id) ~= "string" then error(format("bad argument #1 to '%s' (current heads must be strings)", fname), 4) end
    local n = self._nodes[id]
    if not n then
      return nil, format('the database is at revision "%s", which no revision file has (was the file removed or renamed?)', id)
    end
    if not seen[n] then seen[n] = true; out[#out + 1] = n end
  end
  return out
end

---------------------------------------------------------------------------
-- Queries

function Graph:get(id) return self._nodes[id] end
function Graph:heads() return ids_of(self._heads) end
function Graph:bases() return ids_of(self._bases) end
function Graph:count() return #self._order end
function Graph:labels() return { unpack(self._label_names) } end

-- All nodes in canonical order (parents first).
function Graph:nodes()
  local out = {}
  for i, n in ipairs(self._order) do out[i] = n end
  return out
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
      shown = { unpack(matches, 1, 10) }
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
  if point.below then return { unpack(point.below.down_revisions) } end
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
-- Steps (luamig/revision/steps.lua)

function M.apply_version(...) return steps.apply_version(...) end
function Graph:upgrade_steps(...) return steps.upgrade_steps(self, ...) end
function Graph:downgrade_steps(...) return steps.downgrade_steps(self, ...) end
function Graph:heads_after(...) return steps.heads_after(self, ...) end
function Graph:target_heads(...) return steps.target_heads(self, ...) end

---------------------------------------------------------------------------
-- History

-- walk(upper, lower) -> nodes newest first: the ancestors of `upper` (ids;
-- nil = all heads), themselves included, that descend from or are one of
-- `lower` (ids; nil or {} = down to base). Both ends included.
function Graph:walk(upper, lower)
  if upper == nil and (lower == nil or #lower == 0) then
    -- Every revision: each one is a head or has a child, and following
    -- children ends at a head, so all are ancestors of the heads.
    local order, out, n = self._order, {}, #self._order
    for i = n, 1, -1 do out[n - i + 1] = order[i] end
    return out
  end
  local nodes, ends = self._nodes, {}
  for k, ids in ipairs({ upper or EMPTY, lower or EMPTY }) do
    local out = {}
    for i, id in ipairs(ids) do
      out[i] = nodes[id]
      if not out[i] then argerror(k, "walk", format('unknown revision "%s"', tostring(id))) end
    end
    ends[k] = out
  end
  local set, count = self:_up(upper and ends[1] or self._heads)
  if #ends[2] > 0 then
    local from = self:_down(ends[2])
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

-- history_text(current) -> every revision's history line, newest first
-- (luamig.present.revisions' line() of each node of history()), joined by
-- "\n", when the graph was built in C (revgraph_lines.c: no node made);
-- nil otherwise. current: a set of ids to mark (current).
function Graph:history_text(current)
  local text = rawget(self, "_history_text")
  return text and text(current or {})
end

-- history(range, current_heads) -> nodes newest first | nil, msg
function Graph:history(range, current_heads)
  if range == nil or range == "" then return self:walk() end
  local lower, upper = self:resolve_range(range, current_heads, "up")
  if not lower then return nil, upper end
  return self:walk(upper, lower)
end

return M
