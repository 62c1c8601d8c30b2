"""EventBridge Scheduler firing accuracy: `count` one-time schedules due
within the same minute, delivered to one SQS queue, while `load` boto3
threads keep the server busy with SQS SendMessage.

Each schedule's Input carries its number and `<aws.scheduler.scheduled-time>`;
the delay of a firing is the message's SentTimestamp (the server's clock when
SQS accepted the delivery) minus its due time. Printed: creation rate, the
delay p50/p99/max, and missed and double firings (a double counts against
us: at-least-once, but it should not happen without a crash).

moto_server is run the same way when --moto is given: it serves the API but
does not fire schedules, so it reports every firing missed.

Usage: python3 bench/scheduler_bench.py [--count 1000] [--load 4] [--moto]
       [--quick]   (--quick: 100 schedules, 1 load thread: a smoke run)
"""

import argparse
import datetime
import json
import threading
import time

from common import Moto, Server, client, machine, percentile, run_servers

ROLE = "arn:aws:iam::000000000000:role/bench"


def run(endpoint, args):
    sqs = client("sqs", endpoint)
    url = sqs.create_queue(QueueName="bench-fired")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    noise = sqs.create_queue(QueueName="bench-noise")["QueueUrl"]
    # Due times: the minute after creation is safely over, spread over 60 s.
    now = time.time()
    minute = (int(now + args.count / 100.0 + 10) // 60 + 1) * 60
    due = [minute + (i * 60) // args.count for i in range(args.count)]

    created = [0]
    lock = threading.Lock()

    def create(part):
        sched = client("scheduler", endpoint, 2)
        for i in range(part, args.count, 4):
            at = datetime.datetime.fromtimestamp(due[i], datetime.timezone.utc)
            sched.create_schedule(
                Name="bench-%d" % i, ScheduleExpression=at.strftime("at(%Y-%m-%dT%H:%M:%S)"),
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": arn, "RoleArn": ROLE,
                        "Input": json.dumps({"i": i,
                                             "due": "<aws.scheduler.scheduled-time>"})})
            with lock:
                created[0] += 1
    start = time.time()
    threads = [threading.Thread(target=create, args=(p,)) for p in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    create_s = time.time() - start
    if time.time() > minute:
        print("  warning: creation ran into the due minute")

    stop = threading.Event()

    def load():
        c = client("sqs", endpoint, 2)
        while not stop.is_set():
            c.send_message(QueueUrl=noise, MessageBody="x" * 256)
    loaders = [threading.Thread(target=load) for _ in range(args.load)]
    for t in loaders:
        t.start()

    seen = {}
    doubles = 0
    deadline = minute + 60 + args.grace
    receivers = client("sqs", endpoint, 4)
    while time.time() < deadline and len(seen) < args.count:
        out = receivers.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                        AttributeNames=["SentTimestamp"])
        entries = []
        for m in out.get("Messages", []):
            body = json.loads(m["Body"])
            i = body["i"]
            if i in seen:
                doubles += 1
            else:
                seen[i] = int(m["Attributes"]["SentTimestamp"]) - due[i] * 1000
            entries.append({"Id": str(len(entries)), "ReceiptHandle": m["ReceiptHandle"]})
        if entries:
            receivers.delete_message_batch(QueueUrl=url, Entries=entries)
    stop.set()
    for t in loaders:
        t.join()
    delays = list(seen.values())
    return {"created/s": args.count / create_s, "p50": percentile(delays, 50),
            "p99": percentile(delays, 99), "max": max(delays) if delays else float("nan"),
            "min": min(delays) if delays else float("nan"),
            "missed": args.count - len(seen), "doubles": doubles}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--load", type=int, default=4)
    p.add_argument("--grace", type=int, default=10, help="seconds to wait after the minute")
    p.add_argument("--moto", action="store_true")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.count, args.load = 100, 1
    print("scheduler_bench: %d one-time schedules due in one minute, %d load threads; %s"
          % (args.count, args.load, machine()))
    names = ["nimbus"] + (["moto"] if args.moto else [])
    results = run_servers({"nimbus": Server, "moto": Moto}, names,
                          lambda name, endpoint: run(endpoint, args))
    print("| | %s |" % " | ".join(results))
    print("|---|" + "---|" * len(results))
    for key, fmt in [("created/s", "%.0f"), ("min", "%d ms"), ("p50", "%d ms"),
                     ("p99", "%d ms"), ("max", "%d ms"), ("missed", "%d"), ("doubles", "%d")]:
        cells = []
        for r in results.values():
            v = r[key]
            cells.append("-" if v != v else fmt % v)
        print("| %s | %s |" % (key, " | ".join(cells)))


if __name__ == "__main__":
    main()
