"""DynamoDB tables end to end: boto3 (client, waiters, paginators), the AWS
CLI, and tables surviving a restart."""

import json
import unittest

from harness import ACCOUNT, REGION, Server, ServerTestCase, require_boto3


def table_args(name, hash_key="pk", range_key=None, **extra):
    defs = [{"AttributeName": hash_key, "AttributeType": "S"}]
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        defs.append({"AttributeName": range_key, "AttributeType": "N"})
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    args = dict(TableName=name, AttributeDefinitions=defs, KeySchema=keys,
                BillingMode="PAY_PER_REQUEST")
    args.update(extra)
    return args


class DynamoDbTablesTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.ddb = self.server.boto3_client("dynamodb")

    def test_create_describe_list_delete_with_waiters(self):
        d = self.ddb.create_table(**table_args("e2e-orders", "pk", "sk"))["TableDescription"]
        self.assertEqual(d["TableStatus"], "ACTIVE")
        self.assertEqual(d["TableArn"],
                         "arn:aws:dynamodb:%s:%s:table/e2e-orders" % (REGION, ACCOUNT))
        self.ddb.get_waiter("table_exists").wait(TableName="e2e-orders",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        t = self.ddb.describe_table(TableName="e2e-orders")["Table"]
        self.assertEqual(t["TableId"], d["TableId"])
        self.assertEqual(t["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}])
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(t["ItemCount"], 0)
        self.assertIn("e2e-orders", self.ddb.list_tables()["TableNames"])

        gone = self.ddb.delete_table(TableName="e2e-orders")["TableDescription"]
        self.assertEqual(gone["TableStatus"], "DELETING")
        self.ddb.get_waiter("table_not_exists").wait(TableName="e2e-orders",
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException) as cm:
            self.ddb.describe_table(TableName="e2e-orders")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Requested resource not found: Table: e2e-orders not found")

    def test_errors(self):
        self.ddb.create_table(**table_args("e2e-dup"))
        with self.assertRaises(self.ddb.exceptions.ResourceInUseException) as cm:
            self.ddb.create_table(**table_args("e2e-dup"))
        self.assertEqual(cm.exception.response["Error"]["Message"], "Table already exists: e2e-dup")
        args = table_args("e2e-bad")
        del args["BillingMode"]
        with self.assertRaises(self.ddb.exceptions.ClientError) as cm:
            self.ddb.create_table(**args)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertNotIn("e2e-bad", self.ddb.list_tables()["TableNames"])

    def test_list_tables_paginates(self):
        names = ["e2e-page-%02d" % i for i in range(7)]
        for n in names:
            self.ddb.create_table(**table_args(n))
        pages = self.ddb.get_paginator("list_tables").paginate(
            ExclusiveStartTableName="e2e-page", PaginationConfig={"PageSize": 3})
        seen = [n for p in pages for n in p["TableNames"] if n.startswith("e2e-page-")]
        self.assertEqual(seen, names)
        first = self.ddb.list_tables(ExclusiveStartTableName="e2e-page", Limit=3)
        self.assertEqual(first["LastEvaluatedTableName"], "e2e-page-02")

    def test_update_table_tags_ttl(self):
        arn = self.ddb.create_table(**table_args(
            "e2e-settings", Tags=[{"Key": "env", "Value": "test"}]))["TableDescription"]["TableArn"]
        d = self.ddb.update_table(
            TableName="e2e-settings",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        self.assertEqual(d["StreamSpecification"]["StreamViewType"], "NEW_IMAGE")
        self.assertTrue(d["LatestStreamArn"].startswith(arn + "/stream/"))
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "db"}])
        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "db"}])
        self.ddb.update_time_to_live(TableName="e2e-settings", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        self.assertEqual(self.ddb.describe_time_to_live(TableName="e2e-settings")[
            "TimeToLiveDescription"], {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})
        backups = self.ddb.describe_continuous_backups(TableName="e2e-settings")
        self.assertEqual(backups["ContinuousBackupsDescription"]["ContinuousBackupsStatus"],
                         "ENABLED")
        limits = self.ddb.describe_limits()
        self.assertEqual(limits["TableMaxWriteCapacityUnits"], 40000)
        endpoints = self.ddb.describe_endpoints()["Endpoints"]
        self.assertEqual(endpoints[0]["Address"], "127.0.0.1:%d" % self.server.port)

    def test_cli(self):
        _, out, _ = self.server.aws_cli(
            "dynamodb", "create-table", "--table-name", "e2e-cli",
            "--attribute-definitions", "AttributeName=id,AttributeType=S",
            "--key-schema", "AttributeName=id,KeyType=HASH",
            "--provisioned-throughput", "ReadCapacityUnits=5,WriteCapacityUnits=5")
        self.assertEqual(json.loads(out)["TableDescription"]["ProvisionedThroughput"][
            "ReadCapacityUnits"], 5)
        self.server.aws_cli("dynamodb", "wait", "table-exists", "--table-name", "e2e-cli")
        _, out, _ = self.server.aws_cli("dynamodb", "list-tables")
        self.assertIn("e2e-cli", json.loads(out)["TableNames"])
        code, _, err = self.server.aws_cli("dynamodb", "describe-table", "--table-name", "nope",
                                           check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)
        self.server.aws_cli("dynamodb", "delete-table", "--table-name", "e2e-cli")


class DynamoDbRestartTest(unittest.TestCase):
    def test_tables_survive_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            ddb = server.boto3_client("dynamodb")
            before = ddb.create_table(**table_args("e2e-durable", "pk", "sk"))["TableDescription"]
            server.kill9()
            server.start()
            ddb = server.boto3_client("dynamodb")
            after = ddb.describe_table(TableName="e2e-durable")["Table"]
            self.assertEqual(after["TableId"], before["TableId"])
            self.assertEqual(after["KeySchema"], before["KeySchema"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
