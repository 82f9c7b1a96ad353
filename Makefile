# Makefile: wraps premake (premake5, or Debian's premake4) and the makefiles
# it generates into build/.
#   make                  release: bin/luamig, bin/luamig.so
#   make debug            bin/debug/...
#   make sanitize         bin/sanitize/... (ASan + UBSan)
#   make test             busted specs against the release build
#   make install PREFIX=/usr/local DESTDIR=
#   make clean
# The executable carries lua/luamig compiled to bytecode (build/embedded_lua.c,
# rebuilt whenever a Lua file changes); LUAMIG_LUA_DIR=lua makes it run the
# sources instead.
# PREFIX is compiled into luamig as a fallback place for its Lua sources;
# `make install` rebuilds with the PREFIX it installs to.

PREFIX ?= /usr/local
DESTDIR ?=
BUSTED ?= busted

PREMAKE := $(shell command -v premake5 2>/dev/null || command -v premake4 2>/dev/null)

BINDIR := $(DESTDIR)$(PREFIX)/bin
LUADIR := $(DESTDIR)$(PREFIX)/share/luamig/lua
CMODDIR := $(DESTDIR)$(PREFIX)/lib/lua/5.4
DRIVERDIR := $(DESTDIR)$(PREFIX)/lib/luamig

.PHONY: all release debug sanitize generate test install clean

all: release

# luamig's Lua modules, compiled into the executable (runner/embed.lua).
EMBEDDED := build/embedded_lua.c
LUA_SOURCES := $(shell find lua -name '*.lua')

$(EMBEDDED): $(LUA_SOURCES) runner/embed.lua
	@mkdir -p build
	lua5.4 runner/embed.lua lua $@

generate: $(EMBEDDED)
	@test -n "$(PREMAKE)" || { echo "premake5 or premake4 is needed (apt-get install premake4)" >&2; exit 1; }
	$(PREMAKE) --file=premake5.lua --prefix="$(PREFIX)" gmake

release debug sanitize: generate
	$(MAKE) -C build config=$@

test: release
	$(BUSTED)

install: release
	install -d "$(BINDIR)" "$(LUADIR)" "$(CMODDIR)"
	install -m 755 bin/luamig "$(BINDIR)/luamig"
	install -m 644 bin/luamig.so "$(CMODDIR)/luamig.so"
	install -d "$(DRIVERDIR)"
	for d in bin/luamig_*.so; do [ -e "$$d" ] && install -m 644 "$$d" "$(DRIVERDIR)/"; done; true
	cd lua && find luamig -type d -exec install -d "$(abspath $(LUADIR))/{}" \;
	cd lua && find luamig -type f -exec install -m 644 {} "$(abspath $(LUADIR))/{}" \;

clean:
	rm -rf build bin
