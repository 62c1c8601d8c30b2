"""Requests/s and p50/p99 latency of a SigV4-signed STS GetCallerIdentity over
keep-alive connections: nimbus against moto_server, one run, ratio printed.

Usage: python3 bench/sts_bench.py [--seconds 10] [--connections 32]
"""

import argparse
import datetime
import sys

from common import Moto, Server, machine, run_wrk, signed_request, wrk_script

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def measure(endpoint, seconds, connections):
    script = wrk_script(*signed_request(endpoint, "sts", BODY, HEADERS))
    run_wrk(endpoint, script, seconds=2, connections=connections)  # warm-up
    return run_wrk(endpoint, script, seconds=seconds, connections=connections)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()

    print("sts GetCallerIdentity, signed, keep-alive, wrk 1 thread %d connections, %ds, %s, %s"
          % (args.connections, args.seconds, machine(), datetime.date.today()))
    nimbus = Server().start()
    try:
        n = measure(nimbus.endpoint, args.seconds, args.connections)
    finally:
        nimbus.cleanup()
    moto = Moto().start()
    m = None
    if moto is None:
        print("moto_server is not installed: nimbus only")
    else:
        try:
            m = measure(moto.endpoint, args.seconds, args.connections)
        finally:
            moto.stop()

    print("%-8s %12s %10s %10s %8s" % ("server", "requests/s", "p50 ms", "p99 ms", "errors"))
    for name, r in (("nimbus", n), ("moto", m)):
        if r:
            print("%-8s %12.0f %10.3f %10.3f %8d" % (name, r["rps"], r["p50_ms"], r["p99_ms"],
                                                    r["errors"]))
    for name, r in (("nimbus", n), ("moto", m)):
        if r and (r["errors"] or r["unexpected"]):
            print("%s answered errors: %s" % (name, r["unexpected"]))
    if m:
        print("ratio nimbus/moto throughput: %.1fx" % (n["rps"] / m["rps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
