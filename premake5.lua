-- premake5.lua: builds luamig with premake5, or with Debian's premake4 4.3:
--   premake5 gmake && make -C build config=release      (debug, sanitize;
--                                  gmake2 on premake5 betas)
--   premake4 --file=premake5.lua gmake, after `make build/embedded_lua.c`
-- The root Makefile wraps these steps and picks whichever premake is there.
-- Outputs:
--   bin/luamig, bin/luamig.so             release
--   bin/debug/..., bin/sanitize/...       the other configurations
-- bin/luamig_postgres.so and bin/luamig_mysql.so are the server drivers,
-- loaded when a URL needs them.
-- luamig.so is the Lua C module (luaopen_luamig_driver, luaopen_luamig_sys)
-- that plain `lua5.4`/busted load from bin/?.so; it does not link liblua,
-- the interpreter provides those symbols.
-- The embedding library (runner/luamig.h): bin/libluamig.so (SONAME
-- libluamig.so.0, which loads bin/libluamig_core.so: see runner/api_shim.c),
-- and bin/static/libluamig.a (a directory of its own, so that -lluamig finds
-- the archive, not the .so). The examples under examples/embed link the archive:
-- bin/embed_app, bin/embed_threads.

local ws = workspace or solution
-- premake4 has no makefile projects and no dependson: there the root Makefile
-- writes build/embedded_lua.c before make runs.
local PREMAKE5 = _PREMAKE_VERSION and _PREMAKE_VERSION:sub(1, 1) == "5"

-- premake5 selects settings with filter, premake4 with configuration.
local function only(cfg)
  if filter then
    filter(cfg and ("configurations:" .. cfg) or {})
  else
    configuration(cfg or {})
  end
end

local function symbols_on()
  if symbols then symbols "On" else flags { "Symbols" } end
end

local function optimize_on()
  if optimize then optimize "On" else flags { "Optimize" } end
end

local function shell(cmd)
  if os.outputof then return (os.outputof(cmd)) or "" end
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out or ""
end

local function exists(pkg)
  local ok = os.execute("pkg-config --exists " .. pkg)
  return ok == true or ok == 0
end

local function words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w end
  return t
end

-- Compiler and linker flags from pkg-config, asked at generation time.
-- lua5.4 and sqlite3 are required; libpq and libmariadb are linked when
-- present, for the drivers to come.
local function pkg(name, required)
  if not exists(name) then
    if required then error("pkg-config does not know " .. name .. ": install its -dev package", 0) end
    return nil
  end
  local r = { includedirs = {}, defines = {}, buildoptions = {}, links = {}, libdirs = {}, linkoptions = {} }
  for _, w in ipairs(words(shell("pkg-config --cflags " .. name))) do
    if w:sub(1, 2) == "-I" then r.includedirs[#r.includedirs + 1] = w:sub(3)
    elseif w:sub(1, 2) == "-D" then r.defines[#r.defines + 1] = w:sub(3)
    else r.buildoptions[#r.buildoptions + 1] = w end
  end
  for _, w in ipairs(words(shell("pkg-config --libs " .. name))) do
    if w:sub(1, 2) == "-l" then r.links[#r.links + 1] = w:sub(3)
    elseif w:sub(1, 2) == "-L" then r.libdirs[#r.libdirs + 1] = w:sub(3)
    else r.linkoptions[#r.linkoptions + 1] = w end
  end
  return r
end

local LUA = pkg("lua5.4", true)
local SQLITE = pkg("sqlite3", true)

-- The executable links SQLite's static archive when the -dev package has
-- one: the shared library costs every command ~1 M instructions of dynamic
-- linking at start-up (Debian links it with BIND_NOW: some 1,600 symbol
-- bindings), as much again as Lua's own start. --sqlite=shared links the
-- shared library (Debian's package does: its policy forbids embedded
-- copies). The shared objects (luamig.so, libluamig_core.so) always link
-- the shared library: the archive is not built for position-independent
-- code.
newoption {
  trigger = "sqlite",
  value = "LINK",
  description = "how the executable links SQLite: static (default, when libsqlite3.a exists) or shared",
  allowed = { { "static", "the archive, libsqlite3.a" }, { "shared", "libsqlite3.so" } },
}

local function sqlite_archive()
  if (_OPTIONS["sqlite"] or "static") ~= "static" then return nil end
  local dir = shell("pkg-config --variable=libdir sqlite3"):gsub("%s+$", "")
  local archive = dir .. "/libsqlite3.a"
  return os.isfile(archive) and archive or nil
end
local SQLITE_ARCHIVE = sqlite_archive()
-- The server drivers' client libraries, when pkg-config knows them: each
-- driver is a plugin of its own that links one (see drivers.c).
local LIBPQ = pkg("libpq")
local LIBMARIADB = pkg("libmariadb")

local function use_cflags(p)
  if not p then return end
  includedirs(p.includedirs)
  defines(p.defines)
  buildoptions(p.buildoptions)
end

local function use_libs(p)
  if not p then return end
  links(p.links)
  libdirs(p.libdirs)
  linkoptions(p.linkoptions)
end

-- The install prefix is baked into the executable as a fallback place for
-- the Lua sources (the executable looks next to itself first). It goes to a
-- generated header, rewritten only when it changes, so that changing it
-- recompiles host.c and nothing else.
newoption {
  trigger = "prefix",
  value = "DIR",
  description = "install prefix compiled into luamig (default /usr/local)",
}

local ROOT = path.getdirectory(_SCRIPT)

if _ACTION and _ACTION ~= "clean" then
  local prefix = _OPTIONS["prefix"] or "/usr/local"
  local text = "/* luamig_config.h: written by premake5.lua, do not edit */\n"
    .. '#define LUAMIG_PREFIX "' .. prefix:gsub('[\\"]', "\\%0") .. '"\n'
  local file = ROOT .. "/build/luamig_config.h"
  local f = io.open(file, "r")
  local old = f and f:read("*a")
  if f then f:close() end
  if old ~= text then
    os.mkdir(ROOT .. "/build")
    f = assert(io.open(file, "w"))
    f:write(text)
    f:close()
  end
end

-- The C sources of luamig.so and of the executable, by folder of runner/:
-- binding/ (the Lua binding of the drivers, module luamig.driver),
-- modules/ (the other luamig.* C modules: a file each, or a module's file
-- and its helper, such as revcache.c and revcache_index.c), drivers/ (the
-- driver interface, the driver finder and SQLite's driver; the server
-- drivers are plugins, below). The host (host.c, main.c, api.c) sits
-- beside them.
local SOURCES = {
  "runner/binding/binding.c",
  "runner/binding/binding_connection.c",
  "runner/binding/binding_statement.c",
  "runner/binding/binding_cursor.c",
  "runner/binding/binding_value.c",
  "runner/binding/binding_bulk.c",
  "runner/binding/binding_bulk_feed.c",
  "runner/binding/binding_numtext.c",
  "runner/binding/binding_pipeline.c",
  "runner/modules/sys.c",
  "runner/modules/sys_files.c",
  "runner/modules/parallel.c",
  "runner/modules/revscan.c",
  "runner/modules/revscan_lex.c",
  "runner/modules/revcache.c",
  "runner/modules/revcache_index.c",
  "runner/modules/revcache_records.c",
  "runner/modules/revgraph.c",
  "runner/modules/revgraph_nodes.c",
  "runner/modules/revgraph_lines.c",
  "runner/modules/rowscan.c",
  "runner/modules/interrupt.c",
  "runner/modules/spawn.c",
  "runner/modules/filelock.c",
  "runner/modules/sha256.c",
  "runner/modules/checksum.c",
  "runner/drivers/drivers.c",
  "runner/drivers/driver_common.c",
  "runner/drivers/sqltext.c",
  "runner/drivers/driver_sqlite.c",
  "runner/drivers/driver_sqlite_stmt.c",
  "runner/drivers/driver_sqlite_rows.c",
}

ws "luamig"
  configurations { "release", "debug", "sanitize" }
  location "build"
  objdir "build/obj"
  language "C"
  includedirs { "runner", "build" }
  buildoptions { "-std=c99", "-Wall", "-Wextra", "-pthread" }
  linkoptions { "-pthread" }  -- sys.read_files reads on several threads
  defines { "_POSIX_C_SOURCE=200809L", "_DEFAULT_SOURCE" }  -- _DEFAULT_SOURCE: realpath
  use_cflags(LUA)
  use_cflags(SQLITE)
  use_cflags(LIBPQ)
  use_cflags(LIBMARIADB)

  only "release"
    optimize_on()
    defines { "NDEBUG" }

  only "debug"
    symbols_on()

  only "sanitize"
    symbols_on()
    buildoptions { "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                   "-fno-sanitize-recover=undefined" }
    linkoptions { "-fsanitize=address,undefined" }

  only()

local function targets()
  only "release"
    targetdir "bin"
  only "debug"
    targetdir "bin/debug"
  only "sanitize"
    targetdir "bin/sanitize"
  only()
end

-- build/embedded_lua.c holds lua/luamig compiled to bytecode. Under
-- premake5 this project writes it (runner/embed.lua, which leaves an
-- unchanged file alone) before any project that compiles it starts.
local function needs_embedded_lua()
  if PREMAKE5 then dependson { "embedded_lua" } end
end

if PREMAKE5 then
  project "embedded_lua"
    kind "Makefile"
    -- Commands run in the makefile's folder, build/.
    buildcommands { "lua5.4 ../runner/embed.lua ../lua embedded_lua.c" }
end

project "luamig"
  kind "ConsoleApp"
  targetname "luamig"
  files(SOURCES)
  files { "runner/host.c", "runner/main.c", "runner/small_alloc.c", "build/embedded_lua.c" }
  needs_embedded_lua()
  use_libs(LUA)
  if SQLITE_ARCHIVE then
    -- The archive's own needs (sqlite3.pc's Libs.private name zlib, which
    -- only the sqlite3 shell uses: the archive links without it).
    linkoptions { SQLITE_ARCHIVE }
    links { "m" }
  else
    use_libs(SQLITE)
  end
  links { "dl" }
  targets()

project "luamig_module"
  kind "SharedLib"
  targetprefix ""
  targetname "luamig"
  files(SOURCES)
  buildoptions { "-fPIC", "-fvisibility=hidden" }
  use_libs(SQLITE)  -- never liblua: lua provides it
  links { "dl" }
  targets()

-- A server driver plugin: luamig_<name>.so next to luamig, loaded on first
-- use. Built only when pkg-config knows its client library.
local function driver_plugin(name, lib, sources)
  if not lib then return end
  project("luamig_" .. name)
    kind "SharedLib"
    targetprefix ""
    targetname("luamig_" .. name)
    files(sources)
    files { "runner/drivers/driver_common.c", "runner/drivers/sqltext.c" }
    buildoptions { "-fPIC", "-fvisibility=hidden" }
    use_libs(lib)
    targets()
end

-- The embedding library: the executable's sources (SQLite included) and the
-- API (runner/api.c) over the same host set-up (runner/host.c).
local LIBRARY = { "runner/host.c", "runner/api.c", "build/embedded_lua.c" }

project "libluamig"
  kind "StaticLib"
  targetname "luamig"
  files(SOURCES)
  files(LIBRARY)
  needs_embedded_lua()
  buildoptions { "-fPIC" }  -- so that it links into shared objects too
  only "release"
    targetdir "bin/static"
  only "debug"
    targetdir "bin/debug/static"
  only "sanitize"
    targetdir "bin/sanitize/static"
  only()

-- The library that does the work behind libluamig.so: loaded by it with
-- RTLD_DEEPBIND (runner/api_shim.c), so that a host's own Lua cannot take
-- the place of the liblua5.4 it links. Installed in PREFIX/lib/luamig.
project "libluamig_core"
  kind "SharedLib"
  targetname "luamig_core"
  files(SOURCES)
  files(LIBRARY)
  needs_embedded_lua()
  buildoptions { "-fPIC", "-fvisibility=hidden" }
  defines { "LM_EXPORT=" }  -- only luamig.h's functions are exported
  use_libs(LUA)
  use_libs(SQLITE)
  links { "dl" }
  targets()

-- libluamig.so (SONAME libluamig.so.0): what programs link and FFI hosts
-- load; luamig.h's functions alone (runner/libluamig.map), no Lua.
project "libluamig_shared"
  kind "SharedLib"
  targetname "luamig"
  files { "runner/api_shim.c" }
  buildoptions { "-fPIC", "-fvisibility=hidden" }
  linkoptions { "-Wl,-soname,libluamig.so.0", "-Wl,--version-script=" .. ROOT .. "/runner/libluamig.map" }
  links { "dl", "pthread" }
  targets()

-- A program of examples/embed, linked with bin/static/libluamig.a.
local function embed_example(name, source)
  project(name)
    kind "ConsoleApp"
    targetname(name)
    files { source }
    links { "libluamig" }
    use_libs(LUA)
    use_libs(SQLITE)
    links { "dl", "m" }
    targets()
end

embed_example("embed_app", "examples/embed/app.c")
embed_example("embed_threads", "examples/embed/threads.c")

driver_plugin("postgres", LIBPQ, { "runner/drivers/driver_postgres.c", "runner/drivers/driver_postgres_connect.c",
  "runner/drivers/driver_postgres_messages.c", "runner/drivers/driver_postgres_txn.c",
  "runner/drivers/driver_postgres_scan.c", "runner/drivers/driver_postgres_exec.c",
  "runner/drivers/driver_postgres_stmt.c", "runner/drivers/driver_postgres_copy.c",
  "runner/drivers/driver_postgres_pipeline.c", "runner/drivers/driver_postgres_prefetch.c" })
driver_plugin("mysql", LIBMARIADB, { "runner/drivers/driver_mysql.c", "runner/drivers/driver_mysql_txn.c",
  "runner/drivers/driver_mysql_stmt.c", "runner/drivers/driver_mysql_result.c", "runner/drivers/driver_mysql_side.c",
  "runner/drivers/driver_mysql_pipeline.c", "runner/drivers/driver_mysql_batch.c",
  "runner/drivers/driver_mysql_text.c" })
