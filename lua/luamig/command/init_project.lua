-- luamig.command.init_project: `luamig init [DIR]`, a new project: luamig.lua,
-- migrations/{versions/,script.lua.tmpl}, a spec of ready-made checks, and
-- the files editors, linters and busted read (luamig.command.init_editor).
-- A file that exists already is kept as it is, and the output says so.
-- (The file is not called init.lua: that name is the package's own.)

local template = require("luamig.script.template")
local sys = require("luamig.sys")
local errors = require("luamig.errors")
local editor = require("luamig.command.init_editor")

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

-- Write `path` unless something is there; returns "created", "kept" or
-- nil, msg.
local function write_if_new(path, text)
  if sys.stat(path) then return "kept" end
  local ok, err = write_new(path, text)
  if not ok then return nil, err end
  return "created"
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
  if not ok then errors.fail(err, 2) end
  local spec_dir = dir .. "/spec"
  if not sys.stat(spec_dir) then
    ok, err = sys.mkdir(spec_dir)
    if not ok then errors.fail(string.format("cannot create %s: %s", spec_dir, err), 2) end
  end
  -- The stubs and the Lua modules are found next to the executable; an
  -- embedding program, or a luamig moved away from them, writes no
  -- .luarc.json and a .busted that looks for luamig on PATH only.
  local meta = editor.meta_dir()
  local lua_dir, so_dir = editor.module_dirs()
  local files = {
    { "luamig.lua", CONFIG_TEMPLATE },
    { "spec/migrations_spec.lua", SPEC_TEMPLATE },
    { ".luacheckrc", editor.luacheckrc() },
    { ".luarc.json", meta and editor.luarc(meta) },
    { ".busted", editor.busted(lua_dir, so_dir) },
    { ".gitignore", editor.gitignore() },
  }
  local created, kept = {}, {}
  for _, f in ipairs(files) do
    if f[2] then
      local how, werr = write_if_new(dir .. "/" .. f[1], f[2])
      if not how then errors.fail(werr, 2) end
      local list = how == "created" and created or kept
      list[#list + 1] = f[1]
    end
  end
  opts.out(string.format("Created %s/{versions/,script.lua.tmpl}", migrations))
  opts.out(string.format("Created in %s: %s", dir, table.concat(created, ", ")))
  if #kept > 0 then
    opts.out(string.format("Kept as they were (existing files are never overwritten): %s", table.concat(kept, ", ")))
  end
  if not meta then
    opts.out("No Lua Language Server stubs (meta/luals) next to this luamig: .luarc.json not written")
  end
  opts.out("Next: luamig revision -m \"create first tables\"")
  return true
end

return {
  usage = "init [DIR]", max = 1,
  flags = {},
  run = run,
}
