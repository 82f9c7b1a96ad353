-- luamig.autogen.reflect.postgres: what a PostgreSQL schema holds, as a
-- snapshot (luamig.autogen.snapshot describes the shape).
--
-- Only the tables of current_schema() are read: ordinary and partitioned
-- tables (relkind r and p; a partition is a table too), never views. Five
-- catalog queries cover the whole schema, whatever its size, each
-- returning rows for every table at once, grouped here in Lua:
--
--   1. tables      pg_class, with its comment (pg_description);
--   2. columns     pg_attribute: format_type(atttypid, atttypmod), attnotnull,
--                  pg_get_expr(adbin) for the default, attidentity,
--                  attgenerated, the comment, the enum type (if any) of
--                  the column or of its array elements, and whether the
--                  column owns a sequence (serial);
--   3. constraints pg_constraint p, u, f, c: one row per key column
--                  (conkey/confkey unnested in order), the referenced table,
--                  confdeltype/confupdtype, the check's expression;
--   4. indexes     pg_index, without the ones a p/u/x constraint is made of
--                  (conindid): one row per key position, with its column
--                  or expression (pg_get_indexdef(indexrelid, k, true)) and
--                  indoption, then one per INCLUDE column, and the partial
--                  index predicate;
--   5. enums       pg_enum by enumsortorder: the current schema's enum types
--                  and any other enum a reflected column uses.
-- A query per table would cost a round trip each, which on a schema of
-- hundreds of tables over a network is what makes autogenerate slow; the
-- spec checks that the count does not grow with the schema.
--
-- Normalisations (what compare can rely on):
--   * types: the database's text is kept in `type_text`; `type` is the
--     luamig type that compiles back (ddl "postgres" type_sql) to SQL the
--     server reports with the same format_type. integer/bigint/smallint,
--     boolean, text, date, json, jsonb, uuid, interval, bytea (LargeBinary)
--     map by name; character varying(n) -> String(n); numeric(p,s) ->
--     Numeric(p, s), Numeric(p) when s is 0, Numeric bare; double precision
--     -> Float (FLOAT is double precision), real -> Type("REAL"); timestamp /
--     time with or without time zone -> DateTime / Time (timezone = true);
--     character(n) -> Type("CHAR(n)"); an enum -> Enum(values, {name =,
--     schema = only when not the current schema}); x[] -> ARRAY(x); anything
--     else (timestamp(3) ..., inet, citext, domains) -> Type(format_type text).
--   * defaults: pg_get_expr(adbin, ..., true) text, with one cast
--     removed: a quoted number cast to a numeric type loses quotes and cast
--     ('-1'::integer -> -1, '-2.5'::numeric -> -2.5); any other quoted
--     literal cast to the column's own type (with or without its modifier:
--     'abc'::character varying on varchar(40), 'ab'::bpchar on character(3),
--     'ok'::mood, '{1,2}'::integer[]) loses the cast ('abc'). Everything else
--     is kept as the server prints it: now(), CURRENT_TIMESTAMP, true,
--     (1 + 2), 'x'::text on a varchar column.
--   * autoincrement: an identity column (attidentity a or d), or a column
--     whose default is nextval(...) of a sequence it owns (serial); such a
--     column has no default. A nextval() of a sequence the column does not
--     own stays a default.
--   * a generated column (GENERATED ALWAYS AS (...) STORED) has no default
--     (its expression is `computed`).
--   * foreign keys: confdeltype/confupdtype letters become action words,
--     then snapshot.action (NO ACTION -> nil); a referenced table of another
--     schema gets `ref_schema` (absent for the current schema).
--   * checks: the expression without CHECK ( ... ) and NOT VALID, as
--     pg_get_expr(conbin, conrelid, true) prints it.
--   * indexes: `columns` when every key is a plain column in default order,
--     else `expressions`: every key's text in order (pg_get_indexdef per
--     key, pretty), with " DESC", " NULLS FIRST" or " NULLS LAST" appended
--     where the key is not in default order; `include` the INCLUDE
--     columns. Operator classes, collations and the access method are not
--     reflected.
--   * a collation other than the type's default is the String's or Text's
--     (String{collation = "C"}); timestamp(n) / time(n) carry precision.
--   * generated columns: `computed` = {sqltext = the expression as
--     pg_get_expr prints it, persisted = true}; identity columns:
--     `identity`, the sequence's options that are not the defaults
--     (snapshot.identity); foreign keys: MATCH, DEFERRABLE and INITIALLY
--     (snapshot.fk_options).
--   * a non-native Enum's CHECK (s::text = ANY (ARRAY[...])) makes the
--     column an Enum again (luamig.autogen.reflect.type_checks).

local snapshot = require("luamig.autogen.snapshot")
local POSTGRES = require("luamig.ddl.postgres")  -- its defaults (snapshot.action)
local types = require("luamig.schema.types")
local type_checks = require("luamig.autogen.reflect.type_checks")
local null = require("luamig.driver").null
local queries = require("luamig.autogen.reflect.postgres.queries")

local M = {}

-- SQL NULL as nil.
local function value(v)
  if v == null then return nil end
  return v
end

local function query(conn, sql)
  local rows, msg = conn:query(sql)
  if not rows then return nil, "reflecting the PostgreSQL schema: " .. tostring(msg) end
  return rows
end

-- Types ----------------------------------------------------------------------

local BY_NAME = {
  integer = types.Integer, bigint = types.BigInteger, smallint = types.SmallInteger,
  boolean = types.Boolean, text = types.Text, date = types.Date,
  ["character varying"] = types.String, numeric = types.Numeric,
  ["double precision"] = types.Float, real = types.Type("REAL"),
  ["timestamp without time zone"] = types.DateTime,
  ["timestamp with time zone"] = types.DateTime { timezone = true },
  ["time without time zone"] = types.Time,
  ["time with time zone"] = types.Time { timezone = true },
  bytea = types.LargeBinary, json = types.JSON, jsonb = types.JSONB,
  uuid = types.Uuid, interval = types.Interval,
}

-- The luamig type of a format_type text; `enum` ({name =, schema =,
-- values =}) when the type, or for an array its element type, is an enum.
local function map_type(text, enum)
  local element = text:match("^(.+)%[%]$")
  if element then return types.ARRAY(map_type(element, enum)) end
  if enum then return types.Enum(enum.values, { name = enum.name, schema = enum.schema }) end
  local t = BY_NAME[text]
  if t then return t end
  -- timestamp(3) with time zone, time(2) without time zone
  local kind, precision, zone = text:match("^(%a+)%((%d+)%) (%a+) time zone$")
  local ctor = kind == "timestamp" and types.DateTime or kind == "time" and types.Time or nil
  if ctor then return ctor { precision = tonumber(precision), timezone = zone == "with" or nil } end
  local n = text:match("^character varying%((%d+)%)$")
  if n then return types.String(tonumber(n)) end
  n = text:match("^character%((%d+)%)$")
  if n then return types.Type("CHAR(" .. n .. ")") end
  local p, s = text:match("^numeric%((%d+),(%d+)%)$")
  if p then
    p, s = tonumber(p), tonumber(s)
    if s == 0 then return types.Numeric(p) end
    return types.Numeric(p, s)
  end
  return types.Type(text)
end

-- Defaults -------------------------------------------------------------------

local NUMERIC_CASTS = {
  integer = true, bigint = true, smallint = true, numeric = true, real = true, ["double precision"] = true,
}

-- The casts that are the column's own type: its text, the text without the
-- type modifier (character varying(40) -> character varying), and bpchar,
-- which is how PostgreSQL writes character(n) in a cast.
local function own_casts(type_text)
  local bare = type_text:gsub("%(%d+%)", ""):gsub("%(%d+,%d+%)", "")
  local casts = { [type_text] = true, [bare] = true }
  if bare:match("^character$") then casts.bpchar = true end
  if bare:match("^character%[%]$") then casts["bpchar[]"] = true end
  return casts
end

-- 'literal'::cast -> the literal (with its quotes), its content, the cast;
-- nil when the text is anything else.
local function split_cast(text)
  if text:sub(1, 1) ~= "'" then return nil end
  local i = 2
  while true do
    local q = text:find("'", i, true)
    if not q then return nil end
    if text:sub(q + 1, q + 1) == "'" then
      i = q + 2
    else
      local cast = text:match("^::(.+)$", q + 1)
      if not cast or cast:find("::", 1, true) then return nil end
      return text:sub(1, q), text:sub(2, q - 1), cast
    end
  end
end

local function normalise_default(text, type_text)
  local literal, content, cast = split_cast(text)
  if not literal then return text end
  if NUMERIC_CASTS[cast] and content:match("^%-?%d+%.?%d*$") then return content end
  if own_casts(type_text)[cast] then return literal end
  return text
end

-- Building -------------------------------------------------------------------

local ACTIONS = { a = "NO ACTION", r = "RESTRICT", c = "CASCADE", n = "SET NULL", d = "SET DEFAULT" }

local MATCH = { f = "FULL", p = "PARTIAL", s = "SIMPLE" }

local function action(letter)
  return snapshot.action(ACTIONS[letter], POSTGRES)
end

-- indoption bits (pg_index.h): 1 = DESC, 2 = NULLS FIRST. The default is
-- NULLS LAST for ascending keys, NULLS FIRST for descending ones.
local function ordering(option)
  local desc, nulls_first = option & 1 ~= 0, option & 2 ~= 0
  if desc then return nulls_first and " DESC" or " DESC NULLS LAST" end
  return nulls_first and " NULLS FIRST" or ""
end

local function read_enums(conn)
  local rows, msg = query(conn, queries.ENUMS)
  if not rows then return nil, msg end
  local by_oid = {}
  for _, r in ipairs(rows) do
    local e = by_oid[r.oid]
    if not e then
      e = { name = r.name, schema = not r.in_schema and r.schema or nil, values = {} }
      by_oid[r.oid] = e
    end
    e.values[#e.values + 1] = r.label
  end
  return by_oid
end

-- A String or Text with a collation of its own (not the type's default).
local function collated(t, collation)
  if not collation or not (t.name == "String" or t.name == "Text") then return t end
  return types[t.name] { length = t.length, collation = collation }
end

-- The identity options of a column row (snapshot.identity: the defaults left out).
local function identity_of(r, coltype)
  if r.identity ~= "a" and r.identity ~= "d" then return nil end
  local num = function(v) v = value(v); return v and math.tointeger(tonumber(v)) or nil end
  return snapshot.identity({ always = r.identity == "a", start = num(r.id_start), increment = num(r.id_increment),
    minvalue = num(r.id_minvalue), maxvalue = num(r.id_maxvalue), cache = num(r.id_cache),
    cycle = value(r.id_cycle) == true }, coltype)
end

local function add_columns(tables, rows, enums)
  -- Types are immutable, so the columns of one type text share one type
  -- (the texts repeat; parsing each again was a good part of this loop).
  local by_text = {}
  local function type_of(text)
    local t = by_text[text]
    if not t then t = map_type(text); by_text[text] = t end
    return t
  end
  for _, r in ipairs(rows) do
    local tbl = tables[r.table_name]
    if tbl then
      local enum_oid = value(r.enum_oid)
      local default = value(r.default_text)
      local identity = r.identity == "a" or r.identity == "d"
      local serial = default ~= nil and r.owns_sequence and default:match("^nextval%(") ~= nil
      local generated = (value(r.generated) or "") ~= ""
      local computed = generated and default and { sqltext = default, persisted = true } or nil
      if serial or generated then default = nil end
      if default then default = normalise_default(default, r.type_text) end
      local enum = enum_oid and enums[enum_oid]
      local coltype = collated(enum and map_type(r.type_text, enum) or type_of(r.type_text), value(r.collation))
      tbl.columns[#tbl.columns + 1] = {
        name = r.name,
        type = coltype,
        type_text = r.type_text,
        nullable = not r.not_null,
        default = default,
        autoincrement = identity or serial,
        identity = identity_of(r, coltype),
        computed = computed,
        comment = value(r.comment),
      }
    end
  end
end

local function add_constraints(tables, rows)
  local current, entry
  for _, r in ipairs(rows) do
    local tbl = tables[r.table_name]
    if tbl then
      if r.oid ~= current then
        current = r.oid
        if r.kind == "p" then
          entry = { name = r.name, columns = {} }
          tbl.primary_key = entry
        elseif r.kind == "u" then
          entry = { name = r.name, columns = {} }
          tbl.uniques[#tbl.uniques + 1] = entry
        elseif r.kind == "f" then
          entry = { name = r.name, columns = {}, ref_table = r.ref_table, ref_columns = {},
            ref_schema = not r.ref_in_schema and r.ref_schema or nil,
            ondelete = action(r.ondelete), onupdate = action(r.onupdate) }
          snapshot.fk_options({ match = MATCH[r.match], deferrable = r.deferrable,
            initially = r.deferred and "DEFERRED" or nil }, entry)
          tbl.foreign_keys[#tbl.foreign_keys + 1] = entry
        else
          entry = { name = r.name, sqltext = r.sqltext }
          tbl.checks[#tbl.checks + 1] = entry
        end
      end
      if entry.columns and value(r.column_name) then entry.columns[#entry.columns + 1] = r.column_name end
      if entry.ref_columns and value(r.ref_column) then
        entry.ref_columns[#entry.ref_columns + 1] = r.ref_column
      end
    end
  end
end

local function add_indexes(tables, rows)
  local current, entry, keys
  -- columns when every key is a plain column in default order, else every key's text.
  local function finish()
    if not entry then return end
    local columns, expressions, plain = {}, {}, true
    for i, k in ipairs(keys) do
      columns[i], expressions[i] = k.column, k.text
      if not k.column then plain = false end
    end
    if plain then entry.columns = columns else entry.expressions = expressions end
  end
  for _, r in ipairs(rows) do
    local tbl = tables[r.table_name]
    if tbl then
      if r.oid ~= current then
        finish()
        current, keys = r.oid, {}
        entry = { name = r.name, unique = r.is_unique, where = value(r.predicate) }
        tbl.indexes[#tbl.indexes + 1] = entry
      end
      if r.included then
        entry.include = entry.include or {}
        entry.include[#entry.include + 1] = r.column_name
      else
        local order = ordering(r.key_option)
        keys[#keys + 1] = { column = order == "" and value(r.column_name) or nil, text = r.key_text .. order }
      end
    end
  end
  finish()
end

--- Send reflect()'s queries ahead, in the order it reads them (a hint:
-- conn:prefetch), so that the server runs them while the caller builds
-- the models (luamig.autogen).
function M.prefetch(conn)
  conn:prefetch({ queries.TABLES, queries.ENUMS, queries.COLUMNS, queries.CONSTRAINTS, queries.INDEXES })
end

--- The snapshot of the current schema | nil, msg. `opts.exclude` is a set
-- of table names to leave out.
function M.reflect(conn, opts)
  local exclude = (opts and opts.exclude) or {}
  local snap = snapshot.new()
  local rows, msg = query(conn, queries.TABLES)
  if not rows then return nil, msg end
  for _, r in ipairs(rows) do
    if not exclude[r.name] then
      local tbl = snapshot.new_table(r.name)
      tbl.comment = value(r.comment)
      snap.tables[r.name] = tbl
    end
  end

  local enums
  enums, msg = read_enums(conn)
  if not enums then return nil, msg end
  for _, e in pairs(enums) do
    if not e.schema then snap.enums[e.name] = e.values end
  end

  rows, msg = query(conn, queries.COLUMNS)
  if not rows then return nil, msg end
  add_columns(snap.tables, rows, enums)
  rows, msg = query(conn, queries.CONSTRAINTS)
  if not rows then return nil, msg end
  add_constraints(snap.tables, rows)
  rows, msg = query(conn, queries.INDEXES)
  if not rows then return nil, msg end
  add_indexes(snap.tables, rows)

  for name, tbl in pairs(snap.tables) do
    -- a non-native Enum's CHECK; one left unnamed is <table>_<column>_check
    type_checks.fold(POSTGRES, tbl, function(_, col) return name .. "_" .. col .. "_check" end, false)
    snapshot.sort_lists(tbl)
  end
  return snap
end

M._map_type, M._normalise_default = map_type, normalise_default  -- for the spec
return M
