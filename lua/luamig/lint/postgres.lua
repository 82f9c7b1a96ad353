-- luamig.lint.postgres: PostgreSQL's rules and lock levels.
--
-- Most ALTER TABLE forms take ACCESS EXCLUSIVE, which also queues every
-- later reader behind it: what matters is how long the statement holds it
-- (a scan or a rewrite of the table) and how long it waits for it
-- (lock_timeout). The lock levels are those of the PostgreSQL manual
-- (ALTER TABLE, CREATE INDEX, "Explicit Locking"). Rewrites on ADD COLUMN:
-- since PostgreSQL 11 a non-volatile default is stored once in the
-- catalog; a volatile one (clock_timestamp(), random(), gen_random_uuid(),
-- nextval() of a serial), an identity or a stored generated column fills
-- every row. now() and CURRENT_TIMESTAMP are stable, not volatile: no
-- rewrite.

local sql = require("luamig.lint.sql")
local common = require("luamig.lint.common")

local existing = common.existing
local M = {}

local VOLATILE = { "CLOCK_TIMESTAMP", "RANDOM", "GEN_RANDOM_UUID", "UUID_GENERATE_V1", "UUID_GENERATE_V1MC",
  "UUID_GENERATE_V4", "UUIDV7", "UUID_GENERATE_V7", "TIMEOFDAY", "NEXTVAL", "TXID_CURRENT", "SETSEED" }

-- Why an ADD COLUMN rewrites the table, or nil.
local function add_column_rewrite(st)
  if not sql.action_is(st, "ADD COLUMN", "ADD") or sql.action_is(st, "ADD CONSTRAINT", "ADD PRIMARY",
      "ADD UNIQUE", "ADD FOREIGN", "ADD CHECK", "ADD EXCLUDE") then
    return nil
  end
  local a = st.action_up
  local default = a:match("%sDEFAULT%s+(.*)$")
  if default then
    for _, fn in ipairs(VOLATILE) do
      if default:find("%f[%w_]" .. fn .. "%s*%(") then return "a volatile default, " .. fn:lower() .. "()" end
    end
  end
  if a:find("%sGENERATED%s+[%w%s]*AS%s+IDENTITY") then return "an identity column" end
  if a:find("%sGENERATED%s+ALWAYS%s+AS%s*%(.*%)%s*STORED") then return "a stored generated column" end
  if a:find("^ADD%s+[%w%s]-%S+%s+BIGSERIAL") or a:find("^ADD%s+[%w%s]-%S+%s+SERIAL") or
    a:find("^ADD%s+[%w%s]-%S+%s+SMALLSERIAL") then
    return "a serial column (nextval() is volatile)"
  end
  return nil
end

-- Whether an ALTER COLUMN TYPE keeps the rows as they are: to TEXT or an
-- unbounded VARCHAR from a VARCHAR or TEXT, or a longer VARCHAR (what
-- the manual calls binary coercible). The old type comes from the
-- record's existing_type; without it nothing can be proved.
local function type_change_is_free(st)
  local r = st.record
  if st.action_up:find("%sUSING%s") then return false end
  if not (r and r.kind == "alter_column" and r.type_ and r.existing_type) then return false end
  local new, old = st.dialect_type(r.type_), st.dialect_type(r.existing_type)
  if not new or not old then return false end
  new, old = new:upper(), old:upper()
  local old_text = old == "TEXT" or old:find("^VARCHAR") or old:find("^CHARACTER VARYING")
  if not old_text then return false end
  if new == "TEXT" or new == "VARCHAR" or new == "CHARACTER VARYING" then return true end
  local n, m = tonumber(new:match("^VARCHAR%((%d+)%)$")), tonumber(old:match("^VARCHAR%((%d+)%)$"))
  return n ~= nil and m ~= nil and n >= m
end

-- The validated CHECK (col IS NOT NULL) constraints, by "table.col", and
-- the NOT VALID ones by name until VALIDATE CONSTRAINT.
local function check_column(st)
  return st.action:match("[Cc][Hh][Ee][Cc][Kk]%s*%(+%s*[\"`]?([%w_]+)[\"`]?%s+[Ii][Ss]%s+[Nn][Oo][Tt]%s+[Nn][Uu][Ll][Ll]")
end

function M.observe(st, state)
  state.not_null = state.not_null or {}
  state.pending_checks = state.pending_checks or {}
  if st.verb ~= "alter_table" or not st.table then return end
  if sql.action_is(st, "ADD CONSTRAINT") and st.action_up:find("%sCHECK%s*%(") then
    local col = check_column(st)
    local name = sql.unquote(st.action:match("^%S+%s+%S+%s+(%S+)"))
    if col then
      if st.action_up:find("NOT%s+VALID") then state.pending_checks[name] = st.table .. "." .. col
      else state.not_null[st.table .. "." .. col] = true end
    end
  elseif sql.action_is(st, "VALIDATE CONSTRAINT") then
    local name = sql.unquote(st.action:match("^%S+%s+%S+%s+(%S+)"))
    local key = state.pending_checks[name]
    if key then state.not_null[key] = true end
  end
end

-- DDL that waits for a lock: everything but CREATE TABLE and SET.
local function takes_lock(st)
  return st.verb == "alter_table" or st.verb == "create_index" or st.verb == "drop_index" or st.verb == "drop_table"
end

M.rules = {
  { id = "pg-lock-timeout", severity = "warning", summary = "DDL without lock_timeout can queue every query behind it",
    fix = "set ddl_lock_timeout in luamig.lua, or op.execute(\"SET lock_timeout = '5s'\") first in the revision",
    check = function(st, state)
      if state.cfg.ddl_lock_timeout ~= nil or state.settings.lock_timeout then return nil end
      if not takes_lock(st) or not existing(st, state) and st.verb ~= "drop_index" then return nil end
      state.timeout_reported = state.timeout_reported or {}
      if state.timeout_reported[st.revision] then return nil end
      state.timeout_reported[st.revision] = true
      return "DDL without lock_timeout: while it waits for its lock, every later query on the table waits too"
    end },
  { id = "pg-index-concurrently", severity = "error", summary = "CREATE INDEX blocks writes while it builds",
    fix = "op.create_index(..., {postgresql_concurrently = true}) in a revision with transactional = false",
    check = function(st, state)
      if st.verb == "create_index" and not st.concurrently and existing(st, state) then
        return string.format("CREATE INDEX without CONCURRENTLY on %s holds a SHARE lock (no writes) for the whole build",
          st.table)
      end
    end },
  { id = "pg-fk-not-valid", severity = "error", summary = "ADD FOREIGN KEY scans the table under lock",
    fix = "add it with postgresql_not_valid = true, then op.execute(\"ALTER TABLE ... VALIDATE CONSTRAINT ...\") in a"
      .. " later revision",
    check = function(st, state)
      if sql.action_is(st, "ADD CONSTRAINT", "ADD FOREIGN") and st.action_up:find("FOREIGN%s+KEY")
        and not st.action_up:find("NOT%s+VALID") and existing(st, state) then
        return string.format("ADD FOREIGN KEY on %s without NOT VALID checks every row while both tables are locked"
          .. " (SHARE ROW EXCLUSIVE)", st.table)
      end
    end },
  { id = "pg-check-not-valid", severity = "warning", summary = "ADD CHECK scans the table under ACCESS EXCLUSIVE",
    fix = "add it with postgresql_not_valid = true, then VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE) separately",
    check = function(st, state)
      if sql.action_is(st, "ADD CONSTRAINT", "ADD CHECK") and st.action_up:find("%sCHECK%s*%(")
        and not st.action_up:find("NOT%s+VALID") and existing(st, state) then
        return string.format("ADD CHECK on %s without NOT VALID reads every row under ACCESS EXCLUSIVE", st.table)
      end
    end },
  { id = "pg-set-not-null", severity = "error", summary = "SET NOT NULL scans the table under ACCESS EXCLUSIVE",
    fix = "first add CHECK (col IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it (PostgreSQL 12+ then skips the scan)",
    check = function(st, state)
      if sql.action_is(st, "ALTER COLUMN") and st.action_up:find("%sSET%s+NOT%s+NULL") and existing(st, state)
        and not (state.not_null or {})[st.table .. "." .. (st.column or "")] then
        return string.format("SET NOT NULL on %s.%s without a validated CHECK (%s IS NOT NULL) scans the whole table"
          .. " under ACCESS EXCLUSIVE", st.table, st.column or "?", st.column or "col")
      end
    end },
  { id = "pg-type-rewrite", severity = "error", summary = "a column type change rewrites the table",
    fix = "add a column of the new type, backfill it in batches, and switch to it; only a longer VARCHAR or TEXT is free"
      .. " (give existing_type so that luamig can tell)",
    check = function(st, state)
      if sql.action_is(st, "ALTER COLUMN") and st.action_up:find("^ALTER%s+COLUMN%s+%S+%s+TYPE%s")
        and existing(st, state) and not type_change_is_free(st) then
        return string.format("changing the type of %s.%s rewrites the table and its indexes under ACCESS EXCLUSIVE",
          st.table, st.column or "?")
      end
    end },
  { id = "pg-volatile-default", severity = "error", summary = "ADD COLUMN that fills every row rewrites the table",
    fix = "add the column without that default (or with a constant one), then backfill it in batches",
    check = function(st, state)
      local why = existing(st, state) and add_column_rewrite(st)
      if why then
        return string.format("ADD COLUMN on %s with %s rewrites the whole table under ACCESS EXCLUSIVE", st.table, why)
      end
    end },
  { id = "pg-unique-using-index", severity = "error", summary = "ADD UNIQUE / PRIMARY KEY builds its index under lock",
    fix = "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)",
    check = function(st, state)
      if st.verb == "alter_table" and (st.action_up:find("^ADD%s+CONSTRAINT%s+%S+%s+UNIQUE") or
          st.action_up:find("^ADD%s+CONSTRAINT%s+%S+%s+PRIMARY%s+KEY") or sql.action_is(st, "ADD UNIQUE", "ADD PRIMARY KEY"))
        and not st.action_up:find("USING%s+INDEX") and existing(st, state) then
        return string.format("adding a unique or primary key constraint to %s builds its index under ACCESS EXCLUSIVE",
          st.table)
      end
    end },
}

-- The lock of each statement kind (PostgreSQL manual, "Table-Level Locks").
function M.locks(st)
  local t = st.table
  if st.verb == "create_index" then
    return { { table = t, lock = st.concurrently and "SHARE UPDATE EXCLUSIVE" or "SHARE" } }
  elseif st.verb == "drop_index" then
    return { { table = t or "(the index's table)", lock = st.concurrently and "SHARE UPDATE EXCLUSIVE" or "ACCESS EXCLUSIVE" } }
  elseif st.verb == "drop_table" then
    return { { table = t, lock = "ACCESS EXCLUSIVE" } }
  elseif st.verb == "create_table" then
    local ref = st.up:find("%sREFERENCES%s") and sql.referenced(st)
    local out = { { table = t, lock = "ACCESS EXCLUSIVE (new table)" } }
    if ref and ref ~= t then out[2] = { table = ref, lock = "SHARE ROW EXCLUSIVE" } end
    return out
  elseif st.verb == "alter_table" then
    if st.action_up:find("FOREIGN%s+KEY") and sql.action_is(st, "ADD") then
      return { { table = t, lock = "SHARE ROW EXCLUSIVE" }, { table = sql.referenced(st), lock = "SHARE ROW EXCLUSIVE" } }
    elseif sql.action_is(st, "VALIDATE CONSTRAINT") then
      return { { table = t, lock = "SHARE UPDATE EXCLUSIVE" } }
    elseif st.action_up:find("^ALTER%s+COLUMN%s+%S+%s+SET%s+STATISTICS") then
      return { { table = t, lock = "SHARE UPDATE EXCLUSIVE" } }
    end
    return { { table = t, lock = "ACCESS EXCLUSIVE" } }
  elseif st.verb == "dml" then
    local third = not st.up:find("^UPDATE")  -- INSERT INTO t, DELETE FROM t; UPDATE t
    return { { table = sql.bare(third and st.sql:match("^%S+%s+%S+%s+([^%s%(]+)") or st.sql:match("^%S+%s+(%S+)")),
      lock = "ROW EXCLUSIVE" } }
  elseif st.up:find("^COMMENT%s+ON") then
    return { { table = t, lock = "SHARE UPDATE EXCLUSIVE" } }
  end
  return {}
end

return M
