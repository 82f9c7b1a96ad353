-- bytecode_trim.lua: the Lua 5.4 binary chunk of a module without the names
-- of its local variables and upvalues (those of parameters stay).
--
-- Why: luamig carries its modules as bytecode (runner/embed.lua), and much
-- of what loading one costs is its debug information, above all the
-- interned string of every local and upvalue name of every function:
-- loading the whole tree (about 230 modules, in a new process) took 4.2 ms
-- with it, 2.8 ms stripped (`luac -s`) and about as little trimmed. A
-- stripped chunk would also lose the file and line of every error and
-- traceback in luamig's own code, which is what a bug report needs, so
-- only the names go: lines and source names stay, and so do the
-- parameters' names, which luamig.schema.revision_env reads to say which
-- arguments an op takes. Error messages about luamig's own variables then
-- say `local '?'` where they said the name; luamig reads no upvalue or
-- local of its own functions by name otherwise.
--
-- The format is lundump.c's for Lua 5.4 (LUAC_VERSION 0x54, LUAC_FORMAT 0);
-- trim() refuses any other header. The caller checks the result by
-- loading it and by comparing it, stripped, with the original stripped
-- (runner/embed.lua): code, constants and nested functions must be
-- byte-for-byte the same.

local M = {}

local HEADER_SIZE = 31  -- signature, version, format, LUAC_DATA, 3 sizes, LUAC_INT, LUAC_NUM

-- lua_Value variants (lobject.h): which constants carry what.
local VNUMINT, VNUMFLT, VSHRSTR, VLNGSTR = 3, 19, 4, 20

--- code with the local-variable names removed (see above).
function M.trim(code)
  assert(code:sub(1, 6) == "\27Lua\84\0", "not a Lua 5.4 binary chunk")
  local pos = HEADER_SIZE + 2  -- the header, then the main closure's upvalue count
  local out = { code:sub(1, HEADER_SIZE + 1) }
  local copied = pos  -- code[copied..] is not in out yet

  local function byte()
    local b = code:byte(pos)
    pos = pos + 1
    return b
  end
  -- lundump.c's loadSize: 7 bits a byte, most significant first, the last
  -- byte marked with 0x80.
  local function size()
    local x = 0
    repeat
      local b = byte()
      x = x * 128 + (b & 0x7f)
    until b & 0x80 ~= 0
    return x
  end
  local function encode_size(x)
    local bytes = { (x & 0x7f) | 0x80 }
    x = x >> 7
    while x > 0 do
      table.insert(bytes, 1, x & 0x7f)
      x = x >> 7
    end
    return string.char(table.unpack(bytes))
  end
  local function skip_string()
    local n = size()
    if n > 0 then pos = pos + n - 1 end
  end
  local function flush(upto)
    out[#out + 1] = code:sub(copied, upto - 1)
    copied = upto
  end

  local function func()
    skip_string()                     -- source
    size(); size()                    -- linedefined, lastlinedefined
    local numparams = byte()
    pos = pos + 2                     -- is_vararg, maxstacksize
    local ncode = size()              -- (read before pos is: size() moves it)
    pos = pos + 4 * ncode             -- code
    for _ = 1, size() do              -- constants
      local t = byte()
      if t == VNUMINT or t == VNUMFLT then pos = pos + 8
      elseif t == VSHRSTR or t == VLNGSTR then skip_string() end
    end
    local nupvalues = size()
    pos = pos + 3 * nupvalues         -- upvalues: instack, idx, kind
    for _ = 1, size() do func() end   -- nested functions
    local nlineinfo = size()
    pos = pos + nlineinfo             -- lineinfo
    for _ = 1, size() do size(); size() end  -- abslineinfo: pc, line
    local count_at = pos
    local n = size()
    local keep = math.min(n, numparams)  -- the parameters come first
    local kept_from, kept_to = pos, pos
    for i = 1, n do                   -- locvars: name, startpc, endpc
      skip_string(); size(); size()
      if i == keep then kept_to = pos end
    end
    flush(count_at)
    out[#out + 1] = encode_size(keep)
    out[#out + 1] = code:sub(kept_from, kept_to - 1)
    copied = pos
    local names_at = pos
    for _ = 1, size() do skip_string() end  -- upvalue names: none kept
    flush(names_at)
    out[#out + 1] = encode_size(0)
    copied = pos
  end

  func()
  assert(pos == #code + 1, "trailing bytes after the main function")
  flush(pos)
  return table.concat(out)
end

return M
