-- luamig.script: revision files on disk.
--
-- Listing revisions must never run an upgrade body and must stay fast for
-- thousands of files, so each file is compiled as a text chunk and its top
-- level run once in a private environment: that only assigns the metadata
-- globals and defines the functions. The environment is kept so that the
-- context can later call upgrade()/downgrade() with `op` set in it.

local sys = require("luamig.sys")
local revscan = require("luamig.revscan")
local revcache = require("luamig.revcache")
local checksum = require("luamig.checksum")
local types = require("luamig.schema.types")
-- Loaded when a revision runs, not when its metadata is read (luamig.lazy).
local lazy = require("luamig.lazy")
local failure = lazy("luamig.script.failure")
local helpers = lazy("luamig.script.helpers")
local null = require("luamig.driver").null

local M = {}

-- The environment of a revision (or models) file. What it may use besides
-- op and the schema constructors: the standard library minus what reaches
-- outside the migration (io, loading code, debug, package), and `null`.
--
-- Nothing a file can change may be seen by luamig or by another file: a
-- file that reassigns string.match, or rawsets the shared `Integer`, must
-- not break luamig's own code nor the next revision. So the functions are
-- shared (a function cannot be changed), but every table is the file's own:
-- the libraries are copied, and the bare types (Integer...) made anew, on
-- the file's first use of each; getmetatable shows a file only the
-- metatables it set itself (not the strings' one, whose __index is
-- luamig's `string`, nor those of luamig's objects or of the environment),
-- and setmetatable cannot replace a metatable luamig set.
--
-- Reading a global that is not defined is an error at the file's line (a
-- typo such as `nul` would otherwise be nil, and write a default where
-- NULL was meant). The names luamig itself reads from a file (DECLARED)
-- are nil until the file sets them; luamig reads them with rawget anyway
-- (script.func).

local set_by_revisions = setmetatable({}, { __mode = "k" })  -- metatables a file set

local function revision_getmetatable(v)
  if type(v) == "string" then
    error("getmetatable: the strings' metatable is luamig's, and a revision cannot reach it (string functions"
      .. " are in the file's own `string` table)", 2)
  end
  local mt = getmetatable(v)
  if type(mt) ~= "table" or set_by_revisions[mt] then return mt end
  return false  -- as a metatable with `__metatable = false` shows
end

local function revision_setmetatable(t, mt)
  if type(t) ~= "table" then
    error(string.format("bad argument #1 to 'setmetatable' (table expected, got %s)",
      t == nil and "no value" or type(t)), 2)
  elseif mt ~= nil and type(mt) ~= "table" then
    error(string.format("bad argument #2 to 'setmetatable' (nil or table expected, got %s)", type(mt)), 2)
  end
  local current = getmetatable(t)
  if current ~= nil and not set_by_revisions[current] then
    error("setmetatable: cannot change the metatable of a value luamig made", 2)
  end
  if mt ~= nil then set_by_revisions[mt] = true end
  return setmetatable(t, mt)
end

local BASE = {}
for _, name in ipairs {
  "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
  "rawget", "rawlen", "rawset", "select", "tonumber", "tostring", "type", "xpcall",
} do BASE[name] = _G[name] end
BASE._VERSION = _VERSION
BASE.null = null
BASE.getmetatable, BASE.setmetatable = revision_getmetatable, revision_setmetatable
types.export(BASE)
setmetatable(BASE, nil)  -- unknown names are ENV.__index's business

-- The tables each file gets a copy of, on first use.
local LIBRARIES = {
  string = string, table = table, math = math, utf8 = utf8,
  os = { time = os.time, date = os.date, clock = os.clock, getenv = os.getenv },
}
local BARE_TYPES = {}
for _, name in ipairs(types.type_names) do
  BARE_TYPES[name], BASE[name] = BASE[name], nil
end

local DECLARED = {
  revision = true, down_revision = true, branch_labels = true, depends_on = true,
  transactional = true, upgrade = true, downgrade = true,
  expand = true, contract = true, downgrade_expand = true, downgrade_contract = true,
}

-- The functions a file may define besides upgrade(): its two phases
-- (expand/contract, see luamig.plan) and what undoes each.
local PHASE_FUNCTIONS = { "expand", "contract", "downgrade_expand", "downgrade_contract", "downgrade" }

-- types.export's report of an unknown capitalized name (a type's typo):
-- "unknown type or constructor Strng (types: ...)".
local unknown_type = getmetatable(types.environment()).__index

local ENV = {}
local env_files = setmetatable({}, { __mode = "k" })  -- a revision's environment -> {path, src}
local helper_ops = setmetatable({}, { __mode = "k" }) -- a helper's environment -> op_of (luamig.script.helpers)
local require_for

function ENV.__index(env, name)
  local v = BASE[name]
  if v ~= nil then return v end
  if name == "require" and env_files[env] then
    v = require_for(env)
    rawset(env, name, v)
    return v
  end
  if name == "op" and helper_ops[env] then
    v = helper_ops[env]()
    if v ~= nil then return v end
  end
  local lib = LIBRARIES[name]
  if lib then
    v = {}
    for k, f in next, lib do v[k] = f end
    rawset(env, name, v)
    return v
  end
  local bare = BARE_TYPES[name]
  if bare then
    v = setmetatable({ name = bare.name }, getmetatable(bare))
    rawset(env, name, v)
    return v
  end
  if DECLARED[name] then return nil end
  if name == "op" then error("op is only available inside upgrade() and downgrade()", 2) end
  if type(name) == "string" and string.find(name, "^%u") then
    return unknown_type(env, name)  -- a tail call: it raises at the file's line
  end
  error(string.format("undefined global '%s'", tostring(name)), 2)
end

--- A fresh environment for one revision (or models) file.
function M.environment()
  return setmetatable({}, ENV)
end

-- A helper module's environment: a revision's, whose `op` is op_of().
local function helper_environment(op_of)
  local env = setmetatable({}, ENV)
  helper_ops[env] = op_of
  return env
end

-- Run a helper module's chunk; what it raises goes on up to the revision
-- that required it, at the helper's line.
local function run_helper(env, path, src)
  local chunk, err = load(src, "@" .. path, "t", env)
  if not chunk then error(err, 0) end
  return chunk()
end

-- `require` in a revision's environment (set by evaluate) loads the
-- project's helpers (luamig.script.helpers).
require_for = function(env)
  local file = env_files[env]
  return helpers.require_function(file.path, file.src, function() return rawget(env, "op") end, helper_environment,
    run_helper)
end

--- A record's function `name` ("upgrade", "downgrade", "expand", ...), or nil: the
-- environment is read raw, as its unset names raise for the file itself.
function M.func(record, name)
  local f = record.env and rawget(record.env, name)
  if type(f) == "function" then return f end
  return nil
end

-- Most files have no labels and no dependencies: they share this one
-- empty list instead of two new tables each (read-only, like the graph's).
-- It is the revision graph's own empty list, so that building the graph
-- (luamig.revision.build) takes such a list as it is, at one comparison.
local NONE = require("luamig.revision.build").EMPTY

local function as_list(value, field, path)
  if value == nil then return NONE end
  if type(value) == "string" then return { value } end
  if type(value) == "table" then
    local list = {}
    for i, v in ipairs(value) do
      if type(v) ~= "string" then
        return nil, string.format("%s: %s[%d] must be a revision id string, got %s", path, field, i, type(v))
      end
      list[i] = v
    end
    -- a map ({ parent = "x" }) or a list with holes would lose ids silently
    for k in next, value do
      if math.type(k) ~= "integer" or k < 1 or k > #list then
        return nil, string.format("%s: %s must be a list of revision id strings, got a table with the key %s", path,
          field, type(k) == "string" and string.format("%q", k) or tostring(k))
      end
    end
    return list
  end
  return nil, string.format("%s: %s must be nil, a string or a list of strings, got %s", path, field, type(value))
end

-- The docstring is the first comment line, as `luamig revision -m` writes it.
local function first_comment(src)
  local line = src:match("^%s*%-%-%s*([^\n\r]*)")
  if line and not line:match("^%[") then return line end
  return ""
end

-- The record of an evaluated file, checked; `meta` is its environment
-- (read raw: see ENV.__index). revscan.record builds the same record for
-- literal files.
local function make_record(path, src, meta)
  local id = rawget(meta, "revision")
  if id == nil then
    return nil, string.format('%s: no revision id: the file must set revision = "<id>"', path)
  elseif type(id) ~= "string" or not id:match("^[%w_]+$") or #id > 32 then
    return nil, string.format("%s: revision must be a string of up to 32 letters, digits or _, got %s",
      path, type(id) == "string" and string.format("%q", id) or type(id))
  end
  local transactional = rawget(meta, "transactional")
  if transactional ~= nil and type(transactional) ~= "boolean" then
    return nil, string.format("%s: transactional must be true, false or nil, got %s", path,
      types.describe(transactional))
  end
  local downs, e1 = as_list(rawget(meta, "down_revision"), "down_revision", path)
  if not downs then return nil, e1 end
  local deps, e2 = as_list(rawget(meta, "depends_on"), "depends_on", path)
  if not deps then return nil, e2 end
  local labels, e3 = as_list(rawget(meta, "branch_labels"), "branch_labels", path)
  if not labels then return nil, e3 end
  return {
    id = id, down_revisions = downs, depends_on = deps, branch_labels = labels,
    path = path, doc = first_comment(src), source = src,
    transactional = transactional ~= false,
  }
end

-- Compile and run a file's top level in a fresh environment.
local function evaluate(path, src)
  local env = M.environment()
  env_files[env] = { path = path, src = src }
  -- "t": revision files are always text; a bytecode file is refused.
  local chunk, err = load(src, "@" .. path, "t", env)
  if not chunk then
    if err:sub(1, #path + 1) ~= path .. ":" then err = path .. ": " .. err end  -- "attempt to load a binary chunk"
    return nil, err
  end
  -- Whatever the top level raises is told at its line (luamig.script.failure).
  local ok, failed = xpcall(chunk, failure.handler(path))
  if not ok then return nil, failed.message end
  local revision, upgrade = rawget(env, "revision"), rawget(env, "upgrade")
  for _, name in ipairs(PHASE_FUNCTIONS) do
    local f = rawget(env, name)
    if f ~= nil and type(f) ~= "function" then
      return nil, string.format("%s: %s must be a function, got %s", path, name, type(f))
    end
  end
  -- A phased revision may leave upgrade() out: run whole, it runs
  -- expand() then contract(); a phase alone would leave half undone.
  local expand, contract = rawget(env, "expand"), rawget(env, "contract")
  if revision ~= nil and (expand ~= nil) ~= (contract ~= nil) then
    return nil, string.format("%s: revision %s defines %s() without %s(): a phased revision defines both",
      path, tostring(revision), expand and "expand" or "contract", expand and "contract" or "expand")
  end
  if revision ~= nil and type(upgrade) ~= "function" and not expand then
    return nil, string.format("%s: revision %s has no upgrade() function (nor expand() and contract())", path,
      tostring(revision))
  end
  return env
end

-- The fast path: listing thousands of revisions (current, heads, history)
-- must not compile thousands of chunks, so revscan.record (C) reads the
-- literal top-level assignments that `luamig revision` writes, as Lua
-- tokens. A file whose metadata is written any other way is evaluated
-- instead; before a file's upgrade/downgrade runs, compile() evaluates it
-- and checks that both ways (or the metadata cache) agree, transaction
-- mode included.

--- Read one revision file's metadata without running upgrade/downgrade.
-- Returns a script record or nil, msg (msg starts with the file path).
function M.load_file(path)
  local src, read_err = sys.read_file(path)
  if not src then return nil, string.format("cannot read revision file %s", read_err) end
  return M.from_source(path, src)
end

local function without_bom(src)
  if src:byte(1) == 0xEF and src:sub(1, 3) == "\239\187\191" then return src:sub(4) end
  return src
end

--- The record of a revision file whose bytes were read already.
function M.from_source(path, src)
  src = without_bom(src)
  local record = revscan.record(src, path, NONE)
  if record then return record end
  local env, err = evaluate(path, src)
  if not env then return nil, err end
  local record, rerr = make_record(path, src, env)
  if not record then return nil, rerr end
  record.env = env
  return record
end

local function same_list(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

--- The checksum luamig records for an applied revision (see
-- runner/modules/checksum.c: BOM skipped, CRLF read as LF), computed once;
-- it covers the helper modules the file requires (luamig.script.helpers).
function M.checksum(record)
  local sum = record.checksum
  if not sum then
    local src = assert(M.source(record))
    sum, record.helpers = helpers.checksum(checksum.revision(src), src, record.path)
    record.checksum = sum
  end
  return sum
end

--- A record's file text. A record from the metadata cache (see
-- runner/modules/revcache.c) has none until it is asked for: the file is read
-- then, once. Returns the text | nil, msg.
function M.source(record)
  local src = record.source
  if src then return src end
  local err
  src, err = sys.read_file(record.path)
  if not src then return nil, string.format("cannot read revision file %s", err) end
  src = without_bom(src)
  record.source = src
  return src
end

--- Make a record's upgrade()/downgrade() callable: evaluate the file if
-- only its metadata was read. Returns true | nil, msg.
function M.compile(record)
  if record.env then return true end
  local src, serr = M.source(record)
  if not src then return nil, serr end
  local env, err = evaluate(record.path, src)
  if not env then return nil, err end
  local full, rerr = make_record(record.path, src, env)
  if not full then return nil, rerr end
  if full.id ~= record.id or full.transactional ~= record.transactional
      or not same_list(full.down_revisions, record.down_revisions)
      or not same_list(full.depends_on, record.depends_on)
      or not same_list(full.branch_labels, record.branch_labels) then
    return nil, string.format("%s: the metadata the file computes differs from its literal assignments", record.path)
  end
  record.env = env
  return true
end

--- The directories that hold revision files.
function M.version_dirs(cfg)
  if cfg.version_locations then return cfg.version_locations end
  return { cfg.script_location .. "/versions" }
end

-- Appends the records of one directory's files to `scripts`. Records
-- whose file is unchanged since it was last read come from the metadata
-- cache (runner/modules/revcache.c; LUAMIG_NO_CACHE set to anything but "" or "0"
-- turns it off); the rest are read, on several threads (sys.read_files),
-- scanned, and added to the cache when revscan could read them. Returns
-- the list: for the only directory (alone), when every file is in the
-- cache, the cache's own list, whose records are made as they are read
-- (runner/modules/revcache_records.c; the graph is built without them).
local function load_dir(dir, files, scripts, alone)
  local off = os.getenv("LUAMIG_NO_CACHE")
  local cache = (off == nil or off == "" or off == "0") and revcache.open(dir) or nil
  local first, missing = #scripts, {}
  local cached, misses
  if cache then cached, misses = cache:lookup(files, dir, NONE) end
  if misses == 0 and alone then
    cache:save(#files)
    return cached
  end
  for i = 1, #files do
    local record = cached and cached[i]
    if record then scripts[first + i] = record else missing[#missing + 1] = i end
  end
  if #missing > 0 then
    local names = {}
    for k, i in ipairs(missing) do names[k] = files[i] end
    local sources, read_err = sys.read_files(dir, names)
    if not sources then return nil, string.format("cannot read revision file %s", read_err) end
    for k, i in ipairs(missing) do
      local record, load_err = M.from_source(dir .. "/" .. names[k], sources[k])
      if not record then return nil, load_err end
      scripts[first + i] = record
      if cache and not record.env then cache:put(names[k], record) end
    end
  end
  if cache then cache:save(#files) end
  return scripts
end

--- Every revision file's record, in file-name order.
-- Returns nil, msg, 2 for a missing directory or a bad file.
function M.load_all(cfg)
  local scripts, dirs = {}, M.version_dirs(cfg)
  for _, dir in ipairs(dirs) do
    -- The .lua files, not a hidden one, nor one starting with _. listdir
    -- sorts the names bytewise: the records come in file-name order, which
    -- is also the cache index's order.
    local files, err = sys.listdir(dir, ".lua", "._")
    if not files then
      return nil, string.format("cannot read revisions directory %s: %s (run 'luamig init' to create a project)",
        dir, err), 2
    end
    local list, load_err = load_dir(dir, files, scripts, #dirs == 1)
    if not list then return nil, load_err, 2 end
    scripts = list
  end
  return scripts
end

return M
