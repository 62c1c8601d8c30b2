"""Requests/s and p50/p99 latency of a SigV4-signed STS GetCallerIdentity over
keep-alive connections: nimbus against moto_server, one run, ratio printed.

Usage: python3 bench/sts_bench.py [--seconds 10] [--connections 4 32]
"""

import argparse
import sys

from common import against_moto, load_line, run_wrk, signed_request, wrk_script

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def measure(endpoint, seconds, connections):
    script = wrk_script(*signed_request(endpoint, "sts", BODY, HEADERS))
    run_wrk(endpoint, script, seconds=2, connections=connections)  # warm-up
    return run_wrk(endpoint, script, seconds=seconds, connections=connections)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, nargs="+", default=[4, 32],
                    help="one run per value: few connections show latency, many throughput")
    args = ap.parse_args()

    print("sts GetCallerIdentity, signed, keep-alive, wrk 1 thread, %ds per run, %s"
          % (args.seconds, load_line()))
    per_server = against_moto(lambda name, server: {
        c: measure(server.endpoint, args.seconds, c) for c in args.connections})
    results = {(name, c): r for name, runs in per_server.items() for c, r in runs.items()}

    print("%-8s %6s %12s %10s %10s %8s" % ("server", "conns", "requests/s", "p50 ms", "p99 ms",
                                           "errors"))
    for (name, c), r in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0] != "nimbus")):
        print("%-8s %6d %12.0f %10.3f %10.3f %8d" % (name, c, r["rps"], r["p50_ms"], r["p99_ms"],
                                                     r["errors"]))
        if r["unexpected"]:
            print("  %s answered: %s" % (name, r["unexpected"]))
    for c in args.connections:
        if ("moto", c) in results:
            print("ratio nimbus/moto throughput at %d connections: %.1fx"
                  % (c, results[("nimbus", c)]["rps"] / results[("moto", c)]["rps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
