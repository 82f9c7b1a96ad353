-- luamig.command.init_project: `luamig init [DIR]`, a new project: luamig.lua,
-- migrations/{versions/,script.lua.tmpl} and a spec of ready-made checks.
-- (The file is not called init.lua: that name is the package's own.)

local template = require("luamig.script.template")
local sys = require("luamig.sys")
local errors = require("luamig.errors")

-- The spec `luamig init` writes: the ready-made checks of luamig.testing.
local SPEC_TEMPLATE = [[
-- Checks of this project's migrations: `luamig test` (or busted, with the
-- luamig module on the path). They run on a scratch SQLite database in
-- memory; `luamig test -u postgresql://user:pass@host/postgres` makes a
-- scratch database on that server instead.
local testing = require("luamig.testing")

describe("the migrations", function()
  local env
  before_each(function() env = testing.environment() end)
  after_each(function() env:close() end)

  it("have a single head", function() env:single_head() end)
  it("apply to an empty database", function() env:upgrade_from_base() end)
  it("go up, down and up again, one revision at a time", function() env:up_down_consistency() end)
  it("leave no trace when downgraded", function() env:downgrade_leaves_no_trace() end)
  if testing.has_models() then
    it("make the schema the models declare", function() env:model_matches_ddl() end)
  end
end)
]]

local CONFIG_TEMPLATE = [[
-- luamig settings. Every key is optional; these are the defaults.
return {
  script_location = "migrations",
  url = os.getenv("DATABASE_URL") or "sqlite:luamig.db",
  version_table = "luamig_version",
}
]]

local function write_new(path, text)
  if sys.stat(path) then return nil, string.format("%s already exists", path) end
  local f, err = io.open(path, "wb")
  if not f then return nil, string.format("cannot write %s", err) end
  f:write(text)
  f:close()
  return true
end

local function run(_, opts)
  local dir = opts.args[1] or "."
  if not sys.stat(dir) then
    local ok, err = sys.mkdir(dir)
    if not ok then errors.fail(string.format("cannot create %s: %s", dir, err), 2) end
  end
  local migrations = dir .. "/migrations"
  if sys.stat(migrations) then
    errors.fail(string.format("%s already exists: not overwriting an existing project", migrations), 2)
  end
  for _, d in ipairs { migrations, migrations .. "/versions" } do
    local ok, err = sys.mkdir(d)
    if not ok then errors.fail(string.format("cannot create %s: %s", d, err), 2) end
  end
  local ok, err = write_new(migrations .. "/script.lua.tmpl", template.DEFAULT_TEMPLATE)
  if ok and not sys.stat(dir .. "/luamig.lua") then
    ok, err = write_new(dir .. "/luamig.lua", CONFIG_TEMPLATE)
  end
  local spec_dir = dir .. "/spec"
  if ok and not sys.stat(spec_dir) then ok, err = sys.mkdir(spec_dir) end
  if ok and not sys.stat(spec_dir .. "/migrations_spec.lua") then
    ok, err = write_new(spec_dir .. "/migrations_spec.lua", SPEC_TEMPLATE)
  end
  if not ok then errors.fail(err, 2) end
  opts.out(string.format("Created %s/luamig.lua, %s/{versions/,script.lua.tmpl} and %s/migrations_spec.lua",
    dir, migrations, spec_dir))
  opts.out("Next: luamig revision -m \"create first tables\"")
  return true
end

return {
  usage = "init [DIR]", max = 1,
  summary = "create luamig.lua and migrations/{versions/,script.lua.tmpl} in DIR (default .)",
  flags = {},
  run = run,
}
