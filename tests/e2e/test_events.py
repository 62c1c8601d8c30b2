"""EventBridge end to end: buses, rules, targets and PutEvents into SQS with
boto3 (awsJson1_1) and the AWS CLI against a real server."""

import json
import unittest

from harness import REGION, ServerTestCase, require_boto3, wait_until


def receive_all(sqs, url, count, timeout=30):
    got = []

    def more():
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  MessageAttributeNames=["All"], AttributeNames=["All"])
        messages = out.get("Messages", [])
        got.extend(messages)
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= count
    wait_until(more, timeout=timeout)
    return got


class EventsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.events = self.server.boto3_client("events")
        self.sqs = self.server.boto3_client("sqs")

    def queue(self, name, **attributes):
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def test_put_events_reach_matching_targets_with_input_transformers(self):
        url, arn = self.queue("e2e-events-q")
        fifo_url, fifo_arn = self.queue("e2e-events-q.fifo", FifoQueue="true")
        bus = self.events.create_event_bus(Name="e2e-orders")["EventBusArn"]
        self.assertEqual(bus, "arn:aws:events:%s:000000000000:event-bus/e2e-orders" % REGION)
        rule = self.events.put_rule(Name="big-orders", EventBusName="e2e-orders",
                                    EventPattern=json.dumps({"source": ["shop"], "detail": {
                                        "total": [{"numeric": [">", 100]}]}}))["RuleArn"]
        self.assertTrue(rule.endswith(":rule/e2e-orders/big-orders"))
        self.events.put_targets(Rule="big-orders", EventBusName="e2e-orders", Targets=[
            {"Id": "q", "Arn": arn, "InputTransformer": {
                "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total"},
                "InputTemplate": '{"order": "<id>", "total": <total>}'}},
            {"Id": "fifo", "Arn": fifo_arn, "SqsParameters": {"MessageGroupId": "orders"}},
        ])
        out = self.events.put_events(Entries=[
            {"Source": "shop", "DetailType": "Order", "EventBusName": "e2e-orders",
             "Detail": json.dumps({"id": "o-1", "total": 250})},
            {"Source": "shop", "DetailType": "Order", "EventBusName": "e2e-orders",
             "Detail": json.dumps({"id": "o-2", "total": 5})},
            {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
            {"Source": "shop", "DetailType": "Order", "Detail": "not json"},
        ])
        self.assertEqual(out["FailedEntryCount"], 2)
        self.assertEqual(out["Entries"][2]["ErrorCode"], "NotAuthorizedForSourceException")
        self.assertEqual(out["Entries"][3]["ErrorMessage"], "Detail is malformed.")
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([json.loads(m["Body"]) for m in got], [{"order": "o-1", "total": 250}])
        fifo = receive_all(self.sqs, fifo_url, 1)
        event = json.loads(fifo[0]["Body"])
        self.assertEqual(event["id"], out["Entries"][0]["EventId"])
        self.assertEqual(event["detail"], {"id": "o-1", "total": 250})
        self.assertEqual(fifo[0]["Attributes"]["MessageGroupId"], "orders")

    def test_a_topic_target_publishes_the_event(self):
        url, arn = self.queue("e2e-events-topic-q")
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="e2e-events-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        self.events.put_rule(Name="to-topic", EventPattern='{"source": ["alarms"]}')
        self.events.put_targets(Rule="to-topic", Targets=[{"Id": "t", "Arn": topic}])
        out = self.events.put_events(Entries=[
            {"Source": "alarms", "DetailType": "Disk", "Detail": json.dumps({"free": 3})}])
        self.assertEqual(out["FailedEntryCount"], 0)
        got = receive_all(self.sqs, url, 1)
        self.assertEqual(len(got), 1)
        envelope = json.loads(got[0]["Body"])
        self.assertEqual(envelope["Type"], "Notification")
        self.assertEqual(envelope["TopicArn"], topic)
        event = json.loads(envelope["Message"])
        self.assertEqual(event["id"], out["Entries"][0]["EventId"])
        self.assertEqual(event["detail-type"], "Disk")
        self.assertEqual(event["detail"], {"free": 3})

    def test_a_state_machine_target_starts_an_execution(self):
        sfn = self.server.boto3_client("stepfunctions")
        machine = sfn.create_state_machine(
            name="e2e-events-machine", roleArn="arn:aws:iam::000000000000:role/sfn",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                    "End": True}}}),
        )["stateMachineArn"]
        self.events.put_rule(Name="to-machine", EventPattern='{"source": ["orders"]}')
        self.events.put_targets(Rule="to-machine", Targets=[{"Id": "m", "Arn": machine}])
        out = self.events.put_events(Entries=[
            {"Source": "orders", "DetailType": "Placed", "Detail": json.dumps({"id": "o-9"})}])
        self.assertEqual(out["FailedEntryCount"], 0)
        runs = wait_until(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
        self.assertEqual(len(runs), 1)
        done = wait_until(lambda: sfn.describe_execution(
            executionArn=runs[0]["executionArn"])["status"] == "SUCCEEDED")
        self.assertTrue(done)
        described = sfn.describe_execution(executionArn=runs[0]["executionArn"])
        event = json.loads(described["input"])
        self.assertEqual(event["id"], out["Entries"][0]["EventId"])
        self.assertEqual(event["detail"], {"id": "o-9"})
        self.assertEqual(json.loads(described["output"]), event)

    def test_dead_letters_and_errors(self):
        dlq_url, dlq_arn = self.queue("e2e-events-dlq")
        self.events.put_rule(Name="to-nowhere", EventPattern='{"source": ["app"]}')
        missing = "arn:aws:sqs:%s:000000000000:e2e-missing" % REGION
        self.events.put_targets(Rule="to-nowhere", Targets=[
            {"Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn},
             "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}}])
        self.events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}"}])
        got = receive_all(self.sqs, dlq_url, 1)
        attrs = {k: v["StringValue"] for k, v in got[0]["MessageAttributes"].items()}
        self.assertEqual(attrs["TARGET_ARN"], missing)
        self.assertEqual(attrs["ERROR_CODE"], "QueueDoesNotExist")
        self.assertTrue(attrs["RULE_ARN"].endswith(":rule/to-nowhere"))

        with self.assertRaises(self.events.exceptions.InvalidEventPatternException) as cm:
            self.events.put_rule(Name="bad", EventPattern='{"source": "app"}')
        self.assertIn("Event pattern is not valid", cm.exception.response["Error"]["Message"])
        with self.assertRaises(self.events.exceptions.ResourceNotFoundException) as cm:
            self.events.describe_rule(Name="bad")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Rule bad does not exist on EventBus default.")
        with self.assertRaises(self.events.exceptions.ClientError) as cm:
            self.events.put_rule(Name="bad", ScheduleExpression="cron(0 10 * * * *)")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Parameter ScheduleExpression is not valid.")
        result = self.events.test_event_pattern(
            EventPattern='{"detail": {"n": [{"numeric": [">=", 3]}]}}',
            Event=json.dumps({"id": "1", "account": "000000000000", "source": "a",
                              "time": "2026-12-04T00:00:00Z", "region": REGION,
                              "resources": [], "detail-type": "t", "detail": {"n": 3}}))
        self.assertTrue(result["Result"])

    def test_tags_permissions_and_rule_names_by_target(self):
        from botocore.exceptions import ClientError
        bus = self.events.create_event_bus(Name="tagged", Tags=[{"Key": "team", "Value": "a"}])
        self.events.tag_resource(ResourceARN=bus["EventBusArn"],
                                 Tags=[{"Key": "env", "Value": "dev"}])
        tags = self.events.list_tags_for_resource(ResourceARN=bus["EventBusArn"])["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "dev"), ("team", "a")])
        self.events.put_permission(EventBusName="tagged", Action="events:PutEvents",
                                   Principal="111122223333", StatementId="partner")
        policy = json.loads(self.events.describe_event_bus(Name="tagged")["Policy"])
        self.assertEqual(policy["Statement"][0]["Principal"],
                         {"AWS": "arn:aws:iam::111122223333:root"})
        with self.assertRaises(ClientError) as cm:
            self.events.remove_permission(EventBusName="tagged", StatementId="nope")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        _, arn = self.queue("by-target")
        for rule in ("t-one", "t-two"):
            self.events.put_rule(Name=rule, EventBusName="tagged",
                                 EventPattern=json.dumps({"source": ["x"]}))
            self.events.put_targets(Rule=rule, EventBusName="tagged",
                                    Targets=[{"Id": "q", "Arn": arn}])
        names = self.events.list_rule_names_by_target(TargetArn=arn, EventBusName="tagged")
        self.assertEqual(names["RuleNames"], ["t-one", "t-two"])

    def test_archive_and_replay(self):
        import datetime
        bus = self.events.create_event_bus(Name="archived")["EventBusArn"]
        archive = self.events.create_archive(
            ArchiveName="kept", EventSourceArn=bus,
            EventPattern=json.dumps({"source": ["shop"]}))["ArchiveArn"]
        url, arn = self.queue("replayed")
        self.events.put_rule(Name="orders", EventBusName="archived",
                             EventPattern=json.dumps({"source": ["shop"]}))
        self.events.put_targets(Rule="orders", EventBusName="archived",
                                Targets=[{"Id": "q", "Arn": arn}])
        now = datetime.datetime.now(datetime.timezone.utc)
        start = now - datetime.timedelta(minutes=1)
        # Times are whole seconds on the wire: events half a minute old fall
        # inside [start, now) whatever the clock's fraction.
        self.events.put_events(Entries=[
            {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": n}),
             "EventBusName": "archived", "Time": now - datetime.timedelta(seconds=30)}
            for n in range(3)])
        self.assertEqual(len(receive_all(self.sqs, url, 3)), 3)
        self.assertEqual(self.events.describe_archive(ArchiveName="kept")["EventCount"], 3)
        self.events.start_replay(ReplayName="again", EventSourceArn=archive,
                                 EventStartTime=start,
                                 EventEndTime=datetime.datetime.now(datetime.timezone.utc),
                                 Destination={"Arn": bus})
        self.assertTrue(wait_until(lambda: self.events.describe_replay(
            ReplayName="again")["State"] == "COMPLETED"))
        got = receive_all(self.sqs, url, 3)
        self.assertEqual(sorted(json.loads(m["Body"])["detail"]["n"] for m in got), [0, 1, 2])
        self.assertTrue(all(json.loads(m["Body"])["replay-name"] == "again" for m in got))

    def test_a_stream_target_keys_records_by_the_partition_key_path(self):
        import base64
        kinesis = self.server.boto3_client("kinesis")
        kinesis.create_stream(StreamName="ev-stream", ShardCount=1)
        stream = kinesis.describe_stream_summary(StreamName="ev-stream")[
            "StreamDescriptionSummary"]["StreamARN"]
        self.events.put_rule(Name="to-stream", EventPattern=json.dumps({"source": ["orders"]}))
        self.events.put_targets(Rule="to-stream", Targets=[
            {"Id": "s", "Arn": stream,
             "KinesisParameters": {"PartitionKeyPath": "$.detail.customer"}}])
        self.events.put_events(Entries=[{"Source": "orders", "DetailType": "o",
                                         "Detail": json.dumps({"customer": "c-42"})}])
        shard = kinesis.list_shards(StreamName="ev-stream")["Shards"][0]["ShardId"]
        it = kinesis.get_shard_iterator(StreamName="ev-stream", ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        got = []

        def read():
            nonlocal it
            out = kinesis.get_records(ShardIterator=it)
            it = out["NextShardIterator"]
            got.extend(out["Records"])
            return got
        self.assertTrue(wait_until(read, timeout=10))
        data = got[0]["Data"]
        event = json.loads(data if isinstance(data, bytes) else base64.b64decode(data))
        self.assertEqual((got[0]["PartitionKey"], event["detail"]["customer"]), ("c-42", "c-42"))

    def test_a_bus_target_routes_the_event_again(self):
        url = self.sqs.create_queue(QueueName="ev-bus-to-bus")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        bus = self.events.create_event_bus(Name="ev-second")["EventBusArn"]
        self.events.put_rule(Name="to-second", EventPattern=json.dumps({"source": ["relay"]}))
        self.events.put_targets(Rule="to-second", Targets=[{"Id": "b", "Arn": bus}])
        self.events.put_rule(Name="on-second", EventBusName="ev-second",
                             EventPattern=json.dumps({"detail": {"hop": [1]}}))
        self.events.put_targets(Rule="on-second", EventBusName="ev-second",
                                Targets=[{"Id": "q", "Arn": arn}])
        self.events.put_events(Entries=[{"Source": "relay", "DetailType": "d",
                                         "Detail": json.dumps({"hop": 1})}])
        got = receive_all(self.sqs, url, 1)
        self.assertEqual(len(got), 1)
        event = json.loads(got[0]["Body"])
        self.assertEqual((event["source"], event["detail"]), ("relay", {"hop": 1}))

    def test_a_delivery_stream_target_writes_the_events(self):
        from test_firehose import BUFFER, ROLE, objects
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="ev-firehose")
        stream = self.server.boto3_client("firehose").create_delivery_stream(
            DeliveryStreamName="ev-firehose", ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::ev-firehose",
                "BufferingHints": BUFFER})["DeliveryStreamARN"]
        self.events.put_rule(Name="to-firehose",
                             EventPattern=json.dumps({"source": ["orders-fh"]}))
        self.events.put_targets(Rule="to-firehose", Targets=[
            {"Id": "f", "Arn": stream, "RoleArn": ROLE}])
        # Events of 250 KB fill the stream's 1 MiB buffer: the first ones are
        # written at once (the rest waits for the buffer's interval).
        for n in range(5):
            self.events.put_events(Entries=[{"Source": "orders-fh", "DetailType": "o",
                                             "Detail": json.dumps({"n": n, "pad": "x" * 250_000})}])

        def written():
            text, at, got = b"".join(objects(s3, "ev-firehose").values()).decode(), 0, []
            while at < len(text):
                event, at = json.JSONDecoder().raw_decode(text, at)
                got.append(event)
            return got
        got = wait_until(written, timeout=20)
        self.assertGreaterEqual(len(got), 4)
        self.assertEqual([(e["source"], e["detail"]["n"]) for e in got],
                         [("orders-fh", n) for n in range(len(got))])

    def test_cli(self):
        _, out, _ = self.server.aws_cli("events", "put-rule", "--name", "e2e-cli",
                                        "--schedule-expression", "cron(0 12 ? * MON-FRI *)")
        self.assertTrue(json.loads(out)["RuleArn"].endswith(":rule/e2e-cli"))
        code, _, err = self.server.aws_cli("events", "describe-rule", "--name", "e2e-cli-nope",
                                           check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)


if __name__ == "__main__":
    unittest.main()
