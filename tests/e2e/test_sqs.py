"""SQS through boto3 (awsJson with current boto3, awsQuery with Debian's 1.26)
and the AWS CLI, against a real server."""

import hashlib
import json
import struct
import threading
import time
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3, wait_until


def md5_of_attributes(attrs):
    """SQS's MD5 of message attributes, computed independently of the server."""
    buf = b""
    for name in sorted(attrs):
        a = attrs[name]
        t = a["DataType"]
        buf += struct.pack(">I", len(name)) + name.encode()
        buf += struct.pack(">I", len(t)) + t.encode()
        if "BinaryValue" in a:
            v = a["BinaryValue"]
            buf += b"\x02" + struct.pack(">I", len(v)) + v
        else:
            v = a["StringValue"].encode()
            buf += b"\x01" + struct.pack(">I", len(v)) + v
    return hashlib.md5(buf).hexdigest()


class SqsBoto3Test(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sqs = self.server.boto3_client("sqs")

    def queue(self, name, **attrs):
        kwargs = {"QueueName": name}
        if attrs:
            kwargs["Attributes"] = {k: str(v) for k, v in attrs.items()}
        return self.sqs.create_queue(**kwargs)["QueueUrl"]

    def error_code(self, fn, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def test_queue_lifecycle(self):
        url = self.queue("life")
        self.assertEqual(url, "%s/%s/life" % (self.server.endpoint, ACCOUNT))
        self.assertEqual(self.sqs.get_queue_url(QueueName="life")["QueueUrl"], url)
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix="li").get("QueueUrls", []))
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "30")
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:%s:life" % ACCOUNT)
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"], {"VisibilityTimeout": "45"})
        self.sqs.delete_queue(QueueUrl=url)
        self.assertIn(self.error_code(self.sqs.get_queue_url, QueueName="life"),
                      ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"))

    def test_tags(self):
        # Over awsQuery the Tags map's wire name (Tag.N.Key) comes from the
        # TagMap shape's own locationName.
        url = self.queue("tags", **{})
        self.sqs.tag_queue(QueueUrl=url, Tags={"team": "core"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "core"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))

    def test_create_with_tags(self):
        url = self.sqs.create_queue(QueueName="tagged", tags={"a": "b"})["QueueUrl"]
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"a": "b"})

    def test_create_conflict_is_queue_already_exists(self):
        self.queue("conflict", VisibilityTimeout=10)
        self.assertEqual(self.queue("conflict", VisibilityTimeout=10).split("/")[-1], "conflict")
        self.assertIn(self.error_code(self.sqs.create_queue, QueueName="conflict",
                                      Attributes={"VisibilityTimeout": "11"}),
                      ("QueueAlreadyExists", "QueueNameExists"))

    def test_send_receive_delete_with_attributes(self):
        url = self.queue("msgs")
        attrs = {"City": {"DataType": "String", "StringValue": "Any City"},
                 "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"},
                 "N": {"DataType": "Number", "StringValue": "42"}}
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="héllo 😀", MessageAttributes=attrs)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5("héllo 😀".encode()).hexdigest())
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(attrs))
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                       AttributeNames=["All"], MaxNumberOfMessages=10)
        self.assertEqual(len(got["Messages"]), 1)
        m = got["Messages"][0]
        self.assertEqual(m["Body"], "héllo 😀")
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["MessageAttributes"]["Blob"]["BinaryValue"], b"\x00\x01\xfe")
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(attrs))
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))

    def test_batches(self):
        url = self.queue("batch")
        entries = [{"Id": "m%d" % i, "MessageBody": "body %d" % i} for i in range(10)]
        entries[4]["MessageBody"] = "bad \x01"
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        self.assertEqual(len(out["Successful"]), 9)
        self.assertEqual(out["Failed"][0]["Id"], "m4")
        self.assertEqual(out["Failed"][0]["Code"], "InvalidMessageContents")
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(len(got), 9)
        out = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        self.assertEqual(len(out["Successful"]), 9)
        self.assertIn(self.error_code(self.sqs.send_message_batch, QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]),
            ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct"))

    def test_long_poll_returns_when_a_message_arrives(self):
        url = self.queue("poll")
        t = threading.Timer(0.3, lambda: self.server.boto3_client("sqs").send_message(
            QueueUrl=url, MessageBody="wake"))
        start = time.time()
        t.start()
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        t.join()
        self.assertEqual(got["Messages"][0]["Body"], "wake")
        self.assertLess(time.time() - start, 5)

    def test_visibility_and_stale_receipt_handle(self):
        url = self.queue("vis")
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        first = self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
        second = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotEqual(first["ReceiptHandle"], second["ReceiptHandle"])
        self.assertEqual(self.error_code(self.sqs.delete_message, QueueUrl=url,
                                         ReceiptHandle=first["ReceiptHandle"]),
                         "InvalidParameterValue")
        self.assertEqual(self.error_code(self.sqs.delete_message, QueueUrl=url,
                                         ReceiptHandle="garbage"), "ReceiptHandleIsInvalid")
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                           VisibilityTimeout=0)
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=url)["Messages"]), 1)

    def test_redrive_to_dead_letter_queue(self):
        dlq = self.queue("dlq")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        src = self.queue("src", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)[
            "Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        got = self.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5)["Messages"]
        self.assertEqual(got[0]["Body"], "poison")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])

    def test_fifo(self):
        url = self.queue("jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(3):
            out = self.sqs.send_message(QueueUrl=url, MessageBody="a%d" % i, MessageGroupId="A")
            self.assertEqual(len(out["SequenceNumber"]), 20)
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="A")
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       AttributeNames=["All"])["Messages"]
        self.assertEqual([m["Body"] for m in got], ["a0", "a1", "a2"])
        self.assertEqual(got[0]["MessageId"], dup["MessageId"])
        self.assertEqual(got[0]["Attributes"]["MessageGroupId"], "A")
        self.assertIn(self.error_code(self.sqs.send_message, QueueUrl=url, MessageBody="x"),
                      ("MissingParameter",))

    def test_errors(self):
        url = self.queue("errs")
        self.assertEqual(self.error_code(self.sqs.set_queue_attributes, QueueUrl=url,
                                         Attributes={"VisibilityTimeout": "99999"}),
                         "InvalidAttributeValue")
        self.assertEqual(self.error_code(self.sqs.receive_message, QueueUrl=url,
                                         MaxNumberOfMessages=11), "InvalidParameterValue")
        self.assertEqual(self.error_code(self.sqs.send_message, QueueUrl=url,
                                         MessageBody="x" * 1048577), "InvalidParameterValue")
        self.assertIn(self.error_code(self.sqs.send_message,
                                      QueueUrl=url.replace("errs", "nope"), MessageBody="x"),
                      ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"))

    def test_one_mebibyte_messages(self):
        # MaximumMessageSize is 1 MiB, its maximum and its default (SQS since 2025).
        url = self.queue("big")
        self.assertEqual(self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["MaximumMessageSize"])["Attributes"],
            {"MaximumMessageSize": "1048576"})
        body = "é" * (1048576 // 2)  # 1 MiB of UTF-8
        self.sqs.send_message(QueueUrl=url, MessageBody=body)
        got = self.sqs.receive_message(QueueUrl=url).get("Messages", [])
        self.assertEqual([m["Body"] for m in got], [body])
        self.assertEqual(self.error_code(self.sqs.send_message, QueueUrl=url,
                                         MessageBody=body + "x"), "InvalidParameterValue")
        self.assertEqual(self.error_code(self.sqs.set_queue_attributes, QueueUrl=url,
                                         Attributes={"MaximumMessageSize": "1048577"}),
                         "InvalidAttributeValue")

    def test_purge(self):
        url = self.queue("purge")
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.sqs.purge_queue(QueueUrl=url)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertIn(self.error_code(self.sqs.purge_queue, QueueUrl=url),
                      ("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress"))


class SqsWireQuirksTest(ServerTestCase):
    """What real SQS accepts beyond its model: message attributes in
    AttributeNames, requests addressed to the queue URL's own path."""

    def setUp(self):
        require_boto3()
        self.sqs = self.server.boto3_client("sqs")

    def test_receive_selected_system_attributes(self):
        from botocore.exceptions import ClientError
        url = self.sqs.create_queue(QueueName="sysattrs")["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        # The model's enum for AttributeNames lists queue attributes only;
        # SQS accepts message system attributes there too.
        got = self.sqs.receive_message(QueueUrl=url, AttributeNames=[
            "ApproximateReceiveCount", "SentTimestamp"])["Messages"][0]
        self.assertEqual(got["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertIn("SentTimestamp", got["Attributes"])

    def test_query_request_to_queue_url_path_without_queue_url(self):
        import urllib.parse
        import urllib.request
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.sqs.create_queue(QueueName="by-path")["QueueUrl"]
        path = urllib.parse.urlparse(url).path
        self.assertEqual(path, "/%s/by-path" % ACCOUNT)
        body = urllib.parse.urlencode({"Action": "SendMessage", "Version": "2012-11-05",
                                       "MessageBody": "via path"}).encode()
        req = AWSRequest(method="POST", url=self.server.endpoint + path, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
        p = req.prepare()
        r = urllib.request.urlopen(urllib.request.Request(
            p.url, data=p.body, headers=dict(p.headers), method="POST"))
        self.assertEqual(r.status, 200)
        self.assertIn(b"<MD5OfMessageBody>", r.read())
        got = self.sqs.receive_message(QueueUrl=url)["Messages"]
        self.assertEqual(got[0]["Body"], "via path")

    def test_message_move_task(self):
        from botocore.exceptions import ClientError
        if not hasattr(self.sqs, "start_message_move_task"):
            self.skipTest("this boto3 has no StartMessageMoveTask")
        dlq = self.sqs.create_queue(QueueName="mv-dlq")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:%s:mv-dlq" % ACCOUNT
        src = self.sqs.create_queue(QueueName="mv-src", Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 1})})["QueueUrl"]
        self.sqs.send_message(QueueUrl=src, MessageBody="back")
        self.sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)
        self.sqs.receive_message(QueueUrl=src)  # moves it to the DLQ
        # The move lands once its batch is durable: wait for it, as a user
        # looking at the DLQ would, before redriving it back.
        self.assertTrue(wait_until(lambda: self.sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
            ["Attributes"]["ApproximateNumberOfMessages"] == "1", timeout=5))
        try:
            self.sqs.start_message_move_task(SourceArn=arn)
        except ClientError as e:
            if e.response["Error"]["Code"] == "UnknownOperationException":
                self.skipTest("the embedded SQS model has no StartMessageMoveTask")
            raise
        deadline = time.time() + 5
        while time.time() < deadline:
            got = self.sqs.receive_message(QueueUrl=src).get("Messages", [])
            if got:
                self.assertEqual(got[0]["Body"], "back")
                break
            time.sleep(0.05)
        else:
            self.fail("the message did not move back")
        tasks = self.sqs.list_message_move_tasks(SourceArn=arn)["Results"]
        self.assertEqual(tasks[0]["Status"], "COMPLETED")
        del dlq


class SqsCliTest(ServerTestCase):
    def test_cli_round_trip(self):
        _, out, _ = self.server.aws_cli("sqs", "create-queue", "--queue-name", "cli")
        url = json.loads(out)["QueueUrl"]
        self.server.aws_cli("sqs", "send-message", "--queue-url", url, "--message-body", "hi")
        _, out, _ = self.server.aws_cli("sqs", "receive-message", "--queue-url", url)
        msg = json.loads(out)["Messages"][0]
        self.assertEqual(msg["Body"], "hi")
        self.server.aws_cli("sqs", "delete-message", "--queue-url", url,
                            "--receipt-handle", msg["ReceiptHandle"])


if __name__ == "__main__":
    unittest.main()
