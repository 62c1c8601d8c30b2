"""DynamoDB under kill -9 with concurrent writers and transactions: every
acknowledged write is there after the restart, every transaction is all or
nothing, the GSI and the LSI hold exactly the table's items, and the
stream holds exactly one INSERT record per item (records go in the items'
own storage batches)."""

import threading
import unittest

from harness import Server, kill9_under_load, require_boto3

TABLE = "e2e-crash"
WRITERS = 4
TRANSACTORS = 2


def create(client):
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"},
                              {"AttributeName": "r", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{"IndexName": "by_r",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "r", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})


def item(pk, n):
    return {"pk": {"S": pk}, "sk": {"N": str(n)}, "g": {"S": "g%d" % (n % 3)},
            "r": {"N": str(1000 - n)}}


def scan_all(client, **kwargs):
    keys = set()
    for page in client.get_paginator("scan").paginate(TableName=TABLE, **kwargs):
        for i in page["Items"]:
            keys.add((i["pk"]["S"], int(i["sk"]["N"])))
    return keys


class DynamoDbCrashTest(unittest.TestCase):
    def test_kill9_under_concurrent_writes_and_transactions(self):
        require_boto3()
        server = Server().start()
        try:
            client = server.boto3_client("dynamodb")
            create(client)
            acked = []  # (pk, sk) of acknowledged puts
            tx_acked = []  # n of acknowledged transactions, per transactor
            lock = threading.Lock()

            def writer(w):
                c = server.boto3_client("dynamodb")

                def put(n):
                    c.put_item(TableName=TABLE, Item=item("w%d" % w, n))
                    with lock:
                        acked.append(("w%d" % w, n))
                return put

            def transactor(t):
                c = server.boto3_client("dynamodb")

                def transact(n):
                    c.transact_write_items(TransactItems=[
                        {"Put": {"TableName": TABLE, "Item": item("t%da" % t, n)}},
                        {"Put": {"TableName": TABLE, "Item": item("t%db" % t, n)}},
                        {"Update": {"TableName": TABLE,
                                    "Key": {"pk": {"S": "count%d" % t}, "sk": {"N": "0"}},
                                    "UpdateExpression": "ADD c :one",
                                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
                    with lock:
                        tx_acked.append((t, n))
                return transact

            def enough():
                with lock:
                    return len(acked) >= 300 and len(tx_acked) >= 60

            kill9_under_load(server, [writer(w) for w in range(WRITERS)] +
                             [transactor(t) for t in range(TRANSACTORS)],
                             seconds=10, enough=enough)
            self.assertGreater(len(acked), 0)
            self.assertGreater(len(tx_acked), 0)

            server.start()
            client = server.boto3_client("dynamodb")
            items = scan_all(client)
            for key in acked:
                self.assertIn(key, items)
            for t in range(TRANSACTORS):
                a = {sk for pk, sk in items if pk == "t%da" % t}
                b = {sk for pk, sk in items if pk == "t%db" % t}
                self.assertEqual(a, b)  # all or nothing
                for tt, n in tx_acked:
                    if tt == t:
                        self.assertIn(n, a)
                count = client.get_item(TableName=TABLE, Key={
                    "pk": {"S": "count%d" % t}, "sk": {"N": "0"}}).get("Item")
                self.assertEqual(int(count["c"]["N"]) if count else 0, len(a))
            puts = {k for k in items if not k[0].startswith("count")}
            self.assertEqual(scan_all(client, IndexName="by_g"), puts)
            self.assertEqual(scan_all(client, IndexName="by_r"), puts)

            streams = server.boto3_client("dynamodbstreams")
            arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0][
                "ShardId"]
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            inserted = set()
            while it:
                out = streams.get_records(ShardIterator=it)
                for r in out["Records"]:
                    if r["eventName"] == "INSERT":
                        keys = r["dynamodb"]["Keys"]
                        inserted.add((keys["pk"]["S"], int(keys["sk"]["N"])))
                if not out["Records"]:
                    break
                it = out.get("NextShardIterator")
            self.assertEqual(inserted, items)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
