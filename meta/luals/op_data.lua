---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: the data operations of `op` (SQL, rows, the
-- connection, the schema as it is now) and batch mode.

---Runs SQL; `?` parameters are bound, never spliced into the text.
---@param sql string|luamig.SQL
---@param ... luamig.Value
function op.execute(sql, ...) end

---@class luamig.BulkInsertOptions
---@field schema? string
---@field multiinsert? boolean false: one statement per row, as Alembic's
---@field total? integer the row count of a stream, for the progress line

---Inserts rows given as a list, or by a function returning the next row and nil at the end.
---@param table_ string|luamig.TableDefinition
---@param rows table<string, any>[]|fun(): table<string, any>?
---@param opts? luamig.BulkInsertOptions
function op.bulk_insert(table_, rows, opts) end

---A progress line for a data migration's own loop.
---@param total? integer
---@param label? string
---@return luamig.Progress
function op.progress(total, label) end

---The value as an SQL literal of this database when turned into text.
---@param value string|number|boolean
---@return luamig.Literal
function op.inline_literal(value) end

---@class luamig.GetBindOptions
---@field decimals? "string"|"number" how DECIMAL/NUMERIC come back (default "string": exactly)

---The revision's connection, in its transaction.
---@param opts? luamig.GetBindOptions
---@return luamig.Bind
function op.get_bind(opts) end

---The schema as it is now (online only; read once: call again after changing it).
---@return luamig.Inspector
function op.inspect() end

---Runs fn with no transaction open; what the revision did before is committed first.
---@param fn fun()
function op.autocommit_block(fn) end

---The migration context.
---@return luamig.Context
function op.get_context() end

---@class luamig.BatchOptions
---@field schema? string
---@field recreate? "auto"|"always"|"never" SQLite: when to rebuild the table (default "auto")
---@field copy_from? luamig.TableDefinition the table's definition instead of reading it (needed by --sql)
---@field table_args? luamig.Constraint[] constraints that replace the read ones on the same columns
---@field partial_reordering? string[][] column orders the table must follow
---@field naming_convention? table<string, string> this batch's, in place of the project's

---Queues changes to one table and runs them together (SQLite rebuilds the table).
---@param table_name string
---@param fn fun(batch: luamig.Batch)
---@param opts? luamig.BatchOptions
function op.batch_alter_table(table_name, fn, opts) end

---The object op.batch_alter_table's function receives: the plain ops less
---the table, called `batch.x(...)` or `batch:x(...)`.
---@class luamig.Batch
local Batch = {}

---@param column_name string
---@param opts luamig.AlterColumnOptions
function Batch.alter_column(column_name, opts) end

---@class luamig.BatchAddColumnOptions: luamig.AddColumnOptions
---@field insert_before? string
---@field insert_after? string

---@param column luamig.Column
---@param opts? luamig.BatchAddColumnOptions
function Batch.add_column(column, opts) end

---@param column_name string
---@param opts? luamig.DropColumnOptions
function Batch.drop_column(column_name, opts) end

---@param name luamig.Name
---@param columns string|(string|luamig.SQL)[]
---@param opts? luamig.CreateIndexOptions
function Batch.create_index(name, columns, opts) end

---@param name luamig.Name
---@param opts? luamig.DropIndexOptions
function Batch.drop_index(name, opts) end

---@param name luamig.Name|nil
---@param columns string|string[]
function Batch.create_unique_constraint(name, columns) end

---@param name luamig.Name|nil
---@param columns string|string[]
function Batch.create_primary_key(name, columns) end

---@param name luamig.Name|nil
---@param condition string|luamig.SQL
function Batch.create_check_constraint(name, condition) end

---@param name luamig.Name|nil
---@param referent_table string
---@param local_cols string|string[]
---@param remote_cols string|string[]
---@param opts? luamig.CreateForeignKeyOptions
function Batch.create_foreign_key(name, referent_table, local_cols, remote_cols, opts) end

---@class luamig.BatchDropConstraintOptions
---@field type_? "foreignkey"|"foreign_key"|"primary"|"unique"|"check"
---@field if_exists? boolean

---@param name luamig.Name
---@param opts? luamig.BatchDropConstraintOptions
function Batch.drop_constraint(name, opts) end

---@param comment string
---@param opts? luamig.TableCommentOptions
function Batch.create_table_comment(comment, opts) end

---@param opts? luamig.TableCommentOptions
function Batch.drop_table_comment(opts) end
