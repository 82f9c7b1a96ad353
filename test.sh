#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs and builds what is missing,
# starts throwaway PostgreSQL and MariaDB servers (spec/with-servers.sh),
# then runs every busted spec three ways and prints one summary line:
#   1. plain busted under lua5.4 with the C module bin/luamig.so and the
#      release executable;
#   2. everything again inside the ASan + UBSan build of the luamig host;
#   3. the driver specs inside the debug host under valgrind.
# Options: --quick runs only pass 1.
set -uo pipefail
cd "$(dirname "$0")"

quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    *) echo "test.sh: unknown option $a (use --quick)" >&2; exit 2 ;;
  esac
done

if [ -z "${LUAMIG_TEST_SERVERS:-}" ]; then
  setup_flags=(--tests)
  [ "$quick" = 1 ] && setup_flags+=(--quick)
  ./setup.sh "${setup_flags[@]}" || { echo "0 passed, 1 failed"; exit 1; }
  # Again, inside throwaway PostgreSQL and MariaDB servers (stopped at exit),
  # with pgbouncer, a PostgreSQL replica and a Galera cluster beside them.
  export LUAMIG_TEST_CLUSTERS=1
  LUAMIG_TEST_SERVERS=1 exec spec/with-servers.sh "$0" "$@"
fi

counts=$(mktemp)
times=$(mktemp)
trap 'rm -f "$counts" "$times"' EXIT
export LUAMIG_COUNTS_FILE="$counts"
export LUAMIG_SPEC_TIMES="$times"
output=spec/helpers/counting_output.lua
status=0

pass() {
  local label=$1; shift
  echo "== $label"
  "$@" || status=1
  echo "== slowest spec files of this pass (seconds):"
  sort -rn "$times" | head -8 | sed 's/^/   /'
  : > "$times"
}

LUAMIG_BIN=bin/luamig pass "release: busted + bin/luamig.so" \
  lua5.4 /usr/bin/busted -o "$output" spec

if [ "$quick" = 0 ]; then
  LUAMIG_BIN=bin/sanitize/luamig \
  ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99 \
    pass "sanitize: every spec inside bin/sanitize/luamig" \
    bin/sanitize/luamig test -o "$output" spec

  LUAMIG_BIN=bin/debug/luamig pass "valgrind: driver specs inside bin/debug/luamig" \
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    bin/debug/luamig test -o "$output" spec/integration/driver_*_spec.lua
fi

read -r passed failed skipped < <(awk '{p += $1; f += $2 + $3; s += $4} END {print p+0, f+0, s+0}' "$counts")
runs=$(wc -l < "$counts")
expected_runs=$([ "$quick" = 1 ] && echo 1 || echo 3)
if [ "$runs" -ne "$expected_runs" ]; then
  echo "test.sh: only $runs of $expected_runs busted runs reported their counts" >&2
  failed=$((failed + 1))
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
