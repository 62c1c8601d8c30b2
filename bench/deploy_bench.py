"""Deploy times (issue 14's figures), p50 of --runs runs on one server:

(a) `aws cloudformation deploy` of a small SAM stack (a Python function with
    inline code, a DynamoDB table, an SQS queue and an HttpApi in front of the
    function) from the command's start to its exit at CREATE_COMPLETE, each
    run a new stack; also the same template through `nimbus deploy`.
(b) a code-only update through `nimbus deploy --watch`: the handler file
    saved → the new code answering Invoke (polled without pause), and the
    watcher's own "Updated code ... in N ms" (save noticed → UpdateFunctionCode
    answered, 100 ms of quiet included).

With --webapp, the same two figures for examples/webapp itself (the stack
the issue names): `aws cloudformation package` once, then `aws cloudformation
deploy` of the packaged template to a new stack each run; and `nimbus deploy
--watch` of a copy of it, its Python items function saved with a new answer
for a {"bench": ...} event → that answer from Invoke. The Node.js worker's
SDK clients are copied from tests/js/node_modules (run `npm ci` there), as the
example's e2e test does, so no npm install runs.

Usage: python3 bench/deploy_bench.py [--runs 5] [--webapp]
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
from harness import ROOT, nimbus_binary  # noqa: E402

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


WEBAPP = os.path.join(ROOT, "examples", "webapp")
# Appended to the webapp's items handler: a {"bench": ...} event answers N.
BENCH_HOOK = """

_bench_handler = handler


def handler(event, context):
    if "bench" in event:
        return %d
    return _bench_handler(event, context)
"""


def p50(xs):
    return statistics.median(xs) if xs else float("nan")


def aws_deploy(server, path, stack, extra=()):
    aws = shutil.which("aws")
    start = time.perf_counter()
    p = subprocess.run([aws, "--endpoint-url", server.endpoint, "cloudformation", "deploy",
                        "--template-file", path, "--stack-name", stack,
                        "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"] +
                       list(extra),
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
    app = os.path.join(work, "watched")
    os.makedirs(os.path.join(app, "fn"))
    with open(os.path.join(app, "template.yaml"), "w") as f:
        f.write(WATCHED)
    return watch_loop(server, os.path.join(app, "template.yaml"), "watched",
                      os.path.join(app, "fn", "app.py"), lambda n: HANDLER % n, "Fn", [], runs)


def watch_loop(server, template, stack, handler, code, logical_id, extra, runs):
    """`nimbus deploy --watch` of `template`; `runs` times `handler` saved as
    code(n) and Invoke ({"bench": n}) polled until it answers n."""
    import boto3
    from botocore.config import Config
    lam = boto3.client("lambda", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    with open(handler, "w") as f:
        f.write(code(0))
    proc = subprocess.Popen([nimbus_binary(), "deploy", template, "--stack-name", stack,
                             "--watch", "--endpoint-url", server.endpoint] + list(extra),
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
        name = cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)[
            "StackResourceDetail"]["PhysicalResourceId"]
        for n in range(1, runs + 1):
            with open(handler, "w") as f:
                f.write(code(n))
            saved = time.perf_counter()
            while True:
                r = lam.invoke(FunctionName=name, Payload=json.dumps({"bench": n}).encode())
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


def webapp(server, work, runs):
    """examples/webapp: `aws cloudformation deploy` of it packaged, new
    stacks; then the --watch loop on its items function."""
    from test_webapp_example import vendor_node_modules
    app = os.path.join(work, "webapp")
    shutil.copytree(WEBAPP, app)
    if not vendor_node_modules(os.path.join(app, "functions", "worker")):
        sys.exit("tests/js/node_modules is needed (npm ci in tests/js)")
    aws = [shutil.which("aws"), "--endpoint-url", server.endpoint]
    subprocess.run(aws + ["s3", "mb", "s3://bench-webapp-artifacts"], env=server.client_env(),
                   capture_output=True, check=True)
    packaged = os.path.join(work, "webapp-packaged.yaml")
    subprocess.run(aws + ["cloudformation", "package", "--template-file",
                          os.path.join(app, "template.yaml"), "--s3-bucket",
                          "bench-webapp-artifacts", "--output-template-file", packaged],
                   env=server.client_env(), capture_output=True, check=True)
    token = ["--parameter-overrides", "ApiToken=bench-token"]
    full = [aws_deploy(server, packaged, "bench-webapp-%d" % i, token) for i in range(runs)]
    handler = os.path.join(app, "functions", "items", "app.py")
    with open(handler) as f:
        original = f.read()
    answered, reported = watch_loop(server, os.path.join(app, "template.yaml"), "webapp-watched",
                                    handler, lambda n: original + BENCH_HOOK % n,
                                    "ItemsFunction", token, runs)
    return full, answered, reported


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--webapp", action="store_true",
                    help="measure examples/webapp instead of the small stack")
    args = ap.parse_args()
    if shutil.which("aws") is None:
        sys.exit("the AWS CLI is needed")
    if args.webapp:
        work = tempfile.mkdtemp(prefix="nimbus-deploy-bench-")
        server = Server().start()
        try:
            full, answered, reported = webapp(server, work, args.runs)
        finally:
            server.cleanup()
            shutil.rmtree(work, ignore_errors=True)
        print("deploy bench (examples/webapp), %s, %s, load %.1f, %d runs" % (
            datetime.datetime.now().isoformat(timespec="minutes"), machine(),
            os.getloadavg()[0], args.runs))
        print("| what | p50 | min | max |")
        print("|---|---|---|---|")
        for label, xs in [("aws cloudformation deploy of examples/webapp (packaged)", full),
                          ("--watch: items handler saved → new code answering", answered),
                          ("--watch: its own report (save noticed → code updated)", reported)]:
            print("| %s | %.0f ms | %.0f ms | %.0f ms |" % (label, p50(xs) * 1000,
                                                           min(xs) * 1000, max(xs) * 1000))
        return
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
