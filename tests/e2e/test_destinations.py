"""Lambda's asynchronous invocation delivering through the event fabric
(events/target.h) with real clients: OnSuccess / OnFailure destinations to
SQS queues, SNS topics and other functions, the DeadLetterConfig queue, the
errors for destinations that cannot be used, the AWS CLI, and kill -9 of the
server while results are being delivered."""

import json
import unittest

from harness import ACCOUNT, Server, ServerTestCase, require_boto3, wait_until
from test_lambda import ROLE, py_zip

QARN = "arn:aws:sqs:us-east-1:%s:%%s" % ACCOUNT
FARN = "arn:aws:lambda:us-east-1:%s:function:%%s" % ACCOUNT


def drain(sqs, url, into, key):
    """Receives what is on the queue, storing each body under key(body)."""
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                 MessageAttributeNames=["All"]).get("Messages", []):
        into[key(m)] = m
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


class DestinationsTest(ServerTestCase):
    server_args = ("--lambda-retry-delays", "100,100")

    @classmethod
    def setUpClass(cls):
        require_boto3()
        super().setUpClass()
        cls.lam = cls.server.boto3_client("lambda")
        cls.sqs = cls.server.boto3_client("sqs")

    def queue(self, name):
        return self.sqs.create_queue(QueueName=name)["QueueUrl"]

    def function(self, name, **config):
        self.lam.create_function(FunctionName=name, Runtime="python3.9", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": py_zip()}, **config)

    def test_success_to_a_function_whose_success_goes_to_a_queue(self):
        url = self.queue("chain-out")
        self.function("chain-sink")
        self.lam.put_function_event_invoke_config(
            FunctionName="chain-sink",
            DestinationConfig={"OnSuccess": {"Destination": QARN % "chain-out"}})
        self.function("chain-src")
        self.lam.put_function_event_invoke_config(
            FunctionName="chain-src",
            DestinationConfig={"OnSuccess": {"Destination": FARN % "chain-sink"}})
        r = self.lam.invoke(FunctionName="chain-src", InvocationType="Event",
                            Payload=b'{"hop": 1}')
        self.assertEqual(r["StatusCode"], 202)
        got = {}
        self.assertTrue(wait_until(lambda: drain(self.sqs, url, got, lambda m: "x") or got, 30))
        outer = json.loads(got["x"]["Body"])
        # chain-sink ran with chain-src's invocation record as its event.
        inner = outer["requestPayload"]
        self.assertEqual(outer["requestContext"]["functionArn"], FARN % "chain-sink" + ":$LATEST")
        self.assertEqual(inner["requestContext"]["condition"], "Success")
        self.assertEqual(inner["requestContext"]["functionArn"], FARN % "chain-src" + ":$LATEST")
        self.assertEqual(inner["requestPayload"], {"hop": 1})
        self.assertEqual(inner["responsePayload"]["echo"], {"hop": 1})
        self.assertEqual(outer["responsePayload"]["echo"]["requestPayload"], {"hop": 1})

    def test_failure_to_a_queue_after_the_retries(self):
        url = self.queue("fail-out")
        self.function("fails")
        self.lam.put_function_event_invoke_config(
            FunctionName="fails", MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": QARN % "fail-out"}})
        self.lam.invoke(FunctionName="fails", InvocationType="Event", Payload=b'{"fail": true}')
        got = {}
        self.assertTrue(wait_until(lambda: drain(self.sqs, url, got, lambda m: "x") or got, 30))
        rec = json.loads(got["x"]["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(rec["responsePayload"]["errorMessage"], "asked to fail")

    def test_failure_to_a_topic(self):
        url = self.queue("topic-out")
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="fail-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QARN % "topic-out",
                      Attributes={"RawMessageDelivery": "true"})
        self.function("fails-to-topic")
        self.lam.put_function_event_invoke_config(
            FunctionName="fails-to-topic", MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": topic}})
        self.lam.invoke(FunctionName="fails-to-topic", InvocationType="Event",
                        Payload=b'{"fail": true}')
        got = {}
        self.assertTrue(wait_until(lambda: drain(self.sqs, url, got, lambda m: "x") or got, 30))
        rec = json.loads(got["x"]["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestPayload"], {"fail": True})

    def test_dead_letter_queue_gets_the_event_with_error_attributes(self):
        url = self.queue("dlq-out")
        self.function("dlq-fn", DeadLetterConfig={"TargetArn": QARN % "dlq-out"})
        self.lam.put_function_event_invoke_config(FunctionName="dlq-fn", MaximumRetryAttempts=0)
        r = self.lam.invoke(FunctionName="dlq-fn", InvocationType="Event",
                            Payload=b'{"fail": true, "id": 7}')
        got = {}
        self.assertTrue(wait_until(lambda: drain(self.sqs, url, got, lambda m: "x") or got, 30))
        m = got["x"]
        self.assertEqual(json.loads(m["Body"]), {"fail": True, "id": 7})
        attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
        self.assertEqual(attrs["ErrorMessage"], "asked to fail")
        self.assertEqual(attrs["ErrorCode"], "200")
        self.assertEqual(attrs["RequestID"], r["ResponseMetadata"]["RequestId"])

    def test_destinations_that_cannot_be_used(self):
        self.function("bad-dest")
        for arn in (QARN % "no-such-queue", FARN % "no-such-function",
                    "arn:aws:sns:us-east-1:%s:no-sns-here" % ACCOUNT,
                    "arn:aws:s3:::bucket"):
            with self.assertRaises(self.lam.exceptions.InvalidParameterValueException, msg=arn) as e:
                self.lam.put_function_event_invoke_config(
                    FunctionName="bad-dest", DestinationConfig={"OnFailure": {"Destination": arn}})
            self.assertIn(arn, e.exception.response["Error"]["Message"])
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.lam.update_function_configuration(
                FunctionName="bad-dest", DeadLetterConfig={"TargetArn": QARN % "no-such-queue"})

    def test_aws_cli(self):
        url = self.queue("cli-out")
        self.function("cli-fn")
        self.server.aws_cli(
            "lambda", "put-function-event-invoke-config", "--function-name", "cli-fn",
            "--maximum-retry-attempts", "0", "--destination-config",
            json.dumps({"OnSuccess": {"Destination": QARN % "cli-out"},
                        "OnFailure": {"Destination": FARN % "cli-fn"}}))
        _, out, _ = self.server.aws_cli(
            "lambda", "get-function-event-invoke-config", "--function-name", "cli-fn")
        self.assertEqual(json.loads(out)["DestinationConfig"]["OnSuccess"]["Destination"],
                         QARN % "cli-out")
        _, out, _ = self.server.aws_cli(
            "lambda", "invoke", "--function-name", "cli-fn", "--invocation-type", "Event",
            "--payload", '{"via": "cli"}', "/dev/null")
        self.assertEqual(json.loads(out)["StatusCode"], 202)

        def received():
            _, out, _ = self.server.aws_cli("sqs", "receive-message", "--queue-url", url,
                                            "--wait-time-seconds", "1")
            return json.loads(out)["Messages"] if out.strip() else None
        msgs = wait_until(received, 30)
        self.assertTrue(msgs)
        rec = json.loads(msgs[0]["Body"])
        self.assertEqual(rec["requestPayload"], {"via": "cli"})
        self.assertEqual(rec["requestContext"]["condition"], "Success")


class DestinationsKill9Test(unittest.TestCase):
    def test_results_in_delivery_survive_kill9(self):
        """Results are delivered while the server dies: every event's record
        reaches the queue after the restart (at least once)."""
        require_boto3()
        server = Server().start()
        try:
            lam = server.boto3_client("lambda")
            sqs = server.boto3_client("sqs")
            url = sqs.create_queue(QueueName="k9-out")["QueueUrl"]
            lam.create_function(FunctionName="k9-sink", Runtime="python3.9", Role=ROLE,
                                Handler="app.handler", Code={"ZipFile": py_zip()})
            lam.put_function_event_invoke_config(
                FunctionName="k9-sink",
                DestinationConfig={"OnSuccess": {"Destination": QARN % "k9-out"}})
            lam.create_function(FunctionName="k9-src", Runtime="python3.9", Role=ROLE,
                                Handler="app.handler", Code={"ZipFile": py_zip()})
            lam.put_function_event_invoke_config(
                FunctionName="k9-src",
                DestinationConfig={"OnSuccess": {"Destination": FARN % "k9-sink"}})
            n = 20
            for i in range(n):
                r = lam.invoke(FunctionName="k9-src", InvocationType="Event",
                               Payload=json.dumps({"i": i, "sleep": 0.05}).encode())
                self.assertEqual(r["StatusCode"], 202)
            # Kill while the first results are on their way.
            seen = set()

            def first():
                got = {}
                drain(sqs, url, got, lambda m: m["MessageId"])
                for m in got.values():
                    seen.add(json.loads(m["Body"])["requestPayload"]["requestPayload"]["i"])
                return seen
            wait_until(first, timeout=30)
            server.kill9()
            server.start()
            sqs = server.boto3_client("sqs")

            def rest():
                first()
                return len(seen) == n
            self.assertTrue(wait_until(rest, timeout=60), sorted(seen))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
