-- luamig.command.revision_file: writing a new revision file, for
-- `revision` and `merge`: its id, and the check that it fits the graph.

local script = require("luamig.script")
local template = require("luamig.script.template")
local hooks = require("luamig.command.revision_hooks")
local revision = require("luamig.revision")
local sys = require("luamig.sys")
local errors = require("luamig.errors")

local M = {}

local function new_rev_id(opts, by_id)
  local rev_id = opts.rev_id or sys.random_hex(12)
  if not rev_id:match("^[%w_]+$") or #rev_id > 32 then
    errors.fail(string.format("--rev-id %q: use up to 32 letters, digits or _", rev_id), 2)
  end
  if by_id[rev_id] then
    errors.fail(string.format("--rev-id %s: revision %s already exists in %s", rev_id, rev_id, by_id[rev_id].path), 2)
  end
  return rev_id
end

--- Writes the file of spec (down_revisions, depends_on, upgrades,
-- downgrades, autogenerate) with -m, --branch-label, --rev-id and
-- --version-path from opts, then runs post_write_hooks on it; sets
-- spec.path. A failure before the hooks raises and leaves no file; a
-- failing hook raises and keeps it.
function M.write(cfg, opts, by_id, spec)
  hooks.check(cfg)
  spec.rev_id = new_rev_id(opts, by_id)
  spec.message = opts.message
  spec.branch_labels = opts.branch_label and { opts.branch_label } or {}
  spec.directory = opts.version_path or script.version_dirs(cfg)[1]
  local path, created = template.create(cfg, spec)
  if not path then errors.fail(created, 2) end
  -- The new file must fit the graph (a label used twice, say): if not,
  -- take it back and say why.
  local scripts = {}
  for _, s in pairs(by_id) do scripts[#scripts + 1] = s end
  scripts[#scripts + 1] = created
  local _, gerr = revision.new(scripts)
  if gerr then
    os.remove(path)
    errors.fail(gerr, 2)
  end
  opts.out(string.format("Generating %s ... done", path))
  spec.path = path
  hooks.run(cfg, opts, path, { rev_id = spec.rev_id, message = spec.message, path = path,
    autogenerate = spec.autogenerate == true })
end

return M
