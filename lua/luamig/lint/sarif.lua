-- luamig.lint.sarif: findings as SARIF 2.1.0, which code-scanning tools
-- (GitHub's among them) read: the rules in runs[0].tool.driver.rules, one
-- result per finding pointing at the revision line.

local M = {}

M.SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

--- The SARIF log (a table for luamig.present.json) of `findings`; `rules`
-- the list of every rule (luamig.lint.all_rules), `version` luamig's.
function M.log(findings, rules, version)
  local index, driver_rules = {}, {}
  for i, rule in ipairs(rules) do
    index[rule.id] = i - 1
    driver_rules[i] = { id = rule.id, name = rule.id, shortDescription = { text = rule.summary },
      help = { text = rule.fix }, defaultConfiguration = { level = rule.severity } }
  end
  local results = {}
  for i, f in ipairs(findings) do
    results[i] = { ruleId = f.rule, ruleIndex = index[f.rule], level = f.severity,
      message = { text = string.format("%s (fix: %s)", f.message, f.fix) },
      locations = { { physicalLocation = { artifactLocation = { uri = f.file or "luamig.lua" },
        region = { startLine = f.line or 1 } } } } }
  end
  return { version = "2.1.0", ["$schema"] = M.SCHEMA,
    runs = { { tool = { driver = { name = "luamig", version = version,
      rules = driver_rules } }, results = results } } }
end

return M
