"""Instructions per Kinesis PutRecords call: nimbus under valgrind's
callgrind (--durability sync, shard limits off), a fixed number of signed
keep-alive PutRecords calls of 500 x 1 KiB records (kinesis_bench.py's
bodies, fixed: seeded), the server's instruction count (every thread)
divided by the number of calls. On a shared machine this repeats where
records/s does not, so it is what a change to the ingest path claims.
--top N prints the N functions with the most inclusive instructions per
call (callgrind_annotate).

Usage: python3 bench/kinesis_instr.py [--calls 200] [--top 25] [--keep DIR]
"""

import argparse
import base64
import json
import os
import random
import shutil
import sys
import tempfile
import time

from common import client, machine
from dynamodb_instr import Traced, counted, print_top, send_all
from kinesis_bench import RECORD_BYTES, RECORDS_PER_CALL, STREAM, create_stream, request

BODIES = 8


def fixed_body(rng, n):
    data = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(RECORD_BYTES))).decode()
    return {"StreamName": STREAM,
            "Records": [{"Data": data, "PartitionKey": "key-%d-%d" % (n, i)}
                        for i in range(RECORDS_PER_CALL)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--shards", type=int, default=5)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--keep", help="keep the callgrind dumps in this directory")
    args = ap.parse_args()

    out_dir = args.keep or tempfile.mkdtemp(prefix="nimbus-instr-")
    os.makedirs(out_dir, exist_ok=True)
    print("kinesis PutRecords instructions per call (callgrind, %d calls of %d x %d B, one "
          "keep-alive connection, --durability sync), %s"
          % (args.calls, RECORDS_PER_CALL, RECORD_BYTES, machine()), flush=True)
    server = Traced(out_dir, ["--durability", "sync", "--kinesis-shard-limits", "off"])
    try:
        deadline = time.time() + 120
        while True:
            try:
                create_stream(client("kinesis", server.endpoint), args.shards)
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        rng = random.Random(13)
        bodies = [request(server.endpoint, "PutRecords", fixed_body(rng, n))
                  for n in range(BODIES)]
        send_all(server.endpoint, [bodies[i % BODIES] for i in range(args.warmup)])
        total, elapsed, dump = counted(
            server, out_dir, "PutRecords",
            lambda: send_all(server.endpoint, [bodies[i % BODIES] for i in range(args.calls)]))
        per_call = total / args.calls
        print("  PutRecords %12.0f instructions/call, %8.0f per record  (%d calls, %.1f s "
              "under valgrind) %s" % (per_call, per_call / RECORDS_PER_CALL, args.calls, elapsed,
                                      os.path.basename(dump)), flush=True)
        if args.top:
            print_top(dump, args.top, args.calls)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    print(json.dumps({"PutRecords": per_call}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
