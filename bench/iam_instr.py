"""Instructions per signed SQS SendMessage with `--iam off` and with
`--iam enforce` (the user and ten-statement policy of iam_enforce_bench.py):
nimbus under valgrind's callgrind, a fixed number of requests on one
keep-alive connection, the server's instructions (every thread) divided by
the requests. What enforcement adds repeats from run to run, unlike the
requests/s of iam_enforce_bench.py on a shared machine. --top N prints the
N functions with the most inclusive instructions per request.

valgrind 3.19 cannot read clang's debug information: point NIMBUS_BIN at a
copy made with `strip --strip-debug` (bench/README.md).

Usage: python3 bench/iam_instr.py [--requests 500] [--top 45] [--modes off enforce]
"""

import argparse
import shutil
import sys
import tempfile
import time

from common import client, machine
from dynamodb_instr import Traced, counted, print_top, send_all
from iam_enforce_bench import bench_send


def per_request(mode, requests, top):
    out_dir = tempfile.mkdtemp(prefix="nimbus-iam-instr-")
    server = Traced(out_dir, ["--iam", mode, "--durability", "sync"])
    try:
        deadline = time.time() + 120
        while True:
            try:
                iam = client("iam", server.endpoint)
                iam.list_users()
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        send = bench_send(server.endpoint)
        send_all(server.endpoint, [send] * 100)  # warm: caches, first-use parses
        total, _, dump = counted(server, out_dir, mode,
                                 lambda: send_all(server.endpoint, [send] * requests))
        print("  --iam %-8s %9.0f instructions/request" % (mode, total / requests), flush=True)
        if top:
            print_top(dump, top, requests)
        return total / requests
    finally:
        server.stop()
        shutil.rmtree(out_dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--modes", nargs="*", default=["off", "enforce"])
    args = ap.parse_args()
    print("sqs SendMessage signed by an IAM user (10-statement policy), instructions per "
          "request (callgrind, %d requests, one keep-alive connection), %s"
          % (args.requests, machine()), flush=True)
    counts = {m: per_request(m, args.requests, args.top) for m in args.modes}
    if "off" in counts and "enforce" in counts:
        print("  enforcement adds %.0f instructions/request (%.1f%%)"
              % (counts["enforce"] - counts["off"],
                 100.0 * (counts["enforce"] / counts["off"] - 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
