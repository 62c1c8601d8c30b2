"""SNS end to end: topics, subscriptions and publishing with boto3 (awsQuery)
and the AWS CLI against a real server."""

import json
import threading
import unittest

from harness import REGION, Server, ServerTestCase, kill9_under_load, require_boto3, wait_until
from test_lambda import py_zip


def receive_all(sqs, url, count, attribute_names=("All",), timeout=60):
    """Receives (and deletes) until `count` messages came, or `timeout` passed."""
    got = []

    def more():
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  MessageAttributeNames=list(attribute_names))
        messages = out.get("Messages", [])
        got.extend(messages)
        if messages:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        return len(got) >= count
    wait_until(more, timeout=timeout)
    return got


class SnsTopicsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sns = self.server.boto3_client("sns")

    def test_create_is_idempotent_and_checks_attributes(self):
        arn = self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "D"})["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:%s:000000000000:e2e-idem" % REGION)
        again = self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "D"})
        self.assertEqual(again["TopicArn"], arn)
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.create_topic(Name="e2e-idem", Attributes={"DisplayName": "other"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: Attributes Reason: "
                         "Topic already exists with different attributes")
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.create_topic(Name="no spaces")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Invalid parameter: Topic Name")

    def test_attributes_and_not_found(self):
        arn = self.sns.create_topic(Name="e2e-attrs")["TopicArn"]
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                      AttributeValue="Shown")
        attrs = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attrs["DisplayName"], "Shown")
        self.assertEqual(attrs["SubscriptionsConfirmed"], "0")
        policy = json.loads(attrs["Policy"])
        self.assertEqual(policy["Statement"][0]["Resource"], arn)
        with self.assertRaises(self.sns.exceptions.NotFoundException) as cm:
            self.sns.get_topic_attributes(TopicArn=arn + "-missing")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFound")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Topic does not exist")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_fifo_topic(self):
        arn = self.sns.create_topic(Name="e2e.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        attrs = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attrs["FifoTopic"], "true")
        self.assertEqual(attrs["ContentBasedDeduplication"], "true")

    def test_add_and_remove_permission(self):
        arn = self.sns.create_topic(Name="e2e-shared")["TopicArn"]
        self.sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["111122223333"],
                                ActionName=["Publish"])
        policy = json.loads(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
        [partner] = [s for s in policy["Statement"] if s["Sid"] == "partner"]
        self.assertEqual((partner["Principal"], partner["Action"]),
                         ({"AWS": "arn:aws:iam::111122223333:root"}, "SNS:Publish"))
        self.sns.remove_permission(TopicArn=arn, Label="partner")
        policy = json.loads(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["__default_statement_ID"])

    def test_list_topics_paginates(self):
        for i in range(105):
            self.sns.create_topic(Name="e2e-page-%03d" % i)
        pages = list(self.sns.get_paginator("list_topics").paginate())
        self.assertGreaterEqual(len(pages), 2)
        arns = [t["TopicArn"] for p in pages for t in p["Topics"]]
        self.assertEqual(len([a for a in arns if ":e2e-page-" in a]), 105)
        self.assertEqual(len(arns), len(set(arns)))

    def test_tags_and_data_protection_policy(self):
        arn = self.sns.create_topic(Name="e2e-tags", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
        tags = self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "env", "Value": "dev"}])
        with self.assertRaises(self.sns.exceptions.ResourceNotFoundException):
            self.sns.list_tags_for_resource(ResourceArn=arn + "-missing")
        if not hasattr(self.sns, "put_data_protection_policy"):
            return  # an older botocore than the operation
        policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
        self.sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
        got = self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]
        self.assertEqual(json.loads(got), json.loads(policy))

    def test_delete_topic(self):
        arn = self.sns.create_topic(Name="e2e-delete")["TopicArn"]
        self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=arn)
        arns = [t["TopicArn"] for t in self.sns.list_topics()["Topics"]]
        self.assertNotIn(arn, arns)

    def test_cli(self):
        _, out, _ = self.server.aws_cli("sns", "create-topic", "--name", "e2e-cli",
                                        "--attributes", "DisplayName=CLI")
        arn = json.loads(out)["TopicArn"]
        _, out, _ = self.server.aws_cli("sns", "get-topic-attributes", "--topic-arn", arn)
        self.assertEqual(json.loads(out)["Attributes"]["DisplayName"], "CLI")
        code, _, err = self.server.aws_cli("sns", "get-topic-attributes", "--topic-arn",
                                           arn + "-missing", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("Topic does not exist", err)


class SnsSubscriptionsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sns = self.server.boto3_client("sns")
        self.sqs = self.server.boto3_client("sqs")

    def queue_arn(self, name):
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def test_subscribe_sqs_with_attributes(self):
        topic = self.sns.create_topic(Name="e2e-subs")["TopicArn"]
        queue = self.queue_arn("e2e-subs-q")
        arn = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"kind": ["a", "b"]})})["SubscriptionArn"]
        self.assertTrue(arn.startswith(topic + ":"))
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        self.assertEqual(attrs["PendingConfirmation"], "false")
        self.assertEqual(attrs["RawMessageDelivery"], "true")
        self.assertEqual(attrs["FilterPolicyScope"], "MessageAttributes")
        self.sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery",
                                             AttributeValue="false")
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.set_subscription_attributes(
                SubscriptionArn=arn, AttributeName="FilterPolicy",
                AttributeValue=json.dumps({"kind": [{"contains": "x"}]}))
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: FilterPolicy: Unrecognized match type contains")
        listed = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual([(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in listed],
                         [(arn, "sqs", queue)])
        self.sns.unsubscribe(SubscriptionArn=arn)
        with self.assertRaises(self.sns.exceptions.NotFoundException):
            self.sns.get_subscription_attributes(SubscriptionArn=arn)
        attrs = self.sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        self.assertEqual(attrs["SubscriptionsDeleted"], "1")

    def test_http_subscription_is_pending(self):
        topic = self.sns.create_topic(Name="e2e-pending")["TopicArn"]
        out = self.sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="someone@example.com")
        self.assertEqual(out["SubscriptionArn"], "pending confirmation")
        out = self.sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="someone@example.com",
                                 ReturnSubscriptionArn=True)
        self.assertTrue(out["SubscriptionArn"].startswith(topic + ":"))
        with self.assertRaises(self.sns.exceptions.InvalidParameterException):
            self.sns.confirm_subscription(TopicArn=topic, Token="not-a-token")
        listed = self.sns.list_subscriptions()["Subscriptions"]
        mine = [s for s in listed if s["TopicArn"] == topic]
        self.assertEqual([s["SubscriptionArn"] for s in mine], ["PendingConfirmation"])
        self.assertEqual(
            self.sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"], "1")

    def test_bad_protocol_and_paging(self):
        topic = self.sns.create_topic(Name="e2e-sub-pages")["TopicArn"]
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.subscribe(TopicArn=topic, Protocol="pigeon", Endpoint="x")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: Amazon SNS does not support this protocol string: pigeon")
        for i in range(105):
            self.sns.subscribe(TopicArn=topic, Protocol="sqs",
                               Endpoint="arn:aws:sqs:%s:000000000000:q%d" % (REGION, i))
        pages = list(self.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic))
        self.assertEqual(len(pages), 2)
        self.assertEqual(sum(len(p["Subscriptions"]) for p in pages), 105)

    def test_cli(self):
        _, out, _ = self.server.aws_cli("sns", "create-topic", "--name", "e2e-sub-cli")
        topic = json.loads(out)["TopicArn"]
        _, out, _ = self.server.aws_cli("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
                                        "--notification-endpoint",
                                        "arn:aws:sqs:%s:000000000000:cli" % REGION)
        arn = json.loads(out)["SubscriptionArn"]
        _, out, _ = self.server.aws_cli("sns", "list-subscriptions-by-topic", "--topic-arn", topic)
        self.assertEqual([s["SubscriptionArn"] for s in json.loads(out)["Subscriptions"]], [arn])


class SnsPublishTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sns = self.server.boto3_client("sns")
        self.sqs = self.server.boto3_client("sqs")

    def queue(self, name, **attributes):
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def test_publish_reaches_sqs_in_the_envelope(self):
        url, arn = self.queue("e2e-pub")
        topic = self.sns.create_topic(Name="e2e-pub")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
        out = self.sns.publish(TopicArn=topic, Message="hello", Subject="hi", MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"},
            "size": {"DataType": "Number", "StringValue": "3"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual(len(got), 1)
        body = json.loads(got[0]["Body"])
        self.assertEqual(body["Type"], "Notification")
        self.assertEqual(body["MessageId"], out["MessageId"])
        self.assertEqual(body["TopicArn"], topic)
        self.assertEqual(body["Subject"], "hi")
        self.assertEqual(body["Message"], "hello")
        self.assertTrue(body["UnsubscribeURL"].endswith("SubscriptionArn=" + sub))
        self.assertRegex(body["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(body["MessageAttributes"], {
            "color": {"Type": "String", "Value": "red"},
            "raw": {"Type": "Binary", "Value": "AP8="},
            "size": {"Type": "Number", "Value": "3"}})

    def test_raw_delivery_filter_and_batch(self):
        url, arn = self.queue("e2e-raw")
        topic = self.sns.create_topic(Name="e2e-raw")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"kind": [{"prefix": "ord"}]})})
        out = self.sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "order 1", "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": "order"}}},
            {"Id": "b", "Message": "skipped", "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": "refund"}}},
            {"Id": "c", "Message": ""}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["a", "b"])
        self.assertEqual(out["Failed"], [{"Id": "c", "Code": "InvalidParameter",
                                          "Message": "Invalid parameter: Empty message",
                                          "SenderFault": True}])
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([m["Body"] for m in got], ["order 1"])
        self.assertEqual(got[0]["MessageAttributes"]["kind"],
                         {"DataType": "String", "StringValue": "order"})
        with self.assertRaises(self.sns.exceptions.TooManyEntriesInBatchRequestException):
            self.sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
                {"Id": "e%d" % i, "Message": "m"} for i in range(11)])

    def test_message_body_filter_scope(self):
        url, arn = self.queue("e2e-body-filter")
        topic = self.sns.create_topic(Name="e2e-body-filter")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
            "RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"order": {"status": ["paid"],
                                                  "total": [{"numeric": [">", 100]}]}})})
        for body in ({"order": {"status": "paid", "total": 250}},
                     {"order": {"status": "paid", "total": 50}},
                     {"order": {"status": "open", "total": 500}}):
            self.sns.publish(TopicArn=topic, Message=json.dumps(body))
        self.sns.publish(TopicArn=topic, Message="not json")
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([json.loads(m["Body"]) for m in got],
                         [{"order": {"status": "paid", "total": 250}}])
        self.assertEqual(receive_all(self.sqs, url, 1, timeout=1), [])

    def test_fifo_topic_to_fifo_queue(self):
        url, arn = self.queue("e2e-order.fifo", FifoQueue="true")
        topic = self.sns.create_topic(Name="e2e-order.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                           Attributes={"RawMessageDelivery": "true"})
        ids = [self.sns.publish(TopicArn=topic, Message="m%d" % i, MessageGroupId="g")["MessageId"]
               for i in range(5)]
        again = self.sns.publish(TopicArn=topic, Message="m0", MessageGroupId="g")
        self.assertEqual(again["MessageId"], ids[0])
        got = receive_all(self.sqs, url, 5, attribute_names=())
        self.assertEqual([m["Body"] for m in got], ["m%d" % i for i in range(5)])
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.publish(TopicArn=topic, Message="no group")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")

    def test_lambda_gets_the_sns_event(self):
        url, queue_arn = self.queue("e2e-sns-event")
        lam = self.server.boto3_client("lambda")
        account = queue_arn.split(":")[4]
        fn = lam.create_function(
            FunctionName="e2e-sns-event", Runtime="python3.11", Handler="app.handler",
            Role="arn:aws:iam::%s:role/r" % account, Code={"ZipFile": py_zip()})["FunctionArn"]
        # The OnSuccess record carries the event the function got (requestPayload).
        lam.put_function_event_invoke_config(FunctionName="e2e-sns-event", DestinationConfig={
            "OnSuccess": {"Destination": queue_arn}})
        topic = self.sns.create_topic(Name="e2e-sns-event")["TopicArn"]
        lam.add_permission(FunctionName="e2e-sns-event", StatementId="sns",
                           Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                           SourceArn=topic)
        sub = self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
        out = self.sns.publish(TopicArn=topic, Message="hello", Subject="hi", MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"}})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual(len(got), 1)
        event = json.loads(got[0]["Body"])["requestPayload"]
        [record] = event["Records"]
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventVersion"], "1.0")
        self.assertEqual(record["EventSubscriptionArn"], sub)
        sns = record["Sns"]
        self.assertEqual(sns["Type"], "Notification")
        self.assertEqual(sns["MessageId"], out["MessageId"])
        self.assertEqual(sns["TopicArn"], topic)
        self.assertEqual(sns["Subject"], "hi")
        self.assertEqual(sns["Message"], "hello")
        self.assertRegex(sns["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(sns["SignatureVersion"], "1")
        self.assertTrue(sns["Signature"])
        self.assertIn("SigningCertUrl", sns)
        self.assertTrue(sns["UnsubscribeUrl"].endswith("SubscriptionArn=" + sub))
        self.assertEqual(sns["MessageAttributes"], {"color": {"Type": "String", "Value": "red"}})

    def test_delivery_status_goes_to_cloudwatch_logs(self):
        url, arn = self.queue("e2e-status")
        topic = self.sns.create_topic(Name="e2e-status")["TopicArn"]
        role = "arn:aws:iam::%s:role/sns-feedback" % topic.split(":")[4]
        for name, value in (("SQSSuccessFeedbackRoleArn", role),
                            ("SQSSuccessFeedbackSampleRate", "100"),
                            ("SQSFailureFeedbackRoleArn", role)):
            self.sns.set_topic_attributes(TopicArn=topic, AttributeName=name, AttributeValue=value)
        missing = arn.rsplit(":", 1)[0] + ":e2e-status-missing"
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=missing)
        message_id = self.sns.publish(TopicArn=topic, Message="hello")["MessageId"]
        self.assertEqual(len(receive_all(self.sqs, url, 1)), 1)
        logs = self.server.boto3_client("logs")
        group = "sns/%s/%s/e2e-status" % (REGION, topic.split(":")[4])

        def records(name):
            try:
                events = logs.filter_log_events(logGroupName=name)["events"]
            except logs.exceptions.ResourceNotFoundException:
                return []
            return [json.loads(e["message"]) for e in events]
        wait_until(lambda: records(group) and records(group + "/Failure"), timeout=10)
        [ok] = records(group)
        self.assertEqual(ok["status"], "SUCCESS")
        self.assertEqual(ok["notification"]["messageId"], message_id)
        self.assertEqual(ok["notification"]["topicArn"], topic)
        self.assertEqual(ok["notification"]["messageMD5Sum"], "5d41402abc4b2a76b9719d911017c592")
        self.assertEqual(ok["delivery"]["destination"], arn)
        self.assertEqual(ok["delivery"]["statusCode"], 200)
        self.assertEqual(ok["delivery"]["attempts"], 1)
        [failed] = records(group + "/Failure")
        self.assertEqual(failed["status"], "FAILURE")
        self.assertEqual(failed["notification"]["messageId"], message_id)
        self.assertEqual(failed["delivery"]["destination"], missing)

    def test_errors(self):
        topic = self.sns.create_topic(Name="e2e-pub-errors")["TopicArn"]
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.publish(TopicArn=topic, Message="x" * 262145)
        self.assertEqual(cm.exception.response["Error"]["Message"], "Invalid parameter: Message too long")
        with self.assertRaises(self.sns.exceptions.NotFoundException):
            self.sns.publish(TopicArn=topic + "-missing", Message="m")
        with self.assertRaises(self.sns.exceptions.InvalidParameterException) as cm:
            self.sns.publish(TopicArn=topic, Message="{}", MessageStructure="json")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid parameter: Message Structure - No default entry in JSON message body")

    def test_cli_publish(self):
        url, arn = self.queue("e2e-cli-pub")
        _, out, _ = self.server.aws_cli("sns", "create-topic", "--name", "e2e-cli-pub")
        topic = json.loads(out)["TopicArn"]
        self.server.aws_cli("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
                            "--notification-endpoint", arn)
        _, out, _ = self.server.aws_cli("sns", "publish", "--topic-arn", topic, "--message", "from cli")
        message_id = json.loads(out)["MessageId"]
        got = receive_all(self.sqs, url, 1)
        body = json.loads(got[0]["Body"])
        self.assertEqual((body["MessageId"], body["Message"]), (message_id, "from cli"))


class SnsRestartTest(unittest.TestCase):
    def test_topics_survive_restart(self):
        require_boto3()
        server = Server().start()
        try:
            sns = server.boto3_client("sns")
            arn = sns.create_topic(Name="kept", Attributes={"DisplayName": "K"})["TopicArn"]
            server.kill9()
            server.start()
            sns = server.boto3_client("sns")
            self.assertEqual(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"], "K")
        finally:
            server.cleanup()

    def test_fifo_deduplication_and_sequence_survive_kill9(self):
        """A FIFO publish repeated after kill -9 within the 5-minute window is
        answered as the first one; a new one gets a higher sequence number."""
        require_boto3()
        server = Server().start()
        try:
            sns = server.boto3_client("sns")
            topic = sns.create_topic(Name="kept.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
            first = sns.publish(TopicArn=topic, Message="m", MessageGroupId="g",
                                MessageDeduplicationId="once")
            server.kill9()
            server.start()
            sns = server.boto3_client("sns")
            again = sns.publish(TopicArn=topic, Message="m", MessageGroupId="g",
                                MessageDeduplicationId="once")
            self.assertEqual((again["MessageId"], again["SequenceNumber"]),
                             (first["MessageId"], first["SequenceNumber"]))
            other = sns.publish(TopicArn=topic, Message="n", MessageGroupId="g",
                                MessageDeduplicationId="other")
            self.assertGreater(int(other["SequenceNumber"]), int(first["SequenceNumber"]))
        finally:
            server.cleanup()

    def test_accepted_publishes_are_delivered_after_kill9(self):
        """Every Publish answered before kill -9, made by four writers at once
        while the server is killed, reaches both subscribed queues afterwards."""
        require_boto3()
        server = Server().start()
        try:
            sns, sqs = server.boto3_client("sns"), server.boto3_client("sqs")
            topic = sns.create_topic(Name="crash")["TopicArn"]
            urls = []
            for name, raw in (("crash-raw", "true"), ("crash-envelope", "false")):
                url = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"]["QueueArn"]
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                              Attributes={"RawMessageDelivery": raw})
                urls.append(url)
            sent, lock = set(), threading.Lock()

            def writer(n):
                c = server.boto3_client("sns")

                def publish(i):
                    body = "w%d-m%d" % (n, i)
                    c.publish(TopicArn=topic, Message=body)
                    with lock:
                        sent.add(body)
                return publish

            kill9_under_load(server, [writer(n) for n in range(4)], seconds=1.5)
            self.assertGreater(len(sent), 20)
            server.start()
            sqs = server.boto3_client("sqs")
            # At least once: a delivery made just before the kill may come
            # again, and a publish the kill cut short may have been stored,
            # so wait until every acknowledged message is there.
            for url, raw in zip(urls, (True, False)):
                got = set()

                def all_came():
                    for m in receive_all(sqs, url, 10, attribute_names=(), timeout=1):
                        got.add(m["Body"] if raw else json.loads(m["Body"])["Message"])
                    return sent <= got
                wait_until(all_came, timeout=60)
                self.assertEqual(sent - got, set(), url)
        finally:
            server.cleanup()

if __name__ == "__main__":
    unittest.main()
