-- luamig.lint.common: rules for every backend. During a rolling deploy
-- the old code keeps running against the new schema, so a rename or a drop
-- breaks it whatever the database does with locks.

local sql = require("luamig.lint.sql")

local M = {}

-- SQLite's batch mode drops the old table and renames its rebuilt copy
-- (_luamig_tmp_*): that is one rewrite, luamig.lint.sqlite's finding, not a
-- drop or a rename of the revision's.
local function batch_copy(st)
  return st.up:find("_LUAMIG_TMP_", 1, true) ~= nil
end

-- Whether the statement works on a table the revision did not create.
local function existing(st, state)
  return st.table ~= nil and not state.created[st.table] and not batch_copy(st)
end

-- The old and new names of a column rename (RENAME COLUMN a TO b, or
-- MySQL's CHANGE a b ... when the names differ).
local function renamed_column(st)
  if st.verb ~= "alter_table" then return nil end
  local a, b = st.action:match("^[Rr][Ee][Nn][Aa][Mm][Ee]%s+[Cc][Oo][Ll][Uu][Mm][Nn]%s+(%S+)%s+[Tt][Oo]%s+(%S+)")
  if not a then a, b = st.action:match("^[Cc][Hh][Aa][Nn][Gg][Ee]%s+[Cc][Oo][Ll][Uu][Mm][Nn]%s+(%S+)%s+(%S+)") end
  if a and sql.unquote(a) ~= sql.unquote(b) then return sql.unquote(a), sql.unquote(b) end
  return nil
end

M.rules = {
  { id = "rename-column", severity = "error", summary = "renaming a column breaks the code still running",
    fix = "add the new column, write both, backfill, move readers, then drop the old one in a later release",
    check = function(st, state)
      local a, b = renamed_column(st)
      if a and existing(st, state) then
        return string.format("renames column %s.%s to %s: the deployed code still uses %s", st.table, a, b, a)
      end
    end },
  { id = "rename-table", severity = "error", summary = "renaming a table breaks the code still running",
    fix = "create the new table (or a view under the new name), move readers and writers, then drop the old name later",
    check = function(st, state)
      if sql.action_is(st, "RENAME TO") and existing(st, state) then
        return string.format("renames table %s: the deployed code still uses that name", st.table)
      end
      if st.up:find("^RENAME%s+TABLE") and not batch_copy(st) then
        return "renames a table: the deployed code still uses its name"
      end
    end },
  { id = "drop-column", severity = "warning", summary = "dropping a column breaks code that still reads it",
    fix = "stop using the column in a release deployed first, then drop it (suppress with the reason once it is unused)",
    check = function(st, state)
      if sql.action_is(st, "DROP COLUMN", "DROP") and not sql.action_is(st, "DROP CONSTRAINT", "DROP INDEX",
          "DROP PRIMARY", "DROP FOREIGN", "DROP CHECK", "DROP KEY", "DROP DEFAULT") and existing(st, state) then
        return string.format("drops column %s.%s: code still reading it fails", st.table,
          st.column or sql.unquote(st.action:match("^%S+%s+(%S+)")) or "?")
      end
    end },
  { id = "drop-table", severity = "warning", summary = "dropping a table breaks code that still uses it",
    fix = "stop using the table in a release deployed first, then drop it (suppress with the reason once it is unused)",
    check = function(st, state)
      if st.verb == "drop_table" and existing(st, state) then
        return string.format("drops table %s: code still using it fails", st.table)
      end
    end },
}

M.existing = existing
return M
