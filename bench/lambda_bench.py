"""Warm synchronous Invoke of a no-op function through the Lambda API over
keep-alive connections (SigV4-signed, wrk): p50/p99 latency and invokes/s for
a C++ `provided` function (src/runtime/samples/echo_function.cc, built as
runtime_echo_function beside the nimbus binary), Python and Node, plus
GetCallerIdentity on the same server for the ratio (the cost of the function
hop).

Usage: python3 bench/lambda_bench.py [--seconds 5] [--connections 1 16]
"""

import argparse
import datetime
import io
import os
import sys
import zipfile

from common import Server, machine, run_wrk, signed_request, wrk_script

NOOP_PY = "def handler(event, context):\n    return event\n"
NOOP_NODE = "exports.handler = async (event) => event;\n"


def make_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, data)
    return buf.getvalue()


def signed_invoke(endpoint, name, body=b"{}"):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    path = "/2015-03-31/functions/%s/invocations" % name
    req = AWSRequest(method="POST", url=endpoint + path, data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(req)
    return "POST", path, dict(req.prepare().headers), body


def run(endpoint, request, seconds, connections):
    method, path, headers, body = request
    script = wrk_script(method, path, headers, body)
    # wrk_script targets endpoint + "/"; the path inside the script wins.
    run_wrk(endpoint, script, seconds=2, connections=connections)  # warm-up: environments
    return run_wrk(endpoint, script, seconds=seconds, connections=connections)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    args = ap.parse_args()
    print("lambda Invoke (warm, no-op, sync), signed, keep-alive, wrk 1 thread, %ds per run, "
          "%s, %s" % (args.seconds, machine(), datetime.date.today()))
    server = Server().start()
    results = {}
    try:
        lam = server.boto3_client("lambda")
        role = "arn:aws:iam::000000000000:role/bench"
        functions = {
            "python": ("python3.9", "app.handler", make_zip({"app.py": (NOOP_PY, 0o644)})),
            "node": ("nodejs18.x", "index.handler", make_zip({"index.js": (NOOP_NODE, 0o644)})),
        }
        echo = os.path.join(os.path.dirname(os.environ.get("NIMBUS_BIN", "build/nimbus")),
                            "src", "runtime", "runtime_echo_function")
        if os.path.exists(echo):
            with open(echo, "rb") as f:
                functions["provided (C++)"] = ("provided.al2", "none",
                                               make_zip({"bootstrap": (f.read(), 0o755)}))
        else:
            print("runtime_echo_function not built: no C++ function")
        for label, (runtime, handler, code) in functions.items():
            name = "bench-" + runtime.replace(".", "-")
            lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler=handler,
                                Code={"ZipFile": code}, MemorySize=128, Timeout=10)
            req = signed_invoke(server.endpoint, name)
            for c in args.connections:
                results[(label, c)] = run(server.endpoint, req, args.seconds, c)
        sts = signed_request(server.endpoint, "sts", b"Action=GetCallerIdentity&Version=2011-06-15",
                             {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        for c in args.connections:
            results[("GetCallerIdentity", c)] = run(server.endpoint, sts, args.seconds, c)
    finally:
        server.cleanup()

    print("%-18s %6s %12s %10s %10s %8s" % ("target", "conns", "requests/s", "p50 ms", "p99 ms",
                                            "errors"))
    for (label, c), r in results.items():
        print("%-18s %6d %12.0f %10.3f %10.3f %8d" % (label, c, r["rps"], r["p50_ms"] or 0,
                                                      r["p99_ms"] or 0, r["errors"]))
        if r["unexpected"]:
            print("  %s answered: %s" % (label, r["unexpected"]))
    for c in args.connections:
        base = results.get(("GetCallerIdentity", c))
        for label in ("provided (C++)", "python", "node"):
            r = results.get((label, c))
            if base and r and r["rps"]:
                print("ratio GetCallerIdentity/%s throughput at %d connections: %.1fx; "
                      "p50 %.3f vs %.3f ms" % (label, c, base["rps"] / r["rps"], r["p50_ms"] or 0,
                                               base["p50_ms"] or 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
