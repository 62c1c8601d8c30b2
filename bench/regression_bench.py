"""Two nimbus builds side by side in one run: signed STS GetCallerIdentity
(wrk), SQS send -> receive -> delete (sqs_loadgen) and a warm synchronous
Invoke of a no-op Python function (wrk). Runs alternate between the builds
(A B A B ...) so that drift in the machine's load hits both; the best of the
rounds is kept for each. Prints each figure and the ratio current/baseline.

Usage: python3 bench/regression_bench.py --baseline OLD/nimbus [--current build/nimbus]
         [--rounds 2] [--seconds 5]
"""

import argparse
import datetime
import os
import sys

from common import ROOT, Server, machine, run_wrk, signed_request, wrk_script
from lambda_bench import NOOP_PY, make_zip, signed_invoke
from sqs_bench import loadgen

STS_BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
STS_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def wrk(endpoint, request, seconds, connections):
    script = wrk_script(*request)
    run_wrk(endpoint, script, seconds=1, connections=connections)  # warm-up
    return run_wrk(endpoint, script, seconds=seconds, connections=connections)


def measure(binary, seconds, tag):
    """The three figures for one build: {name: (value, unit)}."""
    os.environ["NIMBUS_BIN"] = binary
    server = Server().start()
    try:
        out = {}
        sts = signed_request(server.endpoint, "sts", STS_BODY, STS_HEADERS)
        r = wrk(server.endpoint, sts, seconds, 32)
        out["sts GetCallerIdentity, 32 conns"] = r["rps"]
        r = loadgen(server.endpoint, server.proc.pid, "e2e", 4, seconds, 10, 1, "regr-" + tag)
        out["sqs send/receive/delete, 4 threads, batch 10"] = r["messages_per_s"]
        lam = server.boto3_client("lambda")
        lam.create_function(FunctionName="regr", Runtime="python3.11", Handler="app.handler",
                            Role="arn:aws:iam::000000000000:role/bench", MemorySize=128,
                            Code={"ZipFile": make_zip({"app.py": (NOOP_PY, 0o644)})})
        lam.get_waiter("function_active_v2").wait(FunctionName="regr")
        r = wrk(server.endpoint, signed_invoke(server.endpoint, "regr"), seconds, 16)
        out["lambda warm Invoke (python), 16 conns"] = r["rps"]
        return out
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", required=True, help="the previous build's nimbus binary")
    ap.add_argument("--current", default=os.path.join(ROOT, "build", "nimbus"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    # The SQS load generator is the current build's (the client, not the server).
    os.environ.setdefault("SQS_LOADGEN", os.path.join(os.path.dirname(args.current), "bench",
                                                      "sqs_loadgen"))
    print("regression: %s vs %s, %d rounds of %ds, %s, %s, load average %.2f"
          % (args.current, args.baseline, args.rounds, args.seconds, machine(),
             datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), os.getloadavg()[0]))
    best = {"baseline": {}, "current": {}}
    for i in range(args.rounds):
        for name, binary in (("baseline", args.baseline), ("current", args.current)):
            for k, v in measure(os.path.abspath(binary), args.seconds, "%s%d" % (name, i)).items():
                best[name][k] = max(v, best[name].get(k, 0))
                print("  round %d %-8s %-46s %10.0f /s" % (i + 1, name, k, v), flush=True)
    print("%-46s %12s %12s %7s" % ("figure (best of rounds)", "baseline/s", "current/s", "ratio"))
    for k, base in best["baseline"].items():
        cur = best["current"][k]
        print("%-46s %12.0f %12.0f %6.2fx" % (k, base, cur, cur / base if base else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
