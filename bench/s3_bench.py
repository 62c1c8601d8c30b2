"""S3 objects: nimbus against moto_server and s3rver (npm), side by side in
one run, ratios printed.

Per server:
  - small objects (4 KiB): PUT and GET requests/s and p50/p99 with wrk at
    `connections` connections over `keys` keys (each request signed once);
  - large object (`large_mib`, 1 GiB by default): one PUT and one GET with
    boto3 (MB/s), then with curl through SigV4 presigned URLs (the client
    hashes nothing, so the server's rate shows), the GET also with
    bench/http_get (a plain HTTP/1.1 client that reads the body into one
    reused 1 MiB buffer: one copy into user space per byte, as cat does;
    curl's user-space work per byte is a bound of its own on 2 cores), and
    beside them the machine's limits on the same bytes:
    writing + fsyncing them into nimbus's data directory (dd conv=fsync,
    the better of a run before the PUTs and one after) for PUT, reading them from the page cache (cat > /dev/null) for GET,
    and what loopback TCP allows the one-copy client (`http_get
    --loopback`: the file sent by blocking sendfile from a one-shot server,
    nothing else), the GET's ceiling whatever the server does; for the
    curl PUT, what curl and loopback TCP allow by themselves (the same
    upload into a one-shot sink that only reads it);
  - nimbus only: the server's RSS before and after the large transfers, and
    its CPU time (all threads, /proc schedstat) during the curl PUT, a
    figure less sensitive to a loaded machine than MB/s.
nimbus runs with --durability sync (a PUT answers once its body and record
are on disk).

Usage: python3 bench/s3_bench.py [--seconds 10] [--connections 16] [--keys 200]
       [--large-mib 1024] [--no-moto] [--no-s3rver] [--quick]
       (--quick: 2 s, 8 MiB large object: a smoke run)
"""

import argparse
import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import socket
import tempfile
import threading
import time

from common import (Moto, NpmPeer, Server, bench_binary, client, machine, print_sync_bound,
                    run_servers, run_wrk, wrk_script_many)

BUCKET = "bench"
# The access key (and secret) each server accepts, by endpoint: s3rver
# checks signatures against its own fixed key.
KEYS = {}


def s3_client(endpoint, pool=10, signature_version=None):
    if endpoint not in KEYS and signature_version is None:
        return client("s3", endpoint, pool)
    import boto3
    from botocore.config import Config
    key = KEYS.get(endpoint, "test")
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=key,
                        config=Config(max_pool_connections=pool, retries={"max_attempts": 0},
                                      signature_version=signature_version))


def curl_mbs(args, size):
    """MB/s of one curl transfer (`args` after curl's own), or None when the
    server did not answer 200."""
    t = time.time()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + args,
                         capture_output=True, text=True)
    took = time.time() - t
    return size / 1e6 / took if out.stdout.strip() == "200" else None


def signed(endpoint, method, key, body=b""):
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    path = "/%s/%s" % (BUCKET, key)
    req = AWSRequest(method=method, url=endpoint + path, data=body,
                     headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    key = KEYS.get(endpoint, "test")
    S3SigV4Auth(Credentials(key, key), "s3", "us-east-1").add_auth(req)
    return method, path, dict(req.prepare().headers), body


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_s(pid):
    """CPU seconds of all of `pid`'s threads so far (schedstat: nanoseconds
    on a CPU), or None."""
    try:
        total = 0
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except OSError:
        return None


def loopback_put_mbs(src, size):
    """MB/s of curl uploading `src` to a one-shot server that only reads the
    body (into one reused 256 KiB buffer) and answers 200: what curl and
    loopback TCP allow a PUT whatever the server does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(60)

    def sink():
        try:
            conn, _ = listener.accept()
        except OSError:  # curl never came (the timeout, or the listener closed)
            return
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                byte = conn.recv(1)
                if not byte:
                    return
                head += byte
            if b"100-continue" in head.lower():
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            buf = memoryview(bytearray(256 << 10))
            left = size
            while left:
                n = conn.recv_into(buf[:min(left, len(buf))])
                if not n:
                    return
                left -= n
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=sink, daemon=True)
    thread.start()
    try:
        return curl_mbs(["-T", src, "http://127.0.0.1:%d/sink" % listener.getsockname()[1]], size)
    finally:
        thread.join(30)
        listener.close()


def dd_seconds(src, directory):
    """Seconds to write and fsync `src`'s bytes into `directory` with dd,
    starting with nothing else being written back."""
    os.sync()
    out = os.path.join(directory, "dd.bin")
    t = time.time()
    subprocess.run(["dd", "if=" + src, "of=" + out, "bs=1M", "conv=fsync"], check=True,
                   capture_output=True)
    seconds = time.time() - t
    os.unlink(out)
    return seconds


def large(endpoint, args, data_dir, pid):
    s3 = s3_client(endpoint, 4)
    size = args.large_mib << 20
    with tempfile.TemporaryDirectory(dir=data_dir or None) as d:
        src = os.path.join(d, "large.bin")
        with open(src, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(args.large_mib):
                f.write(chunk)
        # The write limit is dd's best of two, before the PUTs and after
        # them: a virtual disk that has just absorbed a burst (the server's
        # PUTs) can write at half its rate for a while after, and the
        # target is a share of what the disk can do.
        dd_before_s = dd_seconds(src, d)
        before = rss_kb(pid) if pid else None
        # Every write measured here (the PUTs, dd) starts with nothing else
        # being written back: the source file just made, a server's earlier
        # unsynced writes or the previous PUT would otherwise share the disk
        # with it (this VM's disk does its work at flush time).
        os.sync()
        t = time.time()
        with open(src, "rb") as f:
            s3.put_object(Bucket=BUCKET, Key="large", Body=f)
        put_s = time.time() - t
        t = time.time()
        body = s3.get_object(Bucket=BUCKET, Key="large")["Body"]
        got = 0
        for piece in body.iter_chunks(1 << 20):
            got += len(piece)
        get_s = time.time() - t
        after = rss_kb(pid) if pid else None
        assert got == size, (got, size)
        # The same bytes through curl and a SigV4 presigned URL: the client
        # hashes nothing (UNSIGNED-PAYLOAD) and is no bottleneck, so the
        # server's own rate shows.
        curl_put = curl_get = one_copy_get = loopback_get = loopback_put = put_cpu = None
        if shutil.which("curl"):
            v4 = s3_client(endpoint, 1, signature_version="s3v4")
            put_url = v4.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "large-curl"})
            os.sync()
            cpu_before = cpu_s(pid) if pid else None
            curl_put = curl_mbs(["-T", src, put_url], size)
            cpu_after = cpu_s(pid) if pid else None
            if cpu_before is not None and cpu_after is not None:
                put_cpu = cpu_after - cpu_before
            loopback_put = loopback_put_mbs(src, size)
            get_url = v4.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "large-curl"})
            curl_get = curl_mbs([get_url], size) if curl_put else None
            # The same GET through bench/http_get: one copy into user space
            # per byte, as cat does (curl costs about as much again in user
            # space, so on 2 cores it is a bound of its own).
            if curl_put and os.path.exists(bench_binary("http_get")):
                out = subprocess.run([bench_binary("http_get"), get_url], capture_output=True,
                                     text=True)
                if out.returncode == 0:
                    one_copy_get = float(out.stdout.split()[2])
                # The same client against a one-shot server answering with
                # the file by blocking sendfile and nothing else: what
                # loopback TCP allows this client, whatever the server.
                out = subprocess.run([bench_binary("http_get"), "--loopback", src],
                                     capture_output=True, text=True)
                if out.returncode == 0:
                    loopback_get = float(out.stdout.split()[2])
        # The limits, on the same bytes and the same disk.
        dd_s = min(dd_before_s, dd_seconds(src, d))
        t = time.time()
        subprocess.run("cat %s > /dev/null" % src, shell=True, check=True)
        cat_s = time.time() - t
    mb = size / 1e6
    return {"put_mbs": mb / put_s, "get_mbs": mb / get_s, "fsync_mbs": mb / dd_s,
            "curl_put_mbs": curl_put, "curl_get_mbs": curl_get, "one_copy_get_mbs": one_copy_get,
            "loopback_get_mbs": loopback_get, "loopback_put_mbs": loopback_put,
            "curl_put_server_cpu_s": put_cpu,
            "cache_mbs": mb / cat_s,
            "rss_growth_mb": (after - before) / 1024 if before and after else None}


def small(endpoint, args):
    s3 = s3_client(endpoint)
    body = b"x" * 4096
    for i in range(args.keys):
        s3.put_object(Bucket=BUCKET, Key="small-%d" % i, Body=body)
    put = run_wrk(endpoint, wrk_script_many(endpoint, [signed(endpoint, "PUT", "small-%d" % i, body)
                                                       for i in range(args.keys)]),
                  seconds=args.seconds, connections=args.connections)
    get = run_wrk(endpoint, wrk_script_many(endpoint, [signed(endpoint, "GET", "small-%d" % i)
                                                       for i in range(args.keys)]),
                  seconds=args.seconds, connections=args.connections)
    return {"put": put, "get": get}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--keys", type=int, default=200)
    p.add_argument("--large-mib", type=int, default=1024)
    p.add_argument("--no-moto", action="store_true")
    p.add_argument("--no-s3rver", action="store_true")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.seconds, args.keys, args.large_mib = 2, 20, 8
    print("s3_bench %s on %s" % (datetime.datetime.now().isoformat(timespec="seconds"), machine()))
    # What a `sync` write can reach at best on this disk.
    bound = print_sync_bound(args.connections, "PUTs")
    servers = {
        "nimbus": lambda: Server("--durability", "sync"),
        "moto": Moto,
        "s3rver": lambda: NpmPeer("s3rver", "3.7.1", args=lambda port, d: [
            "--port", str(port), "--address", "127.0.0.1", "--directory", d, "--silent"]),
    }
    names = ["nimbus"] + ([] if args.no_moto else ["moto"]) + ([] if args.no_s3rver else ["s3rver"])

    def run(name, endpoint):
        if name == "s3rver":
            KEYS[endpoint] = "S3RVER"
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        out = small(endpoint, args)
        data_dir, pid = None, None
        if name == "nimbus":
            server = current[0]
            data_dir, pid = server.data_dir, server.proc.pid
        out["large"] = large(endpoint, args, data_dir, pid)
        return out

    current = []
    original = servers["nimbus"]

    def nimbus():
        s = original()
        current[:] = [s]
        return s
    servers["nimbus"] = nimbus
    results = run_servers(servers, names, run)
    for name, r in results.items():
        lg = r["large"]
        print("%-7s PUT 4KiB %8.0f req/s p50 %6.2f ms p99 %6.2f ms | GET 4KiB %8.0f req/s "
              "p50 %6.2f ms p99 %6.2f ms" % (name, r["put"]["rps"], r["put"]["p50_ms"] or 0,
                                             r["put"]["p99_ms"] or 0, r["get"]["rps"],
                                             r["get"]["p50_ms"] or 0, r["get"]["p99_ms"] or 0))
        print("        %d MiB PUT %7.1f MB/s (fsync limit %7.1f: %3.0f%%) GET %7.1f MB/s "
              "(page cache %7.1f: %3.0f%%) RSS growth %s MB"
              % (args.large_mib, lg["put_mbs"], lg["fsync_mbs"], 100 * lg["put_mbs"] / lg["fsync_mbs"],
                 lg["get_mbs"], lg["cache_mbs"], 100 * lg["get_mbs"] / lg["cache_mbs"],
                 "%.1f" % lg["rss_growth_mb"] if lg["rss_growth_mb"] is not None else "n/a"))
        if lg["curl_put_mbs"]:
            print("        %d MiB with curl: PUT %7.1f MB/s (%3.0f%% of fsync) GET %7.1f MB/s (%3.0f%% of page cache)"
                  % (args.large_mib, lg["curl_put_mbs"], 100 * lg["curl_put_mbs"] / lg["fsync_mbs"],
                     lg["curl_get_mbs"] or 0, 100 * (lg["curl_get_mbs"] or 0) / lg["cache_mbs"]))
            if lg["loopback_put_mbs"]:
                print("        %d MiB PUT loopback limit (curl into a sink that only reads): %7.1f MB/s "
                      "(%3.0f%% of fsync); the PUT is %3.0f%% of it%s"
                      % (args.large_mib, lg["loopback_put_mbs"],
                         100 * lg["loopback_put_mbs"] / lg["fsync_mbs"],
                         100 * lg["curl_put_mbs"] / lg["loopback_put_mbs"],
                         "; server CPU %.3f s" % lg["curl_put_server_cpu_s"]
                         if lg["curl_put_server_cpu_s"] is not None else ""))
            if lg["one_copy_get_mbs"]:
                print("        %d MiB GET, one-copy client (bench/http_get): %7.1f MB/s (%3.0f%% of page cache)"
                      % (args.large_mib, lg["one_copy_get_mbs"],
                         100 * lg["one_copy_get_mbs"] / lg["cache_mbs"]))
                if lg["loopback_get_mbs"]:
                    print("        %d MiB loopback limit (the same client, a one-shot sendfile server): "
                          "%7.1f MB/s (%3.0f%% of page cache); the GET is %3.0f%% of it"
                          % (args.large_mib, lg["loopback_get_mbs"],
                             100 * lg["loopback_get_mbs"] / lg["cache_mbs"],
                             100 * lg["one_copy_get_mbs"] / lg["loopback_get_mbs"]))
            else:
                print("        %d MiB GET, one-copy client: no figure (bench/http_get not built "
                      "beside NIMBUS_BIN, or its GET failed)" % args.large_mib)
        else:
            print("        %d MiB with curl: no answer (curl missing, or the server refused the presigned PUT)"
                  % args.large_mib)
    if "nimbus" in results:
        for peer in ("moto", "s3rver"):
            if peer in results:
                n, o = results["nimbus"], results[peer]
                print("nimbus / %s: PUT %.1fx GET %.1fx" % (peer, n["put"]["rps"] / o["put"]["rps"],
                                                          n["get"]["rps"] / o["get"]["rps"]))
                print("  the disk's bound for a sync PUT is %.1fx %s's PUT"
                      % (bound["bound_per_s"] / o["put"]["rps"], peer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
