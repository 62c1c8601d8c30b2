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

.PHONY: setup setup-test build run test test-unit test-release san-configure san-build unity-check fuzz-build fuzz bench format clean

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

build: setup
	@CXX=$(COMPILER) cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/nimbus serve --data-dir $(DATA_DIR) $(ARGS)

# The test build ($(SAN_BUILD)): clang with AddressSanitizer and
# UndefinedBehaviorSanitizer at -O0 (assertions kept), libFuzzer's coverage
# hooks in every library, and clang's -Wthread-safety over the whole tree.
# The whole suite runs in it and the fuzzers are built from it, so CI
# compiles the project once; `make build` (and run, bench) is the optimized
# build in $(BUILD). -O0 rather than -O1: compiling is most of CI's time
# (about 1,900 of its 2,900 s at -O1), and -O0 takes a third off each
# translation unit (five test files: 28.3 -> 19.0 CPU s; six SQS files:
# 23 -> 16 s, 2026-12-06) while the suite mostly waits on servers, timers
# and clients rather than computing.
#
# It is also a unity build (CMake UNITY_BUILD): each target's sources are
# compiled UNITY_BATCH at a time as one translation unit, so the inline and
# template code they share is generated once per batch rather than once per
# file: SQS's 22 files (library and tests) took 85.9 CPU-s one a unit and
# 46.7 CPU-s as 4 batches, 46% less (clang -O0, ASan+UBSan, PCH,
# 2026-12-06); the tree is 393 build steps instead of about 1,000. The
# files of a batch share their file-local names: a helper used by several
# files belongs in a header (common/text.h, common/json_fields.h, a
# service's own), one kept in a .cc gets a name of its own. `make unity-check` compiles the batches' front end only.
# `make build` stays one file a unit (rebuilding one file after an edit).
SAN_BUILD ?= build-san
UNITY_BATCH ?= 8
san-configure: setup
	@CXX=clang++ cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1" -DNIMBUS_SANITIZE=ON -DNIMBUS_FUZZ=ON \
	  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=$(UNITY_BATCH) >/dev/null

san-build: san-configure
	@cmake --build $(SAN_BUILD) -j $(JOBS)

SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

# The whole suite under the sanitizers: units, conformance, crash tests,
# examples and every client suite. Most suites wait on their server, timers
# and client start-up more than they compute: three at once kept 1.7 of two
# cores busy (214 suites in 677 s, 2026-12-05).
TEST_JOBS ?= 3
test: san-build setup-test
	$(SAN_ENV) ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(TEST_JOBS)

test-unit: san-build
	$(SAN_ENV) ctest --test-dir $(SAN_BUILD) --output-on-failure -L unit

# The suite against the optimized build (not in CI): for a change whose
# behaviour could depend on the optimizer or on timing.
test-release: build setup-test
	ctest --test-dir $(BUILD) --output-on-failure -j $(TEST_JOBS)

# Whether every unity batch of the test build compiles, without building it:
# clang's front end (-fsyntax-only) over each batch (the precompiled header
# first). For a new or renamed .cc file, whose names now share a batch with
# its neighbours' (and shift the batches after it): about 400 CPU-s for the
# 224 batches, a fifth of building them.
unity-check: san-configure
	@cmake --build $(SAN_BUILD) --target nimbus_pch >/dev/null
	@scripts/unity_check.py $(SAN_BUILD) $(JOBS)

# The fuzzers (after `make test`, already built).
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
