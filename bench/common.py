"""Shared pieces of the benchmarks: start servers, sign requests, run wrk.

Benchmarks measure; they do not assert. Each prints nimbus and its peer side
by side from one run, and the ratio.
"""

import os
import re
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto_server on an ephemeral port, or None when it is not installed."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        exe = shutil.which("moto_server")
        if exe is None:
            return None
        self.proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)


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


def wrk_script(method, path, headers, body):
    def lua(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["wrk.method = %s" % lua(method), "wrk.path = %s" % lua(path),
             "wrk.body = %s" % lua(body.decode() if isinstance(body, bytes) else body)]
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lines.append("wrk.headers[%s] = %s" % (lua(k), lua(v)))
    lines.append("function response(status, headers, body)\n"
                 "  if status ~= 200 then print('unexpected status ' .. status .. ' ' .. body) "
                 "wrk.thread:stop() end\nend")
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write("\n".join(lines) + "\n")
    f.close()
    return f.name


def _to_ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(endpoint, script, seconds=10, connections=32, threads=1):
    """Returns {rps, p50_ms, p99_ms, requests, errors} from one wrk run."""
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                          "--latency", "-s", script, endpoint + "/"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict((p, _to_ms(v, u)) for p, v, u in
               re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    unexpected = re.search(r"unexpected status (\d+)", out)
    return {"rps": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
            "errors": int(errors.group(1)) if errors else 0,
            "unexpected": unexpected.group(0) if unexpected else None, "raw": out}


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
