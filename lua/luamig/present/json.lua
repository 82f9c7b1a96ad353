-- luamig.present.json: JSON output for --json (encode only; luamig reads no JSON).
--
-- A table with keys 1..n (or no keys) is an array, any other an object
-- with its keys sorted, so that output is stable from run to run. Strings
-- are written as UTF-8 with the escapes JSON requires; bytes that are not
-- UTF-8 become U+FFFD, so that the output is always valid JSON.

local M = {}

--- Stands for JSON null where a Lua nil would drop an object's key.
M.null = setmetatable({}, { __name = "json.null" })

-- Text that is already JSON (a child's --json output in a fleet's array),
-- written as it is.
local Raw = { __name = "json.raw" }

--- raw(text): a value encoded as `text` itself; the caller vouches for it.
function M.raw(text)
  return setmetatable({ text = text }, Raw)
end

-- A table to be written as an object even when it is empty ({} reads as
-- an empty array otherwise).
local Object = { __name = "json.object" }

--- object(t): t (default {}), always written as a JSON object.
function M.object(t)
  return setmetatable(t or {}, Object)
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local REPLACEMENT = "\u{FFFD}"

-- s with each byte that does not begin a valid UTF-8 sequence replaced by
-- U+FFFD: a docstring or a path may hold any bytes, and a JSON text is
-- UTF-8. utf8.len is strict (no overlong forms, surrogates or code points
-- past U+10FFFF), and fast on the valid strings that are the rule.
local function valid_utf8(s)
  local valid, bad = utf8.len(s)
  if valid then return s end
  local parts, from = {}, 1
  while bad do
    parts[#parts + 1] = s:sub(from, bad - 1)
    parts[#parts + 1] = REPLACEMENT
    from = bad + 1
    valid, bad = utf8.len(s, from)
  end
  parts[#parts + 1] = s:sub(from)
  return table.concat(parts)
end

local function quote(s)
  return '"' .. valid_utf8(s):gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function is_array(t)
  local n = #t
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local encode

local function encode_table(t, seen)
  if seen[t] then error("json: a table contains itself", 0) end
  seen[t] = true
  local parts = {}
  if getmetatable(t) ~= Object and is_array(t) then
    for i, v in ipairs(t) do parts[i] = encode(v, seen) end
    seen[t] = nil
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for i, k in ipairs(keys) do
    local v = t[k]
    if v == nil then v = t[tonumber(k)] end
    parts[i] = quote(k) .. ":" .. encode(v, seen)
  end
  seen[t] = nil
  return "{" .. table.concat(parts, ",") .. "}"
end

encode = function(v, seen)
  local t = type(v)
  if v == nil or v == M.null then return "null"
  elseif t == "boolean" then return tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.17g", v)
  elseif t == "string" then return quote(v)
  elseif t == "table" and getmetatable(v) == Raw then return v.text
  elseif t == "table" then return encode_table(v, seen)
  end
  error("json: cannot encode a " .. t, 0)
end

--- The JSON text of a Lua value.
function M.encode(value)
  return encode(value, {})
end

return M
