"""SQS → Lambda event source mappings through boto3 (current and Debian's
1.26) and the AWS CLI against a real server: the five API calls and their
errors, delivery with AWS's event shape, partial batch failures, a failing
function's messages reaching the DLQ, filters, FIFO order, Enabled=false,
and mappings surviving a restart. What a function saw is read back from its
CloudWatch Logs (it prints each event it gets)."""

import json
import time
import unittest

from harness import (ACCOUNT, REGION, Server, ServerTestCase, function_log, require_boto3,
                     wait_until)
from test_lambda import ROLE, py_zip

# Prints each event; fails the invocation for a record whose body is "crash";
# with partial responses reports records whose body starts with "bad".
RECORDER = """
import json, time
def handler(event, context):
    print("ESM %d %s" % (time.time_ns(), json.dumps(event)))
    if any(r["body"] == "crash" for r in event["Records"]):
        raise RuntimeError("crash")
    bad = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in bad]}
"""


def queue_arn(name):
    return "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name)


class EsmBase(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.lam = self.server.boto3_client("lambda")
        self.sqs = self.server.boto3_client("sqs")
        self.logs = self.server.boto3_client("logs")

    def function(self, name, timeout=3):
        self.lam.create_function(FunctionName=name, Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Timeout=timeout,
                                 Code={"ZipFile": py_zip(RECORDER)})

    def queue(self, name, **attributes):
        attrs = {k: str(v) for k, v in attributes.items()}
        return self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]

    def records(self, fn):
        """Every record the function received, in the order the handler ran.

        Log timestamps are milliseconds: two batches handled within one
        millisecond by different environments would tie, so each line carries
        the handler's own nanosecond clock."""
        batches = []
        for msg in function_log(self.logs, fn, "ESM "):
            ns, body = msg[4:].split(" ", 1)
            batches.append((int(ns), json.loads(body)["Records"]))
        return [r for _, recs in sorted(batches, key=lambda b: b[0]) for r in recs]

    def bodies(self, fn):
        return [r["body"] for r in self.records(fn)]

    def counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


class EsmApiTest(EsmBase):
    def test_create_get_list_update_delete(self):
        self.function("api")
        self.queue("api-q")
        c = self.lam.create_event_source_mapping(EventSourceArn=queue_arn("api-q"),
                                                 FunctionName="api")
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(c["State"], "Creating")
        self.assertEqual(c["BatchSize"], 10)
        self.assertEqual(c["MaximumBatchingWindowInSeconds"], 0)
        self.assertEqual(c["EventSourceArn"], queue_arn("api-q"))
        self.assertEqual(c["FunctionArn"],
                         "arn:aws:lambda:%s:%s:function:api" % (REGION, ACCOUNT))
        self.assertEqual(len(c["UUID"]), 36)
        uuid = c["UUID"]
        g = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(g["State"], "Enabled")
        self.assertEqual(g["StateTransitionReason"], "USER_INITIATED")
        self.assertIn("LastModified", g)

        with self.assertRaises(self.lam.exceptions.ResourceConflictException) as e:
            self.lam.create_event_source_mapping(EventSourceArn=queue_arn("api-q"),
                                                 FunctionName="api")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        self.assertEqual(
            e.exception.response["Error"]["Message"],
            'An event source mapping with SQS arn (" %s ") and function (" api ") already '
            "exists. Please update or delete the existing mapping with UUID %s"
            % (queue_arn("api-q"), uuid))

        self.queue("api-q2")
        second = self.lam.create_event_source_mapping(
            EventSourceArn=queue_arn("api-q2"), FunctionName="api", Enabled=False,
            BatchSize=100, MaximumBatchingWindowInSeconds=2,
            FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
        self.assertEqual(self.lam.get_event_source_mapping(UUID=second)["State"], "Disabled")
        mine = self.lam.list_event_source_mappings(FunctionName="api")["EventSourceMappings"]
        self.assertEqual(sorted(m["UUID"] for m in mine), sorted([uuid, second]))
        only = self.lam.list_event_source_mappings(EventSourceArn=queue_arn("api-q2"))
        self.assertEqual([m["UUID"] for m in only["EventSourceMappings"]], [second])
        page = self.lam.list_event_source_mappings(FunctionName="api", MaxItems=1)
        self.assertEqual(len(page["EventSourceMappings"]), 1)
        rest = self.lam.list_event_source_mappings(FunctionName="api", MaxItems=1,
                                                   Marker=page["NextMarker"])
        self.assertEqual(len(rest["EventSourceMappings"]), 1)
        self.assertNotEqual(rest["EventSourceMappings"][0]["UUID"],
                            page["EventSourceMappings"][0]["UUID"])

        u = self.lam.update_event_source_mapping(UUID=uuid, BatchSize=5)
        self.assertEqual(u["State"], "Updating")
        self.assertEqual(u["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["BatchSize"], 5)
        self.assertEqual(self.lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"],
                         "Disabling")

        d = self.lam.delete_event_source_mapping(UUID=uuid)
        self.assertEqual(d["State"], "Deleting")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as e:
            self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "The resource you requested does not exist.")
        self.lam.delete_event_source_mapping(UUID=second)

    def test_bad_input_changes_nothing(self):
        self.function("bad", timeout=60)
        self.function("okfn")
        self.queue("bad-q")
        self.queue("bad.fifo", FifoQueue="true")
        before = self.lam.list_event_source_mappings()["EventSourceMappings"]

        def error(code, **kw):
            with self.assertRaises(getattr(self.lam.exceptions, code)) as e:
                self.lam.create_event_source_mapping(**kw)
            return e.exception.response["Error"]["Message"]

        self.assertEqual(
            error("InvalidParameterValueException", EventSourceArn=queue_arn("bad-q"),
                  FunctionName="bad"),
            "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds")
        self.assertIn("Function not found",
                      error("ResourceNotFoundException", EventSourceArn=queue_arn("bad-q"),
                            FunctionName="missing"))
        self.assertIn("NonExistentQueue",
                      error("InvalidParameterValueException", EventSourceArn=queue_arn("nope"),
                            FunctionName="okfn"))
        self.assertEqual(
            error("InvalidParameterValueException", EventSourceArn=queue_arn("bad-q"),
                  FunctionName="okfn", BatchSize=100),
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10")
        self.assertEqual(
            error("InvalidParameterValueException", EventSourceArn=queue_arn("bad.fifo"),
                  FunctionName="okfn", BatchSize=11, MaximumBatchingWindowInSeconds=1),
            "Maximum batch size must be between 1 and 10 inclusive")
        self.assertEqual(
            error("InvalidParameterValueException", EventSourceArn=queue_arn("bad-q"),
                  FunctionName="okfn", FilterCriteria={"Filters": [{"Pattern": "{not json"}]}),
            "Invalid filter pattern definition.")
        stream = "arn:aws:kinesis:%s:%s:stream/none" % (REGION, ACCOUNT)
        self.assertEqual(error("InvalidParameterValueException", EventSourceArn=stream,
                               FunctionName="okfn", StartingPosition="LATEST"),
                         "Stream not found: " + stream)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.update_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000",
                                                 BatchSize=2)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.delete_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000")
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], before)

    def test_scaling_config(self):
        try:
            self.lam.meta.service_model.shape_for("ScalingConfig")
        except Exception:
            self.skipTest("this botocore's Lambda model has no ScalingConfig")
        self.function("scaled")
        self.queue("scaled-q")
        c = self.lam.create_event_source_mapping(EventSourceArn=queue_arn("scaled-q"),
                                                 FunctionName="scaled",
                                                 ScalingConfig={"MaximumConcurrency": 2})
        self.assertEqual(c["ScalingConfig"], {"MaximumConcurrency": 2})
        u = self.lam.update_event_source_mapping(UUID=c["UUID"],
                                                 ScalingConfig={"MaximumConcurrency": 50})
        self.assertEqual(u["ScalingConfig"], {"MaximumConcurrency": 50})
        self.assertEqual(self.lam.get_event_source_mapping(UUID=c["UUID"])["ScalingConfig"],
                         {"MaximumConcurrency": 50})
        from botocore.exceptions import ClientError, ParamValidationError
        with self.assertRaises((ClientError, ParamValidationError)):
            self.lam.update_event_source_mapping(UUID=c["UUID"],
                                                 ScalingConfig={"MaximumConcurrency": 1})
        self.assertEqual(self.lam.get_event_source_mapping(UUID=c["UUID"])["ScalingConfig"],
                         {"MaximumConcurrency": 50})
        self.lam.delete_event_source_mapping(UUID=c["UUID"])

    def test_cli(self):
        self.function("clifn")
        self.queue("cli-q")
        _, out, _ = self.server.aws_cli("lambda", "create-event-source-mapping",
                                        "--event-source-arn", queue_arn("cli-q"),
                                        "--function-name", "clifn", "--batch-size", "3")
        uuid = json.loads(out)["UUID"]
        _, out, _ = self.server.aws_cli("lambda", "list-event-source-mappings",
                                        "--function-name", "clifn")
        self.assertEqual([m["UUID"] for m in json.loads(out)["EventSourceMappings"]], [uuid])
        _, out, _ = self.server.aws_cli("lambda", "update-event-source-mapping", "--uuid", uuid,
                                        "--no-enabled")
        self.assertEqual(json.loads(out)["State"], "Disabling")
        _, out, _ = self.server.aws_cli("lambda", "get-event-source-mapping", "--uuid", uuid)
        self.assertEqual(json.loads(out)["State"], "Disabled")
        self.assertEqual(json.loads(out)["BatchSize"], 3)
        _, out, _ = self.server.aws_cli("lambda", "delete-event-source-mapping", "--uuid", uuid)
        self.assertEqual(json.loads(out)["State"], "Deleting")
        code, _, err = self.server.aws_cli("lambda", "get-event-source-mapping", "--uuid", uuid,
                                           check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)


class EsmDeliveryTest(EsmBase):
    def test_event_shape_and_delete_on_success(self):
        self.function("shape")
        url = self.queue("shape-q")
        self.lam.create_event_source_mapping(EventSourceArn=queue_arn("shape-q"),
                                             FunctionName="shape")
        sent = self.sqs.send_message(
            QueueUrl=url, MessageBody='{"foo": 2}',
            MessageAttributes={"req-id": {"DataType": "String", "StringValue": "r-1"},
                               "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
        recs = wait_until(lambda: self.records("shape"), timeout=30)
        self.assertEqual(len(recs), 1)
        r = recs[0]
        self.assertEqual(r["messageId"], sent["MessageId"])
        self.assertEqual(r["body"], '{"foo": 2}')
        self.assertEqual(r["md5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(r["md5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(r["eventSource"], "aws:sqs")
        self.assertEqual(r["eventSourceARN"], queue_arn("shape-q"))
        self.assertEqual(r["awsRegion"], REGION)
        self.assertTrue(r["receiptHandle"])
        a = r["attributes"]
        self.assertEqual(a["ApproximateReceiveCount"], "1")
        self.assertEqual(set(a), {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                  "ApproximateFirstReceiveTimestamp"})
        self.assertLessEqual(int(a["SentTimestamp"]), int(a["ApproximateFirstReceiveTimestamp"]))
        self.assertEqual(r["messageAttributes"]["req-id"],
                         {"stringValue": "r-1", "stringListValues": [], "binaryListValues": [],
                          "dataType": "String"})
        self.assertEqual(r["messageAttributes"]["blob"],
                         {"binaryValue": "AQI=", "stringListValues": [], "binaryListValues": [],
                          "dataType": "Binary"})
        self.assertTrue(wait_until(lambda: self.counts(url) == (0, 0)))
        m = self.server.metrics()
        self.assertIn("nimbus_esm_records", m)

    def test_partial_batch_failure_returns_only_the_reported_item(self):
        self.function("partial", timeout=1)
        url = self.queue("partial-q", VisibilityTimeout=2)
        for body in ("good-1", "bad-1", "good-2"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        uuid = self.lam.create_event_source_mapping(
            EventSourceArn=queue_arn("partial-q"), FunctionName="partial",
            FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
        self.assertTrue(wait_until(lambda: self.bodies("partial").count("bad-1") >= 2,
                                   timeout=30), self.bodies("partial"))
        self.lam.delete_event_source_mapping(UUID=uuid)
        got = self.bodies("partial")
        self.assertEqual(got.count("good-1"), 1)
        self.assertEqual(got.count("good-2"), 1)
        retried = [r for r in self.records("partial") if r["body"] == "bad-1"]
        self.assertEqual(retried[1]["attributes"]["ApproximateReceiveCount"], "2")

    def test_failing_function_sends_messages_to_the_dlq(self):
        self.function("crash", timeout=1)
        dlq = self.queue("crash-dlq")
        url = self.queue("crash-q", VisibilityTimeout=1, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": queue_arn("crash-dlq"), "maxReceiveCount": "2"}))
        self.lam.create_event_source_mapping(EventSourceArn=queue_arn("crash-q"),
                                             FunctionName="crash")
        self.sqs.send_message(QueueUrl=url, MessageBody="crash")

        def dead():
            return self.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages")
        moved = wait_until(dead, timeout=30)
        self.assertTrue(moved)
        self.assertEqual(moved[0]["Body"], "crash")
        counts = [r["attributes"]["ApproximateReceiveCount"] for r in self.records("crash")]
        self.assertEqual(counts, ["1", "2"])

    def test_filters_delete_what_does_not_match(self):
        self.function("filt")
        url = self.queue("filt-q")
        self.lam.create_event_source_mapping(
            EventSourceArn=queue_arn("filt-q"), FunctionName="filt",
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]})
        for body in ('{"kind": "drop"}', "plain text", '{"kind": "keep"}'):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        self.assertTrue(wait_until(lambda: self.bodies("filt"), timeout=30))
        self.assertTrue(wait_until(lambda: self.counts(url) == (0, 0)))
        time.sleep(0.5)
        self.assertEqual(self.bodies("filt"), ['{"kind": "keep"}'])

    def test_fifo_order_per_group(self):
        self.function("fifo")
        url = self.queue("order.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(6):
            for g in ("a", "b"):
                self.sqs.send_message(QueueUrl=url, MessageBody="%s-%d" % (g, i),
                                      MessageGroupId=g)
        self.lam.create_event_source_mapping(EventSourceArn=queue_arn("order.fifo"),
                                             FunctionName="fifo", BatchSize=2)
        self.assertTrue(wait_until(lambda: len(self.records("fifo")) >= 12, timeout=30))
        recs = self.records("fifo")
        for g in ("a", "b"):
            seen = [r["body"] for r in recs if r["attributes"]["MessageGroupId"] == g]
            self.assertEqual(seen, ["%s-%d" % (g, i) for i in range(6)])
        seqs = [int(r["attributes"]["SequenceNumber"]) for r in recs
                if r["attributes"]["MessageGroupId"] == "a"]
        self.assertEqual(seqs, sorted(seqs))

    def test_disable_stops_and_enable_resumes_delivery(self):
        self.function("toggle")
        url = self.queue("toggle-q")
        uuid = self.lam.create_event_source_mapping(EventSourceArn=queue_arn("toggle-q"),
                                                    FunctionName="toggle",
                                                    Enabled=False)["UUID"]
        self.sqs.send_message(QueueUrl=url, MessageBody="waiting")
        time.sleep(1.5)
        self.assertEqual(self.bodies("toggle"), [])
        self.assertEqual(self.counts(url), (1, 0))
        self.lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        self.assertTrue(wait_until(lambda: self.bodies("toggle") == ["waiting"], timeout=30))
        self.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        self.sqs.send_message(QueueUrl=url, MessageBody="later")
        time.sleep(1.5)
        self.assertEqual(self.bodies("toggle"), ["waiting"])
        self.assertEqual(self.counts(url), (1, 0))

    def test_update_moves_the_mapping_to_another_function(self):
        self.function("first")
        self.function("second")
        url = self.queue("moved-q")
        uuid = self.lam.create_event_source_mapping(EventSourceArn=queue_arn("moved-q"),
                                                    FunctionName="first")["UUID"]
        self.sqs.send_message(QueueUrl=url, MessageBody="one")
        self.assertTrue(wait_until(lambda: self.bodies("first") == ["one"], timeout=30))
        u = self.lam.update_event_source_mapping(UUID=uuid, FunctionName="second")
        self.assertEqual(u["FunctionArn"],
                         "arn:aws:lambda:%s:%s:function:second" % (REGION, ACCOUNT))
        self.sqs.send_message(QueueUrl=url, MessageBody="two")
        self.assertTrue(wait_until(lambda: self.bodies("second") == ["two"], timeout=30))
        self.assertEqual(self.bodies("first"), ["one"])

    def test_deleting_the_function_keeps_the_mapping(self):
        self.function("gone")
        url = self.queue("gone-q")
        uuid = self.lam.create_event_source_mapping(EventSourceArn=queue_arn("gone-q"),
                                                    FunctionName="gone")["UUID"]
        self.lam.delete_function(FunctionName="gone")
        g = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(g["FunctionArn"],
                         "arn:aws:lambda:%s:%s:function:gone" % (REGION, ACCOUNT))
        self.sqs.send_message(QueueUrl=url, MessageBody="nobody home")
        self.assertTrue(wait_until(
            lambda: self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] ==
            "PROBLEM: Function not found"))
        self.assertEqual(self.counts(url), (0, 1))  # kept, visible again after its timeout
        self.lam.delete_event_source_mapping(UUID=uuid)


class EsmRestartTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def test_mappings_resume_after_restart(self):
        lam = self.server.boto3_client("lambda")
        sqs = self.server.boto3_client("sqs")
        lam.create_function(FunctionName="again", Runtime="python3.9", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": py_zip(RECORDER)})
        sqs.create_queue(QueueName="again-q")
        uuid = lam.create_event_source_mapping(EventSourceArn=queue_arn("again-q"),
                                               FunctionName="again", BatchSize=4)["UUID"]
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        lam = self.server.boto3_client("lambda")
        sqs = self.server.boto3_client("sqs")
        logs = self.server.boto3_client("logs")
        g = lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual((g["State"], g["BatchSize"]), ("Enabled", 4))
        url = sqs.get_queue_url(QueueName="again-q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="after restart")

        def seen():
            try:
                ev = logs.filter_log_events(logGroupName="/aws/lambda/again")["events"]
            except logs.exceptions.ResourceNotFoundException:
                return False
            return any("after restart" in e["message"] for e in ev)
        self.assertTrue(wait_until(seen, timeout=30))


if __name__ == "__main__":
    unittest.main()
