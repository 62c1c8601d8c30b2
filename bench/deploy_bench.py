"""Deploy times (issue 14's figures), p50 of --runs runs on one server:

(a) `aws cloudformation deploy` of a small SAM stack (a Python function with
    inline code, a DynamoDB table, an SQS queue and an HttpApi in front of the
    function) from the command's start to its exit at CREATE_COMPLETE, each
    run a new stack; also the same template through `nimbus deploy`.
(b) a code-only update through `nimbus deploy --watch`: the handler file
    saved → the new code answering Invoke (polled without pause), and the
    watcher's own "Updated code ... in N ms" (save noticed → UpdateFunctionCode
    answered, 100 ms of quiet included).

Usage: python3 bench/deploy_bench.py [--runs 5]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import Server, machine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "e2e"))
from harness import nimbus_binary  # noqa: E402

STACK = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "ok"}
      Environment: {Variables: {TABLE: !Ref Table, QUEUE: !Ref Queue}}
      Events:
        Api:
          Type: HttpApi
          Properties: {Path: /, Method: GET}
Outputs:
  Fn: {Value: !Ref Fn}
"""

WATCHED = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/, Handler: app.handler, Runtime: python3.11}
Outputs:
  Fn: {Value: !Ref Fn}
"""

HANDLER = "def handler(event, context):\n    return %d\n"


def p50(xs):
    return statistics.median(xs) if xs else float("nan")


def aws_deploy(server, path, stack):
    aws = shutil.which("aws")
    start = time.perf_counter()
    p = subprocess.run([aws, "--endpoint-url", server.endpoint, "cloudformation", "deploy",
                        "--template-file", path, "--stack-name", stack,
                        "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
                       env=server.client_env(), capture_output=True)
    took = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError("aws cloudformation deploy failed: " + p.stderr.decode())
    return took


def aws_floor(server):
    """One trivial AWS CLI call: the CLI's own start-up, part of (a)."""
    start = time.perf_counter()
    subprocess.run([shutil.which("aws"), "--endpoint-url", server.endpoint, "sts",
                    "get-caller-identity"], env=server.client_env(), capture_output=True,
                   check=True)
    return time.perf_counter() - start


def nimbus_deploy(server, path, stack):
    start = time.perf_counter()
    p = subprocess.run([nimbus_binary(), "deploy", path, "--stack-name", stack,
                        "--endpoint-url", server.endpoint],
                       env=server.client_env(), capture_output=True)
    took = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError("nimbus deploy failed: " + p.stdout.decode() + p.stderr.decode())
    return took


def watch_updates(server, work, runs):
    import boto3
    from botocore.config import Config
    lam = boto3.client("lambda", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    app = os.path.join(work, "watched")
    os.makedirs(os.path.join(app, "fn"))
    with open(os.path.join(app, "template.yaml"), "w") as f:
        f.write(WATCHED)
    handler = os.path.join(app, "fn", "app.py")
    with open(handler, "w") as f:
        f.write(HANDLER % 0)
    proc = subprocess.Popen([nimbus_binary(), "deploy", os.path.join(app, "template.yaml"),
                             "--stack-name", "watched", "--watch",
                             "--endpoint-url", server.endpoint],
                            env=server.client_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    answered, reported = [], []
    try:
        out = ""
        while "Watching" not in out:
            line = proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("nimbus deploy --watch ended: " + out)
            out += line
        name = re.search(r"Fn: (\S+)", out).group(1)
        for n in range(1, runs + 1):
            with open(handler, "w") as f:
                f.write(HANDLER % n)
            saved = time.perf_counter()
            while True:
                r = lam.invoke(FunctionName=name, Payload=b"{}")
                if json.loads(r["Payload"].read()) == n:
                    break
                if time.perf_counter() - saved > 30:
                    raise RuntimeError("the new code never answered")
            answered.append(time.perf_counter() - saved)
            line = proc.stdout.readline().decode()
            m = re.search(r"in (\d+) ms", line)
            if m:
                reported.append(int(m.group(1)) / 1000)
            time.sleep(0.3)  # apart from the next save
    finally:
        proc.terminate()
        proc.wait(10)
    return answered, reported


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if shutil.which("aws") is None:
        sys.exit("the AWS CLI is needed")
    work = tempfile.mkdtemp(prefix="nimbus-deploy-bench-")
    server = Server().start()
    try:
        path = os.path.join(work, "stack.yaml")
        with open(path, "w") as f:
            f.write(STACK)
        full = [aws_deploy(server, path, "bench-aws-%d" % i) for i in range(args.runs)]
        floor = [aws_floor(server) for _ in range(args.runs)]
        ours = [nimbus_deploy(server, path, "bench-nimbus-%d" % i) for i in range(args.runs)]
        answered, reported = watch_updates(server, work, args.runs)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    print("deploy bench, %s, %s, load %.1f, %d runs" % (
        datetime.datetime.now().isoformat(timespec="minutes"), machine(), os.getloadavg()[0],
        args.runs))
    print("| what | p50 | min | max |")
    print("|---|---|---|---|")
    for label, xs in [("aws cloudformation deploy, function + table + queue + HttpApi", full),
                      ("aws sts get-caller-identity (the CLI's start-up alone)", floor),
                      ("nimbus deploy, the same template", ours),
                      ("--watch: handler saved → new code answering", answered),
                      ("--watch: its own report (save noticed → code updated)", reported)]:
        print("| %s | %.0f ms | %.0f ms | %.0f ms |" % (label, p50(xs) * 1000, min(xs) * 1000,
                                                       max(xs) * 1000))


if __name__ == "__main__":
    main()
