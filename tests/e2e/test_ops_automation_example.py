"""examples/ops-automation end to end against a real server: an upload to
the uploads bucket runs the ingest function, which fills the inventory
table; a poison upload ends in the dead-letter queue; the report schedule
(moved to a couple of seconds ahead instead of 02:00) runs the reporter,
which writes the report to the reports bucket and alerts the ops-alerts
topic; the poison upload makes ingest alert it ("Upload rejected"), and the
ingest-errors alarm (set to ALARM here rather than waiting for the
minute's Errors) alerts it too. Every alert reaches the topic's SQS
subscription and its HTTP endpoint (the example's alert_receiver, which
confirmed its subscription through the SubscribeURL)."""

import datetime
import json
import os
import sys
import unittest

from harness import ServerTestCase, require_boto3, wait_until

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                       "ops-automation")
sys.path.insert(0, EXAMPLE)


def messages(sqs, url):
    out = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10,
                              MessageAttributeNames=["All"])
    return out.get("Messages", [])


class OpsAutomationExampleTest(ServerTestCase):
    def test_uploads_are_ingested_reported_alerted_and_poison_set_aside(self):
        require_boto3()
        import alert_receiver
        import deploy
        receiver = alert_receiver.Receiver(quiet=True)
        self.addCleanup(receiver.stop)
        names = deploy.deploy(self.server.endpoint, alert_url=receiver.url)
        self.assertTrue(receiver.confirmed.wait(10), "the HTTP endpoint got no confirmation")
        sns = self.server.boto3_client("sns")
        subs = sns.list_subscriptions_by_topic(TopicArn=names["topic"])["Subscriptions"]
        self.assertEqual(sorted((s["Protocol"], s["SubscriptionArn"] == "PendingConfirmation")
                                for s in subs), [("http", False), ("sqs", False)])
        s3 = self.server.boto3_client("s3")
        ddb = self.server.boto3_client("dynamodb")
        sqs = self.server.boto3_client("sqs")
        scheduler = self.server.boto3_client("scheduler")
        got = scheduler.get_schedule(Name="nightly-report")
        self.assertEqual(got["ScheduleExpression"], "cron(0 2 * * ? *)")

        s3.put_object(Bucket=names["uploads"], Key="stock/monday.csv",
                      Body=b"widget,3\ngadget,12\nsprocket,40\n")
        self.assertTrue(wait_until(
            lambda: len(ddb.scan(TableName="inventory")["Items"]) == 3, timeout=60))

        s3.put_object(Bucket=names["uploads"], Key="stock/broken.csv", Body=b"not a csv line\n")
        dead = wait_until(lambda: messages(sqs, names["dead_letters_url"]), timeout=60)
        self.assertEqual(len(dead), 1)
        event = json.loads(dead[0]["Body"])
        self.assertEqual(event["Records"][0]["s3"]["object"]["key"], "stock/broken.csv")
        self.assertIn("ErrorMessage", dead[0].get("MessageAttributes", {}))

        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
        deploy.schedule_report(scheduler, names["reporter"],
                               "at(%s)" % soon.strftime("%Y-%m-%dT%H:%M:%S"))
        key = "reports/%s.json" % soon.strftime("%Y-%m-%d")

        def report():
            listed = s3.list_objects_v2(Bucket=names["reports"]).get("Contents", [])
            if not listed:
                return None
            return json.loads(s3.get_object(Bucket=names["reports"], Key=key)["Body"].read())
        got = wait_until(report, timeout=60)
        self.assertIsNotNone(got, "no report written")
        self.assertEqual(got["total"], 55)
        self.assertEqual([i["sku"] for i in got["items"]], ["gadget", "sprocket", "widget"])
        self.assertEqual(got["low"], [{"sku": "widget", "count": 3}])

        # The alarm on ingest's Errors fires once the minute is over; set it
        # now (its actions run as on a transition). It may have fired on its
        # own already: either way an ALARM notification goes out.
        cloudwatch = self.server.boto3_client("cloudwatch")
        cloudwatch.set_alarm_state(AlarmName="ingest-errors", StateValue="ALARM",
                                   StateReason="ingest failed")
        alarm_subject = 'ALARM: "ingest-errors" in US East (N. Virginia)'
        expected = {"Low stock", "Upload rejected", alarm_subject}
        inbox = {}

        def all_in_inbox():
            for m in messages(sqs, names["inbox_url"]):
                note = json.loads(m["Body"])
                inbox[note["Subject"]] = note
            return expected <= set(inbox)
        self.assertTrue(wait_until(all_in_inbox, timeout=30),
                        "alerts in the queue: %s" % list(inbox))
        self.assertEqual(inbox["Low stock"]["Type"], "Notification")
        self.assertEqual(json.loads(inbox["Low stock"]["Message"])["low"],
                         [{"sku": "widget", "count": 3}])
        self.assertEqual(json.loads(inbox["Upload rejected"]["Message"]),
                         {"bucket": names["uploads"], "key": "stock/broken.csv",
                          "error": "line 1 is not sku,count: 'not a csv line'"})
        alarm = json.loads(inbox[alarm_subject]["Message"])
        self.assertEqual(alarm["NewStateValue"], "ALARM")
        self.assertEqual(alarm["Trigger"]["MetricName"], "Errors")
        self.assertEqual(alarm["Trigger"]["Dimensions"], [{"name": "FunctionName",
                                                           "value": "ingest"}])

        # The HTTP endpoint got the same Notifications.
        self.assertTrue(wait_until(
            lambda: expected <= {n["Subject"] for n in receiver.received()}, timeout=15))
        posted = {n["Subject"]: n for n in receiver.received()}
        for subject in ("Low stock", "Upload rejected"):
            self.assertEqual(posted[subject]["MessageId"], inbox[subject]["MessageId"])
        self.assertEqual(json.loads(posted[alarm_subject]["Message"])["AlarmName"],
                         "ingest-errors")

if __name__ == "__main__":
    unittest.main()
