"""What IAM enforcement costs: signed SQS SendMessage throughput with
`--iam enforce` (an IAM user whose policy has 10 statements, the last one
allowing the send) against `--iam off`, the same request signed by the same
user; both servers up at once and their runs alternating, several rounds;
prints each round, the medians and the cost (target: at most 5%).

Usage: python3 bench/iam_enforce_bench.py [--seconds 5] [--rounds 6] [--connections 32]
           [--quick]
"""

import argparse
import datetime
import json
import statistics
import sys
import urllib.parse

from common import Server, client, machine, run_wrk, wrk_script

HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def policy(queue_arn):
    # Nine statements that do not match SendMessage, then the one that does.
    others = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
              "sqs:ChangeMessageVisibility", "sqs:ListQueues", "dynamodb:GetItem",
              "dynamodb:PutItem", "lambda:InvokeFunction", "sns:Publish"]
    statements = [{"Sid": "s%d" % i, "Effect": "Allow", "Action": a,
                   "Resource": "arn:aws:sqs:us-east-1:000000000000:other-%d" % i}
                  for i, a in enumerate(others)]
    statements.append({"Sid": "send", "Effect": "Allow", "Action": "sqs:SendMessage",
                       "Resource": queue_arn})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def signed_send(endpoint, key, secret, url):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = urllib.parse.urlencode({"Action": "SendMessage", "Version": "2012-11-05",
                                   "QueueUrl": url, "MessageBody": "x" * 100}).encode()
    req = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=dict(HEADERS))
    SigV4Auth(Credentials(key, secret), "sqs", "us-east-1").add_auth(req)
    return "POST", "/", dict(req.prepare().headers), body


def bench_send(endpoint):
    """A queue, the user "bench" with the ten-statement policy and a key of
    its own, and SendMessage to that queue signed by that key."""
    iam = client("iam", endpoint)
    iam.create_user(UserName="bench")
    sqs = client("sqs", endpoint)
    url = sqs.create_queue(QueueName="bench")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    iam.put_user_policy(UserName="bench", PolicyName="ten", PolicyDocument=policy(arn))
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return signed_send(endpoint, key["AccessKeyId"], key["SecretAccessKey"], url)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5, help="per run")
    ap.add_argument("--rounds", type=int, default=6,
                    help="runs of each mode, alternating, both servers up throughout")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--quick", action="store_true", help="1 s, 2 rounds: a smoke test")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.rounds = 1, 2
    print("sqs SendMessage signed by an IAM user (10-statement policy), keep-alive, wrk 1 "
          "thread, %d connections, %d rounds of %ds per mode, %s, %s"
          % (args.connections, args.rounds, args.seconds, machine(), datetime.date.today()))
    # Both servers stay up and the runs alternate (off, enforce, then
    # enforce, off, ...), so a change in the machine's load while the bench
    # runs falls on both modes alike; the figure is the median of each
    # round's ratio.
    modes = ("off", "enforce")
    servers = {}
    try:
        scripts = {}
        for mode in modes:
            servers[mode] = Server("--iam", mode).start()
            scripts[mode] = wrk_script(*bench_send(servers[mode].endpoint))
            run_wrk(servers[mode].endpoint, scripts[mode], seconds=1,
                    connections=args.connections)  # warm-up
        runs = {mode: [] for mode in modes}
        ratios = []
        for r in range(args.rounds):
            for mode in (modes if r % 2 == 0 else modes[::-1]):
                runs[mode].append(run_wrk(servers[mode].endpoint, scripts[mode],
                                          seconds=args.seconds, connections=args.connections))
            off, enforce = runs["off"][-1]["rps"], runs["enforce"][-1]["rps"]
            ratios.append(enforce / off)
            print("round %d: off %8.0f req/s  enforce %8.0f req/s  enforce/off %.3f"
                  % (r + 1, off, enforce, ratios[-1]), flush=True)
    finally:
        for server in servers.values():
            server.cleanup()
    print("%-10s %14s %10s %10s %8s" % ("--iam", "median req/s", "p50 ms", "p99 ms", "errors"))
    for mode in modes:
        rps = statistics.median(r["rps"] for r in runs[mode])
        p50 = statistics.median(r["p50_ms"] or 0 for r in runs[mode])
        p99 = statistics.median(r["p99_ms"] or 0 for r in runs[mode])
        errors = sum(r["errors"] for r in runs[mode])
        print("%-10s %14.0f %10.3f %10.3f %8d" % (mode, rps, p50, p99, errors))
        for r in runs[mode]:
            if r["unexpected"]:
                print("  %s answered: %s" % (mode, r["unexpected"]))
                break
    ratio = statistics.median(ratios)
    print("enforce/off throughput, median of %d rounds: %.3f (cost %.1f%%; target at most 5%%); "
          "rounds ranged %.3f-%.3f" % (len(ratios), ratio, 100.0 * (1 - ratio), min(ratios),
                                       max(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
