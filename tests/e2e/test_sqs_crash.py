"""kill -9 under load: every SendMessage the server acknowledged is there
after a restart on the same data directory; and a stress test with
concurrent producers and consumers (no loss, no double delivery within the
visibility timeout, FIFO order per group, counters settle to the truth)."""

import collections
import shutil
import tempfile
import threading
import unittest

from harness import Server, kill9_under_load, require_boto3


def client(server):
    from botocore.config import Config
    return server.boto3_client("sqs", config=Config(retries={"max_attempts": 1},
                                                    max_pool_connections=32))


class SqsCrashTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-sqs-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_acknowledged_sends_survive_kill_9(self):
        server = Server(data_dir=self.data_dir).start()
        url = client(server).create_queue(QueueName="crash")["QueueUrl"]
        acked = set()
        lock = threading.Lock()

        def producer(n):
            sqs = client(server)

            def send(i):
                if i % 2:
                    out = sqs.send_message(QueueUrl=url, MessageBody="p%d-%d" % (n, i))
                    ids = [out["MessageId"]]
                else:
                    out = sqs.send_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(k), "MessageBody": "p%d-%d-%d" % (n, i, k)}
                        for k in range(10)])
                    ids = [e["MessageId"] for e in out["Successful"]]
                with lock:
                    acked.update(ids)
            return send

        kill9_under_load(server, [producer(n) for n in range(6)])
        self.assertGreater(len(acked), 100)

        server = Server(data_dir=self.data_dir).start()
        try:
            sqs = client(server)
            seen = set()
            while True:
                got = sqs.receive_message(QueueUrl=url.replace(
                    url.split("/")[2], server.endpoint.split("/")[2]),
                    MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
                if not got:
                    break
                seen.update(m["MessageId"] for m in got)
            missing = acked - seen
            self.assertEqual(len(missing), 0, "%d acknowledged messages lost" % len(missing))
        finally:
            server.cleanup()

    def test_stress_producers_and_consumers(self):
        server = Server(data_dir=self.data_dir).start()
        try:
            self._stress(server)
        finally:
            server.cleanup()

    def _stress(self, server):
        sqs = client(server)
        url = sqs.create_queue(QueueName="stress", Attributes={"VisibilityTimeout": "60"})[
            "QueueUrl"]
        furl = sqs.create_queue(QueueName="stress.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true",
            "VisibilityTimeout": "60"})["QueueUrl"]
        producers, per_producer, groups = 4, 500, 8
        sent, delivered = set(), collections.Counter()
        fifo_seen = collections.defaultdict(list)
        lock = threading.Lock()

        def produce(n):
            c = client(server)
            for i in range(0, per_producer, 10):
                out = c.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(k), "MessageBody": "%d-%d" % (n, i + k)} for k in range(10)])
                with lock:
                    sent.update(e["MessageId"] for e in out["Successful"])
                for k in range(10):
                    g = (i + k) % groups
                    c.send_message(QueueUrl=furl, MessageBody="%d:%d:%d" % (n, g, i + k),
                                   MessageGroupId="g%d-%d" % (n, g))

        done = threading.Event()

        def consume(queue_url, record):
            c = client(server)
            idle = 0
            while idle < 3 or not done.is_set():
                got = c.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=1).get("Messages", [])
                if not got:
                    idle += 1
                    continue
                idle = 0
                record(got)
                c.delete_message_batch(QueueUrl=queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(got)])

        def record_std(msgs):
            with lock:
                for m in msgs:
                    delivered[m["MessageId"]] += 1

        def record_fifo(msgs):
            with lock:
                for m in msgs:
                    n, g, i = m["Body"].split(":")
                    fifo_seen[(n, g)].append(int(i))

        ps = [threading.Thread(target=produce, args=(n,)) for n in range(producers)]
        cs = [threading.Thread(target=consume, args=(url, record_std)) for _ in range(4)]
        cs += [threading.Thread(target=consume, args=(furl, record_fifo)) for _ in range(3)]
        for t in ps + cs:
            t.start()
        for t in ps:
            t.join()
        done.set()
        for t in cs:
            t.join()

        self.assertEqual(len(sent), producers * per_producer)
        self.assertEqual(set(delivered), sent)  # nothing lost
        doubles = [k for k, v in delivered.items() if v > 1]
        self.assertEqual(doubles, [])  # none delivered twice within the visibility timeout
        total = 0
        for key, seq in fifo_seen.items():
            self.assertEqual(seq, sorted(seq), "FIFO order broken in group %s" % (key,))
            self.assertEqual(len(seq), len(set(seq)))
            total += len(seq)
        self.assertEqual(total, producers * per_producer)
        for q in (url, furl):
            attrs = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
            self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
            self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")
            self.assertEqual(attrs["ApproximateNumberOfMessagesDelayed"], "0")


if __name__ == "__main__":
    unittest.main()
