# spec/servers/galera.sh: a throwaway 3-node MariaDB Galera cluster on
# loopback, for the specs that check what luamig does on a cluster (the
# migration lock that every node must respect, the checks of a node's
# state). Sourced by spec/with-servers.sh, which calls start_galera when
# LUAMIG_TEST_CLUSTERS=1 and stop_galera at exit; it uses the caller's
# $base, $password, log and free_port.
#
# The nodes live in $base/galera/nodeN, each with its own client, group
# communication (gmcast), IST and SST port, all on 127.0.0.1. Node 1
# bootstraps the cluster (--wsrep-new-cluster), 2 and 3 join it by rsync
# SST. The command then sees
#   LUAMIG_TEST_GALERA_URLS   "mysql://luamig:<pw>@127.0.0.1:<p1>/ ... <p3>/"
#   LUAMIG_TEST_GALERA_SOCKETS the three nodes' unix sockets (root by socket)
# or, when the cluster did not form, LUAMIG_TEST_GALERA_ERROR with why (the
# failing node's log tail): the Galera specs then fail with that reason,
# they never skip silently. A cluster that does not form does not stop the
# other specs, hence no exit status here.

galera_pids=()

galera_fail() {
  local why=$1 logfile=${2:-}
  if [ -n "$logfile" ] && [ -f "$logfile" ]; then
    # The errors, else the last lines (mariadb-install-db ends with boilerplate).
    local lines
    lines=$(grep -E '\[ERROR\]|ERROR|error' "$logfile" | tail -n 6)
    [ -n "$lines" ] || lines=$(tail -n 8 "$logfile")
    why="$why; log: $(printf '%s' "$lines" | tr '\n' ' ' | cut -c1-1500)"
  fi
  export LUAMIG_TEST_GALERA_ERROR="$why"
  log "Galera cluster: $why"
  stop_galera
  return 0
}

# The value of a status variable (wsrep_cluster_size...) of the node at
# socket $1, empty when the node does not answer.
galera_status() {
  mariadb --no-defaults --socket="$1" -uroot -N -B \
    -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'
}

# Waits until the node at socket $1 (pid $2) is Synced in a cluster of
# $3 nodes; 1 when it died or the time ran out (seconds $4).
galera_wait_synced() {
  local sock=$1 pid=$2 size=$3 limit=$4 i
  for i in $(seq 1 $((limit * 5))); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ "$(galera_status "$sock" wsrep_local_state_comment)" = Synced ] &&
       [ "$(galera_status "$sock" wsrep_cluster_size)" = "$size" ]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

start_galera() {
  local provider=/usr/lib/galera/libgalera_smm.so server user started
  started=$(date +%s.%N)
  server=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null | head -n 1)
  [ -n "$server" ] || { galera_fail "mariadbd is not installed (apt-get install mariadb-server)"; return 0; }
  [ -r "$provider" ] || { galera_fail "$provider is missing (apt-get install galera-4)"; return 0; }
  command -v rsync >/dev/null || { galera_fail "rsync is missing, the nodes' SST needs it (apt-get install rsync)"; return 0; }
  user=$(id -un)
  [ "$(id -u)" -eq 0 ] && id mysql >/dev/null 2>&1 && user=mysql

  local dir="$base/galera" n port gport iport sport addr=""
  local -a ports gports
  mkdir -p "$dir"
  # Every port free before any node starts: the cluster address lists them all.
  for n in 1 2 3; do
    ports[n]=$(free_port) && gports[n]=$(free_port) || { galera_fail "no free port"; return 0; }
    addr="${addr:+$addr,}127.0.0.1:${gports[n]}"
  done
  for n in 1 2 3; do
    port=${ports[n]} gport=${gports[n]}
    iport=$(free_port) && sport=$(free_port) || { galera_fail "no free port"; return 0; }
    local nd="$dir/node$n"
    # A tmpdir of its own: temporary tables in a shared /tmp were seen
    # removed under a bootstrapping server on a busy test machine.
    mkdir -p "$nd/tmp"
    [ "$user" = mysql ] && chown -R mysql: "$nd"
    if ! mariadb-install-db --no-defaults --datadir="$nd/data" --user="$user" --tmpdir="$nd/tmp" \
        --auth-root-authentication-method=socket --skip-test-db >"$nd/install.log" 2>&1; then
      galera_fail "mariadb-install-db failed for node $n" "$nd/install.log"; return 0
    fi
    # Durability off and a small buffer pool: three servers on a loaded test machine.
    cat > "$nd/my.cnf" <<CNF
[mariadbd]
datadir=$nd/data
tmpdir=$nd/tmp
socket=$nd/sock
port=$port
bind-address=127.0.0.1
pid-file=$nd/pid
log-error=$nd/error.log
user=$user
innodb_flush_log_at_trx_commit=0
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
max_connections=200
character-set-server=utf8mb4
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$provider
wsrep_cluster_name=luamig_test
wsrep_cluster_address=gcomm://$addr
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$gport
wsrep_node_incoming_address=127.0.0.1:$port
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$sport
wsrep_provider_options=gmcast.listen_addr=tcp://127.0.0.1:$gport;ist.recv_addr=127.0.0.1:$iport;gcache.size=32M;evs.suspect_timeout=PT5S;evs.inactive_timeout=PT10S
CNF
    [ "$user" = mysql ] && chown -R mysql: "$nd"
  done
  for n in 1 2 3; do
    local nd="$dir/node$n"
    if [ "$n" = 1 ]; then
      "$server" --defaults-file="$nd/my.cnf" --wsrep-new-cluster >/dev/null 2>&1 &
    else
      "$server" --defaults-file="$nd/my.cnf" >/dev/null 2>&1 &
    fi
    galera_pids[n]=$!
    # One node at a time: a joiner needs a donor that is Synced.
    if ! galera_wait_synced "$nd/sock" "${galera_pids[n]}" "$n" 120; then
      galera_fail "node $n did not reach Synced in a cluster of $n" "$nd/error.log"; return 0
    fi
  done
  for n in 1 2 3; do
    if ! galera_wait_synced "$dir/node$n/sock" "${galera_pids[n]}" 3 60; then
      galera_fail "node $n is not Synced in a cluster of 3" "$dir/node$n/error.log"; return 0
    fi
  done
  # The tests' account; CREATE USER replicates, so node 1 is enough.
  if ! mariadb --no-defaults --socket="$dir/node1/sock" -uroot -e "
      CREATE USER 'luamig'@'%' IDENTIFIED BY '$password';
      CREATE USER 'luamig'@'localhost' IDENTIFIED BY '$password';
      GRANT ALL ON *.* TO 'luamig'@'%' WITH GRANT OPTION;
      GRANT ALL ON *.* TO 'luamig'@'localhost' WITH GRANT OPTION;" 2>"$dir/grant.log"; then
    galera_fail "cannot create the test account" "$dir/grant.log"; return 0
  fi
  local urls="" socks=""
  for n in 1 2 3; do
    urls="${urls:+$urls }mysql://luamig:$password@127.0.0.1:${ports[n]}/"
    socks="${socks:+$socks }$dir/node$n/sock"
  done
  export LUAMIG_TEST_GALERA_URLS="$urls"
  export LUAMIG_TEST_GALERA_SOCKETS="$socks"
  log "MariaDB Galera cluster of 3 on 127.0.0.1:${ports[1]},${ports[2]},${ports[3]} in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
}

# Stops every node by its pid: SIGTERM, then SIGKILL after 10 s.
stop_galera() {
  local pid
  for pid in "${galera_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${galera_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  galera_pids=()
}
