"""DynamoDB items end to end: boto3's resource API (Table.put_item,
Table.query with Key conditions, batch_writer, TypeSerializer values), the
client's conditional writes and errors, ReturnConsumedCapacity, the AWS
CLI, and items surviving kill -9."""

import decimal
import json
import unittest

from harness import Server, ServerTestCase, require_boto3


def make_table(resource, name, range_key=True):
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        defs.append({"AttributeName": "sk", "AttributeType": "N"})
    table = resource.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=defs,
                                  BillingMode="PAY_PER_REQUEST")
    table.wait_until_exists()
    return table


class DynamoDbItemsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        import boto3
        cls.resource = boto3.resource("dynamodb", endpoint_url=cls.server.endpoint,
                                      region_name="us-east-1", aws_access_key_id="test",
                                      aws_secret_access_key="test")
        cls.client = cls.server.boto3_client("dynamodb")

    def test_resource_put_get_query(self):
        from boto3.dynamodb.conditions import Attr, Key
        table = make_table(self.resource, "e2e-res")
        for i in range(12):
            table.put_item(Item={"pk": "user#1", "sk": i, "price": decimal.Decimal("1.10") * i,
                                 "tags": {"a", "b"}, "blob": b"\x00\xff", "doc": {"n": [1, "x"]}})
        item = table.get_item(Key={"pk": "user#1", "sk": 3})["Item"]
        self.assertEqual(item["price"], decimal.Decimal("3.3"))
        self.assertEqual(item["tags"], {"a", "b"})
        self.assertEqual(item["blob"].value, b"\x00\xff")
        self.assertEqual(item["doc"], {"n": [1, "x"]})

        out = table.query(KeyConditionExpression=Key("pk").eq("user#1") & Key("sk").between(2, 5))
        self.assertEqual([i["sk"] for i in out["Items"]], [2, 3, 4, 5])
        out = table.query(KeyConditionExpression=Key("pk").eq("user#1"), ScanIndexForward=False,
                          Limit=3)
        self.assertEqual([i["sk"] for i in out["Items"]], [11, 10, 9])
        self.assertEqual(out["LastEvaluatedKey"], {"pk": "user#1", "sk": 9})
        out = table.query(KeyConditionExpression=Key("pk").eq("user#1"),
                          FilterExpression=Attr("price").gt(decimal.Decimal("10")))
        self.assertEqual(out["Count"], 2)  # 11.0 and 12.1
        self.assertEqual(out["ScannedCount"], 12)
        paginator = self.client.get_paginator("query")
        pages = paginator.paginate(TableName="e2e-res", KeyConditionExpression="pk = :p",
                                   ExpressionAttributeValues={":p": {"S": "user#1"}},
                                   PaginationConfig={"PageSize": 5})
        self.assertEqual(sum(p["Count"] for p in pages), 12)

    def test_batch_writer_scan_and_counters(self):
        table = make_table(self.resource, "e2e-batch")
        with table.batch_writer() as batch:
            for i in range(60):
                batch.put_item(Item={"pk": "p%d" % (i % 4), "sk": i, "v": "x" * 10})
        seen = 0
        for seg in range(3):
            kwargs = {"Segment": seg, "TotalSegments": 3}
            while True:
                page = table.scan(**kwargs)
                seen += len(page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self.assertEqual(seen, 60)
        got = self.resource.batch_get_item(RequestItems={"e2e-batch": {"Keys": [
            {"pk": "p0", "sk": 0}, {"pk": "p1", "sk": 1}, {"pk": "p1", "sk": 2}]}})
        self.assertEqual(len(got["Responses"]["e2e-batch"]), 2)
        self.assertEqual(self.client.describe_table(TableName="e2e-batch")["Table"]["ItemCount"],
                         60)

        counter = make_table(self.resource, "e2e-counter", range_key=False)
        counter.put_item(Item={"pk": "c", "n": 0})
        for _ in range(5):
            counter.update_item(Key={"pk": "c"}, UpdateExpression="ADD n :d",
                                ExpressionAttributeValues={":d": decimal.Decimal("0.1")})
        n = counter.get_item(Key={"pk": "c"}, ConsistentRead=True)["Item"]["n"]
        self.assertEqual(n, decimal.Decimal("0.5"))

    def test_conditions_and_errors(self):
        make_table(self.resource, "e2e-cond", range_key=False)
        self.client.put_item(TableName="e2e-cond", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        # Debian's botocore predates ReturnValuesOnConditionCheckFailure (2023).
        import botocore
        newer = tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 31)
        extra = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"} if newer else {}
        with self.assertRaises(self.client.exceptions.ConditionalCheckFailedException) as cm:
            self.client.put_item(TableName="e2e-cond", Item={"pk": {"S": "a"}},
                                 ConditionExpression="attribute_not_exists(pk)", **extra)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "The conditional request failed")
        if newer:
            self.assertEqual(cm.exception.response["Item"]["v"], {"N": "1"})
        with self.assertRaises(self.client.exceptions.ClientError) as cm:
            self.client.put_item(TableName="e2e-cond", Item={"pk": {"N": "1"}})
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "One or more parameter values were invalid: Type mismatch for key pk "
                         "expected: S actual: N")
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.get_item(TableName="e2e-none", Key={"pk": {"S": "a"}})
        out = self.client.update_item(TableName="e2e-cond", Key={"pk": {"S": "a"}},
                                      UpdateExpression="SET v = v + :one, #l = list_append("
                                                       "if_not_exists(#l, :empty), :one_l)",
                                      ExpressionAttributeNames={"#l": "log"},
                                      ExpressionAttributeValues={":one": {"N": "1"},
                                                                 ":empty": {"L": []},
                                                                 ":one_l": {"L": [{"S": "x"}]}},
                                      ReturnValues="UPDATED_NEW")
        self.assertEqual(out["Attributes"], {"v": {"N": "2"}, "log": {"L": [{"S": "x"}]}})
        out = self.client.delete_item(TableName="e2e-cond", Key={"pk": {"S": "a"}},
                                      ReturnValues="ALL_OLD")
        self.assertEqual(out["Attributes"]["v"], {"N": "2"})
        self.assertNotIn("Item", self.client.get_item(TableName="e2e-cond",
                                                      Key={"pk": {"S": "a"}}))

    def test_transactions(self):
        make_table(self.resource, "e2e-tx", range_key=False)
        self.client.put_item(TableName="e2e-tx", Item={"pk": {"S": "a"}, "n": {"N": "5"}})

        def debit(amount):
            return [{"Update": {"TableName": "e2e-tx", "Key": {"pk": {"S": "a"}},
                                "UpdateExpression": "SET n = n - :x",
                                "ConditionExpression": "n >= :x",
                                "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
                    {"Put": {"TableName": "e2e-tx", "Item": {"pk": {"S": "log%d" % amount}}}}]
        self.client.transact_write_items(TransactItems=debit(3), ClientRequestToken="t-1")
        self.client.transact_write_items(TransactItems=debit(3), ClientRequestToken="t-1")
        with self.assertRaises(self.client.exceptions.TransactionCanceledException) as cm:
            self.client.transact_write_items(TransactItems=debit(4))
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ConditionalCheckFailed", "None"])
        got = self.client.transact_get_items(TransactItems=[
            {"Get": {"TableName": "e2e-tx", "Key": {"pk": {"S": k}}}} for k in ("a", "log3", "log4")])
        self.assertEqual(got["Responses"][0]["Item"]["n"], {"N": "2"})
        self.assertIn("Item", got["Responses"][1])
        self.assertNotIn("Item", got["Responses"][2])

    def test_consumed_capacity(self):
        make_table(self.resource, "e2e-cap", range_key=False)
        c = self.client
        out = c.put_item(TableName="e2e-cap", Item={"pk": {"S": "a"}, "pad": {"S": "x" * 2000}},
                         ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"], {"TableName": "e2e-cap", "CapacityUnits": 2.0})
        out = c.get_item(TableName="e2e-cap", Key={"pk": {"S": "a"}}, ConsistentRead=True,
                         ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)
        self.assertEqual(out["ConsumedCapacity"]["Table"], {"CapacityUnits": 1.0})
        out = c.query(TableName="e2e-cap", KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 0.5)
        self.assertNotIn("ConsumedCapacity", c.get_item(TableName="e2e-cap",
                                                        Key={"pk": {"S": "a"}}))

    def test_cli(self):
        make_table(self.resource, "e2e-cli-items", range_key=False)
        self.server.aws_cli("dynamodb", "put-item", "--table-name", "e2e-cli-items", "--item",
                            json.dumps({"pk": {"S": "k"}, "n": {"N": "7"}}))
        _, out, _ = self.server.aws_cli("dynamodb", "get-item", "--table-name", "e2e-cli-items",
                                        "--key", json.dumps({"pk": {"S": "k"}}))
        self.assertEqual(json.loads(out)["Item"]["n"], {"N": "7"})
        _, out, _ = self.server.aws_cli("dynamodb", "scan", "--table-name", "e2e-cli-items")
        self.assertEqual(json.loads(out)["Count"], 1)


class DynamoDbItemsRestartTest(unittest.TestCase):
    def test_acknowledged_items_survive_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            client = server.boto3_client("dynamodb")
            client.create_table(TableName="e2e-durable-items", BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "pk",
                                                       "AttributeType": "S"}])
            for i in range(50):
                client.put_item(TableName="e2e-durable-items",
                                Item={"pk": {"S": "k%d" % i}, "i": {"N": str(i)}})
            server.kill9()
            server.start()
            client = server.boto3_client("dynamodb")
            out = client.scan(TableName="e2e-durable-items")
            self.assertEqual(out["Count"], 50)
            self.assertEqual(client.describe_table(TableName="e2e-durable-items")["Table"][
                "ItemCount"], 50)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
