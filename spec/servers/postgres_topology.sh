# Sourced by spec/with-servers.sh when LUAMIG_TEST_CLUSTERS=1: what stands
# in front of and behind the throwaway PostgreSQL in production.
#   - pgbouncer, one process per pool mode (transaction, session,
#     statement), each passing every database name through to the server;
#   - a streaming replica made with pg_basebackup -R (a hot standby).
# Each exports its URLs, or LUAMIG_TEST_POOLER_ERROR /
# LUAMIG_TEST_REPLICA_ERROR saying why it could not start: the specs that
# need it then fail with that reason rather than skip.
#   LUAMIG_TEST_PGBOUNCER_TRANSACTION_URL, ..._SESSION_URL, ..._STATEMENT_URL
#   LUAMIG_TEST_PG_REPLICA_URL
pgbouncer_pids=() replica_data="" pooler_error=""

stop_pg_topology() {
  local pid
  for pid in "${pgbouncer_pids[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -n "$replica_data" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$replica_data" -m immediate -w stop >/dev/null 2>&1
  fi
}

# One pgbouncer in `mode` on `port`, logging in with the tests' password
# (SCRAM) and reaching the server over its unix socket; pooler_error says
# why not.
try_pgbouncer() {
  local mode=$1 port=$2 dir="$base/pgbouncer-$1" pid
  mkdir -p "$dir"
  rm -f "$dir/pgbouncer.log" "$dir/pgbouncer.pid"
  printf '"postgres" "%s"\n' "$password" > "$dir/userlist.txt"
  # The "*" entry sends every database name on to the server; no
  # ignore_startup_parameters, so a URL's `options` is refused by the
  # pooler, not dropped.
  cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$LUAMIG_TEST_PG_SOCKET port=$LUAMIG_TEST_PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = $mode
max_client_conn = 400
default_pool_size = 20
server_login_retry = 1
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  if ! as_pg pgbouncer -d -q "$dir/pgbouncer.ini" 2>"$dir/start.err"; then
    pooler_error="pgbouncer ($mode) did not start: $(tail -n 3 "$dir/start.err" "$dir/pgbouncer.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  # -d returns before the daemon has written its pid file and listens:
  # wait for both (a loaded machine takes seconds), or for its FATAL.
  for _ in $(seq 1 600); do
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null)
    if [ -n "$pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    pid=""
    grep -q FATAL "$dir/pgbouncer.log" 2>/dev/null && break
    sleep 0.1
  done
  if [ -z "$pid" ]; then  # one that started late is stopped, not left behind
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null) && [ -n "$pid" ] && kill "$pid" 2>/dev/null
    pooler_error="pgbouncer ($mode) did not listen on port $port within 60 s: $(tail -n 3 "$dir/pgbouncer.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  pgbouncer_pids+=("$pid")
  export "LUAMIG_TEST_PGBOUNCER_${mode^^}_URL=postgresql://postgres:$password@127.0.0.1:$port/postgres"
}

# Three tries, each on another port: a port can still be taken by a program
# that binds it without a reservation (spec/with-servers.sh).
start_one_pgbouncer() {
  local port
  for _ in 1 2 3; do
    port=$(free_port) || { pooler_error="no free port for pgbouncer ($1)"; return 1; }
    try_pgbouncer "$1" "$port" && return 0
  done
  return 1
}

start_pgbouncers() {
  local mode
  if ! command -v pgbouncer >/dev/null; then
    export LUAMIG_TEST_POOLER_ERROR="pgbouncer is not installed (apt-get install pgbouncer)"
    return 0
  fi
  for mode in transaction session statement; do
    if ! start_one_pgbouncer "$mode"; then
      export LUAMIG_TEST_POOLER_ERROR="$pooler_error"
      log "$pooler_error"
      return 0
    fi
  done
  log "pgbouncer $(pgbouncer --version | awk 'NR == 1 {print $2}') in transaction, session and statement modes"
}

# A hot standby of the throwaway server, streaming from it (a standby
# needs max_connections at least the primary's), through a replication
# slot: without one the primary recycles WAL the standby has not received
# yet when the standby lags (a loaded machine, the suite making hundreds of
# databases, each CREATE DATABASE ... FILE_COPY a checkpoint), and the
# standby then stops for good ("requested WAL segment has already been
# removed"), which a pooler spec saw once as a database that never came.
start_replica() {
  local dir="$base/replica" port
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  if ! as_pg "$pg_bin/pg_basebackup" -h "$LUAMIG_TEST_PG_SOCKET" -p "$LUAMIG_TEST_PG_PORT" -U postgres \
      -D "$dir/data" -R -X stream -C -S luamig_replica --no-sync >"$dir/basebackup.log" 2>&1; then
    export LUAMIG_TEST_REPLICA_ERROR="pg_basebackup failed: $(tail -n 3 "$dir/basebackup.log" | tr '\n' ' ')"
    log "$LUAMIG_TEST_REPLICA_ERROR"
    return 0
  fi
  if pg_ctl_start "$dir" "-c hot_standby=on"; then
    replica_data="$dir/data"
    export LUAMIG_TEST_PG_REPLICA_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
    export LUAMIG_TEST_PG_REPLICA_PORT="$port"
    log "PostgreSQL streaming replica on 127.0.0.1:$port"
    return 0
  fi
  export LUAMIG_TEST_REPLICA_ERROR="the replica did not start: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"
  log "$LUAMIG_TEST_REPLICA_ERROR"
}

start_pg_topology() {
  if [ -n "${LUAMIG_TEST_PG_SKIP:-}" ]; then
    export LUAMIG_TEST_POOLER_ERROR="$LUAMIG_TEST_PG_SKIP" LUAMIG_TEST_REPLICA_ERROR="$LUAMIG_TEST_PG_SKIP"
    return 0
  fi
  start_pgbouncers
  start_replica
}
