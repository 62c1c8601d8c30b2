"""Kinesis Data Streams end to end: boto3 (both generations), the AWS CLI and
a restart against a real server."""

import base64
import json
import time
import unittest

from harness import ACCOUNT, REGION, Server, ServerTestCase, require_boto3


class KinesisBoto3Test(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.k = self.server.boto3_client("kinesis")

    def make(self, name, shards=1):
        self.k.create_stream(StreamName=name, ShardCount=shards)
        self.k.get_waiter("stream_exists").wait(StreamName=name,
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 5})

    def shard_ids(self, name):
        return [s["ShardId"] for s in self.k.list_shards(StreamName=name)["Shards"]]

    def test_stream_life_cycle(self):
        self.make("e2e-life", 3)
        with self.assertRaises(self.k.exceptions.ResourceInUseException) as cm:
            self.k.create_stream(StreamName="e2e-life", ShardCount=1)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Stream e2e-life under account %s already exists." % ACCOUNT)
        d = self.k.describe_stream(StreamName="e2e-life")["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "ACTIVE")
        self.assertEqual(d["StreamARN"],
                         "arn:aws:kinesis:%s:%s:stream/e2e-life" % (REGION, ACCOUNT))
        self.assertEqual(len(d["Shards"]), 3)
        # Old botocore models predate StreamARN parameters.
        by = ({"StreamARN": d["StreamARN"]} if "StreamARN" in self.k.meta.service_model
              .operation_model("DescribeStreamSummary").input_shape.members
              else {"StreamName": "e2e-life"})
        s = self.k.describe_stream_summary(**by)["StreamDescriptionSummary"]
        self.assertEqual(s["OpenShardCount"], 3)
        self.assertIn("e2e-life", self.k.list_streams()["StreamNames"])
        self.k.delete_stream(StreamName="e2e-life")
        self.k.get_waiter("stream_not_exists").wait(StreamName="e2e-life",
                                                    WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        with self.assertRaises(self.k.exceptions.ResourceNotFoundException) as cm:
            self.k.describe_stream(StreamName="e2e-life")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Stream e2e-life under account %s not found." % ACCOUNT)

    def test_on_demand_and_paging(self):
        self.k.create_stream(StreamName="e2e-od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.assertEqual(len(self.shard_ids("e2e-od")), 4)
        # As AWS, a NextToken names the stream on its own (so botocore's
        # list_shards paginator, which sends both, fails against AWS too).
        page = self.k.list_shards(StreamName="e2e-od", MaxResults=3)
        ids = [s["ShardId"] for s in page["Shards"]]
        with self.assertRaises(self.k.exceptions.InvalidArgumentException):
            self.k.list_shards(StreamName="e2e-od", NextToken=page["NextToken"])
        page = self.k.list_shards(NextToken=page["NextToken"], MaxResults=3)
        ids += [s["ShardId"] for s in page["Shards"]]
        self.assertNotIn("NextToken", page)
        self.assertEqual(ids, ["shardId-%012d" % i for i in range(4)])
        pages = self.k.get_paginator("describe_stream").paginate(
            StreamName="e2e-od", PaginationConfig={"PageSize": 3})
        self.assertEqual(len([s for p in pages for s in p["StreamDescription"]["Shards"]]), 4)

    def test_tags(self):
        self.make("e2e-tags")
        arn = self.k.describe_stream_summary(
            StreamName="e2e-tags")["StreamDescriptionSummary"]["StreamARN"]
        self.k.add_tags_to_stream(StreamName="e2e-tags", Tags={"a": "1", "b": "2"})
        self.k.remove_tags_from_stream(StreamName="e2e-tags", TagKeys=["a"])
        tags = self.k.list_tags_for_stream(StreamName="e2e-tags")["Tags"]
        self.assertEqual(tags, [{"Key": "b", "Value": "2"}])
        if hasattr(self.k, "tag_resource"):
            self.k.tag_resource(ResourceARN=arn, Tags={"c": "3"})
            got = self.k.list_tags_for_resource(ResourceARN=arn)["Tags"]
            self.assertEqual([t["Key"] for t in got], ["b", "c"])

    def test_put_and_get_records(self):
        self.make("e2e-records", 2)
        seqs = []
        for i in range(5):
            out = self.k.put_record(StreamName="e2e-records", PartitionKey="key",
                                    Data=b"rec-%d" % i)
            seqs.append(out["SequenceNumber"])
            shard = out["ShardId"]
        self.assertEqual(seqs, sorted(seqs))
        it = self.k.get_shard_iterator(StreamName="e2e-records", ShardId=shard,
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        got = self.k.get_records(ShardIterator=it, Limit=3)
        self.assertEqual([r["Data"] for r in got["Records"]], [b"rec-0", b"rec-1", b"rec-2"])
        self.assertEqual(got["Records"][0]["PartitionKey"], "key")
        self.assertLess(abs(got["Records"][0]["ApproximateArrivalTimestamp"].timestamp()
                            - time.time()), 60)
        rest = self.k.get_records(ShardIterator=got["NextShardIterator"])
        self.assertEqual([r["Data"] for r in rest["Records"]], [b"rec-3", b"rec-4"])
        self.assertEqual(rest["MillisBehindLatest"], 0)
        it = self.k.get_shard_iterator(StreamName="e2e-records", ShardId=shard,
                                       ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                       StartingSequenceNumber=seqs[3])["ShardIterator"]
        self.assertEqual([r["Data"] for r in self.k.get_records(ShardIterator=it)["Records"]],
                         [b"rec-4"])

    def test_put_records_and_explicit_hash_keys(self):
        self.make("e2e-batch", 2)
        out = self.k.put_records(StreamName="e2e-batch", Records=[
            {"PartitionKey": "p%d" % i, "Data": b"x" * 1024} for i in range(500)])
        self.assertEqual(out["FailedRecordCount"], 0)
        self.assertEqual(len(out["Records"]), 500)
        self.assertEqual({r["ShardId"] for r in out["Records"]},
                         {"shardId-000000000000", "shardId-000000000001"})
        out = self.k.put_record(StreamName="e2e-batch", PartitionKey="k", Data=b"hi",
                                ExplicitHashKey=str(2 ** 128 - 1))
        self.assertEqual(out["ShardId"], "shardId-000000000001")
        with self.assertRaises(self.k.exceptions.InvalidArgumentException):
            self.k.put_record(StreamName="e2e-batch", PartitionKey="k", Data=b"hi",
                              ExplicitHashKey=str(2 ** 128))

    def test_forged_iterator(self):
        self.make("e2e-forge")
        it = self.k.get_shard_iterator(StreamName="e2e-forge", ShardId="shardId-000000000000",
                                       ShardIteratorType="LATEST")["ShardIterator"]
        raw = bytearray(base64.b64decode(it))
        raw[8] ^= 1
        with self.assertRaises(self.k.exceptions.InvalidArgumentException) as cm:
            self.k.get_records(ShardIterator=base64.b64encode(bytes(raw)).decode())
        self.assertEqual(cm.exception.response["Error"]["Message"], "Invalid ShardIterator.")

    def test_resharding_and_child_shards(self):
        self.make("e2e-reshard")
        self.k.put_record(StreamName="e2e-reshard", PartitionKey="a", Data=b"parent")
        self.k.split_shard(StreamName="e2e-reshard", ShardToSplit="shardId-000000000000",
                           NewStartingHashKey=str(2 ** 127))
        after = self.k.put_record(StreamName="e2e-reshard", PartitionKey="a", Data=b"child")
        self.assertEqual(after["ShardId"], "shardId-000000000001")
        it = self.k.get_shard_iterator(StreamName="e2e-reshard", ShardId="shardId-000000000000",
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out = self.k.get_records(ShardIterator=it)
        self.assertEqual([r["Data"] for r in out["Records"]], [b"parent"])
        self.assertIsNone(out.get("NextShardIterator"))
        if "ChildShards" in out:  # old botocore models predate ChildShards
            self.assertEqual([c["ShardId"] for c in out["ChildShards"]],
                             ["shardId-000000000001", "shardId-000000000002"])
        self.k.merge_shards(StreamName="e2e-reshard", ShardToMerge="shardId-000000000001",
                            AdjacentShardToMerge="shardId-000000000002")
        out = self.k.update_shard_count(StreamName="e2e-reshard", TargetShardCount=2,
                                        ScalingType="UNIFORM_SCALING")
        self.assertEqual((out["CurrentShardCount"], out["TargetShardCount"]), (1, 2))
        summary = self.k.describe_stream_summary(
            StreamName="e2e-reshard")["StreamDescriptionSummary"]
        self.assertEqual(summary["OpenShardCount"], 2)

    def test_retention_and_encryption(self):
        self.make("e2e-settings")
        self.k.increase_stream_retention_period(StreamName="e2e-settings",
                                                RetentionPeriodHours=168)
        with self.assertRaises(self.k.exceptions.InvalidArgumentException) as cm:
            self.k.decrease_stream_retention_period(StreamName="e2e-settings",
                                                    RetentionPeriodHours=200)
        self.assertIn("Use IncreaseRetentionPeriod API.", cm.exception.response["Error"]["Message"])
        self.k.start_stream_encryption(StreamName="e2e-settings", EncryptionType="KMS",
                                       KeyId="alias/aws/kinesis")
        d = self.k.describe_stream(StreamName="e2e-settings")["StreamDescription"]
        self.assertEqual((d["RetentionPeriodHours"], d["EncryptionType"], d["KeyId"]),
                         (168, "KMS", "alias/aws/kinesis"))
        self.k.stop_stream_encryption(StreamName="e2e-settings", EncryptionType="KMS",
                                      KeyId="alias/aws/kinesis")
        self.assertEqual(self.k.describe_stream(
            StreamName="e2e-settings")["StreamDescription"]["EncryptionType"], "NONE")

    def test_cli_put_record(self):
        self.make("e2e-cli")
        # CLI v2 needs raw-in-base64-out to send --data as given; v1 always does.
        _, version, _ = self.server.aws_cli("--version")
        v2 = ["--cli-binary-format", "raw-in-base64-out"] if "aws-cli/2" in version else []
        _, out, _ = self.server.aws_cli("kinesis", "put-record", "--stream-name", "e2e-cli",
                                        "--partition-key", "k", "--data", "aGVsbG8=", *v2)
        self.assertEqual(json.loads(out)["ShardId"], "shardId-000000000000")
        _, out, _ = self.server.aws_cli("kinesis", "get-shard-iterator", "--stream-name",
                                        "e2e-cli", "--shard-id", "shardId-000000000000",
                                        "--shard-iterator-type", "TRIM_HORIZON")
        it = json.loads(out)["ShardIterator"]
        _, out, _ = self.server.aws_cli("kinesis", "get-records", "--shard-iterator", it)
        records = json.loads(out)["Records"]
        # raw-in-base64-out: the CLI sent the bytes of "aGVsbG8=" as given and
        # shows the record base64-encoded.
        self.assertEqual(base64.b64decode(records[0]["Data"]), b"aGVsbG8=")


class KinesisRestartTest(unittest.TestCase):
    def test_records_survive_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            k = server.boto3_client("kinesis")
            k.create_stream(StreamName="durable", ShardCount=1)
            seqs = [k.put_record(StreamName="durable", PartitionKey="k",
                                 Data=b"%d" % i)["SequenceNumber"] for i in range(20)]
            server.kill9()
            server.start()
            k = server.boto3_client("kinesis")
            it = k.get_shard_iterator(StreamName="durable", ShardId="shardId-000000000000",
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            got = k.get_records(ShardIterator=it)["Records"]
            self.assertEqual([r["SequenceNumber"] for r in got], seqs)
            after = k.put_record(StreamName="durable", PartitionKey="k", Data=b"next")
            self.assertGreater(after["SequenceNumber"], seqs[-1])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
