#!/usr/bin/env bash
# make bench-trace: BYTES (default 1 GiB) over a loopback TCP connection, sent and received in
# calls of 64 KiB and of 1 MiB (bench/trace/bulk.c), three ways in turn, RUNS times each
# (default 5): untraced; under bench/trace/bare_tracer.c, the least a seccomp + ptrace tracer
# can do (the yardstick); and under `lab trace`. Prints median wall times, throughput, the
# cost per traced call (over untraced) and lab's peak RSS (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-1073741824}
RUNS=${RUNS:-5}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench-trace needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 1; }
command -v cc >/dev/null || { echo "bench-trace needs a C compiler (cc; apt-get install gcc)" >&2; exit 1; }
cargo build --release --quiet
LAB=$PWD/target/release/lab

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/bulk" bench/trace/bulk.c
cc -O2 -o "$work/bare" bench/trace/bare_tracer.c

# Wall seconds and peak RSS (KiB) of one run, appended to FILE.
run() {
  local file=$1; shift
  "$TIME" -f "%e %M" -o "$work/t" "$@" > /dev/null
  cat "$work/t" >> "$file"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-9s %-10s %9s %11s %16s %10s\n' call way "wall s" "MiB/s" "µs/call over" "peak RSS"
for call in 65536 1048576; do
  for _ in $(seq "$RUNS"); do
    run "$work/untraced.$call" "$work/bulk" "$BYTES" "$call"
    run "$work/bare.$call" "$work/bare" "$work/bulk" "$BYTES" "$call"
    run "$work/lab.$call" "$LAB" trace -- "$work/bulk" "$BYTES" "$call"
  done
  # Each byte passes one send() and at least one recv(): two traced calls per call size.
  calls=$(( 2 * BYTES / call ))
  base=$(cut -d' ' -f1 "$work/untraced.$call" | median)
  for way in untraced bare lab; do
    wall=$(cut -d' ' -f1 "$work/$way.$call" | median)
    rss=$(cut -d' ' -f2 "$work/$way.$call" | median)
    awk -v c="$call" -v w="$way" -v t="$wall" -v b="$base" -v n="$calls" -v bytes="$BYTES" -v r="$rss" \
      'BEGIN { printf "%-9s %-10s %9.3f %11.0f %16.1f %7.1f MiB\n", c / 1024 " KiB", w, t,
               bytes / 1048576 / t, (t - b) / n * 1e6, r / 1024 }'
  done
done
