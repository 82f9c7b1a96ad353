#!/bin/sh
# pre-commit hook "luamig-single-head" (and a CI step): refuses a project
# whose revisions have more than one head, as two branches that each added
# a revision on the same parent leave it. Prints the heads and the command
# that merges them, and exits 1; exits 0 with one head (or none).
#   hooks/luamig-single-head.sh [--project DIR]
# Projects that keep independent lines on purpose (branch labels, several
# bases) have one head per line: do not use this hook there.
set -u

project=.
if [ "${1:-}" = --project ]; then
  [ $# -ge 2 ] || { echo "luamig-single-head: --project needs a directory" >&2; exit 2; }
  project=$2
fi
cd "$project" || exit 2

if ! command -v luamig >/dev/null 2>&1; then
  echo "luamig-single-head: luamig is not on PATH (install it: make install, see luamig's README)" >&2
  exit 1
fi

heads=$(luamig -q heads) || exit 1
count=$(printf '%s\n' "$heads" | grep -c .)
if [ "$count" -gt 1 ]; then
  ids=$(printf '%s\n' "$heads" | cut -d' ' -f1 | paste -sd' ' -)
  echo "luamig-single-head: multiple heads ($ids): merge them with 'luamig merge heads -m \"merge\"'" >&2
  printf '%s\n' "$heads" >&2
  exit 1
fi
exit 0
