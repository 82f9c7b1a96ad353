#!/usr/bin/env bash
# A fleet's upgrade, at --jobs 1, 2, 4 and 8, against a shell loop of one
# `luamig -u URL upgrade head` per database (what a fleet replaces).
#   bench/fleet.sh [--sqlite N] [--postgres N] [--schemas N] [--runs N] [--luamig PATH]
#                  [--only sqlite,postgres,schemas] [--durable]
# Fleets: N SQLite files (default 200), N databases (default 50) and N
# tenants' schemas of one database (default 100, `?schema=` URLs) on the
# throwaway PostgreSQL server of spec/with-servers.sh (the script starts
# one when LUAMIG_TEST_PG_URL is not set). The work per database is the
# example project's three revisions from an empty database, so the figures
# are mostly process start-up, connection and DDL round trips: the part
# of a fleet that --jobs overlaps.
# --durable starts that server with fsync, synchronous_commit and
# full_page_writes on (LUAMIG_TEST_PG_DURABLE=1, spec/with-servers.sh), as
# a production server commits: the throwaway one's are off, so there every
# target is CPU only. The header prints the server's settings either way.
# --only picks backends (a comma-separated list; default all three).
# Each backend starts with one untimed warm-up run (a fleet at --jobs
# cores): the first run after the server starts pays for its cold caches.
# Each figure is the median of --runs runs (default 3), each from empty
# databases, measured in rounds: each round runs every row once (the loop,
# then each N's fleet and xargs), so that a neighbour's load, which comes
# and goes, falls on all rows alike.
# Printed per backend: seconds, the speed-up over the loop, and
# the ideal min(N, cores); next to it `xargs -P N` running the same single
# runs N at a time: what the machine absorbs with no fleet at all, so that
# the fleet's own cost shows apart from the machine's limits (on a loaded
# machine the ideal is not on offer). For PostgreSQL also the peak number
# of connections to the fleet's databases while it ran (pg_stat_activity,
# polled every 10 ms): each target's run holds two, its own and the one
# whose open transaction holds the migration lock (lock/postgres.lua), so
# 2N at most (a backend whose client has gone may still be listed for a
# moment).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n_sqlite=200
n_pg=50
n_schemas=100
runs=3
luamig="$root/bin/luamig"
only="sqlite,postgres,schemas"
durable=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=$2; shift 2 ;;
    --durable) durable=1; shift ;;
    --sqlite) n_sqlite=$2; shift 2 ;;
    --postgres) n_pg=$2; shift 2 ;;
    --schemas) n_schemas=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --luamig) luamig=$2; shift 2 ;;
    *) echo "bench/fleet.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
if [ -z "${LUAMIG_TEST_PG_URL:-}" ] && [ -z "${LUAMIG_TEST_PG_SKIP:-}" ] && { wants postgres || wants schemas; }; then
  flags=(--sqlite "$n_sqlite" --postgres "$n_pg" --schemas "$n_schemas" --runs "$runs" --luamig "$luamig" --only "$only")
  [ "$durable" = 1 ] && flags+=(--durable)
  LUAMIG_TEST_PG_DURABLE=$durable exec "$root/spec/with-servers.sh" "$0" "${flags[@]}"
fi
command -v psql >/dev/null || { echo "bench/fleet.sh: psql is not installed" >&2; exit 2; }

cores=$(nproc)
work=$(mktemp -d "${TMPDIR:-/tmp}/luamig-fleet-bench.XXXXXX")
cp -r "$root/migrations" "$work/"
cd "$work"

pg_admin=${LUAMIG_TEST_PG_URL:-}
psql_admin() { psql -X -q -t -A -d "$pg_admin" -c "$1"; }
pg_prefix="luamig_fleet_$$_"

cleanup() {
  if [ -n "$pg_admin" ]; then
    for i in $(seq 1 "$n_pg"); do psql_admin "DROP DATABASE IF EXISTS ${pg_prefix}$i" >/dev/null 2>&1 || true; done
    psql_admin "DROP DATABASE IF EXISTS ${pg_prefix}tenants" >/dev/null 2>&1 || true
  fi
  cd /; rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq 1 "$n_sqlite"); do echo "s$i sqlite:s$i.db"; done > sqlite.txt
if [ -n "$pg_admin" ]; then
  # The server's URL with the database replaced: .../postgres -> .../<name>
  base=${pg_admin%/*}
  for i in $(seq 1 "$n_pg"); do echo "p$i $base/${pg_prefix}$i"; done > postgres.txt
  for i in $(seq 1 "$n_schemas"); do echo "t$i $base/${pg_prefix}tenants?schema=tenant_$i"; done > schemas.txt
fi

reset_sqlite() { rm -f s*.db; }
# The databases are created once (CREATE DATABASE copies template1
# through the WAL: ~0.25 s each here, fsync off or on); after that a reset
# empties each one's public schema, through one psql that reconnects per
# database (\c), a few seconds for 100.
reset_postgres() {
  if [ ! -e postgres.created ]; then
    seq 1 "$n_pg" | sed "s/.*/DROP DATABASE IF EXISTS ${pg_prefix}&; CREATE DATABASE ${pg_prefix}&;/" \
      | PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$pg_admin" >/dev/null
    touch postgres.created
    return
  fi
  local i
  for i in $(seq 1 "$n_pg"); do
    printf '\\c %s\nDROP SCHEMA public CASCADE; CREATE SCHEMA public;\n' "${pg_admin%/*}/${pg_prefix}$i"
  done | PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$pg_admin" >/dev/null
}

# One database, a schema per tenant, each empty.
reset_schemas() {
  psql_admin "DROP DATABASE IF EXISTS ${pg_prefix}tenants" >/dev/null 2>&1
  psql_admin "CREATE DATABASE ${pg_prefix}tenants" >/dev/null
  seq 1 "$n_schemas" | sed 's/.*/CREATE SCHEMA tenant_&;/' \
    | psql -X -q -d "${pg_admin%/*}/${pg_prefix}tenants" >/dev/null
}

# Polls pg_stat_activity every 10 ms until killed, through one psql
# session (a psql per sample would miss short connections while it
# starts); the peak count goes to $1.
watch_connections() {
  local out=$1
  while :; do
    echo "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '${pg_prefix}%';"
    sleep 0.01
  done | psql -X -q -t -A -d "$pg_admin" 2>/dev/null \
    | awk -v out="$out" '$1 > peak { peak = $1; print peak > out; close(out) }'
}

now() { date +%s.%N; }

# One timed run of "$@" after reset $1; prints seconds. With PostgreSQL,
# the peak of connections goes to peak.txt.
timed() {
  local backend=$1; shift
  "reset_$backend"
  echo 0 > peak.txt
  local watcher=""
  if [ "$backend" != sqlite ]; then
    setsid bash -c "$(declare -f watch_connections); pg_admin='$pg_admin' pg_prefix='$pg_prefix' watch_connections peak.txt" &
    watcher=$!
    sleep 0.2  # its psql is connected before the run starts
  fi
  local t0 t1 status=0
  t0=$(now)
  "$@" >/dev/null 2>run.err || status=$?
  t1=$(now)
  if [ -n "$watcher" ]; then
    sleep 0.05
    kill -- "-$watcher" 2>/dev/null || true  # the pipeline: its own process group (setsid)
    wait "$watcher" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then echo "bench/fleet.sh: $* failed ($status):" >&2; cat run.err >&2; exit 1; fi
  echo "$t1 - $t0" | bc -l | sed 's/^\./0./' 
}

median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

loop() {
  local file=$1 url
  while read -r _ url; do "$luamig" -u "$url" upgrade head || return 1; done < "$file"
}

# The same single runs, N at a time.
parallel_loop() {
  local file=$1 jobs=$2
  xargs -P "$jobs" -L 1 sh -c 'exec "$0" -u "$2" upgrade head' "$luamig" < "$file"
}

bench_backend() {
  local backend=$1 file=$2 count=$3 seq_s jobs s xs peak ideal speedup
  echo
  echo "## $backend: $count targets, $cores cores, median of $runs runs"
  echo
  echo "| run | seconds | speed-up | ideal min(N, cores) | ratio to ideal | xargs -P N | its speed-up | peak connections |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  timed "$backend" "$luamig" upgrade head --targets "$file" --jobs "$cores" >/dev/null  # warm-up
  rm -f loop_s.txt fleet_*.txt xargs_*.txt peaks_*.txt
  # Round by round, every row once: a neighbour's load that comes and
  # goes falls on all the rows of a round, not on one row's runs.
  for _ in $(seq 1 "$runs"); do
    timed "$backend" loop "$file" >> loop_s.txt
    cat peak.txt >> peaks_loop.txt
    for jobs in 1 2 4 8; do
      timed "$backend" "$luamig" upgrade head --targets "$file" --jobs "$jobs" >> "fleet_$jobs.txt"
      cat peak.txt >> "peaks_$jobs.txt"
      timed "$backend" parallel_loop "$file" "$jobs" >> "xargs_$jobs.txt"
    done
  done
  seq_s=$(median < loop_s.txt)
  peak=$( [ "$backend" != sqlite ] && sort -n peaks_loop.txt | tail -n 1 || echo "-")
  echo "| shell loop | $seq_s | 1.00 | 1 | 1.00 | | | $peak |"
  for jobs in 1 2 4 8; do
    s=$(median < "fleet_$jobs.txt")
    xs=$(median < "xargs_$jobs.txt")
    peak=$( [ "$backend" != sqlite ] && sort -n "peaks_$jobs.txt" | tail -n 1 || echo "-")
    ideal=$(( jobs < cores ? jobs : cores ))
    speedup=$(echo "$seq_s / $s" | bc -l)
    printf '| --jobs %d | %s | %.2f | %d | %.2f | %s | %.2f | %s |\n' "$jobs" "$s" "$speedup" "$ideal" \
      "$(echo "$speedup / $ideal" | bc -l)" "$xs" "$(echo "$seq_s / $xs" | bc -l)" "$peak"
  done
}

echo "# luamig fleets: $("$luamig" --version), $(uname -sm), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$pg_admin" ]; then
  echo "PostgreSQL $(psql_admin "SHOW server_version"): fsync $(psql_admin "SHOW fsync"),"\
    "synchronous_commit $(psql_admin "SHOW synchronous_commit"), full_page_writes $(psql_admin "SHOW full_page_writes")"
fi
wants sqlite && bench_backend sqlite sqlite.txt "$n_sqlite"
if [ -n "$pg_admin" ]; then
  wants postgres && bench_backend postgres postgres.txt "$n_pg"
  wants schemas && bench_backend schemas schemas.txt "$n_schemas"
elif wants postgres || wants schemas; then
  echo; echo "PostgreSQL skipped: ${LUAMIG_TEST_PG_SKIP:-}"
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
