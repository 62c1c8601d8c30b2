"""DynamoDB PutItem, GetItem and Query (10 items per page): requests/s and
p50/p99 over SigV4-signed keep-alive requests (wrk), nimbus against
moto_server and dynalite (npm, LevelDB on disk) in one run, ratios printed.
Then the conditional-update contention test (N clients incrementing one
counter with a compare-and-set condition: updates/s and lost updates) on each
server, and with --scale the GetItem/Query p50 curve as nimbus's table grows.
The contention test runs bench/dynamodb_cas (C++, built next to nimbus, or
$DYNAMODB_CAS); without it, or with --python-cas, boto3 threads, whose GIL
bounds the figure.

Each wrk run cycles through 1,000 pre-signed requests on different keys
(PutItem writes new keys, GetItem and Query read keys that exist), so the
figures include the key lookup, not one hot key.

Usage: python3 bench/dynamodb_bench.py [--seconds 10] [--connections 16]
           [--servers nimbus moto dynalite] [--scale 10000 100000 1000000] [--quick]
           [--server-args "--threads 1"] [--no-http-limit]

Last, nginx answering a constant at the same connection count (bench/nginx.py):
the machine's limit for answering HTTP, and each figure as a share of it.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

from common import (Moto, NpmPeer, Server, client, run_servers, machine, print_sync_bound,
                    run_wrk, signed_request, thread_cpu_ns, wrk_script_many)
from nginx import http_limit

TABLE = "bench"
PAYLOAD = "x" * 100
KEYS = 1000  # distinct keys each wrk run cycles through
QUERY_PKS = 100  # partition keys with 10 items each, for Query


def dynalite():
    return NpmPeer("dynalite", "4.0.0",
                   args=lambda port, data: ["--port", str(port), "--path", data,
                                            "--createTableMs", "0", "--deleteTableMs", "0",
                                            "--updateTableMs", "0"])


def request(endpoint, op, body):
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "X-Amz-Target": "DynamoDB_20120810." + op}
    return signed_request(endpoint, "dynamodb", json.dumps(body).encode(), headers)


def put_body(i):
    return {"TableName": TABLE,
            "Item": {"pk": {"S": "w%d" % i}, "sk": {"N": "1"}, "data": {"S": PAYLOAD}}}


def get_body(i):
    return {"TableName": TABLE, "Key": {"pk": {"S": "q%d" % (i % QUERY_PKS)},
                                         "sk": {"N": str(i % 10)}}}


def query_body(i):
    return {"TableName": TABLE, "KeyConditionExpression": "pk = :p", "Limit": 10,
            "ExpressionAttributeValues": {":p": {"S": "q%d" % (i % QUERY_PKS)}}}


OPERATIONS = [("PutItem", put_body), ("GetItem", get_body), ("Query", query_body)]


def create_table(ddb):
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    deadline = time.time() + 30
    while ddb.describe_table(TableName=TABLE)["Table"]["TableStatus"] != "ACTIVE":
        if time.time() > deadline:
            raise RuntimeError("table did not become ACTIVE")
        time.sleep(0.05)


def load(ddb, items, threads=4):
    """Writes `items` (a list of item dicts) with BatchWriteItem from several
    threads, retrying UnprocessedItems."""
    def worker(chunk):
        for start in range(0, len(chunk), 25):
            pending = [{"PutRequest": {"Item": it}} for it in chunk[start:start + 25]]
            while pending:
                out = ddb.batch_write_item(RequestItems={TABLE: pending})
                pending = out.get("UnprocessedItems", {}).get(TABLE, [])
    size = (len(items) + threads - 1) // threads
    ts = [threading.Thread(target=worker, args=(items[i:i + size],))
          for i in range(0, len(items), size)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def query_items():
    return [{"pk": {"S": "q%d" % p}, "sk": {"N": str(s)}, "data": {"S": PAYLOAD}}
            for p in range(QUERY_PKS) for s in range(10)]


def measure(endpoint, op, make_body, seconds, connections, pid=None):
    """One wrk run after a 1 s warm-up; with `pid`, also the server's CPU
    (every thread) per request in microseconds."""
    script = wrk_script_many(endpoint, [request(endpoint, op, make_body(i)) for i in range(KEYS)])
    run_wrk(endpoint, script, seconds=1, connections=connections)  # warm-up
    cpu0 = thread_cpu_ns(pid)[0] if pid else 0
    r = run_wrk(endpoint, script, seconds=seconds, connections=connections)
    if pid and r["requests"]:
        r["server_cpu_us"] = (thread_cpu_ns(pid)[0] - cpu0) / r["requests"] / 1e3
    return r


def cpu_line(r):
    """Where a run's CPU went: the server's and wrk's per request, and how
    busy the machine's cores were (near 100%: the run was bound by the cores)."""
    if not r["requests"]:
        return ""
    server = ("server %.1f us, " % r["server_cpu_us"]) if r.get("server_cpu_us") else ""
    return ("           CPU per request: %swrk %.1f us; the %d cores %.0f%% busy"
            % (server, r["wrk_cpu_s"] / r["requests"] * 1e6, os.cpu_count(), 100 * r["busy"]))


def cas_binary():
    if os.environ.get("DYNAMODB_CAS"):
        return os.environ["DYNAMODB_CAS"]
    nimbus = os.environ.get("NIMBUS_BIN", os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "build", "nimbus"))
    return os.path.join(os.path.dirname(nimbus), "bench", "dynamodb_cas")


def contention_cpp(endpoint, clients, seconds):
    """dynamodb_cas: `clients` C++ threads on keep-alive connections, same
    read / compare-and-set round as contention(), on the table TABLE."""
    proc = subprocess.run([cas_binary(), "--endpoint", endpoint, "--table", TABLE,
                           "--clients", str(clients), "--seconds", str(seconds)],
                          capture_output=True, text=True, timeout=seconds + 120)
    if proc.stderr:
        sys.stderr.write(proc.stderr)
    if not proc.stdout.strip():
        raise RuntimeError("dynamodb_cas failed (%d): %s" % (proc.returncode, proc.stderr))
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r["client"] = "c++"
    return r


def contention(endpoint, clients, seconds):
    """`clients` threads increment one counter by compare-and-set: read it
    (ConsistentRead), then SET c = v+1 on condition c = v, retrying on
    ConditionalCheckFailedException. Lost updates = successes - final value."""
    key = {"pk": {"S": "counter"}, "sk": {"N": "0"}}
    setup = client("dynamodb", endpoint)
    setup.put_item(TableName=TABLE, Item=dict(key, c={"N": "0"}))
    done = [0] * clients
    conflicts = [0] * clients
    errors = [0] * clients
    stop = time.time() + seconds

    def worker(n):
        ddb = client("dynamodb", endpoint)
        while time.time() < stop:
            try:
                v = ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["c"]["N"]
                ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET c = :n",
                                ConditionExpression="c = :v",
                                ExpressionAttributeValues={":v": {"N": v},
                                                           ":n": {"N": str(int(v) + 1)}})
                done[n] += 1
            except ddb.exceptions.ConditionalCheckFailedException:
                conflicts[n] += 1
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[n] += 1

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.time() - start
    final = int(setup.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["c"]["N"])
    return {"updates_per_s": sum(done) / elapsed, "updates": sum(done),
            "conflicts": sum(conflicts), "errors": sum(errors), "final": final,
            "lost": sum(done) - final}


def histogram(text, name, selector=""):
    """{bucket bound (s): observations at most that long} of one histogram in
    a /_nimbus/metrics text, for the series whose labels contain `selector`."""
    out = {}
    for labels, n in re.findall(r"^%s_bucket\{([^}]*)\} (\S+)$" % name, text, re.M):
        le = re.search(r'le="([^"]+)"', labels).group(1)
        if selector in labels and le != "+Inf":
            out[float(le)] = float(n)
    return out


def server_counters(endpoint, op):
    """nimbus's (writes acknowledged, WAL fsyncs, synced rounds' histogram,
    `op`'s parse-to-reply histogram) since start, from /_nimbus/metrics."""
    with urllib.request.urlopen(endpoint + "/_nimbus/metrics", timeout=5) as r:
        text = r.read().decode()
    def value(metric):
        m = re.search(r"^%s (\S+)$" % metric, text, re.M)
        return float(m.group(1)) if m else 0.0
    return (value("nimbus_storage_commits"), value("nimbus_storage_fsyncs"),
            histogram(text, "nimbus_storage_sync_write_seconds"),
            histogram(text, "nimbus_request_duration_seconds", 'operation="%s"' % op))


def observed(before, after):
    """The observations between two scrapes of a histogram (its last bound
    counts all of them: nothing here takes a minute)."""
    if not after:
        return 0
    last = max(after)
    return after[last] - before.get(last, 0)


def bucket_quantile(before, after, q):
    """The upper bound (s) of the histogram bucket holding quantile q of the
    observations between two scrapes; None when there were none."""
    total = observed(before, after)
    if total <= 0:
        return None
    for b in sorted(after):
        if after[b] - before.get(b, 0) >= q * total:
            return b
    return None


def share_above(before, after, bound):
    """The fraction of the observations between two scrapes longer than
    `bound` (s, a bucket bound); None when there were none."""
    total = observed(before, after)
    if total <= 0 or bound not in after:
        return None
    return 1 - (after[bound] - before.get(bound, 0)) / total


def run_server(name, server, args):
    endpoint = server.endpoint
    ddb = client("dynamodb", endpoint, max_pool_connections=16)
    create_table(ddb)
    load(ddb, query_items())
    out = {}
    for op, body in OPERATIONS:
        before = server_counters(endpoint, op) if name == "nimbus" else None
        out[op] = measure(endpoint, op, body, args.seconds, args.connections, server.proc.pid)
        print("  %-8s %-8s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %d%s"
              % (name, op, out[op]["rps"], out[op]["p50_ms"], out[op]["p99_ms"],
                 out[op]["errors"], "  " + out[op]["unexpected"] if out[op]["unexpected"] else ""),
              flush=True)
        print(cpu_line(out[op]), flush=True)
        if not before:
            continue
        after = server_counters(endpoint, op)
        def quantiles(i):
            return tuple(bucket_quantile(before[i], after[i], q) for q in (0.5, 0.99))
        p50, p99 = quantiles(3)
        if p50 is not None:
            print("           the server's parse -> reply: p50 <= %g ms, p99 <= %g ms (histogram "
                  "buckets; the rest of wrk's figure is outside the server)"
                  % (p50 * 1000, p99 * 1000), flush=True)
        if op == "PutItem" and args.durability == "sync":
            commits, fsyncs = (after[i] - before[i] for i in (0, 1))
            print("           group commit: %.1f writes per WAL fsync (%d fsyncs, warm-up "
                  "included)" % (commits / fsyncs if fsyncs else 0, fsyncs), flush=True)
            p50, p99 = quantiles(2)
            if p50 is not None:
                print("           a synced round's write + WAL fsync: p50 <= %g ms, p99 <= %g ms "
                      "(histogram buckets)" % (p50 * 1000, p99 * 1000), flush=True)
            # A slow round holds up every write queued behind it: the share of
            # PutItems past a bound is several times the share of rounds.
            rounds, puts = (share_above(before[i], after[i], 0.0025) for i in (2, 3))
            if rounds is not None and puts is not None:
                print("           over 2.5 ms: %.2f%% of synced rounds, %.2f%% of PutItems "
                      "(parse -> reply)" % (100 * rounds, 100 * puts), flush=True)
    use_cpp = not args.python_cas and os.path.exists(cas_binary())
    out["contention"] = (contention_cpp if use_cpp else contention)(endpoint, args.clients,
                                                                    args.seconds)
    c = out["contention"]
    print("  %-8s CAS x%d  %10.0f updates/s  conflicts %d  errors %d  lost %d  (%s clients)"
          % (name, args.clients, c["updates_per_s"], c["conflicts"], c["errors"], c["lost"],
             "C++" if use_cpp else "boto3"), flush=True)
    return out


def scale_curve(sizes, seconds, connections):
    """GetItem and Query p50 on nimbus as the table grows to each size."""
    print("scale: nimbus GetItem / Query p50 as the table grows (%d connections)" % connections)
    server = Server("--durability", "sync").start()
    try:
        ddb = client("dynamodb", server.endpoint, max_pool_connections=16)
        create_table(ddb)
        load(ddb, query_items())
        loaded = len(query_items())
        for size in sizes:
            filler = [{"pk": {"S": "f%d" % (i // 10)}, "sk": {"N": str(i % 10)},
                       "data": {"S": PAYLOAD}} for i in range(loaded, size)]
            t = time.time()
            load(ddb, filler)
            loaded = max(loaded, size)
            rows = [size, time.time() - t]
            for op, body in OPERATIONS[1:]:
                r = measure(server.endpoint, op, body, seconds, connections)
                rows += [r["p50_ms"], r["p99_ms"], r["rps"]]
            print("  %8d items (loaded in %5.1f s): GetItem p50 %.3f p99 %.3f ms (%.0f/s), "
                  "Query p50 %.3f p99 %.3f ms (%.0f/s)" % tuple(rows), flush=True)
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--clients", type=int, default=16, help="contention test threads")
    ap.add_argument("--servers", nargs="*", default=["nimbus", "moto", "dynalite"])
    ap.add_argument("--scale", type=int, nargs="*", default=[],
                    help="table sizes for the GetItem/Query curve (nimbus only)")
    ap.add_argument("--quick", action="store_true", help="2 s runs: check the bench works")
    ap.add_argument("--python-cas", action="store_true",
                    help="the contention test with boto3 threads, not dynamodb_cas")
    ap.add_argument("--durability", choices=["sync", "async"], default="sync",
                    help="nimbus's write durability (async: acknowledged before the WAL's "
                         "fsync, which dynalite never does)")
    ap.add_argument("--server-args", default="",
                    help="more `nimbus serve` arguments, one string (e.g. \"--threads 1\")")
    ap.add_argument("--no-http-limit", dest="http_limit", action="store_false",
                    help="skip nginx's requests/s answering a constant (the machine's limit)")
    args = ap.parse_args()
    if args.quick:
        args.seconds = 2

    server_args = ["--durability", args.durability] + args.server_args.split()
    print("dynamodb, signed keep-alive (wrk 1 thread, %d connections), %ds per run, nimbus "
          "%s, %s, %s" % (args.connections, args.seconds, " ".join(server_args), machine(),
                          datetime.date.today()), flush=True)
    # What a `sync` write can reach at best on this disk (no bound without it).
    bound = print_sync_bound(args.connections, "PutItems") if args.durability == "sync" else None
    servers = {"nimbus": lambda: Server(*server_args), "moto": Moto,
               "dynalite": dynalite}
    results = run_servers(servers, args.servers,
                          lambda name, server: run_server(name, server, args), pass_server=True)

    for name in results:
        if name == "nimbus" or "nimbus" not in results:
            continue
        ratios = ["%s %.1fx" % (op, results["nimbus"][op]["rps"] / results[name][op]["rps"])
                  for op, _ in OPERATIONS]
        c = results[name]["contention"]["updates_per_s"]
        ratios.append("CAS %.1fx" % (results["nimbus"]["contention"]["updates_per_s"] / c
                                     if c else float("inf")))
        print("ratio nimbus/%s throughput: %s" % (name, ", ".join(ratios)))
        if bound:
            print("  the disk's bound for sync PutItem is %.1fx %s's PutItem" %
                  (bound["bound_per_s"] / results[name]["PutItem"]["rps"], name))
    if args.http_limit and "nimbus" in results:
        print_http_limit(results, args)
    if args.scale:
        scale_curve(args.scale, args.seconds, args.connections)
    return 0


def print_http_limit(results, args):
    """nginx answering a constant at the same connection count: what any
    server could answer on this machine, and each figure as a share of it."""
    limit = http_limit([args.connections], args.seconds)
    if limit is None:
        print("the machine's HTTP limit: nginx not available")
        return
    rps = limit[args.connections]["rps"]
    print("the machine's HTTP limit (nginx returning a constant, %d connections): %.0f req/s"
          % (args.connections, rps))
    for op, _ in OPERATIONS:
        line = "  %-8s nimbus at %.0f%% of it" % (op, 100.0 * results["nimbus"][op]["rps"] / rps)
        if "dynalite" in results:
            line += "; 5x dynalite would be %.0f%%" % (500.0 * results["dynalite"][op]["rps"] / rps)
        print(line)


if __name__ == "__main__":
    sys.exit(main())
