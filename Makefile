# overlap: the two commands people need, each installing what it needs first.
#   make run    start the server (127.0.0.1:7777, port mode, auto engine)
#   make test   build with warnings as errors and run every test
SWIFT_FLAGS := --explicit-target-dependency-import-check error
PERF_BUILD ?= /tmp/overlap-perf

.PHONY: run test sanitize build release deps bench hold clean

deps:
	@scripts/deps.sh

build: deps
	swift build $(SWIFT_FLAGS)

release: deps
	swift build -c release $(SWIFT_FLAGS)

run: release
	.build/release/overlap $(ARGS)

test: build
	@scripts/deps.sh --test
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build --no-parallel  # the core tests count this process's descriptors
	scripts/cli-test.sh .build/debug/overlap
	scripts/tui-test.sh .build/debug/overlap

# The core tests under ThreadSanitizer (scripts/sanitize.sh address for ASan).
sanitize: deps
	scripts/sanitize.sh thread

# Side-by-side comparison with the C epoll, C io_uring and SwiftNIO servers (../shared/perf).
bench: release
	scripts/perf-compare.sh

clean:
	rm -rf .build
