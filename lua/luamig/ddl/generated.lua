-- luamig.ddl.generated: the SQL of the columns the database makes
-- (luamig.schema.generated: Computed and Identity), mixed into
-- luamig.ddl.base's Dialect (`self` is the dialect).
--
-- The base writes them as PostgreSQL does: GENERATED ALWAYS AS (expr)
-- STORED and GENERATED ALWAYS / BY DEFAULT AS IDENTITY (options). A
-- dialect without identity columns (`identity_columns` false: MySQL,
-- SQLite) makes an Identity its autoincrementing key, and refuses, by
-- name, the options it cannot keep (generated_refused).

local generated = require("luamig.schema.generated")

local M = {}

-- The SQL words of each Identity option.
local OPTION_SQL = {
  start = "START WITH %d", increment = "INCREMENT BY %d", minvalue = "MINVALUE %d", maxvalue = "MAXVALUE %d",
  cache = "CACHE %d",
}
-- The order SQLAlchemy writes them in (Alembic's tests expect it).
local OPTION_ORDER = { "increment", "start", "minvalue", "maxvalue", "cache", "cycle" }

local function option_sql(name, value)
  if name == "cycle" then return value and "CYCLE" or "NO CYCLE" end
  return string.format(OPTION_SQL[name], value)
end

--- GENERATED ALWAYS AS (expr) [STORED | VIRTUAL].
function M:computed_sql(computed)
  local storage = ""
  if computed.persisted == true then storage = " STORED" elseif computed.persisted == false then storage = " VIRTUAL" end
  return string.format("GENERATED ALWAYS AS (%s)%s", computed.sqltext, storage)
end

--- GENERATED ALWAYS | BY DEFAULT AS IDENTITY [(options)].
function M:identity_sql_of(identity)
  local opts = {}
  for _, name in ipairs(OPTION_ORDER) do
    if identity[name] ~= nil then opts[#opts + 1] = option_sql(name, identity[name]) end
  end
  return string.format("GENERATED %s AS IDENTITY%s", identity.always and "ALWAYS" or "BY DEFAULT",
    #opts > 0 and " (" .. table.concat(opts, " ") .. ")" or "")
end

--- What this backend cannot do with column `col`'s Computed or Identity
-- (a message naming it), else nil. `rec` is the record that declares it.
function M:generated_refused(_col, _rec)
  return nil
end

-- For the dialects without identity columns: the Identity options they
-- cannot keep, named in `kept` (option -> true), refused by name.
function M:identity_options_refused(col, kept, why)
  for _, name in ipairs(generated.IDENTITY_OPTIONS) do
    local v = col.identity[name]
    -- always = false (BY DEFAULT) and cycle = false say what an
    -- autoincrementing key does anyway
    if v ~= nil and v ~= false and not kept[name] then
      return string.format("%s has no identity columns: column %s's Identity becomes %s, which cannot keep %s = %s"
        .. "%s; drop the option", self.display_name, self:quote(col.name), why, name, tostring(col.identity[name]),
        name == "always" and " (explicit values are always taken)" or "")
    end
  end
  return nil
end

--- The clauses of ALTER TABLE ... ALTER COLUMN c that take a column from
-- identity `from` (nil: none) to `to` (false: none), PostgreSQL's way:
-- ADD GENERATED ..., DROP IDENTITY, or SET GENERATED / SET <option> for
-- what changed.
function M:identity_change_sql(from, to)
  if to == false then return { "DROP IDENTITY" } end
  if not from then return { "ADD " .. self:identity_sql_of(to) } end
  local sets = {}
  if (to.always or false) ~= (from.always or false) then
    sets[#sets + 1] = "SET GENERATED " .. (to.always and "ALWAYS" or "BY DEFAULT")
  end
  local names = {}
  for _, name in ipairs(OPTION_ORDER) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    if to[name] ~= nil and to[name] ~= from[name] then sets[#sets + 1] = "SET " .. option_sql(name, to[name]) end
  end
  if #sets == 0 then return {} end
  return { table.concat(sets, " ") }
end

return M
