#!/usr/bin/env bash
# Concurrent deploys where production databases live (bench/topology.lua):
# many `luamig upgrade head` at once through pgbouncer (transaction and
# session pooling) and straight to PostgreSQL, with throwaway servers
# started by spec/with-servers.sh. Arguments go to bench/topology.lua:
#   bench/topology.sh [--processes 120] [--rounds 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./setup.sh --tests >/dev/null
LUAMIG_TEST_CLUSTERS=1 exec spec/with-servers.sh lua5.4 bench/topology.lua "$@"
