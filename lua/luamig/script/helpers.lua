-- luamig.script.helpers: a project's own helper modules, which revision
-- files load with `require("name")` from the `lib/` directory beside their
-- versions directory (migrations/lib/name.lua, migrations/lib/a/b.lua for
-- "a.b"), and which count in the revision's checksum.
--
-- A helper runs in an environment like a revision's (the same sandbox:
-- no io, no package), whose `op` is the op of the revision that required
-- it while that revision runs. Each revision file loads its own copy of
-- each helper, once: what one revision's helper keeps (a table it
-- filled) is never seen by another revision, as no revision sees another.
--
-- A revision's recorded checksum must change when a helper it uses
-- changes, or `verify` would miss the edit. The helpers a file uses are
-- found in its text (require("name") or require "name" with a literal
-- name; a name computed at run time cannot be known before it runs, and
-- is refused), transitively; a file that requires none keeps the checksum
-- of its text alone.

local sys = require("luamig.sys")
local checksum = require("luamig.checksum")

local M = {}

local NAME = "^[%a_][%w_]*$"

--- The helpers directory for a revision file at `path`: lib/ beside the
-- directory that holds the file.
function M.lib_dir(path)
  local versions_parent = path:match("^(.*)/[^/]+/[^/]+$")
  if versions_parent then return versions_parent .. "/lib" end
  return path:match("^[^/]+/[^/]+$") and "lib" or "../lib"
end

-- "a.b" -> "a/b.lua" | nil, msg.
local function relative_file(name)
  if type(name) ~= "string" then
    return nil, string.format("require: the module name must be a literal string, got %s", type(name))
  end
  local parts = {}
  for part in (name .. "."):gmatch("([^.]*)%.") do
    if not part:match(NAME) then
      return nil, string.format("require: %q is not a helper module name (letters, digits and _, parts joined by"
        .. " dots: \"tables\", \"util.names\")", name)
    end
    parts[#parts + 1] = part
  end
  return table.concat(parts, "/") .. ".lua"
end

--- The helper names a file's text requires, in order of appearance.
function M.required(src)
  local names, seen = {}, {}
  -- most revisions require nothing: a plain search rules that out at once,
  -- where the pattern would be tried at every position of the text
  if not src:find("require", 1, true) then return names end
  for name in src:gmatch("require%s*%(?%s*[\"']([%w_%.]+)[\"']") do
    if not seen[name] then
      seen[name] = true
      names[#names + 1] = name
    end
  end
  return names
end

--- The checksum a revision records: its text's (`own`), or, when it
-- requires helpers, one over its text's and each helper's, by name
-- (a missing helper counts as missing). Returns the checksum and the
-- list of helper names.
function M.checksum(own, src, path)
  local names = M.required(src)
  if #names == 0 then return own, names end
  local dir, sums, all, queue, seen = M.lib_dir(path), {}, {}, {}, {}
  for _, n in ipairs(names) do queue[#queue + 1] = n end
  while #queue > 0 do
    local name = table.remove(queue, 1)
    if not seen[name] then
      seen[name] = true
      all[#all + 1] = name
      local rel = relative_file(name)
      local text = rel and sys.read_file(dir .. "/" .. rel)
      sums[name] = text and checksum.revision(text) or "missing"
      for _, n in ipairs(text and M.required(text) or {}) do queue[#queue + 1] = n end
    end
  end
  table.sort(all)
  local parts = { own }
  for _, name in ipairs(all) do parts[#parts + 1] = name .. "=" .. sums[name] end
  return "sha256:" .. checksum.sha256(table.concat(parts, "\n")), all
end

local function set_of(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end

--- A `require` for the environment of the file at `path` whose text is
-- `src`. new_env(op_of): a fresh sandbox environment whose `op` is
-- op_of(); run(env, path, src): run a helper's chunk -> its value | raises.
function M.require_function(path, src, op_of, new_env, run)
  local dir, loaded, loading = M.lib_dir(path), {}, {}
  local function make_require(file_path, file_src)
    local literal = set_of(M.required(file_src))
    return function(name)
      local rel, err = relative_file(name)
      if not rel then error(err, 2) end
      if not literal[name] then
        error(string.format("require(%q): write the helper's name as a literal string in %s, as"
          .. " require(\"name\"), so that the revision's checksum covers the helper", name, file_path), 2)
      end
      if loaded[name] ~= nil then return loaded[name] end
      if loading[name] then error(string.format("require: helper %q requires itself", name), 2) end
      local file = dir .. "/" .. rel
      local text, rerr = sys.read_file(file)
      if not text then
        error(string.format("require: no helper module %q: cannot read %s (helpers live in %s/)", name, rerr, dir), 2)
      end
      loading[name] = true
      local env = new_env(op_of)
      rawset(env, "require", make_require(file, text))
      local value = run(env, file, text)
      loading[name] = nil
      if value == nil then value = true end
      loaded[name] = value
      return value
    end
  end
  return make_require(path, src)
end

return M
