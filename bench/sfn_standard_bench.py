"""Step Functions Standard workflows: issue 15's figures for durable
executions, on nimbus with `sync` durability (the default).

1. Transitions: `--loops` executions started by `--threads` clients, each
   a 100-step loop (a Pass adding one, a Choice going back until 100, 201
   StateEntered events): transitions/s from the first start to the last
   stop (the server's startDate/stopDate), and each execution's time
   start to stop, divided by its transitions (nimbus runs Pass and Choice
   states in one step, so consecutive events share a millisecond and
   event gaps say nothing).
2. Waiting: `--waiting` executions each parked in a Wait state until one
   common timestamp `--wait-seconds` ahead: the server's RSS growth per
   waiting execution (VmRSS before the first start and once all are
   started and the RSS has settled), then how late each resumes (its
   stopDate against the timestamp; p50/p99/max) and whether all did.

3. Map: one execution of a distributed Map (`--map-mode INLINE` for an
   inline one) over `--items` items, MaxConcurrency 100,
   each item a Lambda task (arn:aws:states:::lambda:invoke) of a native
   `provided` function (bench/esm_bench_function, built beside nimbus):
   wall time from StartExecution to SUCCEEDED, and items/s.

moto_server does not run Standard executions (it answers StartExecution
without interpreting the machine), so there is no peer here; the targets
are the issue's: memory per waiting execution < 10 KB, all resume on time.

Usage: python3 bench/sfn_standard_bench.py [--loops 200] [--waiting 10000]
       [--wait-seconds 60] [--items 10000] [--threads 8] [--quick]
"""

import argparse
import datetime
import json
import sys
import threading
import time

from common import Server, bootstrap_zip, client, load_line, native_function, percentile
from harness import execution_history

ROLE = "arn:aws:iam::123456789012:role/bench"

LOOP = {
    "StartAt": "Step",
    "States": {
        "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "More"},
        "More": {"Type": "Choice",
                 "Choices": [{"Variable": "$.i", "NumericLessThan": 100, "Next": "Step"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"},
    },
}

WAIT = {
    "StartAt": "Park",
    "States": {
        "Park": {"Type": "Wait", "TimestampPath": "$.at", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def map_machine(function, mode):
    processor = {"ProcessorConfig": {"Mode": mode}} if mode == "INLINE" else {
        "ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"}}
    return {
        "StartAt": "Each",
        "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 100,
                     "ResultPath": None, "End": True,
                     "ItemProcessor": dict(processor, StartAt="Call", States={"Call": {
                         "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"FunctionName": function, "Payload.$": "$"},
                         "ResultPath": None, "End": True}})},
        },
    }


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def in_threads(n, threads, call):
    """call(i) for i in range(n) over `threads` threads; the errors counted."""
    errors = [0]
    lock = threading.Lock()
    next_i = [0]

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n:
                return
            try:
                call(i)
            except Exception:  # noqa: BLE001 - counted, the run goes on
                with lock:
                    errors[0] += 1

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors[0]


def entered_times(sfn, arn):
    return [e["timestamp"].timestamp() for e in execution_history(sfn, arn)
            if e["type"].endswith("StateEntered")]


def all_done(sfn, machine, want):
    done, kwargs = [], {"stateMachineArn": machine, "statusFilter": "SUCCEEDED",
                        "maxResults": 1000}
    while True:
        page = sfn.list_executions(**kwargs)
        done += page["executions"]
        if not page.get("nextToken") or len(done) >= want:
            break
        kwargs["nextToken"] = page["nextToken"]
    return done


def transitions(server, args):
    sfn = client("stepfunctions", server.endpoint, args.threads + 2)
    machine = sfn.create_state_machine(name="loop", definition=json.dumps(LOOP),
                                       roleArn=ROLE)["stateMachineArn"]
    start = time.time()

    def begin(i):
        sfn.start_execution(stateMachineArn=machine, input='{"i": 0}')
    errors = in_threads(args.loops, args.threads, begin)
    done = []
    while len(done) < args.loops - errors and time.time() - start < 600:
        done = all_done(sfn, machine, args.loops - errors)
        time.sleep(0.05)
    # The server's own times: first start to last stop, and each execution's
    # start to stop (nimbus runs Pass and Choice states in one step and
    # writes them in one batch, so consecutive events share a millisecond).
    first = min(d["startDate"] for d in done)
    last = max(d["stopDate"] for d in done)
    span = max(1e-6, (last - first).total_seconds())
    per_execution = [(d["stopDate"] - d["startDate"]).total_seconds() * 1000 for d in done]
    steps = len(entered_times(sfn, done[0]["executionArn"]))
    total = steps * len(done)
    print("standard loop: %d executions x %d transitions, first start to last stop %.3f s: "
          "%.0f transitions/s; an execution takes p50 %.2f ms p99 %.2f ms, "
          "%.1f us per transition at p50 (%d start errors)"
          % (len(done), steps, span, total / span, percentile(per_execution, 50),
             percentile(per_execution, 99), percentile(per_execution, 50) * 1000 / steps,
             errors), flush=True)


def waiting(server, args):
    sfn = client("stepfunctions", server.endpoint, args.threads + 2)
    machine = sfn.create_state_machine(name="park", definition=json.dumps(WAIT),
                                       roleArn=ROLE)["stateMachineArn"]
    pid = server.proc.pid
    time.sleep(1)
    before = rss_kb(pid)
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=args.wait_seconds)
    at_text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    at = datetime.datetime.strptime(at_text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    body = json.dumps({"at": at_text})
    t0 = time.time()
    errors = in_threads(args.waiting, args.threads,
                        lambda i: sfn.start_execution(stateMachineArn=machine, input=body))
    started = time.time() - t0
    time.sleep(2)
    after = rss_kb(pid)
    per = (after - before) * 1024.0 / max(1, args.waiting - errors)
    print("standard wait: %d executions started in %.1f s (%d errors); RSS %d -> %d KiB: "
          "%.0f bytes per waiting execution (target < 10 KB)"
          % (args.waiting - errors, started, errors, before, after, per), flush=True)
    if started >= args.wait_seconds:
        print("standard wait: starting took longer than the wait: raise --wait-seconds")
    deadline = at.timestamp() + 120
    done = []
    while time.time() < deadline:
        done = all_done(sfn, machine, args.waiting - errors)
        if len(done) >= args.waiting - errors:
            break
        time.sleep(1)
    late = [(d["stopDate"] - at).total_seconds() * 1000 for d in done]
    print("standard wait: %d of %d resumed; lateness after the timestamp p50 %.0f ms "
          "p99 %.0f ms max %.0f ms"
          % (len(done), args.waiting - errors, percentile(late, 50), percentile(late, 99),
             max(late) if late else float("nan")), flush=True)


def map_items(server, args):
    binary = native_function()
    if binary is None:
        print("standard map: bench/esm_bench_function not built (ninja esm_bench_function)")
        return
    lam = client("lambda", server.endpoint)
    lam.create_function(FunctionName="map-item", Runtime="provided.al2", Handler="none",
                        Role="arn:aws:iam::000000000000:role/bench", Timeout=30,
                        Code={"ZipFile": bootstrap_zip(binary)})
    sfn = client("stepfunctions", server.endpoint)
    machine = sfn.create_state_machine(name="map", definition=json.dumps(map_machine("map-item", args.map_mode)),
                                       roleArn=ROLE)["stateMachineArn"]
    body = json.dumps({"items": list(range(args.items))})
    t0 = time.time()
    arn = sfn.start_execution(stateMachineArn=machine, input=body)["executionArn"]
    status = "RUNNING"
    while status == "RUNNING" and time.time() - t0 < 1200:
        time.sleep(0.05)
        status = sfn.describe_execution(executionArn=arn)["status"]
    took = time.time() - t0
    why = ""
    if status != "SUCCEEDED":
        d = sfn.describe_execution(executionArn=arn)
        why = " (%s: %s)" % (d.get("error"), d.get("cause", "")[:200])
    print("standard map (%s): %d items, MaxConcurrency 100, native Lambda task: %s in %.2f s, "
          "%.0f items/s%s" % (args.map_mode, args.items, status, took, args.items / took, why),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loops", type=int, default=200)
    ap.add_argument("--waiting", type=int, default=10000)
    ap.add_argument("--wait-seconds", type=int, default=60)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--map-mode", choices=["DISTRIBUTED", "INLINE"], default="DISTRIBUTED",
                    help="an inline Map of 10,000 items exceeds the 25,000 history events "
                         "an execution may have, on AWS as here")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--only", default="loop,wait,map", help="which figures, comma-separated")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 2 loops, 200 waiting")
    args = ap.parse_args()
    if args.quick:
        args.loops, args.waiting, args.wait_seconds, args.items = 2, 200, 10, 200
    print("stepfunctions Standard, sync durability, %s" % load_line(), flush=True)
    # One server per figure: memory the loop freed would hide the waiting
    # executions' growth.
    figures = {"loop": transitions, "wait": waiting, "map": map_items}
    for name in args.only.split(","):
        measure = figures[name]
        server = Server().start()
        try:
            measure(server, args)
        finally:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
