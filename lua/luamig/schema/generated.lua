-- luamig.schema.generated: the values of a column that the database
-- makes, as a Column's third argument (as in SQLAlchemy):
--
--   Column("total", Integer, Computed("price * qty", { persisted = true }))
--   Column("id", BigInteger, Identity({ always = true, start = 1000 }), { primary_key = true })
--
-- Computed(expr, [{persisted =}]) is a generated column: GENERATED ALWAYS
-- AS (expr), STORED (persisted = true) or VIRTUAL (false); nil leaves the
-- choice to the database (PostgreSQL has only STORED). Identity([{always
-- =, start =, increment =, minvalue =, maxvalue =, cycle =, cache =}]) is
-- an identity column: GENERATED ALWAYS / BY DEFAULT AS IDENTITY on
-- PostgreSQL; elsewhere the dialect maps what it can (MySQL and SQLite:
-- an autoincrementing key) and refuses the rest by name.

local kind = require("luamig.schema.value_kind")

local M = {}

local Computed, Identity = kind.mt.Computed, kind.mt.Identity
local describe = kind.describe

--- The options of Identity, in the order PostgreSQL writes them.
M.IDENTITY_OPTIONS = { "always", "start", "increment", "minvalue", "maxvalue", "cycle", "cache" }
local IDENTITY_KIND = { always = "boolean", cycle = "boolean", start = "integer", increment = "integer",
  minvalue = "integer", maxvalue = "integer", cache = "integer" }

local function is_plain_table(v) return type(v) == "table" and getmetatable(v) == nil end

--- Computed(expr, [{persisted =}])
function M.Computed(expr, opts)
  local text = kind.is_sql(expr) and expr.text or expr
  if type(text) ~= "string" or not text:find("%S") then
    error("Computed: argument #1 (expression) must be a non-empty string or sql fragment, got " .. describe(expr), 2)
  end
  if opts ~= nil and not is_plain_table(opts) then
    error("Computed: argument #2 (options) must be a table, got " .. describe(opts), 2)
  end
  for k, v in pairs(opts or {}) do
    if k ~= "persisted" then error("Computed: " .. kind.unknown_option(k, { persisted = true }), 2) end
    if type(v) ~= "boolean" then error("Computed: option persisted must be a boolean, got " .. describe(v), 2) end
  end
  return setmetatable({ sqltext = text, persisted = opts and opts.persisted }, Computed)
end

--- Identity([{always =, start =, increment =, minvalue =, maxvalue =, cycle =, cache =}])
function M.Identity(opts)
  if opts ~= nil and not is_plain_table(opts) then
    error("Identity: argument #1 (options) must be a table, got " .. describe(opts), 2)
  end
  local out = {}
  for k, v in pairs(opts or {}) do
    local want = IDENTITY_KIND[k]
    if want == nil then error("Identity: " .. kind.unknown_option(k, IDENTITY_KIND), 2) end
    local ok = want == "boolean" and type(v) == "boolean" or want == "integer" and math.type(v) == "integer"
    if not ok then error(string.format("Identity: option %s must be %s, got %s", k,
      want == "boolean" and "a boolean" or "an integer", describe(v)), 2) end
    out[k] = v
  end
  if out.cache and out.cache < 1 then error("Identity: option cache must be at least 1, got " .. out.cache, 2) end
  return setmetatable(out, Identity)
end

Computed.__tostring = function(c) return string.format("Computed(%q)", c.sqltext) end
Identity.__tostring = function() return "Identity(...)" end

return M
