"""SQS throughput: nimbus against moto_server, side by side in one run, ratio
printed.

Default mode: bench/sqs_loadgen (C++, built next to nimbus) drives both
servers with the same arguments: signed awsJson 1.0 over keep-alive
connections, so the client costs little CPU next to the server on the 2-core
machine.
  - end to end: SendMessageBatch(10) -> ReceiveMessage(10) ->
    DeleteMessageBatch, one run per thread count (the curve), best reported;
  - raw ingest: one signed SendMessage replayed per thread, requests/s and
    p50/p99.
Each loadgen run checks that the queue's Approximate* counters settle to
sent - deleted.

--boto3 keeps the older mode: boto3 clients in several processes (--raw:
plain awsJson over http.client, nimbus with --auth off).

Usage: python3 bench/sqs_bench.py [--seconds 10] [--threads 4 8 16 32]
       [--ingest-threads 4 16] [--no-moto]
       python3 bench/sqs_bench.py --boto3 [--raw] [--procs 4] [--per-proc-threads 4]
"""

import argparse
import json
import os
import resource
import subprocess
import multiprocessing
import datetime
import sys
import threading
import time

from common import ROOT, Moto, Server, against_moto, load_line, machine


def client(endpoint, pool):
    import boto3
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 1}, max_pool_connections=pool)
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=cfg)


def worker_process(args):
    """One client process: `threads` threads looping send -> receive -> delete."""
    endpoint, url, seconds, threads = args
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.time() + seconds
    body = "x" * 256

    def worker(n):
        c = client(endpoint, 2)
        entries = [{"Id": str(i), "MessageBody": body} for i in range(10)]
        while time.time() < deadline:
            try:
                c.send_message_batch(QueueUrl=url, Entries=entries)
                got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if got:
                    c.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)])
                counts[n] += len(got)
            except Exception:
                errors[n] += 1

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), sum(errors)


def raw_process(args):
    """Like worker_process, but plain awsJson over http.client (no SDK, no
    signing: the server runs with --auth off), so that the clients spend far
    less CPU than the server and the figure is closer to the server's."""
    import http.client
    import json
    endpoint, url, seconds, threads = args
    host, port = endpoint.split("//")[1].split(":")
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.time() + seconds
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/"
                                "aws4_request, SignedHeaders=host, Signature=0"}
    send_body = json.dumps({"QueueUrl": url, "Entries": [
        {"Id": str(i), "MessageBody": "x" * 256} for i in range(10)]})
    recv_body = json.dumps({"QueueUrl": url, "MaxNumberOfMessages": 10})

    def worker(n):
        conn = http.client.HTTPConnection(host, int(port))

        def call(target, body):
            conn.request("POST", "/", body=body, headers=dict(headers, **{
                "X-Amz-Target": "AmazonSQS." + target}))
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                raise RuntimeError(data)
            return json.loads(data)

        while time.time() < deadline:
            try:
                call("SendMessageBatch", send_body)
                got = call("ReceiveMessage", recv_body).get("Messages", [])
                if got:
                    call("DeleteMessageBatch", json.dumps({"QueueUrl": url, "Entries": [
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)]}))
                counts[n] += len(got)
            except Exception:
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port))

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), sum(errors)


def run(endpoint, seconds, procs, threads, raw=False):
    url = client(endpoint, 1).create_queue(QueueName="bench")["QueueUrl"]
    start = time.time()
    with multiprocessing.Pool(procs) as pool:
        results = pool.map(raw_process if raw else worker_process,
                           [(endpoint, url, seconds, threads)] * procs)
    elapsed = time.time() - start
    return {"mps": sum(r[0] for r in results) / elapsed, "errors": sum(r[1] for r in results)}


def loadgen_binary():
    if os.environ.get("SQS_LOADGEN"):
        return os.environ["SQS_LOADGEN"]
    nimbus = os.environ.get("NIMBUS_BIN", os.path.join(ROOT, "build", "nimbus"))
    return os.path.join(os.path.dirname(nimbus), "bench", "sqs_loadgen")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadgen(endpoint, server_pid, mode, threads, seconds, batch, wait, name):
    """One sqs_loadgen run on a fresh queue; its JSON summary plus the CPU
    the server and the client used, in cores."""
    cmd = [loadgen_binary(), "--endpoint", endpoint, "--mode", mode, "--threads", str(threads),
           "--seconds", str(seconds), "--batch", str(batch), "--wait-seconds", str(wait),
           "--queue-name", name, "--delete-queue"]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0 = cpu_seconds(server_pid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    s1 = cpu_seconds(server_pid)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.stderr:
        sys.stderr.write(proc.stderr)
    if not proc.stdout.strip():
        raise RuntimeError("sqs_loadgen failed (%d): %s" % (proc.returncode, proc.stderr))
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    wall = r["seconds"] + 1.0  # the loadgen's default 1 s warm-up runs too
    r["server_cores"] = (s1 - s0) / wall
    r["client_cores"] = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / wall
    return r


def measure(name, endpoint, pid, args):
    out = {"e2e": {}, "send": {}}
    for t in args.threads:
        out["e2e"][t] = loadgen(endpoint, pid, "e2e", t, args.seconds, args.batch,
                                args.wait_seconds, "bench-e2e-%d" % t)
        print("  %s e2e %d threads: %.0f msg/s" % (name, t, out["e2e"][t]["messages_per_s"]),
              flush=True)
    for t in args.ingest_threads:
        out["send"][t] = loadgen(endpoint, pid, "send", t, args.seconds, 1, 0,
                                 "bench-send-%d" % t)
        print("  %s send %d threads: %.0f req/s" % (name, t, out["send"][t]["requests_per_s"]),
              flush=True)
    return out


def fmt_ops(r, op):
    o = r["ops"].get(op)
    return "%7.2f %7.2f" % (o["p50_ms"], o["p99_ms"]) if o else "%7s %7s" % ("-", "-")


def ratio_to_moto(results, name, kind, threads, field):
    """'120x' on nimbus's row when moto ran the same case, else ''."""
    moto = results.get("moto", {}).get(kind, {}).get(threads, {}).get(field)
    if name != "nimbus" or not moto:
        return ""
    return "%.0fx" % (results[name][kind][threads][field] / moto)


def report(results, args):
    names = [n for n in ("nimbus", "moto") if n in results]
    print()
    print("end to end, send(%d) -> receive(%d) -> delete, messages/s (deleted per second)"
          % (args.batch, args.batch))
    print("%-7s %-7s %10s %7s %7s %7s %7s %7s %7s %7s %7s %7s %6s %8s"
          % ("server", "threads", "msg/s", "send50", "send99", "recv50", "recv99", "del50",
             "del99", "srv cpu", "cli cpu", "settled", "errs", "ratio"))
    for t in args.threads:
        for n in names:
            r = results[n]["e2e"][t]
            ratio = ratio_to_moto(results, n, "e2e", t, "messages_per_s")
            print("%-7s %-7d %10.0f %s %s %s %7.2f %7.2f %7s %6d %8s"
                  % (n, t, r["messages_per_s"], fmt_ops(r, "SendMessageBatch"),
                     fmt_ops(r, "ReceiveMessage"), fmt_ops(r, "DeleteMessageBatch"),
                     r["server_cores"], r["client_cores"], r["queue"]["settled"], r["errors"],
                     ratio))
    best = {}
    for n in names:
        t = max(args.threads, key=lambda t: results[n]["e2e"][t]["messages_per_s"])
        best[n] = (t, results[n]["e2e"][t]["messages_per_s"])
        print("best %s: %.0f msg/s at %d threads" % (n, best[n][1], t))
    if "moto" in best and best["moto"][1] > 0:
        print("ratio nimbus/moto, best against best: %.0fx" % (best["nimbus"][1] / best["moto"][1]))
    print("target: >= 20,000 msg/s end to end (nimbus best %.0f: %s)"
          % (best["nimbus"][1], "met" if best["nimbus"][1] >= 20000 else "NOT met"))
    print()
    print("raw ingest, one signed SendMessage replayed per connection")
    print("%-7s %-7s %10s %7s %7s %7s %7s %7s %6s %8s"
          % ("server", "threads", "req/s", "p50 ms", "p99 ms", "srv cpu", "cli cpu", "settled",
             "errs", "ratio"))
    for t in args.ingest_threads:
        for n in names:
            r = results[n]["send"][t]
            ratio = ratio_to_moto(results, n, "send", t, "requests_per_s")
            print("%-7s %-7d %10.0f %s %7.2f %7.2f %7s %6d %8s"
                  % (n, t, r["requests_per_s"], fmt_ops(r, "SendMessage"), r["server_cores"],
                     r["client_cores"], r["queue"]["settled"], r["errors"], ratio))


def main_loadgen(args):
    if not os.path.exists(loadgen_binary()):
        print("no sqs_loadgen at %s: build it (ninja sqs_loadgen) or set SQS_LOADGEN"
              % loadgen_binary())
        return 1
    print("sqs via sqs_loadgen (C++, signed awsJson 1.0, keep-alive), durability sync, "
          "%ds per run after 1 s warm-up, %s" % (args.seconds, load_line()), flush=True)
    results = against_moto(
        lambda name, server: measure(name, server.endpoint, server.proc.pid, args),
        ("--durability", "sync"), not args.no_moto)
    report(results, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, nargs="+", default=[4, 8, 16, 32],
                    help="loadgen: end-to-end runs, one per thread count")
    ap.add_argument("--ingest-threads", type=int, nargs="+", default=[4, 16],
                    help="loadgen: raw SendMessage runs, one per thread count")
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--wait-seconds", type=int, default=0)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--json", help="loadgen: also write every result to this file")
    ap.add_argument("--boto3", action="store_true",
                    help="the older mode: boto3 (or --raw http.client) client processes")
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--per-proc-threads", type=int, default=0,
                    help="--boto3: threads per process; default 4 (boto3) or 16 (raw)")
    ap.add_argument("--raw", action="store_true",
                    help="--boto3: plain awsJson over http.client instead of boto3 "
                         "(nimbus --auth off)")
    args = ap.parse_args()
    if not args.boto3 and not args.raw:  # --raw alone is the older mode too (bench/run.sh)
        return main_loadgen(args)
    threads = args.per_proc_threads or (16 if args.raw else 4)
    print("sqs send->receive->delete, batches of 10, %s, %d processes x %d threads, %ds, %s, %s"
          % ("raw awsJson" if args.raw else "boto3", args.procs, threads, args.seconds,
             machine(), datetime.date.today()))
    nimbus = Server(*(["--auth", "off"] if args.raw else [])).start()
    try:
        n = run(nimbus.endpoint, args.seconds, args.procs, threads, args.raw)
    finally:
        nimbus.cleanup()
    moto = Moto().start()
    m = None
    if moto is None:
        print("moto_server is not installed: nimbus only")
    else:
        try:
            m = run(moto.endpoint, args.seconds, args.procs, threads, args.raw)
        finally:
            moto.stop()
    print("%-8s %12s %8s" % ("server", "messages/s", "errors"))
    for name, r in (("nimbus", n), ("moto", m)):
        if r:
            print("%-8s %12.0f %8d" % (name, r["mps"], r["errors"]))
    if m and m["mps"] > 0:
        print("ratio nimbus/moto throughput: %.1fx" % (n["mps"] / m["mps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
