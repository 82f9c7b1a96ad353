---@meta luamig.testing
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: luamig.testing, for a project's busted specs
-- (`local testing = require("luamig.testing")`).

---@class luamig.testing
local testing = {}

---The URL `luamig test -u URL` gave.
---@type string|nil
testing.default_url = nil

---luamig.autogen.snapshot: schema snapshots, as Env:schema() returns them.
---@type table
testing.snapshot = nil

---@class luamig.TestingOptions
---@field url? string a server to make a scratch database on (default: $LUAMIG_TEST_URL, else SQLite in memory)
---@field config_file? string default ./luamig.lua when present
---@field script_location? string
---@field x? table<string, string> -x settings

---A new environment: the project's revisions and a scratch database of its own.
---@param opts? luamig.TestingOptions
---@return luamig.TestingEnv
function testing.environment(opts) end

---Whether the project has a models file (for Env:model_matches_ddl()).
---@param opts? {config_file?: string}
---@return boolean
function testing.has_models(opts) end

---An environment (testing.environment()); checks raise an error naming the revision and
---the difference, and return true.
---@class luamig.TestingEnv
---@field cfg table
---@field dialect luamig.Dialect
local Env = {}

---Read the revision files again (after a spec wrote one).
function Env:reload() end

---Close the connection; a scratch database on a server is dropped.
function Env:close() end

---The revisions the database is at, sorted.
---@return string[]
function Env:current() end

---@param target? string default "heads"
---@return true
function Env:migrate_up_to(target) end

---@param target? string default "base"
---@return true
function Env:migrate_down_to(target) end

---@return true
function Env:migrate_one_up() end

---@return true
function Env:migrate_one_down() end

---@param table_name string
---@param rows table<string, any>[]
---@return true
function Env:insert_into(table_name, rows) end

---@param sql string
---@param ... luamig.Value
---@return luamig.Row[]
function Env:query(sql, ...) end

---The whole schema as the database has it (a snapshot: `.tables[name]`...).
---@return table
function Env:schema() end

---The table as reflected after migrating to `rev` (the database stays there), or nil.
---@param table_name string
---@param rev string
---@return table|nil
function Env:table_at_revision(table_name, rev) end

---The project has exactly one head.
---@return true
function Env:single_head() end

---Every revision applies to an empty database, up to the heads.
---@return true
function Env:upgrade_from_base() end

---Every revision up, every revision down, then up again, one at a time.
---@return true
function Env:up_down_consistency() end

---After upgrading to the heads, the models match the database.
---@return true
function Env:model_matches_ddl() end

---For every revision: its downgrade undoes its upgrade exactly.
---@return true
function Env:downgrade_leaves_no_trace() end

return testing
