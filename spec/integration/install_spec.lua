-- `make install`: luamig installed like a tool. Installs from a copy of the
-- tree (PREFIX is compiled in, so that an install elsewhere rebuilds a few
-- objects: the tree's own bin/ must stay as it is for the other specs),
-- then uses what was installed with no environment variables, from other
-- directories: the executable and its drivers, the man page, pkg-config
-- and the library, the shell completions.
local h = require("helpers.luamig")

local q = h.shell_quote
local REPO = os.getenv("PWD")
local CLEAN_ENV = "env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent"

local sh = h.sh

local function sh_ok(cmd)
  local r = sh(cmd)
  assert(r.status == 0, ("%s\nexited %d: %s%s"):format(cmd, r.status, r.stdout, r.stderr))
  return r
end

local lines = h.lines

-- Everything `make install` needs, with mtimes kept so that only what
-- depends on PREFIX is rebuilt.
local COPIED = "Makefile premake5.lua runner lua build bin docs completions examples meta"
local SKIPPED = "--exclude=bin/debug --exclude=bin/sanitize --exclude=build/obj/debug --exclude=build/obj/sanitize"

local root, prefix

-- The C program of a user of the installed library.
local PROGRAM = [[
#include <stdio.h>
#include <luamig.h>
int main (int argc, char **argv) {
  char heads[256];
  luamig_env *env = luamig_open(NULL, argv[2], argv[1]);
  if (argc != 3 || env == NULL) return 2;
  if (luamig_upgrade(env, "head") != LUAMIG_OK
      || luamig_current(env, heads, sizeof heads) != LUAMIG_OK) {
    fprintf(stderr, "program: %s\n", luamig_last_error(env));
    luamig_close(env);
    return 1;
  }
  printf("at %s\n", heads);
  luamig_close(env);
  return 0;
}
]]

describe("make install #sqlite", function()
  setup(function()
    root = sh_ok("mktemp -d " .. q((os.getenv("TMPDIR") or "/tmp") .. "/luamig-install.XXXXXX")).stdout:match("[^\n]+")
    prefix = root .. "/prefix"
    sh_ok("mkdir " .. q(root .. "/src") .. " && cd " .. q(REPO) .. " && tar -cf - " .. SKIPPED .. " " .. COPIED
      .. " | tar -xf - -C " .. q(root .. "/src"))
    sh_ok("cd " .. q(root .. "/src") .. " && make -s install PREFIX=" .. q(prefix) .. " DESTDIR=")
  end)

  teardown(function()
    if root then os.execute("rm -rf " .. q(root)) end
  end)

  after_each(h.cleanup)

  it("lays out the files under PREFIX", function()
    for _, f in ipairs {
      "bin/luamig", "lib/lua/5.4/luamig.so", "lib/luamig/luamig_postgres.so", "lib/luamig/luamig_mysql.so",
      "lib/libluamig.a", "lib/libluamig.so", "lib/libluamig.so.0", "lib/luamig/libluamig_core.so",
      "include/luamig.h", "lib/pkgconfig/luamig.pc",
      "share/man/man1/luamig.1", "share/bash-completion/completions/luamig",
      "share/zsh/site-functions/_luamig", "share/lua/5.4/luamig/cli.lua",
      "share/luamig/meta/luals/op.lua", "share/luamig/meta/luacheck/luamig.lua",
    } do
      assert(io.open(prefix .. "/" .. f), f .. " is not installed")
    end
    sh_ok("test -x " .. q(prefix .. "/bin/luamig"))
  end)

  it("runs from any directory with no environment variables", function()
    local r = sh_ok("cd / && " .. CLEAN_ENV .. " " .. q(prefix .. "/bin/luamig") .. " --version")
    assert.equal("luamig 0.1.0\n", r.stdout)
    r = sh_ok("cd / && " .. CLEAN_ENV .. " " .. q(prefix .. "/bin/luamig") .. " --help")
    assert.matches("^usage: luamig ", r.stdout)
    local dir = h.example_project()
    r = sh_ok("cd " .. q(dir) .. " && " .. CLEAN_ENV .. " " .. q(prefix .. "/bin/luamig") .. " upgrade head")
    assert.matches("Running upgrade 9b7e21c4d8a0 %-> c3d5e7f90a12", r.stderr)
    assert.same({ "c3d5e7f90a12" }, h.sqlite_versions(dir .. "/luamig.db"))
  end)

  it("carries SQLite in the executable, libsqlite3.so in the shared objects", function()
    -- SQLite's archive linked into bin/luamig (the default SQLITE_LINK=static):
    -- no dynamic linking of it at start-up. The C module and the core
    -- library cannot take the archive (it is not position-independent).
    local function needed(file)
      local libs = {}
      for lib in sh_ok("readelf -d " .. q(prefix .. "/" .. file)).stdout:gmatch("%(NEEDED%)%s+Shared library: %[([^%]]+)%]") do
        libs[#libs + 1] = lib
      end
      return table.concat(libs, " ")
    end
    local exe = needed("bin/luamig")
    assert.matches("liblua5.4.so.0", exe, 1, true)
    assert.not_matches("libsqlite3", exe)
    assert.matches("libsqlite3.so.0", needed("lib/lua/5.4/luamig.so"), 1, true)
    assert.matches("libsqlite3.so.0", needed("lib/luamig/libluamig_core.so"), 1, true)
  end)

  it("puts the Lua modules where lua5.4 looks for them under PREFIX", function()
    -- lua5.4's own default path for PREFIX=/usr/local is
    -- /usr/local/share/lua/5.4 and /usr/local/lib/lua/5.4: the same with
    -- this PREFIX in their place.
    local dir = h.example_project()
    local paths = "LUA_PATH=" .. q(prefix .. "/share/lua/5.4/?.lua;" .. prefix .. "/share/lua/5.4/?/init.lua;;")
      .. " LUA_CPATH=" .. q(prefix .. "/lib/lua/5.4/?.so;;")
    local r = sh_ok("cd " .. q(dir) .. " && " .. CLEAN_ENV .. " " .. paths .. " lua5.4 -e " .. q([[
      local e = require("luamig.testing").environment()
      e:migrate_up_to("heads")
      print(package.searchpath("luamig.testing", package.path), table.concat(e:current(), ","))
      e:close()]]))
    assert.equal(prefix .. "/share/lua/5.4/luamig/testing.lua c3d5e7f90a12\n", r.stdout:gsub("\t", " "))
  end)

  it("loads the server drivers from PREFIX/lib/luamig", function()
    -- A closed port: the driver loads and libpq (libmariadb) says why it
    -- cannot connect, instead of "the postgres driver is not installed".
    local run = "cd " .. q(h.example_project()) .. " && " .. CLEAN_ENV .. " " .. q(prefix .. "/bin/luamig")
    local r = sh(run .. " -u postgresql://user:secret@127.0.0.1:1/db current")
    assert.equal(1, r.status)
    assert.matches("^luamig: cannot connect to postgresql://user:%*%*%*@127%.0%.0%.1:1/db: .*127%.0%.0%.1", r.stderr)
    r = sh(run .. " -u mysql://user:secret@127.0.0.1:1/db current")
    assert.equal(1, r.status)
    assert.matches("^luamig: cannot connect to mysql://user:%*%*%*@127%.0%.0%.1:1/db: ", r.stderr)
    assert.not_matches("not installed", r.stderr)
    -- And with the test server when spec/with-servers.sh started one.
    local url = os.getenv("LUAMIG_TEST_PG_URL")
    if url then sh_ok(run .. " -u " .. q(url) .. " current") end
  end)

  it("has a man page that renders and covers every command and option", function()
    local page = prefix .. "/share/man/man1/luamig.1"
    local r = sh_ok("MANPAGER=cat MANWIDTH=80 man --warnings -P cat -l " .. q(page))
    assert.equal("", r.stderr)
    assert.matches("luamig%s+%-%s+database%s+migrations%s+in%s+Lua", r.stdout)
    for _, section in ipairs { "SYNOPSIS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES" } do
      assert.matches("\n" .. section .. "\n", r.stdout, 1, true)
    end
    for _, var in ipairs { "DATABASE_URL", "LUAMIG_LUA_DIR", "LUAMIG_DRIVER_DIR", "NO_COLOR" } do
      assert.matches(var, r.stdout, 1, true)
    end
    local roff = h.read_file(page)
    local bin = q(prefix .. "/bin/luamig")
    local help = sh_ok(bin .. " --help").stdout
    local commands = {}
    for _, line in ipairs(lines(help:match("\nCommands:\n(.-)\n\n"))) do
      commands[#commands + 1] = line:match("^  ([a-z]+) ")
    end
    assert.truthy(#commands >= 15)
    -- Each command's .SS section(s), up to the next .SS or .SH.
    local sections = {}
    for at, name in roff:gmatch('()\n%.SS "([a-z]+)') do
      local stop = roff:find("\n%.S[SH] ", at + 1) or #roff
      sections[name] = (sections[name] or "") .. roff:sub(at, stop)
    end
    local function covered(text, flag, where)
      assert(text:find(flag:gsub("%-", "\\-"), 1, true), ("the man page does not document %s %s"):format(flag, where))
    end
    local globals = {}
    for _, line in ipairs(lines(help)) do
      for flag in (line:match("^  (%-[^ ].-)   ") or ""):gmatch("%-[%w-]+") do
        globals[flag] = true
        covered(roff:match("\n%.SH GLOBAL OPTIONS\n.-\n%.SH "), flag, "in GLOBAL OPTIONS")
      end
    end
    local fleets = roff:match("\n%.SH FLEETS\n.-\n%.SH ")
    for _, name in ipairs(commands) do
      assert(sections[name], "the man page has no section for " .. name)
      if name ~= "test" then  -- test's arguments are busted's
        local heading
        for _, line in ipairs(lines(sh_ok(bin .. " " .. name .. " --help").stdout)) do
          heading = line:match("^(%u[%l ]+):$") or heading
          for flag in (line:match("^  (%-[^ ].-)   ") or ""):gmatch("%-[%w-]+") do
            if heading == "Fleet options" then
              covered(fleets, flag, "in FLEETS (an option of " .. name .. ")")
            elseif not globals[flag] then
              covered(sections[name], flag, "in the section of " .. name)
            end
          end
        end
      end
    end
  end)

  it("gives pkg-config flags with which a program links the library and migrates", function()
    local env = "PKG_CONFIG_PATH=" .. q(prefix .. "/lib/pkgconfig") .. " "
    local flags = sh_ok(env .. "pkg-config --cflags --libs luamig").stdout:gsub("%s+$", "")
    assert.equal("-I" .. prefix .. "/include -L" .. prefix .. "/lib -lluamig", flags)
    local static = sh_ok(env .. "pkg-config --static --libs luamig").stdout
    for _, lib in ipairs { "-llua5.4", "-lsqlite3", "-lm", "-ldl", "-lpthread" } do
      assert.matches(lib, static, 1, true)
    end
    local dir = h.tmpdir()
    h.write_file(dir .. "/program.c", PROGRAM)
    local migrations = REPO .. "/examples/embed/migrations"
    -- Linked with libluamig.so, found with LD_LIBRARY_PATH (PREFIX/lib is
    -- not in the linker's search path here).
    sh_ok("cd " .. q(dir) .. " && cc -std=c99 -Wall -Wextra -Werror program.c $(" .. env
      .. "pkg-config --cflags --libs luamig) -o program-shared")
    local run_env = CLEAN_ENV .. " LD_LIBRARY_PATH=" .. q(prefix .. "/lib") .. " "
    -- by its SONAME; the program itself needs no liblua (the core has it)
    local ldd = sh_ok(run_env .. "ldd " .. q(dir .. "/program-shared")).stdout
    assert.matches("libluamig.so.0 => " .. prefix .. "/lib/libluamig.so.0", ldd, 1, true)
    assert.not_matches("liblua5", ldd)
    local r = sh_ok("cd / && " .. run_env .. q(dir .. "/program-shared") .. " sqlite:" .. q(dir .. "/shared.db")
      .. " " .. q(migrations))
    assert.equal("at b2f6c1d1de02\n", r.stdout)
    assert.same({ "b2f6c1d1de02" }, h.sqlite_versions(dir .. "/shared.db"))
    -- libluamig.so finds its core in luamig/ beside itself, and the core its drivers beside it.
    r = sh("cd / && " .. run_env .. q(dir .. "/program-shared") .. " postgresql://u:secret@127.0.0.1:1/db " .. q(migrations))
    assert.equal(1, r.status)
    assert.matches("^program: cannot connect to postgresql://u:%*%*%*@127%.0%.0%.1:1/db: ", r.stderr)

    -- Linked with libluamig.a and Libs.private: no libluamig.so at run time.
    local libs = sh_ok(env .. "pkg-config --static --libs-only-l luamig").stdout:gsub("%-lluamig%s", "")
    sh_ok("cd " .. q(dir) .. " && cc -std=c99 program.c $(" .. env .. "pkg-config --cflags luamig) $(" .. env
      .. "pkg-config --libs-only-L luamig) -l:libluamig.a " .. libs:gsub("\n", " ") .. " -o program-static")
    assert.not_matches("libluamig", sh_ok("ldd " .. q(dir .. "/program-static")).stdout)
    r = sh_ok("cd / && " .. CLEAN_ENV .. " " .. q(dir .. "/program-static") .. " sqlite:" .. q(dir .. "/static.db")
      .. " " .. q(migrations))
    assert.equal("at b2f6c1d1de02\n", r.stdout)
    -- The drivers from PREFIX/lib/luamig, the PREFIX compiled into libluamig.a.
    r = sh("cd / && " .. CLEAN_ENV .. " " .. q(dir .. "/program-static") .. " postgresql://u:secret@127.0.0.1:1/db "
      .. q(migrations))
    assert.equal(1, r.status)
    assert.matches("^program: cannot connect to postgresql://u:%*%*%*@127%.0%.0%.1:1/db: ", r.stderr)
  end)

  it("completes commands, options and revisions in bash", function()
    local file = prefix .. "/share/bash-completion/completions/luamig"
    local function complete(...)
      local words = { q(prefix .. "/bin/luamig") }
      for _, w in ipairs { ... } do words[#words + 1] = q(w) end
      local dir = h.example_project()
      local r = sh_ok("cd " .. q(dir) .. " && bash --norc --noprofile -c " .. q("source " .. q(file)
        .. "; COMP_WORDS=(" .. table.concat(words, " ") .. "); COMP_CWORD=" .. (#words - 1)
        .. '; _luamig; printf "%s\\n" "${COMPREPLY[@]}"; complete -p luamig'))
      return lines(r.stdout)
    end
    local got = complete("up")
    assert.same({ "upgrade", "complete -F _luamig luamig" }, got)
    got = complete("")
    for _, c in ipairs { "init", "revision", "upgrade", "downgrade", "current", "history", "stamp", "verify" } do
      assert.truthy(table.concat(got, " "):find(c, 1, true), c)
    end
    assert.same({ "--lock-timeout", "complete -F _luamig luamig" }, complete("-u", "sqlite:x.db", "upgrade", "--lock"))
    assert.same({ "head", "heads", "base", "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12",
      "complete -F _luamig luamig" }, complete("-q", "downgrade", ""))
    assert.same({ "per-revision", "all", "complete -F _luamig luamig" }, complete("upgrade", "--transaction", ""))
  end)

  it("completes commands and options in zsh", function()
    local file = prefix .. "/share/zsh/site-functions/_luamig"
    sh_ok("zsh -n " .. q(file))
    -- The completion system's functions, stubbed to print what they are given.
    local stubs = table.concat({
      'compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -rl -- "$@" }',
      '_describe() { while [[ $1 == -* ]]; do shift 2; done; shift; print -rl -- ${(P)1} }',
      '_call_program() { shift; eval "$@" }',
      '_files() { print "<files>" }', '_directories() { print "<dirs>" }', '_message() { print "<message>" }',
    }, "\n")
    local function complete(...)
      local words = { q(prefix .. "/bin/luamig") }
      for _, w in ipairs { ... } do words[#words + 1] = q(w) end
      local dir = h.example_project()
      local r = sh_ok("cd " .. q(dir) .. " && zsh -f -c " .. q(stubs .. "\nwords=(" .. table.concat(words, " ")
        .. "); CURRENT=" .. #words .. "; source " .. q(file)))
      return r.stdout
    end
    assert.matches("\nupgrade:apply revisions up to TARGET", complete("up"), 1, true)
    assert.matches("--lock-timeout:wait this long", complete("upgrade", "--lock"), 1, true)
    assert.equal("head\nheads\nbase\n4f1c0a9be2d3\n9b7e21c4d8a0\nc3d5e7f90a12\n", complete("downgrade", ""))
    assert.equal("<files>\n", complete("-c", ""))
  end)

  it("stages into DESTDIR with the PREFIX it is given", function()
    local stage = root .. "/stage"
    sh_ok("cd " .. q(root .. "/src") .. " && make -s install PREFIX=/opt/luamig DESTDIR=" .. q(stage))
    assert.matches("\nprefix=/opt/luamig\n", "\n" .. h.read_file(stage .. "/opt/luamig/lib/pkgconfig/luamig.pc"), 1, true)
    -- Relocatable: it finds everything from where it is.
    local r = sh_ok("cd / && " .. CLEAN_ENV .. " " .. q(stage .. "/opt/luamig/bin/luamig") .. " --version")
    assert.equal("luamig 0.1.0\n", r.stdout)
  end)
end)
