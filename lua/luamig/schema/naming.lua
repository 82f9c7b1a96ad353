-- luamig.schema.naming: names for constraints and indexes from the project's
-- `naming_convention`, after SQLAlchemy's MetaData(naming_convention=...).
--
-- A constraint the database names itself gets a different name on each
-- backend (`t_a_key`, `a`, `sqlite_autoindex_t_1`...), so a later revision
-- cannot drop it by name everywhere. A convention such as
--   { uq = "uq_%(table_name)s_%(column_0_name)s", pk = "pk_%(table_name)s" }
-- names every unnamed one the same way on every backend. Pure: no I/O, and
-- nothing here knows SQL.

local kind_of = require("luamig.schema.value_kind")

local M = {}

--- The convention keys, and the constraint record kind each one names.
M.KEYS = { ix = "index", uq = "unique", ck = "check", fk = "foreign_key", pk = "primary_key" }
local KEY_OF = {}
for key, kind in pairs(M.KEYS) do KEY_OF[kind] = key end

--- What indexes are called when the convention has no `ix`, as in SQLAlchemy.
M.DEFAULT_INDEX = "ix_%(column_0_label)s"

local SIMPLE_TOKENS = { table_name = true, constraint_name = true, referred_table_name = true }

-- column_0_name, column_0N_name, column_0_N_label, referred_column_0_name...
-- -> referred?, index, joiner (nil: one column), attribute.
local function parse_column_token(token)
  local referred, rest = token:match("^(referred_)(column_.*)$")
  rest = rest or token
  local idx, multi, attr = rest:match("^column_(%d+)(_?N?)_(%a+)$")
  if not idx or (attr ~= "name" and attr ~= "label" and attr ~= "key") then return nil end
  if multi == "_" then return nil end
  local joiner
  if multi == "N" then joiner = "" elseif multi == "_N" then joiner = "_" end
  return { referred = referred ~= nil, index = tonumber(idx), joiner = joiner, attr = attr }
end

local function token_names()
  return "table_name, constraint_name, referred_table_name, column_0_name, column_0_label,"
    .. " column_0_key, column_0N_name, column_0_N_name (and _label), referred_column_0_name..."
end

-- Each piece of a pattern: a literal string or {token = "..."}; nil, msg.
local function parse(key, pattern)
  local out, pos = {}, 1
  while true do
    local s = pattern:find("%", pos, true)
    if not s then
      if pos <= #pattern then out[#out + 1] = pattern:sub(pos) end
      return out
    end
    if s > pos then out[#out + 1] = pattern:sub(pos, s - 1) end
    if pattern:sub(s + 1, s + 1) == "%" then
      out[#out + 1] = "%"
      pos = s + 2
    else
      local token, e = pattern:match("^%%%(([%w_]+)%)s()", s)
      if not token then
        return nil, string.format("naming_convention.%s: %q is not a %%(token)s at position %d", key, pattern, s)
      end
      local column = not SIMPLE_TOKENS[token] and parse_column_token(token)
      if not SIMPLE_TOKENS[token] and not column then
        return nil, string.format("naming_convention.%s: unknown token %%(%s)s (known: %s)", key, token, token_names())
      end
      out[#out + 1] = { token = token, column = column or nil }
      pos = e
    end
  end
end

-- parse, kept by key and pattern: every constraint and index of every
-- table is named through the same few patterns (the index default one
-- even when the index has its name). The pieces are only read. Bounded,
-- for an embedding process that sees many conventions.
local parsed, parsed_count = {}, 0
local function parse_once(key, pattern)
  local id = key .. "\0" .. pattern
  local hit = parsed[id]
  if hit then return hit end
  local pieces, err = parse(key, pattern)
  if not pieces then return nil, err end
  if parsed_count >= 256 then parsed, parsed_count = {}, 0 end
  parsed[id], parsed_count = pieces, parsed_count + 1
  return pieces
end

local checked = setmetatable({}, { __mode = "k" })

--- Check a convention table once: known keys, string patterns, known
-- tokens. Returns true | nil, msg. nil (no convention) is fine.
function M.check(convention)
  if convention == nil or checked[convention] then return true end
  if type(convention) ~= "table" or getmetatable(convention) ~= nil then
    return nil, "naming_convention must be a table such as { uq = \"uq_%(table_name)s_%(column_0_name)s\" }"
  end
  local keys = {}
  for k in pairs(convention) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local pattern = convention[k]
    if not M.KEYS[k] then
      return nil, string.format("naming_convention: unknown key %q (expected ix, uq, ck, fk or pk)", k)
    elseif type(pattern) ~= "string" or pattern == "" then
      return nil, string.format("naming_convention.%s must be a non-empty string, got %s", k, type(pattern))
    end
    local ok, err = parse(k, pattern)
    if not ok then return nil, err end
  end
  checked[convention] = true
  return true
end

-- 32-bit FNV-1a of a string, as 8 hex digits: a short, stable suffix for
-- names cut to the server's identifier length.
local function fnv1a(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = ((h ~ string.byte(s, i)) * 0x01000193) & 0xffffffff
  end
  return string.format("%08x", h)
end

--- Cut a name longer than `max_length` to fit, keeping it unique: the
-- first characters, "_" and a hash of the whole name.
function M.truncate(name, max_length)
  if not max_length or #name <= max_length then return name end
  return name:sub(1, max_length - 9) .. "_" .. fnv1a(name)
end

local function column_value(info, tok, key)
  local cols = tok.referred and info.ref_columns or info.columns
  local what = tok.referred and "referred column" or "column"
  if cols == nil or #cols == 0 then
    return nil, string.format("naming_convention.%s uses %s tokens, but this %s has none", key, what, M.KEYS[key])
  end
  local tbl = tok.referred and info.ref_table or info.table
  local function one(i)
    local c = cols[i]
    if type(c) ~= "string" then
      return nil, string.format("naming_convention.%s: %s %d of this %s is an expression; give it a name",
        key, what, i - 1, M.KEYS[key])
    end
    if tok.attr == "label" then return tbl .. "_" .. c end
    return c
  end
  if tok.joiner then
    local parts = {}
    for i = 1, #cols do
      local v, err = one(i)
      if not v then return nil, err end
      parts[i] = v
    end
    return table.concat(parts, tok.joiner)
  end
  if tok.index + 1 > #cols then
    return nil, string.format("naming_convention.%s: %%(%s)s needs %d %ss, this %s has %d", key,
      (tok.referred and "referred_" or "") .. "column_" .. tok.index .. "_" .. tok.attr, tok.index + 1, what,
      M.KEYS[key], #cols)
  end
  return one(tok.index + 1)
end

--- The name of one constraint or index.
-- kind: a constraint record kind ("unique", "check", "foreign_key",
-- "primary_key") or "index". info: {table, columns = {names or sql},
-- name (explicit), ref_table, ref_columns}. Returns the name, or nil when
-- the database is to choose it, or nil, msg.
-- An explicit name is kept, except that a pattern with %(constraint_name)s
-- expands it (SQLAlchemy's rule) unless it is op.f(name); an unnamed one
-- gets the pattern, and a pattern with %(constraint_name)s then cannot
-- apply.
function M.name(convention, kind, info, max_length)
  if kind_of.is_final(info.name) then return info.name.value end  -- op.f(name): as it is
  local key = KEY_OF[kind]
  if not key then error("naming.name: unknown kind " .. tostring(kind), 2) end
  local pattern = convention and convention[key]
  if pattern == nil and key == "ix" then pattern = M.DEFAULT_INDEX end
  if pattern == nil then return info.name end
  local pieces, err = parse_once(key, pattern)
  if not pieces then return nil, err end
  local uses_name = false
  for _, p in ipairs(pieces) do
    if type(p) == "table" and p.token == "constraint_name" then uses_name = true end
  end
  if info.name and not uses_name then return info.name end
  if not info.name and uses_name then
    return nil, string.format("naming_convention.%s (%s) uses %%(constraint_name)s: give this %s on table %q a name",
      key, pattern, M.KEYS[key], info.table)
  end
  local out = {}
  for i, p in ipairs(pieces) do
    if type(p) == "string" then
      out[i] = p
    elseif p.token == "table_name" then
      out[i] = info.table
    elseif p.token == "constraint_name" then
      out[i] = info.name
    elseif p.token == "referred_table_name" then
      if not info.ref_table then
        return nil, string.format("naming_convention.%s uses %%(referred_table_name)s, which only a foreign key has",
          key)
      end
      out[i] = info.ref_table
    else
      local v, verr = column_value(info, p.column, key)
      if not v then return nil, verr end
      out[i] = v
    end
  end
  return M.truncate(table.concat(out), max_length)
end

return M
