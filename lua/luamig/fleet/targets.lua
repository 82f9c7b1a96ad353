-- luamig.fleet.targets: the databases of a fleet, and how a CI job takes its
-- share of them.
--
-- A targets file holds one target per line: `URL`, or `NAME URL`; `#`
-- starts a comment, blank lines are ignored. luamig.lua may instead hold
-- `targets = { name = URL, ... }` or a list of the same lines' text. Every
-- target has a name: its own, or its URL with the password masked (so that
-- output never shows a password). A mistake is reported at its place
-- (FILE:LINE, or targets.NAME in the config file) before any database is
-- touched: a fleet half run because line 40 was mistyped helps nobody.

local url = require("luamig.config.url")

local M = {}

local NAME = "^[%w_][%w_.%-]*$"

-- One target from the words of a line; nil, why.
local function target_of(words)
  if #words == 0 then return false end
  if #words > 2 then
    return nil, string.format("expected URL or NAME URL, got %d words", #words)
  end
  local name, u = words[1], words[2]
  if not u then name, u = nil, words[1] end
  if name and not name:match(NAME) then
    return nil, string.format("target name %q: use letters, digits, _, . and - (not first)", name)
  end
  local parsed, err = url.parse(u)
  if not parsed then return nil, err end
  return { name = name or url.mask(u), url = u, named = name ~= nil }
end

local function words_of(line)
  local words = {}
  for w in line:gmatch("%S+") do words[#words + 1] = w end
  return words
end

-- Two targets with one name, or one database twice (two children would
-- then wait for each other's migration lock, and the second would have
-- nothing to do), are mistakes of the list.
local function add(list, seen, t, where, place_of)
  if seen.name[t.name] then
    return nil, string.format("%s: target %s is already named at %s", where, t.name, place_of(seen.name[t.name]))
  end
  if seen.url[t.url] then
    return nil, string.format("%s: the same URL as the target at %s", where, place_of(seen.url[t.url]))
  end
  seen.name[t.name], seen.url[t.url] = t, t
  list[#list + 1] = t
  return true
end

--- parse(text, source) -> list of {name, url, line} | nil, "source:line: why".
function M.parse(text, source)
  local list, seen = {}, { name = {}, url = {} }
  local place_of = function(t) return string.format("line %d", t.line) end
  local n = 0
  -- Lines end at \n; a \r before it (a file from Windows) is not a word.
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("#.*$", "")
    local t, err = target_of(words_of(line))
    local where = string.format("%s:%d", source, n)
    if t == nil then return nil, string.format("%s: %s", where, err) end
    if t then
      t.line = n
      local ok, aerr = add(list, seen, t, where, place_of)
      if not ok then return nil, aerr end
    end
  end
  return list
end

--- read(path) -> list | nil, why. "-" reads stdin.
function M.read(path)
  local text, source
  if path == "-" then
    text, source = io.stdin:read("a"), "<stdin>"
  else
    local f, err = io.open(path, "rb")
    if not f then return nil, string.format("--targets: cannot read %s", err) end
    text, source = f:read("a"), path
    f:close()
  end
  if not text then return nil, string.format("--targets: cannot read %s", source) end
  local list, err = M.parse(text, source)
  if not list then return nil, err end
  if #list == 0 then return nil, string.format("--targets: %s names no target", source) end
  return list
end

--- from_config(targets, where) -> list | nil, why: the `targets` value of
-- luamig.lua (where: the config file's name). A map is taken in the order
-- of its names, a list in its own order.
function M.from_config(targets, where)
  local list, seen = {}, { name = {}, url = {} }
  local function place_of(t) return "targets." .. t.place end
  if type(targets) ~= "table" then
    return nil, string.format("config file %s: targets must be a table, got %s", where, type(targets))
  end
  local n = #targets
  if n > 0 then
    for k in pairs(targets) do
      if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then
        return nil,
          string.format("config file %s: targets is either a list or a table of name = URL, not both (key %s)",
          where, tostring(k))
      end
    end
    for i, v in ipairs(targets) do
      local here = string.format("config file %s: targets[%d]", where, i)
      if type(v) ~= "string" then return nil, string.format("%s: expected a string, got %s", here, type(v)) end
      local t, err = target_of(words_of(v))
      if t == false then err = "empty" end
      if not t then return nil, string.format("%s: %s", here, err) end
      t.place = string.format("[%d]", i)
      local ok, aerr = add(list, seen, t, here, function(o) return "targets" .. o.place end)
      if not ok then return nil, aerr end
    end
    return list
  end
  local names = {}
  for k in pairs(targets) do
    if type(k) ~= "string" then
      return nil, string.format("config file %s: targets: a name must be a string, got %s", where, tostring(k))
    end
    names[#names + 1] = k
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local here = string.format("config file %s: targets.%s", where, name)
    local v = targets[name]
    if type(v) ~= "string" then return nil, string.format("%s: expected a URL string, got %s", here, type(v)) end
    local t, err = target_of { name, v }
    if not t then return nil, string.format("%s: %s", here, err) end
    t.place = name
    local ok, aerr = add(list, seen, t, here, place_of)
    if not ok then return nil, aerr end
  end
  return list
end

--- select(list, names, where) -> the targets named (in the order of the
-- list) | nil, why. An unknown name lists the known ones.
function M.select(list, names, where)
  local by_name, wanted = {}, {}
  for _, t in ipairs(list) do by_name[t.name] = t end
  for _, name in ipairs(names) do
    if not by_name[name] then
      local known = {}
      for _, t in ipairs(list) do known[#known + 1] = t.name end
      return nil, string.format("--target %s: %s has no target of that name (it has: %s)", name, where,
        #known > 0 and table.concat(known, ", ") or "none")
    end
    wanted[name] = true
  end
  local out = {}
  for _, t in ipairs(list) do
    if wanted[t.name] then out[#out + 1] = t end
  end
  return out
end

--- parse_shard("I/N") -> i, n | nil, why.
function M.parse_shard(text)
  local i, n = text:match("^(%d+)/(%d+)$")
  i, n = tonumber(i), tonumber(n)
  if not i or n < 1 or i < 1 or i > n then
    return nil, string.format("--shard %s: expected I/N with 1 <= I <= N (e.g. 2/4)", text)
  end
  return i, n
end

--- hash(name): 32-bit FNV-1a of the name's bytes.
function M.hash(name)
  local h = 2166136261
  for k = 1, #name do
    h = ((h ~ name:byte(k)) * 16777619) & 0xffffffff
  end
  return h
end

--- shard(list, i, n): the targets of shard i of n. A target's shard
-- depends on its name alone (FNV-1a of the name, mod n, plus one), so it
-- stays in its shard when targets are added, removed or reordered, and
-- every target is in exactly one shard. Unnamed targets' names are their
-- masked URLs, so that changing a password does not move one either.
function M.shard(list, i, n)
  local out = {}
  for _, t in ipairs(list) do
    if M.hash(t.name) % n + 1 == i then out[#out + 1] = t end
  end
  return out
end

return M
