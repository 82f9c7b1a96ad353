-- luamig.context.history_reads: what the commands read of the history
-- table (luamig.context.versions), as methods of its Versions: the steps
-- left unfinished, the applied checksums, every row, and the revisions
-- only expanded.

local M = {}

-- The rows of query(), or {} while there is no history table (nothing has
-- run yet); nil, err on a database error.
local function history_rows_of(self, query)
  local exists, err = self:table_exists(self.history_table)
  if exists == nil then return nil, err end
  if not exists then return {} end
  return query()
end

--- The steps that did not finish and were not settled since: history
-- rows "running" or "failed" newer than the last stamp (a stamp sets the
-- version table by hand, which settles what came before) and not marked
-- repaired; oldest first. Every such row counts, never only the newest:
-- rows written after it (verify --accept, say) do not settle it. {} when
-- there is no history table; nil, err on a database error.
local function unfinished(self)
  return history_rows_of(self, function()
    return self.conn:query("SELECT id, revision, direction, outcome, started_at, applied_by, message FROM "
      .. self.q_history .. " WHERE outcome IN ('running', 'failed') AND id > (SELECT COALESCE(MAX(id), 0) FROM "
      .. self.q_history .. " WHERE direction = 'stamp') ORDER BY id")
  end)
end

--- revision id -> the checksum its file had when it was last applied or
-- accepted (verify --accept); {} when there is no history table yet.
local function checksums(self)
  local rows, err = history_rows_of(self, function()
    return self.conn:query("SELECT revision, checksum FROM " .. self.q_history
      .. " WHERE checksum IS NOT NULL AND outcome = 'ok' AND direction IN ('up', 'accept') ORDER BY id")
  end)
  if not rows then return nil, err end
  local sums = {}
  for _, row in ipairs(rows) do sums[row.revision] = row.checksum end
  return sums
end

--- Every history row, newest first ({} when there is no history table).
local function history_rows(self)
  return history_rows_of(self, function()
    return self.conn:query("SELECT id, revision, direction, outcome, checksum, started_at, finished_at,"
      .. " duration_ms, applied_by, luamig_version, message" .. (self.has_phase and ", phase" or "")
      .. " FROM " .. self.q_history .. " ORDER BY id DESC")
  end)
end

--- The revisions whose expand ran and whose contract has not: those whose
-- last step that ended ok, since the last stamp (which settles all before
-- it), was an upgrade of phase expand. A set of ids; {} for a history
-- table without a phase column (nothing was ever expanded). The caller
-- keeps only the revisions the version table has applied.
local function expanded(self)
  if not self.has_phase then return {} end
  local rows, err = history_rows_of(self, function()
    -- Only the steps of revisions that ever ran a phase: the others cannot
    -- be expanded, and `current` on a long history must not read it all.
    -- The EXISTS is a constant the database tests once, before any scan:
    -- without a phased step, as in most projects, nothing more is read.
    return self.conn:query("SELECT revision, direction, phase FROM " .. self.q_history
      .. " WHERE EXISTS (SELECT 1 FROM " .. self.q_history .. " WHERE phase IN ('expand', 'contract'))"
      .. " AND outcome = 'ok' AND direction IN ('up', 'down') AND id > (SELECT COALESCE(MAX(id), 0) FROM "
      .. self.q_history .. " WHERE direction = 'stamp') AND revision IN (SELECT revision FROM "
      .. self.q_history .. " WHERE phase IN ('expand', 'contract')) ORDER BY id")
  end)
  if not rows then return nil, err end
  local set = {}
  for _, row in ipairs(rows) do
    local phase = row.phase
    if row.direction == "up" then
      if phase == "expand" then set[row.revision] = true
      elseif phase == "contract" or type(phase) ~= "string" then set[row.revision] = nil end
    elseif phase == "contract" then set[row.revision] = true  -- only its contract undone
    else set[row.revision] = nil end
  end
  return set
end

--- Add the methods above to `Versions` (luamig.context.versions' class).
function M.install(Versions)
  Versions.unfinished, Versions.checksums = unfinished, checksums
  Versions.history_rows, Versions.expanded = history_rows, expanded
end

return M
