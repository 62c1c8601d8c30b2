"""SNS email, email-json and sms deliveries end to end: a server started
with --sns-smtp pointing at a minimal SMTP sink (below) sends the
confirmation mail (whose link confirms the subscription) and each
Notification; a relay's permanent refusal sends the message to the
subscription's dead-letter queue at once; SMS (Publish with PhoneNumber, sms
subscriptions) lands in CloudWatch Logs."""

import email
import email.policy
import json
import re
import socketserver
import threading
import unittest
import urllib.request

from harness import ACCOUNT, REGION, Server, require_boto3, wait_until


class Sink:
    """A plain SMTP server on an ephemeral port that keeps every message:
    (envelope recipients, parsed message). A message whose Subject is
    "refuse" is refused 554 after DATA."""

    def __init__(self):
        self.mails = []
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def say(line):
                    self.wfile.write(line.encode() + b"\r\n")
                say("220 sink ready")
                rcpts = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode().rstrip("\r\n")
                    verb = cmd[:4].upper()
                    if verb == "EHLO":
                        say("250-sink\r\n250 8BITMIME")
                    elif verb == "RCPT":
                        rcpts.append(cmd.split("<", 1)[1].rstrip(">"))
                        say("250 ok")
                    elif verb == "DATA":
                        say("354 go ahead")
                        lines = []
                        while True:
                            got = self.rfile.readline()
                            if got in (b".\r\n", b""):
                                break
                            lines.append(got[1:] if got.startswith(b"..") else got)
                        msg = email.message_from_bytes(b"".join(lines),
                                                       policy=email.policy.default)
                        if msg["Subject"] == "refuse":
                            say("554 5.7.1 refused")
                            continue
                        with sink.lock:
                            sink.mails.append((list(rcpts), msg))
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, address, count=1):
        """The first `count` messages for `address`, waiting for them."""
        def got():
            with self.lock:
                mine = [m for rcpts, m in self.mails if address in rcpts]
            return mine if len(mine) >= count else None
        mine = wait_until(got, timeout=15)
        if not mine:
            raise AssertionError("no mail for %s" % address)
        return mine

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def setUpModule():
    global SINK, SERVER
    require_boto3()
    SINK = Sink()
    SERVER = Server("--sns-smtp", "127.0.0.1:%d" % SINK.port,
                    "--sns-smtp-from", "alerts@nimbus.example").start()


def tearDownModule():
    SERVER.cleanup()
    SINK.close()


def text(msg):
    return msg.get_body().get_content()


class SnsMailTest(unittest.TestCase):
    def setUp(self):
        self.sns = SERVER.boto3_client("sns")

    def topic(self, name, **attributes):
        return self.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]

    def test_email_confirmation_link_and_notifications(self):
        arn = self.topic("mail-ops", DisplayName="Ops Alerts")
        out = self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")
        self.assertEqual(out["SubscriptionArn"], "pending confirmation")
        [confirm] = SINK.to("ops@example.com")
        self.assertEqual(confirm["Subject"], "AWS Notification - Subscription Confirmation")
        self.assertEqual(confirm["From"].addresses[0].display_name, "Ops Alerts")
        self.assertEqual(confirm["From"].addresses[0].addr_spec, "alerts@nimbus.example")
        self.assertEqual(confirm["To"], "ops@example.com")
        body = text(confirm)
        self.assertIn(arn, body)
        link = re.search(r"^(http://\S+ConfirmSubscription\S+)$", body, re.M).group(1)
        # Nothing is mailed while pending.
        self.sns.publish(TopicArn=arn, Message="before confirmation")
        # The link works as a plain GET, as AWS's does.
        with urllib.request.urlopen(link, timeout=5) as r:
            self.assertIn(b"ConfirmSubscriptionResult", r.read())
        subs = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertTrue(subs[0]["SubscriptionArn"].startswith(arn + ":"))

        self.sns.publish(TopicArn=arn, Subject="disk full", Message="sda1 at 99%\n.\nend")
        self.sns.publish(TopicArn=arn, Message="no subject")
        mails = SINK.to("ops@example.com", 3)[1:]
        self.assertEqual(sorted(m["Subject"] for m in mails),
                         ["AWS Notification Message", "disk full"])
        full = [m for m in mails if m["Subject"] == "disk full"][0]
        self.assertTrue(text(full).startswith("sda1 at 99%\n.\nend\n\n--\n"), text(full))
        self.assertIn("Action=Unsubscribe&SubscriptionArn=" + subs[0]["SubscriptionArn"],
                      text(full))
        self.assertNotIn("before confirmation", "".join(text(m) for m in mails))

    def test_email_json_gets_the_envelopes(self):
        arn = self.topic("mail-json")
        self.sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="robot@example.com")
        [confirm] = SINK.to("robot@example.com")
        doc = json.loads(text(confirm))
        self.assertEqual(doc["Type"], "SubscriptionConfirmation")
        self.sns.confirm_subscription(TopicArn=arn, Token=doc["Token"])
        self.sns.publish(TopicArn=arn, Message=json.dumps({"alarm": "cpu"}), Subject="cpu")
        note = json.loads(text(SINK.to("robot@example.com", 2)[1]))
        self.assertEqual(note["Type"], "Notification")
        self.assertEqual(json.loads(note["Message"]), {"alarm": "cpu"})
        self.assertEqual(note["Subject"], "cpu")
        self.assertIn("Signature", note)

    def test_a_refused_message_goes_to_the_dead_letter_queue(self):
        sqs = SERVER.boto3_client("sqs")
        url = sqs.create_queue(QueueName="mail-dlq")["QueueUrl"]
        dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        arn = self.topic("mail-refused")
        self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="keep@example.com",
                           Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})})
        link = re.search(r"^(http://\S+)$", text(SINK.to("keep@example.com")[0]), re.M).group(1)
        urllib.request.urlopen(link, timeout=5).read()
        # The sink answers 554 to a message with this subject: not retried.
        self.sns.publish(TopicArn=arn, Subject="refuse", Message="to the dead letters")
        got = wait_until(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get(
            "Messages"), timeout=15)
        self.assertTrue(got)
        self.assertIn("Subject: refuse", got[0]["Body"])
        self.assertEqual(len(SINK.to("keep@example.com")), 1)

    def test_sms_goes_to_cloudwatch_logs(self):
        logs = SERVER.boto3_client("logs")
        out = self.sns.publish(PhoneNumber="+15555550123", Message="your code is 1234",
                               MessageAttributes={"AWS.SNS.SMS.SMSType": {
                                   "DataType": "String", "StringValue": "Transactional"}})
        group = "sns/%s/%s/DirectPublishToPhoneNumber" % (REGION, ACCOUNT)

        def records(group):
            try:
                got = logs.get_log_events(logGroupName=group, logStreamName="nimbus-sms")
            except logs.exceptions.ResourceNotFoundException:
                return None
            return [json.loads(e["message"]) for e in got["events"]] or None
        [rec] = wait_until(lambda: records(group))
        self.assertEqual(rec["notification"]["messageId"], out["MessageId"])
        self.assertEqual(rec["delivery"]["destination"], "+15555550123")
        self.assertEqual(rec["delivery"]["smsType"], "Transactional")
        self.assertEqual(rec["status"], "SUCCESS")
        self.assertEqual(rec["message"], "your code is 1234")

        arn = self.topic("sms-topic")
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")
        self.assertTrue(sub["SubscriptionArn"].startswith(arn + ":"))
        self.sns.publish(TopicArn=arn, Message=json.dumps({"default": "long", "sms": "short"}),
                         MessageStructure="json")
        [rec] = wait_until(lambda: records("sns/%s/%s/sms-topic" % (REGION, ACCOUNT)))
        self.assertEqual(rec["message"], "short")
        self.assertEqual(rec["delivery"]["destination"], "+15555550100")

        for bad in ("15555550123", "+0123", "+1-555", "+1234567890123456"):
            with self.assertRaises(self.sns.exceptions.InvalidParameterException) as e:
                self.sns.publish(PhoneNumber=bad, Message="x")
            self.assertIn("PhoneNumber", str(e.exception))


if __name__ == "__main__":
    unittest.main()
