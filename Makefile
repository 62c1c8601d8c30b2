# The two quick-start commands are `make run` and `make test`; both install
# what is missing first (scripts/setup.sh; the test targets add --test for the
# client suites' npm packages, which `make run` does not need).
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
DATA_DIR   ?= .nimbus/data
ARGS       ?=
# clang, whose precompiled header (cmake/pch.cmake) halves a translation
# unit's compile time (six files: 44 s with g++, 22 s with clang and the
# header, 2026-12-05); GCC 12 cannot use the header under -Werror.
# COMPILER=g++ builds with gcc (a build folder keeps the compiler it was
# first configured with).
COMPILER   ?= clang++

.PHONY: setup setup-test build run test test-unit san-configure test-asan fuzz-build fuzz bench format clean

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build: setup
	@CXX=$(COMPILER) cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/nimbus serve --data-dir $(DATA_DIR) $(ARGS)

# The whole suite: unit, conformance, crash and the real-client suites.
# Most suites wait on their server, timers and client start-up more than
# they compute: at -j 2 the whole suite kept one core of two busy (user+sys
# 707 s over 691 s wall, 2026-12-05), so it runs TEST_JOBS at once.
TEST_JOBS ?= 4
test: build setup-test
	ctest --test-dir $(BUILD) --output-on-failure -j $(TEST_JOBS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

# The sanitizer run and the fuzzers share one clang build ($(SAN_BUILD)):
# AddressSanitizer + UndefinedBehaviorSanitizer at -O1 with assertions kept,
# libFuzzer's coverage hooks in every library, and clang's -Wthread-safety
# over the whole tree, tests included. One build for both keeps CI's time in
# bounds as services are added.
SAN_BUILD ?= build-san
san-configure: setup
	@CXX=clang++ cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DNIMBUS_SANITIZE=ON -DNIMBUS_FUZZ=ON >/dev/null

# The units and one client generation (current boto3) again under the
# sanitizers. The other client suites drive the same server code paths, and
# the crash tests and pattern examples (durability and whole applications,
# the slowest suites) repeat the service suites' requests: they run in
# `make test` only (ASAN_E2E=all runs them all here too).
ASAN_E2E ?= e2e_python_debian|e2e_ric_|e2e_js|e2e_.*_crash$$|e2e_.*_example$$
# The sanitized server spends more CPU per request (ASan, UBSan and the
# fuzzers' coverage hooks): one suite fewer at once than `make test`.
ASAN_TEST_JOBS ?= 3
test-asan: san-configure setup-test
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(ASAN_TEST_JOBS) \
	  $(if $(filter all,$(ASAN_E2E)),,-E '$(ASAN_E2E)')

# The fuzzers and the nimbus binary (after `make test-asan`, already built).
fuzz-build: san-configure
	@cmake --build $(SAN_BUILD) -j $(JOBS) --target fuzz_all

# Each fuzzer briefly from its seed corpus (FUZZ_SECONDS each, JOBS at once).
FUZZ_SECONDS ?= 30
fuzz: fuzz-build
	scripts/fuzz.sh $(SAN_BUILD) $(FUZZ_SECONDS) $(JOBS)

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build $(SAN_BUILD)
