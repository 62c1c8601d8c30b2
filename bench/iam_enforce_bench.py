"""What IAM enforcement costs: signed SQS SendMessage throughput with
`--iam enforce` (an IAM user whose policy has 10 statements, the last one
allowing the send) against `--iam off`, the same request signed by the same
user, one run; prints both and the cost (target: at most 5%).

Usage: python3 bench/iam_enforce_bench.py [--seconds 10] [--connections 32] [--quick]
"""

import argparse
import datetime
import json
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


def measure(mode, seconds, connections):
    server = Server("--iam", mode).start()
    try:
        script = wrk_script(*bench_send(server.endpoint))
        run_wrk(server.endpoint, script, seconds=min(2, seconds), connections=connections)
        return run_wrk(server.endpoint, script, seconds=seconds, connections=connections)
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--quick", action="store_true", help="1 s per run: a smoke test")
    args = ap.parse_args()
    seconds = 1 if args.quick else args.seconds
    print("sqs SendMessage signed by an IAM user (10-statement policy), keep-alive, wrk 1 "
          "thread, %d connections, %ds per run, %s, %s"
          % (args.connections, seconds, machine(), datetime.date.today()))
    results = {mode: measure(mode, seconds, args.connections) for mode in ("off", "enforce")}
    print("%-10s %12s %10s %10s %8s" % ("--iam", "requests/s", "p50 ms", "p99 ms", "errors"))
    for mode, r in results.items():
        print("%-10s %12.0f %10.3f %10.3f %8d" % (mode, r["rps"], r["p50_ms"] or 0,
                                                   r["p99_ms"] or 0, r["errors"]))
        if r["unexpected"]:
            print("  %s answered: %s" % (mode, r["unexpected"]))
    off, enforce = results["off"]["rps"], results["enforce"]["rps"]
    print("enforce/off throughput: %.3f (cost %.1f%%; target at most 5%%)"
          % (enforce / off, 100.0 * (1 - enforce / off)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
