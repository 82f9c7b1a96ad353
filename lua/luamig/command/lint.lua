-- luamig.command.lint: `luamig lint [RANGE]`, the statements the pending
-- revisions would run, checked against the rules of the project's dialect
-- (luamig.lint). Exit 1 when an error-level finding remains.

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local errors = require("luamig.errors")
local json = require("luamig.present.json")
local lint = require("luamig.lint")
local lint_plan = require("luamig.command.lint_plan")

-- The JSON object of a finding.
local function finding_object(f)
  return { rule = f.rule, severity = f.severity, file = f.file or json.null, line = f.line or json.null,
    revision = f.revision or json.null, message = f.message, fix = f.fix, sql = f.sql }
end

local function list_rules(opts)
  local _, rules = lint.all_rules()
  if opts.json or opts.format == "json" then
    local out = {}
    for i, r in ipairs(rules) do out[i] = { id = r.id, severity = r.severity, summary = r.summary, fix = r.fix } end
    opts.out(json.encode(out))
    return true
  end
  for _, r in ipairs(rules) do opts.out(string.format("%-30s %-8s %s", r.id, r.severity, r.summary)) end
  return true
end

local function run(cfg, opts)
  if opts.list_rules then return list_rules(opts) end
  local format = opts.format or (opts.json and "json") or "text"
  if opts.json and format ~= "json" then errors.fail("lint: --json and --format " .. format .. " cannot be combined", 2) end
  local _, findings, dialect, range = lint_plan.gather(cfg, opts, opts.args[1], "lint")
  local n = lint.count(findings)
  if format == "sarif" then
    local _, rules = lint.all_rules()
    opts.out(json.encode(require("luamig.lint.sarif").log(findings, rules, require("luamig").version)))
  elseif format == "json" then
    local list = {}
    for i, f in ipairs(findings) do list[i] = finding_object(f) end
    opts.out(json.encode({ dialect = dialect.display_name, from = range.from, to = range.to, revisions = range.steps,
      errors = n.error, warnings = n.warning, findings = list }))
  else
    for _, f in ipairs(findings) do opts.out(lint.text(f)) end
    opts.log(string.format("%s, %s in %s (%s:%s, %s)", common.plural(n.error, "error"),
      common.plural(n.warning, "warning"),
      common.plural(range.steps, "revision"), range.from, range.to, dialect.display_name))
  end
  opts.outcome = { n.error > 0 and "failed" or "ok", string.format("%d errors, %d warnings", n.error, n.warning) }
  if n.error > 0 then errors.raise { status = 1 } end
  return true
end

return {
  usage = "lint [RANGE] [--dialect NAME] [--json | --format FORMAT] | lint --list-rules", max = 1,
  flags = {
    flags.DIALECT, flags.JSON,
    { "--format", key = "format", value = "FORMAT", choices = { "text", "json", "sarif" },
      help = "text (default), json, or sarif (SARIF 2.1.0, for code scanning)" },
    { "--list-rules", key = "list_rules", help = "list the rules, their default level and what they check" },
  },
  run = run,
}
