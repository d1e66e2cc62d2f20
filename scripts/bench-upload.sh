#!/usr/bin/env bash
# make bench-upload: upload BYTES (default 1 GiB) over loopback with `lab upload` to
# `lab serve --upload-dir`, next to the two limits it cannot beat, measured in the same run:
# a plain byte copy of the same file over a loopback TCP connection (no header, no hash) and
# `sha256sum` of the same file. The upload is held to 90 % of the slower of the two. Peak RSS
# of every lab process from GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-1073741824}
cargo build --release --quiet
LAB=$PWD/target/release/lab
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench-upload needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
head -c "$BYTES" /dev/urandom > "$work/file.bin"
mkdir "$work/up"
# Start both runs with no dirty pages waiting to be written: otherwise the kernel throttles
# whichever run comes second.
sync
now() { date +%s.%N; }
wait_line() { for _ in $(seq 500); do [ -s "$1" ] && return; sleep 0.01; done; echo "no address in $1" >&2; exit 1; }

# Plain copy: no header, no hash.
"$TIME" -f %M -o "$work/copy-recv.rss" "$LAB" copy-recv --out "$work/copy.out" > "$work/copy-recv.out" &
wait_line "$work/copy-recv.out"
addr=$(head -1 "$work/copy-recv.out")
t0=$(now)
"$TIME" -f %M -o "$work/copy-send.rss" "$LAB" copy-send "$work/file.bin" --to "$addr" > /dev/null
wait
t1=$(now)
cmp -s "$work/file.bin" "$work/copy.out" || { echo "plain copy differs" >&2; exit 1; }
rm -f "$work/copy.out"
sync

# Hashing alone: the file read once and hashed, as the upload must.
command -v sha256sum > /dev/null || { echo "bench-upload needs sha256sum (coreutils)" >&2; exit 1; }
t4=$(now)
sha256sum "$work/file.bin" > /dev/null
t5=$(now)

# Upload: header, body hashed on both sides as it goes, hash after the body, no name until
# the check.
"$TIME" -f %M -o "$work/serve.rss" "$LAB" --json serve --addr 127.0.0.1:0 --upload-dir "$work/up" > "$work/serve.log" &
wait_line "$work/serve.log"
addr=$(head -1 "$work/serve.log" | sed -n 's/.*"addr":"\([^"]*\)".*/\1/p')
t2=$(now)
"$TIME" -f %M -o "$work/upload.rss" "$LAB" --json upload "$work/file.bin" --to "$addr" > "$work/upload.json" 2> /dev/null
t3=$(now)
pkill -INT -f "lab --json serve --addr 127.0.0.1:0 --upload-dir $work/up" || true
wait
cmp -s "$work/file.bin" "$work/up/file.bin" || { echo "uploaded file differs" >&2; exit 1; }

transfer=$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$work/upload.json")
awk -v bytes="$BYTES" -v copy="$(echo "$t1 - $t0" | bc -l)" -v up="$(echo "$t3 - $t2" | bc -l)" \
    -v hash="$(echo "$t5 - $t4" | bc -l)" -v transfer="$transfer" \
    -v crss="$(cat "$work/copy-send.rss")" -v rrss="$(cat "$work/copy-recv.rss")" \
    -v urss="$(cat "$work/upload.rss")" -v srss="$(cat "$work/serve.rss")" 'BEGIN {
  mib = bytes / 1048576
  limit = copy > hash ? copy : hash
  printf "file: %.0f MiB over loopback\n", mib
  printf "plain copy          %7.1f MiB/s  (%.2f s)   peak RSS: sender %5.1f MiB, receiver %5.1f MiB\n", mib / copy, copy, crss / 1024, rrss / 1024
  printf "sha256sum           %7.1f MiB/s  (%.2f s)\n", mib / hash, hash
  printf "upload (transfer)   %7.1f MiB/s  (%.2f s, connect to verdict)\n", mib / transfer, transfer
  printf "upload (whole run)  %7.1f MiB/s  (%.2f s)   peak RSS: client %5.1f MiB, server   %5.1f MiB\n", mib / up, up, urss / 1024, srss / 1024
  printf "upload / min(plain copy, sha256sum): %.0f%% (transfer), %.0f%% (whole run); target >= 90%%\n", 100 * limit / transfer, 100 * limit / up
}'
