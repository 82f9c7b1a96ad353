# Makefile: a thin wrapper over premake5.lua (premake5, or Debian's premake4)
# and the makefiles it generates into build/.
#   make                  release: bin/luamig, bin/luamig.so, the drivers,
#                         bin/libluamig.so (+ bin/libluamig_core.so),
#                         bin/static/libluamig.a, the
#                         examples bin/embed_app and bin/embed_threads
#   make debug            bin/debug/...
#   make sanitize         bin/sanitize/... (ASan + UBSan)
#   make test             ./test.sh, the whole suite as CI runs it
#                         (make test TESTFLAGS=--quick: its first pass only)
#   make install PREFIX=/usr/local DESTDIR=
#   make SQLITE_LINK=shared bin/luamig linked with libsqlite3.so (default:
#                         the static archive, see premake5.lua)
#   make clean
# The executable carries lua/luamig compiled to bytecode (build/embedded_lua.c,
# rebuilt whenever a Lua file changes); LUAMIG_LUA_DIR=lua makes it run the
# sources instead. premake5's makefiles write that file themselves; premake4
# cannot, so this Makefile writes it first in either case.
# PREFIX is compiled into luamig and libluamig (build/luamig_config.h) as
# the last place to look for the Lua sources and the drivers, after the
# places relative to the executable (or libluamig.so), which are enough for
# an installed luamig. `make install` rebuilds with the PREFIX it installs
# to (host.c and drivers.c only); the next plain `make` rebuilds them with
# the default again. spec/integration/install_spec.lua installs from a copy
# of the tree, so that the tree's own build stays as it is.

PREFIX ?= /usr/local
DESTDIR ?=
# How bin/luamig links SQLite: static (the archive, when libsqlite3-dev has
# one: faster start-up) or shared (what Debian's package builds with).
SQLITE_LINK ?= static
TESTFLAGS ?=

PREMAKE := $(shell command -v premake5 2>/dev/null || command -v premake4 2>/dev/null)

BINDIR := $(DESTDIR)$(PREFIX)/bin
# The Lua modules go where lua5.4 looks for them (its package.path has
# PREFIX/share/lua/5.4 for /usr/local; Debian's for /usr), so that plain
# `lua5.4` and busted find luamig.testing next to the C module.
LUADIR := $(DESTDIR)$(PREFIX)/share/lua/5.4
CMODDIR := $(DESTDIR)$(PREFIX)/lib/lua/5.4
DRIVERDIR := $(DESTDIR)$(PREFIX)/lib/luamig
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCLUDEDIR := $(DESTDIR)$(PREFIX)/include
PKGCONFIGDIR := $(DESTDIR)$(PREFIX)/lib/pkgconfig
MAN1DIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
# The Lua Language Server stubs and the luacheck std (meta/); `luamig init`
# finds them at ../share/luamig/meta from its executable.
METADIR := $(DESTDIR)$(PREFIX)/share/luamig/meta

VERSION = $(shell sed -n 's/^\#define LUAMIG_VERSION "\(.*\)"/\1/p' runner/version.h)
# What a program linking libluamig.a needs besides it (luamig.pc's
# Libs.private; libluamig.so records them itself).
LIBS_PRIVATE = $(shell pkg-config --libs lua5.4 sqlite3) -lm -ldl -lpthread

.PHONY: all release debug sanitize generate test install rock-install clean

all: release

# luamig's Lua modules, compiled into the executable (runner/embed.lua).
EMBEDDED := build/embedded_lua.c
LUA_SOURCES := $(shell find lua -name '*.lua')

$(EMBEDDED): $(LUA_SOURCES) runner/embed.lua runner/bytecode_trim.lua
	@mkdir -p build
	lua5.4 runner/embed.lua lua $@

generate: $(EMBEDDED)
	@test -n "$(PREMAKE)" || { echo "premake5 or premake4 is needed (apt-get install premake4)" >&2; exit 1; }
	$(PREMAKE) --file=premake5.lua --prefix="$(PREFIX)" --sqlite=$(SQLITE_LINK) gmake
	@# The executables relink when SQLITE_LINK changes (make sees only objects).
	@if [ "$$(cat build/sqlite_link 2>/dev/null)" != "$(SQLITE_LINK)" ]; then \
	  rm -f bin/luamig bin/debug/luamig bin/sanitize/luamig; \
	  echo "$(SQLITE_LINK)" > build/sqlite_link; fi

release debug sanitize: generate
	$(MAKE) -C build config=$@

test: release
	./test.sh $(TESTFLAGS)

install: release
	install -d "$(BINDIR)" "$(LUADIR)" "$(CMODDIR)"
	install -m 755 bin/luamig "$(BINDIR)/luamig"
	install -m 644 bin/luamig.so "$(CMODDIR)/luamig.so"
	install -d "$(DRIVERDIR)"
	for d in bin/luamig_*.so; do [ -e "$$d" ] && install -m 644 "$$d" "$(DRIVERDIR)/"; done; true
	cd lua && find luamig -type d -exec install -d "$(abspath $(LUADIR))/{}" \;
	cd lua && find luamig -type f -exec install -m 644 {} "$(abspath $(LUADIR))/{}" \;
	install -d "$(LIBDIR)" "$(INCLUDEDIR)" "$(PKGCONFIGDIR)" "$(MAN1DIR)" "$(BASHCOMPDIR)" "$(ZSHCOMPDIR)"
	install -m 644 bin/static/libluamig.a "$(LIBDIR)/libluamig.a"
	install -m 755 bin/libluamig.so "$(LIBDIR)/libluamig.so.0"
	ln -sf libluamig.so.0 "$(LIBDIR)/libluamig.so"
	install -m 755 bin/libluamig_core.so "$(DRIVERDIR)/libluamig_core.so"
	install -m 644 runner/luamig.h "$(INCLUDEDIR)/luamig.h"
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: luamig' 'Description: database migrations in Lua: the embedding API (luamig.h)' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lluamig' \
	  'Libs.private: $(LIBS_PRIVATE)' > "$(PKGCONFIGDIR)/luamig.pc"
	chmod 644 "$(PKGCONFIGDIR)/luamig.pc"
	install -m 644 docs/luamig.1 "$(MAN1DIR)/luamig.1"
	install -m 644 completions/luamig.bash "$(BASHCOMPDIR)/luamig"
	install -m 644 completions/_luamig "$(ZSHCOMPDIR)/_luamig"
	install -d "$(METADIR)/luals" "$(METADIR)/luacheck"
	install -m 644 meta/luals/*.lua "$(METADIR)/luals/"
	install -m 644 meta/luacheck/luamig.lua "$(METADIR)/luacheck/luamig.lua"

# `luarocks make` (luamig-scm-1.rockspec): the rock's own directories,
# which LuaRocks then deploys into its tree (modules to share/lua/5.4, the
# C module and the drivers beside it to lib/lua/5.4, the executable to
# bin; luamig finds the drivers there, ../lib/lua/5.4 from its bin).
rock-install:
	install -d "$(ROCK_LUADIR)" "$(ROCK_LIBDIR)" "$(ROCK_BINDIR)"
	install -m 755 bin/luamig "$(ROCK_BINDIR)/luamig"
	install -m 644 bin/luamig.so "$(ROCK_LIBDIR)/luamig.so"
	for d in bin/luamig_*.so; do [ -e "$$d" ] && install -m 644 "$$d" "$(ROCK_LIBDIR)/"; done; true
	cd lua && find luamig -type d -exec install -d "$(ROCK_LUADIR)/{}" \;
	cd lua && find luamig -type f -exec install -m 644 {} "$(ROCK_LUADIR)/{}" \;

clean:
	rm -rf build bin
