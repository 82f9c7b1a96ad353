#!/usr/bin/env bash
# luamig's benchmarks, side by side with Alembic, dbmate and the databases'
# own clients on the same workload, in one run. Prints markdown tables of
# times, ratios and peak memory. Run after ./setup.sh; installs what it
# needs (alembic, hyperfine, the Python drivers, the database clients, and
# dbmate from npm when npm is there) and starts throwaway PostgreSQL and
# MariaDB servers (spec/with-servers.sh).
#   bench/run.sh [--big] [--all] [--only LIST] [--runs N] [--revisions N]
#                [--rows N] [--backfill N] [--scan N] [--graph N] [--tables N]
#                [--markdown [FILE]]
# The default run (a few minutes on 2 cores) is the six workloads below;
# --all adds the graph, batch and check workloads; --big takes 10 million
# rows for the bulk insert and the scan and a million for the backfill.
# --only takes a comma-separated list of: startup sqlite postgres mysql data
# graph batch check.
# Each workload prints its own tables; at the end one table sums them up
# (bench/summary.lua), which --markdown also writes into README.md (or
# FILE) between its `bench/run.sh --markdown` markers.
#   startup: `luamig --version`, `--help` and an unknown command against
#     `lua5.4 -e ''` (the interpreter's own start).
#   sqlite: `current` on an N-revision project at head, against
#     `alembic current`, `dbmate status` and sqlite3 reading the version
#     row (the floor: every tool parses the schema); then `upgrade head` of N
#     create-table revisions from empty, against sqlite3 replaying the same
#     statements with the same transactions (bench/gen_revisions.lua writes
#     them with luamig's own dialects) and `alembic upgrade head`.
#   postgres, mysql: the same `upgrade head` on PostgreSQL and MariaDB,
#     against psql and mariadb.
#   data: bulk insert, backfill and scan on every backend (bench/data.sh).
#   graph: heads, current and history on a 10,000-revision graph with 50
#     diamonds (100 branch and merge points), against Alembic.
#   batch: a batch-mode rebuild of a 100,000-row SQLite table with indexes
#     and foreign keys, against the same rebuild by hand in sqlite3.
#   check: `luamig check` on a schema of N tables (10 columns, 2 indexes, 1
#     foreign key each) on PostgreSQL and MariaDB, against `alembic
#     revision --autogenerate` (Alembic 1.8 has no `check`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
revisions=1000
graph_revisions=10000
graph_diamonds=50
tables=1000
rows=1000000
backfill=100000
scan=1000000
runs=3
only=""
all=0
markdown=""
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --revisions) revisions=$2; shift 2 ;;
    --graph) graph_revisions=$2; shift 2 ;;
    --tables) tables=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --backfill) backfill=$2; shift 2 ;;
    --scan) scan=$2; shift 2 ;;
    --big) rows=10000000; scan=10000000; backfill=1000000; shift ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --all) all=1; shift ;;
    --markdown)
      if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then markdown=$2; shift 2; else markdown=$root/README.md; shift; fi ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ -z "${LUAMIG_TEST_SERVERS:-}" ]; then
  missing=()
  for p in alembic hyperfine sqlite3 python3-psycopg2 python3-mysqldb postgresql-client mariadb-client; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  (cd "$root" && ./setup.sh --tests >/dev/null)
  # dbmate, for `current`: its npm package carries the native binary
  if [ ! -x "$root/bench/.tools/node_modules/.bin/dbmate" ] && command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix "$root/bench/.tools" dbmate >/dev/null 2>&1 \
      || echo "bench/run.sh: npm install dbmate failed; dbmate is left out" >&2
  fi
  LUAMIG_TEST_SERVERS=1 exec "$root/spec/with-servers.sh" "$0" "${args[@]}"
fi

luamig="$root/bin/luamig"
load_start=$(cut -d' ' -f1 /proc/loadavg)  # what else ran: the summary says
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lua5.4 "$root/bench/gen_revisions.lua" "$revisions" "$work" >/dev/null
export PATH=/usr/bin:$PATH   # Debian's python3 has alembic's modules
wants() {
  if [ -n "$only" ]; then [[ ",$only," == *",$1,"* ]]; return; fi
  case "$1" in graph|batch|check) [ "$all" = 1 ] ;; *) true ;; esac
}
dbmate=$(ls "$root"/bench/.tools/node_modules/@dbmate/*/bin/dbmate 2>/dev/null | head -1 || true)

# The summary: a row per figure a goal of issue 21 names (bench/summary.lua).
summary="$work/summary.tsv"
: > "$summary"
export BENCH_SUMMARY=$summary
# summarize WORKLOAD LUAMIG PEER ALEMBIC RATIO GOAL
summarize() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$summary"; }
# median NAME CSV: seconds, the median of the command named NAME in a
# hyperfine --export-csv file
median() { awk -F, -v n="$1" 'NR > 1 && $1 == n { print $4 }' "$2"; }
# fmt SECONDS: "12.3 ms" or "1.23 s"
fmt() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
# times A B: A / B with two decimals
times() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# mb KB: "6.1 MB"
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
# rss_kb CMD: the peak RSS of one run of CMD (a shell command), in kB
rss_kb() { /usr/bin/time -f "%M" -o "$work/rss" bash -c "$1" >/dev/null 2>&1 || true; cat "$work/rss"; }

# peak RSS of one run of each command, in MB: peak NAME CMD [NAME CMD...]
peak() {
  local line="peak RSS:"
  while [ $# -gt 0 ]; do
    line+=" $1 $(mb "$(rss_kb "$2")");"
    shift 2
  done
  echo
  echo "${line%;}"
}

echo "# $(nproc) cores, $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME"); luamig $("$luamig" --version | cut -d' ' -f2), $(alembic --version)"

# upgrade_row BACKEND CLIENT CSV: the summary's row of an `upgrade head` table
upgrade_row() {
  local l c a
  l=$(median "luamig upgrade head" "$3"); c=$(median "$2 replay" "$3"); a=$(median "alembic upgrade head" "$3")
  summarize "\`upgrade head\`, $revisions create-table revisions ($1)" "$(fmt "$l")" "\`$2\` $(fmt "$c")" "$(fmt "$a")" \
    "$(times "$l" "$c")x the client" "<= 1.05x the client"
}

if wants startup; then
  echo
  echo "## start-up: luamig --version, --help and an unknown command, against lua5.4 -e ''"
  # -N: no shell between; -i: the unknown command exits 2
  hyperfine -N -i --warmup 20 --runs "$((runs * 100))" --style none \
    --export-markdown "$work/startup.md" --export-csv "$work/startup.csv" \
    -n "lua5.4 -e ''" "lua5.4 -e ''" \
    -n "luamig --version" "$luamig --version" \
    -n "luamig --help" "$luamig --help" \
    -n "luamig frobnicate" "$luamig frobnicate" >/dev/null 2>&1
  cat "$work/startup.md"
  lua=$(median "lua5.4 -e ''" "$work/startup.csv")
  for name in "luamig --version" "luamig --help" "luamig frobnicate"; do
    t=$(median "$name" "$work/startup.csv")
    summarize "start-up: \`$name\`" "$(fmt "$t")" "\`lua5.4 -e ''\` $(fmt "$lua")" "" \
      "$(times "$t" "$lua")x lua5.4" "<= 1.5x lua5.4"
  done
fi

if wants sqlite; then
  echo
  echo "## current on a $revisions-revision project at head (SQLite)"
  (cd "$work/luamig" && "$luamig" -q upgrade head)
  alembic -c "$work/alembic/alembic.ini" upgrade head 2>/dev/null
  dbmate_args=()
  if [ -n "$dbmate" ]; then
    dbm="$dbmate --url sqlite:$work/dbmate.db --migrations-dir $work/dbmate/migrations --no-dump-schema"
    $dbm up >/dev/null
    dbmate_args=(-n "dbmate status" "$dbm status")
  fi
  # The revision metadata cache takes files unchanged for 2 s (see
  # runner/modules/revcache.c); a project's files are older than that. The first
  # run writes it; "no cache" is every file read, as on a first run.
  sleep 2
  (cd "$work/luamig" && "$luamig" current >/dev/null)
  # -N: no shell in between; all run from the project directory.
  (cd "$work/luamig" && hyperfine -N --warmup 3 --runs "$((runs * 3))" --style none --export-markdown "$work/current.md" \
    --export-csv "$work/current.csv" \
    -n "luamig current" "$luamig current" \
    -n "luamig current (no cache)" "env LUAMIG_NO_CACHE=1 $luamig current" \
    -n "sqlite3 reading the version row" "sqlite3 luamig.db 'SELECT version_num FROM luamig_version'" \
    -n "alembic current" "alembic -c $work/alembic/alembic.ini current" "${dbmate_args[@]}" >/dev/null 2>&1)
  cat "$work/current.md"
  (cd "$work/luamig" && peak luamig "$luamig current" alembic "alembic -c $work/alembic/alembic.ini current" \
    ${dbmate:+dbmate "$dbm status"})
  l=$(median "luamig current" "$work/current.csv"); a=$(median "alembic current" "$work/current.csv")
  l_rss=$(cd "$work/luamig" && rss_kb "$luamig current")
  # the floor: the database's own client reading the one row (it parses
  # the schema of the 1000 tables too)
  q=$(median "sqlite3 reading the version row" "$work/current.csv")
  if [ -n "$dbmate" ]; then
    d=$(median "dbmate status" "$work/current.csv")
    peer="\`dbmate status\` $(fmt "$d") ($(times "$d" "$l")x luamig); \`sqlite3\` reading the row $(fmt "$q")"
  else peer="(dbmate not installed); \`sqlite3\` reading the row $(fmt "$q")"; fi
  summarize "\`current\`, $revisions revisions (SQLite)" "$(fmt "$l"), $(mb "$l_rss")" "$peer" "$(fmt "$a")" \
    "$(times "$a" "$l")x faster than Alembic" ">= 60x Alembic, >= 4x dbmate, RSS <= 8 MB"

  echo
  echo "## upgrade head: $revisions create-table revisions from empty (SQLite $(sqlite3 --version | cut -d' ' -f1))"
  # alternating runs (bench/alternate.sh says why), as on the servers below
  "$root/bench/alternate.sh" "$runs" "$work/upgrade.csv" "$work/upgrade.md" \
    -n "luamig upgrade head" --prepare "rm -f $work/luamig/luamig.db" "cd $work/luamig && $luamig -q upgrade head" \
    -n "sqlite3 replay" --prepare "rm -f $work/replay.db" "sqlite3 $work/replay.db < $work/replay.sqlite.sql" \
    -n "alembic upgrade head" --prepare "rm -f $work/alembic/bench.db" \
      "alembic -c $work/alembic/alembic.ini upgrade head 2>/dev/null"
  cat "$work/upgrade.md"
  upgrade_row "SQLite" "sqlite3" "$work/upgrade.csv"
  rm -f "$work/luamig/luamig.db" "$work/replay.db" "$work/alembic/bench.db"
  peak luamig "cd $work/luamig && $luamig -q upgrade head" sqlite3 "sqlite3 $work/replay.db < $work/replay.sqlite.sql" \
    alembic "alembic -c $work/alembic/alembic.ini upgrade head"
fi

if wants graph; then
  echo
  echo "## heads, current and history on $graph_revisions revisions with $((2 * graph_diamonds)) branch/merge points (SQLite)"
  lua5.4 "$root/bench/gen_graph.lua" "$graph_revisions" "$graph_diamonds" "$work/graph" >/dev/null
  (cd "$work/graph/luamig" && "$luamig" -q stamp heads)
  alembic -c "$work/graph/alembic/alembic.ini" stamp heads 2>/dev/null
  sleep 2   # files settle; the first heads writes the metadata cache
  (cd "$work/graph/luamig" && "$luamig" heads >/dev/null)
  (cd "$work/graph/luamig" && hyperfine -N --warmup 2 --runs "$runs" --style none --export-markdown "$work/graph.md" \
    --export-csv "$work/graph.csv" \
    -n "luamig heads" "$luamig heads" \
    -n "luamig current" "$luamig current" \
    -n "luamig history" "$luamig history" \
    -n "luamig heads (no cache)" "env LUAMIG_NO_CACHE=1 $luamig heads" \
    -n "alembic heads" "alembic -c $work/graph/alembic/alembic.ini heads" \
    -n "alembic current" "alembic -c $work/graph/alembic/alembic.ini current" \
    -n "alembic history" "alembic -c $work/graph/alembic/alembic.ini history" >/dev/null 2>&1)
  cat "$work/graph.md"
  for cmd in heads current history; do
    l=$(median "luamig $cmd" "$work/graph.csv"); a=$(median "alembic $cmd" "$work/graph.csv")
    summarize "\`$cmd\`, $graph_revisions revisions, $((2 * graph_diamonds)) branch/merge points" "$(fmt "$l")" "" \
      "${a:+$(fmt "$a")}" "${a:+$(times "$a" "$l")x faster than Alembic}" "<= 30 ms"
  done
fi

if wants batch; then
  echo
  "$root/bench/batch_rebuild.sh" --runs "$runs" --luamig "$luamig"
fi

# One database per tool, recreated before every run. The runs alternate
# between the tools, after a warm-up round (bench/alternate.sh): a new
# server's first runs are the slowest (in one trial the first of 1000
# CREATE TABLEs took 3x as long as the fifth, whatever the tool), which
# in blocks of runs fell on whichever tool ran first (luamig) and made
# this row swing between 1.0x and 2.2x from one bench run to the next.
server_bench() {
  local label=$1 client_label=$2 fresh=$3 luamig_url=$4 client_cmd=$5 alembic_url=$6
  echo
  echo "## upgrade head: $revisions create-table revisions from empty ($label)"
  "$root/bench/alternate.sh" "$runs" "$work/$label.csv" "$work/$label.md" \
    -n "luamig upgrade head" --prepare "$fresh bench_luamig" \
      "cd $work/luamig && $luamig -q -u '$luamig_url' upgrade head" \
    -n "$client_label replay" --prepare "$fresh bench_client" "$client_cmd" \
    -n "alembic upgrade head" --prepare "$fresh bench_alembic" \
      "BENCH_URL='$alembic_url' alembic -c $work/alembic/alembic.ini upgrade head 2>/dev/null"
  cat "$work/$label.md"
  upgrade_row "${label%% *}" "$client_label" "$work/$label.csv"
  $fresh bench_luamig; $fresh bench_client; $fresh bench_alembic
  peak luamig "cd $work/luamig && $luamig -q -u '$luamig_url' upgrade head" "$client_label" "$client_cmd" \
    alembic "BENCH_URL='$alembic_url' alembic -c $work/alembic/alembic.ini upgrade head"
}

pw="${LUAMIG_TEST_PASSWORD:-}"
if wants postgres && [ -n "${LUAMIG_TEST_PG_URL:-}" ]; then
  pg="postgresql://postgres:$pw@127.0.0.1:$LUAMIG_TEST_PG_PORT"
  cat > "$work/pg_fresh" <<EOF
#!/bin/sh
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS \$1 WITH (FORCE)" -c "CREATE DATABASE \$1" >/dev/null
EOF
  chmod +x "$work/pg_fresh"
  server_bench "PostgreSQL $(psql -At "$pg/postgres" -c 'SHOW server_version' | cut -d' ' -f1)" "psql" "$work/pg_fresh" \
    "$pg/bench_luamig" "psql -q -v ON_ERROR_STOP=1 $pg/bench_client -f $work/replay.postgres.sql >/dev/null" \
    "postgresql+psycopg2://postgres:$pw@127.0.0.1:$LUAMIG_TEST_PG_PORT/bench_alembic"
fi

if wants mysql && [ -n "${LUAMIG_TEST_MYSQL_URL:-}" ]; then
  my="--no-defaults -h127.0.0.1 -P$LUAMIG_TEST_MYSQL_PORT -uluamig -p$pw"
  cat > "$work/my_fresh" <<EOF
#!/bin/sh
mariadb $my -e "DROP DATABASE IF EXISTS \$1; CREATE DATABASE \$1 CHARACTER SET utf8mb4"
EOF
  chmod +x "$work/my_fresh"
  server_bench "MariaDB $(mariadb $my -BNe 'SELECT VERSION()' | cut -d- -f1)" "mariadb" "$work/my_fresh" \
    "mysql://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_luamig" \
    "mariadb $my bench_client < $work/replay.mysql.sql" \
    "mysql+mysqldb://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_alembic"
fi

if wants data; then
  "$root/bench/data.sh" "$work" "$luamig" "$runs" "$rows" "$backfill" "$scan"
fi

# check: the models against a database that matches them (the schema is
# made by luamig's own autogenerated revision).
check_bench() {
  local label=$1 luamig_url=$2 alembic_url=$3
  echo
  echo "## check: $tables tables, 10 columns, 2 indexes, 1 foreign key each ($label)"
  (cd "$work/schema/luamig" && rm -f migrations/versions/*.lua \
    && "$luamig" -q -u "$luamig_url" revision --autogenerate -m schema --rev-id schema >/dev/null \
    && "$luamig" -q -u "$luamig_url" upgrade head && "$luamig" -u "$luamig_url" check | tail -1)
  (cd "$work/schema/luamig" && hyperfine --warmup 1 --runs "$runs" --style none --export-markdown "$work/check.md" \
    --export-csv "$work/check.csv" \
    -n "luamig check" "$luamig -u '$luamig_url' check" \
    -n "alembic revision --autogenerate" --prepare "rm -f $work/schema/alembic/versions/*.py" \
      "BENCH_URL='$alembic_url' alembic -c $work/schema/alembic/alembic.ini revision --autogenerate -m x" >/dev/null 2>&1)
  cat "$work/check.md"
  local l a
  l=$(median "luamig check" "$work/check.csv"); a=$(median "alembic revision --autogenerate" "$work/check.csv")
  summarize "\`check\`, $tables tables ($label)" "$(fmt "$l")" "" "$(fmt "$a")" \
    "$(times "$a" "$l")x faster than Alembic" "<= 200 ms (PostgreSQL)"
}

if wants check; then
  lua5.4 "$root/bench/gen_schema.lua" "$tables" "$work/schema"
  if [ -n "${LUAMIG_TEST_PG_URL:-}" ]; then
    pg="postgresql://postgres:$pw@127.0.0.1:$LUAMIG_TEST_PG_PORT"
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS bench_check WITH (FORCE)" -c "CREATE DATABASE bench_check" >/dev/null
    check_bench "PostgreSQL" "$pg/bench_check" "postgresql+psycopg2://postgres:$pw@127.0.0.1:$LUAMIG_TEST_PG_PORT/bench_check"
  fi
  if [ -n "${LUAMIG_TEST_MYSQL_URL:-}" ]; then
    my="--no-defaults -h127.0.0.1 -P$LUAMIG_TEST_MYSQL_PORT -uluamig -p$pw"
    mariadb $my -e "DROP DATABASE IF EXISTS bench_check; CREATE DATABASE bench_check CHARACTER SET utf8mb4"
    check_bench "MariaDB" "mysql://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_check" \
      "mysql+mysqldb://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_check"
  fi
fi

echo
machine="$(nproc) cores, $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME")"
versions="luamig $("$luamig" --version | cut -d' ' -f2), $(alembic --version)"
header="Measured by \`bench/run.sh${args[*]:+ ${args[*]}}\` on $(date -u +%Y-%m-%d): $machine; $versions; load average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end. Ratios are of medians measured side by side in this one run."
if [ -n "$markdown" ]; then
  lua5.4 "$root/bench/summary.lua" "$summary" "$header" --readme "$markdown"
else
  lua5.4 "$root/bench/summary.lua" "$summary" "$header"
fi
