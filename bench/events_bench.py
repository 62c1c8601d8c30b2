"""EventBridge PutEvents -> a rule -> an SQS target, nimbus against
moto_server, side by side in one run, ratios printed.

Per server: a rule on the default bus matching its own source
(`bench-wrk`, `bench-lat`) with one SQS queue as its target;
  - wrk: `connections` keep-alive connections replay one signed PutEvents of
    one entry for `seconds`; events/s is what the servers accepted, and
    deliveries/s counts from the start until the queue holds every event;
  - latency: bench/fanout_probe (C++), `samples` sequential PutEvents on a
    second rule and queue, each timed from sending the PutEvents until a
    long poll already waiting on the queue returns the event: put -> visible
    p50/p99. The probe's own cost is microseconds; it also prints an empty
    ReceiveMessage round trip, the floor of the figure.
nimbus runs with --durability sync (PutEvents answers once its events are on
disk).

Usage: python3 bench/events_bench.py [--seconds 10] [--connections 16]
       [--samples 200] [--no-moto] [--quick]   (--quick: 2 s, 20 samples; too short
       for moto, whose PutEvents with an SQS target takes ~0.3 s each)
"""

import argparse
import json
import re
import shutil
import sys
import time

from common import (against_moto, client, fanout_probe, load_line, ratio, run_wrk, signed_request,
                    wait_for_count, wrk_script)


def source(tag):
    """Each phase's events match only its own rule."""
    return "bench-" + tag


def setup(endpoint, tag):
    events, sqs = client("events", endpoint), client("sqs", endpoint)
    url = sqs.create_queue(QueueName="bench-%s" % tag)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_rule(Name="bench-%s" % tag, EventPattern=json.dumps({"source": [source(tag)]}))
    events.put_targets(Rule="bench-%s" % tag, Targets=[{"Id": "q", "Arn": arn}])
    return url


def queued(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def wrk_phase(endpoint, args):
    url = setup(endpoint, "wrk")
    body = json.dumps({"Entries": [{"Source": source("wrk"), "DetailType": "tick",
                                    "Detail": json.dumps({"n": 1, "pad": "x" * 200})}]})
    script = wrk_script(*signed_request(
        endpoint, "events", body,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"}))
    start = time.time()
    # moto answers a PutEvents with an SQS target in up to seconds under load.
    w = run_wrk(endpoint, script, seconds=args.seconds, connections=args.connections, timeout=10)
    accepted = int(re.search(r"(\d+) requests in", w["raw"]).group(1)) - w["errors"]
    sqs = client("sqs", endpoint)
    have = wait_for_count(lambda: queued(sqs, url), accepted, 300)
    return {"events_s": w["rps"], "p50_ms": w["p50_ms"], "p99_ms": w["p99_ms"],
            "deliveries_s": have / (time.time() - start), "delivered": have,
            "accepted": accepted, "errors": w["errors"]}


def latency(endpoint, args):
    url = setup(endpoint, "lat")
    p = fanout_probe(endpoint, url, args.samples, events_source=source("lat"))
    return {"visible_p50_ms": p["visible"]["p50_ms"], "visible_p99_ms": p["visible"]["p99_ms"],
            "probe": p}


def measure(name, server, args):
    endpoint = server.endpoint
    r = latency(endpoint, args)
    r.update(wrk_phase(endpoint, args))
    print("%-7s events/s %8.1f (p50 %6.2f ms, p99 %6.2f ms)  deliveries/s %8.1f  "
          "put->visible p50 %7.2f ms  p99 %7.2f ms  (%d of %d delivered, %d errors; "
          "probe: %d samples, %d missed, empty receive p50 %.2f ms)"
          % (name, r["events_s"], r["p50_ms"], r["p99_ms"], r["deliveries_s"],
             r["visible_p50_ms"], r["visible_p99_ms"], r["delivered"], r["accepted"],
             r["errors"], r["probe"]["samples"], r["probe"]["missed"],
             r["probe"]["empty_receive"]["p50_ms"]), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 2 s, 20 samples")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.samples = 2, 20
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 1
    print("events PutEvents -> rule -> SQS, wrk %d connections x %ds, %d latency samples "
          "(fanout_probe), %s"
          % (args.connections, args.seconds, args.samples, load_line()), flush=True)
    results = against_moto(lambda name, server: measure(name, server, args),
                           ("--durability", "sync"), not args.no_moto)
    if "moto" in results:
        n, m = results["nimbus"], results["moto"]
        print("ratio nimbus/moto: events/s %.1fx, deliveries/s %.1fx, put->visible p50 %.2fx "
              "faster (targets: >= 30x; p50 < 2 ms)"
              % (ratio(n["events_s"], m["events_s"]), ratio(n["deliveries_s"], m["deliveries_s"]),
                 ratio(m["visible_p50_ms"], n["visible_p50_ms"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
