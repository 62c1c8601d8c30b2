#!/usr/bin/env bash
# Runs every benchmark against BUILD_DIR's nimbus. Results go to stdout; copy
# them with the date and machine into docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
export NIMBUS_BIN="$PWD/$build/nimbus"
python3 bench/startup_bench.py
python3 bench/sts_bench.py
python3 bench/sqs_bench.py
python3 bench/sqs_bench.py --raw
python3 bench/lambda_bench.py
python3 bench/coldstart_bench.py
python3 bench/esm_bench.py
python3 bench/dynamodb_bench.py
python3 bench/kinesis_bench.py
python3 bench/stream_pattern_bench.py
python3 bench/sns_bench.py
python3 bench/events_bench.py
python3 bench/scheduler_bench.py --moto
python3 bench/s3_bench.py
python3 bench/s3_notify_bench.py
python3 bench/sfn_bench.py
python3 bench/sfn_standard_bench.py
python3 bench/apigw_bench.py
python3 bench/iam_enforce_bench.py
"$PWD/$build/src/iam/iam_policy_bench"
python3 bench/mapreduce_bench.py
python3 bench/deploy_bench.py
logdir=$(mktemp -d -p "${TMPDIR:-/tmp}" nimbus-log-bench-XXXXXX)
"$PWD/$build/bench/log_bench" "$logdir" 5 sync
rm -rf "$logdir"
