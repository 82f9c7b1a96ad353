-- luamig.command.plan: `luamig plan [TARGET]`, what `upgrade` would run,
-- statement by statement, with the table and lock each takes and the lint
-- findings beside it.

local flags = require("luamig.command.flags")
local json = require("luamig.present.json")
local lint = require("luamig.lint")
local lint_plan = require("luamig.command.lint_plan")

local function lock_text(l)
  local what = l.algorithm and string.format("ALGORITHM=%s, LOCK=%s", l.algorithm, l.lock) or l.lock
  return l.table and (l.table .. ": " .. what) or what
end

local function run(cfg, opts)
  local target = opts.args[1]
  local range = target
  if opts.from then range = opts.from .. ":" .. (target or "heads") end
  local statements, findings, dialect, read = lint_plan.gather(cfg, opts, range, "plan")
  range = read
  local shown = {}
  for _, st in ipairs(statements) do
    if st.file then shown[#shown + 1] = st end
  end
  if opts.json then
    local list = {}
    for i, st in ipairs(shown) do
      local locks, found = {}, {}
      for j, l in ipairs(st.locks) do
        locks[j] = { table = l.table or json.null, lock = l.lock, algorithm = l.algorithm or json.null }
      end
      for j, f in ipairs(st.findings) do
        found[j] = { rule = f.rule, severity = f.severity, line = f.line, message = f.message, fix = f.fix }
      end
      list[i] = { revision = st.revision, file = st.file, line = st.line, sql = st.sql, locks = locks, findings = found }
    end
    local n = lint.count(findings)
    opts.out(json.encode({ dialect = dialect.display_name, from = range.from, to = range.to, revisions = range.steps,
      errors = n.error, warnings = n.warning, statements = list }))
    return true
  end
  local revision
  for _, st in ipairs(shown) do
    if st.revision ~= revision then
      revision = st.revision
      opts.out(string.format("revision %s (%s)", st.revision, st.file))
    end
    opts.out(string.format("  %s:%d  %s", st.file, st.line, (st.sql:gsub("%s*\n%s*", " "))))
    for _, l in ipairs(st.locks) do opts.out("      lock " .. lock_text(l)) end
    for _, f in ipairs(st.findings) do
      opts.out(string.format("      %s %s: %s (fix: %s)", f.severity, f.rule, f.message, f.fix))
    end
  end
  if #shown == 0 then opts.out(string.format("nothing to run (%s:%s)", range.from, range.to)) end
  return true
end

return {
  usage = "plan [TARGET] [--from REV] [--dialect NAME] [--json]", max = 1,
  flags = {
    flags.DIALECT, flags.JSON,
    { "--from", key = "from", value = "REV", help = "plan from REV (base, a revision) instead of the database's revisions" },
  },
  run = run,
}
