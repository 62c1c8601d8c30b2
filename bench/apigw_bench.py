"""API Gateway in front of a hello-world Python function: requests/s and
p50/p99 at 1 and 16 connections (wrk, keep-alive) through an HTTP API
($default stage, payload 2.0), against the same function invoked directly
through Lambda's Invoke API on the same server (the gateway's own cost), and
against serverless-offline (npm, the same handler file) as the peer.

With --rounds N the API and Invoke runs alternate N times at each
connection count (and serverless-offline runs N times): each row is the
median of its runs, so one run's variance on a shared VM (9% between two
5 s runs is common at 16 connections) does not decide the gateway's cost.
The nimbus rows also give the server's CPU per request (every thread, from
/proc schedstat): the gateway's cost in CPU, which the wall-clock p50 at 16
connections only reflects through requests/s.

Last, nginx answering a constant at each connection count (bench/nginx.py):
the machine's limit for answering HTTP, beside the nimbus rows and 10x the
peer's.

Usage: python3 bench/apigw_bench.py [--seconds 5] [--connections 1 16]
       [--rounds 1] [--quick] (1 s per run, 1 connection: a smoke run)
       [--no-http-limit]
"""

import argparse
import datetime
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile

from common import (GATEWAY_UNTHROTTLED, CACHE, NpmPeer, Server, machine, port_open, run_wrk,
                    thread_cpu_ns, wait_until_up, wrk_script)
from nginx import http_limit

HELLO_PY = ("def handler(event, context):\n"
            "    return {'statusCode': 200, 'body': 'hello'}\n")


class ServerlessOffline(NpmPeer):
    """serverless (v3) with serverless-offline, serving HELLO_PY at GET /hello."""

    def __init__(self):
        super().__init__("serverless", "3.38.0")
        self.service_dir = None

    def install(self):
        home = os.path.join(CACHE, "serverless-offline")
        script = os.path.join(home, "node_modules", "serverless", "bin", "serverless.js")
        if not os.path.exists(script):
            os.makedirs(home, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                            "--prefix", home, "serverless@3.38.0", "serverless-offline@13.3.0"],
                           check=True, timeout=900)
        return home

    def start(self):
        if shutil.which("node") is None or shutil.which("npm") is None:
            return None
        home = self.install()
        self.service_dir = tempfile.mkdtemp(prefix="nimbus-bench-sls-")
        with open(os.path.join(self.service_dir, "handler.py"), "w") as f:
            f.write(HELLO_PY)
        with open(os.path.join(self.service_dir, "serverless.yml"), "w") as f:
            f.write("service: bench\nframeworkVersion: '3'\nprovider:\n  name: aws\n"
                    "  runtime: python3.11\nplugins:\n  - serverless-offline\n"
                    "functions:\n  hello:\n    handler: handler.handler\n    events:\n"
                    "      - httpApi:\n          path: /hello\n          method: get\n")
        os.symlink(os.path.join(home, "node_modules"), os.path.join(self.service_dir, "node_modules"))
        # Node 20.19+ hands require() of an ES module its frozen namespace,
        # on which serverless 3 cannot define its plugin name ("Cannot
        # redefine property"): keep require() refusing ES modules, so
        # serverless falls back to import().
        node = ["node"]
        if subprocess.run(["node", "--no-experimental-require-module", "-e", "0"],
                          capture_output=True).returncode == 0:
            node.append("--no-experimental-require-module")
        self.proc = subprocess.Popen(
            node + [os.path.join(home, "node_modules", "serverless", "bin", "serverless.js"),
             "offline", "--httpPort", str(self.port), "--lambdaPort", str(self.port + 1)],
            cwd=self.service_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off"))
        return self._wait()

    def _wait(self):
        wait_until_up("serverless offline", self.proc, lambda: port_open(self.port),
                      timeout=120, step=0.2)
        return self

    def stop(self):
        super().stop()
        if self.service_dir:
            shutil.rmtree(self.service_dir, ignore_errors=True)


def hello_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", HELLO_PY)
    return buf.getvalue()


def signed_invoke(endpoint, name):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    path = "/2015-03-31/functions/%s/invocations" % name
    req = AWSRequest(method="POST", url=endpoint + path, data=b"{}",
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(req)
    return "POST", path, dict(req.prepare().headers), b"{}"


def measure(endpoint, request, seconds, connections, pid=None):
    """One wrk run after a 1 s warm-up; with `pid`, also that process's CPU
    (all threads) per request in microseconds."""
    script = wrk_script(*request)
    run_wrk(endpoint, script, seconds=1, connections=connections)  # warm environments
    cpu0 = thread_cpu_ns(pid)[0] if pid else 0
    r = run_wrk(endpoint, script, seconds=seconds, connections=connections)
    requests = re.search(r"(\d+) requests in", r["raw"])
    if pid and requests and int(requests.group(1)):
        r["cpu_us"] = (thread_cpu_ns(pid)[0] - cpu0) / int(requests.group(1)) / 1e3
    return r


def median_of(runs):
    """One row from several runs of a target: the median of each figure."""
    row = dict(runs[-1])
    for k in ("rps", "p50_ms", "p99_ms", "cpu_us"):
        values = [r[k] for r in runs if r.get(k) is not None]
        row[k] = statistics.median(values) if values else None
    row["errors"] = sum(r["errors"] for r in runs)
    row["runs"] = [r["rps"] for r in runs]
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate the API and Invoke runs this many times; rows are medians")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-http-limit", dest="http_limit", action="store_false",
                    help="skip nginx's requests/s answering a constant (the machine's limit)")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.connections = 1, [1]
    print("API -> Python hello world, keep-alive, wrk 1 thread, %ds per run, %s, %s"
          % (args.seconds, machine(), datetime.date.today()))
    results = {}
    server = Server(*GATEWAY_UNTHROTTLED).start()
    try:
        lam = server.boto3_client("lambda")
        arn = lam.create_function(FunctionName="bench-hello", Runtime="python3.11",
                                  Role="arn:aws:iam::000000000000:role/bench",
                                  Handler="handler.handler", Code={"ZipFile": hello_zip()},
                                  Timeout=10)["FunctionArn"]
        api = server.boto3_client("apigatewayv2").create_api(Name="bench", ProtocolType="HTTP",
                                                            Target=arn)
        via_api = ("GET", "/_aws/execute-api/%s/hello" % api["ApiId"], {}, b"")
        via_invoke = signed_invoke(server.endpoint, "bench-hello")
        for c in args.connections:
            runs = {"nimbus API": [], "nimbus Invoke": []}
            for _ in range(args.rounds):
                for label, request in (("nimbus API", via_api), ("nimbus Invoke", via_invoke)):
                    runs[label].append(measure(server.endpoint, request, args.seconds, c,
                                               server.proc.pid))
            for label, r in runs.items():
                results[(label, c)] = median_of(r)
    finally:
        server.cleanup()
    peer = None
    try:
        peer = ServerlessOffline().start()
        if peer is None:
            print("  serverless-offline: not available (node/npm missing)")
        else:
            for c in args.connections:
                results[("serverless-offline", c)] = median_of(
                    [measure(peer.endpoint, ("GET", "/hello", {}, b""), args.seconds, c)
                     for _ in range(args.rounds)])
    except (RuntimeError, subprocess.SubprocessError) as e:
        print("  serverless-offline: could not run (%s)" % e)
    finally:
        if peer:
            peer.stop()

    print("%-20s %6s %12s %10s %10s %8s %14s" % ("target", "conns", "requests/s", "p50 ms",
                                                 "p99 ms", "errors", "server CPU us"))
    for (label, c), r in results.items():
        cpu = "%14.1f" % r["cpu_us"] if r.get("cpu_us") is not None else "%14s" % "-"
        print("%-20s %6d %12.0f %10.3f %10.3f %8d %s" % (label, c, r["rps"], r["p50_ms"] or 0,
                                                         r["p99_ms"] or 0, r["errors"], cpu))
        if len(r.get("runs", [])) > 1:
            print("  runs (requests/s): %s" % ", ".join("%.0f" % x for x in r["runs"]))
        if r["unexpected"]:
            print("  %s answered: %s" % (label, r["unexpected"]))
    for c in args.connections:
        api_r, inv, sls = (results.get((k, c)) for k in
                           ("nimbus API", "nimbus Invoke", "serverless-offline"))
        if api_r and inv:
            print("gateway cost at %d connections: p50 %+.3f ms over the direct invoke "
                  "(target <= +0.050)" % (c, (api_r["p50_ms"] or 0) - (inv["p50_ms"] or 0)))
        if api_r and sls and sls["rps"]:
            print("nimbus API / serverless-offline at %d connections: %.1fx requests/s "
                  "(target >= 10x)" % (c, api_r["rps"] / sls["rps"]))
    if args.http_limit:
        print_http_limit(results, args)
    return 0


def print_http_limit(results, args):
    """nginx answering a constant at each connection count: what any server
    could answer on this machine, beside the nimbus rows and 10x the peer."""
    limit = http_limit(args.connections, args.seconds)
    if limit is None:
        print("the machine's HTTP limit: nginx not available")
        return
    for c in args.connections:
        rps = limit[c]["rps"]
        line = ("the machine's HTTP limit at %d connections (nginx returning a constant): "
                "%.0f req/s (p50 %.3f ms)" % (c, rps, limit[c]["p50_ms"] or 0))
        api_r, sls = results.get(("nimbus API", c)), results.get(("serverless-offline", c))
        if api_r and rps:
            line += "; nimbus API at %.0f%% of it" % (100.0 * api_r["rps"] / rps)
        if sls and rps:
            line += "; 10x serverless-offline would be %.0f%%" % (1000.0 * sls["rps"] / rps)
        print(line)


if __name__ == "__main__":
    sys.exit(main())
