-- luamig.context.ddl_lock: how long a revision's statements may wait for a
-- table lock (ddl_lock_timeout) and run (statement_timeout), and the
-- retries of a statement whose lock was not granted in time.
--
-- An ALTER TABLE waiting behind a long query holds its place in the
-- table's lock queue, and every query that comes after waits behind it: a
-- migration that waits minutes stalls the application for minutes. With a
-- lock timeout the statement gives up soon instead, lets the queue drain,
-- and is run again after a pause (doubling from ddl_lock_backoff), up to
-- ddl_lock_retries times. A retry must redo exactly the one statement:
-- inside a PostgreSQL transaction a failed statement aborts the
-- transaction, so there each try runs inside a savepoint that the failure
-- is rolled back to; outside a transaction (a `transactional = false`
-- revision) and for MySQL's DDL (which commits, and did nothing when its
-- wait ran out) the statement is simply run again. Only "lock not
-- granted" is retried (the dialect's lock_timeout.not_granted); any other
-- failure is the revision's, as without a timeout.
--
-- Where the dialect can, the settings are the transaction's (PostgreSQL's
-- SET LOCAL, set before the revision's body runs, and SET/RESET around
-- each op statement outside a transaction): a session SET behind a
-- transaction pooler would stay with a server connection that serves
-- other clients next. Elsewhere (MySQL) they are the session's for the
-- length of the steps, set before the first outside any transaction and
-- reset after the last. Either way they reach every statement a
-- revision runs in its transaction, op.get_bind()'s included, and
-- nothing after the run. Dialect fields (luamig.ddl.*): lock_timeout and
-- statement_timeout = { set, reset, in_transaction, scale, ... }; a
-- dialect without them (SQLite) ignores the settings.

local config = require("luamig.config")
local interrupt = require("luamig.interrupt")

local M = {}
local Context = {}
M.methods = Context

local KEYS = { "ddl_lock_timeout", "ddl_lock_retries", "ddl_lock_backoff", "statement_timeout" }
local DEFAULT_RETRIES, DEFAULT_BACKOFF = 5, 0.5
-- The longest pause between two tries: longer ones would only stretch a
-- deploy whose lock is held by something that is not about to end.
local MAX_PAUSE = 10
local SAVEPOINT = "luamig_ddl_lock"
-- Statements that do nothing when their lock is not granted, whatever
-- transaction they are in: MySQL's implicit commit before DDL happened
-- already, and the statement itself did not start.
local DDL_WORDS = { ALTER = true, CREATE = true, DROP = true, RENAME = true, TRUNCATE = true, COMMENT = true }

local function seconds_text(v)
  if v == math.floor(v) then return string.format("%d", v) end
  return (string.format("%.3f", v):gsub("0+$", ""))
end
M.seconds_text = seconds_text

--- The run's settings from the command line (opts) over luamig.lua (cfg),
-- checked for `dialect`: { lock, retries, backoff, statement } (seconds
-- and a count; lock and statement nil when not set), or nil, msg, 2.
function M.settings(cfg, opts, dialect)
  local v = {}
  for _, key in ipairs(KEYS) do
    local given = opts[key]
    if given ~= nil then
      local n = tonumber(given)
      local bad = config.check_timeout(key, n or given)
      if bad then return nil, string.format("option --%s: %s", (key:gsub("_", "-")), bad), 2 end
      v[key] = n
    else
      v[key] = cfg[key]
    end
  end
  local lock = dialect.lock_timeout
  if v.ddl_lock_timeout and lock and lock.whole and v.ddl_lock_timeout % 1 ~= 0 then
    return nil, string.format("ddl_lock_timeout is %s, and %s's %s: give a whole number of seconds",
      seconds_text(v.ddl_lock_timeout), dialect.display_name, lock.whole), 2
  end
  return { lock = v.ddl_lock_timeout, statement = v.statement_timeout,
    retries = v.ddl_lock_retries or DEFAULT_RETRIES, backoff = v.ddl_lock_backoff or DEFAULT_BACKOFF }
end

-- The statements of settings `t`: "set", "reset" or "in_transaction"
-- (SET LOCAL); `only`: the fields for which `which(field)` is true.
local function statements(dialect, t, kind, which)
  local out = {}
  for _, pair in ipairs { { dialect.lock_timeout, t.lock }, { dialect.statement_timeout, t.statement } } do
    local field, seconds = pair[1], pair[2]
    if field and seconds and field[kind] and (not which or which(field)) then
      -- a setting in milliseconds is rounded, and never to 0 (which
      -- would mean "no timeout")
      local value = field.scale == 1 and seconds_text(seconds)
        or string.format("%d", math.max(1, math.floor(seconds * field.scale + 0.5)))
      out[#out + 1] = string.format(field[kind], value)
    end
  end
  return out
end

-- The settings that stay with the session for the run: those a dialect
-- cannot set per transaction; all of them in a script (a psql session).
local function for_the_session(self)
  if self.offline then return nil end
  return function(field) return not field.in_transaction end
end

--- Set the run's timeouts `t` (M.settings; nil: none): true | nil, msg.
-- Offline, the SETs are lines of the script.
function Context:set_timeouts(t)
  if not t or not (t.lock or t.statement) then return true end
  self.timeouts = t
  if self.offline and t.lock and self.dialect.lock_timeout then
    self.out(string.format("-- ddl_lock_timeout: a statement waits at most %s s for its lock; a script cannot retry"
      .. " one that was not granted", seconds_text(t.lock)))
  end
  for _, sql in ipairs(statements(self.dialect, t, "set", for_the_session(self))) do
    local ok, err = self.conn:execute(sql)
    if not ok then
      self.timeouts = nil
      return nil, string.format("cannot set the run's timeouts (%s): %s", sql, tostring(err))
    end
  end
  return true
end

--- Put the session's settings back as they were before set_timeouts.
-- A failure is not reported: the connection is closed next anyway, and a
-- failed reset means the connection is gone.
function Context:reset_timeouts()
  local t = self.timeouts
  if not t then return end
  self.timeouts = nil
  for _, sql in ipairs(statements(self.dialect, t, "reset", for_the_session(self))) do self.conn:execute(sql) end
end

--- In a transaction a revision's body is about to run in: the settings
-- the dialect sets per transaction (SET LOCAL), which end with it. true
-- | nil, msg.
function Context:transaction_timeouts()
  local t = self.timeouts
  if self.offline or not t or not self.conn:in_transaction() then return true end
  for _, sql in ipairs(statements(self.dialect, t, "in_transaction")) do
    local ok, err = self.conn:execute(sql)
    if not ok then return nil, string.format("%s failed: %s", sql, tostring(err)) end
  end
  return true
end

-- exec, with the settings the dialect sets per transaction set around
-- each run when no transaction is open (a `transactional = false`
-- revision, an autocommit block).
local function around(self, exec)
  local t, conn = self.timeouts, self.conn
  if conn:in_transaction() then return exec end
  local sets = statements(self.dialect, t, "set", function(field) return field.in_transaction end)
  if #sets == 0 then return exec end
  local resets = statements(self.dialect, t, "reset", function(field) return field.in_transaction end)
  return function(sql)
    for _, set in ipairs(sets) do
      local ok, err = conn:execute(set)
      if not ok then return nil, string.format("%s failed: %s", set, tostring(err)) end
    end
    local n, msg, info = exec(sql)
    for _, reset in ipairs(resets) do conn:execute(reset) end
    return n, msg, info
  end
end

-- What the lock was for, as the progress lines and the failure name it.
local function target(record, sql)
  if record.table then
    return string.format('on "%s"', record.schema and (record.schema .. "." .. record.table) or record.table)
  end
  local text = sql:gsub("%s+", " "):match("^ *(.-) *$")
  if #text > 60 then text = text:sub(1, 57) .. "..." end
  return string.format('for "%s"', text)
end

local function not_granted(field, info)
  local want = field.not_granted
  if type(info) ~= "table" then return false end
  return (want.sqlstate ~= nil and info.sqlstate == want.sqlstate) or (want.code ~= nil and info.code == want.code)
end

--- Run `sql`, a statement of op record `record`, by exec(sql) -> n | nil,
-- msg, info; with a lock timeout set, run again after a pause while its
-- lock is not granted, as the module's head says. Returns what exec did
-- last, or nil, msg when the tries ran out.
function Context:run_statement(sql, record, exec)
  local t, field = self.timeouts, self.dialect.lock_timeout
  if self.offline or not t then return exec(sql) end
  exec = around(self, exec)
  if not (t.lock and field) then return exec(sql) end
  local conn = self.conn
  local savepoint = field.savepoint and conn:in_transaction()
  local unsafe = field.unsafe and sql:upper():find(field.unsafe)
  local word = (sql:match("^%s*(%a+)") or ""):upper()
  local exact = not unsafe and (savepoint or not conn:in_transaction() or DDL_WORDS[word])
  local tries, what = t.retries + 1, target(record, sql)
  local n, msg, info
  if savepoint then  -- kept by each ROLLBACK TO, for the next try
    local ok, err = conn:execute("SAVEPOINT " .. SAVEPOINT)
    if not ok then return nil, "SAVEPOINT before the statement failed: " .. tostring(err) end
  end
  for try = 1, tries do
    n, msg, info = exec(sql)
    if n then
      if savepoint then
        local ok, err = conn:execute("RELEASE SAVEPOINT " .. SAVEPOINT)
        if not ok then return nil, "RELEASE SAVEPOINT after the statement failed: " .. tostring(err) end
      end
      return n
    end
    if not not_granted(field, info) then return nil, msg, info end
    if not exact then
      local why = unsafe and field.unsafe_note or "a data statement inside a transaction is not retried: the server"
        .. " may have rolled the whole transaction back"
      return nil, string.format("%s (%s)", msg, why), info
    end
    if savepoint then
      local ok, err = conn:execute("ROLLBACK TO SAVEPOINT " .. SAVEPOINT)
      if not ok then return nil, string.format("%s; ROLLBACK TO SAVEPOINT failed too: %s", msg, tostring(err)) end
    end
    local line = string.format("lock %s not granted within %s s (try %d of %d)", what, seconds_text(t.lock), try, tries)
    if try == tries then
      self.log(line .. ", giving up")
      break
    end
    local pause = math.min(t.backoff * 2 ^ (try - 1), MAX_PAUSE)
    self.log(string.format("%s, retrying in %s s", line, seconds_text(pause)))
    if pause > 0 and not interrupt.sleep(pause) then return nil, msg, info end  -- the signal's guard raises next
  end
  local text = sql:gsub("%s+", " ")
  if #text > 200 then text = text:sub(1, 197) .. "..." end
  return nil, string.format("lock %s not granted after %d tries of %s s each (ddl_lock_timeout, ddl_lock_retries %d):"
    .. " %s: %s", what, tries, seconds_text(t.lock), t.retries, text, msg), info
end

return M
