"""SNS fan-out: Publish -> 10 SQS subscriptions, nimbus against moto_server,
side by side in one run, ratios printed.

Per server: one topic, 10 queues each subscribed with RawMessageDelivery;
  - throughput: `threads` boto3 clients publish for `seconds`; publishes/s,
    and deliveries/s from the first publish until every queue holds all
    of them (ApproximateNumberOfMessages);
  - latency: `samples` sequential publishes, each timed until a long poll
    on one queue returns it: publish -> visible p50/p99;
  - wrk (when installed): `connections` keep-alive connections replay one
    signed Publish for `seconds`, so the server, not the Python clients,
    sets the rate; deliveries/s counts until all 10 queues hold every
    publish.
nimbus runs with --durability sync (every Publish answers once its 10
deliveries are on disk).

Usage: python3 bench/sns_bench.py [--seconds 10] [--threads 8] [--samples 200]
       [--connections 16] [--no-moto] [--quick]   (--quick: 2 s, 2 threads, 20 samples: a smoke run)
"""

import argparse
import re
import shutil
import sys
import threading
import time
import urllib.parse

from common import (against_moto, client, load_line, percentile, ratio, run_wrk, signed_request,
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


def throughput(endpoint, args):
    topic, urls = setup(endpoint, "tp")
    counts = [0] * args.threads
    errors = [0] * args.threads
    start = time.time()
    deadline = start + args.seconds

    def worker(n):
        sns = client("sns", endpoint, 2)
        while time.time() < deadline:
            try:
                sns.publish(TopicArn=topic, Message="x" * 256)
                counts[n] += 1
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[n] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    published_in = time.time() - start
    published = sum(counts)
    sqs = client("sqs", endpoint)
    have = wait_for_count(lambda: queued(sqs, urls), published * QUEUES, 120, 0.05)
    delivered_in = time.time() - start
    return {"publishes_s": published / published_in, "deliveries_s": have / delivered_in,
            "published": published, "delivered": have, "errors": sum(errors)}


def latency(endpoint, args):
    topic, urls = setup(endpoint, "lat")
    sns, sqs = client("sns", endpoint), client("sqs", endpoint)
    samples = []
    for i in range(args.samples):
        body = "m%d" % i
        t0 = time.time()
        sns.publish(TopicArn=topic, Message=body)
        while True:
            got = sqs.receive_message(QueueUrl=urls[0], WaitTimeSeconds=5).get("Messages", [])
            if any(m["Body"] == body for m in got):
                samples.append((time.time() - t0) * 1000)
                break
            if time.time() - t0 > 30:
                break
        for m in got:
            sqs.delete_message(QueueUrl=urls[0], ReceiptHandle=m["ReceiptHandle"])
    return {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}


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
    w = run_wrk(endpoint, script, seconds=args.seconds, connections=args.connections)
    published = int(re.search(r"(\d+) requests in", w["raw"]).group(1)) - w["errors"]
    sqs = client("sqs", endpoint)
    want = published * QUEUES
    have = wait_for_count(lambda: queued(sqs, urls), want, 300)
    return {"wrk_publishes_s": w["rps"], "wrk_p50_ms": w["p50_ms"], "wrk_p99_ms": w["p99_ms"],
            "wrk_deliveries_s": have / (time.time() - start), "wrk_errors": w["errors"],
            "wrk_delivered": have, "wrk_want": want}


def measure(name, server, args):
    endpoint = server.endpoint
    r = throughput(endpoint, args)
    r.update(latency(endpoint, args))
    print("%-7s publishes/s %8.1f  deliveries/s %9.1f  publish->visible p50 %7.2f ms  p99 %7.2f ms"
          "  (%d published, %d delivered, %d errors)"
          % (name, r["publishes_s"], r["deliveries_s"], r["p50_ms"], r["p99_ms"],
             r["published"], r["delivered"], r["errors"]), flush=True)
    if shutil.which("wrk"):
        r.update(wrk_phase(endpoint, args))
        print("%-7s wrk  publishes/s %8.1f  p50 %7.2f ms  p99 %7.2f ms  deliveries/s %9.1f"
              "  (%d of %d delivered, %d errors, %d connections)"
              % (name, r["wrk_publishes_s"], r["wrk_p50_ms"], r["wrk_p99_ms"],
                 r["wrk_deliveries_s"], r["wrk_delivered"], r["wrk_want"], r["wrk_errors"],
                 args.connections), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 2 s, 2 threads, 20 samples")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.threads, args.samples = 2, 2, 20
    print("sns Publish -> %d SQS subscriptions (raw), boto3, %d threads x %ds, %d latency samples, "
          "%s" % (QUEUES, args.threads, args.seconds, args.samples, load_line()), flush=True)
    results = against_moto(lambda name, server: measure(name, server, args),
                           ("--durability", "sync"), not args.no_moto)
    if "moto" in results:
        n, m = results["nimbus"], results["moto"]
        print("ratio nimbus/moto: publishes/s %.1fx, deliveries/s %.1fx, p50 %.2fx faster "
              "(targets: >= 30x; p50 < 2 ms)"
              % (ratio(n["publishes_s"], m["publishes_s"]), ratio(n["deliveries_s"], m["deliveries_s"]),
                 ratio(m["p50_ms"], n["p50_ms"])))
        if "wrk_publishes_s" in n and "wrk_publishes_s" in m:
            print("ratio nimbus/moto under wrk: publishes/s %.1fx, deliveries/s %.1fx"
                  % (ratio(n["wrk_publishes_s"], m["wrk_publishes_s"]),
                     ratio(n["wrk_deliveries_s"], m["wrk_deliveries_s"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
