#!/bin/sh
# pre-commit hook "luamig-lint": lints the revision files it is given.
# luacheck checks each file against the luacheck std "luamig" (what a
# revision sees: a misspelt op, an undefined global such as `nul`, io.open)
# and reports syntax errors, FILE:LINE:COL each; then `luamig heads` loads
# every revision of the project as luamig does (bad metadata, a duplicate
# id, a missing parent, a syntax error: `luamig: FILE:LINE: ...`, exit 2).
# The std comes from the project's .luacheckrc (`luamig init` writes one);
# without one, from the luacheck std installed beside luamig.
#   hooks/luamig-lint.sh [--project DIR] FILE...
# --project DIR: the luamig project (its luamig.lua) is in DIR, a folder of
# the repository; files outside it are skipped. Exit 0 clean, 1 otherwise.
set -u

project=.
if [ "${1:-}" = --project ]; then
  [ $# -ge 2 ] || { echo "luamig-lint: --project needs a directory" >&2; exit 2; }
  project=$2
  shift 2
fi
cd "$project" || exit 2

if ! command -v luamig >/dev/null 2>&1; then
  echo "luamig-lint: luamig is not on PATH (install it: make install, see luamig's README)" >&2
  exit 1
fi
if ! command -v luacheck >/dev/null 2>&1; then
  echo "luamig-lint: luacheck is not on PATH (apt-get install lua-check, or luarocks install luacheck)" >&2
  exit 1
fi

# The files, relative to the project: pre-commit names them from the
# repository's root.
prefix=""
[ "$project" = . ] || prefix="${project%/}/"
n=0
for f in "$@"; do
  shift
  case "$f" in
    "$prefix"*) set -- "$@" "${f#"$prefix"}"; n=$((n + 1)) ;;
  esac
done

status=0
if [ "$n" -gt 0 ]; then
  if [ -f .luacheckrc ]; then
    luacheck --no-color --formatter plain --codes -- "$@" || status=1
  else
    # No .luacheckrc: the std installed with luamig, PREFIX/share/luamig/meta.
    bin=$(command -v luamig)
    bin=$(readlink -f "$bin" 2>/dev/null || printf '%s' "$bin")
    std="$(dirname "$bin")/../share/luamig/meta/luacheck/luamig.lua"
    [ -f "$std" ] || std="$(dirname "$bin")/../meta/luacheck/luamig.lua"   # a source tree's bin/
    [ -f "$std" ] || std="$(dirname "$bin")/../../meta/luacheck/luamig.lua"   # its bin/debug, bin/sanitize
    if [ ! -f "$std" ]; then
      echo "luamig-lint: no .luacheckrc here and no luacheck std beside luamig (run 'luamig init' for one)" >&2
      exit 1
    fi
    rc=$(mktemp) || exit 1
    printf 'stds.luamig = dofile("%s")\nstd = "luamig"\nmax_line_length = false\n' "$std" > "$rc"
    luacheck --no-color --formatter plain --codes --config "$rc" -- "$@" || status=1
    rm -f "$rc"
  fi
fi

# Every revision file, loaded by luamig itself.
luamig -q heads >/dev/null || status=1
exit "$status"
