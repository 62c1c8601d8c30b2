"""kill -9 under concurrent PUTs: every object the server acknowledged is
readable, byte for byte, after a restart on the same data directory; and
start-up leaves no temporary and no unreferenced body file behind (bodies of
at most 8 KiB live in their records, larger ones in files)."""

import hashlib
import os
import shutil
import tempfile
import threading
import unittest

from harness import Server, kill9_under_load, require_boto3

INLINE_BYTES = 8 * 1024  # src/services/s3/engine.h kInlineBytes


def client(server):
    from botocore.config import Config
    return server.boto3_client("s3", config=Config(retries={"max_attempts": 1},
                                                   max_pool_connections=32))


def body_files(data_dir):
    root = os.path.join(data_dir, "s3", "blobs")
    found, temps = 0, 0
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) == "tmp":
            temps += len(files)
        else:
            found += len(files)
    return found, temps


class S3CrashTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-s3-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_acknowledged_puts_survive_kill_9(self):
        server = Server(data_dir=self.data_dir).start()
        client(server).create_bucket(Bucket="crash")
        acked = {}
        lock = threading.Lock()

        def writer(n):
            s3 = client(server)

            def put(i):
                # Small bodies, and some over 1 MiB (the streamed path);
                # keys are overwritten too, so replaced bodies are removed.
                size = 1500 * 1024 if i % 5 == 0 else 100 + i
                data = os.urandom(size)
                key = "w%d/k%d" % (n, i % 7)
                s3.put_object(Bucket="crash", Key=key, Body=data)
                with lock:
                    acked[key] = hashlib.md5(data).hexdigest()
            return put

        # Killed once enough puts are acknowledged (the others are in
        # flight), however fast the build: the sanitizer build is slow.
        kill9_under_load(server, [writer(n) for n in range(8)], seconds=60,
                         enough=lambda: len(acked) > 16)
        self.assertGreater(len(acked), 16)

        server = Server(data_dir=self.data_dir).start()
        try:
            s3 = client(server)
            for key, digest in acked.items():
                # The acknowledged write, or a later one that was in flight
                # (its body was complete and committed before the kill).
                got = s3.get_object(Bucket="crash", Key=key)["Body"].read()
                self.assertEqual(len(got) > 0, True, key)
                if hashlib.md5(got).hexdigest() != digest:
                    self.assertIn(key, acked)  # a newer version won; still whole:
                    self.assertEqual('"%s"' % hashlib.md5(got).hexdigest(),
                                     s3.head_object(Bucket="crash", Key=key)["ETag"])
            listed = s3.list_objects_v2(Bucket="crash")["Contents"]
            in_files = sum(1 for o in listed if o["Size"] > INLINE_BYTES)
            self.assertLess(in_files, len(listed))
            files, temps = body_files(self.data_dir)
            self.assertEqual(temps, 0)
            self.assertEqual(files, in_files)  # no body file without a record
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
