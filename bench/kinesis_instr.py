"""Instructions per Kinesis PutRecords or GetRecords call: nimbus under valgrind's
callgrind (--durability sync, shard limits off), a fixed number of signed
keep-alive PutRecords calls of 500 x 1 KiB records (kinesis_bench.py's
bodies, fixed: seeded), the server's instruction count (every thread)
divided by the number of calls. On a shared machine this repeats where
records/s does not, so it is what a change to the ingest path claims.
--top N prints the N functions with the most inclusive instructions per
call (callgrind_annotate).

--op GetRecords: a one-shard stream holds --get-records records (put as
above, 500 a call, not counted), and the count is of --calls GetRecords
calls with Limit 10,000 from the same TRIM_HORIZON iterator (each answer
checked to hold min(10,000, --get-records) records), per call and per record.

Usage: python3 bench/kinesis_instr.py [--op PutRecords|GetRecords] [--calls 200] [--top 25]
           [--keep DIR] [--get-records 10000]
"""

import argparse
import base64
import http.client
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


def get_records_calls(endpoint, iterator, calls, expect):
    """`calls` GetRecords of `iterator` (Limit 10,000) over one keep-alive
    connection; each answer must be 200 and hold `expect` records."""
    req = request(endpoint, "GetRecords", {"ShardIterator": iterator, "Limit": 10000})
    conn = http.client.HTTPConnection(endpoint.split("://", 1)[1], timeout=600)
    for _ in range(calls):
        conn.request(req[0], req[1], body=req[3], headers=req[2])
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError("%d %s" % (r.status, data[:300]))
        got = len(json.loads(data)["Records"])
        if got != expect:
            raise RuntimeError("GetRecords answered %d records, not %d" % (got, expect))
    conn.close()


def measure_get(server, args, bodies, out_dir):
    """Instructions per GetRecords call of min(10,000, --get-records)
    records; returns (per call, records a call, dump)."""
    puts = (args.get_records + RECORDS_PER_CALL - 1) // RECORDS_PER_CALL
    send_all(server.endpoint, [bodies[i % BODIES] for i in range(puts)])
    kinesis = client("kinesis", server.endpoint)
    it = kinesis.get_shard_iterator(StreamName=STREAM, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    expect = min(10000, puts * RECORDS_PER_CALL)
    get_records_calls(server.endpoint, it, args.warmup, expect)
    total, elapsed, dump = counted(
        server, out_dir, "GetRecords",
        lambda: get_records_calls(server.endpoint, it, args.calls, expect))
    per_call = total / args.calls
    print("  GetRecords %12.0f instructions/call, %8.0f per record  (%d calls of %d records, "
          "%.1f s under valgrind) %s" % (per_call, per_call / expect, args.calls, expect, elapsed,
                                         os.path.basename(dump)), flush=True)
    return per_call, dump


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--op", choices=["PutRecords", "GetRecords"], default="PutRecords")
    ap.add_argument("--get-records", type=int, default=10000,
                    help="GetRecords: records in the stream's one shard")
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--shards", type=int, default=5)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--keep", help="keep the callgrind dumps in this directory")
    args = ap.parse_args()
    if args.op == "GetRecords":
        args.shards = 1

    out_dir = args.keep or tempfile.mkdtemp(prefix="nimbus-instr-")
    os.makedirs(out_dir, exist_ok=True)
    print("kinesis %s instructions per call (callgrind, %d calls, PutRecords of %d x %d B, one "
          "keep-alive connection, --durability sync, %d shards), %s"
          % (args.op, args.calls, RECORDS_PER_CALL, RECORD_BYTES, args.shards, machine()),
          flush=True)
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
        if args.op == "GetRecords":
            per_call, dump = measure_get(server, args, bodies, out_dir)
            if args.top:
                print_top(dump, args.top, args.calls)
            print(json.dumps({"GetRecords": per_call}))
            return 0
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
