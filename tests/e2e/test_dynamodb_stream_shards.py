"""DynamoDB Streams shard roll-over end to end: a server whose stream shards
roll over every second (`--dynamodb-stream-shard-period 1`, AWS: about four
hours); boto3 reads a key's changes across the roll-over by following the
shards from parent to child, as the KCL adapter and Lambda do."""

import time
import unittest

from harness import ServerTestCase, require_boto3, wait_until


class DynamoDbStreamShardsTest(ServerTestCase):
    server_args = ("--dynamodb-stream-shard-period", "1")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.client = cls.server.boto3_client("dynamodb")
        cls.streams = cls.server.boto3_client("dynamodbstreams")

    def shards(self, arn):
        out, kwargs = [], {"StreamArn": arn, "Limit": 1}
        while True:  # one shard a page: paging by ExclusiveStartShardId
            desc = self.streams.describe_stream(**kwargs)["StreamDescription"]
            out += desc["Shards"]
            if "LastEvaluatedShardId" not in desc:
                return out
            kwargs["ExclusiveStartShardId"] = desc["LastEvaluatedShardId"]

    def read_shard(self, arn, shard):
        """Every record of a closed shard, to the end its missing
        NextShardIterator marks."""
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = []
        while it:
            out = self.streams.get_records(ShardIterator=it, Limit=1)
            records += out["Records"]
            it = out.get("NextShardIterator")
        return records

    def test_reading_across_a_roll_over(self):
        arn = self.client.create_table(
            TableName="rolling", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        for n in range(3):
            self.client.put_item(TableName="rolling", Item={"pk": {"S": "k"}, "n": {"N": str(n)}})
        first = self.shards(arn)[0]["ShardId"]
        self.assertTrue(wait_until(lambda: len(self.shards(arn)) >= 2, timeout=5))
        for n in range(3, 5):
            self.client.put_item(TableName="rolling", Item={"pk": {"S": "k"}, "n": {"N": str(n)}})
        time.sleep(1.1)  # the shard those went to closes too
        shards = self.shards(arn)
        self.assertEqual(shards[0]["ShardId"], first)
        self.assertNotIn("ParentShardId", shards[0])
        for parent, child in zip(shards, shards[1:]):
            self.assertEqual(child["ParentShardId"], parent["ShardId"])
            self.assertIn("EndingSequenceNumber", parent["SequenceNumberRange"])
        self.assertNotIn("EndingSequenceNumber", shards[-1]["SequenceNumberRange"])

        # Parent before child: the key's changes in the order they were made.
        seen = []
        for shard in shards[:-1]:
            records = self.read_shard(arn, shard["ShardId"])
            rng = shard["SequenceNumberRange"]
            for r in records:
                seq = int(r["dynamodb"]["SequenceNumber"])
                self.assertTrue(int(rng["StartingSequenceNumber"]) <= seq <=
                                int(rng["EndingSequenceNumber"]))
            seen += [int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in records]
        self.assertEqual(seen, [0, 1, 2, 3, 4])


if __name__ == "__main__":
    unittest.main()
