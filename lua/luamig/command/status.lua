-- luamig.command.status: `luamig status`, every revision with its state on
-- the database in one table (applied, pending, or applied with no file),
-- the date it was applied (from the history table) and a summary line, as
-- `dbmate status` and `flyway info` show them. --exit-code: exit 1 unless
-- the database is at the heads, as dbmate's.

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local config = require("luamig.config")
local present = require("luamig.present.revisions")
local plan = require("luamig.plan")
local script = require("luamig.script")
local errors = require("luamig.errors")

-- revision id -> the history row that last applied it: an upgrade that
-- ended ok, or a stamp to it (rows come newest first). A revision applied
-- by a stamp of one of its descendants, or before luamig kept a history,
-- has none.
local function applied_rows(rows)
  local null = require("luamig.driver").null
  local out = {}
  for _, r in ipairs(rows) do
    if not out[r.revision] and r.outcome == "ok" and (r.direction == "up" or r.direction == "stamp") then
      local at = r.finished_at
      if at == nil or at == null then at = r.started_at end
      local by = r.applied_by
      if by == null then by = nil end
      out[r.revision] = { at = at, by = by, how = r.direction == "stamp" and "stamp" or "upgrade" }
    end
  end
  return out
end

-- The entries, oldest first (the graph's order, parents first), then the
-- version rows that no file has; and the counts by state.
local function entries(graph, by_id, heads, rows, recorded, expanded)
  local known, missing = {}, {}
  for _, id in ipairs(heads) do
    if graph:get(id) then known[#known + 1] = id else missing[#missing + 1] = id end
  end
  local applied = {}
  for _, id in ipairs(errors.check(graph:applied(known))) do applied[id] = true end
  local scripts = {}
  for _, node in ipairs(graph:nodes()) do scripts[#scripts + 1] = by_id[node.id] end
  local edited = {}
  for _, e in ipairs(require("luamig.revision.drift").drift(scripts, known, recorded, script.checksum).edited) do
    edited[e.id] = true
  end
  local when = applied_rows(rows)
  local list, counts = {}, { applied = 0, pending = 0, missing = 0, edited = 0, expanded = 0 }
  local current, is_head = {}, {}
  for _, id in ipairs(heads) do current[id] = true end
  for _, id in ipairs(graph:heads()) do is_head[id] = true end
  for _, node in ipairs(graph:nodes()) do
    local id = node.id
    local state = applied[id] and "applied" or "pending"
    local w = applied[id] and when[id]
    list[#list + 1] = { revision = id, message = node.doc or "", state = state, path = node.path,
      applied_at = w and w.at, applied_by = w and w.by, applied_how = w and w.how, edited = edited[id] == true,
      current = current[id] == true, head = is_head[id] == true, expanded = expanded[id] == true }
    counts[state] = counts[state] + 1
    if expanded[id] then counts.expanded = counts.expanded + 1 end
    if edited[id] then counts.edited = counts.edited + 1 end
  end
  for _, id in ipairs(missing) do
    local w = when[id]
    list[#list + 1] = { revision = id, message = "", state = "applied_no_file", applied_at = w and w.at,
      applied_by = w and w.by, applied_how = w and w.how, edited = false, current = true, head = false }
    counts.missing = counts.missing + 1
  end
  return list, counts
end

local STATE_TEXT = { applied = "applied", pending = "pending", applied_no_file = "applied, no file" }

local function summary(counts)
  local parts = { string.format("%d applied", counts.applied), string.format("%d pending", counts.pending) }
  if counts.missing > 0 then parts[#parts + 1] = string.format("%d applied with no file", counts.missing) end
  if counts.expanded > 0 then
    parts[#parts + 1] = string.format("%d expanded, contract pending", counts.expanded)
  end
  if counts.edited > 0 then parts[#parts + 1] = string.format("%d edited since applied", counts.edited) end
  return string.format("%s: %s", common.plural(counts.applied + counts.pending + counts.missing, "revision"),
    table.concat(parts, ", "))
end

local function text_lines(list, counts)
  local lines = { string.format("%-12s  %-16s  %-24s  %s", "REVISION", "STATE", "APPLIED", "MESSAGE") }
  for _, e in ipairs(list) do
    local state = (e.expanded and "expanded" or STATE_TEXT[e.state]) .. (e.edited and ", edited" or "")
    local marks = (e.head and " (head)" or "") .. (e.current and " (current)" or "")
    local message = e.state == "applied_no_file" and "(no revision file has this id)" or present.first_line(e.message)
    lines[#lines + 1] = string.format("%-12s  %-16s  %-24s  %s%s", e.revision, state,
      e.applied_at or (e.state == "pending" and "-" or "?"), message, marks)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = summary(counts)
  return lines
end

local function run(cfg, opts)
  local graph, by_id = errors.check(plan.load(cfg))
  local heads, rows, recorded, expanded = common.with_context(cfg, opts, function(ctx)
    local heads = errors.check(ctx:current_heads())
    return heads, errors.check(ctx:history_rows()), errors.check(ctx:recorded_checksums()),
      common.expanded(ctx, graph, heads)
  end)
  local list, counts = entries(graph, by_id, heads, rows, recorded, expanded)
  opts.outcome = { "ok", summary(counts) }
  if opts.json then
    local json = require("luamig.present.json")
    local out = {}
    for i, e in ipairs(list) do
      out[i] = { revision = e.revision, message = e.message, state = e.state, path = e.path or json.null,
        applied_at = e.applied_at or json.null, applied_by = e.applied_by or json.null,
        applied_how = e.applied_how or json.null, edited = e.edited, expanded = e.expanded,
        is_head = e.head, is_current = e.current }
    end
    opts.out(json.encode({ url = config.mask_url(cfg.url), revisions = out, applied = counts.applied,
      pending = counts.pending, applied_no_file = counts.missing, edited = counts.edited,
      expanded = counts.expanded }))
  else
    for _, line in ipairs(text_lines(list, counts)) do opts.out(line) end
  end
  if opts.exit_code and (counts.pending > 0 or counts.missing > 0) then
    errors.fail(string.format("status: the database is not at the heads (%s)", summary(counts)), 1)
  end
  return true
end

return {
  usage = "status [--json] [--exit-code]", max = 0,
  flags = {
    flags.JSON,
    { "--exit-code", key = "exit_code", help = "exit 1 when a revision is pending or applied with no file" },
  },
  run = run,
}
