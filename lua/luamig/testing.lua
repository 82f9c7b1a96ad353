-- luamig.testing: unit-testing migrations with busted.
--
--   local testing = require("luamig.testing")
--   describe("migrations", function()
--     local env
--     before_each(function() env = testing.environment() end)
--     after_each(function() env:close() end)
--     it("has one head", function() env:single_head() end)
--     it("leaves no trace when downgraded", function() env:downgrade_leaves_no_trace() end)
--   end)
--
-- An environment is the project's revisions (luamig.lua and
-- migrations/, as the CLI reads them) and a scratch database of its own:
-- SQLite in memory by default; for a PostgreSQL or MySQL URL (opts.url,
-- `luamig test -u URL`, or $LUAMIG_TEST_URL) a new database on that
-- server, dropped by close(). Everything runs through one connection, so
-- an in-memory database lives as long as the environment.
--
-- Helpers move the database and read it; checks (single_head and the
-- others, in the spirit of pytest-alembic) raise an error that says what
-- is wrong, which busted reports as the failure, and return true.

local config = require("luamig.config")
local context = require("luamig.context")
local ddl = require("luamig.ddl")
local driver = require("luamig.driver")
local plan = require("luamig.plan")
local sys = require("luamig.sys")
local snapshot = require("luamig.autogen.snapshot")

local M = {}

--- The URL `luamig test -u URL` gave (command.test sets it).
M.default_url = nil

local Env = {}
Env.__index = Env

-- A check's failure: the message at the spec's line.
local function fail(msg) error(msg, 3) end

-- Create a scratch database on the server `url` names; returns its URL
-- and a function that drops it.
local function scratch_database(url, parsed, dialect)
  local params = { host = parsed.host, port = parsed.port, user = parsed.user, password = parsed.password,
    database = parsed.database }
  for k, v in pairs(parsed.params or {}) do params[k] = v end
  if params.database == "" then params.database = nil end
  local admin, err = driver.connect(parsed.driver, params)
  if not admin then error("luamig.testing: cannot connect to " .. config.mask_url(url) .. ": " .. config.scrub(tostring(err), parsed), 3) end
  local name = "luamig_test_" .. sys.random_hex(12)
  local ok, cerr = admin:execute("CREATE DATABASE " .. admin:quote_ident(name))
  if not ok then
    admin:close()
    error("luamig.testing: cannot create a scratch database: " .. config.scrub(tostring(cerr), parsed), 3)
  end
  local scratch = config.with_database(url, name)
  local function drop()
    admin:execute(string.format(dialect.drop_database_sql, admin:quote_ident(name)))
    admin:close()
  end
  return scratch, drop, parsed.database
end

--- A new environment. opts: url, config_file (default ./luamig.lua when
-- present), script_location, x (a table of -x settings).
function M.environment(opts)
  opts = opts or {}
  local cfg, err = config.load { config_file = opts.config_file, x = opts.x }
  if not cfg then error("luamig.testing: " .. err, 2) end
  if opts.script_location then cfg.script_location = opts.script_location end
  local url = opts.url or M.default_url or os.getenv("LUAMIG_TEST_URL") or "sqlite::memory:"
  local parsed, perr = config.parse_url(url)
  if not parsed then error("luamig.testing: " .. perr, 2) end
  local drop
  local dialect = ddl.dialect(parsed.driver)
  if not dialect.database_file then url, drop = scratch_database(url, parsed, dialect) end
  cfg.url = url
  local ctx, cerr = context.open(cfg, {})
  if not ctx then
    if drop then drop() end
    error("luamig.testing: " .. cerr, 2)
  end
  local env = setmetatable({ cfg = cfg, ctx = ctx, conn = ctx.conn, dialect = ctx.dialect, drop = drop }, Env)
  env:reload()
  return env
end

--- Read the revision files again (after a spec wrote one).
function Env:reload()
  local graph, by_id = plan.load(self.cfg)
  if not graph then error("luamig.testing: " .. by_id, 2) end
  self.graph, self.by_id = graph, by_id
end

function Env:close()
  if self.ctx then self.ctx:close() end
  self.ctx = nil
  if self.drop then self.drop() end
  self.drop = nil
end

---------------------------------------------------------------------------
-- Moving the database

--- The revisions the database is at, sorted.
function Env:current()
  local heads, err = self.ctx:current_heads()
  if not heads then error(err, 2) end
  return heads
end

-- Runs steps that plan.steps gave (so their files are compiled).
local function run(self, steps, level)
  local ok, err = self.ctx:run_steps(steps, self.by_id)
  if not ok then error(err, level) end
  return true
end

local function steps_to(self, direction, target, level)
  local steps, err, bad_target = plan.steps(self.graph, self.by_id, direction, self:current(), target)
  if bad_target then error(string.format("%s %s: %s", direction == "up" and "upgrade" or "downgrade", target, err),
    level) end
  if not steps then error(err, level) end
  return steps
end

function Env:migrate_up_to(target) return run(self, steps_to(self, "up", target or "heads", 3), 3) end
function Env:migrate_down_to(target) return run(self, steps_to(self, "down", target or "base", 3), 3) end
function Env:migrate_one_up() return run(self, steps_to(self, "up", "+1", 3), 3) end
function Env:migrate_one_down() return run(self, steps_to(self, "down", "-1", 3), 3) end

--- Insert rows (a list of {column = value}) into a table.
function Env:insert_into(table_name, rows)
  for _, row in ipairs(rows) do
    local names, marks, values = {}, {}, {}
    for k, v in pairs(row) do
      names[#names + 1] = self.dialect:quote(k)
      marks[#marks + 1] = "?"
      values[#values + 1] = v
    end
    local sql = string.format("INSERT INTO %s (%s) VALUES (%s)", self.dialect:quote(table_name),
      table.concat(names, ", "), table.concat(marks, ", "))
    local ok, err = self.conn:execute(sql, table.unpack(values, 1, #names))
    if not ok then error(string.format("insert_into(%q): %s", table_name, tostring(err)), 2) end
  end
  return true
end

--- Rows of a query, as the driver returns them.
function Env:query(sql, ...)
  local rows, err = self.conn:query(sql, ...)
  if not rows then error(err, 2) end
  return rows
end

--- The whole schema as the database has it (luamig.autogen.snapshot).
function Env:schema()
  local snap, err = require("luamig.autogen").reflect(self.ctx)
  if not snap then error(err, 2) end
  return snap
end

--- The definition of `table_name` after migrating to `rev` (the database
-- stays there): columns, keys, indexes, as snapshot tables hold them; nil
-- when the table does not exist at that revision.
function Env:table_at_revision(table_name, rev)
  local up, err, bad_target = plan.steps(self.graph, self.by_id, "up", self:current(), rev)
  if not up and not bad_target then error(err, 2) end
  run(self, up or steps_to(self, "down", rev, 3), 3)
  return self:schema().tables[table_name]
end

---------------------------------------------------------------------------
-- Checks

-- What differs between two schemas, one line each.
local function differences(self, want, have)
  local compare = require("luamig.autogen.compare")
  local lines = {}
  for _, c in ipairs(compare.diff(want, have, self.dialect, {}, {})) do lines[#lines + 1] = compare.describe(c) end
  return lines
end

--- The project has exactly one head.
function Env:single_head()
  local heads = self.graph:heads()
  if #heads ~= 1 then
    fail(string.format("single_head: the revisions have %d heads (%s); merge them with 'luamig merge heads -m MESSAGE'",
      #heads, #heads > 0 and table.concat(heads, ", ") or "none"))
  end
  return true
end

--- Every revision applies to an empty database, up to the heads.
function Env:upgrade_from_base()
  run(self, steps_to(self, "down", "base", 3), 3)
  run(self, steps_to(self, "up", "heads", 3), 3)
  return true
end

-- The steps from base to the heads, one at a time.
local function all_up_steps(self)
  local steps, err, bad_target = plan.steps(self.graph, self.by_id, "up", {}, "heads")
  if not steps then fail(bad_target and "the revisions cannot be ordered: " .. err or err) end
  return steps
end

local function inverse(step)
  local v = step.version
  return { node = step.node, id = step.id, direction = "down", version = {
    delete = v.insert, insert = v.delete, update = v.update and { from = v.update.to, to = v.update.from } } }
end

--- Every revision up, every revision down, then up again.
function Env:up_down_consistency()
  run(self, steps_to(self, "down", "base", 3), 3)
  local steps = all_up_steps(self)
  for _, s in ipairs(steps) do run(self, { s }, 3) end
  for i = #steps, 1, -1 do run(self, { inverse(steps[i]) }, 3) end
  if #self:current() ~= 0 then fail("up_down_consistency: after every downgrade the database is at "
    .. table.concat(self:current(), ", ")) end
  for _, s in ipairs(steps) do run(self, { s }, 3) end
  return true
end

--- After upgrading to the heads, autogenerate finds nothing to do: the
-- models and the revisions describe the same schema.
function Env:model_matches_ddl()
  run(self, steps_to(self, "up", "heads", 3), 3)
  local autogen = require("luamig.autogen")
  local changes, err = autogen.changes(self.ctx, self.graph, false)
  if not changes then fail("model_matches_ddl: " .. err) end
  if #changes > 0 then
    local lines = {}
    for i, c in ipairs(changes) do lines[i] = "  " .. autogen.describe(c) end
    fail("model_matches_ddl: the models differ from what the revisions make:\n" .. table.concat(lines, "\n"))
  end
  return true
end

--- For every revision: the schema before it equals the schema after its
-- upgrade and downgrade.
function Env:downgrade_leaves_no_trace()
  run(self, steps_to(self, "down", "base", 3), 3)
  for _, s in ipairs(all_up_steps(self)) do
    local before = self:schema()
    run(self, { s }, 3)
    run(self, { inverse(s) }, 3)
    local lines = differences(self, before, self:schema())
    if #lines > 0 then
      fail(string.format("downgrade_leaves_no_trace: revision %s (%s) does not undo everything its upgrade does:"
        .. " after its upgrade and downgrade, getting back to the schema before it needs: %s", s.node.id, s.node.path or "?",
        table.concat(lines, "; ")))
    end
    run(self, { s }, 3)
  end
  return true
end

--- Whether the project has a models file (for model_matches_ddl).
function M.has_models(opts)
  local cfg = config.load { config_file = opts and opts.config_file }
  return cfg ~= nil and require("luamig.autogen.model").path(cfg) ~= nil
end

M.snapshot = snapshot
return M
