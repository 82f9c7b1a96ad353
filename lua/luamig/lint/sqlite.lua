-- luamig.lint.sqlite: SQLite's rule. SQLite changes little in place; what
-- it cannot, luamig's batch mode does by copying the table into a new one
-- (_luamig_tmp_<table>), during which the whole database is write-locked
-- and the time grows with the table.

local M = {}

M.rules = {
  { id = "sqlite-batch-rebuild", severity = "warning", summary = "a batch operation copies the whole table",
    fix = "expect the copy to hold the database's write lock for its length; on a big table, run it in a quiet moment",
    check = function(st)
      local t = st.verb == "create_table" and st.table and st.table:match("^_luamig_tmp_(.+)$")
      if t then return string.format("rebuilds table %s by copying every row (batch mode)", t) end
    end },
}

--- For plan: every write takes the database's one write lock.
function M.locks(st)
  if st.verb == "other" or st.verb == "set" then return {} end
  return { { table = st.table, lock = "database write lock" } }
end

return M
