"""Instructions per SNS Publish (with its 10 SQS deliveries) and per
EventBridge PutEvents (with its one SQS delivery): nimbus under valgrind's
callgrind (--durability sync), the setups of sns_bench.py and
events_bench.py, a fixed number of signed keep-alive Publish / PutEvents
calls, counted until every delivery is in its queue and acknowledged; the
server's instruction count (every thread) divided by the number of calls.
On a shared machine this repeats where publishes/s does not, so it is what
a change to the delivery path claims. The count includes a scrape of
/_nimbus/metrics every half second while the deliveries drain (printed:
a few per run). --top N prints the N functions with the most inclusive
instructions per call (callgrind_annotate).

Usage: python3 bench/fanout_instr.py [--calls 200] [--top 25] [--ops Publish PutEvents]
           [--keep DIR]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import events_bench
import sns_bench
from common import client, machine, signed_request
from dynamodb_instr import Traced, counted, print_top, send_all


def delivered(endpoint, metric):
    """The value of the Prometheus line starting with `metric` (0 if none)."""
    text = urllib.request.urlopen(endpoint + "/_nimbus/metrics", timeout=60).read().decode()
    for line in text.splitlines():
        if line.startswith(metric):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def drive(endpoint, requests, metric, want):
    """Sends `requests`, then waits until `metric` grew by `want` and the
    acknowledgements are committed; returns the number of scrapes."""
    start = delivered(endpoint, metric)
    send_all(endpoint, requests)
    scrapes = 1
    deadline = time.time() + 600
    while delivered(endpoint, metric) < start + want:
        scrapes += 1
        if time.time() > deadline:
            raise RuntimeError("deliveries did not drain")
        time.sleep(0.5)
    time.sleep(1.0)  # the acknowledgements' deletes
    return scrapes + 1


def operations(endpoint):
    """[(name, request, metric, deliveries per call)]."""
    ops = []
    topic, _ = sns_bench.setup(endpoint, "instr")
    body = urllib.parse.urlencode({"Action": "Publish", "Version": "2010-03-31",
                                   "TopicArn": topic, "Message": "x" * 256})
    ops.append(("Publish", signed_request(
        endpoint, "sns", body,
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
        'nimbus_sns_deliveries{outcome="delivered"}', sns_bench.QUEUES))
    events_bench.setup(endpoint, "instr")
    body = json.dumps({"Entries": [{"Source": events_bench.source("instr"), "DetailType": "tick",
                                    "Detail": json.dumps({"n": 1, "pad": "x" * 200})}]})
    ops.append(("PutEvents", signed_request(
        endpoint, "events", body,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"}),
        'nimbus_target_deliveries{service="events",outcome="delivered"}', 1))
    return ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--ops", nargs="*", default=["Publish", "PutEvents"])
    ap.add_argument("--keep", help="keep the callgrind dumps in this directory")
    args = ap.parse_args()

    out_dir = args.keep or tempfile.mkdtemp(prefix="nimbus-instr-")
    os.makedirs(out_dir, exist_ok=True)
    print("instructions per call with its deliveries (callgrind, %d calls, one keep-alive "
          "connection, --durability sync), %s" % (args.calls, machine()), flush=True)
    server = Traced(out_dir, ["--durability", "sync"])
    results = {}
    try:
        deadline = time.time() + 120
        while True:
            try:
                client("sqs", server.endpoint).list_queues()
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        for op, request, metric, fanout in operations(server.endpoint):
            if op not in args.ops:
                continue
            drive(server.endpoint, [request] * args.warmup, metric, args.warmup * fanout)
            scrapes = []
            total, elapsed, dump = counted(
                server, out_dir, op,
                lambda: scrapes.append(drive(server.endpoint, [request] * args.calls, metric,
                                             args.calls * fanout)))
            results[op] = total / args.calls
            print("  %-9s %11.0f instructions/call, %9.0f per delivery  (%d calls, %d "
                  "deliveries each, %d metric scrapes, %.1f s under valgrind) %s"
                  % (op, total / args.calls, total / args.calls / fanout, args.calls, fanout,
                     scrapes[0], elapsed, os.path.basename(dump)), flush=True)
            if args.top:
                print_top(dump, args.top, args.calls)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
