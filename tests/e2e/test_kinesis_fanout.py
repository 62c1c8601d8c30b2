"""Kinesis enhanced fan-out with boto3 (both generations): consumers, and
SubscribeToShard's event stream over boto3's HTTP/1.1 connection, with
records put during the subscription pushed to the iterating client."""

import threading
import time
import unittest

from harness import ServerTestCase, require_boto3


class KinesisFanOutTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.k = self.server.boto3_client("kinesis")

    def test_consumers_and_subscribe_to_shard(self):
        k = self.k
        k.create_stream(StreamName="efo", ShardCount=1)
        arn = k.describe_stream_summary(StreamName="efo")["StreamDescriptionSummary"]["StreamARN"]
        k.put_record(StreamName="efo", Data=b"first", PartitionKey="k")
        consumer = k.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
        self.assertEqual(consumer["ConsumerStatus"], "CREATING")
        self.assertTrue(consumer["ConsumerARN"].startswith(arn + "/consumer/app:"))
        d = k.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        self.assertEqual(d["ConsumerDescription"]["ConsumerStatus"], "ACTIVE")
        names = [c["ConsumerName"] for c in k.list_stream_consumers(StreamARN=arn)["Consumers"]]
        self.assertEqual(names, ["app"])
        with self.assertRaises(k.exceptions.ResourceInUseException):
            k.register_stream_consumer(StreamARN=arn, ConsumerName="app")

        shard = k.list_shards(StreamName="efo")["Shards"][0]["ShardId"]
        sub = k.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard,
                                   StartingPosition={"Type": "TRIM_HORIZON"})
        # A second subscription of that consumer to that shard is refused.
        with self.assertRaises(k.exceptions.ResourceInUseException):
            k.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard,
                                 StartingPosition={"Type": "LATEST"})
        stream = sub["EventStream"]
        got = []
        pushed_at = {}

        def producer():
            time.sleep(0.2)
            for i in range(3):
                pushed_at[i] = time.time()
                k2.put_record(StreamName="efo", Data=b"live-%d" % i, PartitionKey="k")

        k2 = self.server.boto3_client("kinesis")
        t = threading.Thread(target=producer)
        t.start()
        latency = []
        for event in stream:
            e = event["SubscribeToShardEvent"]
            for r in e["Records"]:
                got.append(r["Data"])
                if r["Data"].startswith(b"live-"):
                    latency.append(time.time() - pushed_at[int(r["Data"][5:])])
            self.assertIn("ContinuationSequenceNumber", e)
            self.assertIn("MillisBehindLatest", e)
            if len(got) == 4:
                break
        stream.close()
        t.join()
        self.assertEqual(got, [b"first", b"live-0", b"live-1", b"live-2"])
        # Pushed on append, not found by a poll.
        self.assertLess(max(latency), 1.0)

        # Deregistered: the consumer is gone, and so is its ARN.
        k.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        with self.assertRaises(k.exceptions.ResourceNotFoundException):
            k.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        with self.assertRaises(k.exceptions.ResourceNotFoundException):
            k.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard,
                                 StartingPosition={"Type": "LATEST"})


if __name__ == "__main__":
    unittest.main()
