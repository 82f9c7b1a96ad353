---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: the `op` table, set while a revision's upgrade()
-- and downgrade() run, and the options of its schema operations. The data
-- operations (execute, bulk_insert, get_bind...) are in op_data.lua. Every
-- option table also takes `schema` (create_foreign_key: source_schema and
-- referent_schema); an option or argument luamig does not know is an
-- error at the revision's line.

---The operations of a revision (Alembic's op).
---@class luamig.Op
op = {}

---@class luamig.SchemaOption
---@field schema? string

---@class luamig.CreateTableOptions: luamig.SchemaOption
---@field comment? string
---@field if_not_exists? boolean
---@field mysql_engine? string
---@field mysql_charset? string
---@field mysql_collate? string

---The table definition create_table returns, which bulk_insert and batch copy_from take.
---@class luamig.TableDefinition
---@field table string
---@field schema? string
---@field columns luamig.Column[]
---@field constraints luamig.Constraint[]
---@field indexes luamig.Index[]

---`CREATE TABLE`: columns, then constraints and indexes, then the options.
---@param name string
---@param ... luamig.Column|luamig.Constraint|luamig.Index|luamig.CreateTableOptions
---@return luamig.TableDefinition
function op.create_table(name, ...) end

---@class luamig.DropTableOptions: luamig.SchemaOption
---@field if_exists? boolean
---@field enums? string[] PostgreSQL enum types to drop with the table

---@param name string
---@param opts? luamig.DropTableOptions
function op.drop_table(name, opts) end

---@param old_name string
---@param new_name string
---@param opts? luamig.SchemaOption
function op.rename_table(old_name, new_name, opts) end

---@class luamig.AddColumnOptions: luamig.SchemaOption
---@field if_not_exists? boolean

---@param table_name string
---@param column luamig.Column
---@param opts? luamig.AddColumnOptions
function op.add_column(table_name, column, opts) end

---@class luamig.DropColumnOptions: luamig.SchemaOption
---@field if_exists? boolean
---@field enums? string[]

---@param table_name string
---@param column_name string
---@param opts? luamig.DropColumnOptions
function op.drop_column(table_name, column_name, opts) end

---@class luamig.AlterColumnOptions: luamig.SchemaOption
---@field nullable? boolean
---@field type_? luamig.Type
---@field type? luamig.Type the same as type_
---@field server_default? luamig.ServerDefault|luamig.Null null drops the default
---@field new_column_name? string
---@field comment? string|luamig.Null null drops the comment
---@field autoincrement? boolean
---@field server_onupdate? luamig.ServerDefault|luamig.Null
---@field identity? luamig.Identity|luamig.Null
---@field using? string|luamig.SQL
---@field postgresql_using? string|luamig.SQL
---@field existing_type? luamig.Type
---@field existing_nullable? boolean
---@field existing_server_default? luamig.ServerDefault|luamig.Null
---@field existing_comment? string|luamig.Null
---@field existing_autoincrement? boolean
---@field existing_server_onupdate? luamig.ServerDefault|luamig.Null
---@field existing_identity? luamig.Identity|luamig.Null

---@param table_name string
---@param column_name string
---@param opts luamig.AlterColumnOptions
function op.alter_column(table_name, column_name, opts) end

---@class luamig.CreateIndexOptions: luamig.SchemaOption
---@field unique? boolean
---@field if_not_exists? boolean
---@field postgresql_where? string|luamig.SQL
---@field sqlite_where? string|luamig.SQL
---@field postgresql_using? string
---@field postgresql_include? string[]
---@field postgresql_concurrently? boolean

---`CREATE [UNIQUE] INDEX`; a nil name comes from the naming convention.
---@param name luamig.Name|nil
---@param table_name string
---@param columns string|(string|luamig.SQL)[]
---@param opts? luamig.CreateIndexOptions
function op.create_index(name, table_name, columns, opts) end

---@class luamig.DropIndexOptions: luamig.SchemaOption
---@field if_exists? boolean
---@field postgresql_concurrently? boolean

---`DROP INDEX` (MySQL needs the table).
---@param name luamig.Name
---@param table_name? string|luamig.DropIndexOptions
---@param opts? luamig.DropIndexOptions
function op.drop_index(name, table_name, opts) end

---@param name luamig.Name|nil
---@param table_name string
---@param columns string|string[]
---@param opts? luamig.SchemaOption
function op.create_primary_key(name, table_name, columns, opts) end

---@param name luamig.Name|nil
---@param table_name string
---@param columns string|string[]
---@param opts? luamig.SchemaOption
function op.create_unique_constraint(name, table_name, columns, opts) end

---@class luamig.CreateCheckOptions: luamig.SchemaOption
---@field postgresql_not_valid? boolean

---@param name luamig.Name|nil
---@param table_name string
---@param condition string|luamig.SQL
---@param opts? luamig.CreateCheckOptions
function op.create_check_constraint(name, table_name, condition, opts) end

---@class luamig.CreateForeignKeyOptions: luamig.ForeignKeyOptions
---@field source_schema? string
---@field referent_schema? string
---@field postgresql_not_valid? boolean

---@param name luamig.Name|nil
---@param source_table string
---@param referent_table string
---@param local_cols string|string[]
---@param remote_cols string|string[]
---@param opts? luamig.CreateForeignKeyOptions
function op.create_foreign_key(name, source_table, referent_table, local_cols, remote_cols, opts) end

---PostgreSQL: `op.create_exclude_constraint(name, table, {col, operator}..., [{where =, using =}])`.
---@param name luamig.Name|nil
---@param table_name string
---@param ... {[1]: string|luamig.SQL, [2]: string}|luamig.ExcludeConstraintOptions
function op.create_exclude_constraint(name, table_name, ...) end

---@class luamig.DropConstraintOptions: luamig.SchemaOption
---@field type_? "foreignkey"|"primary"|"unique"|"check" MySQL needs it
---@field if_exists? boolean

---@param name luamig.Name
---@param table_name string
---@param opts? luamig.DropConstraintOptions
function op.drop_constraint(name, table_name, opts) end

---@class luamig.TableCommentOptions: luamig.SchemaOption
---@field existing_comment? string|luamig.Null

---@param table_name string
---@param comment string
---@param opts? luamig.TableCommentOptions
function op.create_table_comment(table_name, comment, opts) end

---@param table_name string
---@param opts? luamig.TableCommentOptions
function op.drop_table_comment(table_name, opts) end

---PostgreSQL's `CREATE TYPE ... AS ENUM`; nothing elsewhere.
---@param name string
---@param values string[]
---@param opts? luamig.SchemaOption
function op.create_enum(name, values, opts) end

---@class luamig.DropEnumOptions: luamig.SchemaOption
---@field if_exists? boolean

---@param name string
---@param opts? luamig.DropEnumOptions
function op.drop_enum(name, opts) end

---A name the naming convention leaves as it is (Alembic's op.f).
---@param name string
---@return luamig.FinalName
function op.f(name) end

---An operation of the project's own: `op.NAME(...)` calls `fn(op, ...)`.
---@param name string
---@param fn fun(op: luamig.Op, ...: any): any
function op.register(name, fn) end
