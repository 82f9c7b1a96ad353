---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- Lua Language Server (LuaLS) stubs for luamig: the globals of a revision
-- file. `luamig init` points .luarc.json's workspace.library at this
-- directory. Nothing here runs: the real code is luamig's (lua/luamig/),
-- and spec/unit/meta_spec.lua checks that these names match it.

---The revision's id: 1 to 32 letters, digits or `_` (`luamig revision` writes 12 hex digits).
---@type string
revision = nil

---The parent's id, a list of ids for a merge, or nil for a first revision.
---@type string|string[]|nil
down_revision = nil

---Names of this line of development (`label@head` targets).
---@type string|string[]|nil
branch_labels = nil

---Revisions (ids or labels) of another line that must be applied first.
---@type string|string[]|nil
depends_on = nil

---`false` runs the revision outside any transaction (CREATE INDEX CONCURRENTLY...);
---`true` or nil: one transaction with its version row.
---@type boolean|nil
transactional = nil

---Applies the revision through `op`; returns nothing (a returned value fails the step).
function upgrade() end

---Reverts what upgrade() did.
function downgrade() end

---SQL NULL: a value for bulk_insert rows and bound parameters, and
---`server_default = null` / `comment = null` in alter_column to drop them.
---@class luamig.Null: userdata

---@type luamig.Null
null = nil

---A literal SQL fragment, written as it is where a value or a name would be quoted.
---@class luamig.SQL
---@field text string

---`sql "CURRENT_TIMESTAMP"`: SQL text used as written.
---@param text string
---@return luamig.SQL
function sql(text) end

---A value written as an SQL literal of the database when turned into text
---(`"... = " .. op.inline_literal("x")`); the value itself where a value goes.
---@class luamig.Literal
---@field value string|number|boolean

---A name that the naming convention leaves as it is (op.f).
---@class luamig.FinalName
---@field value string

---A constraint or index name: a string, op.f(name), or nil to let the naming convention name it.
---@alias luamig.Name string|luamig.FinalName

---A server-side default or ON UPDATE: a Lua value written as a literal, or SQL.
---@alias luamig.ServerDefault string|number|boolean|luamig.SQL|luamig.Literal

---A value bound to a `?` placeholder.
---@alias luamig.Value string|number|boolean|luamig.Null|luamig.Literal|nil

---A foreign key action.
---@alias luamig.FkAction "CASCADE"|"SET NULL"|"SET DEFAULT"|"RESTRICT"|"NO ACTION"|string
