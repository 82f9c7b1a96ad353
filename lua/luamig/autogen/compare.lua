-- luamig.autogen.compare: what must change so that the database (a
-- reflected snapshot) becomes what the models declare (a model snapshot).
--
-- The result is a list of changes, each an operation and its exact
-- inverse: {up = op, down = op, phase = n}. render.lua writes the `up`s in
-- phase order for upgrade() and the `down`s in the reverse order for
-- downgrade(). The phases order the work so that it applies:
--
--   1 rename tables        4 add columns          7 add constraints and indexes
--   2 create tables        5 alter columns        8 drop columns
--     (referenced first)   6 drop constraints     9 drop tables (referencing first)
--   3 rename columns         and indexes         10 comments, enum values
--
-- Matching: tables and columns by name (or by `renamed_from`, which turns
-- a drop and an add into a rename, keeping the data); indexes by name,
-- else by definition; unique constraints and foreign keys by definition
-- (databases name unnamed ones as they like); check constraints by name
-- only, and only for being there or not: databases rewrite a CHECK's text
-- (PostgreSQL adds parentheses and casts), so comparing texts would report
-- changes nobody made. Types compare as the SQL the dialect writes for
-- them, so INTEGER and INT4, or BOOLEAN and TINYINT(1), are the same.
-- Server defaults compare after normalize_default (below). The version and
-- history tables never take part; cfg.include_name(name, type, parents)
-- and cfg.include_object(object, name, type, reflected, compare_to) can
-- leave out more, as in Alembic.

local snapshot = require "luamig.autogen.snapshot"
local naming = require "luamig.naming"
local types = require "luamig.types"

local ipairs, pairs, type, tostring, tonumber, pcall, next = ipairs, pairs, type, tostring, tonumber, pcall, next
local str_format, table_concat, table_sort = string.format, table.concat, table.sort

local M = {}

---------------------------------------------------------------------------
-- Normalising what databases say in their own words

local TYPE_ALIASES = {
  ["INT"] = "INTEGER", ["INT4"] = "INTEGER", ["INT8"] = "BIGINT", ["INT2"] = "SMALLINT",
  ["BOOL"] = "BOOLEAN", ["FLOAT8"] = "DOUBLE PRECISION", ["FLOAT4"] = "REAL",
  ["CHARACTER VARYING"] = "VARCHAR", ["TIMESTAMP WITHOUT TIME ZONE"] = "TIMESTAMP",
  ["TIMESTAMPTZ"] = "TIMESTAMP WITH TIME ZONE", ["TIME WITHOUT TIME ZONE"] = "TIME",
  ["DECIMAL"] = "NUMERIC",
}

local function normalize_type_text(text)
  local s = tostring(text):upper():gsub("%s+", " "):gsub("%s*([(),])%s*", "%1"):gsub("^%s+", ""):gsub("%s+$", "")
  local base, rest = s:match("^([%a%d_ ]-)%s*(%(.*)$")
  if not base then base, rest = s, "" end
  base = TYPE_ALIASES[base] or base
  if base == "INTEGER" and rest:match("^%(%d+%)$") then rest = "" end  -- MySQL's display width
  return base .. rest
end
M.normalize_type_text = normalize_type_text

--- The SQL of a snapshot column's type on this dialect, normalised.
local function type_key(dialect, col)
  if col.type then
    local ok, sql = pcall(dialect.type_sql, dialect, col.type, col.name)
    if ok and sql then return normalize_type_text(sql) end
  end
  return normalize_type_text(col.type_text or "?")
end
M.type_key = type_key

local function strip_outer_parens(s)
  while s:sub(1, 1) == "(" and s:sub(-1) == ")" do
    local depth, closes_at_end = 0, true
    for i = 1, #s do
      local c = s:sub(i, i)
      if c == "(" then depth = depth + 1 elseif c == ")" then depth = depth - 1 end
      if depth == 0 and i < #s then closes_at_end = false; break end
    end
    if not closes_at_end then break end
    s = s:sub(2, -2)
  end
  return s
end

--- A server default as comparable text: no outer parentheses or
-- PostgreSQL casts, keywords in lower case, quoted numbers unquoted,
-- now() and current_timestamp() as current_timestamp, true/false as 1/0.
function M.normalize_default(text)
  if text == nil then return nil end
  local s = strip_outer_parens(tostring(text):gsub("^%s+", ""):gsub("%s+$", ""))
  s = s:gsub("::[%w_ %[%]\"]+", "")  -- 'abc'::character varying
  s = strip_outer_parens(s)
  -- lower case outside quotes
  local parts, pos = {}, 1
  while pos <= #s do
    local q1 = s:find("'", pos, true)
    if not q1 then parts[#parts + 1] = s:sub(pos):lower(); break end
    local q2 = s:find("'", q1 + 1, true) or #s
    parts[#parts + 1] = s:sub(pos, q1 - 1):lower()
    parts[#parts + 1] = s:sub(q1, q2)
    pos = q2 + 1
  end
  s = table_concat(parts)
  local quoted_number = s:match("^'(%-?%d+%.?%d*)'$")
  if quoted_number then s = quoted_number end
  local number = tonumber(s)
  if number then s = tostring(number) end
  if s == "now()" or s == "current_timestamp()" or s == "localtimestamp" then s = "current_timestamp" end
  if s == "true" then s = "1" elseif s == "false" then s = "0" end
  if s == "null" then return nil end
  return s
end

---------------------------------------------------------------------------
-- Filters

local function included(cfg, object, name, kind, reflected, compare_to, parents)
  if cfg.include_name and reflected and not cfg.include_name(name, kind, parents or {}) then return false end
  if cfg.include_object and not cfg.include_object(object, name, kind, reflected, compare_to) then return false end
  return true
end

---------------------------------------------------------------------------
-- Pieces of a table

local function list_key(list) return table_concat(list or {}, ",") end

local function index_signature(ix)
  return table_concat({ ix.unique and "u" or "", list_key(ix.columns), list_key(ix.expressions),
    ix.where and M.normalize_default(ix.where) or "" }, "|")
end

local function fk_signature(fk)
  return table_concat({ list_key(fk.columns), fk.ref_table, list_key(fk.ref_columns),
    fk.ondelete or "", fk.onupdate or "" }, "|")
end

local function unique_signature(u) return list_key(u.columns) end

-- MySQL has no unique constraint apart from a unique index: the model's
-- become unique indexes, as reflection reports them.
local function fold_uniques(dialect, tbl)
  if dialect.name ~= "mysql" or #tbl.uniques == 0 then return tbl end
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

local function change(phase, up, down)
  return { phase = phase, up = up, down = down }
end

-- Pair entries of two lists: when `by_name`, a named entry by its name;
-- the others by signature. Returns the unpaired of each side and the
-- pairs whose definitions differ.
local function pair_up(model_list, db_list, signature, by_name)
  local used, only_model = {}, {}
  local by_sig = {}
  for i, e in ipairs(db_list) do
    by_sig[signature(e)] = by_sig[signature(e)] or {}
    local l = by_sig[signature(e)]
    l[#l + 1] = i
  end
  local db_by_name = {}
  if by_name then for i, e in ipairs(db_list) do if e.name then db_by_name[e.name] = i end end end
  local changed = {}
  for _, m in ipairs(model_list) do
    local i = by_name and m.name and db_by_name[m.name]
    if i and not used[i] then
      used[i] = true
      if signature(m) ~= signature(db_list[i]) then changed[#changed + 1] = { model = m, db = db_list[i] } end
    elseif by_name and m.name then
      only_model[#only_model + 1] = m  -- a named index is matched by its name only, as in Alembic
    else
      local found
      for _, j in ipairs(by_sig[signature(m)] or {}) do
        if not used[j] then found = j; break end
      end
      if found then used[found] = true else only_model[#only_model + 1] = m end
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
  copy.name = naming.truncate(str_format("%s_%s_%s", tname, table_concat(entry.columns, "_"), suffix),
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
  -- indexes: by name, then definition
  local add_ix, drop_ix, changed_ix = pair_up(model_t.indexes, db_t.indexes, index_signature, true)
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
    if included(cfg, ix, ix.name, "index", false, nil) then
      out[#out + 1] = change(7, { op = "create_index", table = tname, index = ix }, { op = "drop_index", table = tname, index = ix })
    end
  end
  -- unique constraints and foreign keys: by definition
  local add_u, drop_u = pair_up(model_t.uniques, db_t.uniques, unique_signature, false)
  for _, u in ipairs(drop_u) do
    if included(cfg, u, u.name, "unique_constraint", true, nil) then
      out[#out + 1] = change(6, { op = "drop_constraint", table = tname, kind = "unique", entry = u },
        { op = "create_unique_constraint", table = tname, entry = u })
    end
  end
  for _, u in ipairs(add_u) do
    u = named(dialect, tname, u, "key")
    if included(cfg, u, u.name, "unique_constraint", false, nil) then
      out[#out + 1] = change(7, { op = "create_unique_constraint", table = tname, entry = u },
        { op = "drop_constraint", table = tname, kind = "unique", entry = u })
    end
  end
  local add_fk, drop_fk = pair_up(model_t.foreign_keys, db_t.foreign_keys, fk_signature, false)
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
    if included(cfg, fk, fk.name, "foreign_key_constraint", false, nil) then
      fk = named(dialect, tname, fk, "fkey")
      if dialect.name == "mysql" and not indexed(model_t, fk.columns) then
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

local function comment_of(v) if v == "" then return nil end return v end

local function compare_column(out, dialect, tname, m, d)
  local up, down = {}, {}
  local any = false
  if type_key(dialect, m) ~= type_key(dialect, d) then
    up.type_, down.type_ = m.type, d.type or d.type_text
    any = true
  end
  if (m.nullable ~= false) ~= (d.nullable ~= false) then
    up.nullable, down.nullable = m.nullable ~= false, d.nullable ~= false
    any = true
  end
  local md, dd = M.normalize_default(m.default), M.normalize_default(d.default)
  if md ~= dd and not (m.autoincrement or d.autoincrement) then
    up.server_default, down.server_default = m.default or false, d.default or false
    any = true
  end
  if dialect.comments and comment_of(m.comment) ~= comment_of(d.comment) then
    up.comment, down.comment = comment_of(m.comment) or false, comment_of(d.comment) or false
    any = true
  end
  if any then
    out[#out + 1] = change(5, { op = "alter_column", table = tname, column = m.name, changes = up, existing = d, target = m },
      { op = "alter_column", table = tname, column = m.name, changes = down, existing = m, target = d })
  end
end

-- The database's constraints and indexes with renamed columns under their
-- new names: the renames run first (phase 3), so that is what the later
-- drops and creates see.
local function with_renames(db_t, renamed)
  if next(renamed) == nil then return db_t end
  local function map(list)
    if not list then return nil end
    local out = {}
    for i, c in ipairs(list) do out[i] = renamed[c] or c end
    return out
  end
  local copy = {}
  for k, v in pairs(db_t) do copy[k] = v end
  for _, key in ipairs { "uniques", "indexes", "foreign_keys" } do
    copy[key] = {}
    for i, e in ipairs(db_t[key]) do
      local m = {}
      for k, v in pairs(e) do m[k] = v end
      m.columns = map(e.columns)
      copy[key][i] = m
    end
  end
  return copy
end

local function compare_table(out, cfg, dialect, tname, model_t, db_t)
  model_t = fold_uniques(dialect, model_t)
  local renamed = {}
  local db_cols = {}
  for _, c in ipairs(db_t.columns) do db_cols[c.name] = c end
  local model_cols, seen_db = {}, {}
  for _, m in ipairs(model_t.columns) do
    model_cols[m.name] = m
    local d = db_cols[m.name]
    if not d and m.renamed_from and db_cols[m.renamed_from] and not model_cols[m.renamed_from] then
      d = db_cols[m.renamed_from]
      seen_db[d.name] = true
      renamed[d.name] = m.name
      out[#out + 1] = change(3, { op = "rename_column", table = tname, from = d.name, to = m.name },
        { op = "rename_column", table = tname, from = m.name, to = d.name })
      compare_column(out, dialect, tname, m, d)
    elseif d then
      seen_db[d.name] = true
      if included(cfg, m, m.name, "column", false, d) then compare_column(out, dialect, tname, m, d) end
    elseif included(cfg, m, m.name, "column", false, nil) then
      out[#out + 1] = change(4, { op = "add_column", table = tname, column = m },
        { op = "drop_column", table = tname, column = m })
    end
  end
  for _, d in ipairs(db_t.columns) do
    if not seen_db[d.name] and not model_cols[d.name]
        and included(cfg, d, d.name, "column", true, nil, { table_name = tname }) then
      out[#out + 1] = change(8, { op = "drop_column", table = tname, column = d },
        { op = "add_column", table = tname, column = d })
    end
  end
  compare_constraints(out, cfg, dialect, tname, model_t, with_renames(db_t, renamed))
  if dialect.comments and comment_of(model_t.comment) ~= comment_of(db_t.comment) then
    local function set(c) return c and { op = "create_table_comment", table = tname, comment = c }
      or { op = "drop_table_comment", table = tname } end
    out[#out + 1] = change(10, set(comment_of(model_t.comment)), set(comment_of(db_t.comment)))
  end
end

-- Tables in an order where each comes after the tables it references
-- (ties by name); a cycle is broken at the lowest name.
local function dependency_order(tables)
  local by_name, names = {}, {}
  for _, t in ipairs(tables) do by_name[t.name] = t; names[#names + 1] = t.name end
  table_sort(names)
  local state, order = {}, {}
  local function visit(name)
    if state[name] then return end
    state[name] = 1
    for _, fk in ipairs(by_name[name].foreign_keys) do
      if by_name[fk.ref_table] and fk.ref_table ~= name then visit(fk.ref_table) end
    end
    state[name] = 2
    order[#order + 1] = by_name[name]
  end
  for _, name in ipairs(names) do visit(name) end
  return order
end

-- PostgreSQL's named enum types live apart from the columns: a new table
-- or column using a type that exists (in the database, or made by an
-- earlier op of this revision) must not create it again, and a table or
-- column that takes the last use of a type with it drops the type too
-- (and its inverse makes it again).
local function named_enum(col)
  local t = col.type
  return t and t.name == "Enum" and t.enum_name or nil
end

local function without_create(col)
  local copy = {}
  for k, v in pairs(col) do copy[k] = v end
  copy.type = types.Enum(col.type.values, { name = col.type.enum_name, schema = col.type.schema, create_type = false })
  return copy
end

local function settle_enums(changes, model_snap, db_snap)
  local exists, wanted = {}, {}
  for name in pairs(db_snap.enums or {}) do exists[name] = true end
  for name in pairs(model_snap.enums or {}) do wanted[name] = true end
  local function claim(columns)
    local out, made = {}, {}
    for i, col in ipairs(columns) do
      local e = named_enum(col)
      if e and exists[e] then out[i] = without_create(col)
      else
        out[i] = col
        if e then exists[e] = true; made[#made + 1] = e end
      end
    end
    return out, made
  end
  local function released(columns)
    local out = {}
    for _, col in ipairs(columns) do
      local e = named_enum(col)
      if e and not wanted[e] then out[#out + 1] = e end
    end
    return out
  end
  for _, c in ipairs(changes) do
    local u = c.up
    if u.op == "create_table" then
      local t = {}
      for k, v in pairs(u.table) do t[k] = v end
      local made
      t.columns, made = claim(u.table.columns)
      c.up = { op = "create_table", table = t }
      c.down = { op = "drop_table", table = t, enums = made }
    elseif u.op == "add_column" then
      local cols, made = claim({ u.column })
      c.up = { op = "add_column", table = u.table, column = cols[1] }
      c.down = { op = "drop_column", table = u.table, column = cols[1], enums = made }
    elseif u.op == "drop_table" then
      u.enums = released(u.table.columns)
    elseif u.op == "drop_column" then
      u.enums = released({ u.column })
    end
  end
end

--- changes = compare.diff(model_snap, db_snap, dialect, cfg, excluded)
-- excluded: set of table names never compared (version, history).
function M.diff(model_snap, db_snap, dialect, cfg, excluded)
  cfg, excluded = cfg or {}, excluded or {}
  local out = {}
  local db_names = {}
  for _, name in ipairs(snapshot.table_names(db_snap)) do
    if not excluded[name] and included(cfg, db_snap.tables[name], name, "table", true, nil) then
      db_names[name] = true
    end
  end
  local claimed, new_tables = {}, {}
  for _, name in ipairs(snapshot.table_names(model_snap)) do
    local m = model_snap.tables[name]
    if not excluded[name] and included(cfg, m, name, "table", false, db_snap.tables[name]) then
      if db_names[name] then
        claimed[name] = true
        compare_table(out, cfg, dialect, name, m, db_snap.tables[name])
      elseif m.renamed_from and db_names[m.renamed_from] and not model_snap.tables[m.renamed_from] then
        claimed[m.renamed_from] = true
        out[#out + 1] = change(1, { op = "rename_table", from = m.renamed_from, to = name },
          { op = "rename_table", from = name, to = m.renamed_from })
        compare_table(out, cfg, dialect, name, m, db_snap.tables[m.renamed_from])
      else
        new_tables[#new_tables + 1] = fold_uniques(dialect, m)
      end
    end
  end
  local created = dependency_order(new_tables)
  for i, t in ipairs(created) do
    local c = change(2, { op = "create_table", table = t }, { op = "drop_table", table = t })
    c.rank = i
    out[#out + 1] = c
  end
  local dropped = {}
  for name in pairs(db_names) do
    if not claimed[name] then dropped[#dropped + 1] = db_snap.tables[name] end
  end
  local drop_order = dependency_order(dropped)
  for i = #drop_order, 1, -1 do
    local t = drop_order[i]
    local c = change(9, { op = "drop_table", table = t }, { op = "create_table", table = t })
    c.rank = #drop_order - i + 1
    out[#out + 1] = c
  end
  -- PostgreSQL enum types whose values change; the columns that use one
  -- (by their names after this revision's renames) for a rebuild
  for name, values in pairs(model_snap.enums or {}) do
    local old = db_snap.enums and db_snap.enums[name]
    if old and table_concat(old, "\0") ~= table_concat(values, "\0") then
      local users = {}
      for _, tname in ipairs(snapshot.table_names(model_snap)) do
        for _, col in ipairs(model_snap.tables[tname].columns) do
          if col.type and col.type.name == "Enum" and col.type.enum_name == name then
            users[#users + 1] = { table = tname, column = col.name }
          end
        end
      end
      out[#out + 1] = change(10, { op = "enum_values", name = name, from = old, to = values, columns = users },
        { op = "enum_values", name = name, from = values, to = old, columns = users })
    end
  end
  -- stable: by phase, then in the order found
  for i, c in ipairs(out) do c.seq = i end
  table_sort(out, function(a, b)
    if a.phase ~= b.phase then return a.phase < b.phase end
    return a.seq < b.seq
  end)
  if dialect.named_enums then settle_enums(out, model_snap, db_snap) end
  return out
end

--- One line per change, for `luamig check`.
function M.describe(c)
  local u = c.up
  if u.op == "create_table" then return "add table " .. u.table.name
  elseif u.op == "drop_table" then return "remove table " .. u.table.name
  elseif u.op == "rename_table" then return str_format("rename table %s to %s", u.from, u.to)
  elseif u.op == "add_column" then return str_format("add column %s.%s", u.table, u.column.name)
  elseif u.op == "drop_column" then return str_format("remove column %s.%s", u.table, u.column.name)
  elseif u.op == "rename_column" then return str_format("rename column %s.%s to %s", u.table, u.from, u.to)
  elseif u.op == "alter_column" then
    local what = {}
    for _, k in ipairs { "type_", "nullable", "server_default", "comment" } do
      if u.changes[k] ~= nil then what[#what + 1] = (k == "type_" and "type" or k:gsub("_", " ")) end
    end
    return str_format("change %s of column %s.%s", table_concat(what, ", "), u.table, u.column)
  elseif u.op == "create_index" then return str_format("add index %s on %s", u.index.name or "?", u.table)
  elseif u.op == "drop_index" then return str_format("remove index %s on %s", u.index.name or "?", u.table)
  elseif u.op == "create_unique_constraint" then
    return str_format("add unique constraint %son %s (%s)", u.entry.name and (u.entry.name .. " ") or "", u.table,
      list_key(u.entry.columns))
  elseif u.op == "create_foreign_key" then
    return str_format("add foreign key %s (%s) -> %s (%s)", u.table, list_key(u.entry.columns), u.entry.ref_table,
      list_key(u.entry.ref_columns))
  elseif u.op == "create_check_constraint" then return str_format("add check constraint %s on %s", u.entry.name, u.table)
  elseif u.op == "drop_constraint" then
    local e = u.entry
    local what = u.kind == "foreignkey" and "foreign key" or u.kind == "unique" and "unique constraint" or "check constraint"
    return str_format("remove %s %s on %s", what, e.name or ("(" .. list_key(e.columns) .. ")"), u.table)
  elseif u.op == "create_table_comment" then return "change the comment of table " .. u.table
  elseif u.op == "drop_table_comment" then return "remove the comment of table " .. u.table
  elseif u.op == "enum_values" then
    return str_format("change the values of enum %s from (%s) to (%s)", u.name, table_concat(u.from, ", "),
      table_concat(u.to, ", "))
  end
  return u.op
end

return M
