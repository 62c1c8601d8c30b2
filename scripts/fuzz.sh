#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its
# seed corpus in fuzz/corpus/<name>/ (new inputs go to a scratch copy, so the
# committed corpus stays small). Fails on the first crash, leak or timeout.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-30}
cd "$(dirname "$0")/.."
status=0
for bin in "$build"/fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" _fuzz)
  work=$(mktemp -d)
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
  echo "fuzz: $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build/fuzz/$name-" "$work" 2>"$build/fuzz/$name.log"; then
    echo "fuzz: $name FAILED; see $build/fuzz/$name.log"; tail -30 "$build/fuzz/$name.log"
    status=1
  else
    grep -E '^Done|#[0-9]+.*DONE' "$build/fuzz/$name.log" | tail -1 || true
  fi
  rm -rf "$work"
done
exit $status
