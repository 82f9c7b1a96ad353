#!/usr/bin/env bash
# The data-migration workloads, called by bench/run.sh with the servers
# running (spec/with-servers.sh's LUAMIG_TEST_* variables):
#   bench/data.sh WORK LUAMIG RUNS ROWS BACKFILL SCAN [BACKEND...]
# On each backend, each tool starts from a new database holding the same
# table (the same SQL for every tool):
#   bulk      ROWS rows of 5 columns: luamig op.bulk_insert from a list and
#             from a function, Alembic's op.bulk_insert, and the native
#             loader (sqlite3 .import, psql \copy, mariadb LOAD DATA LOCAL
#             INFILE) reading the same rows from a TSV file;
#   backfill  an UPDATE per row read, over BACKFILL rows: luamig's db:rows()
#             and db:execute(), the same with db:queue() (pipelined), the
#             same loop in Python through Alembic's bind; on PostgreSQL
#             also the server's fastest paths through psql: the same
#             UPDATEs as one query in one transaction, and one UPDATE ...
#             FROM (VALUES ...), and the same UPDATEs sent from C through
#             libpq's pipeline (bench/pg_pipeline.c: the floor of a
#             statement per row); on MariaDB through the mariadb client:
#             the UPDATEs as one query in one transaction, one UPDATE ...
#             JOIN (VALUES ...) and one INSERT ... ON DUPLICATE KEY UPDATE;
#   scan      SCAN rows read through db:rows().
# Each command runs RUNS times (Alembic once: it is the slow one); the
# table gives medians of the wall time, of the operation's own time
# (luamig's -v progress line, the Alembic revision's own clock; the
# native loader's is its wall time) and the largest peak RSS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$1 luamig=$2 runs=$3 rows=$4 backfill=$5 scan=$6
shift 6
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres mysql)
data="$work/data"
mkdir -p "$data"
lua5.4 "$root/bench/gen_data.lua" "$rows" "$backfill" "$scan" "$data" >/dev/null
# The per-row floor on PostgreSQL (bench/pg_pipeline.c); its row is left
# out where it does not build.
pg_pipeline=""
if gcc -O2 -o "$data/pg_pipeline" "$root/bench/pg_pipeline.c" -I"$(pg_config --includedir 2>/dev/null)" -lpq \
    2>/dev/null; then pg_pipeline="$data/pg_pipeline"; fi
pw="${LUAMIG_TEST_PASSWORD:-}"
pg="postgresql://postgres:$pw@127.0.0.1:${LUAMIG_TEST_PG_PORT:-0}"
my="--no-defaults -h127.0.0.1 -P${LUAMIG_TEST_MYSQL_PORT:-0} -uluamig -p$pw"

BULK_TABLE="CREATE TABLE bulk_rows (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40), n BIGINT, f DOUBLE PRECISION, note TEXT)"
BACKFILL_TABLE="CREATE TABLE backfill_rows (id BIGINT NOT NULL PRIMARY KEY, n BIGINT, label VARCHAR(40))"

# fresh BACKEND WORKLOAD: a new database (SQLite: $data/bench.db) with the
# workload's table, and its URLs in luamig_url and alembic_url.
fresh() {
  local backend=$1 workload=$2 fill
  case "$backend" in
    sqlite)
      rm -f "$data/bench.db"
      fill="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $backfill) SELECT i, i * 3, NULL FROM s"
      if [ "$workload" = bulk ]; then sqlite3 "$data/bench.db" "$BULK_TABLE"
      elif [ "$workload" = backfill ]; then sqlite3 "$data/bench.db" "$BACKFILL_TABLE; INSERT INTO backfill_rows $fill"
      else sqlite3 "$data/bench.db" "SELECT 1" >/dev/null; fi
      luamig_url="sqlite:$data/bench.db"; alembic_url="sqlite:///$data/bench.db" ;;
    postgres)
      psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS bench_data WITH (FORCE)" -c "CREATE DATABASE bench_data" >/dev/null
      if [ "$workload" = bulk ]; then psql -q "$pg/bench_data" -c "$BULK_TABLE"
      elif [ "$workload" = backfill ]; then psql -q "$pg/bench_data" -c "$BACKFILL_TABLE" \
        -c "INSERT INTO backfill_rows SELECT g, g * 3, NULL FROM generate_series(1, $backfill) AS g"; fi
      luamig_url="$pg/bench_data"; alembic_url="postgresql+psycopg2://postgres:$pw@127.0.0.1:$LUAMIG_TEST_PG_PORT/bench_data" ;;
    mysql)
      mariadb $my -e "DROP DATABASE IF EXISTS bench_data; CREATE DATABASE bench_data CHARACTER SET utf8mb4"
      if [ "$workload" = bulk ]; then mariadb $my bench_data -e "$BULK_TABLE"
      elif [ "$workload" = backfill ]; then mariadb $my bench_data -e "$BACKFILL_TABLE;
        INSERT INTO backfill_rows SELECT seq, seq * 3, NULL FROM seq_1_to_$backfill"; fi
      luamig_url="mysql://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_data"
      alembic_url="mysql+mysqldb://luamig:$pw@127.0.0.1:$LUAMIG_TEST_MYSQL_PORT/bench_data" ;;
  esac
}

# native BACKEND: the database's own loader reading rows.tsv.
native() {
  case "$1" in
    sqlite) sqlite3 "$data/bench.db" ".mode tabs" ".import $data/rows.tsv bulk_rows" ;;
    postgres) psql -q "$pg/bench_data" -c "\\copy bulk_rows FROM '$data/rows.tsv'" ;;
    mysql) mariadb $my --local-infile=1 bench_data -e "LOAD DATA LOCAL INFILE '$data/rows.tsv' INTO TABLE bulk_rows" ;;
  esac
}

# run_tool BACKEND WORKLOAD TOOL: one run; prints "wall op rss_kb".
run_tool() {
  local backend=$1 workload=$2 tool=$3 err="$data/stderr" tm="$data/time" op
  fresh "$backend" "$workload"
  case "$tool" in
    luamig*)
      local mode=list project="luamig_$workload"
      [ "$tool" = "luamig-stream" ] && mode=stream
      [ "$tool" = "luamig-queue" ] && project="luamig_${workload}_queue"
      (cd "$data/$project" && BENCH_MODE=$mode /usr/bin/time -f "%e %M" -o "$tm" \
        "$luamig" -v -u "$luamig_url" upgrade head) 2>"$err" >/dev/null ;;
    psql-updates|psql-values)
      /usr/bin/time -f "%e %M" -o "$tm" psql -q "$luamig_url" -v ON_ERROR_STOP=1 \
        -f "$data/backfill_${tool#psql-}.sql" 2>"$err" >/dev/null ;;
    libpq-pipeline)
      /usr/bin/time -f "%e %M" -o "$tm" "$pg_pipeline" "$luamig_url" 2>"$err" >/dev/null ;;
    mariadb-updates|mariadb-values|mariadb-upsert)
      /usr/bin/time -f "%e %M" -o "$tm" mariadb $my bench_data \
        < "$data/backfill_mariadb_${tool#mariadb-}.sql" 2>"$err" >/dev/null ;;
    alembic)
      BENCH_URL=$alembic_url /usr/bin/time -f "%e %M" -o "$tm" \
        alembic -c "$data/alembic_$workload/alembic.ini" upgrade head 2>"$err" >/dev/null ;;
    native)
      /usr/bin/time -f "%e %M" -o "$tm" bash -c "$(declare -f native); data='$data' pg='$pg' my='$my' native $backend" \
        2>"$err" >/dev/null ;;
  esac
  op=$(grep -oE 'rows/s, [0-9.]+ s$|operation_seconds=[0-9.]+' "$err" | tail -1 | grep -oE '[0-9.]+( s)?$' | tr -d ' s' || true)
  read -r wall rss < "$tm"
  echo "$wall ${op:-$wall} $rss"
}

# measure BACKEND WORKLOAD TOOL N: medians of N runs -> "wall op peak_mb"
measure() {
  local i out=""
  for ((i = 0; i < $4; i++)); do out+="$(run_tool "$1" "$2" "$3")"$'\n'; done
  printf '%s' "$out" | awk '
    { wall[NR] = $1; op[NR] = $2; if ($3 > rss) rss = $3 }
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { printf "%.2f %.2f %.1f\n", median(wall, NR), median(op, NR), rss / 1024 }'
}

row() { printf '| %s | %s | %s s | %s s | %s MB | %s |\n' "$@"; }

for backend in "${backends[@]}"; do
  case "$backend" in
    sqlite) label="SQLite $(sqlite3 --version | cut -d' ' -f1)" ;;
    postgres) [ -n "${LUAMIG_TEST_PG_URL:-}" ] || continue
      label="PostgreSQL $(psql -At "$pg/postgres" -c 'SHOW server_version' | cut -d' ' -f1)" ;;
    mysql) [ -n "${LUAMIG_TEST_MYSQL_URL:-}" ] || continue
      label="MariaDB $(mariadb $my -BNe 'SELECT VERSION()' | cut -d- -f1)" ;;
  esac
  echo
  echo "## data migrations ($label): bulk insert of $rows rows, backfill of $backfill rows, scan of $scan rows"
  echo "| workload | tool | wall | operation | peak RSS | ratio |"
  echo "|---|---|--:|--:|--:|---|"
  read -r n_wall n_op n_rss <<<"$(measure "$backend" bulk native "$runs")"
  read -r l_wall l_op l_rss <<<"$(measure "$backend" bulk luamig "$runs")"
  read -r s_wall s_op s_rss <<<"$(measure "$backend" bulk luamig-stream "$runs")"
  read -r a_wall a_op a_rss <<<"$(measure "$backend" bulk alembic 1)"
  pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%% of the native loader'"'"'s throughput", 100 * a / b }'; }
  row bulk "native loader" "$n_wall" "$n_op" "$n_rss" ""
  row bulk "luamig bulk_insert (list)" "$l_wall" "$l_op" "$l_rss" "$(pct "$n_op" "$l_op")"
  row bulk "luamig bulk_insert (function)" "$s_wall" "$s_op" "$s_rss" "$(pct "$n_op" "$s_op")"
  row bulk "alembic op.bulk_insert" "$a_wall" "$a_op" "$a_rss" "$(pct "$n_op" "$a_op")"
  l_op_bulk=$l_op l_rss_bulk=$l_rss a_op_bulk=$a_op fastest="" fastest_ratio=""
  read -r l_wall l_op l_rss <<<"$(measure "$backend" backfill luamig "$runs")"
  read -r q_wall q_op q_rss <<<"$(measure "$backend" backfill luamig-queue "$runs")"
  read -r a_wall a_op a_rss <<<"$(measure "$backend" backfill alembic 1)"
  faster() { awk -v a="$a_op" -v b="$1" 'BEGIN { printf "%.1fx faster than Alembic", a / b }'; }
  row backfill "luamig db:rows + db:execute" "$l_wall" "$l_op" "$l_rss" "$(faster "$l_op")"
  e_op=$l_op
  row backfill "luamig db:rows + db:queue" "$q_wall" "$q_op" "$q_rss" "$(faster "$q_op")"
  row backfill "alembic bind.execute loop" "$a_wall" "$a_op" "$a_rss" ""
  if [ "$backend" = postgres ]; then
    # the server's own paths, their wall time from start to end (psql's
    # connection included, as luamig's "operation" leaves it out)
    read -r u_wall u_op u_rss <<<"$(measure "$backend" backfill psql-updates "$runs")"
    read -r v_wall v_op v_rss <<<"$(measure "$backend" backfill psql-values "$runs")"
    vs() { awk -v a="$q_op" -v b="$1" 'BEGIN { printf "db:queue takes %.2fx its time", a / b }'; }
    row backfill "psql, the UPDATEs as one query" "$u_wall" "$u_op" "$u_rss" "$(vs "$u_op")"
    row backfill "psql, UPDATE ... FROM (VALUES ...)" "$v_wall" "$v_op" "$v_rss" "$(vs "$v_op")"
    fastest="psql \`UPDATE ... FROM (VALUES ...)\` ${v_op} s" fastest_ratio="$(vs "$v_op")"
    if [ -n "$pg_pipeline" ]; then
      # the same 100,000 UPDATEs from C, pipelined: what a statement per
      # row costs the server, whoever sends it
      read -r p_wall p_op p_rss <<<"$(measure "$backend" backfill libpq-pipeline "$runs")"
      row backfill "C on libpq, the same UPDATEs pipelined (bench/pg_pipeline.c)" "$p_wall" "$p_op" "$p_rss" \
        "$(vs "$p_op")"
      fastest_ratio+="; $(awk -v a="$q_op" -v b="$p_op" 'BEGIN { printf "%.2fx", a / b }') the same UPDATEs from C"
    fi
  fi
  if [ "$backend" = mysql ]; then
    # the same for the mariadb client (bench/gen_data.lua says how)
    vs() { awk -v a="$q_op" -v b="$1" 'BEGIN { printf "db:queue takes %.2fx its time", a / b }'; }
    read -r u_wall u_op u_rss <<<"$(measure "$backend" backfill mariadb-updates "$runs")"
    read -r v_wall v_op v_rss <<<"$(measure "$backend" backfill mariadb-values "$runs")"
    read -r i_wall i_op i_rss <<<"$(measure "$backend" backfill mariadb-upsert "$runs")"
    row backfill "mariadb, the UPDATEs as one query" "$u_wall" "$u_op" "$u_rss" "$(vs "$u_op")"
    row backfill "mariadb, UPDATE ... JOIN (VALUES ...)" "$v_wall" "$v_op" "$v_rss" "$(vs "$v_op")"
    row backfill "mariadb, INSERT ... ON DUPLICATE KEY UPDATE" "$i_wall" "$i_op" "$i_rss" "$(vs "$i_op")"
    fastest="mariadb \`INSERT ... ON DUPLICATE KEY UPDATE\` ${i_op} s" fastest_ratio="$(vs "$i_op")"
  fi
  read -r l_wall l_op l_rss <<<"$(measure "$backend" scan luamig "$runs")"
  row scan "luamig db:rows" "$l_wall" "$l_op" "$l_rss" ""
  # The rows of bench/run.sh's summary (issue 21's goals 3 and 4).
  if [ -n "${BENCH_SUMMARY:-}" ]; then
    sum() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_SUMMARY"; }
    sum "bulk insert, $rows rows, list ($label)" "${l_op_bulk} s, ${l_rss_bulk} MB" "native loader ${n_op} s" \
      "${a_op_bulk} s" "$(pct "$n_op" "$l_op_bulk")" ">= 95% of native"
    sum "bulk insert, $rows rows, function ($label)" "${s_op} s, ${s_rss} MB" "native loader ${n_op} s" \
      "${a_op_bulk} s" "$(pct "$n_op" "$s_op")" ">= 95% of native, RSS < 50 MB at 10M rows"
    sum "backfill, $backfill UPDATEs, db:queue ($label)" "${q_op} s (db:execute ${e_op} s)" \
      "${fastest:-}" "${a_op} s" "$(faster "$q_op")${fastest_ratio:+, $fastest_ratio}" \
      ">= 5x Alembic, <= 1.5x the fastest client path"
  fi
done
