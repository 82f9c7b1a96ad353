-- luamig.lint.sql: reading the statements luamig's dialects write.
--
-- The linter reads SQL text, not records, because a revision's
-- op.execute is SQL text too and must be judged the same way. The text is
-- regular: luamig writes one action per ALTER TABLE, keywords upper-case,
-- names quoted with " or `. So patterns over an upper-cased copy, with the
-- names taken from the original, are enough; nothing here is a general
-- SQL parser.

local M = {}

-- A possibly schema-qualified, possibly quoted name.
local NAME = "([%w_%$\"`%.]+)"

--- The name without its quotes ("s"."t" -> s.t).
function M.unquote(name)
  return name and (name:gsub('["`]', "")) or nil
end

-- The table part of a qualified name, which is what a revision's rules
-- are keyed on (the schema is the same throughout one run).
local function bare(name)
  name = M.unquote(name)
  return name and name:match("([^%.]+)$") or nil
end
M.bare = bare

--- The statement described: { sql, up (the text upper-cased, quotes
-- kept), verb, table, action (what follows ALTER TABLE name), column }.
-- verb: create_table, create_index, drop_index, drop_table, alter_table,
-- set, dml or other.
function M.parse(sql)
  local text = sql:gsub("^%s+", "")
  local up = text:upper()
  local st = { sql = sql, up = up, verb = "other" }
  local name
  if up:find("^CREATE%s+TABLE") then
    st.verb = "create_table"
    name = text:match("^%S+%s+%S+%s+IF%s+NOT%s+EXISTS%s+" .. NAME) or text:match("^%S+%s+%S+%s+" .. NAME)
  elseif up:find("^CREATE%s+[%w%s]*INDEX") then
    st.verb = "create_index"
    st.concurrently = up:find("^CREATE%s+[%w%s]*INDEX%s+CONCURRENTLY") ~= nil
    name = text:match("%s[Oo][Nn]%s+[%w%s]-" .. NAME .. "%s*%(") or text:match("%s[Oo][Nn]%s+" .. NAME)
    if name and name:upper() == "ONLY" then name = text:match("%s[Oo][Nn]%s+%S+%s+" .. NAME) end
  elseif up:find("^DROP%s+INDEX") then
    st.verb = "drop_index"
    st.concurrently = up:find("^DROP%s+INDEX%s+CONCURRENTLY") ~= nil
    name = text:match("%s[Oo][Nn]%s+" .. NAME)  -- MySQL names the table; PostgreSQL does not
  elseif up:find("^DROP%s+TABLE") then
    st.verb = "drop_table"
    name = text:match("^%S+%s+%S+%s+IF%s+EXISTS%s+" .. NAME) or text:match("^%S+%s+%S+%s+" .. NAME)
  elseif up:find("^ALTER%s+TABLE") then
    st.verb = "alter_table"
    local n, rest = text:match("^%S+%s+%S+%s+" .. NAME .. "%s+(.*)$")
    if n and n:upper() == "ONLY" then n, rest = rest:match("^" .. NAME .. "%s+(.*)$") end
    name, st.action = n, rest or ""
    st.action_up = st.action:upper()
    st.column = M.unquote(st.action:match("^%S+%s+[Cc][Oo][Ll][Uu][Mm][Nn]%s+" .. NAME))
  elseif up:find("^SET%s") then
    st.verb = "set"
  elseif up:find("^INSERT%s") or up:find("^UPDATE%s") or up:find("^DELETE%s") then
    st.verb = "dml"
  end
  st.table = bare(name)
  return st
end

--- The action of an ALTER TABLE statement begins with these words
-- (upper-case, separated by single spaces in the pattern).
function M.action_is(st, ...)
  if st.verb ~= "alter_table" then return false end
  for _, words in ipairs({ ... }) do
    if st.action_up:find("^" .. words:gsub(" ", "%%s+")) then return true end
  end
  return false
end

--- The referenced table of a FOREIGN KEY ... REFERENCES clause.
function M.referenced(st)
  return bare(st.sql:match("[Rr][Ee][Ff][Ee][Rr][Ee][Nn][Cc][Ee][Ss]%s+" .. NAME))
end

return M
