"""Step Functions Express: StartSyncExecution of a 10-state machine (Pass,
Choice, intrinsic functions, no Tasks), nimbus against moto_server running
the same definition, side by side in one run, ratio printed.

Per server: `threads` boto3 clients call StartSyncExecution for `seconds`;
executions/s, and p50/p99 of the call as the client sees it. boto3 spends
more CPU per call than the server on the shared two cores, so each server
is also loaded with wrk (`connections` keep-alive connections replaying one
signed StartSyncExecution): the figure the issue's target is about.

Usage: python3 bench/sfn_bench.py [--seconds 10] [--threads 8] [--connections 16]
       [--no-moto] [--quick]   (--quick: 2 s, 2 threads: a smoke run)
"""

import argparse
import json
import sys
import threading
import time

from common import against_moto, load_line, percentile, ratio, run_wrk, signed_request, wrk_script

ROLE = "arn:aws:iam::123456789012:role/bench"

# Ten states: Pass states with intrinsic functions, a Choice, a Succeed.
DEFINITION = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "bench"}, "Next": "Add"},
        "Add": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "tag.$": "$.tag"},
                "Next": "Format"},
        "Format": {"Type": "Pass", "Parameters": {"n.$": "$.n",
                                                  "label.$": "States.Format('item {}', $.n)"},
                   "Next": "Array"},
        "Array": {"Type": "Pass", "Parameters": {"n.$": "$.n", "label.$": "$.label",
                                                 "list.$": "States.Array($.n, 2, 3)"},
                  "Next": "Length"},
        "Length": {"Type": "Pass", "Parameters": {"n.$": "$.n", "len.$": "States.ArrayLength($.list)"},
                   "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 100, "Next": "Big"}], "Default": "Small"},
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "Next": "Hash"},
        "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "Next": "Hash"},
        "Hash": {"Type": "Pass", "Parameters": {"size.$": "$.size",
                                                "json.$": "States.JsonToString($)"},
                 "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def client(service, endpoint, max_pool_connections=10):
    """A boto3 client that does not put StartSyncExecution's "sync-" host
    prefix in front of a local endpoint."""
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(max_pool_connections=max_pool_connections,
                                      retries={"max_attempts": 0}, inject_host_prefix=False))


def measure(name, server, args):
    endpoint = server.endpoint
    sfn = client("stepfunctions", endpoint)
    arn = sfn.create_state_machine(name="bench", definition=json.dumps(DEFINITION), roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    try:
        first = sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')
    except Exception as e:  # noqa: BLE001 - a peer that does not serve it is reported
        print("%-7s StartSyncExecution failed: %s" % (name, str(e).splitlines()[0]), flush=True)
        return None
    if first.get("status") != "SUCCEEDED":
        print("%-7s the machine did not succeed: %s" % (name, first), flush=True)
    counts = [0] * args.threads
    errors = [0] * args.threads
    samples = [[] for _ in range(args.threads)]
    deadline = time.time() + args.seconds

    def worker(n):
        c = client("stepfunctions", endpoint, 2)
        while time.time() < deadline:
            t0 = time.time()
            try:
                out = c.start_sync_execution(stateMachineArn=arn, input='{"n": %d}' % n)
                if out["status"] == "SUCCEEDED":
                    counts[n] += 1
                    samples[n].append((time.time() - t0) * 1000)
                else:
                    errors[n] += 1
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[n] += 1

    start = time.time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - start
    all_ms = [s for per in samples for s in per]
    r = {"exec_s": sum(counts) / took, "p50_ms": percentile(all_ms, 50),
         "p99_ms": percentile(all_ms, 99),
         "done": sum(counts), "errors": sum(errors)}
    print("%-7s boto3 executions/s %8.1f  p50 %7.2f ms  p99 %7.2f ms  (%d executions, %d errors)"
          % (name, r["exec_s"], r["p50_ms"], r["p99_ms"], r["done"], r["errors"]), flush=True)
    body = json.dumps({"stateMachineArn": arn, "input": '{"n": 1}'}).encode()
    script = wrk_script(*signed_request(
        endpoint, "states", body,
        {"Content-Type": "application/x-amz-json-1.0",
         "X-Amz-Target": "AWSStepFunctions.StartSyncExecution"}))
    run_wrk(endpoint, script, seconds=1, connections=args.connections)  # warm-up
    w = run_wrk(endpoint, script, seconds=args.seconds, connections=args.connections)
    print("%-7s wrk   executions/s %8.1f  p50 %7.2f ms  p99 %7.2f ms  (%d connections, %d errors)"
          % (name, w["rps"], w["p50_ms"], w["p99_ms"], args.connections, w["errors"]), flush=True)
    r["wrk"] = w
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 2 s, 2 threads")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.threads = 2, 2
    print("stepfunctions StartSyncExecution, 10-state Express machine, boto3, %d threads x %ds, %s"
          % (args.threads, args.seconds, load_line()), flush=True)
    results = against_moto(lambda name, server: measure(name, server, args), (), not args.no_moto)
    if results.get("moto") and results.get("nimbus"):
        n, m = results["nimbus"], results["moto"]
        print("ratio nimbus/moto: executions/s %.1fx, p50 %.2fx faster "
              "(targets: >= 5000 executions/s; p50 < 1 ms)"
              % (ratio(n["exec_s"], m["exec_s"]), ratio(m["p50_ms"], n["p50_ms"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
