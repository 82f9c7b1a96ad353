-- libluamig.so in a host that has a Lua of its own: LuaJIT loads it
-- through FFI and migrates (runner/api_shim.c: the core, with liblua5.4,
-- is loaded with RTLD_DEEPBIND, so that LuaJIT's lua_* in the global scope
-- do not take the place of liblua5.4's; before, the first call crashed).
-- And the library exports luamig.h's functions alone, under its SONAME.
-- Always the release library: an ASan build cannot be loaded by a host
-- that does not start the sanitizer runtime.
local h = require("helpers.luamig")

local q = h.shell_quote
local REPO = os.getenv("PWD")
local LIB = REPO .. "/bin/libluamig.so"

-- The LuaJIT program: luamig.h through FFI; args: library, migrations, url,
-- target. Prints the version, the upgrade's status and error, the current
-- revision, and a sum LuaJIT computes after, to show its own Lua still runs.
local HOST = [[
local ffi = require("ffi")
ffi.cdef[=[
typedef struct luamig_env luamig_env;
typedef void (*luamig_log_fn) (void *userdata, const char *line);
luamig_env *luamig_open(const char *config_file, const char *script_location, const char *url);
int luamig_upgrade(luamig_env *env, const char *target);
int luamig_current(luamig_env *env, char *buf, size_t size);
const char *luamig_last_error(const luamig_env *env);
void luamig_set_log(luamig_env *env, luamig_log_fn fn, void *userdata);
void luamig_close(luamig_env *env);
const char *luamig_version(void);
]=]
local lib = ffi.load(arg[1])
print("version " .. ffi.string(lib.luamig_version()))
local env = lib.luamig_open(nil, arg[2], arg[3])
local lines = 0
local log = ffi.cast("luamig_log_fn", function(_, line)
  if ffi.string(line):find("^Running upgrade") then lines = lines + 1 end
end)
lib.luamig_set_log(env, log, nil)
local status = lib.luamig_upgrade(env, arg[4])
print("upgrade " .. status .. " [" .. ffi.string(lib.luamig_last_error(env)) .. "] logged " .. lines)
local buf = ffi.new("char[256]")
lib.luamig_current(env, buf, 256)
print("current " .. ffi.string(buf))
lib.luamig_close(env)
log:free()
local sum = 0
for i = 1, 1000 do sum = sum + i end
print(jit.version:match("^LuaJIT") .. " " .. sum)
]]

local function run_host(migrations, url, target)
  local dir = h.tmpdir()
  h.write_file(dir .. "/host.lua", HOST)
  return h.sh("cd " .. q(dir) .. " && env -u DATABASE_URL luajit host.lua " .. q(LIB) .. " " .. q(migrations) .. " "
    .. q(url) .. " " .. q(target))
end

describe("libluamig.so in LuaJIT through FFI #sqlite", function()
  after_each(h.cleanup)

  it("migrates a SQLite database, LuaJIT's own Lua running beside it", function()
    local dir = h.example_project()
    local r = run_host(dir .. "/migrations", "sqlite:" .. dir .. "/app.db", "head")
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.equal("version 0.1.0\nupgrade 0 [] logged 3\ncurrent c3d5e7f90a12\nLuaJIT 500500\n", r.stdout)
    assert.same({ "c3d5e7f90a12" }, h.sqlite_versions(dir .. "/app.db"))
  end)

  it("reports a failed revision through luamig_last_error, the database unchanged", function()
    local dir = h.project {
      ["migrations/versions/r1.lua"] = h.table_revision("r1", nil, "t"),
      ["migrations/versions/r2.lua"] = h.table_revision("r2", "r1", "u", '\n  op.execute("INSERT INTO nowhere VALUES (1)")'),
    }
    local r = run_host(dir .. "/migrations", "sqlite:" .. dir .. "/app.db", "head")
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.matches("\nupgrade 1 %[upgrade r2 failed: [^]]*no such table: nowhere[^]]*%] logged 2\ncurrent r1\n", r.stdout)
    assert.same({ "r1" }, h.sqlite_versions(dir .. "/app.db"))
  end)

  it("migrates a PostgreSQL database, the driver plugin found beside the core", function()
    local url = os.getenv("LUAMIG_TEST_PG_URL")
    if not url then pending("needs the test PostgreSQL (spec/with-servers.sh)") return end
    local dir = h.project { ["migrations/versions/r1.lua"] = h.table_revision("r1", nil, "luajit_t") }
    local r = run_host(dir .. "/migrations", url, "head")
    assert.equal(0, r.status, r.stdout .. r.stderr)
    assert.matches("\nupgrade 0 %[%] logged 1\ncurrent r1\n", r.stdout)
    r = run_host(dir .. "/migrations", url, "base")  -- "base" as an upgrade target is refused: nothing changes
    assert.matches("\nupgrade 2 ", r.stdout)
    local down = h.run(dir, { "-u", url, "downgrade", "base" })
    assert.equal(0, down.status, down.stderr)
  end)
end)

describe("libluamig.so's interface", function()
  it("exports luamig.h's functions alone, under the SONAME libluamig.so.0, and needs no liblua", function()
    local exported = {}
    for line in h.sh("nm -D --defined-only " .. q(LIB)).stdout:gmatch("[^\n]+") do
      local kind, name = line:match("^%x+ (%u) ([%w_@]+)$")
      if kind == "T" then exported[#exported + 1] = name end
    end
    table.sort(exported)
    assert.same({ "luamig_close@@LUAMIG_0", "luamig_current@@LUAMIG_0", "luamig_downgrade@@LUAMIG_0",
      "luamig_last_error@@LUAMIG_0", "luamig_open@@LUAMIG_0", "luamig_set_log@@LUAMIG_0",
      "luamig_upgrade@@LUAMIG_0", "luamig_version@@LUAMIG_0" }, exported)
    local dynamic = h.sh("readelf -d " .. q(LIB)).stdout
    assert.matches("Library soname: [libluamig.so.0]", dynamic, 1, true)
    assert.not_matches("liblua5", dynamic)
  end)
end)
