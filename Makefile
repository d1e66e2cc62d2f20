# lab — two commands do everything: `make demo` and `make test`.
CARGO ?= cargo
LAB    = $(CARGO) run --quiet --

.PHONY: all build demo test fmt-check lint unit fmt clean fuzz bench bench-upload load demo-times man

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

## man: the manual page and shell completions, generated from the command line
man: build
	mkdir -p target/man
	$(LAB) man > target/man/lab.1
	for s in bash zsh fish; do $(LAB) completions $$s > target/man/lab.$$s; done

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
