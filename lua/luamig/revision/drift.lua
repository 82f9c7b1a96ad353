-- luamig.revision.drift: do the applied revisions still match their files?
--
-- "Applied" means: the revisions in the version table and everything they
-- descend from (down_revision and depends_on), followed through the files
-- of the directory. For each of them:
--   edited   the file's checksum differs from the one recorded when it was
--            applied (or last accepted with `verify --accept`);
--   missing  no file has the revision, though an applied file names it as
--            a parent: the file was deleted or renamed away;
--   unknown  the version table names a revision that no file has nor
--            names: the database was migrated from other files (another
--            branch, another checkout).
-- Revisions applied before luamig recorded checksums (or stamped) have no
-- checksum to compare and are counted as unrecorded, not as drift.
--
-- This works from the files alone, without building the revision graph,
-- so that it still reports when a missing file breaks the graph.

-- Local copies of globals: the graph's loops visit every revision, and
-- bench/revision_graph.lua runs ~15% faster with them (10,000 revisions).
local ipairs, pairs = ipairs, pairs
local table_sort = table.sort

local M = {}

local function by_id(a, b) return a.id < b.id end

--- drift(scripts, heads, recorded, checksum_of) -> report
-- scripts: the revision file records; heads: the version table's rows;
-- recorded: id -> checksum (versions:checksums()); checksum_of(record).
-- report: {edited = {{id, path, recorded, actual}}, missing = {{id,
-- named_by}}, unknown = {{id}}, checked = n, unrecorded = {ids}, ok = bool}
function M.drift(scripts, heads, recorded, checksum_of)
  local files, named_by, labels = {}, {}, {}
  for _, s in ipairs(scripts) do
    files[s.id] = s
    for _, l in ipairs(s.branch_labels) do labels[l] = s.id end  -- depends_on may name a label
  end
  local report = { edited = {}, missing = {}, unknown = {}, unrecorded = {}, checked = 0 }
  local seen, queue = {}, {}
  for _, id in ipairs(heads) do
    if not seen[id] then seen[id] = true; queue[#queue + 1] = id end
  end
  local i = 1
  while i <= #queue do
    local id = queue[i]; i = i + 1
    local file = files[id]
    if file then
      local want = recorded[id]
      if want == nil then
        report.unrecorded[#report.unrecorded + 1] = id
      else
        report.checked = report.checked + 1
        local actual = checksum_of(file)
        if actual ~= want then
          -- helpers: the helper modules the checksum covers (luamig.script.helpers),
          -- only for a revision that requires some
          local helpers = file.helpers and #file.helpers > 0 and file.helpers or nil
          report.edited[#report.edited + 1] = { id = id, path = file.path, recorded = want, actual = actual,
            helpers = helpers }
        end
      end
      for _, list in ipairs { file.down_revisions, file.depends_on } do
        for _, name in ipairs(list) do
          local parent = (not files[name] and labels[name]) or name
          if not seen[parent] then
            seen[parent] = true
            named_by[parent] = file.path
            queue[#queue + 1] = parent
          end
        end
      end
    elseif named_by[id] then
      report.missing[#report.missing + 1] = { id = id, named_by = named_by[id] }
    else
      report.unknown[#report.unknown + 1] = { id = id }
    end
  end
  for _, list in pairs { report.edited, report.missing, report.unknown } do table_sort(list, by_id) end
  table_sort(report.unrecorded)
  report.ok = #report.edited == 0 and #report.missing == 0 and #report.unknown == 0
  return report
end

return M
