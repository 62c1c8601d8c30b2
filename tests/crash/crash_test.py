#!/usr/bin/env python3
"""Crash test for src/storage: kill -9 a writer while its writes are being
acknowledged, reopen, and let the writer's `verify` mode check that every
acknowledged write is there. One harness for every writer:
  storage_crash_writer  records: every acknowledged key is present;
  log_crash_writer      the log: every acknowledged record is at its sequence
                        with its payload, and sequences strictly increase.
  async_invoke_crash_writer
                        the async-invoke queue (events/): every accepted
                        invocation, whether queued, running, waiting for a
                        retry or for its destination at the kill, reaches its
                        destination after a restart.

Usage: crash_test.py PATH/TO/WRITER [THREADS]
(ctest passes the binary; NIMBUS_CRASH_WRITER works too.)

A writer prints a write only after it was acknowledged, so every line read
from its stdout before the kill is a promise the store must keep; the rounds
share one directory, so writes from earlier rounds must survive later
crashes, and a log's sequences must continue without reuse.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

WRITER = os.environ.get("NIMBUS_CRASH_WRITER", "")
ROUNDS = 3
THREADS = int(os.environ.get("NIMBUS_CRASH_THREADS", "8"))


class CrashTest(unittest.TestCase):
    def setUp(self):
        if not WRITER or not os.access(WRITER, os.X_OK):
            self.skipTest("pass a crash writer binary as the first argument")
        self.dir = tempfile.mkdtemp(prefix="nimbus-crash-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def crash_round(self, run_seconds, durability):
        """Starts the writer, kills it after run_seconds, returns the acknowledged writes."""
        proc = subprocess.Popen(
            [WRITER, "write", self.dir, str(THREADS), durability],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        acked = []

        def drain():
            # Read continuously so a full pipe never slows the writer down.
            for line in proc.stdout:
                if line.endswith(b"\n"):
                    acked.append(line[:-1].decode())

        reader = threading.Thread(target=drain)
        reader.start()
        time.sleep(run_seconds)
        if proc.poll() is not None:
            self.fail("writer exited early (%s): %s" % (proc.returncode, proc.stderr.read().decode()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join()
        proc.stdout.close()
        proc.stderr.close()
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        return acked

    def verify(self, keys):
        result = subprocess.run([WRITER, "verify", self.dir], input="\n".join(keys).encode(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        report = (result.stdout + result.stderr).decode()
        self.assertEqual(result.returncode, 0, report)
        return report

    def run_rounds(self, durability):
        all_acked = []
        for round_no in range(ROUNDS):
            # Vary the kill point a little so it lands in different phases.
            acked = self.crash_round(1.0 + 0.35 * round_no, durability)
            self.assertGreater(len(acked), 0, "nothing was acknowledged in round %d" % round_no)
            all_acked.extend(acked)
            # Writes from earlier rounds must survive later crashes too.
            report = self.verify(all_acked)
            print("%s round %d: %d acknowledged this round; %s" % (
                durability, round_no + 1, len(acked), report.strip()), file=sys.stderr)

    def test_sync_acknowledged_writes_survive_kill_9(self):
        self.run_rounds("sync")

    def test_async_acknowledged_writes_survive_kill_9(self):
        # async skips the fsync but still writes the WAL before acknowledging:
        # a process crash (not a power loss) must lose nothing.
        self.run_rounds("async")


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        WRITER = os.path.abspath(sys.argv.pop(1))
        if len(sys.argv) > 1 and sys.argv[1].isdigit():
            THREADS = int(sys.argv.pop(1))
    unittest.main()
