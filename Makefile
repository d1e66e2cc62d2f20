# lab — two commands do everything: `make demo` and `make test`.
CARGO ?= cargo
LAB    = $(CARGO) run --quiet --

.PHONY: all build demo test fmt-check lint unit fmt clean

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

clean:
	$(CARGO) clean
