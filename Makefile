# lab — two commands do everything: `make demo` and `make test`.
CARGO ?= cargo
LAB    = $(CARGO) run --quiet --

.PHONY: all build demo test fmt-check lint unit fmt clean fuzz bench bench-upload bench-net bench-trace load demo-times man install pictures

FUZZ_SECONDS ?= 30
FUZZ_TARGETS  = struct_format length_decoder delimiter_decoder fixed_decoder

all: build

build:
	$(CARGO) build --quiet

## demo: build, then run the two headline lessons
demo: build
	$(LAB) sticky-demo
	@echo
	$(LAB) framed-demo

## test: formatting, lints (warnings are errors), then every test
test: fmt-check lint unit

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --all-targets -- -D warnings

unit:
	$(CARGO) test

fmt:
	$(CARGO) fmt --all

## install: put `lab` on the PATH (~/.cargo/bin), built in release mode
install:
	$(CARGO) install --path . --locked

## man: a manual page per command (lab.1, lab-serve.1, …) and shell completions
man: build
	mkdir -p target/man
	$(LAB) man --dir target/man
	for s in bash zsh fish; do $(LAB) completions $$s > target/man/lab.$$s; done

## pictures: the README's picture, drawn by lab from a real run (--wire needs root or CAP_NET_RAW)
pictures: build
	mkdir -p docs
	LC_ALL=C.UTF-8 $(LAB) sticky-demo --wire --svg docs/sticky-demo.svg > /dev/null
	LC_ALL=zh_CN.UTF-8 $(LAB) sticky-demo --wire --svg docs/sticky-demo.zh.svg > /dev/null

## bench: criterion benchmarks (decoder vs tokio-util, struct header), in the lab-bench crate
bench:
	$(CARGO) bench -p lab-bench

## load: 100 framed clients x 10 000 messages against lab serve, a tokio server, a threaded
## Python server and a bare recv/send loop
CLIENTS  ?= 100
MESSAGES ?= 10000
load:
	$(CARGO) build --release --quiet
	$(CARGO) build --release --quiet -p lab-bench --bins
	target/release/load target/release/lab tests/python/notes_threaded_server.py $(CLIENTS) $(MESSAGES)

## demo-times: how long each demo takes with default options
demo-times:
	bash scripts/demo-times.sh

## bench-upload: upload 1 GiB over loopback next to a plain byte copy (BYTES=… to change)
bench-upload:
	bash scripts/bench-upload.sh

## bench-net: the --net link's bulk TCP throughput next to loopback's, and how closely it keeps
## a 20/50/100 ms delay (needs root, or a user namespace with /dev/net/tun)
NET_BYTES ?= 1073741824
NET_PINGS ?= 20
bench-net:
	$(CARGO) build --release --quiet -p lab-bench --bin net
	target/release/net $(NET_BYTES) $(NET_PINGS)

## bench-trace: 1 GiB in 64 KiB and 1 MiB calls, untraced, under a bare seccomp+ptrace loop in C,
## and under lab trace (BYTES=…, RUNS=… to change)
bench-trace:
	bash scripts/bench-trace.sh

## fuzz: each cargo-fuzz target for FUZZ_SECONDS (needs a nightly toolchain; not in `make test`)
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  $(CARGO) +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) > fuzz/$$t.log 2>&1; \
	  status=$$?; grep -E '^Done|ERROR|panicked' fuzz/$$t.log; \
	  [ $$status -eq 0 ] || { echo "fuzz $$t failed: see fuzz/$$t.log and fuzz/artifacts/$$t"; exit 1; }; \
	done

clean:
	$(CARGO) clean
