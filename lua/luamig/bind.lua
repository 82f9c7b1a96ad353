-- luamig.bind: the connection as a revision sees it (op.get_bind()).
--
-- The C binding returns nil, msg on a database failure, which is right for
-- luamig's own code but wrong for a data migration: an UPDATE that failed
-- unnoticed would let the revision commit. So here every failure raises, at
-- the level of the revision line that made the call, and the revision's
-- transaction rolls back.

local setmetatable, error = setmetatable, error

local M = {}

local Bind = {}
Bind.__index = Bind
Bind.__name = "luamig.Bind"

function Bind:execute(sql, ...)
  local n, err = self.conn:execute(sql, ...)
  if n == nil then error(err, 2) end
  return n
end

function Bind:query(sql, ...)
  local rows, columns = self.conn:query(sql, ...)
  if rows == nil then error(columns, 2) end
  return rows, columns
end

function Bind:first(sql, ...)
  local row, err = self.conn:first(sql, ...)
  if row == nil and err ~= nil then error(err, 2) end
  return row
end

-- rows() raises by itself: a generic for cannot take nil, err.
function Bind:rows(sql, ...) return self.conn:rows(sql, ...) end
function Bind:last_insert_id() return self.conn:last_insert_id() end
function Bind:quote_ident(name) return self.conn:quote_ident(name) end
function Bind:driver() return self.conn:driver() end
function Bind:server_version() return self.conn:server_version() end

local Statement = {}
Statement.__index = Statement
Statement.__name = "luamig.BindStatement"

function Statement:execute(...)
  local n, err = self.stmt:execute(...)
  if n == nil then error(err, 2) end
  return n
end

function Statement:query(...)
  local rows, columns = self.stmt:query(...)
  if rows == nil then error(columns, 2) end
  return rows, columns
end

function Statement:rows(...) return self.stmt:rows(...) end
function Statement:close() return self.stmt:close() end
Statement.__close = Statement.close

function Bind:prepare(sql)
  local stmt, err = self.conn:prepare(sql)
  if stmt == nil then error(err, 2) end
  return setmetatable({ stmt = stmt }, Statement)
end

function M.new(conn)
  return setmetatable({ conn = conn }, Bind)
end

return M
