#!/usr/bin/env bash
# luamig's benchmarks, side by side with Alembic and the databases' own
# clients on the same workload, in one run. Prints hyperfine's tables (mean
# times and ratios). Run after ./setup.sh; installs what it needs (alembic,
# hyperfine, the Python drivers, the database clients) and starts
# throwaway PostgreSQL and MariaDB servers (spec/with-servers.sh).
#   bench/run.sh [--revisions N] [--graph N] [--tables N] [--runs N]
#                [--only sqlite|graph|batch|postgres|mysql|check]
# Workload 1: `current` on an N-revision project at head (SQLite).
# Workload 3: heads, current and history on a 10,000-revision graph with
#   50 diamonds (100 branch and merge points), against alembic heads/current.
# Workload 2: `upgrade head` of N create-table revisions from an empty
#   database, on each backend; the database's own client replays the same
#   statements with the same transactions (bench/gen_revisions.lua writes
#   them with luamig's own dialects).
# Workload 5: `luamig check` on a schema of N tables (10 columns, 2
#   indexes, 1 foreign key each) on PostgreSQL and MariaDB, against the same
#   comparison by Alembic (`alembic revision --autogenerate`: Alembic 1.8
#   has no `check` command; the generated file is removed between runs).
# Workload 4: a batch-mode rebuild of a 100,000-row SQLite table with
#   indexes and foreign keys, against the same rebuild by hand in sqlite3
#   (bench/batch_rebuild.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
revisions=1000
graph_revisions=10000
graph_diamonds=50
tables=1000
runs=10
only=""
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --revisions) revisions=$2; shift 2 ;;
    --graph) graph_revisions=$2; shift 2 ;;
    --tables) tables=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
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
  LUAMIG_TEST_SERVERS=1 exec "$root/spec/with-servers.sh" "$0" "${args[@]}"
fi

luamig="$root/bin/luamig"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lua5.4 "$root/bench/gen_revisions.lua" "$revisions" "$work" >/dev/null
export PATH=/usr/bin:$PATH   # Debian's python3 has alembic's modules
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }

echo "# $(nproc) cores, $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME"); luamig $("$luamig" --version | cut -d' ' -f2), $(alembic --version)"

if wants sqlite; then
  echo
  echo "## current on a $revisions-revision project at head (SQLite)"
  (cd "$work/luamig" && "$luamig" -q upgrade head)
  alembic -c "$work/alembic/alembic.ini" upgrade head 2>/dev/null
  # -N: no shell in between; both run from the project directory.
  (cd "$work/luamig" && hyperfine -N --warmup 3 --runs "$runs" --style none --export-markdown "$work/current.md" \
    -n "luamig current" "$luamig current" \
    -n "alembic current" "alembic -c $work/alembic/alembic.ini current" >/dev/null 2>&1)
  cat "$work/current.md"

  echo
  echo "## upgrade head: $revisions create-table revisions from empty (SQLite $(sqlite3 --version | cut -d' ' -f1))"
  hyperfine --warmup 1 --runs "$runs" --style none --export-markdown "$work/upgrade.md" \
    -n "luamig upgrade head" --prepare "rm -f $work/luamig/luamig.db" "cd $work/luamig && $luamig -q upgrade head" \
    -n "sqlite3 replay" --prepare "rm -f $work/replay.db" "sqlite3 $work/replay.db < $work/replay.sqlite.sql" \
    -n "alembic upgrade head" --prepare "rm -f $work/alembic/bench.db" \
      "alembic -c $work/alembic/alembic.ini upgrade head 2>/dev/null" >/dev/null 2>&1
  cat "$work/upgrade.md"
fi

if wants graph; then
  echo
  echo "## heads, current and history on $graph_revisions revisions with $((2 * graph_diamonds)) branch/merge points (SQLite)"
  lua5.4 "$root/bench/gen_graph.lua" "$graph_revisions" "$graph_diamonds" "$work/graph" >/dev/null
  (cd "$work/graph/luamig" && "$luamig" -q stamp heads)
  alembic -c "$work/graph/alembic/alembic.ini" stamp heads 2>/dev/null
  (cd "$work/graph/luamig" && hyperfine -N --warmup 2 --runs "$runs" --style none --export-markdown "$work/graph.md" \
    -n "luamig heads" "$luamig heads" \
    -n "luamig current" "$luamig current" \
    -n "luamig history" "$luamig history" \
    -n "alembic heads" "alembic -c $work/graph/alembic/alembic.ini heads" \
    -n "alembic current" "alembic -c $work/graph/alembic/alembic.ini current" >/dev/null 2>&1)
  cat "$work/graph.md"
fi

if wants batch; then
  echo
  "$root/bench/batch_rebuild.sh" --runs "$runs" --luamig "$luamig"
fi

# One database per tool, recreated before every run.
server_bench() {
  local label=$1 client_label=$2 fresh=$3 luamig_url=$4 client_cmd=$5 alembic_url=$6
  echo
  echo "## upgrade head: $revisions create-table revisions from empty ($label)"
  hyperfine --warmup 1 --runs "$runs" --style none --export-markdown "$work/$label.md" \
    -n "luamig upgrade head" --prepare "$fresh bench_luamig" \
      "cd $work/luamig && $luamig -q -u '$luamig_url' upgrade head" \
    -n "$client_label replay" --prepare "$fresh bench_client" "$client_cmd" \
    -n "alembic upgrade head" --prepare "$fresh bench_alembic" \
      "BENCH_URL='$alembic_url' alembic -c $work/alembic/alembic.ini upgrade head 2>/dev/null" >/dev/null 2>&1
  cat "$work/$label.md"
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
    -n "luamig check" "$luamig -u '$luamig_url' check" \
    -n "alembic revision --autogenerate" --prepare "rm -f $work/schema/alembic/versions/*.py" \
      "BENCH_URL='$alembic_url' alembic -c $work/schema/alembic/alembic.ini revision --autogenerate -m x" >/dev/null 2>&1)
  cat "$work/check.md"
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
