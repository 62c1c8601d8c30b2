"""Kinesis → Lambda event source mappings through boto3 (current and Debian's
1.26) and the AWS CLI against a real server: the API's stream members and
errors, delivery in order per shard with AWS's event shape, a poison record
bisected out to an on-failure queue, and checkpoints surviving a restart.
What a function saw is read back from its CloudWatch Logs (it prints each
event it gets)."""

import base64
import json
import re
import unittest

from harness import (ACCOUNT, REGION, Server, ServerTestCase, function_log, require_boto3,
                     wait_until)
from test_lambda import ROLE, py_zip

# Prints each event; fails the invocation when a record's data is "crash".
RECORDER = """
import base64, json
def handler(event, context):
    print("ESM " + json.dumps(event))
    if any(base64.b64decode(r["kinesis"]["data"]) == b"crash" for r in event["Records"]):
        raise RuntimeError("crash")
"""

# Counts records per tumbling window; prints the count of each final call.
WINDOWER = """
import json
def handler(event, context):
    n = event["state"].get("n", 0) + len(event["Records"])
    if event["isFinalInvokeForWindow"]:
        print("FINAL " + json.dumps({"n": n, "window": event["window"]}))
        return None
    return {"state": {"n": n}}
"""


def stream_arn(name):
    return "arn:aws:kinesis:%s:%s:stream/%s" % (REGION, ACCOUNT, name)


def records_seen(logs, fn):
    """Every record the function received, in the order it logged them."""
    return [r for m in function_log(logs, fn, "ESM ") for r in json.loads(m[4:])["Records"]]


def data_of(records):
    return [base64.b64decode(r["kinesis"]["data"]).decode() for r in records]


class StreamEsmTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.lam = self.server.boto3_client("lambda")
        self.kinesis = self.server.boto3_client("kinesis")
        self.sqs = self.server.boto3_client("sqs")
        self.logs = self.server.boto3_client("logs")

    def function(self, name):
        self.lam.create_function(FunctionName=name, Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip(RECORDER)})

    def stream(self, name, shards=1):
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        self.kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})

    def test_api_members_and_errors(self):
        self.function("api")
        self.stream("api-s")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.create_event_source_mapping(EventSourceArn=stream_arn("api-s"),
                                                 FunctionName="api")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "1 validation error detected: Value null at 'startingPosition' failed "
                         "to satisfy constraint: Member must not be null.")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.create_event_source_mapping(EventSourceArn=stream_arn("api-s"),
                                                 FunctionName="api", StartingPosition="LATEST",
                                                 MaximumRecordAgeInSeconds=10)
        self.assertIn("MaximumRecordAgeInSeconds", e.exception.response["Error"]["Message"])
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.create_event_source_mapping(EventSourceArn=stream_arn("missing"),
                                                 FunctionName="api", StartingPosition="LATEST")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Stream not found: " + stream_arn("missing"))

        m = self.lam.create_event_source_mapping(EventSourceArn=stream_arn("api-s"),
                                                 FunctionName="api",
                                                 StartingPosition="TRIM_HORIZON")
        self.assertEqual(m["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(m["BatchSize"], 100)
        self.assertEqual(m["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(m["MaximumRetryAttempts"], -1)
        self.assertEqual(m["MaximumRecordAgeInSeconds"], -1)
        self.assertEqual(m["BisectBatchOnFunctionError"], False)
        self.assertEqual(m["ParallelizationFactor"], 1)
        self.assertEqual(m["DestinationConfig"], {"OnFailure": {}})
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_event_source_mapping(EventSourceArn=stream_arn("api-s"),
                                                 FunctionName="api", StartingPosition="LATEST")
        u = self.lam.update_event_source_mapping(UUID=m["UUID"], MaximumRetryAttempts=3,
                                                 BisectBatchOnFunctionError=True)
        self.assertEqual((u["MaximumRetryAttempts"], u["BisectBatchOnFunctionError"]), (3, True))
        got = self.lam.get_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(got["MaximumRetryAttempts"], 3)
        u = self.lam.update_event_source_mapping(UUID=m["UUID"], TumblingWindowInSeconds=30,
                                                 ParallelizationFactor=4)
        self.assertEqual((u["TumblingWindowInSeconds"], u["ParallelizationFactor"]), (30, 4))
        with self.assertRaises(self.lam.exceptions.ClientError) as e:
            self.lam.update_event_source_mapping(UUID=m["UUID"], TumblingWindowInSeconds=901)
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("tumblingWindowInSeconds", e.exception.response["Error"]["Message"])
        self.lam.delete_event_source_mapping(UUID=m["UUID"])

    def test_records_arrive_in_order_per_shard(self):
        self.function("order")
        self.stream("order-s", shards=2)
        for i in range(20):
            self.kinesis.put_record(StreamName="order-s", PartitionKey="user-%d" % (i % 4),
                                    Data=("%d" % i).encode())
        code, out, _ = self.server.aws_cli(
            "lambda", "create-event-source-mapping", "--function-name", "order",
            "--event-source-arn", stream_arn("order-s"), "--starting-position", "TRIM_HORIZON",
            "--batch-size", "5")
        self.assertEqual(json.loads(out)["BatchSize"], 5)
        seen = wait_until(lambda: len(records_seen(self.logs, "order")) >= 20, timeout=30)
        self.assertTrue(seen)
        records = records_seen(self.logs, "order")
        self.assertEqual(sorted(int(d) for d in data_of(records)), list(range(20)))
        for key in range(4):  # each partition key in put order
            mine = [int(base64.b64decode(r["kinesis"]["data"])) for r in records
                    if r["kinesis"]["partitionKey"] == "user-%d" % key]
            self.assertEqual(mine, sorted(mine))
        r = records[0]
        self.assertEqual(r["eventSource"], "aws:kinesis")
        self.assertEqual(r["eventName"], "aws:kinesis:record")
        self.assertEqual(r["eventSourceARN"], stream_arn("order-s"))
        self.assertEqual(r["invokeIdentityArn"], ROLE)
        self.assertEqual(r["awsRegion"], REGION)
        self.assertTrue(r["eventID"].startswith("shardId-"))
        self.assertEqual(r["kinesis"]["kinesisSchemaVersion"], "1.0")
        # Lambda's IteratorAge of the mapping: every record waited at least
        # while the mapping was being created.
        age = re.search(r'nimbus_esm_iterator_age_ms\{[^}]*function_name="order",'
                        r'resource="order"\} (\d+)', self.server.metrics())
        self.assertIsNotNone(age, self.server.metrics())
        self.assertGreater(int(age.group(1)), 0)

    def test_a_poison_record_is_bisected_out_to_the_on_failure_queue(self):
        self.function("poison")
        self.stream("poison-s")
        url = self.sqs.create_queue(QueueName="poison-failed")["QueueUrl"]
        failed_arn = "arn:aws:sqs:%s:%s:poison-failed" % (REGION, ACCOUNT)
        for d in ["a", "b", "crash", "c"]:
            self.kinesis.put_record(StreamName="poison-s", PartitionKey="k", Data=d.encode())
        self.lam.create_event_source_mapping(
            EventSourceArn=stream_arn("poison-s"), FunctionName="poison",
            StartingPosition="TRIM_HORIZON", BisectBatchOnFunctionError=True,
            MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": failed_arn}})

        def failure():
            m = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            return json.loads(m[0]["Body"]) if m else None
        rec = wait_until(failure, timeout=30)
        self.assertIsNotNone(rec)
        self.assertEqual(rec["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(rec["requestContext"]["functionArn"],
                         "arn:aws:lambda:%s:%s:function:poison" % (REGION, ACCOUNT))
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        info = rec["KinesisBatchInfo"]
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["streamArn"], stream_arn("poison-s"))
        self.assertEqual(info["startSequenceNumber"], info["endSequenceNumber"])
        # Every other record reached the function in a batch that succeeded.
        self.assertTrue(wait_until(lambda: "c" in data_of(records_seen(self.logs, "poison"))))

    def test_tumbling_windows_carry_state_to_a_final_call(self):
        self.lam.create_function(FunctionName="windows", Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip(WINDOWER)})
        self.stream("windows-s")
        for i in range(5):
            self.kinesis.put_record(StreamName="windows-s", PartitionKey="k",
                                    Data=("%d" % i).encode())
        self.lam.create_event_source_mapping(
            EventSourceArn=stream_arn("windows-s"), FunctionName="windows",
            StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=2, BatchSize=2)

        def finals():
            try:
                events = self.logs.filter_log_events(logGroupName="/aws/lambda/windows")["events"]
            except self.logs.exceptions.ResourceNotFoundException:
                return []
            return [json.loads(e["message"].strip()[6:]) for e in events
                    if e["message"].startswith("FINAL ")]
        # The records may straddle a window boundary: the finals add up to 5.
        self.assertTrue(wait_until(lambda: sum(f["n"] for f in finals()) == 5, timeout=20))
        for f in finals():
            self.assertTrue(f["window"]["start"].endswith("Z"))


class StreamEsmRestartTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def test_a_restart_resumes_after_the_checkpoint(self):
        lam = self.server.boto3_client("lambda")
        kinesis = self.server.boto3_client("kinesis")
        lam.create_function(FunctionName="again", Runtime="python3.9", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": py_zip(RECORDER)})
        kinesis.create_stream(StreamName="again-s", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="again-s",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        lam.create_event_source_mapping(EventSourceArn=stream_arn("again-s"),
                                        FunctionName="again", StartingPosition="LATEST")
        kinesis.put_record(StreamName="again-s", PartitionKey="k", Data=b"before")
        logs = self.server.boto3_client("logs")
        self.assertTrue(wait_until(lambda: data_of(records_seen(logs, "again")) == ["before"],
                                   timeout=30))
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        kinesis = self.server.boto3_client("kinesis")
        logs = self.server.boto3_client("logs")
        kinesis.put_record(StreamName="again-s", PartitionKey="k", Data=b"after")
        self.assertTrue(wait_until(lambda: "after" in data_of(records_seen(logs, "again")),
                                   timeout=30))
        self.assertEqual(data_of(records_seen(logs, "again")), ["before", "after"])


if __name__ == "__main__":
    unittest.main()
