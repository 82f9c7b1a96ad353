-- luamig.command.check: `luamig check`, exit 0 when the database matches
-- the models, else 1 with the differences (for CI); --json gives them as
-- text lines (`differences`, as before) and as objects (`changes`, see
-- luamig.present.differences).

local common = require("luamig.command.common")
local flags = require("luamig.command.flags")
local config = require("luamig.config")
local plan = require("luamig.plan")
local errors = require("luamig.errors")

-- The SQL of a snapshot column's type on the database's dialect, as
-- autogenerate would write it (a reflected type it cannot name: its text).
local function type_text_of(dialect)
  return function(col)
    if col.type then
      local ok, sql = pcall(dialect.type_sql, dialect, col.type, col.name)
      if ok and sql then return sql end
    end
    return col.type_text
  end
end

local function run(cfg, opts)
  local graph = errors.check(plan.load(cfg))
  local autogen = require("luamig.autogen")
  local found, dialect = common.with_context(cfg, opts, function(ctx)
    return errors.check(autogen.changes(ctx, graph, false)), ctx.dialect
  end)
  -- A change whose upgrade is an empty comment is only there for its
  -- downgrade (MySQL's index under a new foreign key): not a difference.
  local changes = {}
  for _, c in ipairs(found) do
    if c.up.op ~= "comment" then changes[#changes + 1] = c end
  end
  local lines = {}
  for i, c in ipairs(changes) do lines[i] = autogen.describe(c) end
  if opts.json then
    local json = require("luamig.present.json")
    local objects = require("luamig.present.differences").objects(changes, autogen.describe, type_text_of(dialect))
    opts.out(json.encode({ ok = #changes == 0, differences = lines, changes = objects,
      url = config.mask_url(cfg.url) }))
  else
    for _, l in ipairs(lines) do opts.out(l) end
    if #changes == 0 then opts.out("No differences: the database matches the models") end
  end
  opts.outcome = { "ok", "matches the models" }
  if #changes > 0 then
    errors.fail(string.format("%d difference%s between the models and the database: run 'luamig revision"
      .. " --autogenerate -m MESSAGE' to write them as a revision", #changes, #changes == 1 and "" or "s"), 1)
  end
  return true
end

return {
  usage = "check [--json]", max = 0,
  flags = flags.with_fleet({ flags.JSON }),
  run = run,
}
