"""The stream-processing pattern at rate (issue 13): producers put click
events into a 5-shard stream at a paced rate for a minute; a native
aggregating function mapped to the stream counts them per page and adds the
counts to a table. Measured: the rate the producers sustained, loss (every
acknowledged record must be counted in the table), and the end-to-end
latency from a record's PutRecords call being sent to the function starting
on the batch that holds it (p50 / p99 over every record: an upper bound of
"acknowledged → function sees it", since the answer comes after the send).

Pieces, all C++ so that the client side costs little of the two cores:
bench/stream_loadgen (the producers: signed PutRecords of 500 ~40-byte
events per call over keep-alive connections, records `{"k":page,"t":send
µs}`, partition key = page) and bench/stream_pattern_function (a `provided`
function: per batch, one UpdateItem `ADD clicks :n` per page, and one log
line with a histogram of send → start latencies). nimbus runs with
--durability sync and --kinesis-shard-limits off (5 shards at AWS's 1,000
records/s each would cap the stream at 5,000/s). The mapping: BatchSize
10,000, no batching window, StartingPosition TRIM_HORIZON.

A rate is "sustained" when the producers got at least 98% of it
acknowledged, nothing acknowledged is missing from the table once the
stream is drained, and p99 is under one second. With --find, rates below the
target are tried in steps until one is sustained. "Where the time goes":
CPU seconds of nimbus's threads (by name), of the function processes and of
the producers over the run.

No peer: the issue names none for this figure (kinesis_bench.py compares
ingest with kinesalite and kinesis-local).

Usage: python3 bench/stream_pattern_bench.py [--rate 50000] [--seconds 60]
           [--shards 5] [--threads 4] [--pages 50] [--find] [--quick]
"""

import argparse
import collections
import datetime
import json
import os
import resource
import subprocess
import sys
import time

from common import Server, bench_binary, bootstrap_zip, machine

from harness import function_log

STREAM = "clicks"
TABLE = "click-counts"
FUNCTION = "click-counter"
TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """{thread name: CPU seconds} of process `pid`'s threads (digits in a
    name folded, so a pool's threads count together)."""
    out = collections.Counter()
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open(os.path.join(task_dir, tid, "stat")) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out["".join(c for c in name if not c.isdigit()).rstrip("-_ ") or name] += \
            (int(fields[11]) + int(fields[12])) / TICKS
    return out


def descendants_cpu(pid):
    """CPU seconds (user + system) of every live descendant of `pid`."""
    children = collections.defaultdict(list)
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children[int(fields[1])].append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, todo = 0.0, list(children[pid])
    while todo:
        p = todo.pop()
        total += stats.get(p, 0.0)
        todo.extend(children[p])
    return total


def percentile_of(histogram, p):
    """The upper bound (ms) of the bucket holding the p-th percentile of a
    merged {bound: count} histogram (bound "inf" beyond the last)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    want = total * p / 100.0
    seen = 0
    for bound in sorted(histogram, key=lambda b: float("inf") if b == "inf" else int(b)):
        seen += histogram[bound]
        if seen >= want:
            return bound
    return "inf"


def table_counts(ddb):
    counts = {}
    kwargs = {"TableName": TABLE}
    while True:
        page = ddb.scan(**kwargs)
        for item in page["Items"]:
            counts[item["page"]["S"]] = int(item["clicks"]["N"])
        if "LastEvaluatedKey" not in page:
            return counts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def deploy(server, shards):
    lam = server.boto3_client("lambda")
    kinesis = server.boto3_client("kinesis")
    ddb = server.boto3_client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "page", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "page", "KeyType": "HASH"}])
    kinesis.create_stream(StreamName=STREAM, ShardCount=shards)
    while (kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]
           ["StreamStatus"] != "ACTIVE"):
        time.sleep(0.05)
    lam.create_function(FunctionName=FUNCTION, Runtime="provided.al2", Handler="none",
                        Role="arn:aws:iam::000000000000:role/bench", Timeout=60,
                        MemorySize=256, Environment={"Variables": {"TABLE": TABLE}},
                        Code={"ZipFile": bootstrap_zip(bench_binary("stream_pattern_function"))})
    uuid = lam.create_event_source_mapping(
        FunctionName=FUNCTION, BatchSize=10000, MaximumBatchingWindowInSeconds=0,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn="arn:aws:kinesis:us-east-1:000000000000:stream/" + STREAM)["UUID"]
    while lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled":
        time.sleep(0.05)
    return ddb, server.boto3_client("logs")


def run_rate(args, rate):
    """One run at `rate` records/s on a fresh server; returns its figures."""
    server = Server("--durability", "sync", "--kinesis-shard-limits", "off").start()
    try:
        ddb, logs = deploy(server, args.shards)
        pid = server.proc.pid
        cpu0, fn0 = thread_cpu(pid), descendants_cpu(pid)
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        out = subprocess.run([bench_binary("stream_loadgen"), "--endpoint", server.endpoint,
                              "--stream", STREAM, "--rate", str(rate), "--seconds",
                              str(args.seconds), "--threads", str(args.threads), "--pages",
                              str(args.pages)], capture_output=True, text=True)
        produced_s = time.time() - t0
        if out.returncode != 0 and not out.stdout.strip():
            raise RuntimeError("stream_loadgen failed: " + out.stderr)
        if out.stderr.strip():
            print("  producers: " + out.stderr.strip().splitlines()[0])
        put = json.loads(out.stdout)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Drain: the table must reach every acknowledged record.
        want = put["acked_per_page"]
        drained_at = None
        deadline = time.time() + args.drain
        counts = {}
        while time.time() < deadline:
            counts = table_counts(ddb)
            if sum(counts.values()) >= sum(want.values()):
                drained_at = time.time()
                break
            time.sleep(0.25)
        cpu1, fn1 = thread_cpu(pid), descendants_cpu(pid)
        histogram = collections.Counter()
        batches = seen = 0
        for line in function_log(logs, FUNCTION, "SPBENCH "):
            _, n, buckets = line.split(" ", 2)
            batches += 1
            seen += int(n)
            for pair in buckets.split(","):
                bound, count = pair.split(":")
                histogram[bound] += int(count)
    finally:
        server.cleanup()
    lost = sum(max(0, n - counts.get(page, 0)) for page, n in want.items())
    extra = sum(max(0, counts.get(page, 0) - n) for page, n in want.items())
    p50, p99 = percentile_of(histogram, 50), percentile_of(histogram, 99)
    server_cpu = {name: cpu1[name] - cpu0.get(name, 0) for name in cpu1}
    return {
        "rate": rate, "put": put, "produced_s": produced_s, "lost": lost, "extra": extra,
        "drain_s": (drained_at - t0 - produced_s) if drained_at else None,
        "batches": batches, "seen": seen, "p50": p50, "p99": p99,
        "server_cpu": server_cpu, "function_cpu": fn1 - fn0,
        "producer_cpu": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
        "sustained": (put["acked"] >= 0.98 * rate * args.seconds and lost == 0 and
                      drained_at is not None and p99 != "inf" and p99 is not None and
                      int(p99) <= 1000),
    }


def report(r, seconds):
    put = r["put"]
    print("  target %d records/s: acknowledged %d (%.0f/s), failed %d; PutRecords p50 %.1f / "
          "p99 %.1f ms" % (r["rate"], put["acked"], put["acked_per_s"], put["failed"],
                           put["put_p50_ms"], put["put_p99_ms"]))
    print("  table: lost %d, counted twice %d; drained %s after the producers stopped; "
          "%d batches, %d records seen" % (
              r["lost"], r["extra"],
              "%.1f s" % r["drain_s"] if r["drain_s"] is not None else "NOT",
              r["batches"], r["seen"]))
    print("  send -> function start: p50 <= %s ms, p99 <= %s ms (histogram bucket bounds)" % (
        r["p50"], r["p99"]))
    busiest = sorted(r["server_cpu"].items(), key=lambda kv: -kv[1])[:8]
    total = sum(r["server_cpu"].values())
    print("  CPU over the run (%.0f s of wall): nimbus %.1f s (%s), function processes %.1f s, "
          "producers %.1f s" % (
              seconds, total, ", ".join("%s %.1f" % kv for kv in busiest if kv[1] >= 0.05),
              r["function_cpu"], r["producer_cpu"]))
    print("  => %s" % ("SUSTAINED" if r["sustained"] else "not sustained"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=50000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--shards", type=int, default=5)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--drain", type=float, default=60, help="seconds allowed to drain")
    ap.add_argument("--find", action="store_true",
                    help="step the rate down by 10%% of the target until one is sustained")
    ap.add_argument("--quick", action="store_true", help="10 s at 5,000 records/s")
    args = ap.parse_args()
    if args.quick:
        args.rate, args.seconds = 5000, 10
    for name in ("stream_loadgen", "stream_pattern_function"):
        if not os.path.exists(bench_binary(name)):
            print("bench/%s not built (ninja %s)" % (name, name))
            return 1
    print("Stream pattern: %d shards, native aggregating function into a table, %g s per rate, "
          "%s, %s" % (args.shards, args.seconds, machine(), datetime.date.today()))
    rate = args.rate
    best = None
    while rate > 0:
        r = run_rate(args, rate)
        report(r, args.seconds)
        if r["sustained"]:
            best = rate
            break
        if not args.find:
            break
        rate -= args.rate // 10
    print("highest sustained rate: %s" % ("%d records/s" % best if best else "none tried"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
