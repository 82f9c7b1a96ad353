#!/usr/bin/env bash
# Installs what luamig needs on Debian 12 (as root; apt-get only for what is
# missing) and builds it. `./setup.sh` builds the release binary bin/luamig;
# `./setup.sh --tests` also installs the test dependencies and builds the
# debug and sanitizer (ASan + UBSan) configurations (`--tests --quick`: the
# release one only, for `test.sh --quick`). The build's output goes to
# build/setup.log; it is shown when the build fails.
set -euo pipefail
cd "$(dirname "$0")"

build_pkgs="gcc make pkg-config premake4 lua5.4 liblua5.4-dev libsqlite3-dev sqlite3 libpq-dev libmariadb-dev"
# man-db, groff-base, zsh: install_spec renders the man page and runs the zsh completion.
# alembic (and its SQLAlchemy), python3-psycopg2, python3-mysqldb: the specs that compare with Alembic.
test_pkgs="lua-busted valgrind postgresql pgbouncer mariadb-server galera-4 rsync man-db groff-base zsh"
test_pkgs="$test_pkgs alembic python3-psycopg2 python3-mysqldb"
# luarocks, lua-check, graphviz, luajit: the specs that install the rock, lint a project, draw the graph
# and load libluamig.so into a host with a Lua of its own.
test_pkgs="$test_pkgs luarocks lua-check graphviz luajit"
# python3-yaml: ci_recipes_spec reads the CI recipes' YAML.
test_pkgs="$test_pkgs python3-yaml"
# debhelper, dpkg-dev, fakeroot, lintian: spec/packaging/deb_spec.lua builds and checks the .debs.
test_pkgs="$test_pkgs debhelper dpkg-dev fakeroot lintian"
with_tests=0
quick=0
for a in "$@"; do
  case "$a" in
    --tests) with_tests=1 ;;
    --quick) quick=1 ;;   # with --tests: build the release configuration only (test.sh --quick)
    *) echo "setup.sh: unknown option $a (use --tests, --quick)" >&2; exit 2 ;;
  esac
done
wanted="$build_pkgs"
[ "$with_tests" = 1 ] && wanted="$wanted $test_pkgs"

missing=()
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The build's own output goes to build/setup.log, shown only when a build
# fails: what matters is the last lines.
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p build
log=build/setup.log
: > "$log"
configs="release"
[ "$with_tests" = 1 ] && [ "$quick" = 0 ] && configs="release debug sanitize"
for config in $configs; do
  if ! make -s -j"$jobs" "$config" >> "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup.sh: building $config failed (the whole output: $log)" >&2
    exit 1
  fi
done
if grep -q "warning:" "$log"; then
  grep "warning:" "$log" >&2
  echo "setup.sh: the build has warnings (see $log)" >&2
fi
echo "setup.sh: built $configs (bin/luamig$([ "$with_tests" = 1 ] && [ "$quick" = 0 ] && echo ", bin/debug, bin/sanitize"))"
