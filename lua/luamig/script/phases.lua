-- luamig.script.phases: which of a revision file's functions a step calls
-- (expand/contract), and the phase its history row records.
--
-- A revision is whole (upgrade(), downgrade()) or phased: expand() makes
-- the change the old and the new application both work with (add a
-- column, backfill, a trigger keeping both in sync), contract() removes
-- what only the old one needed (the trigger, the old column). The phases
-- run apart: `upgrade --phase expand` before the new application is
-- deployed, `--phase contract` after. Undoing: downgrade_expand() undoes
-- expand() alone (a revision only expanded); a revision run to its end is
-- undone by downgrade() or, without it, by downgrade_contract() then
-- downgrade_expand(). docs/expand_contract.md has the whole scheme.

local script = require("luamig.script")

local M = {}

--- Does the revision file define its phases (expand/contract)?
function M.phased(record)
  return script.func(record, "expand") ~= nil
end

--- The names of the functions `step` calls, in order, and the phase its
-- history row records (nil: the whole revision); or nil, msg.
-- step.phase: "expand" or "contract" for an upgrade step of that phase
-- (nil: whole); step.expanded: a downgrade step of a revision whose
-- contract has not run.
function M.calls(record, step)
  local phased = M.phased(record)
  if step.direction == "up" then
    if step.phase == "contract" then return { "contract" }, "contract" end
    if step.phase == "expand" and phased then return { "expand" }, "expand" end
    -- upgrade() beside the phases is the revision's one-step form
    if script.func(record, "upgrade") then return { "upgrade" }, nil end
    return { "expand", "contract" }, nil
  end
  if step.expanded then
    if script.func(record, "downgrade_expand") then return { "downgrade_expand" }, "expand" end
    return nil, string.format("%s: revision %s is only expanded (its contract has not run) and has no"
      .. " downgrade_expand() function to undo its expand", record.path, record.id)
  end
  if script.func(record, "downgrade") then return { "downgrade" }, nil end
  if script.func(record, "downgrade_contract") and script.func(record, "downgrade_expand") then
    return { "downgrade_contract", "downgrade_expand" }, nil
  end
  return nil, string.format("%s: revision %s has no downgrade() function%s", record.path, record.id,
    phased and " (nor downgrade_contract() and downgrade_expand())" or "")
end

return M
