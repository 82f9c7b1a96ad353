-- luamig.ops.batch.order: the column order of a rebuilt table, as Alembic's
-- batch mode computes it (partial_reordering, add_column's insert_before
-- and insert_after).
--
-- Each wish is a pair "this column before that one"; the table's columns
-- (those it keeps, in their order, then those the batch adds, in the order
-- added) are sorted by them in layers: first every column that no
-- remaining column must precede, in the columns' order, then the same
-- again among the rest. That is SQLAlchemy's deterministic topological
-- sort, which Alembic uses, so that a batch puts the columns where Alembic
-- does. The pairs are:
--   * without partial_reordering: the table's own order (each kept column
--     after the one before it), and for each added column the place
--     insert_before / insert_after give (between the anchor and its
--     neighbour), or after the last kept column;
--   * with partial_reordering: only its lists (each name before the next)
--     and the added columns' anchors. Columns it does not name keep their
--     order among themselves (Alembic calls the result "undefined"; it is
--     this).
-- Columns are followed through the batch as entries, not names, so that a
-- renamed column keeps its place and its wishes. Pure: no database access.

local M = {}

local function lower(s) return string.lower(s) end

local function quote(name) return '"' .. name .. '"' end

local function names_of(entries)
  local out = {}
  for i, e in ipairs(entries) do out[i] = e.name end
  return table.concat(out, ", ")
end

--- Is `v` a partial_reordering option: a list of lists of two or more
-- column names?
function M.is_reordering(v)
  if type(v) ~= "table" or getmetatable(v) ~= nil or #v == 0 then return false end
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then return false end
  end
  for _, list in ipairs(v) do
    if type(list) ~= "table" or #list < 2 then return false end
    for k, n in pairs(list) do
      if math.type(k) ~= "integer" or type(n) ~= "string" or n == "" then return false end
    end
  end
  return true
end

M.REORDERING_WORDS = 'a list of lists of two or more column names, such as {{"c", "a"}, {"b", "d"}}'

--- Does the batch ask for an order: partial_reordering, or an add_column
-- with insert_before or insert_after?
function M.wanted(records, reordering)
  if reordering ~= nil then return true end
  for _, rec in ipairs(records) do
    if rec.kind == "add_column" and (rec.insert_before or rec.insert_after) then return true end
  end
  return false
end

-- The entry named `name` now; else the one a rename took that name from
-- (Alembic names a renamed column by its old name).
local function find(entries, name)
  local n = lower(name)
  for _, e in ipairs(entries) do
    if lower(e.name) == n then return e end
  end
  for _, e in ipairs(entries) do
    if e.old and lower(e.old) == n then return e end
  end
  return nil
end

local function index_of(list, entry)
  for i, e in ipairs(list) do
    if e == entry then return i end
  end
  return nil
end

local function remove(list, entry)
  local i = index_of(list, entry)
  if i then table.remove(list, i) end
end

-- The last pair with `entry` at `side` (1: before, 2: after): the other end.
local function last_pair(pairs_, entry, side)
  for i = #pairs_, 1, -1 do
    if pairs_[i][side] == entry then return pairs_[i][3 - side] end
  end
  return nil
end

-- An added column's wishes, as Alembic's _setup_dependencies_for_add_column
-- makes them: an anchor alone is completed by its neighbour, so that the
-- column goes between the two rather than anywhere after (or before) one.
local function add_pairs(state, entry, before, after)
  local kept, pairs_ = state.kept, state.pairs
  if not state.reordering then
    if after and not before then
      local i = index_of(kept, after)
      if i then before = kept[i + 1] else before = last_pair(pairs_, after, 1) end
    elseif before and not after then
      local i = index_of(kept, before)
      if i then after = kept[i - 1] else after = last_pair(pairs_, before, 2) end
    end
  end
  if before then pairs_[#pairs_ + 1] = { entry, before } end
  if after then pairs_[#pairs_ + 1] = { after, entry } end
  if not state.reordering and not before and not after and #kept > 0 then
    pairs_[#pairs_ + 1] = { kept[#kept], entry }
  end
end

-- The batch's records played on the entries.
local function play(state, records, tname)
  local all = state.all
  for _, rec in ipairs(records) do
    if rec.kind == "add_column" and not find(all, rec.column.name) then
      local anchor = rec.insert_before or rec.insert_after
      local at
      if anchor then
        at = find(all, anchor)
        if not at then
          return nil, string.format("add_column %s: %s names no column %s of table %s (its columns: %s)",
            quote(rec.column.name), rec.insert_before and "insert_before" or "insert_after", quote(anchor),
            quote(tname), names_of(all))
        end
      end
      local entry = { name = rec.column.name }
      all[#all + 1] = entry
      add_pairs(state, entry, rec.insert_before and at or nil, rec.insert_after and at or nil)
    elseif rec.kind == "drop_column" then
      local e = find(all, rec.column)
      if e then
        remove(all, e)
        remove(state.kept, e)
        for i = #state.pairs, 1, -1 do
          local p = state.pairs[i]
          if p[1] == e or p[2] == e then table.remove(state.pairs, i) end
        end
      end
    elseif rec.kind == "alter_column" and rec.new_column_name then
      local e = find(all, rec.column)
      if e then e.old, e.name = e.old or e.name, rec.new_column_name end
    end
  end
  return true
end

-- partial_reordering's lists as pairs of entries | nil, msg.
local function reordering_pairs(state, reordering, tname)
  local out = {}
  for _, list in ipairs(reordering) do
    local seen, prev = {}, nil
    for _, name in ipairs(list) do
      local e = find(state.all, name)
      if not e then
        return nil, string.format("partial_reordering names no column %s of table %s (its columns after the"
          .. " batch: %s)", quote(name), quote(tname), names_of(state.all))
      end
      if seen[e] then
        return nil, string.format("partial_reordering names column %s twice in one list", quote(e.name))
      end
      seen[e] = true
      if prev then out[#out + 1] = { prev, e } end
      prev = e
    end
  end
  return out
end

-- A cycle among the entries left unsorted, as "a" before "b" before "a":
-- from the first, follow a parent (the first in column order) until one
-- comes again.
local function cycle_text(left, parents)
  local e = left[1]
  local path, at = {}, {}
  while not at[e] do
    at[e] = #path + 1
    path[#path + 1] = e
    for _, p in ipairs(left) do
      if parents[e][p] then e = p; break end
    end
  end
  local names = {}
  for i = #path, at[e], -1 do names[#names + 1] = quote(path[i].name) end
  names[#names + 1] = quote(path[#path].name)
  return table.concat(names, " before ")
end

-- The layered sort: true order | nil, msg.
local function sort(all, pairs_)
  local parents = {}
  for _, e in ipairs(all) do parents[e] = {} end
  for _, p in ipairs(pairs_) do
    if p[1] ~= p[2] and parents[p[2]] and parents[p[1]] then parents[p[2]][p[1]] = true end
  end
  local left, out = {}, {}
  for i, e in ipairs(all) do left[i] = e end
  while #left > 0 do
    local pending = {}
    for _, e in ipairs(left) do pending[e] = true end
    local layer, rest = {}, {}
    for _, e in ipairs(left) do
      local free = true
      for p in pairs(parents[e]) do
        if pending[p] then free = false; break end
      end
      if free then layer[#layer + 1] = e else rest[#rest + 1] = e end
    end
    if #layer == 0 then
      return nil, "the column orders asked for contradict each other: " .. cycle_text(left, parents)
    end
    for _, e in ipairs(layer) do out[#out + 1] = e.name end
    left = rest
  end
  return out
end

--- The names of the table's columns after the batch, in the order the
-- rebuild writes them | nil, msg. `columns`: the table's column names
-- now, in order; `records`: the batch's; `reordering`: partial_reordering
-- or nil; `tname`: the table, for messages.
function M.plan(columns, records, reordering, tname)
  local state = { all = {}, kept = {}, pairs = {}, reordering = reordering ~= nil }
  for i, name in ipairs(columns) do
    local e = { name = name }
    state.all[i], state.kept[i] = e, e
  end
  local ok, err = play(state, records, tname)
  if not ok then return nil, err end
  local wishes = state.pairs
  if reordering then
    local extra, rerr = reordering_pairs(state, reordering, tname)
    if not extra then return nil, rerr end
    for _, p in ipairs(extra) do wishes[#wishes + 1] = p end
  else
    for i = 2, #state.kept do wishes[#wishes + 1] = { state.kept[i - 1], state.kept[i] } end
  end
  return sort(state.all, wishes)
end

--- `list` (records with a `name`) in the order of `names` (lowercase
-- comparison); nil when the two do not hold the same names.
function M.arrange(list, names)
  local by = {}
  for _, c in ipairs(list) do by[lower(c.name)] = c end
  if #names ~= #list then return nil end
  local out = {}
  for i, n in ipairs(names) do
    out[i] = by[lower(n)]
    if not out[i] then return nil end
  end
  return out
end

return M
