"""SQS dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask) and ReceiveMessage's MessageSystemAttributeNames, API
that Debian's botocore 1.29 model lacks and nimbus adds by a model overlay.

Current boto3 and the AWS CLI speak awsJson to SQS; Debian's boto3 1.26 has
none of these operations, so the same scenarios also run as raw SigV4-signed
awsQuery requests (Action=StartMessageMoveTask), which every botocore can
sign."""

import json
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from harness import ACCOUNT, REGION, ServerTestCase, require_boto3, wait_until

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def arn(name):
    return "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name)


class QueueHelpers:
    """Queues set up with boto3 (any version): a source redriving to a DLQ."""

    def setUp(self):
        require_boto3()
        self.sqs = self.server.boto3_client("sqs")

    def make_pair(self, name):
        """A source queue redriving to a DLQ after one receive."""
        dlq = self.sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        src = self.sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn(name + "-dlq"), "maxReceiveCount": 1})})["QueueUrl"]
        return src, dlq

    def count(self, url):
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"])

    def fail_into_dlq(self, src, dlq, bodies):
        for b in bodies:
            self.sqs.send_message(QueueUrl=src, MessageBody=b)
        # First receive: count 1 (visible again at once); the next receive
        # finds maxReceiveCount reached and moves each message to the DLQ.
        while self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                       WaitTimeSeconds=0).get("Messages"):
            pass
        self.assertTrue(wait_until(lambda: self.count(dlq) == len(bodies)), self.count(dlq))

    def drain(self, url, n):
        got = []

        def more():
            for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                got.append(m["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return len(got) >= n
        wait_until(more)
        return sorted(got)


class MoveTaskScenarios(QueueHelpers):
    """The scenarios, run once per wire (see the subclasses below)."""

    def start(self, source, **kwargs):
        raise NotImplementedError

    def list_tasks(self, source, max_results=None):
        raise NotImplementedError

    def cancel(self, handle):
        raise NotImplementedError

    def error_of(self, fn, *args, **kwargs):
        """(code, HTTP status) of a failed call."""
        raise NotImplementedError

    def test_redrive_back_to_the_source(self):
        src, dlq = self.make_pair(self.prefix + "back")
        bodies = ["m%d" % i for i in range(5)]
        self.fail_into_dlq(src, dlq, bodies)
        handle = self.start(arn(self.prefix + "back-dlq"))
        self.assertTrue(handle)
        self.assertEqual(self.drain(src, 5), bodies)
        self.assertEqual(self.count(dlq), 0)
        tasks = wait_until(lambda: [t for t in self.list_tasks(arn(self.prefix + "back-dlq"))
                                    if t["Status"] == "COMPLETED"])
        self.assertEqual(len(tasks), 1)
        t = tasks[0]
        self.assertEqual(t["SourceArn"], arn(self.prefix + "back-dlq"))
        self.assertEqual(int(t["ApproximateNumberOfMessagesMoved"]), 5)
        self.assertEqual(int(t["ApproximateNumberOfMessagesToMove"]), 5)
        self.assertNotIn("TaskHandle", t)  # only a running task has one
        self.assertNotIn("DestinationArn", t)
        self.assertGreater(int(t["StartedTimestamp"]), 1600000000000)  # epoch milliseconds

    def test_redrive_to_a_destination_at_a_rate_and_cancel(self):
        src, dlq = self.make_pair(self.prefix + "slow")
        other = self.sqs.create_queue(QueueName=self.prefix + "slow-other")["QueueUrl"]
        self.fail_into_dlq(src, dlq, ["a", "b", "c", "d", "e"])
        source = arn(self.prefix + "slow-dlq")
        handle = self.start(source, DestinationArn=arn(self.prefix + "slow-other"),
                            MaxNumberOfMessagesPerSecond=1)
        running = self.list_tasks(source)
        self.assertEqual(len(running), 1)
        self.assertEqual(running[0]["Status"], "RUNNING")
        self.assertEqual(running[0]["TaskHandle"], handle)
        self.assertEqual(running[0]["DestinationArn"], arn(self.prefix + "slow-other"))
        self.assertEqual(int(running[0]["MaxNumberOfMessagesPerSecond"]), 1)
        # Only one running task per source.
        code, status = self.error_of(self.start, source)
        self.assertEqual((code, status), ("InvalidParameterValue", 400))
        # One message a second: after ~1.5 s at most two have moved.
        time.sleep(1.5)
        moved = self.cancel(handle)
        self.assertGreaterEqual(moved, 1)
        self.assertLessEqual(moved, 2)
        time.sleep(1.2)  # nothing moves after the cancel but a batch already committing
        t = self.list_tasks(source)[0]
        self.assertEqual(t["Status"], "CANCELLED")
        final = int(t["ApproximateNumberOfMessagesMoved"])
        self.assertIn(final - moved, (0, 1))
        self.assertEqual(self.count(other), final)
        self.assertEqual(self.count(dlq), 5 - final)
        self.assertEqual(self.count(src), 0)
        # A finished task cannot be cancelled; a new one may start.
        self.assertEqual(self.error_of(self.cancel, handle), ("InvalidParameterValue", 400))
        self.start(source, DestinationArn=arn(self.prefix + "slow-other"))
        self.assertTrue(wait_until(lambda: self.count(other) == 5))
        tasks = self.list_tasks(source, max_results=10)
        self.assertEqual([t["Status"] for t in tasks][1:], ["CANCELLED"])  # newest first
        self.assertEqual(len(self.list_tasks(source)), 1)  # MaxResults defaults to 1

    def test_errors(self):
        self.sqs.create_queue(QueueName=self.prefix + "plain")
        # A queue that is no queue's dead-letter queue.
        self.assertEqual(self.error_of(self.start, arn(self.prefix + "plain")),
                         ("InvalidParameterValue", 400))
        self.assertEqual(self.error_of(self.start, arn(self.prefix + "missing")),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(self.error_of(self.list_tasks, arn(self.prefix + "missing")),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(self.error_of(self.cancel, "bm9wZQ=="),
                         ("ResourceNotFoundException", 400))
        src, dlq = self.make_pair(self.prefix + "err")
        self.assertEqual(self.error_of(self.start, arn(self.prefix + "err-dlq"),
                                       DestinationArn=arn(self.prefix + "missing")),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(self.error_of(self.start, arn(self.prefix + "err-dlq"),
                                       MaxNumberOfMessagesPerSecond=501),
                         ("InvalidParameterValue", 400))
        self.assertEqual(self.error_of(self.list_tasks, arn(self.prefix + "err-dlq"),
                                       max_results=11), ("InvalidParameterValue", 400))
        self.assertEqual(self.list_tasks(arn(self.prefix + "err-dlq")), [])


class MoveTasksBoto3(MoveTaskScenarios, ServerTestCase):
    """Current boto3: awsJson 1.0."""

    prefix = "j-"

    def setUp(self):
        super().setUp()
        if not hasattr(self.sqs, "start_message_move_task"):
            self.skipTest("this boto3 has no StartMessageMoveTask (the raw query tests cover it)")

    def start(self, source, **kwargs):
        return self.sqs.start_message_move_task(SourceArn=source, **kwargs)["TaskHandle"]

    def list_tasks(self, source, max_results=None):
        kwargs = {"MaxResults": max_results} if max_results else {}
        return self.sqs.list_message_move_tasks(SourceArn=source, **kwargs)["Results"]

    def cancel(self, handle):
        return self.sqs.cancel_message_move_task(
            TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]

    def error_of(self, fn, *args, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        r = cm.exception.response
        return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]

    def test_receive_message_system_attribute_names(self):
        import botocore
        url = self.sqs.create_queue(QueueName="j-sysattr")["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        model = self.sqs.meta.service_model.operation_model("ReceiveMessage").input_shape
        if "MessageSystemAttributeNames" not in model.members:
            self.skipTest("botocore %s has no MessageSystemAttributeNames" % botocore.__version__)
        got = self.sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=[
            "ApproximateReceiveCount", "SenderId"])["Messages"][0]
        self.assertEqual(sorted(got["Attributes"]), ["ApproximateReceiveCount", "SenderId"])
        self.assertEqual(got["Attributes"]["ApproximateReceiveCount"], "1")


class MoveTasksCli(QueueHelpers, ServerTestCase):
    """The AWS CLI (its own current botocore, whichever python runs this)."""

    def test_cli(self):
        src, dlq = self.make_pair("cli")
        self.fail_into_dlq(src, dlq, ["c1", "c2"])
        _, out, _ = self.server.aws_cli("sqs", "start-message-move-task",
                                        "--source-arn", arn("cli-dlq"))
        self.assertTrue(json.loads(out)["TaskHandle"])
        self.assertEqual(self.drain(src, 2), ["c1", "c2"])

        def completed():
            _, out, _ = self.server.aws_cli("sqs", "list-message-move-tasks",
                                            "--source-arn", arn("cli-dlq"))
            results = json.loads(out)["Results"]
            return results if results[0]["Status"] == "COMPLETED" else None
        results = wait_until(completed)
        self.assertEqual(results[0]["ApproximateNumberOfMessagesMoved"], 2)
        code, _, err = self.server.aws_cli("sqs", "cancel-message-move-task", "--task-handle",
                                           "bm9wZQ==", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)
        self.sqs.send_message(QueueUrl=src, MessageBody="c3")
        _, out, _ = self.server.aws_cli("sqs", "receive-message", "--queue-url", src,
                                        "--message-system-attribute-names", "SentTimestamp")
        self.assertEqual(list(json.loads(out)["Messages"][0]["Attributes"]), ["SentTimestamp"])


class MoveTasksQuery(MoveTaskScenarios, ServerTestCase):
    """Raw SigV4-signed awsQuery requests: what older SDKs send; runs under
    every botocore, Debian's 1.26 included."""

    prefix = "q-"

    def query(self, action, params):
        """(HTTP status, parsed XML root) of a signed awsQuery request."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        form = dict(params, Action=action, Version="2012-11-05")
        req = AWSRequest(method="POST", url=self.server.endpoint + "/",
                         data=urllib.parse.urlencode(form).encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials("test", "test"), "sqs", REGION).add_auth(req)
        p = req.prepare()
        try:
            with urllib.request.urlopen(urllib.request.Request(
                    p.url, data=p.body, headers=dict(p.headers), method="POST")) as r:
                return r.status, ET.fromstring(r.read())
        except urllib.error.HTTPError as e:
            return e.code, ET.fromstring(e.read())

    def ok(self, action, params):
        status, root = self.query(action, params)
        if status != 200:
            raise QueryError(status, root)
        self.assertEqual(root.tag, NS + action + "Response")
        result = root.find(NS + action + "Result")
        self.assertIsNotNone(result, ET.tostring(root))
        return result

    def start(self, source, **kwargs):
        params = {"SourceArn": source}
        params.update({k: str(v) for k, v in kwargs.items()})
        return self.ok("StartMessageMoveTask", params).findtext(NS + "TaskHandle")

    def list_tasks(self, source, max_results=None):
        params = {"SourceArn": source}
        if max_results:
            params["MaxResults"] = str(max_results)
        result = self.ok("ListMessageMoveTasks", params)
        return [{child.tag[len(NS):]: child.text for child in entry}
                for entry in result.findall(NS + "ListMessageMoveTasksResultEntry")]

    def cancel(self, handle):
        result = self.ok("CancelMessageMoveTask", {"TaskHandle": handle})
        return int(result.findtext(NS + "ApproximateNumberOfMessagesMoved"))

    def error_of(self, fn, *args, **kwargs):
        with self.assertRaises(QueryError) as cm:
            fn(*args, **kwargs)
        return cm.exception.code, cm.exception.status

    def test_receive_message_system_attribute_names(self):
        url = self.sqs.create_queue(QueueName="q-sysattr")["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        result = self.ok("ReceiveMessage", {
            "QueueUrl": url, "MessageSystemAttributeName.1": "SentTimestamp",
            "MessageSystemAttributeName.2": "ApproximateReceiveCount"})
        attrs = {a.findtext(NS + "Name"): a.findtext(NS + "Value")
                 for a in result.find(NS + "Message").findall(NS + "Attribute")}
        self.assertEqual(sorted(attrs), ["ApproximateReceiveCount", "SentTimestamp"])
        self.assertEqual(attrs["ApproximateReceiveCount"], "1")

    def test_missing_source_arn_is_a_validation_error(self):
        status, root = self.query("StartMessageMoveTask", {})
        self.assertEqual(status, 400)
        self.assertIn("sourceArn", root.find(NS + "Error").findtext(NS + "Message"))


class QueryError(Exception):
    def __init__(self, status, root):
        super().__init__(ET.tostring(root))
        self.status = status
        self.code = root.find(NS + "Error").findtext(NS + "Code")


if __name__ == "__main__":
    unittest.main()
