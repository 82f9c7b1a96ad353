-- luamig.lint: rules over the statements a run would execute, for
-- `luamig lint`, `luamig plan` and `upgrade --lint`.
--
-- The statements come from luamig.lint.capture (the revisions run in
-- --sql mode, each statement with the revision line that issued it). Each
-- rule set is a module (luamig.lint.<set>) holding rules { id, severity,
-- summary, fix, check(st, state) -> message | nil }, an optional
-- observe(st, state) that remembers what a later rule needs, and locks(st,
-- state) for `plan`. Which sets apply is keyed on the dialect's name, so
-- that no code outside luamig.ddl branches on a backend's name.

local sql = require("luamig.lint.sql")

local M = {}

-- MariaDB's dialect is named "mysql" too (luamig.ddl.mariadb); its
-- differences are in the messages of luamig.lint.mysql.
local SETS = { postgres = { "common", "postgres" }, mysql = { "common", "mysql" }, sqlite = { "common", "sqlite" } }
M.SETS = SETS

-- A suppression comment without a reason: a finding of its own, because
-- an unexplained exception is what a review cannot judge.
M.REASON_RULE = { id = "suppress-reason", severity = "error", summary = "a suppression comment without a reason",
  fix = "write why: -- luamig: allow RULE because REASON" }

--- The rule set modules of `dialect` (a ddl dialect), in order.
function M.modules(dialect)
  local out = {}
  for _, name in ipairs(SETS[dialect.name] or { "common" }) do out[#out + 1] = require("luamig.lint." .. name) end
  return out
end

--- Every rule of every set, by id (for config checks and SARIF).
function M.all_rules()
  local by_id, list, seen = {}, {}, {}
  for _, names in pairs(SETS) do
    for _, name in ipairs(names) do
      if not seen[name] then
        seen[name] = true
        for _, rule in ipairs(require("luamig.lint." .. name).rules) do by_id[rule.id] = rule; list[#list + 1] = rule end
      end
    end
  end
  by_id[M.REASON_RULE.id] = M.REASON_RULE
  list[#list + 1] = M.REASON_RULE
  table.sort(list, function(a, b) return a.id < b.id end)
  return by_id, list
end

--- Check luamig.lua's `lint` table: { disable = {RULE...}, severity =
-- {RULE = "error" | "warning" | "off"} }. true | nil, message.
function M.check_config(v)
  local rules = M.all_rules()
  local function known(id, where)
    if type(id) ~= "string" or not rules[id] then
      return nil, string.format("lint.%s: unknown rule %s (luamig lint --list-rules lists them)", where, tostring(id))
    end
    return true
  end
  for k in pairs(v) do
    if k ~= "disable" and k ~= "severity" then return nil, "lint: unknown key " .. tostring(k) .. " (disable, severity)" end
  end
  if v.disable ~= nil and type(v.disable) ~= "table" then return nil, "lint.disable must be a list of rule ids" end
  for _, id in ipairs(v.disable or {}) do
    local ok, err = known(id, "disable")
    if not ok then return nil, err end
  end
  if v.severity ~= nil and type(v.severity) ~= "table" then return nil, "lint.severity must map rule ids to levels" end
  for id, level in pairs(v.severity or {}) do
    local ok, err = known(id, "severity")
    if not ok then return nil, err end
    if level ~= "error" and level ~= "warning" and level ~= "off" then
      return nil, string.format("lint.severity.%s must be \"error\", \"warning\" or \"off\", got %s", id, tostring(level))
    end
  end
  return true
end

-- The project's level of `rule`: its own, changed by lint.severity, nil
-- when disabled.
local function level(rule, lcfg)
  for _, id in ipairs(lcfg.disable or {}) do if id == rule.id then return nil end end
  local l = (lcfg.severity or {})[rule.id] or rule.severity
  if l == "off" then return nil end
  return l
end

-- The lines of a revision file, read once per run.
local function file_lines(cache, path)
  if cache[path] == nil then
    local lines, f = {}, io.open(path, "r")
    if f then
      for l in f:lines() do lines[#lines + 1] = l end
      f:close()
    end
    cache[path] = lines
  end
  return cache[path]
end

-- The suppression of `rule` for a statement at file:line, on that line or
-- the one above: "allowed", "no-reason" (with the comment's line), or nil.
local function suppression(cache, st, id)
  if not st.file or not st.line then return nil end
  local lines = file_lines(cache, st.file)
  for _, n in ipairs({ st.line, st.line - 1 }) do
    local text = lines[n]
    local ids, rest = (text or ""):match("%-%-%s*luamig:%s*allow%s+([%w_%-,]+)(.*)$")
    if ids then
      for one in ids:gmatch("[^,]+") do
        if one == id then
          if rest:match("^%s+because%s+%S") then return "allowed" end
          return "no-reason", n
        end
      end
    end
  end
  return nil
end

-- What every set needs: the tables the running revision created (rules
-- about existing tables leave those alone) and the session settings made
-- so far (SET lock_timeout, SET foreign_key_checks).
local function observe(st, state)
  if st.revision ~= state.revision then state.revision, state.created = st.revision, {} end
  if st.verb == "create_table" and st.table then state.created[st.table] = true end
  if st.verb == "set" then
    local rest = st.up:gsub("^SET%s+", ""):gsub("^LOCAL%s+", ""):gsub("^SESSION%s+", "")
    local name, value = rest:match("^([%w_%.@]+)%s*=%s*(.-)%s*;?$")
    if not name then name, value = rest:match("^([%w_%.@]+)%s+TO%s+(.-)%s*;?$") end
    if name then state.settings[(name:lower():gsub("^@@", ""):gsub("^session%.", ""))] = value end
  end
end

--- Whether `st` works on a table that existed before its revision.
function M.existing(st, state)
  return st.table ~= nil and not state.created[st.table]
end

--- Lint `statements` (luamig.lint.capture's) for `dialect` under `cfg`.
-- Each statement gets .findings and .locks (the sets' locks(); plan shows
-- them); returns the findings in order.
function M.run(statements, dialect, cfg)
  local lcfg = type(cfg.lint) == "table" and cfg.lint or {}
  local sets = M.modules(dialect)
  local state = { cfg = cfg, dialect = dialect, created = {}, settings = {} }
  local findings, cache, reasons = {}, {}, {}
  for _, st in ipairs(statements) do
    st.findings, st.locks = {}, {}
    -- a type as this dialect writes it (rules compare a record's types)
    st.dialect_type = function(t)
      local ok, text = pcall(dialect.type_sql, dialect, t)
      return ok and text or nil
    end
    observe(st, state)
    for _, set in ipairs(sets) do
      -- luamig's own statements (the version table) are not the revision's
      if st.file then
        for _, rule in ipairs(set.rules) do
          local sev = level(rule, lcfg)
          local message = sev and rule.check(st, state)
          if message then
            local how, at = suppression(cache, st, rule.id)
            if how == "no-reason" and not reasons[st.file .. ":" .. at] then
              reasons[st.file .. ":" .. at] = true
              local rsev = level(M.REASON_RULE, lcfg)
              if rsev then
                local f = { rule = M.REASON_RULE.id, severity = rsev, file = st.file, line = at, revision = st.revision,
                  message = "the suppression of " .. rule.id .. " gives no reason", fix = M.REASON_RULE.fix, sql = st.sql }
                findings[#findings + 1] = f
                st.findings[#st.findings + 1] = f
              end
            end
            if how ~= "allowed" then
              local f = { rule = rule.id, severity = sev, file = st.file, line = st.line, revision = st.revision,
                message = message, fix = rule.fix, sql = st.sql }
              findings[#findings + 1] = f
              st.findings[#st.findings + 1] = f
            end
          end
        end
      end
      if set.locks then
        for _, l in ipairs(set.locks(st, state) or {}) do st.locks[#st.locks + 1] = l end
      end
      if set.observe then set.observe(st, state) end
    end
  end
  return findings
end

--- The number of findings at each level.
function M.count(findings)
  local n = { error = 0, warning = 0 }
  for _, f in ipairs(findings) do n[f.severity] = (n[f.severity] or 0) + 1 end
  return n
end

--- One line of text per finding: `file:line: severity RULE: message (fix: ...)`.
function M.text(f)
  return string.format("%s:%s: %s %s: %s (fix: %s)", f.file or "?", f.line or "?", f.severity, f.rule, f.message, f.fix)
end

M.parse = sql.parse
return M
