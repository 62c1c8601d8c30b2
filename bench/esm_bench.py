"""SQS → Lambda and Kinesis → Lambda event source mapping latency: how long
after a message is sent to an empty queue (a record put on an idle stream)
does the mapped function start running.

Method: a native C++ function (bench/esm_bench_function.cc, built beside the
nimbus binary as bench/esm_bench_function) is mapped to a standard queue
with BatchSize 1. For each of N messages the client takes the wall-clock time
t0 (µs), sends the message (boto3 SendMessage, body = t0) and takes t1 when
SendMessage has answered; then it waits until the queue is empty again
before the next one, so every message lands on an idle, long-polling
mapping. The function logs the wall-clock time it started (tf) to its
CloudWatch Logs; afterwards the log is read back. Same machine, same clock.
  send→run   = tf - t0: SendMessage (signing, HTTP, the durable commit) plus
               the hop to the function
  answer→run = tf - t1: the hop alone, as the client sees it (negative when
               the function started before the client had read the answer)

With --source kinesis the same function is mapped (BatchSize 1) to a
one-shard stream and each record (PutRecord, data = t0) is put once the
previous one has reached the function and 20 ms more have passed, so every
record lands on a poller waiting on an empty shard.

Usage: python3 bench/esm_bench.py [--messages 200] [--source sqs|kinesis]
"""

import argparse
import base64
import datetime
import json
import sys
import time

from common import Server, bootstrap_zip, machine, native_function, percentile


def now_us():
    return time.time_ns() // 1000


def function_starts(logs):
    """{t0: tf} from the function's log lines."""
    out = {}
    kwargs = {"logGroupName": "/aws/lambda/esm-bench"}
    while True:
        try:
            page = logs.filter_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return out  # before the function's first run
        for e in page["events"]:
            msg = e["message"].strip()
            if not msg.startswith("ESMBENCH "):
                continue
            _, tf, event = msg.split(" ", 2)
            for r in json.loads(event)["Records"]:
                body = base64.b64decode(r["kinesis"]["data"]) if "kinesis" in r else r["body"]
                out[int(body)] = int(tf)
        if not page.get("nextToken"):
            return out
        kwargs["nextToken"] = page["nextToken"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--source", choices=["sqs", "kinesis"], default="sqs")
    args = ap.parse_args()
    binary = native_function()
    if binary is None:
        print("bench/esm_bench_function not built (ninja esm_bench_function)")
        return 1
    what = ("SQS event source mapping, queue" if args.source == "sqs"
            else "Kinesis event source mapping, idle 1-shard stream")
    print("%s -> function start, %d messages one at a time, BatchSize 1, native function, "
          "%s, %s" % (what, args.messages, machine(), datetime.date.today()))
    server = Server().start()
    try:
        lam = server.boto3_client("lambda")
        sqs = server.boto3_client("sqs")
        logs = server.boto3_client("logs")
        lam.create_function(FunctionName="esm-bench", Runtime="provided.al2", Handler="none",
                            Role="arn:aws:iam::000000000000:role/bench", Timeout=10,
                            Code={"ZipFile": bootstrap_zip(binary)})
        if args.source == "sqs":
            url = sqs.create_queue(QueueName="esm-bench")["QueueUrl"]
            lam.create_event_source_mapping(FunctionName="esm-bench", BatchSize=1,
                                            EventSourceArn="arn:aws:sqs:us-east-1:000000000000:"
                                                           "esm-bench")

            def idle(_):
                a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                return a["ApproximateNumberOfMessages"] == "0" and \
                    a["ApproximateNumberOfMessagesNotVisible"] == "0"

            def send(t0):
                sqs.send_message(QueueUrl=url, MessageBody=str(t0))
        else:
            kinesis = server.boto3_client("kinesis")
            kinesis.create_stream(StreamName="esm-bench", ShardCount=1)
            lam.create_event_source_mapping(FunctionName="esm-bench", BatchSize=1,
                                            StartingPosition="TRIM_HORIZON",
                                            EventSourceArn="arn:aws:kinesis:us-east-1:"
                                                           "000000000000:stream/esm-bench")

            def idle(last):
                # The previous record reached the function (its log line).
                return last is None or last in function_starts(logs)

            def send(t0):
                kinesis.put_record(StreamName="esm-bench", PartitionKey="k",
                                   Data=str(t0).encode())

        sent = {}
        last = None
        for i in range(args.messages + 5):  # the first five warm the environment
            while not idle(last):
                time.sleep(0.002 if args.source == "sqs" else 0.01)
            # SQS: the pollers are back in their long polls; Kinesis: the
            # shard's poller waits on an empty shard again.
            time.sleep(0.005 if args.source == "sqs" else 0.02)
            t0 = now_us()
            send(t0)
            t1 = now_us()
            last = t0
            if i >= 5:
                sent[t0] = t1
        deadline = time.time() + 30
        starts = {}
        while time.time() < deadline:
            starts = function_starts(logs)
            if all(t0 in starts for t0 in sent):
                break
            time.sleep(0.5)
    finally:
        server.cleanup()
    missing = [t0 for t0 in sent if t0 not in starts]
    full = [(starts[t0] - t0) / 1000.0 for t0 in sent if t0 in starts]
    hop = [(starts[t0] - t1) / 1000.0 for t0, t1 in sent.items() if t0 in starts]
    rtt = [(t1 - t0) / 1000.0 for t0, t1 in sent.items()]
    print("%-42s %8s %8s %8s" % ("", "p50 ms", "p99 ms", "max ms"))
    for label, v in (("send->run (send or put + hop)", full),
                     ("answer->run (hop after the answer)", hop),
                     ("SendMessage / PutRecord round trip (boto3)", rtt)):
        if v:
            print("%-42s %8.3f %8.3f %8.3f" % (label, percentile(v, 50), percentile(v, 99), max(v)))
    print("messages measured: %d, never seen by the function: %d" % (len(full), len(missing)))
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
