"""DynamoDB with a table far larger than the server's memory use: nimbus
(`--durability sync`) takes PutItem of 8 KiB items with incompressible
payloads until the table holds each of the --gib sizes, and after each size
measures GetItem of random keys across the whole table, GetItem and Query of
a small hot set, the server's resident memory and its data directory.
Flat latency and a flat RSS while the table grows say items live in RocksDB,
not in a map.

The server runs with `--auth off` so that wrk can make a new key per request
(a signed request cannot change its body); everything else is the ordinary
request path.

Usage: python3 bench/dynamodb_load_bench.py [--gib 0.5 1 2] [--seconds 5]
           [--connections 16]
"""

import argparse
import base64
import datetime
import json
import os
import random
import re
import subprocess
import sys
import time

from common import Server, client, machine, run_wrk, _write_wrk_script

TABLE = "big"
PAYLOAD_BYTES = 8192
HOT = 100  # partition keys of the hot set, 10 items each


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def dir_mib(path):
    out = subprocess.run(["du", "-sm", path], capture_output=True, text=True).stdout
    return float(out.split()[0]) if out else 0.0


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def script(host, body_lua, prelude=""):
    """A wrk script whose request() builds its body in Lua (`body_lua`:
    statements that set `target` and `body`), so every request can name a
    new or random key."""
    return _write_wrk_script([
        prelude,
        "local headers = {[\"Host\"] = %s, [\"Content-Type\"] = "
        "\"application/x-amz-json-1.0\"}" % lua_str(host),
        "function request()",
        "  local target, body",
        "  " + body_lua,
        "  headers[\"X-Amz-Target\"] = \"DynamoDB_20120810.\" .. target",
        "  return wrk.format(\"POST\", \"/\", headers, body)",
        "end"])


def put_script(host, first):
    rnd = random.Random(7)
    payloads = [base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(PAYLOAD_BYTES * 3 // 4)))
                .decode() for _ in range(16)]
    prelude = "local n = %d\nlocal payloads = {%s}" % (first, ", ".join(map(lua_str, payloads)))
    body = ('target = "PutItem"; body = \'{"TableName":"%s","Item":{"pk":{"S":"g\' .. n .. \'"},'
            '"sk":{"N":"1"},"data":{"S":"\' .. payloads[n %% 16 + 1] .. \'"}}}\'; n = n + 1'
            % TABLE)
    return script(host, body, prelude)


def get_random_script(host, count):
    body = ('target = "GetItem"; body = \'{"TableName":"%s","Key":{"pk":{"S":"g\' .. '
            'math.random(0, %d) .. \'"},"sk":{"N":"1"}}}\'' % (TABLE, count - 1))
    return script(host, body, "math.randomseed(11)")


def hot_script(host, op):
    if op == "GetItem":
        body = ('target = "GetItem"; body = \'{"TableName":"%s","Key":{"pk":{"S":"h\' .. math.random(0, %d) .. '
                '\'"},"sk":{"N":"\' .. math.random(0, 9) .. \'"}}}\'' % (TABLE, HOT - 1))
    else:
        body = ('target = "Query"; body = \'{"TableName":"%s","KeyConditionExpression":"pk = :p","Limit":10,'
                '"ExpressionAttributeValues":{":p":{"S":"h\' .. math.random(0, %d) .. \'"}}}\''
                % (TABLE, HOT - 1))
    return script(host, body, "math.randomseed(13)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=float, nargs="*", default=[0.5, 1, 2])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    print("dynamodb load: 8 KiB items, nimbus --durability sync, wrk 1 thread %d connections, "
          "%s, %s, load %.1f" % (args.connections, machine(), datetime.datetime.now()
                                 .strftime("%Y-%m-%d %H:%M"), os.getloadavg()[0]), flush=True)
    server = Server("--durability", "sync", "--auth", "off").start()
    try:
        host = server.endpoint.split("://", 1)[1]
        ddb = client("dynamodb", server.endpoint)
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}])
        for p in range(HOT):
            ddb.batch_write_item(RequestItems={TABLE: [
                {"PutRequest": {"Item": {"pk": {"S": "h%d" % p}, "sk": {"N": str(s)},
                                         "data": {"S": "x" * 100}}}} for s in range(10)]})
        written = 0
        for gib in args.gib:
            target = int(gib * (1 << 30) / PAYLOAD_BYTES)
            t = time.time()
            while written < target:
                r = run_wrk(server.endpoint, put_script(host, written), seconds=10,
                            connections=args.connections)
                done = int(re.search(r"(\d+) requests in", r["raw"]).group(1))
                written += done + args.connections  # requests cut off at the end: a gap
                if r["errors"]:
                    print("  put errors: %d" % r["errors"], flush=True)
            load_s = time.time() - t
            row = {"items": written, "load_s": load_s}
            for name, s in [("get_random", get_random_script(host, written)),
                            ("get_hot", hot_script(host, "GetItem")),
                            ("query_hot", hot_script(host, "Query"))]:
                run_wrk(server.endpoint, s, seconds=1, connections=args.connections)
                row[name] = run_wrk(server.endpoint, s, seconds=args.seconds,
                                    connections=args.connections)
            row["rss_mib"] = rss_mib(server.proc.pid)
            row["disk_mib"] = dir_mib(server.data_dir)
            print("  %.2f GiB of items (%d items, loaded in %.0f s): GetItem random p50 %.3f "
                  "p99 %.3f ms (%.0f/s); hot GetItem p50 %.3f p99 %.3f ms (%.0f/s); hot Query "
                  "p50 %.3f p99 %.3f ms (%.0f/s); RSS %.0f MiB; data dir %.0f MiB"
                  % (written * PAYLOAD_BYTES / (1 << 30), written, load_s,
                     row["get_random"]["p50_ms"], row["get_random"]["p99_ms"],
                     row["get_random"]["rps"], row["get_hot"]["p50_ms"],
                     row["get_hot"]["p99_ms"], row["get_hot"]["rps"],
                     row["query_hot"]["p50_ms"], row["query_hot"]["p99_ms"],
                     row["query_hot"]["rps"], row["rss_mib"], row["disk_mib"]), flush=True)
            for k in ("get_random", "get_hot", "query_hot"):
                if row[k]["errors"]:
                    print("  %s errors: %d %s" % (k, row[k]["errors"], row[k]["unexpected"]))
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
