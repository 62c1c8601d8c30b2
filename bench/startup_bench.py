"""nimbus start-up (spawn to first answered /_nimbus/health) and idle memory
(VmRSS after start-up settles). No peer named for these figures; moto_server's
start-up is printed beside them for scale.

Usage: python3 bench/startup_bench.py [--runs 10]
"""

import argparse
import datetime
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT, free_port, machine


def first_answer_ms(cmd, port, path):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", path)
            c.getresponse().read()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.0005)
    elapsed = (time.perf_counter() - t0) * 1000
    return proc, elapsed


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    binary = os.environ.get("NIMBUS_BIN", os.path.join(ROOT, "build", "nimbus"))
    print("start-up and idle memory, %d runs, %s, %s" % (args.runs, machine(),
                                                         datetime.date.today()))
    times, rss = [], []
    for _ in range(args.runs):
        d = tempfile.mkdtemp()
        port = free_port()
        proc, ms = first_answer_ms([binary, "serve", "--port", str(port), "--data-dir", d,
                                    "--log-level", "warn"], port, "/_nimbus/health")
        times.append(ms)
        time.sleep(1.0)
        rss.append(rss_mb(proc.pid))
        proc.terminate()
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)
    print("nimbus start-up to first answer: median %.1f ms, max %.1f ms"
          % (statistics.median(times), max(times)))
    print("nimbus idle RSS: median %.1f MB, max %.1f MB" % (statistics.median(rss), max(rss)))
    if shutil.which("moto_server"):
        port = free_port()
        proc, ms = first_answer_ms(["moto_server", "-H", "127.0.0.1", "-p", str(port)], port,
                                   "/moto-api/")
        time.sleep(1.0)
        print("moto_server start-up to first answer: %.0f ms, idle RSS %.1f MB"
              % (ms, rss_mb(proc.pid)))
        proc.terminate()
        proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
