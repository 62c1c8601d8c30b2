"""The disk's flush tail, idle and with every core busy: what bounds a
`sync` write's p99 before any server code runs.

Overwrites 1,000 bytes at a time of a file already written with zeros and
fdatasyncs after each (what nimbus's committer does with its zero-filled
WAL: storage/wal_files.h), `--samples` times, first on an idle machine, then
while one busy loop per core runs at the probe's priority (a benchmark's
load generator and server threads keep the cores that busy). Prints p50,
p99, p99.5, p99.9 and the share of flushes over 1 and 2.5 ms for each.

A server's p99 at 16 connections is weighted by the requests: a slow flush
holds up every write queued behind it, so the share of writes past a bound
is several times the share of flushes (dynamodb_bench.py prints both for
PutItem). No server reaches a p99 below the flush tail seen here under load.

Usage: python3 bench/fsync_tail_bench.py [--samples 20000] [--dir DIR]
(DIR: a directory on the disk of the data directory; the temporary
directory by default, where the benches' servers keep theirs.)
"""

import argparse
import multiprocessing
import os
import tempfile

from common import fdatasync_latencies, load_line, percentile

CHUNK = 1000


def spin(stop):
    while not stop.is_set():
        pass


def probe(directory, samples):
    return fdatasync_latencies(samples, CHUNK, directory, overwrite=True)


def report(label, lat):
    def over(ms):
        return 100.0 * sum(1 for v in lat if v > ms) / len(lat)
    print("  %-22s p50 %.3f  p99 %.3f  p99.5 %.3f  p99.9 %.3f  max %.3f ms;  over 1 ms %.2f%%, "
          "over 2.5 ms %.2f%%" % (label, percentile(lat, 50), percentile(lat, 99),
                                  percentile(lat, 99.5), percentile(lat, 99.9), max(lat), over(1),
                                  over(2.5)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    print("fsync tail: %d overwrites of %d bytes + fdatasync in %s, %s" %
          (args.samples, CHUNK, args.dir, load_line()), flush=True)
    report("idle", probe(args.dir, args.samples))
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(cores)]
    for p in spinners:
        p.start()
    try:
        report("%d cores busy" % cores, probe(args.dir, args.samples))
    finally:
        stop.set()
        for p in spinners:
            p.join()


if __name__ == "__main__":
    main()
