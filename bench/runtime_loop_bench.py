"""What one warm invoke costs inside nimbus's Python and Node runtime
processes: the embedded bootstrap (src/runtime/bootstraps/) runs a hello-world
handler against a fake Runtime API that answers at once (a blocking Python
server in this process on 127.0.0.1), N invokes of an HTTP API payload-2.0
event; the runtime process's CPU time (user + system, from wait4) per invoke, and its waits
(voluntary context switches: the times it blocked for an answer).
Its wall time per invoke includes the fake server's turn and is only a guide.
--profile runs the Python bootstrap under cProfile and prints the top
functions. Repeatable on a shared machine within a few percent (CPU time,
not wall time). --bootstrap-dir points at another tree's bootstraps to
compare before and after.

Usage: python3 bench/runtime_loop_bench.py [--invokes 20000] [--runtime python node]
       [--bootstrap-dir DIR] [--profile] [--rounds 3]
       [--server [--provided EXE] [--connections 16 --seconds 5]]
"""

import argparse
import datetime
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile

from common import machine, thread_cpu_ns

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAPS = os.path.join(HERE, "..", "src", "runtime", "bootstraps")

HELLO = {
    "python": ("handler.py", "def handler(event, context):\n"
                             "    return {'statusCode': 200, 'body': 'hello'}\n"),
    "node": ("handler.js", "exports.handler = async (event, context) => "
                           "({ statusCode: 200, body: 'hello' });\n"),
}

# An HTTP API payload-2.0 event as the gateway sends for GET /hello.
EVENT = json.dumps({
    "version": "2.0", "routeKey": "$default", "rawPath": "/hello", "rawQueryString": "",
    "headers": {"host": "127.0.0.1:4566", "user-agent": "wrk", "x-forwarded-for": "127.0.0.1",
                "x-forwarded-port": "4566", "x-forwarded-proto": "http"},
    "requestContext": {
        "accountId": "000000000000", "apiId": "a1b2c3d4e5", "domainName": "127.0.0.1",
        "domainPrefix": "127", "http": {"method": "GET", "path": "/hello", "protocol": "HTTP/1.1",
                                        "sourceIp": "127.0.0.1", "userAgent": "wrk"},
        "requestId": "Aa1Bb2Cc3Dd4Ee=", "routeKey": "$default", "stage": "$default",
        "time": "06/Dec/2026:13:30:00 +0000", "timeEpoch": 1796563800000},
    "isBase64Encoded": False}).encode()

ARN = "arn:aws:lambda:us-east-1:000000000000:function:bench-hello"


# The edge's head writer (http/response_writer.cc) adds these to every answer.
SERVER_DATE = "Server: nimbus\r\nDate: Sun, 06 Dec 2026 13:30:00 GMT\r\n"


def next_answer(i):
    """What nimbus answers a GET /invocation/next with (runtime_api.cc)."""
    head = ("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8f5c2a1e-0000-4000-8000-%012d\r\n"
            "Lambda-Runtime-Deadline-Ms: %d\r\nLambda-Runtime-Invoked-Function-Arn: %s\r\n"
            "Content-Type: application/json\r\n%sContent-Length: %d\r\n\r\n"
            % (i, int(time.time() * 1000) + 10000, ARN, SERVER_DATE, len(EVENT)))
    return head.encode() + EVENT


ACCEPTED = (b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n" + SERVER_DATE.encode()
            + b"Content-Length: 15\r\n\r\n{\"status\":\"OK\"}")


class FakeApi:
    """One connection, requests answered in order; closes after n invokes."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.responses = 0

    def serve(self, n):
        conn, _ = self.listener.accept()
        # The runtime retries a closed keep-alive connection once: nothing
        # may answer that retry.
        self.listener.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        invokes = 0
        started = None
        held = b""
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                continue
            head = buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            while len(buf) < end + 4 + length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
            buf = buf[end + 4 + length:]
            if head.startswith("GET /2018-06-01/runtime/invocation/next"):
                if invokes == n:
                    break
                if invokes == 0:
                    started = time.perf_counter()
                invokes += 1
                conn.sendall(held + next_answer(invokes))
                held = b""
            elif "/response " in head.split("\r\n", 1)[0]:
                self.responses += 1
                # As nimbus: the answer to a POST with a request pipelined
                # behind it goes out with that request's answer.
                if b"\r\n\r\n" in buf:
                    held = ACCEPTED
                else:
                    conn.sendall(ACCEPTED)
            else:
                raise RuntimeError("unexpected request: %s" % head.split("\r\n", 1)[0])
        elapsed = time.perf_counter() - started if started else 0.0
        conn.close()
        return invokes, elapsed


def run_once(runtime, bootstrap_dir, n, profile):
    code = tempfile.mkdtemp(prefix="nimbus-loop-bench-")
    name, text = HELLO[runtime]
    with open(os.path.join(code, name), "w") as f:
        f.write(text)
    api = FakeApi()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % api.port,
               _HANDLER="handler.handler", LAMBDA_TASK_ROOT=code,
               AWS_LAMBDA_FUNCTION_NAME="bench-hello", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench-hello",
               AWS_LAMBDA_LOG_STREAM_NAME="2026/12/06/[$LATEST]0")
    if runtime == "python":
        script = os.path.join(bootstrap_dir, "python", "bootstrap.py")
        argv = ["/usr/bin/python3"]
        if profile:
            argv += ["-m", "cProfile", "-s", "tottime"]
        argv.append(script)
    else:
        argv = ["node", os.path.join(bootstrap_dir, "node", "bootstrap.cjs")]
    child = subprocess.Popen(argv, env=env, cwd=code, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    try:
        invokes, elapsed = api.serve(n)
        out = child.stdout.read()
        _, _, usage = os.wait4(child.pid, 0)
    finally:
        shutil.rmtree(code, ignore_errors=True)
    if invokes != n or api.responses != n:
        raise RuntimeError("%d invokes, %d responses: %s" % (invokes, api.responses,
                                                           out.decode(errors="replace")[-2000:]))
    return (usage.ru_utime + usage.ru_stime, usage.ru_utime, usage.ru_stime, elapsed, out,
            usage.ru_nvcsw)


# ---- --server: a real nimbus --------------------------------------------------------


def io_calls(pid):
    """Read and write system calls `pid` made (/proc io: syscr + syscw)."""
    try:
        with open("/proc/%d/io" % pid) as f:
            return sum(int(line.split()[1]) for line in f if line.startswith(("syscr", "syscw")))
    except OSError:
        return 0


def cpu_of(pids):
    got = [thread_cpu_ns(p) for p in pids]
    return (sum(g[0] for g in got), sum(g[1] for g in got), sum(io_calls(p) for p in pids))


def runtime_pids(server_pid):
    """The server's descendants running a bootstrap (the function's runtime)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], list(children.get(server_pid, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read()
                if b"bootstrap" in cmdline and b"nimbus-init" not in cmdline:
                    found.append(pid)
        except OSError:
            pass
    return found


def function_zip(runtime, provided):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if runtime == "provided":
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = (0o100000 | 0o755) << 16
            with open(provided, "rb") as f:
                z.writestr(info, f.read())
        else:
            z.writestr(*HELLO[runtime])
    return buf.getvalue()


RUNTIMES = {"python": "python3.11", "node": "nodejs20.x", "provided": "provided.al2023"}


def serve_once(runtime, n, warmup, provided):
    """An HTTP API ($default, payload 2.0) in front of the function on a real
    nimbus; n GETs on one keep-alive connection. CPU, waits (voluntary
    context switches) and read/write system calls per request of the server
    (every thread) and of the runtime process, and wall p50/p99."""
    from common import GATEWAY_UNTHROTTLED, Server
    server = Server(*GATEWAY_UNTHROTTLED).start()
    try:
        arn = server.boto3_client("lambda").create_function(
            FunctionName="loop-hello", Runtime=RUNTIMES[runtime], Handler="handler.handler",
            Role="arn:aws:iam::000000000000:role/bench", Timeout=30,
            Code={"ZipFile": function_zip(runtime, provided)})["FunctionArn"]
        api = server.boto3_client("apigatewayv2").create_api(Name="loop", ProtocolType="HTTP",
                                                            Target=arn)
        request = ("GET /_aws/execute-api/%s/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   % api["ApiId"]).encode()
        conn = socket.create_connection(("127.0.0.1", server.port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""

        def one():
            nonlocal buf
            conn.sendall(request)
            while True:
                end = buf.find(b"\r\n\r\n")
                if end >= 0:
                    head = buf[:end].lower()
                    at = head.find(b"content-length:")
                    length = int(head[at + 15:head.find(b"\r\n", at) if head.find(
                        b"\r\n", at) > 0 else len(head)])
                    if len(buf) >= end + 4 + length:
                        if not head.startswith(b"http/1.1 200"):
                            raise RuntimeError(buf[:end + 4 + length].decode(errors="replace"))
                        buf = buf[end + 4 + length:]
                        return
                chunk = conn.recv(65536)
                if not chunk:
                    raise RuntimeError("server closed the connection")
                buf += chunk

        for _ in range(warmup):
            one()
        pids = runtime_pids(server.proc.pid)
        server0, runtime0 = cpu_of([server.proc.pid]), cpu_of(pids)
        times = []
        for _ in range(n):
            t = time.perf_counter()
            one()
            times.append(time.perf_counter() - t)
        server1, runtime1 = cpu_of([server.proc.pid]), cpu_of(pids)
        conn.close()
    finally:
        server.cleanup()
    times.sort()
    return ((server1[0] - server0[0]) / n / 1e3, (runtime1[0] - runtime0[0]) / n / 1e3,
            times[n // 2] * 1e6, times[n * 99 // 100] * 1e6, len(pids),
            (server1[1] - server0[1]) / n, (runtime1[1] - runtime0[1]) / n,
            (server1[2] - server0[2]) / n, (runtime1[2] - runtime0[2]) / n)


def machine_jiffies():
    """(busy, steal, total) clock ticks of all CPUs since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    steal = v[7] if len(v) > 7 else 0
    return sum(v[:8]) - idle - steal, steal, sum(v[:8])


def serve_wrk(runtime, connections, seconds, provided):
    """The same HTTP API under wrk (1 thread, `connections` keep-alive
    connections, `seconds`), after 1 s at one connection and 1 s at
    `connections` (the benches' order: the pool scales up from one warm
    environment). CPU per request of the server, the runtime processes and
    wrk itself, and how busy the machine's CPUs were: near 100% the request
    rate is bound by that CPU; well below, by the hand-offs' latency."""
    import re
    from common import GATEWAY_UNTHROTTLED, Server, wrk_script
    server = Server(*GATEWAY_UNTHROTTLED).start()
    try:
        arn = server.boto3_client("lambda").create_function(
            FunctionName="loop-hello", Runtime=RUNTIMES[runtime], Handler="handler.handler",
            Role="arn:aws:iam::000000000000:role/bench", Timeout=30,
            Code={"ZipFile": function_zip(runtime, provided)})["FunctionArn"]
        api = server.boto3_client("apigatewayv2").create_api(Name="loop", ProtocolType="HTTP",
                                                            Target=arn)
        script = wrk_script("GET", "/_aws/execute-api/%s/hello" % api["ApiId"], {}, b"")

        def wrk(c, secs):
            proc = subprocess.Popen(["wrk", "-t1", "-c%d" % c, "-d%ds" % secs, "--latency",
                                     "-s", script, server.endpoint + "/"],
                                    stdout=subprocess.PIPE, text=True)
            out = proc.stdout.read()
            _, _, usage = os.wait4(proc.pid, 0)
            return out, usage.ru_utime + usage.ru_stime

        wrk(1, 1)
        wrk(connections, 1)
        before = {p: thread_cpu_ns(p)[0] for p in runtime_pids(server.proc.pid)}
        server0 = thread_cpu_ns(server.proc.pid)[0]
        busy0, steal0, total0 = machine_jiffies()
        out, wrk_cpu = wrk(connections, seconds)
        busy1, steal1, total1 = machine_jiffies()
        server1 = thread_cpu_ns(server.proc.pid)[0]
        envs = runtime_pids(server.proc.pid)
        # An environment started during the run counts from zero.
        runtime_ns = sum(thread_cpu_ns(p)[0] - before.get(p, 0) for p in envs)
    finally:
        server.cleanup()
    n = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": lat.get("50"), "p99": lat.get("99"), "envs": len(envs),
            "server_us": (server1 - server0) / n / 1e3,
            "runtime_us": runtime_ns / n / 1e3, "wrk_us": wrk_cpu / n * 1e6,
            "busy": (busy1 - busy0) / max(1, total1 - total0),
            "steal": (steal1 - steal0) / max(1, total1 - total0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--invokes", type=int, default=20000)
    ap.add_argument("--runtime", nargs="+", default=["python", "node"])
    ap.add_argument("--bootstrap-dir", default=BOOTSTRAPS)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--server", action="store_true",
                    help="through a real nimbus (NIMBUS_BIN or build/nimbus): an HTTP API in "
                         "front of the function, requests on one keep-alive connection")
    ap.add_argument("--provided", help="with --server: a `provided` bootstrap executable to "
                                       "measure as runtime 'provided'")
    ap.add_argument("--connections", type=int, default=1,
                    help="with --server: more than 1 drives the API with wrk on that many "
                         "connections for --seconds, and adds wrk's CPU and how busy the "
                         "machine was")
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    if args.server and args.connections > 1:
        print("HTTP API -> hello-world function on %s, wrk %d connections, %d s (after 1 s at "
              "1 and 1 s at %d), %s, %s"
              % (os.environ.get("NIMBUS_BIN", "build/nimbus"), args.connections, args.seconds,
                 args.connections, machine(),
                 datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")))
        for runtime in args.runtime:
            for _ in range(args.rounds):
                r = serve_wrk(runtime, args.connections, args.seconds, args.provided)
                print("  %-8s %7.0f req/s, p50 %s, p99 %s; CPU us per request: server %5.1f, "
                      "runtime %5.1f (%d environments), wrk %5.1f, all %5.1f; CPUs busy %3.0f%%, "
                      "stolen %3.0f%%"
                      % (runtime, r["rps"], r["p50"], r["p99"], r["server_us"], r["runtime_us"],
                         r["envs"], r["wrk_us"], r["server_us"] + r["runtime_us"] + r["wrk_us"],
                         r["busy"] * 100, r["steal"] * 100), flush=True)
        return 0
    if args.server:
        print("HTTP API -> hello-world function on %s, %d requests on one keep-alive "
              "connection after 500 warm-up, %s, %s"
              % (os.environ.get("NIMBUS_BIN", "build/nimbus"), args.invokes, machine(),
                 datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")))
        figures = {}
        for runtime in args.runtime:
            for _ in range(args.rounds):
                (server_us, runtime_us, p50, p99, procs, server_waits, runtime_waits,
                 server_io, runtime_io) = serve_once(runtime, args.invokes, 500, args.provided)
                print("  %-8s per request: CPU us server %6.1f, runtime %6.1f (%d process); "
                      "waits server %.2f, runtime %.2f; read+write calls server %.2f, runtime "
                      "%.2f; p50 %6.1f us, p99 %7.1f us"
                      % (runtime, server_us, runtime_us, procs, server_waits, runtime_waits,
                         server_io, runtime_io, p50, p99), flush=True)
                figures.setdefault(runtime, []).append((server_us, runtime_us, p50))
        print(json.dumps({k: [min(x[i] for x in v) for i in range(3)]
                          for k, v in figures.items()}))
        return 0
    print("runtime loop against a fake Runtime API, %d invokes per run, %s, %s"
          % (args.invokes, machine(), datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")))
    if args.profile:
        out = run_once("python", args.bootstrap_dir, args.invokes, True)[4]
        print("\n".join(out.decode(errors="replace").splitlines()[:40]))
        return 0
    figures = {}
    for runtime in args.runtime:
        # The process's start-up and import are in its CPU time: a run of
        # 0 invokes measures them, and the figure is the rest / n.
        base = min(run_once(runtime, args.bootstrap_dir, 0, False)[0] for _ in range(3))
        best = None
        for _ in range(args.rounds):
            cpu, user, system, elapsed, _, waits = run_once(runtime, args.bootstrap_dir,
                                                            args.invokes, False)
            per = (cpu - base) / args.invokes * 1e6
            print("  %-6s CPU %6.1f us/invoke (user %.2f s, system %.2f s, start-up %.3f s), "
                  "%.2f waits/invoke, wall %6.1f us/invoke"
                  % (runtime, per, user, system, base, waits / args.invokes,
                     elapsed / args.invokes * 1e6), flush=True)
            best = per if best is None else min(best, per)
        figures[runtime] = best
    print(json.dumps({k + "_cpu_us_per_invoke": round(v, 1) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
