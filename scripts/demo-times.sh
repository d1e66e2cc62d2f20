#!/usr/bin/env bash
# make demo-times: how long each demo takes with default options (release build), the mean of
# RUNS runs (default 5). Every demo should finish well under a second on loopback; backlog-demo
# waits for a real SYN retry (about 1 s) by design.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
cargo build --release --quiet
LAB=$PWD/target/release/lab
demos=(
  "sticky-demo" "framed-demo" "udp-demo" "reuseaddr-demo" "struct pack i 5"
  "upload-demo" "framed-demo --wire" "backlog-demo"
)
printf '%-22s %10s\n' "demo" "mean (s)"
for demo in "${demos[@]}"; do
  # shellcheck disable=SC2086 # the demo's words are its arguments
  total=0
  for _ in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    $LAB $demo > /dev/null 2>&1
    end=$(date +%s.%N)
    total=$(echo "$total + $end - $start" | bc -l)
  done
  printf '%-22s %10.3f\n' "$demo" "$(echo "$total / $RUNS" | bc -l)"
done
