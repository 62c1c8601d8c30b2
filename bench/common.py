"""Shared pieces of the benchmarks: start servers, sign requests, run wrk.

Benchmarks measure; they do not assert. Each prints nimbus and its peer side
by side from one run, and the ratio.
"""

import atexit
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from harness import Server  # noqa: E402

# `nimbus serve` arguments lifting API Gateway's account-level throttle
# (10,000 requests/s, burst 5,000, as AWS's) for benches measuring the
# machine's limit rather than AWS's.
GATEWAY_UNTHROTTLED = ("--apigateway-account-rate-limit", "1000000000",
                       "--apigateway-account-burst-limit", "1000000000")


def native_function():
    """bench/esm_bench_function built beside NIMBUS_BIN's nimbus (a native
    `provided` function logging when it starts), or None when not built."""
    path = bench_binary("esm_bench_function")
    return path if os.path.exists(path) else None


def bench_binary(name):
    """bench/<name> built beside NIMBUS_BIN's nimbus (build/bench/<name>)."""
    return os.path.join(os.path.dirname(os.environ.get("NIMBUS_BIN",
                                                       os.path.join(ROOT, "build", "nimbus"))),
                        "bench", name)


def fanout_probe(endpoint, queue_url, samples, topic_arn=None, events_source=None, pad=256):
    """Publish -> visible latency from bench/fanout_probe (C++, one long poll
    per sample): {"visible": {p50_ms, p99_ms, min_ms, max_ms}, "publish_call":
    ..., "empty_receive": ..., "samples", "missed"}. The queue must be empty."""
    import json
    cmd = [bench_binary("fanout_probe"), "--endpoint", endpoint, "--queue-url", queue_url,
           "--samples", str(samples), "--pad", str(pad)]
    cmd += ["--topic-arn", topic_arn] if topic_arn else ["--events-source", events_source]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60 + samples * 31)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RuntimeError("fanout_probe failed (%d): %s" % (proc.returncode, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bootstrap_zip(path):
    """A `provided` function's code: the executable at `path` as `bootstrap`."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, open(path, "rb") as f:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = (0o100000 | 0o755) << 16
        z.writestr(info, f.read())
    return buf.getvalue()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(name, proc, ready, timeout, step=0.1):
    """Polls ready() (true once the server answers as it should; it may
    raise OSError while the server cannot be reached) for at most `timeout`
    seconds. RuntimeError when `proc` exits first or the time runs out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("%s exited at start" % name)
        time.sleep(step)
    raise RuntimeError("%s did not start" % name)


def port_open(port):
    """True when 127.0.0.1:`port` accepts a connection (OSError otherwise)."""
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


class LocalServer:
    """A peer's process on 127.0.0.1 at an ephemeral port (`proc` once
    started)."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        """Terminates the process if it runs (killed after 10 s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Moto(LocalServer):
    """moto_server on an ephemeral port, or None when it is not installed."""

    def start(self):
        exe = shutil.which("moto_server")
        if exe is None:
            return None
        self.proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up("moto_server", self.proc,
                      lambda: urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1),
                      timeout=30)
        return self


CACHE = os.path.join(os.path.expanduser("~"), ".cache", "nimbus-bench")


class NpmPeer(LocalServer):
    """A peer server from npm (dynalite, kinesalite, kinesis-local), installed
    at a pinned version into ~/.cache/nimbus-bench/<package> on first use and
    started on an ephemeral port. `args(port, data_dir)` gives its command
    line after the script, `env(port)` its environment."""

    def __init__(self, package, version, args=None, env=None, ready_path="/"):
        super().__init__()
        self.package, self.version = package, version
        self._args, self._env, self.ready_path = args, env, ready_path
        self.data_dir = None

    def install(self):
        home = os.path.join(CACHE, self.package)
        script = os.path.join(home, "node_modules", ".bin", self.package)
        if not os.path.exists(script):
            os.makedirs(home, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                            "--prefix", home, "%s@%s" % (self.package, self.version)],
                           check=True, timeout=600)
        return script

    def start(self):
        """The started peer, or None when npm or node is missing."""
        if shutil.which("node") is None or shutil.which("npm") is None:
            return None
        script = self.install()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-bench-%s-" % self.package)
        env = dict(os.environ, **(self._env(self.port) if self._env else {}))
        args = self._args(self.port, self.data_dir) if self._args else []
        # From the package's folder: kinesis-local reads its server.json there.
        package_dir = os.path.join(CACHE, self.package, "node_modules", self.package)
        self.proc = subprocess.Popen(["node", script] + args, env=env, cwd=package_dir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(self.package, self.proc, lambda: port_open(self.port), timeout=60)
        return self

    def stop(self):
        super().stop()
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def client(service, endpoint, max_pool_connections=10):
    """A boto3 client for `service` at `endpoint` with test credentials."""
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(max_pool_connections=max_pool_connections,
                                      retries={"max_attempts": 0}))


def signed_request(endpoint, service, body, headers=None, region="us-east-1"):
    """(method, path, headers, body) of a SigV4-signed POST to `endpoint`."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers=dict(headers or {}))
    SigV4Auth(Credentials("test", "test"), service, region).add_auth(req)
    prepared = req.prepare()
    return "POST", "/", dict(prepared.headers), body


def _write_wrk_script(lines):
    """Writes a wrk Lua script of `lines` plus a response check that stops the
    thread on the first non-200 answer; returns its path."""
    lines = lines + ["function response(status, headers, body)\n"
                     "  if status ~= 200 then print('unexpected status ' .. status .. ' ' .. body) "
                     "wrk.thread:stop() end\nend"]
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write("\n".join(lines) + "\n")
    f.close()
    # A script of many signed requests is megabytes; it goes when the
    # benchmark ends, as its server's data directory does.
    atexit.register(_remove_quietly, f.name)
    return f.name


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def run_servers(servers, names, run, pass_server=False):
    """Starts each server of `names` in turn (`servers[name]()` is a
    nimbus Server, a Moto or an NpmPeer), calls run(name, endpoint) (with
    `pass_server`, run(name, server): its endpoint and proc) and stops it;
    returns {name: result} for the servers that could start."""
    results = {}
    for name in names:
        server = servers[name]().start()
        if server is None:
            print("  %s: not available (moto_server or node/npm missing)" % name)
            continue
        try:
            results[name] = run(name, server if pass_server else server.endpoint)
        finally:
            server.cleanup() if isinstance(server, Server) else server.stop()
    return results


def wrk_script(method, path, headers, body):
    def lua(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["wrk.method = %s" % lua(method), "wrk.path = %s" % lua(path),
             "wrk.body = %s" % lua(body.decode() if isinstance(body, bytes) else body)]
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lines.append("wrk.headers[%s] = %s" % (lua(k), lua(v)))
    return _write_wrk_script(lines)


def wrk_script_many(endpoint, requests):
    """A wrk script that sends `requests` [(method, path, headers, body)] to
    `endpoint` in turn on each connection: many keys, each request signed once
    up front. (The requests are formatted when the script loads, before wrk
    knows its host, so the Host header is set here.)"""
    host = endpoint.split("://", 1)[1].rstrip("/")
    def lua(s):
        if isinstance(s, bytes):
            s = s.decode()
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    lines = ["local requests = {}"]
    for method, path, headers, body in requests:
        hs = ", ".join("[%s] = %s" % (lua(k), lua(v)) for k, v in
                       list(headers.items()) + [("Host", host)]
                       if k.lower() != "content-length")
        lines.append("requests[#requests + 1] = wrk.format(%s, %s, {%s}, %s)"
                     % (lua(method), lua(path), hs, lua(body)))
    lines.append("local i = 0\n"
                 "function request()\n  i = i % #requests + 1\n  return requests[i]\nend")
    return _write_wrk_script(lines)


def _to_ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def thread_cpu_ns(pid):
    """CPU time (ns) of every thread of `pid` (/proc schedstat) and their
    voluntary context switches (the times they blocked: wake-ups)."""
    cpu = waits = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                cpu += int(f.read().split()[0])
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        waits += int(line.split()[1])
    except OSError:
        pass
    return cpu, waits


def cpu_jiffies():
    """(busy, total) clock ticks of every CPU of the machine since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def run_wrk(endpoint, script, seconds=10, connections=32, threads=1, timeout=2):
    """Returns {rps, p50_ms, p99_ms, requests, errors, wrk_cpu_s, busy} from
    one wrk run: wrk's own CPU seconds, and the share of the machine's cores
    busy over the run (server, wrk and anything else). Requests slower than
    `timeout` seconds count as wrk socket timeouts."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    jiffies = cpu_jiffies()
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                          "--timeout", "%ds" % timeout,
                          "--latency", "-s", script, endpoint + "/"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = (b - a for a, b in zip(jiffies, cpu_jiffies()))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict((p, _to_ms(v, u)) for p, v, u in
               re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    unexpected = re.search(r"unexpected status (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "errors": int(errors.group(1)) if errors else 0,
            "unexpected": unexpected.group(0) if unexpected else None, "raw": out,
            "requests": int(requests.group(1)) if requests else 0,
            "wrk_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "busy": busy / total if total else 0.0}


def against_moto(measure, nimbus_args=(), with_moto=True):
    """Runs measure(name, server) on a nimbus started with `nimbus_args`, then
    on moto_server when `with_moto` and it is installed; each server is
    stopped after its run. Returns {"nimbus": ..., "moto": ...} for the
    servers that ran (`server.endpoint`, `server.proc.pid` are there for
    both)."""
    results = {}
    nimbus = Server(*nimbus_args).start()
    try:
        results["nimbus"] = measure("nimbus", nimbus)
    finally:
        nimbus.cleanup()
    if not with_moto:
        return results
    moto = Moto().start()
    if moto is None:
        print("moto_server is not installed: nimbus only")
        return results
    try:
        results["moto"] = measure("moto", moto)
    finally:
        moto.stop()
    return results


def percentile(values, p):
    """The nearest-rank `p`th percentile (0-100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def ratio(a, b):
    """a / b, infinite when b is 0 (a peer that did nothing)."""
    return a / b if b else float("inf")


def wait_for_count(count, want, timeout, step=0.1):
    """Polls count() until it reaches `want` or `timeout` seconds pass;
    returns the last count."""
    have = 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        have = count()
        if have >= want:
            break
        time.sleep(step)
    return have


def fdatasync_latencies(samples, size, directory=None, overwrite=False):
    """`samples` writes of `size` bytes to a new file in `directory` (the
    temporary directory by default), each followed by fdatasync: the
    latencies in ms. Appends by default (the file grows: its size is
    flushed too); with `overwrite`, over a file written with zeros and
    fsynced first, as nimbus's committer writes its WAL (storage/
    wal_files.h), where only the data is flushed. `overwrite` times the
    write and the fdatasync, appends the fdatasync alone."""
    fd, path = tempfile.mkstemp(prefix="nimbus-bench-sync-", dir=directory)
    lat = []
    try:
        data = b"x" * size
        if overwrite:
            os.write(fd, b"\0" * (samples * size + 4096))
            os.fsync(fd)
        for i in range(samples):
            if overwrite:
                t = time.perf_counter()
                os.pwrite(fd, data, i * size)
            else:
                os.write(fd, data)
                t = time.perf_counter()
            os.fdatasync(fd)
            lat.append((time.perf_counter() - t) * 1000.0)
    finally:
        os.close(fd)
        os.unlink(path)
    return lat


def sync_write_bound(connections, size=4096, samples=400):
    """What the disk allows writes acknowledged under `sync` durability.

    Times `samples` appends of `size` bytes to a file on the disk nimbus's
    data directory is on (the harness puts it under the temporary
    directory), each followed by fdatasync (what one group commit waits
    for), and returns the p50 and p99 in ms and the most writes per second that `connections`
    clients, each with one request in flight, could be acknowledged at if
    every write waited for exactly one such sync and all in-flight writes
    shared it: connections / p50. No server gets past that bound; a peer that
    never syncs is not bound by it."""
    lat = fdatasync_latencies(samples, size)
    p50 = percentile(lat, 50)
    return {"p50_ms": p50, "p99_ms": percentile(lat, 99),
            "bound_per_s": connections * 1000.0 / p50 if p50 > 0 else float("inf")}


def print_sync_bound(connections, what):
    """Measures sync_write_bound, prints it and returns it."""
    bound = sync_write_bound(connections)
    print("  disk: a 4 KiB append + fdatasync p50 %.3f ms p99 %.3f ms -> at most %.0f %s/s at "
          "%d connections with one sync each" % (bound["p50_ms"], bound["p99_ms"],
                                                 bound["bound_per_s"], what, connections),
          flush=True)
    return bound


def load_line():
    """The machine, the date and the load average, for a benchmark's header."""
    import datetime
    return "%s, %s, load average %s" % (machine(), datetime.date.today(),
                                        " ".join("%.2f" % x for x in os.getloadavg()))


def machine():
    model = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d cores, %s" % (os.cpu_count(), model)
