-- Damage to the revision metadata cache (versions/.luamig_cache/index,
-- written for directories of 100 revisions or more): garbage, truncation,
-- flipped bytes, the index replaced by a directory, a FIFO or a device.
-- The cache is never needed, so damage must never change what luamig
-- reports or runs: `heads` and `history` print what they print without
-- the cache (LUAMIG_NO_CACHE=1), and `upgrade head` over the last revision
-- (which makes a table and then fails) fails at its line with the
-- database as before, in one transaction, whatever the cache says about
-- `transactional` (SQLite and PostgreSQL, where that can be seen).
--
-- One project (100 revisions c0001..c0100 and c0101) serves every case:
-- the cache holds a file's inode and times, so it cannot be copied. Each
-- case writes the index back as it was, damaged its own way.
local h = require("helpers.luamig")

local N = 100
local LAST = string.format("c%04d", N + 1)
local LAST_FILE = "migrations/versions/" .. LAST .. "_fail.lua"
local SETTLE = 2.3

local project -- { dir, files, index, heads, history, made }

local function q(s) return h.shell_quote(s) end

local function now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local function make_project()
  local p = io.popen("mktemp -d " .. q((os.getenv("TMPDIR") or "/tmp") .. "/luamig-corpus-cache.XXXXXX"))
  local dir = p:read("l")
  p:close()
  os.execute("mkdir -p " .. q(dir .. "/migrations/versions"))
  local files = {}
  for i = 1, N do
    local id = string.format("c%04d", i)
    files[string.format("migrations/versions/c%04d_step.lua", i)] = string.format(
      '-- step %d\nrevision = "%s"\ndown_revision = %s\n\nfunction upgrade()\nend\n\nfunction downgrade()\nend\n',
      i, id, i == 1 and "nil" or string.format('"c%04d"', i - 1))
  end
  files[LAST_FILE] = table.concat({
    "-- the failing one",
    'revision = "' .. LAST .. '"',
    string.format('down_revision = "c%04d"', N),
    "",
    "function upgrade()",
    '  op.execute("CREATE TABLE cache_t (id INTEGER)")',
    '  error("planned failure")',
    "end",
    "",
    "function downgrade()",
    "end",
    "",
  }, "\n")
  for path, text in pairs(files) do h.write_file(dir .. "/" .. path, text) end
  project = { dir = dir, files = files, made = now() }
end

-- The project, its files settled and its index written (the first call
-- waits for the files to be old enough to be cached).
local function ready()
  if project and project.index then return project end
  if not project then make_project() end
  local wait = project.made + SETTLE - now()
  if wait > 0 then os.execute(string.format("sleep %.2f", wait)) end
  local run = function(args, env)
    local out = os.tmpname()
    os.execute("cd " .. q(project.dir) .. " && env -u DATABASE_URL " .. (env or "") .. " " .. q(h.bin) .. " "
      .. args .. " >" .. out .. " 2>/dev/null")
    local s = h.read_file(out)
    os.remove(out)
    return s
  end
  project.heads = run("heads", "LUAMIG_NO_CACHE=1")
  project.history = run("history", "LUAMIG_NO_CACHE=1")
  run("heads")
  project.index = h.read_file(project.dir .. "/migrations/versions/.luamig_cache/index")
  assert(#project.index > 1000, "the revision cache was not written")
  return project
end

-- Offsets (1-based) in the index of the entry of file `name`: its
-- transactional byte, its id's first byte, its first down_revision's first byte.
local function entry_offsets(index, name)
  local at = index:find(name, 1, true)
  assert(at, name .. " is not in the cache index")
  local tr = at - 4 - 1
  local pos = at + #name
  local id_len = string.unpack("=I4", index, pos)
  local id_at = pos + 4
  pos = id_at + id_len
  local doc_len = string.unpack("=I4", index, pos)
  pos = pos + 4 + doc_len
  local count = string.unpack("=I4", index, pos)
  assert(count == 1)
  local down_at = pos + 4 + 4
  return tr, id_at, down_at
end

local function flip(s, i, mask)
  return s:sub(1, i - 1) .. string.char(s:byte(i) ~ (mask or 0x01)) .. s:sub(i + 1)
end

local function index_path() return project.dir .. "/migrations/versions/.luamig_cache/index" end

-- Put the cache back as written, then damage it with fn(index) -> bytes
-- (or run a shell command in the cache directory when fn is a string).
local function restore_then(damage)
  return function()
    local p = ready()
    os.execute("rm -rf " .. q(p.dir .. "/migrations/versions/.luamig_cache") .. " && mkdir "
      .. q(p.dir .. "/migrations/versions/.luamig_cache"))
    h.write_file(p.dir .. "/migrations/versions/.luamig_cache/.gitignore", "*\n")
    if type(damage) == "string" then
      os.execute("cd " .. q(p.dir .. "/migrations/versions/.luamig_cache") .. " && " .. damage)
    else
      h.write_file(index_path(), damage(p.index))
    end
  end
end

return function(k)
  local ON = { "sqlite", "postgres" }
  local cases = {}

  local function project_of()
    local p = ready()
    return p.dir, p.files
  end

  local function add(name, damage, quick, timeout)
    local prepare = restore_then(damage)
    local common = { on = ON, timeout = timeout, base = false, project = project_of, share = "cache",
      setup = { { "upgrade", string.format("c%04d", N) } }, prepare = prepare, culprit = LAST_FILE }
    local function case(suffix, fields)
      local c = { name = name .. ": " .. suffix }
      for key, v in pairs(common) do c[key] = v end
      for key, v in pairs(fields) do c[key] = v end
      cases[#cases + 1] = c
    end
    case("heads", { on = { "sqlite" }, args = { "heads" }, status = 0, check = function(_, r)
      if r.stdout ~= project.heads then
        return "heads printed " .. string.format("%q", r.stdout) .. ", without the cache " .. string.format("%q", project.heads)
      end
    end })
    if not quick then case("history", { on = { "sqlite" }, args = { "history" }, status = 0, check = function(_, r)
      if r.stdout ~= project.history then return "history differs from the one without the cache" end
    end }) end
    case("upgrade", { args = { "upgrade", "head" }, status = 1, names = { "@planned failure" } })
  end

  add("intact", function(index) return index end)
  add("garbage of the same length", function(index)
    local bytes, x = {}, 12345
    for i = 1, #index do
      x = (x * 1103515245 + 12345) % 2147483648
      bytes[i] = string.char(x % 256)
    end
    return table.concat(bytes)
  end)
  add("truncated to half", function(index) return index:sub(1, #index // 2) end)
  add("truncated by one byte", function(index) return index:sub(1, -2) end)
  add("one byte too many", function(index) return index .. "\0" end)
  add("empty", function() return "" end)
  add("the entry count flipped", function(index)
    local vlen = string.unpack("=I4", index, 5)
    return flip(index, 4 + 4 + vlen + 1, 0x02)
  end)
  add("the version flipped", function(index) return flip(index, 9, 0x20) end)
  add("the last revision's transactional flag flipped", function(index)
    local tr = entry_offsets(index, LAST .. "_fail.lua")
    return flip(index, tr, 0x01)
  end)
  add("the last revision's id flipped", function(index)
    local _, id_at = entry_offsets(index, LAST .. "_fail.lua")
    return flip(index, id_at + 3, 0x01)
  end)
  add("the last revision's parent flipped", function(index)
    local _, _, down_at = entry_offsets(index, LAST .. "_fail.lua")
    return flip(index, down_at + 4, 0x01)
  end)
  add("a middle revision's parent flipped", function(index)
    local _, _, down_at = entry_offsets(index, "c0050_step.lua")
    return flip(index, down_at + 4, 0x03)
  end)
  add("a middle revision's id flipped", function(index)
    local _, id_at = entry_offsets(index, "c0050_step.lua")
    return flip(index, id_at + 4, 0x01)
  end)
  for i = 1, 8 do
    add(string.format("a byte flipped at %d/9 of the index", i), function(index)
      return flip(index, #index * i // 9, 0x10)
    end, true)
  end
  add("the index is a directory", "rm -f index && mkdir index")
  add("the index is a FIFO", "rm -f index && mkfifo index", nil, 5)
  add("the index is a symlink to /dev/zero", "rm -f index && ln -s /dev/zero index", nil, 10)
  add("the index is a dangling symlink", "rm -f index && ln -s nowhere index")
  add("the cache directory is a file", "cd .. && rm -rf .luamig_cache && echo x > .luamig_cache")
  return cases
end
