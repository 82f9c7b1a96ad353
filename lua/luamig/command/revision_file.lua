-- luamig.command.revision_file: writing a new revision file, for
-- `revision` and `merge`: its id, and the check that it fits the graph.

local script = require "luamig.script"
local template = require "luamig.script.template"
local revision = require "luamig.revision"
local sys = require "luamig.sys"

local pairs = pairs
local str_format = string.format

local M = {}

local function new_rev_id(opts, by_id)
  local rev_id = opts.rev_id or sys.random_hex(12)
  if not rev_id:match("^[%w_]+$") or #rev_id > 32 then
    return nil, str_format("--rev-id %q: use up to 32 letters, digits or _", rev_id)
  end
  if by_id[rev_id] then
    return nil, str_format("--rev-id %s: revision %s already exists in %s", rev_id, rev_id, by_id[rev_id].path)
  end
  return rev_id
end

--- Writes the file of spec (down_revisions, depends_on, upgrades,
-- downgrades) with -m, --branch-label, --rev-id and --version-path from
-- opts; sets spec.path.
function M.write(cfg, opts, by_id, spec)
  local rev_id, err = new_rev_id(opts, by_id)
  if not rev_id then return nil, err, 2 end
  spec.rev_id = rev_id
  spec.message = opts.message
  spec.branch_labels = opts.branch_label and { opts.branch_label } or {}
  spec.directory = opts.version_path or script.version_dirs(cfg)[1]
  local path, created = template.create(cfg, spec)
  if not path then return nil, created, 2 end
  -- The new file must fit the graph (a label used twice, say): if not,
  -- take it back and say why.
  local scripts = {}
  for _, s in pairs(by_id) do scripts[#scripts + 1] = s end
  scripts[#scripts + 1] = created
  local _, gerr = revision.new(scripts)
  if gerr then
    os.remove(path)
    return nil, gerr, 2
  end
  opts.out(str_format("Generating %s ... done", path))
  spec.path = path
  return true
end

return M
