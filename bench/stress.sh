#!/usr/bin/env bash
# The long stress run of the migration lock and of kill -9 recovery on
# SQLite, PostgreSQL and MariaDB (see bench/stress.lua), with throwaway
# servers. Arguments go to bench/stress.lua:
#   bench/stress.sh [--rounds 20] [--trials 30] [--only sqlite|postgres|mysql]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./setup.sh --tests >/dev/null
exec spec/with-servers.sh lua5.4 bench/stress.lua "$@"
