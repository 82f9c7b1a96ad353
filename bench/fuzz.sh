#!/usr/bin/env bash
# The fuzzer (bench/fuzz.lua) against the sanitizer build, on SQLite, or
# with --servers also on throwaway PostgreSQL and MariaDB servers. Other
# arguments go to bench/fuzz.lua:
#   bench/fuzz.sh [--servers] [--iterations 1000] [--seed S] [--only I] [--timeout 30] [--out DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
servers=0
args=()
for a in "$@"; do
  if [ "$a" = "--servers" ]; then servers=1; else args+=("$a"); fi
done
make -s -j2 release sanitize >/dev/null
if [ "$servers" = 1 ]; then
  exec spec/with-servers.sh lua5.4 bench/fuzz.lua --backends sqlite,postgres,mysql ${args[@]+"${args[@]}"}
fi
exec lua5.4 bench/fuzz.lua ${args[@]+"${args[@]}"}
