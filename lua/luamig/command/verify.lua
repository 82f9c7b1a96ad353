-- luamig.command.verify: `luamig verify`, the applied revisions checked
-- against their files (edited, missing, unknown); --accept records a
-- file's current checksum as applied.

local flags = require("luamig.command.flags")
local common = require("luamig.command.common")
local script = require("luamig.script")
local errors = require("luamig.errors")

-- The record named by an exact id or a unique prefix of 4+ characters.
local function find_script(scripts, wanted)
  local found
  for _, s in ipairs(scripts) do
    if s.id == wanted then return s end
    if #wanted >= 4 and s.id:sub(1, #wanted) == wanted then
      if found then
        return nil, string.format("--accept %s: the prefix is ambiguous (%s, %s, ...)", wanted, found.id, s.id), 2
      end
      found = s
    end
  end
  if not found then return nil, string.format("--accept %s: no revision file has this id", wanted), 2 end
  return found
end

local function short(sum)
  return sum and sum:gsub("^(sha256:%x%x%x%x%x%x%x%x%x%x%x%x).*$", "%1...") or "?"
end

local function verify_lines(report)
  local lines = {}
  for _, e in ipairs(report.edited) do
    local with = e.helpers and #e.helpers > 0 and (" with the helpers it requires (" .. table.concat(e.helpers, ", ")
      .. ")") or ""
    lines[#lines + 1] = string.format("edited   %s  %s: applied as %s, the file%s is now %s", e.id, e.path,
      short(e.recorded), with, short(e.actual))
  end
  for _, m in ipairs(report.missing) do
    lines[#lines + 1] = string.format("missing  %s  applied, but no file has it (%s names it as a parent)", m.id,
      m.named_by)
  end
  for _, u in ipairs(report.unknown) do
    lines[#lines + 1] = string.format("unknown  %s  in the version table, but no revision file has or names it", u.id)
  end
  -- not drift: a revision half-way through its phases, as planned
  for _, id in ipairs(report.expanded or {}) do
    lines[#lines + 1] = string.format("expanded %s  its expand ran, its contract has not (luamig upgrade --phase"
      .. " contract runs it)", id)
  end
  local unrecorded = #report.unrecorded > 0
    and string.format(" (%d applied without a recorded checksum: stamped, or before luamig kept them)",
      #report.unrecorded)
    or ""
  if report.ok then
    lines[#lines + 1] = string.format("OK: %d applied revision%s their files%s", report.checked,
      report.checked == 1 and " matches" or "s match", unrecorded)
  else
    lines[#lines + 1] = string.format("%d edited, %d missing, %d unknown; %d applied revision%s checked%s",
      #report.edited, #report.missing, #report.unknown, report.checked, report.checked == 1 and "" or "s", unrecorded)
  end
  return lines
end

local function run(cfg, opts)
  local scripts = errors.check(script.load_all(cfg))
  -- verify reads the files without the graph (so that a missing parent is
  -- reported, not fatal), but two files with one id would make it check,
  -- and --accept record, the wrong file.
  local seen = {}
  for _, s in ipairs(scripts) do
    if seen[s.id] then
      errors.fail(string.format('duplicate revision id "%s": %s and %s', s.id, seen[s.id].path, s.path), 2)
    end
    seen[s.id] = s
  end
  local accepts = opts.accept or {}
  local accepted = {}
  for _, wanted in ipairs(accepts) do
    accepted[#accepted + 1] = errors.check(find_script(scripts, wanted))
  end
  local report = common.with_context(cfg, opts, function(ctx)
    if #accepted > 0 then
      errors.check(ctx:accept(accepted))
      for _, s in ipairs(accepted) do
        opts.log(string.format("Accepted the current file of %s (%s) as applied", s.id, short(script.checksum(s))))
      end
    end
    local heads = errors.check(ctx:current_heads())
    local recorded = errors.check(ctx:recorded_checksums())
    local drift = require("luamig.revision.drift").drift(scripts, heads, recorded, script.checksum)
    -- verify has no graph (see above): the history's expanded revisions
    -- that a file has (a downgrade or a stamp since would have settled them)
    local expanded = {}
    for id in pairs(errors.check(ctx:expanded())) do
      if seen[id] then expanded[#expanded + 1] = id end
    end
    table.sort(expanded)
    if #expanded > 0 then drift.expanded = expanded end
    return drift
  end, #accepted > 0)
  local lines = verify_lines(report)
  if opts.json then
    opts.out(require("luamig.present.json").encode(report))
  else
    for _, line in ipairs(lines) do opts.out(line) end
  end
  opts.outcome = { "ok", lines[#lines] }
  if not report.ok then
    -- A fleet shows only this line of each target: it says what differs.
    if opts.fleet_child then errors.fail("the applied revisions differ from their files: " .. lines[#lines], 1) end
    errors.fail("the applied revisions differ from their files (see above)", 1)
  end
  return true
end

return {
  usage = "verify [--json] [--accept REV]...", max = 0,
  flags = flags.with_fleet({
    flags.JSON,
    { "--accept", key = "accept", value = "REV", multi = true, help = "record REV's current file as applied (repeatable)" },
    flags.LOCK_TIMEOUT,
  }),
  run = run,
}
