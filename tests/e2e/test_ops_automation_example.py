"""examples/ops-automation end to end against a real server: an upload to
the uploads bucket runs the ingest function, which fills the inventory
table; a poison upload ends in the dead-letter queue; the report schedule
(moved to a couple of seconds ahead instead of 02:00) runs the reporter,
which writes the report to the reports bucket and alerts the ops-alerts
topic, whose SQS subscription receives the notification."""

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
        import deploy
        names = deploy.deploy(self.server.endpoint)
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

        alerts = wait_until(lambda: messages(sqs, names["inbox_url"]), timeout=30)
        self.assertEqual(len(alerts), 1)
        note = json.loads(alerts[0]["Body"])
        self.assertEqual(note["Type"], "Notification")
        self.assertEqual(note["Subject"], "Low stock")
        self.assertEqual(json.loads(note["Message"])["low"], [{"sku": "widget", "count": 3}])


if __name__ == "__main__":
    unittest.main()
