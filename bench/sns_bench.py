"""SNS fan-out: Publish -> 10 SQS subscriptions, nimbus against moto_server,
side by side in one run, ratios printed.

Per server: one topic, 10 queues each subscribed with RawMessageDelivery;
  - throughput: wrk, `connections` keep-alive connections replaying one
    signed Publish (SigV4 allows the replay) for `seconds`, so the server,
    not a Python client, sets the rate: publishes/s is what the server
    accepted, deliveries/s counts from the start until the 10 queues hold
    every accepted publish (ApproximateNumberOfMessages);
  - latency: bench/fanout_probe (C++), `samples` sequential publishes on a
    second topic with the same 10 subscriptions, each timed from sending
    the Publish until a long poll already waiting on one of the queues
    returns it: publish -> visible p50/p99. The probe's own cost is
    microseconds; it also prints an empty ReceiveMessage round trip, the
    floor of the figure.
nimbus runs with --durability sync (every Publish answers once its 10
deliveries are on disk).

Usage: python3 bench/sns_bench.py [--seconds 10] [--samples 200]
       [--connections 16] [--no-moto] [--quick]   (--quick: 2 s, 20 samples: a smoke run)
"""

import argparse
import re
import shutil
import sys
import time
import urllib.parse

from common import (against_moto, client, fanout_probe, load_line, ratio, run_wrk, signed_request,
                    wait_for_count, wrk_script)

QUEUES = 10


def setup(endpoint, tag):
    sns, sqs = client("sns", endpoint), client("sqs", endpoint)
    topic = sns.create_topic(Name="bench-%s" % tag)["TopicArn"]
    urls = []
    for i in range(QUEUES):
        url = sqs.create_queue(QueueName="bench-%s-%d" % (tag, i))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                      Attributes={"RawMessageDelivery": "true"})
        urls.append(url)
    return topic, urls


def queued(sqs, urls):
    total = 0
    for url in urls:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        total += int(attrs["Attributes"]["ApproximateNumberOfMessages"])
    return total


def wrk_phase(endpoint, args):
    """wrk replays one signed Publish; deliveries are counted until every
    queue holds every accepted publish."""
    topic, urls = setup(endpoint, "wrk")
    body = urllib.parse.urlencode({"Action": "Publish", "Version": "2010-03-31",
                                   "TopicArn": topic, "Message": "x" * 256})
    script = wrk_script(*signed_request(
        endpoint, "sns", body,
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}))
    start = time.time()
    # moto answers a Publish to 10 queues in up to seconds under load.
    w = run_wrk(endpoint, script, seconds=args.seconds, connections=args.connections, timeout=10)
    published = int(re.search(r"(\d+) requests in", w["raw"]).group(1)) - w["errors"]
    sqs = client("sqs", endpoint)
    want = published * QUEUES
    have = wait_for_count(lambda: queued(sqs, urls), want, 300)
    return {"wrk_publishes_s": w["rps"], "wrk_p50_ms": w["p50_ms"], "wrk_p99_ms": w["p99_ms"],
            "wrk_deliveries_s": have / (time.time() - start), "wrk_errors": w["errors"],
            "wrk_delivered": have, "wrk_want": want}


def measure(name, server, args):
    endpoint = server.endpoint
    topic, urls = setup(endpoint, "lat")
    p = fanout_probe(endpoint, urls[0], args.samples, topic_arn=topic)
    r = {"p50_ms": p["visible"]["p50_ms"], "p99_ms": p["visible"]["p99_ms"], "probe": p}
    r.update(wrk_phase(endpoint, args))
    print("%-7s publishes/s %8.1f (call p50 %6.2f ms, p99 %6.2f ms)  deliveries/s %9.1f  "
          "publish->visible p50 %7.2f ms  p99 %7.2f ms  (%d of %d delivered, %d errors; "
          "probe: %d samples, %d missed, empty receive p50 %.2f ms)"
          % (name, r["wrk_publishes_s"], r["wrk_p50_ms"], r["wrk_p99_ms"], r["wrk_deliveries_s"],
             r["p50_ms"], r["p99_ms"], r["wrk_delivered"], r["wrk_want"], r["wrk_errors"],
             p["samples"], p["missed"], p["empty_receive"]["p50_ms"]), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 2 s, 20 samples")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.samples = 2, 20
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 1
    print("sns Publish -> %d SQS subscriptions (raw), wrk %d connections x %ds, %d latency "
          "samples (fanout_probe), %s" % (QUEUES, args.connections, args.seconds, args.samples,
                                          load_line()), flush=True)
    results = against_moto(lambda name, server: measure(name, server, args),
                           ("--durability", "sync"), not args.no_moto)
    if "moto" in results:
        n, m = results["nimbus"], results["moto"]
        print("ratio nimbus/moto: publishes/s %.1fx, deliveries/s %.1fx, publish->visible p50 "
              "%.2fx faster (targets: >= 30x; p50 < 2 ms)"
              % (ratio(n["wrk_publishes_s"], m["wrk_publishes_s"]),
                 ratio(n["wrk_deliveries_s"], m["wrk_deliveries_s"]),
                 ratio(m["p50_ms"], n["p50_ms"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
