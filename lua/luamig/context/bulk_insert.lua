-- luamig.context.bulk_insert: op.bulk_insert's rows into the database by
-- the fastest path the connection has (COPY, LOAD DATA LOCAL, multi-row or
-- prepared INSERTs), each statement noted in the step's journal.

local dberror = require("luamig.present.dberror")

local Context = {}

-- Rows per slice of a bulk insert: the progress line moves between two
-- slices, and a slice's COPY or LOAD DATA text never exists whole anyway.
local SLICE_ROWS = 50000

-- Note `sql`, which inserted `rows` rows, among the step's statements.
local function note_rows(self, sql, rows)
  self.executed:note(string.format("%s -- %d rows", sql, rows))
end

-- Run insert_slice(first, last) over the record's rows SLICE_ROWS at a
-- time, the progress ticked after each; true | nil, msg (the first
-- failure).
local function by_slices(record, tick, insert_slice)
  local rows = #record.rows
  for first = 1, rows, SLICE_ROWS do
    local last = math.min(rows, first + SLICE_ROWS - 1)
    local ok, err = insert_slice(first, last)
    if not ok then return nil, err end
    tick(last - first + 1)
  end
  return true
end

local function quoted_columns(self, columns)
  local quoted = {}
  for i, c in ipairs(columns) do quoted[i] = self.dialect:quote(c) end
  return table.concat(quoted, ", ")
end

-- The bulk load a stream's chunks share (record.more: more rows follow):
-- the binding leaves the COPY or LOAD DATA open between two chunks
-- (conn:bulk_rows, runner/binding/binding_bulk.c), so that the row
-- function runs while the server stores the rows already sent; any other
-- call on the connection ends it first. self.bulk_open remembers what
-- ending it must check: { sql, check = function(rows, warnings), first, last }.
-- A load is one statement of the step's, noted once ended and checked: a
-- LOAD DATA whose warnings fail it did not run, as far as the step's
-- list of what ran goes.
local function end_load(self)
  local open = self.bulk_open
  if not open then return true end
  self.bulk_open = nil
  local n, warnings, info = self.conn:bulk_end()
  if not n then return nil, dberror.describe(warnings, info) end
  local ok, err = open.check(n, warnings, open.first, open.last)
  if not ok then return nil, err end
  note_rows(self, open.sql, open.last - open.first + 1)
  return true
end

--- Give up the open bulk load, if any, rather than end it (a stream's
-- function raised): a COPY fails; MySQL keeps what LOAD DATA read, for the
-- revision's rollback to undo.
function Context:bulk_insert_abandon()
  if self.bulk_open then
    self.bulk_open = nil
    self.conn:bulk_end(true)
  end
end

-- The rows of the record into the load of `sql`, by slices (the progress
-- line moves between two), then the load ended unless more rows follow.
local function load_rows(self, record, columns, tick, sql, check)
  local open = self.bulk_open
  if open and open.sql ~= sql then
    local ok, err = end_load(self)
    if not ok then return nil, err end
    open = nil
  end
  local base = record.base or 0
  if not open then
    open = { sql = sql, check = check, first = base + 1 }
    self.bulk_open = open
  end
  open.last = base + #record.rows
  local ok, err = by_slices(record, tick, function(first, last)
    local done, berr, info = self.conn:bulk_rows(sql, columns, record.rows, first, last, base)
    if not done then return nil, dberror.describe(berr, info) end
    return true
  end)
  if not ok then
    self:bulk_insert_abandon()
    return nil, err
  end
  if record.more then return true end
  return end_load(self)
end

-- PostgreSQL: COPY ... FROM STDIN, the rows written straight into the
-- copy by the binding.
local function copy_insert(self, record, columns, tick)
  local sql = string.format("COPY %s (%s) FROM STDIN", self.dialect:qualify(record.table, record.schema),
    quoted_columns(self, columns))
  return load_rows(self, record, columns, tick, sql, function() return true end)
end

-- MySQL, when the server allows LOCAL: LOAD DATA LOCAL INFILE, its file
-- made from the rows as the server reads it (on a thread of the binding's),
-- in the binary character set so that bytes arrive as they are. With LOCAL
-- the server cannot stop the client mid-file, so it turns errors (a
-- duplicate key, a value that does not fit) into warnings and goes on:
-- any warning fails the insert here, and the transaction rolls back.
local function first_warning(self)
  local rows = self.conn:query("SHOW WARNINGS")
  for _, w in ipairs(rows or {}) do
    if w.Level ~= "Note" then return string.format("%s %s: %s", w.Level, tostring(w.Code), w.Message) end
  end
  return nil
end

local function load_insert(self, record, columns, tick)
  local target = self.dialect:qualify(record.table, record.schema)
  local sql = string.format("LOAD DATA LOCAL INFILE 'luamig-bulk-insert' INTO TABLE %s CHARACTER SET binary (%s)",
    target, quoted_columns(self, columns))
  return load_rows(self, record, columns, tick, sql, function(n, warnings, first, last)
    local wanted = last - first + 1
    if warnings > 0 or n ~= wanted then
      local why = warnings > 0 and first_warning(self)
      if why or n ~= wanted then
        return nil, string.format("bulk_insert into %s, rows %d-%d: %s", target, first, last,
          why or string.format("the server loaded %d rows of %d", n, wanted))
      end
    end
    return true
  end)
end

-- MySQL without LOCAL (MySQL 8 turns it off by default): multi-row
-- prepared INSERTs. A batch is at most 1000 rows, fewer when the
-- placeholders would pass MySQL's 65,535 per statement or the values half
-- of max_allowed_packet.
local MAX_BATCH_ROWS, MAX_PLACEHOLDERS = 1000, 65535

local function server_variable(self, name)
  local cache = self.server_variables or {}
  self.server_variables = cache
  if cache[name] == nil then
    local row = self.conn:first("SELECT @@" .. name .. " AS v")
    cache[name] = row and tonumber(row.v) or false
  end
  return cache[name] or nil
end

local function batch_rows(self, record, columns)
  local rows = #record.rows
  local by_count = math.floor(MAX_PLACEHOLDERS / #columns)
  local size = math.min(MAX_BATCH_ROWS, by_count, rows)
  -- bytes of a row, from the first rows' strings
  local bytes, sample = 0, math.min(rows, 100)
  for i = 1, sample do
    for _, c in ipairs(columns) do
      local v = record.rows[i][c]
      bytes = bytes + (type(v) == "string" and #v or 8) + 4
    end
  end
  local packet = server_variable(self, "max_allowed_packet") or 4194304
  local per_row = math.max(1, bytes // sample)
  return math.max(1, math.min(size, (packet // 2) // per_row))
end

local function multirow_insert(self, record, columns, tick)
  local size = batch_rows(self, record, columns)
  local head = string.format("INSERT INTO %s (%s) VALUES ", self.dialect:qualify(record.table, record.schema),
    quoted_columns(self, columns))
  local tuple = "(" .. string.rep("?", #columns, ", ") .. ")"
  local prepared = {}
  local function statement(nrows)
    local s = prepared[nrows]
    if s then return s end
    local stmt, err, info = self.conn:prepare(head .. string.rep(tuple, nrows, ", "))
    if not stmt then return nil, dberror.describe(err, info) end
    prepared[nrows] = stmt
    return stmt
  end
  local rows, ncols, values = record.rows, #columns, {}
  local ok, err = true, nil
  local i = 1
  while i <= #rows do
    local nrows = math.min(size, #rows - i + 1)
    local n = 0
    for r = i, i + nrows - 1 do
      local row = rows[r]
      for c = 1, ncols do n = n + 1; values[n] = row[columns[c]] end
    end
    local stmt
    stmt, err = statement(nrows)
    if not stmt then ok = false; break end
    local done, xerr, xinfo = stmt:execute(table.unpack(values, 1, n))
    if not done then ok, err = false, dberror.describe(xerr, xinfo); break end
    tick(nrows)
    i = i + nrows
  end
  for _, stmt in pairs(prepared) do stmt:close() end
  self.executed:note(string.format("%s%s, ... -- %d rows in batches of %d", head, tuple, #rows, size))
  if not ok then return nil, err end
  return true
end

-- SQLite: one prepared INSERT run for every row by the driver on a thread
-- of the binding's (driver.h's insert_rows), inside the revision's
-- transaction, while the Lua side makes the next rows; a row the INSERT
-- refuses fails the load, its number in the message.
local function rows_insert(self, record, columns, tick)
  local target = self.dialect:qualify(record.table, record.schema)
  local sql = string.format("INSERT INTO %s (%s) VALUES (%s)", target, quoted_columns(self, columns),
    string.rep("?", #columns, ", "))
  return load_rows(self, record, columns, tick, sql, function(n, _, first, last)
    if n ~= last - first + 1 then
      return nil, string.format("bulk_insert into %s, rows %d-%d: %d rows inserted", target, first, last, n)
    end
    return true
  end)
end

-- The fastest path the connection has for rows that all give the same
-- columns.
local function fast_path(self)
  local path = self.dialect.bulk_fast_path
  if path == "copy" then return copy_insert end
  if path == "load_data" then
    return server_variable(self, "local_infile") == 1 and load_insert or multirow_insert
  end
  return rows_insert
end

-- The paths that leave their load open for a stream's next chunk.
local LOADS = { [copy_insert] = true, [load_insert] = true, [rows_insert] = true }

-- Any rows: prepared statements reused across rows. A row that leaves a
-- column out (nil) lets the server default apply, so rows are grouped by
-- the columns they give: one statement per column set, rows inserted in
-- their order. An explicit `null` inserts NULL.
local function row_insert(self, record, columns, tick)
  local defaults = record.defaults or {}
  local statements, quoted = {}, {}
  for i, name in ipairs(columns) do quoted[i] = self.dialect:quote(name) end
  local target = self.dialect:qualify(record.table, record.schema)
  local function statement_for(present)
    local key = table.concat(present, ",")
    local entry = statements[key]
    if entry then return entry end
    local names, marks = {}, {}
    for i, c in ipairs(present) do names[i] = quoted[c]; marks[i] = "?" end
    local sql
    if #present > 0 then
      sql = string.format("INSERT INTO %s (%s) VALUES (%s)", target, table.concat(names, ", "), table.concat(marks,
        ", "))
    else
      sql = string.format("INSERT INTO %s %s", target, self.dialect.default_row_sql)
    end
    local stmt, err, info = self.conn:prepare(sql)
    if not stmt then return nil, dberror.describe(err, info) end
    entry = { stmt = stmt, sql = sql }
    statements[key] = entry
    return entry
  end
  local ok, err = true, nil
  local present, values = {}, {}
  for r, row in ipairs(record.rows) do
    local n = 0
    for i, name in ipairs(columns) do
      local v = row[name]
      if v == nil then v = defaults[name] end
      if v ~= nil then n = n + 1; present[n] = i; values[n] = v end
    end
    for i = n + 1, #present do present[i] = nil end
    local entry
    entry, err = statement_for(present)
    if not entry then ok = false; break end
    local done, xerr, xinfo = entry.stmt:execute(table.unpack(values, 1, n))
    if not done then ok, err = false, dberror.describe(xerr, xinfo); break end
    if r % SLICE_ROWS == 0 then tick(SLICE_ROWS) end
  end
  if ok then tick(#record.rows % SLICE_ROWS) end
  for _, entry in pairs(statements) do
    entry.stmt:close()
    note_rows(self, entry.sql, #record.rows)
  end
  if not ok then return nil, err end
  return true
end

--- Insert rows: when every row gives the same columns, on PostgreSQL
-- through COPY, on MySQL through LOAD DATA LOCAL (or multi-row INSERTs),
-- on SQLite through one prepared INSERT run on the binding's thread; else through
-- prepared statements reused across rows. record.progress,
-- when there is one, counts the rows.
function Context:bulk_insert(record)
  local columns = self.dialect:bulk_insert_columns(record)
  local p = record.progress
  local function tick(n) if p then p:add(n) end end
  local insert = row_insert
  local loading = self.bulk_open ~= nil
  if not self.offline and record.multiinsert ~= false and record.uniform and #columns > 0
    and (#record.rows > 1 or loading and #record.rows > 0) then
    insert = fast_path(self)
  end
  if not LOADS[insert] then
    -- another path: the open load ends first, its failure told here
    local ok, err = end_load(self)
    if not ok then return nil, err end
    if #record.rows == 0 then return true end
  end
  return insert(self, record, columns, tick)
end

return Context
