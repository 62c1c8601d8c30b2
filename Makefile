# The two quick-start commands are `make run` and `make test`; both install
# what is missing first (scripts/setup.sh; the test targets add --test for the
# client suites' npm packages, which `make run` does not need).
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
DATA_DIR   ?= .nimbus/data
ARGS       ?=

.PHONY: setup setup-test build run test test-unit test-asan fuzz-build fuzz bench format clean

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/nimbus serve --data-dir $(DATA_DIR) $(ARGS)

# The whole suite: unit, conformance, crash and the real-client suites.
test: build setup-test
	ctest --test-dir $(BUILD) --output-on-failure -j 2

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

# The units, crash tests and one client generation (current boto3) again
# under AddressSanitizer + UndefinedBehaviorSanitizer. The other client suites
# drive the same server code paths; they run in `make test` only, which keeps
# CI's time in bounds as services are added (ASAN_E2E=all runs them all).
ASAN_E2E ?= e2e_python_debian|e2e_ric_|e2e_js
test-asan: setup-test
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNIMBUS_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j 2 \
	  $(if $(filter all,$(ASAN_E2E)),,-E '$(ASAN_E2E)')

# The fuzzers and the nimbus binary under clang (its -Wthread-safety checks
# every library); the tests are built by the two builds above.
fuzz-build: setup
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DNIMBUS_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_all

# Each fuzzer briefly from its seed corpus (FUZZ_SECONDS each, JOBS at once).
FUZZ_SECONDS ?= 30
fuzz: fuzz-build
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(JOBS)

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-fuzz
