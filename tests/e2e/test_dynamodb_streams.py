"""DynamoDB Streams end to end: a table with a NEW_AND_OLD_IMAGES stream
written through boto3, read back through the `dynamodbstreams` client
(ListStreams, DescribeStream, GetShardIterator of every type, GetRecords
with AWS's record shape), the AWS CLI, and records surviving kill -9 with
their items."""

import json
import unittest

from harness import Server, ServerTestCase, require_boto3


def create(client, name, view="NEW_AND_OLD_IMAGES"):
    out = client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return out["TableDescription"]["LatestStreamArn"]


def read_all(streams, arn):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=it)["Records"]


class DynamoDbStreamsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.client = cls.server.boto3_client("dynamodb")
        cls.streams = cls.server.boto3_client("dynamodbstreams")

    def test_records_of_puts_updates_and_deletes(self):
        arn = create(self.client, "e2e-stream")
        self.client.put_item(TableName="e2e-stream", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        self.client.update_item(TableName="e2e-stream", Key={"pk": {"S": "a"}},
                                UpdateExpression="SET n = n + :one",
                                ExpressionAttributeValues={":one": {"N": "1"}})
        with self.assertRaises(self.client.exceptions.ConditionalCheckFailedException):
            self.client.put_item(TableName="e2e-stream", Item={"pk": {"S": "a"}},
                                 ConditionExpression="attribute_not_exists(pk)")
        self.client.delete_item(TableName="e2e-stream", Key={"pk": {"S": "a"}})

        listed = self.streams.list_streams(TableName="e2e-stream")["Streams"]
        self.assertEqual(listed, [{"StreamArn": arn, "TableName": "e2e-stream",
                                   "StreamLabel": arn.split("/stream/")[1]}])
        desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "ENABLED")
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        records = read_all(self.streams, arn)
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE"])
        first = records[0]
        self.assertEqual(first["eventSource"], "aws:dynamodb")
        self.assertEqual(first["eventVersion"], "1.1")
        self.assertEqual(first["awsRegion"], "us-east-1")
        self.assertEqual(first["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(first["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "n": {"N": "1"}})
        self.assertNotIn("OldImage", first["dynamodb"])
        self.assertEqual(records[1]["dynamodb"]["OldImage"]["n"], {"N": "1"})
        self.assertEqual(records[1]["dynamodb"]["NewImage"]["n"], {"N": "2"})
        self.assertEqual(records[2]["dynamodb"]["OldImage"]["n"], {"N": "2"})
        self.assertIn("ApproximateCreationDateTime", first["dynamodb"])  # a datetime in boto3

        shard = desc["Shards"][0]["ShardId"]
        seq = records[1]["dynamodb"]["SequenceNumber"]
        after = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=seq)["ShardIterator"]
        self.assertEqual([r["eventName"] for r in
                          self.streams.get_records(ShardIterator=after)["Records"]], ["REMOVE"])
        latest = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                 ShardIteratorType="LATEST")["ShardIterator"]
        out = self.streams.get_records(ShardIterator=latest)
        self.assertEqual(out["Records"], [])
        self.client.put_item(TableName="e2e-stream", Item={"pk": {"S": "b"}})
        out = self.streams.get_records(ShardIterator=out["NextShardIterator"])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in out["Records"]], ["b"])

        with self.assertRaises(self.streams.exceptions.ResourceNotFoundException):
            self.streams.describe_stream(StreamArn=arn + "0")

    def test_cli_reads_a_stream(self):
        arn = create(self.client, "e2e-stream-cli", view="KEYS_ONLY")
        self.client.put_item(TableName="e2e-stream-cli", Item={"pk": {"S": "k"}})
        _, out, _ = self.server.aws_cli("dynamodbstreams", "describe-stream", "--stream-arn", arn)
        shard = json.loads(out)["StreamDescription"]["Shards"][0]["ShardId"]
        _, out, _ = self.server.aws_cli("dynamodbstreams", "get-shard-iterator", "--stream-arn",
                                        arn, "--shard-id", shard, "--shard-iterator-type",
                                        "TRIM_HORIZON")
        it = json.loads(out)["ShardIterator"]
        _, out, _ = self.server.aws_cli("dynamodbstreams", "get-records", "--shard-iterator", it)
        records = json.loads(out)["Records"]
        self.assertEqual(records[0]["dynamodb"]["Keys"], {"pk": {"S": "k"}})
        self.assertEqual(records[0]["dynamodb"]["StreamViewType"], "KEYS_ONLY")


class DynamoDbStreamsRestartTest(unittest.TestCase):
    def test_records_survive_kill9_with_their_items(self):
        require_boto3()
        server = Server().start()
        try:
            client = server.boto3_client("dynamodb")
            arn = create(client, "e2e-stream-durable", view="KEYS_ONLY")
            for i in range(40):
                client.put_item(TableName="e2e-stream-durable", Item={"pk": {"S": "k%d" % i}})
            server.kill9()
            server.start()
            streams = server.boto3_client("dynamodbstreams")
            records = read_all(streams, arn)
            self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in records],
                             ["k%d" % i for i in range(40)])
            seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
            self.assertEqual(seqs, sorted(seqs))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
