-- luamig.schema.types: column types, Column, `sql` fragments, and the constructors
-- a revision file sees.
--
-- Everything here is plain data with a metatable, so that operation records
-- stay printable and comparable and the dialects (luamig.ddl) decide alone
-- what SQL a type becomes. Constructors validate eagerly and raise at the
-- revision's line: a typo in a migration should fail before any SQL runs.
-- The table-level constraint constructors live in luamig.schema.constraints;
-- export() puts both into a revision's environment.
--
-- This module is the entry point; the work is done in its parts:
--   luamig.schema.value_kind    the metatables, is_* tests, describe()
--   luamig.schema.column_type   Integer, String(16), Enum, ARRAY, Type...
--   luamig.schema.sql_fragment  sql "..." and inline literals
--   luamig.schema.column        Column and the foreign keys it references
--   luamig.schema.revision_env  export(), environment(), strict_arity()

local kind = require("luamig.schema.value_kind")
local column_type = require("luamig.schema.column_type")
local sql_fragment = require("luamig.schema.sql_fragment")
local generated = require("luamig.schema.generated")
local column = require("luamig.schema.column")
local revision_env = require("luamig.schema.revision_env")

local M = {}

M.is_type, M.is_sql, M.is_column, M.is_literal = kind.is_type, kind.is_sql, kind.is_column, kind.is_literal
M.describe, M.unknown_option = kind.describe, kind.unknown_option

M.type_names, M.constructor_names = column_type.type_names, column_type.constructor_names
for _, name in ipairs(column_type.type_names) do M[name] = column_type[name] end
for _, name in ipairs(column_type.constructor_names) do M[name] = column_type[name] end
M.is_integer = column_type.is_integer

M.sql, M.literal = sql_fragment.sql, sql_fragment.literal
M.Computed, M.Identity = generated.Computed, generated.Identity
M.is_computed, M.is_identity, M.is_final = kind.is_computed, kind.is_identity, kind.is_final
M.final_name = kind.final_name

M.Column, M.fk_action, M.is_server_default = column.Column, column.fk_action, column.is_server_default

M.strict_arity, M.export, M.environment = revision_env.strict_arity, revision_env.export, revision_env.environment

return M
