-- luamig.config.url.text: the text of a database URL, piece by piece:
-- percent-escapes, the query string, and quote() for the messages that
-- cite a piece of it.

local M = {}

-- s in double quotes, a quote, backslash or control character in it escaped
-- (a message is one line).
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return c == '"' and '\\"' or c == "\\" and "\\\\" or string.format("\\%d", c:byte())
  end) .. '"'
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

-- The query from index `from` of url: a list of {key, value, first, last}
-- (first..last: the value's span in url, for masking).
local function read_query(url, from)
  local list, seen = {}, {}
  local i = from
  while i <= #url + 1 do
    local j = url:find("&", i, true) or #url + 1
    local pair = url:sub(i, j - 1)
    if pair ~= "" then
      local eq = pair:find("=", 1, true)
      local key = percent_decode(eq and pair:sub(1, eq - 1) or pair)
      local entry = { key = key, value = eq and percent_decode(pair:sub(eq + 1)) or "",
        first = eq and i + eq or j, last = j - 1 }
      list[#list + 1] = entry
      if key == "" then entry.err = "a parameter without a name" end
      if seen[key] then entry.err = "parameter " .. quote(key) .. " given twice" end
      seen[key] = true
    end
    i = j + 1
  end
  return list
end

M.quote, M.percent_decode, M.read_query = quote, percent_decode, read_query

return M
