#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL and MariaDB servers:
#   spec/with-servers.sh COMMAND [ARGS...]
# Both live in a new temporary directory, listen on 127.0.0.1 on free ports
# (and on unix sockets in that directory), so that two runs on one machine
# do not collide; both are stopped and removed when the command ends, also
# on failure or Ctrl-C. PostgreSQL runs as the `postgres` user when started
# by root. The command sees:
#   LUAMIG_TEST_PG_URL      postgresql://postgres:<pw>@127.0.0.1:<port>/postgres
#   LUAMIG_TEST_PG_SOCKET   the PostgreSQL unix-socket directory
#   LUAMIG_TEST_MYSQL_URL   mysql://luamig:<pw>@127.0.0.1:<port>/
#   LUAMIG_TEST_MYSQL_SOCKET the MariaDB unix socket
#   LUAMIG_TEST_PASSWORD    the password of both accounts
# or, for a server that is not installed, LUAMIG_TEST_PG_SKIP /
# LUAMIG_TEST_MYSQL_SKIP with the reason. A server that is installed but
# does not start is an error (exit 1), not a skip.
# PostgreSQL runs without durability (fsync, synchronous_commit and
# full_page_writes off): nothing outlives the run. LUAMIG_TEST_PG_DURABLE=1
# turns all three on, for benchmarks that must wait on the disk as a
# production server does (bench/fleet.sh --durable).
# With LUAMIG_TEST_CLUSTERS=1 (test.sh sets it) it also starts pgbouncer
# and a streaming replica in front of and behind that PostgreSQL (see
# spec/servers/postgres_topology.sh).
set -uo pipefail

[ $# -gt 0 ] || { echo "usage: spec/with-servers.sh COMMAND [ARGS...]" >&2; exit 2; }

base=$(mktemp -d "${TMPDIR:-/tmp}/luamig-servers.XXXXXX")
chmod 755 "$base"
password="luamig-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export LUAMIG_TEST_PASSWORD="$password"
pg_data="" my_pid=""

log() { echo "with-servers: $*" >&2; }

stop_servers() {
  stop_pg_topology
  if [ -n "$pg_data" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
  fi
  if [ -n "$my_pid" ]; then
    kill "$my_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$my_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$my_pid" 2>/dev/null
  fi
  stop_galera
  release_ports
  rm -rf "$base"
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports for the servers. Two test runs side by side (CI beside a
# developer's run, or the stability runs of issue 16) must never pick the
# same port between the check and the server's bind, so a port is reserved
# first: a directory named after it, in a directory that every
# with-servers.sh on the machine shares, holding the pid of the one that
# made it (a reservation whose owner is gone is taken back; stop_servers
# removes its own). The ports come from below the kernel's ephemeral
# range, where the tests' own outgoing connections take their local ports.
port_dir="${TMPDIR:-/tmp}/luamig-test-ports"
port_lo=20000 port_span=40000
read -r ephemeral_lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_lo=0
if [ "${ephemeral_lo:-0}" -gt 12000 ]; then port_lo=10000 port_span=$((ephemeral_lo - 10000)); fi
mkdir -p "$port_dir" && chmod 1777 "$port_dir" 2>/dev/null

reserve_port() {
  local dir="$port_dir/$1" owner
  if mkdir "$dir" 2>/dev/null; then echo "$$" > "$dir/pid"; return 0; fi
  owner=$(cat "$dir/pid" 2>/dev/null)
  # no pid yet: being made by another run, so taken
  [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null || return 1
  rm -rf "$dir" && mkdir "$dir" 2>/dev/null && echo "$$" > "$dir/pid"
}

release_ports() {
  local pidfile
  for pidfile in "$port_dir"/*/pid; do
    [ "$(cat "$pidfile" 2>/dev/null)" = "$$" ] && rm -rf "$(dirname "$pidfile")"
  done
}

# A reserved port on 127.0.0.1 that nothing answers on.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((port_lo + RANDOM % port_span))
    reserve_port "$port" || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    rm -rf "${port_dir:?}/$port"  # another program listens there
  done
  return 1
}

# start_galera, stop_galera: a 3-node MariaDB Galera cluster (LUAMIG_TEST_CLUSTERS=1).
source "$(dirname "$0")/servers/galera.sh"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# shellcheck source=spec/servers/postgres_topology.sh
. "$(dirname "$0")/servers/postgres_topology.sh"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# Start the PostgreSQL cluster in $1/data on a free loopback port with the
# server options $2 besides the common ones; sets the caller's $port.
# Three tries: another process may take the port between the check and
# the bind.
pg_ctl_start() {
  local dir=$1 options=$2
  for _ in 1 2 3; do
    port=$(free_port) || return 1
    if as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 $options" \
        start >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

start_postgres() {
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    export LUAMIG_TEST_PG_SKIP="PostgreSQL is not installed (apt-get install postgresql)"
    return 0
  fi
  local dir="$base/pg" port
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"
  if ! as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" -E UTF8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1; then
    log "initdb failed:"; cat "$dir/initdb.log" >&2; return 1
  fi
  # Durability off: these servers live for one test run. When asked for,
  # on (the last -c of a setting wins, so fsync=on beats the common off).
  local durability="-c synchronous_commit=off -c full_page_writes=off"
  [ "${LUAMIG_TEST_PG_DURABLE:-}" = 1 ] && durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  if pg_ctl_start "$dir" "$durability"; then
    pg_data="$dir/data"
    export LUAMIG_TEST_PG_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
    export LUAMIG_TEST_PG_SOCKET="$dir"
    export LUAMIG_TEST_PG_PORT="$port"
    log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port$( [ "${LUAMIG_TEST_PG_DURABLE:-}" = 1 ] && echo ", durable")"
    return 0
  fi
  log "PostgreSQL did not start:"; tail -n 20 "$dir/server.log" >&2
  return 1
}

start_mariadb() {
  local server
  server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n 1)
  if [ -z "$server" ] || ! command -v mariadb-install-db >/dev/null; then
    export LUAMIG_TEST_MYSQL_SKIP="MariaDB is not installed (apt-get install mariadb-server)"
    return 0
  fi
  local dir="$base/my" port user
  mkdir -p "$dir"
  user=$(id -un)
  if [ "$(id -u)" -eq 0 ] && id mysql >/dev/null 2>&1; then user=mysql; chown mysql: "$dir"; fi
  if ! mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1; then
    log "mariadb-install-db failed:"; tail -n 20 "$dir/install.log" >&2; return 1
  fi
  for _ in 1 2 3; do
    port=$(free_port) || return 1
    "$server" --no-defaults --datadir="$dir/data" --user="$user" --socket="$dir/sock" \
      --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/pid" --log-error="$dir/error.log" \
      --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=64M --skip-log-bin \
      --max-connections=200 --character-set-server=utf8mb4 >/dev/null 2>&1 &
    my_pid=$!
    for _ in $(seq 1 300); do
      if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then break; fi
      kill -0 "$my_pid" 2>/dev/null || break
      sleep 0.1
    done
    if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then
      # The tests' account: a password, reachable over TCP and the socket.
      mariadb --no-defaults --socket="$dir/sock" -uroot -e "
        CREATE USER 'luamig'@'%' IDENTIFIED BY '$password';
        CREATE USER 'luamig'@'localhost' IDENTIFIED BY '$password';
        GRANT ALL ON *.* TO 'luamig'@'%' WITH GRANT OPTION;
        GRANT ALL ON *.* TO 'luamig'@'localhost' WITH GRANT OPTION;" || return 1
      export LUAMIG_TEST_MYSQL_URL="mysql://luamig:$password@127.0.0.1:$port/"
      export LUAMIG_TEST_MYSQL_SOCKET="$dir/sock"
      export LUAMIG_TEST_MYSQL_PORT="$port"
      log "MariaDB $("$server" --version | awk '{print $3}') on 127.0.0.1:$port"
      return 0
    fi
    kill -9 "$my_pid" 2>/dev/null; my_pid=""
  done
  log "MariaDB did not start:"; tail -n 20 "$dir/error.log" >&2
  return 1
}

start_postgres || exit 1
start_mariadb || exit 1
if [ "${LUAMIG_TEST_CLUSTERS:-}" = 1 ]; then
  start_pg_topology
fi
[ "${LUAMIG_TEST_CLUSTERS:-}" = 1 ] && start_galera
"$@"
