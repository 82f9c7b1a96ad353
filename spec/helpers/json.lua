-- A strict JSON decoder for specs (RFC 8259): luamig writes JSON
-- (luamig.present.json) but reads none, and a spec must check that what
-- it writes parses, not only that it looks right. Anything that is not
-- JSON raises an error that says where; JSON null decodes to M.null.

local M = {}

M.null = setmetatable({}, { __name = "json null", __tostring = function() return "null" end })

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function fail(s, pos, what)
  error(string.format("not JSON at byte %d (%s): %q", pos, what, s:sub(pos, pos + 20)), 0)
end

local function skip(s, pos)
  return s:find("[^ \t\r\n]", pos) or #s + 1
end

local value

local function string_at(s, pos)
  local parts, i = {}, pos + 1
  while true do
    local c = s:sub(i, i)
    if c == "" then fail(s, i, "unterminated string") end
    if c == '"' then return table.concat(parts), i + 1 end
    if c:byte() < 0x20 then fail(s, i, "control character in a string") end
    if c == "\\" then
      local e = s:sub(i + 1, i + 1)
      if ESCAPES[e] then
        parts[#parts + 1] = ESCAPES[e]
        i = i + 2
      elseif e == "u" then
        local hex = s:sub(i + 2, i + 5)
        if not hex:match("^%x%x%x%x$") then fail(s, i, "bad \\u escape") end
        local code = tonumber(hex, 16)
        i = i + 6
        if code >= 0xD800 and code <= 0xDBFF then
          local low = s:match("^\\u(%x%x%x%x)", i)
          local lc = low and tonumber(low, 16)
          if not lc or lc < 0xDC00 or lc > 0xDFFF then fail(s, i, "lone high surrogate") end
          code = 0x10000 + (code - 0xD800) * 0x400 + (lc - 0xDC00)
          i = i + 6
        elseif code >= 0xDC00 and code <= 0xDFFF then
          fail(s, i - 6, "lone low surrogate")
        end
        parts[#parts + 1] = utf8.char(code)
      else
        fail(s, i, "bad escape")
      end
    else
      local j = s:find('[%c"\\]', i) or #s + 1
      parts[#parts + 1] = s:sub(i, j - 1)
      i = j
    end
  end
end

-- -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?
local function number_at(s, pos)
  local i = pos
  if s:sub(i, i) == "-" then i = i + 1 end
  local int = s:match("^0", i) or s:match("^[1-9]%d*", i)
  if not int then fail(s, pos, "bad number") end
  i = i + #int
  local frac = s:match("^%.%d+", i)
  if s:sub(i, i) == "." and not frac then fail(s, pos, "bad number") end
  i = i + #(frac or "")
  local exp = s:match("^[eE][-+]?%d+", i)
  if s:match("^[eE]", i) and not exp then fail(s, pos, "bad number") end
  i = i + #(exp or "")
  local text = s:sub(pos, i - 1)
  return math.tointeger(tonumber(text)) or tonumber(text), i
end

local function container(s, pos, close, item)
  local out, i = {}, skip(s, pos + 1)
  if s:sub(i, i) == close then return out, i + 1 end
  while true do
    i = item(out, i)
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == close then return out, i + 1 end
    if c ~= "," then fail(s, i, "expected , or " .. close) end
    i = skip(s, i + 1)
  end
end

value = function(s, pos)
  pos = skip(s, pos)
  local c = s:sub(pos, pos)
  if c == "{" then
    return container(s, pos, "}", function(out, i)
      if s:sub(i, i) ~= '"' then fail(s, i, "expected a key") end
      local key
      key, i = string_at(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then fail(s, i, "expected :") end
      if out[key] ~= nil then fail(s, i, "duplicate key " .. key) end
      out[key], i = value(s, i + 1)
      return i
    end)
  elseif c == "[" then
    return container(s, pos, "]", function(out, i)
      local v
      v, i = value(s, i)
      out[#out + 1] = v
      return i
    end)
  elseif c == '"' then return string_at(s, pos)
  elseif s:sub(pos, pos + 3) == "true" then return true, pos + 4
  elseif s:sub(pos, pos + 4) == "false" then return false, pos + 5
  elseif s:sub(pos, pos + 3) == "null" then return M.null, pos + 4
  elseif c:match("[-%d]") then return number_at(s, pos)
  end
  fail(s, pos, "unexpected character")
end

--- The value of the JSON text s (one value, only white space around it).
function M.decode(s)
  local v, pos = value(s, 1)
  pos = skip(s, pos)
  if pos <= #s then fail(s, pos, "text after the value") end
  return v
end

--- The values of JSON Lines text: one per line, no blank lines between.
function M.lines(s)
  local out = {}
  if s == "" then return out end
  if s:sub(-1) ~= "\n" then error("JSON Lines: the last line has no newline", 0) end
  for line in s:gmatch("([^\n]*)\n") do
    if line == "" then error("JSON Lines: an empty line", 0) end
    out[#out + 1] = M.decode(line)
  end
  return out
end

return M
