#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, JOBS of them at
# once, starting from its seed corpus in fuzz/corpus/<name>/ (new inputs go to
# a scratch copy, so the committed corpus stays small). Fails when any fuzzer
# finds a crash, leak or timeout; its log is printed.
set -euo pipefail
build=${1:-build-san}
seconds=${2:-30}
jobs=${3:-1}
cd "$(dirname "$0")/.."

# One fuzzer: prints one line (its result), returns its status.
run_one() {
  local bin=$1 name work status=0
  name=$(basename "$bin" _fuzz)
  work=$(mktemp -d)
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/fuzz/$name-" "$work" 2>"$build/fuzz/$name.log"; then
    echo "fuzz: $name ok: $(grep -E '^Done|#[0-9]+.*DONE' "$build/fuzz/$name.log" | tail -1)"
  else
    echo "fuzz: $name FAILED; see $build/fuzz/$name.log"
    tail -30 "$build/fuzz/$name.log"
    status=1
  fi
  rm -rf "$work"
  return $status
}
export -f run_one
export build seconds

bins=("$build"/fuzz/*_fuzz)
[ -x "${bins[0]}" ] || { echo "fuzz: no fuzzers in $build/fuzz"; exit 1; }
echo "fuzz: ${#bins[@]} fuzzers, ${seconds}s each, $jobs at once"
printf '%s\n' "${bins[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
