"""The batch (MapReduce) pattern's throughput: examples/batch-mapreduce's
word count (one mapper per object: mapper.py, or with --native the native
mapper, build/bench/mapreduce_mapper) over generated text, against
`wc -w` over the same files on the same machine (the limit), and the
seed's figure (200 GB through 1,000 Lambda functions in 9 minutes:
~0.37 GB/s, ~0.4 MB/s per function).

Method: generate `--mib` MiB of text (words from a fixed vocabulary,
Zipf-like frequencies, separated by spaces and newlines, fixed seed; lines
of twelve words drawn from a pool of 20,000 such lines) in
`--files` objects; time `wc -w` over the files (second of two runs, page
cache warm); start nimbus, deploy the example, upload, then time
StartExecution → SUCCEEDED. nimbus runs Map iterations one after another,
so one mapper works at a time: the job's MB/s is its MB/s per core (the
server's own work, S3 reads and writes, shares that core's time). The
job's word total must equal `wc -w`'s (the text has no punctuation).
Also printed: the mappers' own share, the sum over the Map iterations of
LambdaFunctionScheduled -> LambdaFunctionSucceeded in the execution's
history (invocation, reading the object from S3, counting, writing the
partial); the rest is the workflow's own steps.

Usage: python3 bench/mapreduce_bench.py [--mib 128] [--files 16] [--native [BINARY]]
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from common import ROOT, Server, machine

sys.path.insert(0, os.path.join(ROOT, "examples", "batch-mapreduce"))


def generate(directory, mib, files):
    rng = random.Random(7)
    vocabulary = ["w%d%s" % (i, "abcdefghij"[i % 10] * (1 + i % 7)) for i in range(2000)]
    weights = [1.0 / (i + 1) for i in range(len(vocabulary))]
    pool = [" ".join(rng.choices(vocabulary, weights, k=12)) + "\n" for _ in range(20000)]
    per_file = mib * 1024 * 1024 // files
    paths = []
    for n in range(files):
        path = os.path.join(directory, "part-%03d.txt" % n)
        with open(path, "w") as f:
            written = 0
            while written < per_file:
                block = "".join(rng.choices(pool, k=4096))
                f.write(block)
                written += len(block)
        paths.append(path)
    return paths


def mapper_seconds(sfn, arn):
    """The sum over the Map iterations of each mapper task's time, from
    LambdaFunctionScheduled to LambdaFunctionSucceeded."""
    events, kwargs = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    # Map iterations run one after another: each Scheduled is followed by
    # its own Succeeded before the next one.
    scheduled, total, in_map = None, 0.0, False
    for e in events:
        if e["type"] in ("MapStateEntered", "MapStateExited"):
            in_map = e["type"] == "MapStateEntered"
        elif in_map and e["type"] == "LambdaFunctionScheduled":
            scheduled = e["timestamp"]
        elif in_map and e["type"] == "LambdaFunctionSucceeded" and scheduled is not None:
            total += (e["timestamp"] - scheduled).total_seconds()
            scheduled = None
    return total


def wc(paths):
    best = None
    for _ in range(2):
        start = time.perf_counter()
        out = subprocess.run(["wc", "-w"] + paths, capture_output=True, check=True).stdout
        best = time.perf_counter() - start
    return int(out.decode().strip().splitlines()[-1].split()[0]), best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=128)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--native", nargs="?", metavar="BINARY",
                        const=os.path.join(os.path.dirname(os.environ.get(
                            "NIMBUS_BIN", os.path.join(ROOT, "build", "nimbus"))),
                            "bench", "mapreduce_mapper"),
                        help="deploy the native mapper (default: build/bench/mapreduce_mapper)")
    args = parser.parse_args()
    if args.native and not os.path.exists(args.native):
        raise SystemExit("the native mapper is not built: " + args.native)
    mappers = "native mapper" if args.native else "Python mappers"
    directory = tempfile.mkdtemp(prefix="mapreduce-bench-")
    server = None
    try:
        paths = generate(directory, args.mib, args.files)
        size = sum(os.path.getsize(p) for p in paths)
        words, wc_seconds = wc(paths)

        import deploy
        server = Server().start()
        names = deploy.deploy(server.endpoint, native=args.native)
        s3, sfn = server.boto3_client("s3"), server.boto3_client("stepfunctions")
        for p in paths:
            s3.upload_file(p, names["input_bucket"], "bench/" + os.path.basename(p))
        start = time.perf_counter()
        arn = sfn.start_execution(
            stateMachineArn=names["state_machine"], name="bench",
            input=json.dumps({"input_bucket": names["input_bucket"], "prefix": "bench/",
                              "output_bucket": names["output_bucket"]}))["executionArn"]
        while True:
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        if d["status"] != "SUCCEEDED":
            raise SystemExit("the job ended %s: %s" % (d["status"], d.get("cause")))
        total = json.loads(d["output"])["total"]
        mapping = mapper_seconds(sfn, arn)
        load = os.getloadavg()

        mb = size / 1e6
        print("mapreduce_bench  %s  %s  load average %.2f %.2f %.2f" % (
            datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), machine(), *load))
        print("input: %.1f MB in %d objects, %d words (wc -w: %d, %s)" % (
            mb, args.files, total, words, "equal" if total == words else "DIFFERENT"))
        print("%-34s %8.2f s  %8.1f MB/s" % ("wc -w (one core, the limit)", wc_seconds,
                                             mb / wc_seconds))
        print("%-34s %8.2f s  %8.1f MB/s  (%.1f%% of wc -w)" % (
            "nimbus, %s (one core)" % mappers, seconds, mb / seconds,
            100.0 * wc_seconds / seconds))
        print("%-34s %8.2f s  %8.1f MB/s  (%.1f%% of wc -w)" % (
            "  of which the mappers' tasks", mapping, mb / mapping if mapping else 0.0,
            100.0 * wc_seconds / mapping if mapping else 0.0))
        print("%-34s %8s    %8.1f MB/s  (per function; x%.0f per core here)" % (
            "seed: 1,000 Lambdas, 200 GB/9 min", "", 0.4, mb / seconds / 0.4))
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
