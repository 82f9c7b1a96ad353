---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: Column, generated columns and the table-level
-- constraints and indexes of a revision (and of a models file).

---A foreign key's options, the same wherever a key is declared.
---@class luamig.ForeignKeyOptions
---@field ondelete? luamig.FkAction
---@field onupdate? luamig.FkAction
---@field match? "FULL"|"PARTIAL"|"SIMPLE"|string
---@field deferrable? boolean
---@field initially? "DEFERRED"|"IMMEDIATE"|string

---A column's `references`: `"table.column"` or this table.
---@class luamig.Reference: luamig.ForeignKeyOptions
---@field table string
---@field column string
---@field schema? string
---@field name? string

---@class luamig.ColumnOptions
---@field primary_key? boolean
---@field nullable? boolean default true (false for a primary key)
---@field unique? boolean
---@field index? boolean
---@field autoincrement? boolean integer columns only
---@field comment? string
---@field default? any client-side: what bulk_insert fills in for a missing value (a function is called)
---@field server_default? luamig.ServerDefault
---@field server_onupdate? luamig.ServerDefault MySQL's ON UPDATE
---@field references? string|luamig.Reference
---@field renamed_from? string models files: the column's old name

---@class luamig.Column
---@field name string
---@field type luamig.Type
---@field primary_key boolean
---@field nullable boolean

---`Column(name, type, [Computed(...) or Identity(...)], [CheckConstraint(...)...], [opts])`.
---@param name string
---@param type luamig.Type
---@param ... luamig.Computed|luamig.Identity|luamig.Constraint|luamig.ColumnOptions
---@return luamig.Column
function Column(name, type, ...) end

---@class luamig.Computed
---@field sqltext string
---@field persisted? boolean

---`GENERATED ALWAYS AS (expr)`, STORED (`persisted = true`) or VIRTUAL (false).
---@param expr string|luamig.SQL
---@param opts? {persisted?: boolean}
---@return luamig.Computed
function Computed(expr, opts) end

---@class luamig.IdentityOptions
---@field always? boolean GENERATED ALWAYS (else BY DEFAULT)
---@field start? integer
---@field increment? integer
---@field minvalue? integer
---@field maxvalue? integer
---@field cycle? boolean
---@field cache? integer

---@class luamig.Identity: luamig.IdentityOptions

---An identity column (PostgreSQL; MySQL and SQLite make it the autoincrementing key).
---@param opts? luamig.IdentityOptions
---@return luamig.Identity
function Identity(opts) end

---A table-level constraint for op.create_table (or a Column's CHECK).
---@class luamig.Constraint
---@field kind "primary_key"|"unique"|"check"|"foreign_key"|"exclude"
---@field name? luamig.Name

---@class luamig.Index
---@field kind "index"
---@field name? luamig.Name
---@field columns (string|luamig.SQL)[]
---@field unique boolean

---@class luamig.ConstraintOptions
---@field name? luamig.Name

---`PrimaryKeyConstraint("a", "b", [{name =}])` (or the columns as one list).
---@param ... string|string[]|luamig.ConstraintOptions
---@return luamig.Constraint
function PrimaryKeyConstraint(...) end

---`UniqueConstraint("a", "b", [{name =}])`.
---@param ... string|string[]|luamig.ConstraintOptions
---@return luamig.Constraint
function UniqueConstraint(...) end

---`CheckConstraint("price > 0", [{name =}])`: the condition is SQL text.
---@param condition string|luamig.SQL
---@param opts? luamig.ConstraintOptions
---@return luamig.Constraint
function CheckConstraint(condition, opts) end

---@class luamig.ForeignKeyConstraintOptions: luamig.ForeignKeyOptions
---@field name? luamig.Name

---`ForeignKeyConstraint({"user_id"}, {"users.id"}, [opts])`.
---@param columns string|string[]
---@param refcolumns string|string[] `"table.column"` names, all in one table
---@param opts? luamig.ForeignKeyConstraintOptions
---@return luamig.Constraint
function ForeignKeyConstraint(columns, refcolumns, opts) end

---@class luamig.IndexOptions
---@field unique? boolean
---@field postgresql_where? string|luamig.SQL
---@field sqlite_where? string|luamig.SQL
---@field postgresql_using? string
---@field postgresql_include? string[]

---`Index(name or nil, "a", sql "lower(b)", ..., [opts])`: created right after the table.
---@param name luamig.Name|nil
---@param ... string|luamig.SQL|(string|luamig.SQL)[]|luamig.IndexOptions
---@return luamig.Index
function Index(name, ...) end

---@class luamig.ExcludeConstraintOptions
---@field name? luamig.Name
---@field where? string|luamig.SQL
---@field using? string
---@field deferrable? boolean
---@field initially? "DEFERRED"|"IMMEDIATE"|string

---PostgreSQL's `EXCLUDE USING using (col WITH operator, ...)`: elements `{col or sql "...", "operator"}`.
---@param ... {[1]: string|luamig.SQL, [2]: string}|luamig.ExcludeConstraintOptions
---@return luamig.Constraint
function ExcludeConstraint(...) end

---A table of a models file (migrations/models.lua): `Table(name, Column..., Constraint...,
---Index..., [{comment =, renamed_from =}])`. Only models files have it.
---@param name string
---@param ... luamig.Column|luamig.Constraint|luamig.Index|{comment?: string, renamed_from?: string}
---@return table
function Table(name, ...) end
