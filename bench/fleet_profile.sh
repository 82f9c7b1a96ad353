#!/usr/bin/env bash
# Where one fleet target's time goes on PostgreSQL: the CPU of the luamig
# process and of the server's backends, against the wall-clock time of the
# run, for N single runs of `luamig -u URL upgrade head` one after the
# other (what each child of a fleet does; bench/README.md, Fleets).
#   bench/fleet_profile.sh [--targets N] [--luamig PATH] [--durable]
# Each run starts from an empty database (the example project's three
# revisions). Each of the N rounds times a plain run (wall), then counts
# a second one: `perf stat -e task-clock` on the luamig process, and a
# second perf attached to the postmaster for the backends it forks while
# the run lasts (perf's counters follow a fork). Then one run
# under `strace -c -f`: the luamig process's system calls (connects and
# round trips). The ceiling a fleet can reach on this machine is
#   cores * wall / (client CPU + server CPU)
# targets at a time: past it the cores, not --jobs, are what limits.
# Needs perf and strace; --durable as in bench/fleet.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=20
luamig="$root/bin/luamig"
durable=0
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) n=$2; shift 2 ;;
    --luamig) luamig=$2; shift 2 ;;
    --durable) durable=1; shift ;;
    *) echo "bench/fleet_profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "${LUAMIG_TEST_PG_URL:-}" ]; then
  flags=(--targets "$n" --luamig "$luamig")
  [ "$durable" = 1 ] && flags+=(--durable)
  LUAMIG_TEST_PG_DURABLE=$durable exec "$root/spec/with-servers.sh" "$0" "${flags[@]}"
fi
for tool in perf strace psql; do
  command -v "$tool" >/dev/null || { echo "bench/fleet_profile.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/luamig-fleet-profile.XXXXXX")
cp -r "$root/migrations" "$work/"
cd "$work"
pg_admin=$LUAMIG_TEST_PG_URL
psql_admin() { psql -X -q -t -A -d "$pg_admin" -c "$1"; }
db=luamig_profile_$$
cleanup() { psql_admin "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; cd /; rm -rf "$work"; }
trap cleanup EXIT
url="${pg_admin%/*}/$db"

# The postmaster: the first line of its pid file.
postmaster=$(head -n 1 "$(psql_admin "SHOW data_directory")/postmaster.pid")

reset() {
  psql_admin "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  psql_admin "CREATE DATABASE $db" >/dev/null
}
# task-clock in ms from a `perf stat -x,` file
ms() { awk -F, '$3 == "task-clock" { printf "%.2f", $1 }' "$1"; }

echo "# one target's time: $("$luamig" --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $(psql_admin "SHOW server_version"): fsync $(psql_admin "SHOW fsync"),"\
  "synchronous_commit $(psql_admin "SHOW synchronous_commit"), full_page_writes $(psql_admin "SHOW full_page_writes")"
reset
"$luamig" -u "$url" upgrade head >/dev/null 2>&1  # warm-up
: > runs.txt
for _ in $(seq 1 "$n"); do
  reset
  t0=$(date +%s%N)
  "$luamig" -u "$url" upgrade head >/dev/null 2>run.err \
    || { echo "bench/fleet_profile.sh: the run failed:" >&2; cat run.err >&2; exit 1; }
  t1=$(date +%s%N)
  reset
  perf stat -x, -e task-clock -o server.txt -p "$postmaster" -- \
    perf stat -x, -e task-clock -o client.txt "$luamig" -u "$url" upgrade head >/dev/null 2>run.err \
    || { echo "bench/fleet_profile.sh: the run failed:" >&2; cat run.err >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000 )) $(ms client.txt) $(ms server.txt)" >> runs.txt
done
start_ms=$(perf stat -x, -e task-clock -r 20 "$luamig" --version 2>&1 >/dev/null | awk -F, '$3 == "task-clock" { printf "%.2f", $1 }')
awk -v cores="$(nproc)" -v n="$n" -v start="$start_ms" '
  { wall += $1 / 1000; client += $2; server += $3 }
  END {
    wall /= n; client /= n; server /= n
    printf "\nmean of %d runs, ms: wall %.1f, luamig CPU %.1f (of which `luamig --version` %.1f), server backends CPU %.1f\n",
      n, wall, client, start, server
    printf "CPU per target %.1f ms = %.2f of a core during its run; ceiling on %d cores: %.2fx the one-at-a-time rate\n",
      client + server, (client + server) / wall, cores, cores * wall / (client + server)
  }' runs.txt

reset
echo
echo "strace -c -f of one run (the luamig process), top 12 by calls:"
strace -c -f -S calls -o strace.txt "$luamig" -u "$url" upgrade head >/dev/null 2>&1
sed -n '1p;3,14p' strace.txt
tail -n 1 strace.txt
