"""DynamoDB secondary indexes end to end: a GSI and an LSI defined at
CreateTable and queried through boto3's resource API, a GSI added to a table
with items (CREATING, then ACTIVE with every item backfilled), the CLI's
query --index-name, AWS's errors, and index entries in step with their items
after kill -9."""

import json
import time
import unittest

from harness import Server, ServerTestCase, require_boto3

ATTRS = [{"AttributeName": "pk", "AttributeType": "S"},
         {"AttributeName": "sk", "AttributeType": "N"},
         {"AttributeName": "status", "AttributeType": "S"},
         {"AttributeName": "rank", "AttributeType": "N"}]


def create(client, name):
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=ATTRS,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by_status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{
            "IndexName": "by_rank",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "rank", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}])


def index(client, table, name):
    desc = client.describe_table(TableName=table)["Table"]
    for i in desc.get("GlobalSecondaryIndexes", []) + desc.get("LocalSecondaryIndexes", []):
        if i["IndexName"] == name:
            return i
    return None


class DynamoDbIndexesTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        import boto3
        cls.resource = boto3.resource("dynamodb", endpoint_url=cls.server.endpoint,
                                      region_name="us-east-1", aws_access_key_id="test",
                                      aws_secret_access_key="test")
        cls.client = cls.server.boto3_client("dynamodb")

    def test_gsi_and_lsi_through_the_resource_api(self):
        from boto3.dynamodb.conditions import Key
        create(self.client, "e2e-idx")
        table = self.resource.Table("e2e-idx")
        with table.batch_writer() as batch:
            for i in range(20):
                item = {"pk": "p%d" % (i % 2), "sk": i, "rank": 100 - i, "note": "n%d" % i,
                        "other": "o"}
                if i % 4:
                    item["status"] = "open" if i % 2 else "done"
                batch.put_item(Item=item)
        out = table.query(IndexName="by_status", KeyConditionExpression=Key("status").eq("open")
                          & Key("sk").gt(10))
        self.assertEqual([i["sk"] for i in out["Items"]], [11, 13, 15, 17, 19])
        self.assertEqual(set(out["Items"][0]), {"pk", "sk", "status"})  # KEYS_ONLY
        out = table.query(IndexName="by_rank", KeyConditionExpression=Key("pk").eq("p0"),
                          ScanIndexForward=False, Limit=3, ConsistentRead=True)
        self.assertEqual([i["rank"] for i in out["Items"]], [100, 98, 96])
        self.assertEqual(set(out["Items"][0]), {"pk", "sk", "rank", "note"})
        self.assertEqual(out["LastEvaluatedKey"], {"pk": "p0", "sk": 4, "rank": 96})
        table.delete_item(Key={"pk": "p1", "sk": 11})
        table.update_item(Key={"pk": "p1", "sk": 13}, UpdateExpression="SET #s = :d",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues={":d": "done"})
        out = table.query(IndexName="by_status", KeyConditionExpression=Key("status").eq("open")
                          & Key("sk").gt(10))
        self.assertEqual([i["sk"] for i in out["Items"]], [15, 17, 19])
        self.assertEqual(index(self.client, "e2e-idx", "by_status")["ItemCount"], 14)
        scan = self.client.scan(TableName="e2e-idx", IndexName="by_status")
        self.assertEqual(scan["Count"], 14)

        with self.assertRaises(self.client.exceptions.ClientError) as err:
            self.client.query(TableName="e2e-idx", IndexName="by_status", ConsistentRead=True,
                              KeyConditionExpression="#s = :s",
                              ExpressionAttributeNames={"#s": "status"},
                              ExpressionAttributeValues={":s": {"S": "open"}})
        self.assertEqual(err.exception.response["Error"]["Message"],
                         "Consistent reads are not supported on global secondary indexes")
        with self.assertRaises(self.client.exceptions.ClientError) as err:
            self.client.query(TableName="e2e-idx", IndexName="nope",
                              KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "p0"}})
        self.assertEqual(err.exception.response["Error"]["Message"],
                         "The table does not have the specified index: nope")

    def test_added_gsi_is_backfilled(self):
        create(self.client, "e2e-idx-add")
        for i in range(300):
            self.client.put_item(TableName="e2e-idx-add", Item={
                "pk": {"S": "p%d" % (i % 5)}, "sk": {"N": str(i)}, "team": {"S": "t%d" % (i % 3)}})
        out = self.client.update_table(
            TableName="e2e-idx-add",
            AttributeDefinitions=[{"AttributeName": "team", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by_team",
                "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}])
        added = [i for i in out["TableDescription"]["GlobalSecondaryIndexes"]
                 if i["IndexName"] == "by_team"][0]
        self.assertEqual(added["IndexStatus"], "CREATING")
        deadline = time.time() + 30
        while index(self.client, "e2e-idx-add", "by_team")["IndexStatus"] != "ACTIVE":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        pages = self.client.get_paginator("query").paginate(
            TableName="e2e-idx-add", IndexName="by_team", KeyConditionExpression="team = :t",
            ExpressionAttributeValues={":t": {"S": "t1"}}, PaginationConfig={"PageSize": 40})
        self.assertEqual(sum(p["Count"] for p in pages), 100)
        self.client.update_table(TableName="e2e-idx-add", GlobalSecondaryIndexUpdates=[
            {"Delete": {"IndexName": "by_team"}}])
        self.assertIsNone(index(self.client, "e2e-idx-add", "by_team"))

    def test_cli_query_on_an_index(self):
        create(self.client, "e2e-idx-cli")
        self.client.put_item(TableName="e2e-idx-cli", Item={
            "pk": {"S": "a"}, "sk": {"N": "1"}, "status": {"S": "open"}})
        _, out, _ = self.server.aws_cli(
            "dynamodb", "query", "--table-name", "e2e-idx-cli", "--index-name", "by_status",
            "--key-condition-expression", "#s = :s", "--expression-attribute-names",
            json.dumps({"#s": "status"}), "--expression-attribute-values",
            json.dumps({":s": {"S": "open"}}))
        self.assertEqual(json.loads(out)["Items"][0]["pk"], {"S": "a"})


class DynamoDbIndexesRestartTest(unittest.TestCase):
    def test_indexes_match_items_after_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            client = server.boto3_client("dynamodb")
            create(client, "e2e-idx-durable")
            for i in range(60):
                client.put_item(TableName="e2e-idx-durable", Item={
                    "pk": {"S": "p"}, "sk": {"N": str(i)}, "status": {"S": "s%d" % (i % 2)},
                    "rank": {"N": str(i)}})
            for i in range(0, 60, 3):
                client.delete_item(TableName="e2e-idx-durable",
                                   Key={"pk": {"S": "p"}, "sk": {"N": str(i)}})
            server.kill9()
            server.start()
            client = server.boto3_client("dynamodb")
            items = client.scan(TableName="e2e-idx-durable")["Count"]
            self.assertEqual(items, 40)
            gsi = client.scan(TableName="e2e-idx-durable", IndexName="by_status")["Count"]
            lsi = client.query(TableName="e2e-idx-durable", IndexName="by_rank",
                               KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "p"}})["Count"]
            self.assertEqual((gsi, lsi), (40, 40))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
