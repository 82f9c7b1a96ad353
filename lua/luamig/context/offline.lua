-- luamig.context.offline: the connection of an --sql run, which writes instead of
-- executing.
--
-- `upgrade --sql` hands a DBA the script that luamig would run. The context
-- and the version-table code stay the same in both modes: here they get a
-- writer shaped like a driver connection (execute, prepare, begin, commit),
-- that prints each statement with `;`. Values cannot be bound in a script,
-- so `?` placeholders are replaced by the dialect's literals; BEGIN/COMMIT
-- are written only where the dialect has transactional DDL. Nothing here
-- can read a database: a query fails with a message saying so.

local M = {}

local has_semicolon

local Writer = {}
Writer.__index = Writer

--- out: function(text) receiving each statement; dialect: a ddl dialect.
function M.new(dialect, out)
  return setmetatable({ dialect = dialect, out = out, depth = 0 }, Writer)
end

-- Calls visit(i, c) for each character of `sql` outside quoted strings and
-- identifiers (and comments, when skip_comments), until visit returns true;
-- returns whether it did.
local function scan(sql, skip_comments, visit)
  local i, quote = 1, nil
  while i <= #sql do
    local c = sql:sub(i, i)
    if quote then
      if c == quote then quote = nil end
    elseif c == "'" or c == '"' or c == "`" then
      quote = c
    elseif skip_comments and (c == "-" and sql:sub(i + 1, i + 1) == "-" or c == "#") then
      i = (sql:find("\n", i, true) or #sql) - 1
    elseif skip_comments and c == "/" and sql:sub(i + 1, i + 1) == "*" then
      i = (select(2, sql:find("*/", i + 2, true)) or #sql) - 1
    elseif visit(i, c) then
      return true
    end
    i = i + 1
  end
  return false
end

-- Whether `sql` has a `;` outside quoted strings, identifiers and comments.
has_semicolon = function(sql)
  return scan(sql, true, function(_, c) return c == ";" end)
end

-- Replace each `?` outside quoted strings and identifiers by a literal (as
-- the drivers bind them: a `?` in a comment counts too).
function M.interpolate(dialect, sql, ...)
  local n = select("#", ...)
  if n == 0 then return sql end
  local values, parts, start, used = { ... }, {}, 1, 0
  scan(sql, false, function(i, c)
    if c ~= "?" then return end
    used = used + 1
    if used > n then error(string.format("statement has more than %d parameters", n), 5) end
    parts[#parts + 1] = sql:sub(start, i - 1)
    parts[#parts + 1] = dialect:literal(values[used])
    start = i + 1
  end)
  if used ~= n then
    error(string.format("statement has %d parameters, %d values given", used, n), 3)
  end
  parts[#parts + 1] = sql:sub(start)
  return table.concat(parts)
end

function Writer:write(sql)
  sql = sql:gsub("%s*;?%s*$", "")
  if self.dialect.script_delimiter and has_semicolon(sql) then
    -- a compound statement (a MySQL trigger, procedure or function body)
    -- reaches the mysql client whole only under another delimiter
    self.out("DELIMITER //")
    self.out(sql .. "//")
    self.out("DELIMITER ;")
    return
  end
  self.out(sql .. ";")
end

function Writer:execute(sql, ...)
  self:write(M.interpolate(self.dialect, sql, ...))
  return 1 -- what the version-row update expects: one row changed
end

local Statement = {}
Statement.__index = Statement

function Statement:execute(...) return self.writer:execute(self.sql, ...) end
function Statement:close() return true end

function Writer:prepare(sql)
  return setmetatable({ writer = self, sql = sql }, Statement)
end

local function no_database()
  return nil, "no database in --sql mode: nothing can be read"
end
Writer.query, Writer.first = no_database, no_database

function Writer:rows()
  error("no database in --sql mode: nothing can be read", 2)
end

function Writer:begin()
  if self.dialect.transactional_ddl then self.out("BEGIN;") end
  return true
end

function Writer:commit()
  if self.dialect.transactional_ddl then self.out("COMMIT;") end
  return true
end

function Writer:rollback() return true end
function Writer:in_transaction() return false end
function Writer:notices() return {} end
function Writer:quote_ident(name) return self.dialect:quote(name) end
function Writer:close() return true end
function Writer:last_insert_id() return 0 end

return M
