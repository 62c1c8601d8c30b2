"""SQS send -> receive -> delete in batches of 10 with several clients
(boto3, the same script against each server; client processes so the GIL
does not cap the clients): nimbus against moto_server, one run, ratio
printed.

Usage: python3 bench/sqs_bench.py [--seconds 10] [--procs 4] [--threads 4]
"""

import argparse
import multiprocessing
import datetime
import sys
import threading
import time

from common import Moto, Server, machine


def client(endpoint, pool):
    import boto3
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 1}, max_pool_connections=pool)
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=cfg)


def worker_process(args):
    """One client process: `threads` threads looping send -> receive -> delete."""
    endpoint, url, seconds, threads = args
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.time() + seconds
    body = "x" * 256

    def worker(n):
        c = client(endpoint, 2)
        entries = [{"Id": str(i), "MessageBody": body} for i in range(10)]
        while time.time() < deadline:
            try:
                c.send_message_batch(QueueUrl=url, Entries=entries)
                got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if got:
                    c.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)])
                counts[n] += len(got)
            except Exception:
                errors[n] += 1

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), sum(errors)


def raw_process(args):
    """Like worker_process, but plain awsJson over http.client (no SDK, no
    signing: the server runs with --auth off), so that the clients spend far
    less CPU than the server and the figure is closer to the server's."""
    import http.client
    import json
    endpoint, url, seconds, threads = args
    host, port = endpoint.split("//")[1].split(":")
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.time() + seconds
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/"
                                "aws4_request, SignedHeaders=host, Signature=0"}
    send_body = json.dumps({"QueueUrl": url, "Entries": [
        {"Id": str(i), "MessageBody": "x" * 256} for i in range(10)]})
    recv_body = json.dumps({"QueueUrl": url, "MaxNumberOfMessages": 10})

    def worker(n):
        conn = http.client.HTTPConnection(host, int(port))

        def call(target, body):
            conn.request("POST", "/", body=body, headers=dict(headers, **{
                "X-Amz-Target": "AmazonSQS." + target}))
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                raise RuntimeError(data)
            return json.loads(data)

        while time.time() < deadline:
            try:
                call("SendMessageBatch", send_body)
                got = call("ReceiveMessage", recv_body).get("Messages", [])
                if got:
                    call("DeleteMessageBatch", json.dumps({"QueueUrl": url, "Entries": [
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)]}))
                counts[n] += len(got)
            except Exception:
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port))

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), sum(errors)


def run(endpoint, seconds, procs, threads, raw=False):
    url = client(endpoint, 1).create_queue(QueueName="bench")["QueueUrl"]
    start = time.time()
    with multiprocessing.Pool(procs) as pool:
        results = pool.map(raw_process if raw else worker_process,
                           [(endpoint, url, seconds, threads)] * procs)
    elapsed = time.time() - start
    return {"mps": sum(r[0] for r in results) / elapsed, "errors": sum(r[1] for r in results)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0, help="per process; default 4 (boto3) or 16 (raw)")
    ap.add_argument("--raw", action="store_true",
                    help="plain awsJson over http.client instead of boto3 (nimbus --auth off)")
    args = ap.parse_args()
    if args.threads == 0:
        args.threads = 16 if args.raw else 4
    print("sqs send->receive->delete, batches of 10, %s, %d processes x %d threads, %ds, %s, %s"
          % ("raw awsJson" if args.raw else "boto3", args.procs, args.threads, args.seconds,
             machine(), datetime.date.today()))
    nimbus = Server(*(["--auth", "off"] if args.raw else [])).start()
    try:
        n = run(nimbus.endpoint, args.seconds, args.procs, args.threads, args.raw)
    finally:
        nimbus.cleanup()
    moto = Moto().start()
    m = None
    if moto is None:
        print("moto_server is not installed: nimbus only")
    else:
        try:
            m = run(moto.endpoint, args.seconds, args.procs, args.threads, args.raw)
        finally:
            moto.stop()
    print("%-8s %12s %8s" % ("server", "messages/s", "errors"))
    for name, r in (("nimbus", n), ("moto", m)):
        if r:
            print("%-8s %12.0f %8d" % (name, r["mps"], r["errors"]))
    if m and m["mps"] > 0:
        print("ratio nimbus/moto throughput: %.1fx" % (n["mps"] / m["mps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
