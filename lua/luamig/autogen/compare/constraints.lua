-- luamig.autogen.compare.constraints: the changes to one table's indexes,
-- unique constraints, foreign keys and named check constraints.

local naming = require("luamig.schema.naming")
local normalize = require("luamig.autogen.compare.normalize")
local filter = require("luamig.autogen.compare.filter")
local changes = require("luamig.autogen.compare.change")

local normalize_default, included, change = normalize.normalize_default, filter.included, changes.change
local list_key = changes.list_key

local M = {}

local function index_signature(ix)
  return table.concat({ ix.unique and "u" or "", list_key(ix.columns), list_key(ix.expressions),
    ix.where and normalize_default(ix.where) or "", list_key(ix.include) }, "|")
end

local function fk_signature(fk)
  return table.concat({ list_key(fk.columns), fk.ref_table, list_key(fk.ref_columns),
    fk.ondelete or "", fk.onupdate or "", fk.match or "", fk.deferrable and "d" or "", fk.initially or "" }, "|")
end

local function unique_signature(u) return list_key(u.columns) end

-- MySQL has no unique constraint apart from a unique index: the model's
-- become unique indexes, as reflection reports them.
local function fold_uniques(dialect, tbl)
  if not dialect.unique_is_index or #tbl.uniques == 0 then return tbl end
  local copy = {}
  for k, v in pairs(tbl) do copy[k] = v end
  copy.indexes = {}
  for _, ix in ipairs(tbl.indexes) do copy.indexes[#copy.indexes + 1] = ix end
  for _, u in ipairs(tbl.uniques) do
    copy.indexes[#copy.indexes + 1] = { name = u.name, columns = u.columns, unique = true, from_unique = true }
  end
  copy.uniques = {}
  return copy
end
M.fold_uniques = fold_uniques

-- Pair entries of two lists: when `by_name`, a named entry by its name;
-- the others by signature. Returns the unpaired of each side and the
-- pairs whose definitions differ. include(entry, compare_to) leaves an
-- entry of the model out (and the database's entry it pairs with); it
-- gets the entry it would pair with, else the database's entry of the
-- same name, else nil.
local function pair_up(model_list, db_list, signature, by_name, include)
  local used, only_model = {}, {}
  local by_sig, db_by_name = {}, {}
  for i, e in ipairs(db_list) do
    local sig = signature(e)
    by_sig[sig] = by_sig[sig] or {}
    by_sig[sig][#by_sig[sig] + 1] = i
    if e.name then db_by_name[e.name] = i end
  end
  local changed = {}
  for _, m in ipairs(model_list) do
    local i
    if by_name and m.name then
      i = db_by_name[m.name]  -- a named index is matched by its name only, as in Alembic
      if i and used[i] then i = nil end
    else
      for _, j in ipairs(by_sig[signature(m)] or {}) do
        if not used[j] then i = j; break end
      end
    end
    local same_name = m.name and db_by_name[m.name]
    if not include(m, i and db_list[i] or same_name and db_list[same_name] or nil) then
      if i then used[i] = true end
    elseif i then
      used[i] = true
      if signature(m) ~= signature(db_list[i]) then changed[#changed + 1] = { model = m, db = db_list[i] } end
    else
      only_model[#only_model + 1] = m
    end
  end
  local only_db = {}
  for i, e in ipairs(db_list) do if not used[i] then only_db[#only_db + 1] = e end end
  return only_model, only_db, changed
end

-- An added constraint the model leaves unnamed gets the name PostgreSQL
-- would give it, so that the downgrade can drop it by name everywhere.
local function named(dialect, tname, entry, suffix)
  if entry.name then return entry end
  local copy = {}
  for k, v in pairs(entry) do copy[k] = v end
  copy.name = naming.truncate(string.format("%s_%s_%s", tname, table.concat(entry.columns, "_"), suffix),
    dialect.max_identifier_length or 63)
  return copy
end

-- True when some index or key of the model starts with these columns
-- (MySQL then needs no index of its own for a foreign key).
local function indexed(model_t, columns)
  local want = list_key(columns)
  local function covers(cols)
    return cols and list_key({ table.unpack(cols, 1, #columns) }) == want
  end
  if model_t.primary_key and covers(model_t.primary_key.columns) then return true end
  for _, ix in ipairs(model_t.indexes) do if covers(ix.columns) then return true end end
  for _, u in ipairs(model_t.uniques) do if covers(u.columns) then return true end end
  return false
end

local function compare_constraints(out, cfg, dialect, tname, model_t, db_t)
  -- include_object sees each model entry with the database's entry it is
  -- compared to (Alembic's compare_to), each database-only entry as reflected
  local function includer(kind)
    return function(e, compare_to) return included(cfg, e, e.name, kind, false, compare_to) end
  end
  -- indexes: by name, then definition
  local add_ix, drop_ix, changed_ix = pair_up(model_t.indexes, db_t.indexes, index_signature, true, function(ix, to)
    return included(cfg, ix, ix.name, ix.from_unique and "unique_constraint" or "index", false, to)
  end)
  for _, c in ipairs(changed_ix) do
    drop_ix[#drop_ix + 1] = c.db
    add_ix[#add_ix + 1] = c.model
  end
  for _, ix in ipairs(drop_ix) do
    if included(cfg, ix, ix.name, "index", true, nil) then
      out[#out + 1] = change(6, { op = "drop_index", table = tname, index = ix }, { op = "create_index", table = tname, index = ix })
    end
  end
  for _, ix in ipairs(add_ix) do
    if ix.from_unique then
      -- MySQL: a model's unique constraint, added as one, named so that
      -- the downgrade can drop it
      local u = named(dialect, tname, { name = ix.name, columns = ix.columns }, "key")
      out[#out + 1] = change(7, { op = "create_unique_constraint", table = tname, entry = u },
        { op = "drop_constraint", table = tname, kind = "unique", entry = u })
    else
      out[#out + 1] = change(7, { op = "create_index", table = tname, index = ix }, { op = "drop_index", table = tname, index = ix })
    end
  end
  -- unique constraints and foreign keys: by definition
  local add_u, drop_u = pair_up(model_t.uniques, db_t.uniques, unique_signature, false, includer("unique_constraint"))
  for _, u in ipairs(drop_u) do
    if included(cfg, u, u.name, "unique_constraint", true, nil) then
      out[#out + 1] = change(6, { op = "drop_constraint", table = tname, kind = "unique", entry = u },
        { op = "create_unique_constraint", table = tname, entry = u })
    end
  end
  for _, u in ipairs(add_u) do
    u = named(dialect, tname, u, "key")
    out[#out + 1] = change(7, { op = "create_unique_constraint", table = tname, entry = u },
      { op = "drop_constraint", table = tname, kind = "unique", entry = u })
  end
  local add_fk, drop_fk = pair_up(model_t.foreign_keys, db_t.foreign_keys, fk_signature, false,
    includer("foreign_key_constraint"))
  local still_keyed = {}
  for _, fk in ipairs(add_fk) do still_keyed[list_key(fk.columns)] = true end
  for _, fk in ipairs(drop_fk) do
    if included(cfg, fk, fk.name, "foreign_key_constraint", true, nil) then
      out[#out + 1] = change(6, { op = "drop_constraint", table = tname, kind = "foreignkey", entry = fk },
        { op = "create_foreign_key", table = tname, entry = fk })
      -- MySQL keeps the index it made for the key; without the key it is
      -- an index nobody declared (a key on the same columns reuses it)
      if fk.implicit_index and not still_keyed[list_key(fk.columns)] then
        local ix = { name = fk.implicit_index, columns = fk.columns, unique = false }
        out[#out + 1] = change(6, { op = "drop_index", table = tname, index = ix },
          { op = "create_index", table = tname, index = ix })
      end
    end
  end
  for _, fk in ipairs(add_fk) do
    do
      fk = named(dialect, tname, fk, "fkey")
      if dialect.fk_makes_index and not indexed(model_t, fk.columns) then
        -- the downgrade drops the index MySQL makes for the key, too (after
        -- the key: downgrade runs these in reverse)
        local ix = { name = fk.name, columns = fk.columns, unique = false }
        out[#out + 1] = change(7, { op = "comment", text = "" }, { op = "drop_index", table = tname, index = ix })
      end
      out[#out + 1] = change(7, { op = "create_foreign_key", table = tname, entry = fk },
        { op = "drop_constraint", table = tname, kind = "foreignkey", entry = fk })
    end
  end
  -- named check constraints: there or not
  local db_checks = {}
  for _, ck in ipairs(db_t.checks) do if ck.name then db_checks[ck.name] = ck end end
  local model_checks = {}
  for _, ck in ipairs(model_t.checks) do
    if ck.name then
      model_checks[ck.name] = ck
      if not db_checks[ck.name] and included(cfg, ck, ck.name, "check_constraint", false, nil) then
        out[#out + 1] = change(7, { op = "create_check_constraint", table = tname, entry = ck },
          { op = "drop_constraint", table = tname, kind = "check", entry = ck })
      end
    end
  end
  for _, ck in ipairs(db_t.checks) do
    if ck.name and not model_checks[ck.name] and included(cfg, ck, ck.name, "check_constraint", true, nil) then
      out[#out + 1] = change(6, { op = "drop_constraint", table = tname, kind = "check", entry = ck },
        { op = "create_check_constraint", table = tname, entry = ck })
    end
  end
end
M.compare = compare_constraints

return M
