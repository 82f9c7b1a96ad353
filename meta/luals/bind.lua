---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: the connection a revision gets from
-- op.get_bind(), its prepared statements, the inspector of op.inspect(),
-- op.progress()'s line and op.get_context()'s context. Every failing
-- statement raises at the revision's line, so the step rolls back.

---A row: column name to value (SQL NULL is `null`, so rows have no holes).
---@alias luamig.Row table<string, any>

---The revision's connection (luamig.context.bind).
---@class luamig.Bind
local Bind = {}

---Runs a statement; returns the number of rows affected.
---@param sql string
---@param ... luamig.Value
---@return integer
function Bind:execute(sql, ...) end

---Queues a statement with parameters (an UPDATE per row of a backfill) without waiting
---for its answer where the database allows it (PostgreSQL inside the revision's
---transaction); elsewhere it runs at once. The queue is sent at db:flush(), every 1000
---statements, and before any other call on the connection, so reads see what was
---queued. A failure raises wherever it is found, naming this line, the SQL and the
---values; the statements queued after the failing one do not run. A statement without
---values, or one returning rows, is refused.
---@param sql string
---@param ... luamig.Value
function Bind:queue(sql, ...) end

---Sends the queued statements and waits for them; returns the rows they changed (added
---up) since the last flush. Raises the failure of one of them.
---@return integer
function Bind:flush() end

---All rows of a query, and the column names in order.
---@param sql string
---@param ... luamig.Value
---@return luamig.Row[] rows
---@return string[] columns
function Bind:query(sql, ...) end

---The first row, or nil.
---@param sql string
---@param ... luamig.Value
---@return luamig.Row|nil
function Bind:first(sql, ...) end

---An iterator of rows, streamed (a cursor on PostgreSQL and MySQL); call it until it gives nil.
---It can feed op.bulk_insert.
---@param sql string
---@param ... luamig.Value
---@return fun(): luamig.Row?
function Bind:rows(sql, ...) end

---A statement to run many times.
---@param sql string
---@return luamig.Statement
function Bind:prepare(sql) end

---Runs fn(db, ...) inside a SAVEPOINT: if fn raises, what it did is rolled back and
---the error goes on. Savepoints nest. Returns fn's results.
---@generic T
---@param fn fun(db: luamig.Bind, ...: any): T
---@param ... any
---@return T
function Bind:savepoint(fn, ...) end

---The id the last INSERT made.
---@return integer
function Bind:last_insert_id() end

---A name quoted as an identifier of this database.
---@param name string
---@return string
function Bind:quote_ident(name) end

---The driver's name: "sqlite", "postgres" or "mysql".
---@return string
function Bind:driver() end

---The server's version string.
---@return string
function Bind:server_version() end

---Whether a transaction is open.
---@return boolean
function Bind:in_transaction() end

---A prepared statement (db:prepare(sql)); also a to-be-closed value.
---@class luamig.Statement
local Statement = {}

---@param ... luamig.Value
---@return integer
function Statement:execute(...) end

---@param ... luamig.Value
---@return luamig.Row[] rows
---@return string[] columns
function Statement:query(...) end

---@param ... luamig.Value
---@return fun(): luamig.Row?
function Statement:rows(...) end

function Statement:close() end

---@class luamig.ColumnInfo
---@field name string
---@field type luamig.Type a luamig type (Type("...") for one luamig does not know)
---@field type_text string
---@field nullable boolean
---@field default? string SQL text
---@field autoincrement? boolean
---@field comment? string

---@class luamig.IndexInfo
---@field name string
---@field columns string[]
---@field unique boolean
---@field expressions? string[]
---@field where? string
---@field duplicates_constraint? string

---@class luamig.ForeignKeyInfo
---@field name? string
---@field columns string[]
---@field ref_table string
---@field ref_columns string[]
---@field ondelete? string
---@field onupdate? string

---The schema as it is now, read once (op.inspect()), with SQLAlchemy's Inspector names.
---@class luamig.Inspector
local Inspector = {}

---@return string[]
function Inspector:get_table_names() end

---@param table_name string
---@return boolean
function Inspector:has_table(table_name) end

---@param table_name string
---@return luamig.ColumnInfo[]
function Inspector:get_columns(table_name) end

---@param table_name string
---@return {name?: string, columns: string[]}|nil
function Inspector:get_pk_constraint(table_name) end

---@param table_name string
---@return luamig.IndexInfo[]
function Inspector:get_indexes(table_name) end

---@param table_name string
---@return {name?: string, columns: string[]}[]
function Inspector:get_unique_constraints(table_name) end

---@param table_name string
---@return {name?: string, sqltext: string}[]
function Inspector:get_check_constraints(table_name) end

---@param table_name string
---@return luamig.ForeignKeyInfo[]
function Inspector:get_foreign_keys(table_name) end

---@param table_name string
---@return string|nil
function Inspector:get_table_comment(table_name) end

---A progress line (op.progress()); also a to-be-closed value.
---@class luamig.Progress
---@field done integer
---@field total? integer
local Progress = {}

---n more rows done (1 when omitted).
---@param n? integer
function Progress:add(n) end

---The total, once it is known.
---@param n integer
function Progress:set_total(n) end

---The work is over (the revision's end finishes it anyway).
function Progress:finish() end

---The SQL dialect of the database.
---@class luamig.Dialect
---@field name "sqlite"|"postgres"|"mysql"
---@field display_name string

---The migration context (op.get_context()).
---@class luamig.Context
---@field dialect luamig.Dialect
---@field cfg table the settings (luamig.lua, -u, -x)
---@field offline? boolean true under --sql: there is no connection to read through
