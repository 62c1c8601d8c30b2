"""Instructions per request of a REST API's MOCK integration (GET answering
a constant, apigw_limits_bench.py's API): nimbus under valgrind's
callgrind, a fixed number of keep-alive requests on one connection, the
server's instructions (every thread) divided by the requests. What a change
to the gateway's data plane costs (the account-level throttle, ...),
repeatable on a shared machine. --top N prints the N functions with the
most inclusive instructions per request.

valgrind 3.19 cannot read clang's debug information: point NIMBUS_BIN at a
copy made with `strip --strip-debug` (bench/README.md).

Usage: python3 bench/apigw_instr.py [--requests 2000] [--warmup 300] [--top 30]
       [--server-args ...]
"""

import argparse
import json
import shutil
import sys
import tempfile
import time

from apigw_limits_bench import mock_api
from common import client, machine
from dynamodb_instr import Traced, counted, print_top, send_all


class Boto3Server:
    """What mock_api() needs of a server: a boto3 client at its endpoint."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def boto3_client(self, service):
        return client(service, self.endpoint)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--server-args", nargs="*", default=[])
    args = ap.parse_args()

    out_dir = tempfile.mkdtemp(prefix="nimbus-apigw-instr-")
    print("apigateway MOCK instructions per request (callgrind, %d requests, one keep-alive "
          "connection, server args %s), %s" % (args.requests, args.server_args, machine()),
          flush=True)
    # The default account throttle (10,000/s, burst 5,000) never refuses
    # these requests, and older builds take no option to lift it.
    server = Traced(out_dir, args.server_args)
    try:
        deadline = time.time() + 120
        while True:
            try:
                _, path = mock_api(Boto3Server(server.endpoint))
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        get = ("GET", path, {}, None)
        send_all(server.endpoint, [get] * args.warmup)
        n = args.requests
        total, elapsed, dump = counted(server, out_dir, "mock",
                                       lambda: send_all(server.endpoint, [get] * n))
        print("  MOCK GET %10.0f instructions/request  (%d requests, %.1f s under valgrind)"
              % (total / n, n, elapsed), flush=True)
        if args.top:
            print_top(dump, args.top, n)
    finally:
        server.stop()
        shutil.rmtree(out_dir, ignore_errors=True)
    print(json.dumps({"mock_get": total / n}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
