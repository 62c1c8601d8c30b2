"""SNS http/https subscriptions end to end: a small HTTP receiver in the test
on an ephemeral port, nimbus POSTing SubscriptionConfirmation, Notification
and UnsubscribeConfirmation to it, boto3 driving nimbus."""

import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.request

from harness import Server, ServerTestCase, require_boto3, wait_until


NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                       "Type")


def verify_signature(test, message):
    """Checks the message's Signature as AWS documents it: the canonical
    string of its fields, the certificate fetched from SigningCertURL."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        raise unittest.SkipTest("cryptography is not installed")
    import base64
    fields = NOTIFICATION_FIELDS if message["Type"] == "Notification" else CONFIRMATION_FIELDS
    canonical = "".join("%s\n%s\n" % (k, message[k]) for k in fields if k in message)
    with urllib.request.urlopen(message["SigningCertURL"], timeout=5) as r:
        cert = x509.load_pem_x509_certificate(r.read())
    digest = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    # Raises InvalidSignature when it does not verify.
    cert.public_key().verify(base64.b64decode(message["Signature"]), canonical.encode(),
                             padding.PKCS1v15(), digest)
    tampered = canonical.replace("Type\n", "Type\nx", 1).encode()
    with test.assertRaises(Exception):
        cert.public_key().verify(base64.b64decode(message["Signature"]), tampered,
                                 padding.PKCS1v15(), digest)


class Receiver:
    """Records every POST; answers `fail_next` of them with 500 first."""

    def __init__(self, tls_dir=None):
        self.posts = []
        self.fail_next = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                    receiver.posts.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body.decode(), "failed": failing})
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls_dir:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem"))
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = "%s://localhost:%d" % (scheme, self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def of(self, path, kind=None, ok_only=True):
        with self.lock:
            return [p for p in self.posts if p["path"] == path and
                    (kind is None or p["headers"].get("x-amz-sns-message-type") == kind) and
                    (not ok_only or not p["failed"])]

    def wait(self, path, kind, count=1, timeout=20):
        self_ = self
        got = wait_until(lambda: len(self_.of(path, kind)) >= count and self_.of(path, kind),
                         timeout=timeout)
        if not got or len(got) < count:
            raise AssertionError("no %s at %s: %r" % (kind, path, self.posts))
        return got

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class SnsHttpTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.receiver.close()
        super().tearDownClass()

    def setUp(self):
        require_boto3()
        self.sns = self.server.boto3_client("sns")

    def subscribe(self, topic, path, **attrs):
        out = self.sns.subscribe(TopicArn=topic, Protocol="http",
                                 Endpoint=self.receiver.url + path,
                                 Attributes=attrs, ReturnSubscriptionArn=True)
        return out["SubscriptionArn"]

    def test_confirm_by_subscribe_url_then_notifications(self):
        topic = self.sns.create_topic(Name="http-url")["TopicArn"]
        sub = self.subscribe(topic, "/url")
        conf = self.receiver.wait("/url", "SubscriptionConfirmation")[0]
        h = conf["headers"]
        self.assertEqual(h["x-amz-sns-topic-arn"], topic)
        self.assertTrue(h["Content-Type"].startswith("text/plain"))
        body = json.loads(conf["body"])
        self.assertEqual(body["Type"], "SubscriptionConfirmation")
        self.assertEqual(body["TopicArn"], topic)
        self.assertEqual(body["MessageId"], h["x-amz-sns-message-id"])
        self.assertEqual(len(body["Token"]), 128)
        self.assertIn("Action=ConfirmSubscription", body["SubscribeURL"])
        self.assertEqual(body["SignatureVersion"], "1")
        verify_signature(self, body)
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(attrs["PendingConfirmation"], "true")
        # Nothing is delivered while pending.
        self.sns.publish(TopicArn=topic, Message="too early")
        # The SubscribeURL works unsigned, as AWS's does.
        with urllib.request.urlopen(body["SubscribeURL"], timeout=5) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(sub, r.read().decode())
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(attrs["PendingConfirmation"], "false")
        self.sns.publish(TopicArn=topic, Message="hello", Subject="s",
                         MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        n = self.receiver.wait("/url", "Notification")[0]
        self.assertEqual(len(self.receiver.of("/url", "Notification")), 1)
        self.assertEqual(n["headers"]["x-amz-sns-subscription-arn"], sub)
        self.assertEqual(n["headers"]["x-amz-sns-topic-arn"], topic)
        env = json.loads(n["body"])
        self.assertEqual(env["Type"], "Notification")
        self.assertEqual(env["Message"], "hello")
        self.assertEqual(env["Subject"], "s")
        self.assertEqual(env["MessageId"], n["headers"]["x-amz-sns-message-id"])
        self.assertEqual(env["MessageAttributes"], {"k": {"Type": "String", "Value": "v"}})
        verify_signature(self, env)
        # Unsubscribe: the endpoint gets an UnsubscribeConfirmation.
        self.sns.unsubscribe(SubscriptionArn=sub)
        u = self.receiver.wait("/url", "UnsubscribeConfirmation")[0]
        self.assertEqual(json.loads(u["body"])["Type"], "UnsubscribeConfirmation")
        self.assertEqual(u["headers"]["x-amz-sns-subscription-arn"], sub)

    def test_confirm_subscription_and_raw_delivery(self):
        topic = self.sns.create_topic(Name="http-raw")["TopicArn"]
        sub = self.subscribe(topic, "/raw", RawMessageDelivery="true")
        conf = json.loads(self.receiver.wait("/raw", "SubscriptionConfirmation")[0]["body"])
        with self.assertRaises(self.sns.exceptions.InvalidParameterException):
            self.sns.confirm_subscription(TopicArn=topic, Token="0" * 128)
        out = self.sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
        self.assertEqual(out["SubscriptionArn"], sub)
        self.sns.publish(TopicArn=topic, Message="bare body")
        n = self.receiver.wait("/raw", "Notification")[0]
        self.assertEqual(n["body"], "bare body")
        self.assertEqual(n["headers"]["x-amz-sns-rawdelivery"], "true")

    def test_signature_version_2_and_sqs_envelopes_are_signed(self):
        topic = self.sns.create_topic(Name="http-sig2",
                                      Attributes={"SignatureVersion": "2"})["TopicArn"]
        self.subscribe(topic, "/sig2")
        conf = json.loads(self.receiver.wait("/sig2", "SubscriptionConfirmation")[0]["body"])
        self.assertEqual(conf["SignatureVersion"], "2")
        verify_signature(self, conf)
        self.sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
        sqs = self.server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="http-sig2-q")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        self.sns.publish(TopicArn=topic, Message="both")
        n = json.loads(self.receiver.wait("/sig2", "Notification")[0]["body"])
        verify_signature(self, n)
        got = wait_until(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get(
            "Messages"))
        self.assertTrue(got)
        env = json.loads(got[0]["Body"])
        self.assertEqual(env["SignatureVersion"], "2")
        verify_signature(self, env)

    def test_failing_endpoint_is_retried_per_delivery_policy(self):
        topic = self.sns.create_topic(Name="http-retry")["TopicArn"]
        policy = {"healthyRetryPolicy": {"numRetries": 3, "minDelayTarget": 1,
                                         "maxDelayTarget": 1}}
        sub = self.subscribe(topic, "/retry", DeliveryPolicy=json.dumps(policy))
        conf = json.loads(self.receiver.wait("/retry", "SubscriptionConfirmation")[0]["body"])
        self.sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
        with self.receiver.lock:
            self.receiver.fail_next = 2
        self.sns.publish(TopicArn=topic, Message="eventually")
        n = self.receiver.wait("/retry", "Notification", timeout=30)[0]
        self.assertEqual(json.loads(n["body"])["Message"], "eventually")
        tries = self.receiver.of("/retry", "Notification", ok_only=False)
        self.assertEqual([t["failed"] for t in tries], [True, True, False])
        self.assertIsNotNone(sub)


def self_signed(directory):
    if shutil.which("openssl") is None:
        raise unittest.SkipTest("openssl is not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", os.path.join(directory, "key.pem"),
                    "-out", os.path.join(directory, "cert.pem")],
                   check=True, capture_output=True)


class SnsHttpsTest(unittest.TestCase):
    """https: a self-signed endpoint is refused (the certificate does not
    verify) unless the server is told to accept it."""

    def run_server(self, *args):
        tls = tempfile.mkdtemp(prefix="nimbus-tls-")
        self.addCleanup(shutil.rmtree, tls, True)
        self_signed(tls)
        receiver = Receiver(tls_dir=tls)
        self.addCleanup(receiver.close)
        server = Server(*args).start()
        self.addCleanup(server.cleanup)
        return server, receiver

    def test_self_signed_endpoint_with_the_option(self):
        require_boto3()
        server, receiver = self.run_server("--sns-accept-self-signed", "true")
        sns = server.boto3_client("sns")
        topic = sns.create_topic(Name="https-ok")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=receiver.url + "/tls")
        conf = json.loads(receiver.wait("/tls", "SubscriptionConfirmation")[0]["body"])
        sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
        sns.publish(TopicArn=topic, Message="over tls")
        n = receiver.wait("/tls", "Notification")[0]
        self.assertEqual(json.loads(n["body"])["Message"], "over tls")

    def test_self_signed_endpoint_is_refused_by_default(self):
        require_boto3()
        server, receiver = self.run_server()
        sns = server.boto3_client("sns")
        topic = sns.create_topic(Name="https-refused")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=receiver.url + "/tls")
        self.assertTrue(wait_until(lambda: 'outcome="retried"} 1' in server.metrics(), timeout=5))
        self.assertEqual(receiver.of("/tls", None, ok_only=False), [])


class SnsHttpCrashTest(unittest.TestCase):
    def test_a_pending_retry_is_delivered_after_kill9(self):
        require_boto3()
        receiver = Receiver()
        server = Server().start()
        try:
            sns = server.boto3_client("sns")
            topic = sns.create_topic(Name="http-crash")["TopicArn"]
            policy = {"healthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 2,
                                             "maxDelayTarget": 2}}
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url + "/crash",
                          Attributes={"DeliveryPolicy": json.dumps(policy)})
            conf = json.loads(receiver.wait("/crash", "SubscriptionConfirmation")[0]["body"])
            sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
            with receiver.lock:
                receiver.fail_next = 1
            sns.publish(TopicArn=topic, Message="survives")
            wait_until(lambda: receiver.of("/crash", "Notification", ok_only=False))
            server.kill9()  # the retry is 2 s away
            server.start()
            n = receiver.wait("/crash", "Notification", timeout=30)[0]
            self.assertEqual(json.loads(n["body"])["Message"], "survives")
        finally:
            server.cleanup()
            receiver.close()


if __name__ == "__main__":
    unittest.main()
