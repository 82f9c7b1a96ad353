-- luamig.context.journal: the statements one step ran, and which of them are
-- committed.
--
-- Where a step cannot be rolled back whole (MySQL commits before and after
-- every DDL statement; a `transactional = false` revision runs in
-- autocommit; an op.autocommit_block commits what ran before it), a
-- failure must say exactly what stays applied: the committed statements,
-- in order. A statement is committed once the connection is seen outside
-- a transaction after it (or after a later one): the server's own word,
-- not a guess from the statement's text. A failed statement is noted too,
-- without its text, since on MySQL the implicit commit before a DDL
-- statement happens even when the statement then fails. Statements run
-- many times in a row (a backfill's UPDATE per row) are kept once, with a
-- count.

local M = {}

local Journal = {}
Journal.__index = Journal

--- A journal for a step on `conn` (anything with in_transaction()).
-- refresh: where a failed statement does not tell the transaction state
-- (MySQL's error packet carries no status flags, yet the implicit commit
-- before a DDL statement happens even when the statement then fails), a
-- function that asks the server again.
function M.new(conn, refresh)
  return setmetatable({ conn = conn, refresh = refresh, sql = {}, times = {}, committed = 0 }, Journal)
end

--- Note a statement that ran (`sql`), or one that failed (nil), and
-- whether the connection is outside a transaction after it.
function Journal:note(sql)
  local list, n = self.sql, #self.sql
  if not sql and self.refresh then self.refresh() end
  local open = self.conn:in_transaction()
  if sql then
    -- the same statement again counts with the last unless that one is
    -- committed and this one is not
    if list[n] == sql and (n > self.committed or not open) then
      self.times[n] = self.times[n] + 1
    else
      n = n + 1
      list[n], self.times[n] = sql, 1
    end
  end
  if not open then self.committed = n end
end

--- Mark everything noted so far as committed (after an explicit COMMIT).
function Journal:commit()
  self.committed = #self.sql
end

--- Did anything this step ran get committed?
function Journal:any_committed()
  return self.committed > 0
end

-- A statement as the recovery text shows it: whole, as it ran (the
-- operator undoes it by hand); the caller indents every line.
local function shown(sql)
  return (sql:gsub("^%s*\n", ""):gsub("%s+$", ""))
end

--- The committed statements (`committed` true) or the rest, one line
-- each, with their counts.
function Journal:lines(committed)
  local out = {}
  local from, to = 1, self.committed
  if not committed then from, to = self.committed + 1, #self.sql end
  for i = from, to do
    local times = self.times[i]
    out[#out + 1] = shown(self.sql[i]) .. (times > 1 and string.format("  (%d times)", times) or "")
  end
  return out
end

--- Every statement noted, in order (for specs and --sql).
function Journal:statements()
  local out = {}
  for i, sql in ipairs(self.sql) do out[i] = sql end
  return out
end

return M
