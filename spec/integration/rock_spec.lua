-- luamig as a Lua programmer installs it: `luarocks make` of the rockspec
-- into a tree of its own, then the tree's luamig, and luamig.testing from
-- plain lua5.4 and from busted with nothing but `luarocks path` set. And
-- `make install`'s Lua modules where lua5.4 looks for them. Builds from a
-- copy of the tree, as install_spec does, so that bin/ stays as it is.
local h = require("helpers.luamig")

local q = h.shell_quote
local REPO = os.getenv("PWD")
local CLEAN_PATH = "PATH=/usr/local/bin:/usr/bin:/bin"

local function sh_ok(cmd)
  local r = h.sh(cmd)
  assert(r.status == 0, ("%s\nexited %d: %s%s"):format(cmd, r.status, r.stdout, r.stderr))
  return r
end

local COPIED = "Makefile premake5.lua luamig-scm-1.rockspec runner lua build bin docs completions examples"
local SKIPPED = "--exclude=bin/debug --exclude=bin/sanitize --exclude=build/obj/debug --exclude=build/obj/sanitize"

-- A busted spec of the example project's migrations, as a user writes it.
local USER_SPEC = [[
local testing = require("luamig.testing")
describe("the example migrations", function()
  local env
  before_each(function() env = testing.environment() end)
  after_each(function() env:close() end)
  it("has one head", function() env:single_head() end)
  it("upgrades from base and leaves no trace when downgraded", function()
    env:upgrade_from_base()
    env:downgrade_leaves_no_trace()
  end)
end)
]]

describe("luarocks make #sqlite", function()
  local root, tree, env

  setup(function()
    root = sh_ok("mktemp -d " .. q((os.getenv("TMPDIR") or "/tmp") .. "/luamig-rock.XXXXXX")).stdout:match("[^\n]+")
    tree = root .. "/tree"
    sh_ok("mkdir " .. q(root .. "/src") .. " && cd " .. q(REPO) .. " && tar -cf - " .. SKIPPED .. " " .. COPIED
      .. " | tar -xf - -C " .. q(root .. "/src"))
    -- HOME: LuaRocks keeps its cache and config there
    sh_ok("cd " .. q(root .. "/src") .. " && HOME=" .. q(root) .. " luarocks --lua-version 5.4 --tree " .. q(tree)
      .. " make luamig-scm-1.rockspec")
    -- What `eval "$(luarocks path)"` sets, and nothing else of ours.
    local paths = sh_ok("HOME=" .. q(root) .. " luarocks --lua-version 5.4 --tree " .. q(tree) .. " path").stdout
    local lua_path = assert(paths:match("LUA_PATH='([^']*)'"), paths)
    local lua_cpath = assert(paths:match("LUA_CPATH='([^']*)'"), paths)
    env = "env -i " .. CLEAN_PATH .. " HOME=" .. q(root) .. " LUA_PATH=" .. q(lua_path) .. " LUA_CPATH=" .. q(lua_cpath)
  end)

  teardown(function()
    if root then os.execute("rm -rf " .. q(root)) end
  end)

  after_each(h.cleanup)

  it("installs the executable, the modules, the C module and the drivers into the tree", function()
    for _, f in ipairs { "bin/luamig", "lib/lua/5.4/luamig.so", "lib/lua/5.4/luamig_postgres.so",
      "lib/lua/5.4/luamig_mysql.so", "share/lua/5.4/luamig/testing.lua", "share/lua/5.4/luamig/cli.lua" } do
      assert(io.open(tree .. "/" .. f), f .. " is not in the tree")
    end
    local listed = sh_ok("HOME=" .. q(root) .. " luarocks --lua-version 5.4 --tree " .. q(tree) .. " list --porcelain")
    assert.matches("^luamig\tscm%-1\tinstalled", listed.stdout)
  end)

  it("runs the tree's luamig from any directory, its drivers found beside luamig.so", function()
    local dir = h.example_project()
    local r = sh_ok("cd " .. q(dir) .. " && env -i " .. CLEAN_PATH .. " " .. q(tree .. "/bin/luamig") .. " upgrade head")
    assert.matches("Running upgrade 9b7e21c4d8a0 %-> c3d5e7f90a12", r.stderr)
    assert.same({ "c3d5e7f90a12" }, h.sqlite_versions(dir .. "/luamig.db"))
    -- a closed port: the driver loads and libpq says why it cannot connect
    r = h.sh("cd " .. q(dir) .. " && env -i " .. CLEAN_PATH .. " " .. q(tree .. "/bin/luamig")
      .. " -u postgresql://u:secret@127.0.0.1:1/db current")
    assert.equal(1, r.status)
    assert.matches("^luamig: cannot connect to postgresql://u:%*%*%*@127%.0%.0%.1:1/db: ", r.stderr)
    assert.not_matches("not installed", r.stderr)
  end)

  it("lets plain lua5.4 require luamig.testing and migrate", function()
    local dir = h.example_project()
    local r = sh_ok("cd " .. q(dir) .. " && " .. env .. " lua5.4 -e " .. q([[
      local testing = require("luamig.testing")
      local e = testing.environment()
      e:migrate_up_to("heads")
      print(table.concat(e:current(), ","))
      e:close()]]))
    assert.equal("c3d5e7f90a12\n", r.stdout)
  end)

  it("gives the library for require(\"luamig\") inside a project, not the project's luamig.lua", function()
    local dir = h.tmpdir()
    sh_ok("cd " .. q(dir) .. " && " .. q(tree .. "/bin/luamig") .. " init .")
    assert(io.open(dir .. "/luamig.lua"), "init wrote no luamig.lua")
    local r = sh_ok("cd " .. q(dir) .. " && " .. env .. " lua5.4 -e " .. q([[
      local luamig = require("luamig")
      print(luamig.version, type(luamig.testing.environment), package.searchpath("luamig", package.path))]]))
    assert.equal("0.1.0\tfunction\t" .. tree .. "/share/lua/5.4/luamig/init.lua\n", r.stdout)
  end)

  it("lets busted run a project's migration spec under lua5.4", function()
    local dir = h.example_project()
    os.execute("mkdir " .. q(dir .. "/spec"))
    h.write_file(dir .. "/spec/migrations_spec.lua", USER_SPEC)
    local r = sh_ok("cd " .. q(dir) .. " && " .. env .. " lua5.4 /usr/bin/busted -o TAP spec")
    assert.matches("ok 1 %- the example migrations has one head", r.stdout)
    assert.matches("ok 2 %- the example migrations upgrades from base", r.stdout)
    assert.matches("\n1%.%.2", r.stdout)
    -- and a failing check fails the run
    h.write_file(dir .. "/spec/broken_spec.lua", USER_SPEC:gsub("env:single_head%(%)", "env:migrate_up_to(\"nowhere\")"))
    r = h.sh("cd " .. q(dir) .. " && " .. env .. " lua5.4 /usr/bin/busted -o TAP spec")
    assert.equal(1, r.status)
    assert.matches("not ok %d+ %- the example migrations has one head", r.stdout)
  end)
end)
