"""DynamoDB Streams → Lambda event source mappings through boto3 (current and
Debian's 1.26) and the AWS CLI against a real server: a mapping made with the
stream ARN DescribeTable answers, AWS's aws:dynamodb record shape for
INSERT / MODIFY / REMOVE, TRIM_HORIZON and LATEST, filters on the record's
dynamodb fields, and a failing record sent to the on-failure queue with its
DDBStreamBatchInfo. What a function saw is read back from its CloudWatch Logs
(it prints each event it gets)."""

import json

from harness import ACCOUNT, REGION, ServerTestCase, function_log, require_boto3, wait_until
from test_lambda import ROLE, py_zip

# Prints each event; fails the invocation when a new image has note "crash".
RECORDER = """
import json
def handler(event, context):
    print("ESM " + json.dumps(event))
    for r in event["Records"]:
        if r["dynamodb"].get("NewImage", {}).get("note", {}).get("S") == "crash":
            raise RuntimeError("crash")
"""


def records_seen(logs, fn):
    """Every record the function received, in the order it logged them."""
    return [r for m in function_log(logs, fn, "ESM ") for r in json.loads(m[4:])["Records"]]


class DynamoDbStreamEsmTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.lam = self.server.boto3_client("lambda")
        self.ddb = self.server.boto3_client("dynamodb")
        self.sqs = self.server.boto3_client("sqs")
        self.logs = self.server.boto3_client("logs")

    def function(self, name):
        self.lam.create_function(FunctionName=name, Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip(RECORDER)})

    def table(self, name, view="NEW_AND_OLD_IMAGES"):
        t = self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        return t["TableDescription"]["LatestStreamArn"]

    def put(self, table, pk, note):
        self.ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "note": {"S": note}})

    def test_changes_arrive_in_order_with_aws_shape(self):
        self.function("ddb-order")
        arn = self.table("orders")
        self.assertEqual(
            self.ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"], arn)
        self.put("orders", "a", "one")
        self.put("orders", "a", "two")
        self.ddb.delete_item(TableName="orders", Key={"pk": {"S": "a"}})
        code, out, _ = self.server.aws_cli(
            "lambda", "create-event-source-mapping", "--function-name", "ddb-order",
            "--event-source-arn", arn, "--starting-position", "TRIM_HORIZON",
            "--batch-size", "2")
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)["EventSourceArn"], arn)
        self.assertTrue(wait_until(lambda: len(records_seen(self.logs, "ddb-order")) >= 3,
                                   timeout=20))
        records = records_seen(self.logs, "ddb-order")
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE"])
        insert, modify, remove = records
        for r in records:
            self.assertEqual(r["eventSource"], "aws:dynamodb")
            self.assertEqual(r["eventVersion"], "1.1")
            self.assertEqual(r["awsRegion"], REGION)
            self.assertEqual(r["eventSourceARN"], arn)
            self.assertEqual(r["dynamodb"]["Keys"], {"pk": {"S": "a"}})
            self.assertEqual(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
            self.assertGreater(r["dynamodb"]["SizeBytes"], 0)
        self.assertEqual(insert["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "note": {"S": "one"}})
        self.assertNotIn("OldImage", insert["dynamodb"])
        self.assertEqual(modify["dynamodb"]["OldImage"]["note"], {"S": "one"})
        self.assertEqual(modify["dynamodb"]["NewImage"]["note"], {"S": "two"})
        self.assertEqual(remove["dynamodb"]["OldImage"]["note"], {"S": "two"})
        self.assertNotIn("NewImage", remove["dynamodb"])
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        self.assertEqual(seqs, sorted(seqs))

    def test_latest_skips_what_came_before_and_filters_match_dynamodb_fields(self):
        self.function("ddb-latest")
        arn = self.table("latest", view="NEW_IMAGE")
        self.put("latest", "before", "keep")
        pattern = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"note": {"S": ["keep"]}}}}
        m = self.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="ddb-latest", StartingPosition="LATEST",
            FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})
        self.assertEqual(m["StartingPosition"], "LATEST")
        self.put("latest", "x", "drop")
        self.put("latest", "y", "keep")
        self.put("latest", "y", "keep")  # a MODIFY: filtered out
        self.put("latest", "z", "keep")
        self.assertTrue(wait_until(lambda: len(records_seen(self.logs, "ddb-latest")) >= 2,
                                   timeout=20))
        records = records_seen(self.logs, "ddb-latest")
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in records], ["y", "z"])
        self.assertEqual(records[0]["dynamodb"]["StreamViewType"], "NEW_IMAGE")

    def test_a_failing_record_goes_to_the_on_failure_queue(self):
        self.function("ddb-poison")
        arn = self.table("poison")
        url = self.sqs.create_queue(QueueName="ddb-failed")["QueueUrl"]
        failed_arn = "arn:aws:sqs:%s:%s:ddb-failed" % (REGION, ACCOUNT)
        for pk, note in [("a", "ok"), ("b", "crash"), ("c", "ok")]:
            self.put("poison", pk, note)
        self.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="ddb-poison", StartingPosition="TRIM_HORIZON",
            BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": failed_arn}})

        def failure():
            m = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            return json.loads(m[0]["Body"]) if m else None
        rec = wait_until(failure, timeout=20)
        self.assertIsNotNone(rec)
        self.assertEqual(rec["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        info = rec["DDBStreamBatchInfo"]
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["streamArn"], arn)
        self.assertEqual(info["startSequenceNumber"], info["endSequenceNumber"])
        self.assertNotIn("KinesisBatchInfo", rec)
        seen = lambda: [r["dynamodb"]["Keys"]["pk"]["S"] for r in records_seen(self.logs,
                                                                                "ddb-poison")]
        self.assertTrue(wait_until(lambda: "c" in seen(), timeout=20))

    def test_a_disabled_or_missing_stream_is_refused(self):
        self.function("ddb-missing")
        arn = self.table("gone")
        self.ddb.delete_table(TableName="gone")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="ddb-missing",
                                                 StartingPosition="LATEST")
        self.assertEqual(e.exception.response["Error"]["Message"], "Stream not found: " + arn)


if __name__ == "__main__":
    import unittest
    unittest.main()
