"""Cold start and memory per warm environment, through a real nimbus.

Cold start: for each runtime, --functions fresh functions each invoked once
(a cold start: the environment is created for that Invoke) and then once
more (warm). Printed per runtime: the cold Invoke's latency, the REPORT
line's Init Duration, the warm Invoke's latency, and the bare interpreter
start-up measured in the same run, interleaved with the cold starts
(`python3 -c pass`, node running an empty file, the C++ function's
`--version`). nimbus's own share of a cold start is
(cold - warm) - bare: what creating the environment costs beyond starting
the interpreter itself.

Memory (measured first, with only C++ environments alive): --environments
functions of the C++ sample kept warm at once; the growth of nimbus's and
the sandboxes' PID-1 inits' PSS + page tables per environment (what an
environment costs beyond its runtime process), the init's own figures and
the runtime process's RSS / PSS, from /proc (smaps_rollup, status).

--bootstraps DIR copies DIR's files over the bootstraps nimbus installed
(DATA_DIR/.../runtime/{python,node}/) before measuring: an A/B of bootstrap
versions on one binary in one run.

--server-arg ARG (repeatable) starts nimbus with ARG: `--server-arg=--lambda-network
--server-arg=none` measures functions without a network but nimbus.

Usage: python3 bench/coldstart_bench.py [--functions 10] [--environments 20]
                                        [--bootstraps DIR] [--skip-memory]
                                        [--server-arg ARG ...]
"""

import argparse
import base64
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import Server, machine
from lambda_bench import NOOP_NODE, NOOP_PY, make_zip

ROLE = "arn:aws:iam::000000000000:role/bench"
# The bare interpreters run with an environment like the sandbox's: this
# machine's NODE_EXTRA_CA_CERTS alone adds ~50 ms of CPU to every node start.
BARE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}


def bare_ms(argv, runs=10):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=BARE_ENV)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def invoke_ms(lam, name):
    t = time.perf_counter()
    r = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    ms = (time.perf_counter() - t) * 1000
    if r.get("FunctionError"):
        raise RuntimeError("%s failed: %s" % (name, r["Payload"].read()))
    log = base64.b64decode(r.get("LogResult", "")).decode(errors="replace")
    init = re.search(r"Init Duration: ([\d.]+) ms", log)
    return ms, float(init.group(1)) if init else None


def cold_starts(lam, label, runtime, handler, code, n, bare_argv):
    """Medians over n fresh functions; the bare interpreter runs between them
    so both see the same machine load."""
    cold, init, warm, bare = [], [], [], []
    for i in range(n):
        name = "cold-%s-%d" % (re.sub(r"[^a-z0-9]", "", label), i)
        lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                            Code={"ZipFile": code}, MemorySize=128, Timeout=10)
        bare.append(bare_ms(bare_argv, 1))
        ms, init_ms = invoke_ms(lam, name)
        cold.append(ms)
        if init_ms is not None:
            init.append(init_ms)
        warm.append(invoke_ms(lam, name)[0])
        bare.append(bare_ms(bare_argv, 1))
    med = statistics.median
    return {"cold": med(cold), "init": med(init) if init else None, "warm": med(warm),
            "bare": med(bare)}


def smaps(pid):
    """kB values of /proc/PID/smaps_rollup plus VmPTE from status."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            m = re.match(r"(\w+):\s+(\d+) kB", line)
            if m:
                out[m.group(1)] = int(m.group(2))
    with open("/proc/%d/status" % pid) as f:
        out["VmPTE"] = int(re.search(r"VmPTE:\s+(\d+)", f.read()).group(1))
    out["Private"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def children(pid):
    kids = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
            kids += [int(p) for p in f.read().split()]
    return kids


def sandbox_total(pid):
    """PSS + page tables (kB) of nimbus and every sandbox's PID-1 init: all
    the memory of nimbus's side, the runtime processes excluded. The inits
    are forks of nimbus sharing its pages copy-on-write, so their PSS and
    nimbus's move together; the sum is what an environment adds."""
    total = 0
    for p in [pid] + children(pid):
        m = smaps(p)
        total += m["Pss"] + m["VmPTE"]
    return total


def memory(lam, server, echo_zip, n):
    pid = server.proc.pid
    for i in range(n):
        lam.create_function(FunctionName="mem-%d" % i, Runtime="provided.al2023", Role=ROLE,
                            Handler="none", Code={"ZipFile": echo_zip}, MemorySize=128,
                            Timeout=10)
    # One environment first so that one-time costs (the first spawn, pools,
    # lazily parsed models) are in the baseline.
    invoke_ms(lam, "mem-0")
    time.sleep(0.5)
    before = smaps(pid)
    total_before = sandbox_total(pid)
    for i in range(1, n):
        invoke_ms(lam, "mem-%d" % i)
    time.sleep(0.5)
    after = smaps(pid)
    total_after = sandbox_total(pid)
    # Environments' inits have the runtime as a child; spare sandboxes
    # (started ahead, spawn.h) have none yet.
    inits = [p for p in children(pid) if children(p)]
    spares = len(children(pid)) - len(inits)
    per_init = [smaps(p) for p in inits]
    empty_js = os.path.join(tempfile.mkdtemp(), "empty.js")
    open(empty_js, "w").close()
    runtimes = [smaps(c) for p in inits for c in children(p)]
    k = n - 1
    mb = lambda kb: kb / 1024.0  # noqa: E731
    avg = lambda rows, key: statistics.mean(r[key] for r in rows) if rows else 0  # noqa: E731
    return {
        "environments": k,
        "sandboxes": len(inits),
        "spares": spares,
        "overhead_mb": mb(total_after - total_before) / k,
        "nimbus_rss_per_env_mb": mb(after["Rss"] - before["Rss"]) / k,
        "init_pss_mb": mb(avg(per_init, "Pss")),
        "init_private_mb": mb(avg(per_init, "Private")),
        "init_pte_mb": mb(avg(per_init, "VmPTE")),
        "init_rss_mb": mb(avg(per_init, "Rss")),
        "runtime_rss_mb": mb(avg(runtimes, "Rss")),
        "runtime_pss_mb": mb(avg(runtimes, "Pss")),
        "runtime_private_mb": mb(avg(runtimes, "Private")),
        "nimbus_rss_mb": mb(after["Rss"]),
    }


def install_bootstraps(server, src):
    """Copies src's tree over the runtime directory nimbus installed."""
    for root, _, files in os.walk(server.data_dir):
        if os.path.basename(root) == "python" and "bootstrap.py" in files:
            runtime_dir = os.path.dirname(root)
            for base, _, names in os.walk(src):
                for name in names:
                    rel = os.path.relpath(os.path.join(base, name), src)
                    shutil.copy(os.path.join(base, name), os.path.join(runtime_dir, rel))
            return runtime_dir
    raise RuntimeError("no installed bootstraps under %s" % server.data_dir)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--functions", type=int, default=10)
    ap.add_argument("--environments", type=int, default=20)
    ap.add_argument("--bootstraps", help="directory of bootstraps to install over nimbus's")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="an argument for `nimbus serve` (repeat for more)")
    args = ap.parse_args()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print("cold start and memory per environment, %s, %s, load average %s" %
          (machine(), datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), load))
    echo_path = os.path.join(os.path.dirname(os.environ.get("NIMBUS_BIN", "build/nimbus")),
                             "src", "runtime", "runtime_echo_function")
    with open(echo_path, "rb") as f:
        echo_zip = make_zip({"bootstrap": (f.read(), 0o755)})
    empty_js = os.path.join(tempfile.mkdtemp(), "empty.js")
    open(empty_js, "w").close()
    runtimes = [
        ("python", "python3.12", "app.handler", make_zip({"app.py": (NOOP_PY, 0o644)}),
         ["python3", "-c", "pass"]),
        ("node", "nodejs20.x", "index.handler", make_zip({"index.js": (NOOP_NODE, 0o644)}),
         ["node", empty_js]),
        ("provided (C++)", "provided.al2023", "none", echo_zip, [echo_path, "--version"]),
    ]
    server = Server(*args.server_arg).start()
    if args.server_arg:
        print("nimbus serve %s" % " ".join(args.server_arg))
    try:
        lam = server.boto3_client("lambda")
        # One environment first: the runtime host and its bootstraps exist.
        lam.create_function(FunctionName="warm-up", Runtime="provided.al2023", Role=ROLE,
                            Handler="none", Code={"ZipFile": echo_zip})
        invoke_ms(lam, "warm-up")
        if args.bootstraps:
            print("bootstraps from %s installed in %s" %
                  (args.bootstraps, install_bootstraps(server, args.bootstraps)))
        if not args.skip_memory:
            m = memory(lam, server, echo_zip, args.environments)
            print("memory, %(environments)d extra warm C++ environments (%(sandboxes)d "
                  "environments and %(spares)d spare sandboxes found), nimbus RSS now "
                  "%(nimbus_rss_mb).1f MB:" % m)
            print("  overhead beyond the runtime process (nimbus + PID-1 init, PSS + page tables): "
                  "%(overhead_mb).3f MB per environment" % m)
            print("  nimbus RSS growth per environment: %(nimbus_rss_per_env_mb).3f MB" % m)
            print("  sandbox PID-1 init: PSS %(init_pss_mb).3f MB, private %(init_private_mb).3f "
                  "MB, page tables %(init_pte_mb).3f MB (RSS %(init_rss_mb).1f MB, shared with "
                  "nimbus)" % m)
            print("  runtime process itself: RSS %(runtime_rss_mb).3f MB, PSS %(runtime_pss_mb).3f "
                  "MB, private %(runtime_private_mb).3f MB" % m)
        print("%-16s %9s %9s %9s %9s %13s" % ("runtime", "cold ms", "init ms", "warm ms",
                                             "bare ms", "nimbus share"))
        for label, runtime, handler, code, bare_argv in runtimes:
            # The interpreter is resolved as nimbus resolves it (/usr/bin first).
            if not os.path.isabs(bare_argv[0]):
                bare_argv = ["/usr/bin/" + bare_argv[0]] + bare_argv[1:]
            r = cold_starts(lam, label, runtime, handler, code, args.functions, bare_argv)
            print("%-16s %9.1f %9s %9.1f %9.1f %10.1f ms" % (
                label, r["cold"], "%.1f" % r["init"] if r["init"] is not None else "-",
                r["warm"], r["bare"], r["cold"] - r["warm"] - r["bare"]))
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
