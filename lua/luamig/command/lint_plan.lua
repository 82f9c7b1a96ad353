-- luamig.command.lint_plan: what `lint`, `plan` and `upgrade --lint`
-- share: the steps of a range, captured in --sql mode and linted.

local common = require("luamig.command.common")
local plan = require("luamig.plan")
local errors = require("luamig.errors")
local capture = require("luamig.lint.capture")
local lint = require("luamig.lint")

local M = {}

-- The database's version rows, or nil when there is no database to ask
-- (no URL, or it cannot be reached): then the range starts at base.
local function try_database_heads(cfg, opts)
  if not cfg.url then return nil end
  local ok, heads = errors.catch(common.database_heads, cfg, opts)
  if ok then return heads end
  return nil
end

--- The linted statements of RANGE (FROM:TO as history -r; TO alone
-- starts where the default does). Default: the pending revisions, current:heads when the
-- database answers, else base:heads. Returns statements, findings,
-- dialect, and the range as read ({from =, to =}).
function M.gather(cfg, opts, range, command)
  local graph, by_id = errors.check(plan.load(cfg))
  local from, to = (range or ""):match("^(.-):(.*)$")
  if not from then to = range end  -- TO alone: from the pending revisions
  if to == nil or to == "" then to = "heads" end
  local rows
  if from == nil then
    rows = try_database_heads(cfg, opts)
    from = rows and "current" or "base"
    rows = rows or {}
  elseif from == "current" then
    rows = common.database_heads(cfg, opts)
  elseif from == "base" or from == "" then
    from, rows = "base", {}
  else
    local r, err = graph:target_heads({}, "up", from)
    if not r then errors.raise { where = command .. " " .. range, message = err, status = 2 } end
    rows = r
  end
  local steps, serr, bad = plan.steps(graph, by_id, "up", rows, to)
  if not steps then errors.raise { where = bad and (command .. " " .. (range or to)) or nil, message = serr, status = 2 } end
  if not opts.dialect and not cfg.url then
    errors.fail(command .. ": no database URL to take the dialect from: pass --dialect (postgresql, mysql, mariadb,"
      .. " sqlite) or -u URL", 2)
  end
  local statements, dialect = errors.check(capture.collect(cfg, steps, by_id, opts.dialect, #rows == 0))
  local findings = lint.run(statements, dialect, cfg)
  return statements, findings, dialect, { from = from, to = to, steps = #steps }
end

--- upgrade --lint: refuse (exit 1, before anything runs) when an
-- error-level rule fires on `steps`; the findings go to stderr.
function M.refuse(cfg, opts, steps, by_id, dialect_name, from_base)
  local statements, dialect = errors.check(capture.collect(cfg, steps, by_id, dialect_name, from_base))
  local findings = lint.run(statements, dialect, cfg)
  local n = lint.count(findings)
  for _, f in ipairs(findings) do (opts.log or print)(lint.text(f)) end
  if n.error > 0 then
    errors.raise { status = 1, message = string.format("upgrade --lint: %s in what would run; nothing was run",
      common.plural(n.error, "error-level finding")),
      hint = "fix them, or allow one with a comment on the op's line: -- luamig: allow RULE because REASON" }
  end
end

return M
