"""Kinesis ingest and read throughput: PutRecords of 500 x 1 KiB records per
call from several keep-alive producers (wrk, SigV4-signed, records spread
over the shards by random partition keys), then GetRecords reading every
shard from TRIM_HORIZON to its end (bench/kinesis_reader, C++, a thread per
shard; found beside NIMBUS_BIN's nimbus or in build/bench, or named by
--reader). Without it the bench stops: boto3 readers (--boto3-readers) bound
the figure at ~35,000 records/s whatever the server, which is how the
2026-12-06 15:00 run measured 36k for nimbus against 172k at 08:54. nimbus
(--durability sync) against kinesalite and kinesis-local (kinesis-mock),
both from npm, in one run; ratios printed.

Usage: python3 bench/kinesis_bench.py [--seconds 10] [--connections 4]
           [--shards 5] [--servers nimbus kinesalite kinesis-local] [--quick]
           [--reader build/bench/kinesis_reader | --boto3-readers]
"""

import argparse
import base64
import datetime
import json
import os
import subprocess
import sys
import threading
import time

from common import (ROOT, NpmPeer, Server, bench_binary, client, free_port, machine, run_servers,
                    run_wrk, signed_request, wrk_script_many)

STREAM = "bench"
RECORDS_PER_CALL = 500
RECORD_BYTES = 1024
BODIES = 8  # distinct pre-signed PutRecords bodies wrk cycles through


def kinesalite():
    return NpmPeer("kinesalite", "3.3.3",
                   args=lambda port, data: ["--port", str(port), "--path", data,
                                            "--createStreamMs", "0", "--deleteStreamMs", "0",
                                            "--updateStreamMs", "0", "--shardLimit", "100"])


def kinesis_local():
    return NpmPeer("kinesis-local", "0.6.2",
                   env=lambda port: {"KINESIS_MOCK_PLAIN_PORT": str(port),
                                     "KINESIS_MOCK_TLS_PORT": str(free_port()),
                                     "CREATE_STREAM_DURATION": "0ms", "SHARD_LIMIT": "100",
                                     "LOG_LEVEL": "WARN"})


def put_records_body(n):
    data = base64.b64encode(os.urandom(RECORD_BYTES)).decode()
    return {"StreamName": STREAM,
            "Records": [{"Data": data, "PartitionKey": "key-%d-%d" % (n, i)}
                        for i in range(RECORDS_PER_CALL)]}


def request(endpoint, op, body):
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "Kinesis_20131202." + op}
    return signed_request(endpoint, "kinesis", json.dumps(body).encode(), headers)


def create_stream(kinesis, shards):
    kinesis.create_stream(StreamName=STREAM, ShardCount=shards)
    deadline = time.time() + 60
    while (kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]
           ["StreamStatus"] != "ACTIVE"):
        if time.time() > deadline:
            raise RuntimeError("stream did not become ACTIVE")
        time.sleep(0.05)


def find_reader(args):
    """bench/kinesis_reader: --reader, else beside NIMBUS_BIN's nimbus, else
    build/bench; None with --boto3-readers. Exits when it is not built."""
    if args.boto3_readers:
        return None
    for path in ([args.reader] if args.reader else
                 [bench_binary("kinesis_reader"),
                  os.path.join(ROOT, "build", "bench", "kinesis_reader")]):
        if os.path.exists(path):
            return os.path.abspath(path)
    sys.exit("kinesis_bench: bench/kinesis_reader is not built (ninja -C build kinesis_reader), "
             "or name it with --reader; --boto3-readers measures boto3 instead of the server")


def read_all(endpoint, shards, reader):
    """Reads every shard from TRIM_HORIZON until a GetRecords returns nothing
    with MillisBehindLatest 0; returns (records, seconds, calls). With
    bench/kinesis_reader (C++, a thread per shard) the figure is the
    server's; the boto3 readers otherwise bound it (base64 and JSON decoding
    of 10,000 records a call)."""
    if reader:
        out = subprocess.run([reader, "--endpoint", endpoint, "--stream", STREAM],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("kinesis_reader: " + out.stderr.strip())
        got = json.loads(out.stdout)
        return got["records"], got["seconds"], got["calls"]
    kinesis = client("kinesis", endpoint)
    shard_ids = [s["ShardId"] for s in kinesis.list_shards(StreamName=STREAM)["Shards"]]
    counts = [0] * len(shard_ids)
    calls = [0] * len(shard_ids)

    def boto3_reader(n):
        k = client("kinesis", endpoint)
        it = k.get_shard_iterator(StreamName=STREAM, ShardId=shard_ids[n],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            out = k.get_records(ShardIterator=it, Limit=10000)
            counts[n] += len(out["Records"])
            calls[n] += 1
            it = out.get("NextShardIterator")
            if not out["Records"] and out.get("MillisBehindLatest", 0) == 0:
                break

    start = time.time()
    ts = [threading.Thread(target=boto3_reader, args=(n,)) for n in range(len(shard_ids))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), time.time() - start, sum(calls)


def run_server(name, endpoint, args):
    kinesis = client("kinesis", endpoint)
    create_stream(kinesis, args.shards)
    script = wrk_script_many(endpoint, [request(endpoint, "PutRecords", put_records_body(n))
                                        for n in range(BODIES)])
    # A slow peer takes seconds per 500-record call: wait for it, do not
    # count it as a socket timeout.
    put = run_wrk(endpoint, script, seconds=args.seconds, connections=args.connections,
                  timeout=30)
    records = put["rps"] * RECORDS_PER_CALL
    print("  %-13s PutRecords %9.0f records/s %7.1f MB/s  p50 %7.2f ms  p99 %7.2f ms  "
          "errors %d%s" % (name, records, records * RECORD_BYTES / 1e6, put["p50_ms"],
                           put["p99_ms"], put["errors"],
                           "  " + put["unexpected"] if put["unexpected"] else ""), flush=True)
    got, seconds, calls = read_all(endpoint, args.shards, args.reader_path)
    print("  %-13s GetRecords %9.0f records/s (%d records in %.1f s, %d calls, %.0f records "
          "a call)" % (name, got / seconds, got, seconds, calls, got / max(calls, 1)), flush=True)
    return {"put": records, "get": got / seconds, "read": got}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=4, help="concurrent producers")
    ap.add_argument("--shards", type=int, default=5)
    ap.add_argument("--servers", nargs="*", default=["nimbus", "kinesalite", "kinesis-local"])
    ap.add_argument("--quick", action="store_true", help="2 s runs: check the bench works")
    ap.add_argument("--reader", help="bench/kinesis_reader's path (default: beside NIMBUS_BIN's "
                    "nimbus, else build/bench)")
    ap.add_argument("--boto3-readers", action="store_true",
                    help="read with boto3 (bounds the figure at the client) instead")
    args = ap.parse_args()
    if args.quick:
        args.seconds = 2
    args.reader_path = find_reader(args)

    print("kinesis, PutRecords %d x %d B signed keep-alive (wrk, %d connections), %d shards, "
          "%ds, nimbus --durability sync, GetRecords read by %s, %s, %s"
          % (RECORDS_PER_CALL, RECORD_BYTES, args.connections, args.shards, args.seconds,
             args.reader_path or "boto3 (one thread per shard)", machine(),
             datetime.date.today()), flush=True)
    # The peers have no per-shard write limits; nimbus's (AWS's 1 MiB/s and
    # 1,000 records/s per shard) would fail most records of this load.
    servers = {"nimbus": lambda: Server("--durability", "sync", "--kinesis-shard-limits", "off"),
               "kinesalite": kinesalite,
               "kinesis-local": kinesis_local}
    results = run_servers(servers, args.servers,
                          lambda name, endpoint: run_server(name, endpoint, args))
    for name in results:
        if name != "nimbus" and "nimbus" in results:
            r, n = results[name], results["nimbus"]
            print("ratio nimbus/%s: PutRecords %.1fx, GetRecords %.1fx"
                  % (name, n["put"] / r["put"] if r["put"] else float("inf"),
                     n["get"] / r["get"] if r["get"] else float("inf")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
