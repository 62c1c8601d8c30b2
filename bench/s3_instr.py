"""Instructions per small S3 request: nimbus under valgrind's callgrind, a
fixed number of signed keep-alive PutObject and GetObject requests of 4 KiB
bodies (the objects of s3_bench.py's small runs), the server's instructions
(every thread) divided by the requests. Unlike requests/s on a shared
machine this figure repeats from run to run. --top N prints the N functions
with the most inclusive instructions per request.

valgrind 3.19 cannot read clang's debug information: point NIMBUS_BIN at a
copy made with `strip --strip-debug` (bench/README.md).

Usage: python3 bench/s3_instr.py [--requests 1000] [--top 40] [--ops PUT GET]
"""

import argparse
import shutil
import sys
import tempfile
import time

from common import machine
from dynamodb_instr import Traced, counted, print_top, send_all
from s3_bench import BUCKET, s3_client, signed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--ops", nargs="*", default=["PUT", "GET"])
    ap.add_argument("--durability", default="sync")
    args = ap.parse_args()
    print("s3 instructions per 4 KiB request (callgrind, %d requests, one keep-alive connection, "
          "--durability %s), %s" % (args.requests, args.durability, machine()), flush=True)
    out_dir = tempfile.mkdtemp(prefix="nimbus-s3-instr-")
    server = Traced(out_dir, ["--durability", args.durability])
    body = b"x" * 4096
    keys = ["small-%d" % i for i in range(200)]
    try:
        deadline = time.time() + 120
        while True:
            try:
                s3 = s3_client(server.endpoint)
                s3.create_bucket(Bucket=BUCKET)
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        for key in keys:
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        for op in args.ops:
            one = [signed(server.endpoint, op, key, body if op == "PUT" else b"") for key in keys]
            reqs = [one[i % len(one)] for i in range(args.requests)]
            send_all(server.endpoint, one)  # warm: caches, first-use parses
            total, elapsed, dump = counted(server, out_dir, op,
                                           lambda: send_all(server.endpoint, reqs))
            print("  %-4s %10.0f instructions/request  (%.1f s under valgrind)"
                  % (op, total / args.requests, elapsed), flush=True)
            if args.top:
                print_top(dump, args.top, args.requests)
    finally:
        server.stop()
        shutil.rmtree(out_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
