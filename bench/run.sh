#!/usr/bin/env bash
# luamig's benchmarks, side by side with Alembic and the databases' own
# clients on the same workload. Prints hyperfine's tables (mean times and
# ratios). Run after ./setup.sh; installs alembic and hyperfine if missing.
#   bench/run.sh [--revisions N] [--runs N]
# Workload 1: `current` on an N-revision project at head.
# Workload 2: `upgrade head` of N create-table revisions from an empty
#   SQLite database; sqlite3 replays the same statements with the same
#   transactions (one per revision).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
revisions=1000
runs=10
while [ $# -gt 0 ]; do
  case "$1" in
    --revisions) revisions=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

missing=()
for p in alembic hyperfine sqlite3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x "$root/bin/luamig" ] || (cd "$root" && ./setup.sh)

luamig="$root/bin/luamig"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lua5.4 "$root/bench/gen_revisions.lua" "$revisions" "$work" >/dev/null
export PATH=/usr/bin:$PATH   # Debian's python3 has alembic's modules

echo "# $(nproc) cores, $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME"); luamig $("$luamig" --version | cut -d' ' -f2), $(alembic --version), sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
echo
echo "## current on a $revisions-revision project at head (SQLite)"
(cd "$work/luamig" && "$luamig" -q upgrade head)
alembic -c "$work/alembic/alembic.ini" upgrade head 2>/dev/null
# -N: no shell in between; both run from the project directory.
(cd "$work/luamig" && hyperfine -N --warmup 3 --runs "$runs" --style none --export-markdown "$work/current.md" \
  -n "luamig current" "$luamig current" \
  -n "alembic current" "alembic -c $work/alembic/alembic.ini current" >/dev/null)
cat "$work/current.md"
echo
echo "## upgrade head: $revisions create-table revisions from empty (SQLite)"
hyperfine --warmup 1 --runs "$runs" --style none --export-markdown "$work/upgrade.md" \
  -n "luamig upgrade head" --prepare "rm -f $work/luamig/luamig.db" "cd $work/luamig && $luamig -q upgrade head" \
  -n "sqlite3 replay" --prepare "rm -f $work/replay.db" "sqlite3 $work/replay.db < $work/replay.sqlite.sql" \
  -n "alembic upgrade head" --prepare "rm -f $work/alembic/bench.db" "alembic -c $work/alembic/alembic.ini upgrade head 2>/dev/null" >/dev/null
cat "$work/upgrade.md"
