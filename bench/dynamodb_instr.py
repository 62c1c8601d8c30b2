"""Instructions per DynamoDB request: nimbus under valgrind's callgrind,
a fixed number of signed keep-alive PutItem, GetItem and Query (10 items)
requests each, the server's instruction count (every thread) divided by the
number of requests. Unlike requests/s on a shared machine this figure
repeats from run to run, so it is what a change to the request path
claims. --top N prints the N functions with the most inclusive
instructions per request (callgrind_annotate) for each operation.

Usage: python3 bench/dynamodb_instr.py [--requests 2000] [--top 25]
           [--ops PutItem GetItem Query] [--keep DIR]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from common import client, machine, signed_request
from dynamodb_bench import OPERATIONS, create_table, load, query_items, request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def nimbus_bin():
    return os.environ.get("NIMBUS_BIN", os.path.join(ROOT, "build", "nimbus"))


class Traced:
    """nimbus serve under callgrind, counting nothing until on() is called."""

    def __init__(self, out_dir, extra):
        self.out_dir = out_dir
        self.data_dir = os.path.join(out_dir, "data")
        self.out = os.path.join(out_dir, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               "--callgrind-out-file=" + self.out, nimbus_bin(), "serve", "--port", "0",
               "--data-dir", self.data_dir, "--log-level", "warn"] + extra
        self.log = open(os.path.join(out_dir, "server.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if not m:
            raise RuntimeError("nimbus did not start under valgrind: %r" % line)
        self.port = int(m.group(1))
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def control(self, *args):
        subprocess.run(["callgrind_control"] + list(args) + [str(self.proc.pid)], check=True,
                       capture_output=True, timeout=120)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def send_all(endpoint, requests):
    """Sends `requests` in turn over one keep-alive connection; every
    answer must be 200."""
    conn = http.client.HTTPConnection(endpoint.split("://", 1)[1], timeout=120)
    for method, path, headers, body in requests:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError("%d %s" % (r.status, data[:300]))
    conn.close()


def dump_total(path):
    """The instruction count of a callgrind dump (its `totals:` line; the
    `summary:` line of a dump taken with --dump is 0)."""
    with open(path) as f:
        for line in f:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + path)


def newest_dump(out_dir, before):
    dumps = [os.path.join(out_dir, p) for p in os.listdir(out_dir)
             if p.startswith("callgrind.out") and os.path.join(out_dir, p) not in before]
    return max(dumps, key=os.path.getmtime) if dumps else None


def counted(server, out_dir, label, run):
    """Runs run() with the server's instruction counting on (zeroed first);
    returns (instructions, seconds run() took, the dump's path)."""
    before = set(os.path.join(out_dir, p) for p in os.listdir(out_dir))
    server.control("--zero")
    server.control("--instr=on")
    t = time.time()
    run()
    elapsed = time.time() - t
    server.control("--instr=off")
    server.control("--dump=" + label)
    dump = None
    for _ in range(100):
        dump = newest_dump(out_dir, before)
        if dump:
            break
        time.sleep(0.1)
    return dump_total(dump), elapsed, dump


def print_top(dump, top, per):
    """The `top` functions of `dump` with the most inclusive instructions,
    each divided by `per` (callgrind_annotate)."""
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", dump],
                         capture_output=True, text=True).stdout
    rows = [l for l in ann.splitlines() if re.match(r"^\s*[\d,]+ \(", l)]
    for line in rows[:top]:
        count = int(line.split()[0].replace(",", ""))
        name = line.split(")", 1)[1].strip()
        print("      %11.0f  %s" % (count / per, name[:150]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--ops", nargs="*", default=[op for op, _ in OPERATIONS])
    ap.add_argument("--keep", help="keep the callgrind dumps in this directory")
    ap.add_argument("--durability", default="sync")
    args = ap.parse_args()

    out_dir = args.keep or tempfile.mkdtemp(prefix="nimbus-instr-")
    os.makedirs(out_dir, exist_ok=True)
    print("dynamodb instructions per request (callgrind, %d requests per operation, one "
          "keep-alive connection, --durability %s), %s" % (args.requests, args.durability,
                                                           machine()), flush=True)
    server = Traced(out_dir, ["--durability", args.durability])
    results = {}
    try:
        deadline = time.time() + 120
        while True:
            try:
                ddb = client("dynamodb", server.endpoint, max_pool_connections=4)
                create_table(ddb)
                break
            except Exception:  # noqa: BLE001 - still starting under valgrind
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        load(ddb, query_items())
        for op, make_body in OPERATIONS:
            if op not in args.ops:
                continue
            n = args.requests
            # PutItem writes new keys in the measured run, as in dynamodb_bench.
            warm = [request(server.endpoint, op, make_body(100000 + i))
                    for i in range(args.warmup)]
            reqs = [request(server.endpoint, op, make_body(i)) for i in range(n)]
            send_all(server.endpoint, warm)
            total, elapsed, dump = counted(server, out_dir, op,
                                           lambda: send_all(server.endpoint, reqs))
            results[op] = total / n
            print("  %-8s %10.0f instructions/request  (%d requests, %.1f s under valgrind) %s"
                  % (op, total / n, n, elapsed, os.path.basename(dump)), flush=True)
            if args.top:
                print_top(dump, args.top, n)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
