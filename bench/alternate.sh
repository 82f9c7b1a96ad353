#!/usr/bin/env bash
# Times commands side by side, alternating: each round runs every command
# once, in turn, each after its own untimed prepare command; a first round
# warms up and is not counted. A database server's state drifts over a
# session (new WAL segments, checkpoints, caches filling up): hyperfine
# runs each command's runs as one block, which hands the drift to
# whichever command comes first; alternating shares it out.
#   bench/alternate.sh RUNS CSV MD -n NAME --prepare PREP CMD [-n NAME --prepare PREP CMD ...]
# Writes CSV in the form of hyperfine's --export-csv (command, mean,
# stddev, median, user, system, min, max; seconds) and MD as its
# --export-markdown table, so that bench/run.sh reads both the same way.
set -euo pipefail
runs=$1 csv=$2 md=$3
shift 3
names=() preps=() cmds=()
while [ $# -gt 0 ]; do
  [ "$1" = -n ] && [ "$3" = --prepare ] || { echo "alternate.sh: expected -n NAME --prepare PREP CMD, got $*" >&2; exit 2; }
  names+=("$2") preps+=("$4") cmds+=("$5")
  shift 5
done
times=$(mktemp)
trap 'rm -f "$times" "$times.one"' EXIT
for round in $(seq 0 "$runs"); do
  for i in "${!cmds[@]}"; do
    bash -c "${preps[$i]}" >/dev/null 2>&1
    /usr/bin/time -f "%e %U %S" -o "$times.one" bash -c "${cmds[$i]}" >/dev/null 2>&1 \
      || { echo "alternate.sh: '${names[$i]}' failed" >&2; exit 1; }
    [ "$round" = 0 ] || printf '%s\t%s\n' "$i" "$(tail -1 "$times.one")" >> "$times"
  done
done
# One line per command: name, mean, stddev, median, user, system, min, max.
stats=$(for i in "${!cmds[@]}"; do
  awk -F'\t' -v i="$i" '$1 == i { split($2, t, " "); n++; w[n] = t[1]; u += t[2]; s += t[3] }
    END {
      for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (w[b] < w[a]) { x = w[a]; w[a] = w[b]; w[b] = x }
      for (a = 1; a <= n; a++) sum += w[a]
      mean = sum / n
      for (a = 1; a <= n; a++) sq += (w[a] - mean) ^ 2
      med = n % 2 ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
      printf "%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", i, mean, (n > 1 ? sqrt(sq / (n - 1)) : 0), med, u / n, s / n, w[1], w[n]
    }' "$times"
done)
{
  echo "command,mean,stddev,median,user,system,min,max"
  while IFS=, read -r i rest; do echo "${names[$i]},$rest"; done <<< "$stats"
} > "$csv"
fastest=$(cut -d, -f2 <<< "$stats" | sort -g | head -1)
{
  echo "| Command | Mean [s] | Min [s] | Max [s] | Relative |"
  echo "|:---|---:|---:|---:|---:|"
  while IFS=, read -r i mean sd _ _ _ min max; do
    awk -v n="${names[$i]}" -v m="$mean" -v sd="$sd" -v lo="$min" -v hi="$max" -v f="$fastest" \
      'BEGIN { printf "| `%s` | %.3f ± %.3f | %.3f | %.3f | %.2f |\n", n, m, sd, lo, hi, m / f }'
  done <<< "$stats"
} > "$md"
