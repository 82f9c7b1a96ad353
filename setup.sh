#!/usr/bin/env bash
# Installs what luamig needs on Debian 12 (as root; apt-get only for what is
# missing) and builds it. `./setup.sh` builds the release binary bin/luamig;
# `./setup.sh --tests` also installs the test dependencies and builds the
# debug and sanitizer (ASan + UBSan) configurations.
set -euo pipefail
cd "$(dirname "$0")"

build_pkgs="gcc make pkg-config premake4 lua5.4 liblua5.4-dev libsqlite3-dev sqlite3 libpq-dev libmariadb-dev"
# man-db, groff-base, zsh: install_spec renders the man page and runs the zsh completion.
# alembic (and its SQLAlchemy), python3-psycopg2, python3-mysqldb: the specs that compare with Alembic.
test_pkgs="lua-busted valgrind postgresql pgbouncer mariadb-server galera-4 rsync man-db groff-base zsh"
test_pkgs="$test_pkgs alembic python3-psycopg2 python3-mysqldb"
# luarocks, lua-check, graphviz: the specs that install the rock, lint a project and draw the graph.
test_pkgs="$test_pkgs luarocks lua-check graphviz"
with_tests=0
for a in "$@"; do
  case "$a" in
    --tests) with_tests=1 ;;
    *) echo "setup.sh: unknown option $a (use --tests)" >&2; exit 2 ;;
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

jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" release
if [ "$with_tests" = 1 ]; then
  make -s -j"$jobs" debug
  make -s -j"$jobs" sanitize
fi
