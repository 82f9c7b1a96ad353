-- luamig.autogen.reflect.type_checks: the CHECKs that column types bring
-- (luamig.ddl.schema_types: a non-native Enum's CHECK (col IN ('a', 'b')),
-- SQLite's Boolean{create_constraint = true} CHECK (col IN (0, 1))) found
-- among a reflected table's checks and made part of the column again, so
-- that a model declaring the Enum or the Boolean sees no difference and a
-- baseline writes the same constructor back.
--
-- Every backend prints the condition its own way: PostgreSQL as
-- `(s)::text = ANY (ARRAY['a'::character varying, ...]::text[])`, MariaDB
-- as `` `s` in ('a','b\'c') ``, SQLite as written. One small tokenizer
-- reads all three; a check that is anything else stays a check.

local types = require("luamig.schema.types")

local M = {}

-- The tokens of a CHECK's text: {kind = "str" | "num" | "id" | "word" | "p", value}.
-- PostgreSQL's casts (::text, ::character varying[]) are left out.
local function tokenize(text, backslash)
  local out, i, n = {}, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == "'" then
      local buf, j = {}, i + 1
      while true do
        local d = text:sub(j, j)
        if d == "" then return nil end
        if d == "'" and text:sub(j + 1, j + 1) == "'" then buf[#buf + 1], j = "'", j + 2
        elseif d == "'" then j = j + 1; break
        elseif d == "\\" and backslash then buf[#buf + 1], j = text:sub(j + 1, j + 1), j + 2
        else buf[#buf + 1], j = d, j + 1 end
      end
      out[#out + 1] = { kind = "str", value = table.concat(buf) }
      i = j
    elseif c == '"' or c == "`" then
      local close = text:find(c, i + 1, true)
      if not close then return nil end
      out[#out + 1] = { kind = "id", value = text:sub(i + 1, close - 1) }
      i = close + 1
    elseif text:sub(i, i + 1) == "::" then
      local _, e = text:find("^[%a_][%w_]*", i + 2)
      if not e then return nil end
      local _, e2 = text:find("^ varying", e + 1)
      e = e2 or e
      local _, e3 = text:find("^%[%]", e + 1)
      i = (e3 or e) + 1
    elseif c:match("[%d%-]") then
      local num = text:match("^%-?%d+%.?%d*", i)
      if not num then return nil end
      out[#out + 1] = { kind = "num", value = num }
      i = i + #num
    elseif c:match("[%a_]") then
      local word = text:match("^[%a_][%w_]*", i)
      out[#out + 1] = { kind = "word", value = word }
      i = i + #word
    elseif c:match("[%(%)%[%],=]") then
      if not c:match("[%(%)%[%]]") then out[#out + 1] = { kind = "p", value = c } end
      i = i + 1
    else
      return nil
    end
  end
  return out
end

--- The values (text) that `text` lets `column` take when it is `column
-- IN (v, ...)` in one of the backends' spellings, else nil; and whether
-- the values are numbers. backslash: string literals escape with \ (MySQL).
function M.in_values(text, column, backslash)
  local toks = tokenize(text or "", backslash)
  if not toks or #toks < 3 then return nil end
  local first = toks[1]
  if not (first.kind == "id" or first.kind == "word") or first.value:lower() ~= column:lower() then return nil end
  local i = 2
  local kw = toks[i] and toks[i].kind == "word" and toks[i].value:upper()
  if kw == "IN" then
    i = i + 1
  elseif toks[i] and toks[i].value == "=" and toks[i + 1] and toks[i + 1].kind == "word"
      and toks[i + 1].value:upper() == "ANY" and toks[i + 2] and toks[i + 2].kind == "word"
      and toks[i + 2].value:upper() == "ARRAY" then
    i = i + 3
  else
    return nil
  end
  local values, kind = {}, nil
  while i <= #toks do
    local t = toks[i]
    if t.kind ~= "str" and t.kind ~= "num" then return nil end
    if kind and kind ~= t.kind then return nil end
    kind = t.kind
    values[#values + 1] = t.value
    if toks[i + 1] and toks[i + 1].value ~= "," then return nil end
    i = i + 2
  end
  if #values == 0 then return nil end
  return values, kind == "num"
end

-- The type a column with `values` in its CHECK has: the Enum or Boolean
-- that brings that CHECK on `dialect`, when its SQL type is the column's.
local function type_of(dialect, col, values, numeric, name)
  local t = col.type
  if not t then return nil end
  if numeric then
    if t.name ~= "Boolean" or dialect.native_boolean or #values ~= 2 or values[1] ~= "0" or values[2] ~= "1" then
      return nil
    end
    return types.Boolean { create_constraint = true, name = name }
  end
  if t.name ~= "String" or t.collation then return nil end
  local opts = { name = name }
  if dialect.native_enums then opts.native_enum, opts.create_constraint = false, true end
  local ok, enum = pcall(types.Enum, values, opts)
  if not ok or enum.length ~= t.length then return nil end
  return enum
end

--- Fold the type CHECKs of snapshot table `tbl` into its columns.
-- default_name(table, column) is the name the database gives a column's
-- CHECK left unnamed (nil: no such name); such a name is not written into
-- the type. backslash: as in_values.
function M.fold(dialect, tbl, default_name, backslash)
  local kept = {}
  local by_name = {}
  for _, col in ipairs(tbl.columns) do by_name[col.name:lower()] = col end
  for _, ck in ipairs(tbl.checks) do
    local folded = false
    local col_name = (ck.sqltext or ""):match("^[%s%(]*[\"`]?([%w_]+)")
    local col = col_name and by_name[col_name:lower()]
    if col and not col.type_check then
      local values, numeric = M.in_values(ck.sqltext, col.name, backslash)
      local given = ck.name
      if given and default_name and given == default_name(tbl.name, col.name) then given = nil end
      local t = values and type_of(dialect, col, values, numeric, given)
      if t then
        col.plain = { type = col.type, check = ck }
        col.type, col.type_check, folded = t, { name = ck.name, values = values }, true
      end
    end
    if not folded then kept[#kept + 1] = ck end
  end
  tbl.checks = kept
  return tbl
end

return M
