"""API Gateway's two limit figures (issue 11):

(a) A REST API's MOCK integration answering a constant, requests/s with wrk
    (keep-alive, 1 thread) against bare nginx answering a constant on the same
    machine (`return 200`), in one run: the limit for answering HTTP here.
    Target: nimbus >= 40% of nginx. nginx is installed with apt-get
    (nginx-light, else nginx) when it is missing, and runs on an ephemeral
    port with its own configuration in a temporary folder.
(b) Usage-plan enforcement accuracy: a key in a plan of rate 100/s, burst 50;
    requests sent at 4x the rate for 10 s, paced on one keep-alive connection
    per sender; the 200s counted against what the token bucket allows over
    the time they were sent (burst + rate x duration). Target: within 5%.

Usage: python3 bench/apigw_limits_bench.py [--seconds 5] [--connections 1 16]
       [--rate 100] [--burst 50] [--factor 4] [--duration 10] [--quick]
"""

import argparse
import http.client
import os
import sys
import threading
import time

from common import GATEWAY_UNTHROTTLED, Server, load_line, run_wrk, wrk_script
from nginx import CONSTANT_BODY as MOCK_BODY, Nginx, nginx_binary

def mock_api(server, api_key_required=False):
    """A REST API whose GET /hello is a MOCK answering MOCK_BODY, deployed
    to `prod`; returns (api id, path of /hello on the server)."""
    rest = server.boto3_client("apigateway")
    api = rest.create_rest_api(name="bench-mock")["id"]
    root = [r["id"] for r in rest.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]
    res = rest.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    common = dict(restApiId=api, resourceId=res, httpMethod="GET")
    rest.put_method(authorizationType="NONE", apiKeyRequired=api_key_required, **common)
    rest.put_integration(type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'},
                         **common)
    rest.put_method_response(statusCode="200", **common)
    rest.put_integration_response(statusCode="200",
                                  responseTemplates={"application/json": MOCK_BODY}, **common)
    rest.create_deployment(restApiId=api, stageName="prod")
    return api, "/_aws/execute-api/%s/prod/hello" % api


def measure(endpoint, path, seconds, connections):
    script = wrk_script("GET", path, {}, b"")
    run_wrk(endpoint, script, seconds=1, connections=connections)  # warm up
    return run_wrk(endpoint, script, seconds=seconds, connections=connections)


def mock_against_nginx(args):
    print("(a) MOCK integration vs nginx returning a constant, wrk 1 thread, keep-alive, "
          "%ds per run" % args.seconds)
    binary = nginx_binary()
    results = {}
    server = Server(*GATEWAY_UNTHROTTLED).start()
    try:
        _, path = mock_api(server)
        for c in args.connections:
            results[("nimbus MOCK", c)] = measure(server.endpoint, path, args.seconds, c)
    finally:
        server.cleanup()
    if binary is None:
        print("  nginx: not available (not installed and apt-get could not install it)")
    else:
        nginx = Nginx(binary, os.cpu_count() or 1).start()
        try:
            for c in args.connections:
                results[("nginx", c)] = measure(nginx.endpoint, "/", args.seconds, c)
        finally:
            nginx.stop()
    print("  %-12s %6s %12s %10s %10s %8s" % ("target", "conns", "requests/s", "p50 ms",
                                              "p99 ms", "errors"))
    for (label, c), r in results.items():
        print("  %-12s %6d %12.0f %10.3f %10.3f %8d" % (label, c, r["rps"], r["p50_ms"] or 0,
                                                        r["p99_ms"] or 0, r["errors"]))
        if r["unexpected"]:
            print("    %s answered: %s" % (label, r["unexpected"]))
    for c in args.connections:
        mine, theirs = results.get(("nimbus MOCK", c)), results.get(("nginx", c))
        if mine and theirs and theirs["rps"]:
            print("  nimbus MOCK / nginx at %d connections: %.0f%% of nginx's requests/s "
                  "(target >= 40%%)" % (c, 100.0 * mine["rps"] / theirs["rps"]))


def paced_sender(port, path, key, rate, seconds, start, out):
    """Sends GET `path` at `rate`/s from `start` for `seconds` on one
    keep-alive connection; appends (sent at, status) to `out`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        at = time.monotonic()
        conn.request("GET", path, headers={"x-api-key": key})
        resp = conn.getresponse()
        resp.read()
        out.append((at, resp.status))


def usage_plan_accuracy(args):
    print("(b) usage plan rate %g/s burst %d, requests at %gx the rate for %ds"
          % (args.rate, args.burst, args.factor, args.duration))
    server = Server(*GATEWAY_UNTHROTTLED).start()
    try:
        api, path = mock_api(server, api_key_required=True)
        rest = server.boto3_client("apigateway")
        key = rest.create_api_key(name="bench", enabled=True,
                                  value="benchbenchbenchbenchbench0001")
        plan = rest.create_usage_plan(name="bench", throttle={"rateLimit": args.rate,
                                                              "burstLimit": args.burst},
                                      apiStages=[{"apiId": api, "stage": "prod"}])
        rest.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        port = int(server.endpoint.rsplit(":", 1)[1])
        # Several senders, each at its share of the rate, their sends interleaved.
        senders = 4
        share = args.rate * args.factor / senders
        start = time.monotonic() + 0.2
        outs = [[] for _ in range(senders)]
        threads = [threading.Thread(target=paced_sender,
                                    args=(port, path, key["value"], share, args.duration,
                                          start + i / (share * senders), outs[i]))
                   for i in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.cleanup()
    sent = sorted(x for out in outs for x in out)
    ok = sum(1 for _, s in sent if s == 200)
    throttled = sum(1 for _, s in sent if s == 429)
    other = len(sent) - ok - throttled
    span = sent[-1][0] - sent[0][0]
    allowed = min(len(sent), args.burst + args.rate * span)
    print("  sent %d in %.2f s (%.0f/s), 200: %d, 429: %d, other: %d"
          % (len(sent), span, len(sent) / span if span else 0, ok, throttled, other))
    print("  the token bucket allows %.0f (burst %d + %g/s x %.2f s): 200s are %+.2f%% of it "
          "(target within 5%%)" % (allowed, args.burst, args.rate, span,
                                   100.0 * (ok - allowed) / allowed))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--burst", type=int, default=50)
    ap.add_argument("--factor", type=float, default=4)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.connections, args.duration = 1, [16], 2
    print("API Gateway limits, %s" % load_line())
    mock_against_nginx(args)
    usage_plan_accuracy(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
