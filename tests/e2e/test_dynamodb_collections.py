"""DynamoDB item collections, request tokens and PartiQL through boto3, on one
server started with a lowered item collection limit: ItemCollectionMetrics
and ItemCollectionSizeLimitExceededException as botocore models them, a
TransactWriteItems replayed with its ClientRequestToken after kill -9 not
applied twice, EXISTS in ExecuteTransaction, and BatchExecuteStatement's
ConsumedCapacity."""

import unittest

from harness import Server, require_boto3

TABLE = "e2e-collections"


def create(client):
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "rank", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{
            "IndexName": "by_rank",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "rank", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])


class DynamoDbCollectionsTest(unittest.TestCase):
    def test_collections_tokens_and_partiql(self):
        require_boto3()
        server = Server("--dynamodb-item-collection-limit", "1000").start()
        try:
            client = server.boto3_client("dynamodb")
            create(client)

            def put(sk, size):
                return client.put_item(
                    TableName=TABLE, ReturnItemCollectionMetrics="SIZE",
                    Item={"pk": {"S": "a"}, "sk": {"N": str(sk)}, "rank": {"N": "1"},
                          "v": {"S": "x" * size}})

            metrics = put(1, 100)["ItemCollectionMetrics"]
            self.assertEqual(metrics["ItemCollectionKey"], {"pk": {"S": "a"}})
            self.assertEqual(metrics["SizeEstimateRangeGB"], [0.0, 1.0])
            with self.assertRaises(client.exceptions.ItemCollectionSizeLimitExceededException):
                put(2, 900)
            self.assertNotIn("Item", client.get_item(
                TableName=TABLE, Key={"pk": {"S": "a"}, "sk": {"N": "2"}}))

            # A transaction with a token, replayed after kill -9: applied once.
            counter = {"pk": {"S": "b"}, "sk": {"N": "0"}}
            request = dict(
                ClientRequestToken="e2e-token-1",
                TransactItems=[{"Update": {
                    "TableName": TABLE, "Key": counter,
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
            client.transact_write_items(**request)
            server.kill9()
            server.start()
            client = server.boto3_client("dynamodb")
            client.transact_write_items(**request)
            item = client.get_item(TableName=TABLE, Key=counter)["Item"]
            self.assertEqual(item["n"], {"N": "1"})
            other = dict(request, TransactItems=[{"Delete": {"TableName": TABLE, "Key": counter}}])
            with self.assertRaises(client.exceptions.IdempotentParameterMismatchException):
                client.transact_write_items(**other)

            # EXISTS as a condition check: the update applies only while it holds.
            exists = "EXISTS(SELECT * FROM \"%s\" WHERE pk = 'a' AND sk = 1 AND rank = %d)"
            bump = {"Statement": "UPDATE \"%s\" SET n = n + 1 WHERE pk = 'b' AND sk = 0" % TABLE}
            client.execute_transaction(
                TransactStatements=[{"Statement": exists % (TABLE, 1)}, bump])
            with self.assertRaises(client.exceptions.TransactionCanceledException) as e:
                client.execute_transaction(
                    TransactStatements=[{"Statement": exists % (TABLE, 2)}, bump])
            reasons = [r["Code"] for r in e.exception.response["CancellationReasons"]]
            self.assertEqual(reasons, ["ConditionalCheckFailed", "None"])
            item = client.get_item(TableName=TABLE, Key=counter)["Item"]
            self.assertEqual(item["n"], {"N": "2"})

            out = client.batch_execute_statement(
                ReturnConsumedCapacity="TOTAL",
                Statements=[{"Statement": "SELECT * FROM \"%s\" WHERE pk = 'b' AND sk = 0" % TABLE,
                             "ConsistentRead": True}])
            self.assertEqual(out["ConsumedCapacity"],
                             [{"TableName": TABLE, "CapacityUnits": 1.0}])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
