-- luamig.context.bind: the connection as a revision sees it (op.get_bind()).
--
-- The C binding returns nil, msg on a database failure, which is right for
-- luamig's own code but wrong for a data migration: an UPDATE that failed
-- unnoticed would let the revision commit. So here every failure raises, at
-- the level of the revision line that made the call, and the revision's
-- transaction rolls back.

local dberror = require("luamig.present.dberror")

local M = {}

local Bind = {}
Bind.__index = Bind
Bind.__name = "luamig.Bind"

-- Statements with parameters are prepared once and kept, at most
-- CACHED_STATEMENTS per bind: a backfill runs the same UPDATE for every row
-- it reads, and preparing it each time costs MySQL two more round trips.
local CACHED_STATEMENTS = 32

local function cached_statement(self, sql)
  local cache = self.statements
  local stmt = cache[sql]
  if stmt then return stmt end
  if self.cached == CACHED_STATEMENTS then
    for _, old in pairs(cache) do old:close() end
    cache = {}
    self.statements, self.cached = cache, 0
  end
  local err, info
  stmt, err, info = self.conn:prepare(sql)
  if not stmt then return nil, err, info end
  cache[sql] = stmt
  self.cached = self.cached + 1
  return stmt
end

-- A bind made with decimals = "number" reads DECIMAL/NUMERIC as Lua
-- numbers. The mode belongs to the statements (conn:decimals, in
-- runner/binding/binding_connection.c): the connection's is switched for
-- the call that prepares them and put back after, even when the call
-- raises, so that luamig's own statements and other binds keep reading
-- digits.
local function reading(self, fn, ...)
  if not self.decimal_numbers then return fn(self.conn, ...) end
  local conn = self.conn
  local before = conn:decimals("number")
  local results = table.pack(pcall(fn, conn, ...))
  conn:decimals(before)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- The step's journal (luamig.context.journal) hears of every statement that may
-- change something, so that a failure after a commit can list what stays
-- applied; reads only tell it whether a transaction is still open.
local function note(self, sql, ran)
  local log = self.journal
  if log then log:note(ran and sql or nil) end
end

-- The failure of a queued statement (db:queue), found by whatever call
-- came next, carries the database's SQLSTATE and detail (the key that was
-- duplicated...): the message already names the statement.
local function failure(err, info)
  if type(info) == "table" and info.queued then return dberror.describe(err, info) end
  return err
end

function Bind:execute(sql, ...)
  local n, err, info
  if select("#", ...) > 0 and type(sql) == "string" then
    local stmt
    stmt, err, info = cached_statement(self, sql)
    if stmt then n, err, info = stmt:execute(...) end
  else
    n, err, info = self.conn:execute(sql, ...)
  end
  note(self, sql, n ~= nil)
  if n == nil then error(failure(err, info), 2) end
  return n
end

--- queue(sql, ...): run a statement with parameters (an UPDATE of a
-- backfill) without waiting for its answer where the driver can pipeline
-- (PostgreSQL inside a transaction); elsewhere it runs at once. Nothing
-- returns: db:flush() gives the rows changed. The queue is sent and its
-- answers read at db:flush(), every 1000 statements, and before any other
-- call on the connection (luamig's own included: an op, a read, the
-- commit), so that nothing overtakes a queued statement; a failure raises
-- wherever it is found, naming the line that queued the statement, its SQL
-- and values (runner/binding/binding_pipeline.c).
function Bind:queue(sql, ...)
  if select("#", ...) == 0 then
    error("db:queue: queue a statement with parameters (? placeholders and their values);"
      .. " run SQL without values with db:execute", 2)
  end
  local stmt, err, info = cached_statement(self, sql)
  if not stmt then error(failure(err, info), 2) end
  -- level 2: the line that called db:queue is the one a failure names
  local ok, qerr, qinfo = stmt:queue(2, ...)
  note(self, sql, ok ~= nil)
  if not ok then error(failure(qerr, qinfo), 2) end
end

--- flush() -> the rows changed by the statements queued since the last
-- flush (added up); raises the failure of one of them.
function Bind:flush()
  local n, err, info = self.conn:sync()
  if n == nil then error(failure(err, info), 2) end
  return n
end

function Bind:query(sql, ...)
  local rows, columns, info = reading(self, self.conn.query, sql, ...)
  note(self, sql, false)
  if rows == nil then error(failure(columns, info), 2) end
  return rows, columns
end

function Bind:first(sql, ...)
  local row, err, info = reading(self, self.conn.first, sql, ...)
  note(self, sql, false)
  if row == nil and err ~= nil then error(failure(err, info), 2) end
  return row
end

-- Rows a PostgreSQL cursor hands over at a time: small enough to keep a
-- scan of millions of rows in a few megabytes, large enough that the
-- round trips do not show.
local FETCH_ROWS = 2000

-- PostgreSQL sends a whole result at once, so a big SELECT would sit in
-- memory entire; inside a transaction (a revision's) the scan goes through
-- a cursor instead, fetched FETCH_ROWS at a time, and other statements may
-- run on the connection between two rows (a backfill UPDATE per row).
local function cursor_rows(self, sql, ...)
  local conn = self.conn
  self.cursors = (self.cursors or 0) + 1
  local name = "luamig_rows_" .. self.cursors
  local ok, err, info = conn:execute(string.format("DECLARE %s NO SCROLL CURSOR FOR %s", name, sql), ...)
  if not ok then error(failure(err, info), 3) end
  local batch, i, done = {}, 1, false
  local fetch = string.format("FETCH FORWARD %d FROM %s", FETCH_ROWS, name)
  return function()
    if i > #batch then
      if done then return nil end
      local rows, ferr, finfo = reading(self, conn.query, fetch)
      if not rows then error(failure(ferr, finfo), 2) end
      batch, i = rows, 1
      if #rows < FETCH_ROWS then
        done = true
        conn:execute("CLOSE " .. name)
      end
      if #rows == 0 then return nil end
    end
    local row = batch[i]
    batch[i] = nil
    i = i + 1
    return row
  end
end

-- rows() raises by itself: a generic for cannot take nil, err. SQLite
-- steps through the rows as they are read; MySQL reads through a
-- server-side cursor (the driver's `stream`, runner/drivers/driver_mysql_stmt.c).
--
-- Every rows() returns a function that takes no arguments and gives the
-- next row or nil, so that it can also be handed to op.bulk_insert as a
-- stream: op.bulk_insert("t", db:rows("SELECT ...")). Its fourth result
-- closes the scan when the loop ends early (a generic for's closing value).
local function closure(iter, state, _, closing)
  return function() return iter(state) end, nil, nil, closing
end

function Bind:rows(sql, ...)
  if self.rows_by_cursor and self.conn:in_transaction() then return cursor_rows(self, sql, ...) end
  return closure(reading(self, self.conn.rows, sql, ...))
end
function Bind:last_insert_id() return self.conn:last_insert_id() end
function Bind:quote_ident(name) return self.conn:quote_ident(name) end
function Bind:driver() return self.conn:driver() end
function Bind:server_version() return self.conn:server_version() end

local Statement = {}
Statement.__index = Statement
Statement.__name = "luamig.BindStatement"

-- PostgreSQL and MySQL send a statement to the server at its first
-- execute, so a statement the server refuses fails there: the message
-- names the line that prepared it too.
local function prepared_where(self, err)
  return string.format("%s (the statement prepared at %s)", tostring(err), self.where)
end

-- A queued statement's failure found here (info.queued) names its own
-- statement, not this one.
local function statement_failure(self, err, info)
  if type(info) == "table" and info.queued then return failure(err, info) end
  return prepared_where(self, err)
end

function Statement:execute(...)
  local n, err, info = self.stmt:execute(...)
  note(self, self.sql, n ~= nil)
  if n == nil then error(statement_failure(self, err, info), 2) end
  return n
end

function Statement:query(...)
  local rows, columns, info = self.stmt:query(...)
  if rows == nil then error(statement_failure(self, columns, info), 2) end
  return rows, columns
end

function Statement:rows(...) return closure(self.stmt:rows(...)) end
function Statement:close() return self.stmt:close() end
Statement.__close = Statement.close

--- savepoint(fn, ...): run fn(db, ...) inside a SAVEPOINT; when it raises,
-- what it did is rolled back to the savepoint and the error goes on up;
-- savepoints nest. Returns fn's results.
function Bind:savepoint(fn, ...)
  if type(fn) ~= "function" then error("savepoint: argument #1 must be a function, got " .. type(fn), 2) end
  self.depth = (self.depth or 0) + 1
  local name = "luamig_sp_" .. self.depth
  local ok, err = self.conn:execute("SAVEPOINT " .. name)
  if not ok then self.depth = self.depth - 1; error(err, 2) end
  local results = table.pack(pcall(fn, self, ...))
  self.depth = self.depth - 1
  -- What fn queued (db:queue) is part of it: flushed here, its failure is
  -- fn's, rolled back to the savepoint; after a raise it is undone anyway.
  local synced, serr, sinfo = self.conn:sync()
  if results[1] and not synced then results = table.pack(false, failure(serr, sinfo)) end
  if results[1] then
    ok, err = self.conn:execute("RELEASE SAVEPOINT " .. name)
    if not ok then error(err, 2) end
    return table.unpack(results, 2, results.n)
  end
  local rok, rerr = self.conn:execute("ROLLBACK TO SAVEPOINT " .. name)
  if rok then self.conn:execute("RELEASE SAVEPOINT " .. name) end
  if not rok then error(tostring(results[2]) .. " (and ROLLBACK TO SAVEPOINT failed: " .. tostring(rerr) .. ")", 0) end
  error(results[2], 0)
end

function Bind:in_transaction() return self.conn:in_transaction() end

function Bind:prepare(sql)
  local stmt, err, info = reading(self, self.conn.prepare, sql)
  if stmt == nil then error(failure(err, info), 2) end
  local caller = debug.getinfo(2, "Sl")
  return setmetatable({ stmt = stmt, sql = sql, journal = self.journal,
    where = string.format("%s:%d", caller.short_src, caller.currentline) }, Statement)
end

--- new(conn, dialect [, decimals [, journal]]): decimals "number" reads
-- DECIMAL/NUMERIC as numbers; "string" or nil as their digits. journal:
-- the step's luamig.context.journal, told of every statement.
function M.new(conn, dialect, decimals, journal)
  return setmetatable({ conn = conn, statements = {}, cached = 0, decimal_numbers = decimals == "number",
    journal = journal, rows_by_cursor = dialect.rows_in_transaction == "cursor" }, Bind)
end

return M
