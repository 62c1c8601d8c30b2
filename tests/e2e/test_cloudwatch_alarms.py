"""CloudWatch alarms end to end: a metric that breaches puts the alarm in
ALARM and its SNS action reaches a subscribed queue with AWS's notification;
SetAlarmState, DescribeAlarmHistory, AWS's errors, a restart, the AWS CLI.
Alarms are evaluated every second here (--cloudwatch-alarm-interval 1) and
use 10-second periods, so nothing waits for minutes."""

import datetime
import json
import unittest

from harness import (ACCOUNT, REGION, Server, ServerTestCase, require_boto3, stack_settled,
                     wait_until)

FAST = ("--cloudwatch-alarm-interval", "1")


def alarm_args(name, **extra):
    args = dict(AlarmName=name, Namespace="E2E/Alarms", MetricName="Errors",
                Statistic="Maximum", Period=10, EvaluationPeriods=1, Threshold=5,
                ComparisonOperator="GreaterThanThreshold")
    args.update(extra)
    return args


class AlarmsTest(ServerTestCase):
    server_args = FAST

    def setUp(self):
        require_boto3()
        self.cw = self.server.boto3_client("cloudwatch")

    def error(self, call, **kwargs):
        with self.assertRaises(self.cw.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def inbox(self, name, **attributes):
        """A queue subscribed to a new topic: (sqs client, queue URL, topic ARN)."""
        sqs = self.server.boto3_client("sqs")
        sns = self.server.boto3_client("sns")
        url = sqs.create_queue(QueueName=name + "-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = sns.create_topic(Name=name)["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes)
        return sqs, url, topic

    def test_breach_notifies_topic(self):
        sqs, url, topic = self.inbox("ops-alarms")
        self.cw.put_metric_alarm(**alarm_args("errors-high", AlarmActions=[topic],
                                              AlarmDescription="too many errors",
                                              Dimensions=[{"Name": "Fn", "Value": "f"}]))
        self.cw.put_metric_data(Namespace="E2E/Alarms", MetricData=[
            {"MetricName": "Errors", "Dimensions": [{"Name": "Fn", "Value": "f"}],
             "Value": 9, "StorageResolution": 1}])

        def message():
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            return got[0] if got else None
        m = wait_until(message, timeout=40)
        self.assertIsNotNone(m, "no alarm notification arrived")
        envelope = json.loads(m["Body"])
        self.assertEqual(envelope["Subject"], 'ALARM: "errors-high" in US East (N. Virginia)')
        alarm = json.loads(envelope["Message"])
        self.assertEqual(alarm["AlarmName"], "errors-high")
        self.assertEqual(alarm["AlarmDescription"], "too many errors")
        self.assertEqual(alarm["AWSAccountId"], ACCOUNT)
        self.assertEqual(alarm["NewStateValue"], "ALARM")
        self.assertEqual(alarm["OldStateValue"], "INSUFFICIENT_DATA")
        self.assertEqual(alarm["Region"], "US East (N. Virginia)")
        self.assertEqual(alarm["AlarmArn"],
                         "arn:aws:cloudwatch:%s:%s:alarm:errors-high" % (REGION, ACCOUNT))
        self.assertTrue(alarm["NewStateReason"].startswith("Threshold Crossed: 1 datapoint [9.0"))
        trigger = alarm["Trigger"]
        self.assertEqual(trigger["MetricName"], "Errors")
        self.assertEqual(trigger["Namespace"], "E2E/Alarms")
        self.assertEqual(trigger["Statistic"], "MAXIMUM")
        self.assertEqual(trigger["Dimensions"], [{"value": "f", "name": "Fn"}])
        self.assertEqual(trigger["Threshold"], 5.0)
        self.assertEqual(trigger["Period"], 10)

        items = self.cw.describe_alarm_history(AlarmName="errors-high",
                                               HistoryItemType="StateUpdate")
        summaries = [i["HistorySummary"] for i in items["AlarmHistoryItems"]]
        self.assertIn("Alarm updated from INSUFFICIENT_DATA to ALARM", summaries)
        actions = wait_until(lambda: self.cw.describe_alarm_history(
            AlarmName="errors-high", HistoryItemType="Action")["AlarmHistoryItems"])
        self.assertEqual(actions[0]["HistorySummary"], "Successfully executed action " + topic)

    def test_set_state_and_history(self):
        self.cw.put_metric_alarm(**alarm_args("manual", TreatMissingData="ignore"))
        a = self.cw.describe_alarms(AlarmNames=["manual"])["MetricAlarms"][0]
        self.assertEqual(a["StateValue"], "INSUFFICIENT_DATA")
        self.assertEqual(a["TreatMissingData"], "ignore")
        self.cw.set_alarm_state(AlarmName="manual", StateValue="ALARM", StateReason="testing",
                                StateReasonData='{"k": 1}')
        a = self.cw.describe_alarms(AlarmNames=["manual"], StateValue="ALARM")["MetricAlarms"][0]
        self.assertEqual(a["StateReason"], "testing")
        self.assertIsInstance(a["StateUpdatedTimestamp"], datetime.datetime)
        items = self.cw.describe_alarm_history(AlarmName="manual")["AlarmHistoryItems"]
        self.assertEqual([i["HistoryItemType"] for i in items],
                         ["StateUpdate", "ConfigurationUpdate"])
        data = json.loads(items[0]["HistoryData"])
        self.assertEqual(data["newState"]["stateValue"], "ALARM")
        self.assertEqual(data["newState"]["stateReasonData"], {"k": 1})
        self.assertEqual(data["oldState"]["stateValue"], "INSUFFICIENT_DATA")
        self.cw.disable_alarm_actions(AlarmNames=["manual"])
        self.assertFalse(self.cw.describe_alarms(
            AlarmNames=["manual"])["MetricAlarms"][0]["ActionsEnabled"])
        arn = a["AlarmArn"]
        self.cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "ops"}])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "team", "Value": "ops"}])
        self.cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [])
        self.cw.delete_alarms(AlarmNames=["manual"])
        self.assertEqual(self.cw.describe_alarms(AlarmNames=["manual"])["MetricAlarms"], [])

    def test_composite_alarm_follows_children_and_notifies(self):
        sqs, url, topic = self.inbox("composite-alarms", RawMessageDelivery="true")
        for name in ("c-cpu", "c-deploy"):
            self.cw.put_metric_alarm(**alarm_args(name, TreatMissingData="ignore"))
            self.cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="start")
        rule = 'ALARM(c-cpu) AND NOT ALARM("c-deploy")'
        self.cw.put_composite_alarm(AlarmName="c-page", AlarmRule=rule, AlarmActions=[topic])
        got = self.cw.describe_alarms(AlarmNames=["c-page"], AlarmTypes=["CompositeAlarm"])
        self.assertEqual(got["CompositeAlarms"][0]["StateValue"], "OK")
        self.assertEqual(got["CompositeAlarms"][0]["AlarmRule"], rule)
        self.assertEqual(self.cw.describe_alarms(AlarmNames=["c-page"])["MetricAlarms"], [])
        self.cw.set_alarm_state(AlarmName="c-cpu", StateValue="ALARM", StateReason="hot")
        m = wait_until(lambda: (sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
                                .get("Messages") or [None])[0], timeout=20)
        self.assertIsNotNone(m, "no composite alarm notification arrived")
        body = json.loads(m["Body"])
        self.assertEqual((body["AlarmName"], body["NewStateValue"], body["OldStateValue"]),
                         ("c-page", "ALARM", "OK"))
        self.assertEqual(body["AlarmRule"], rule)
        kids = self.cw.describe_alarms(ChildrenOfAlarmName="c-page")["MetricAlarms"]
        self.assertEqual(sorted(k["AlarmName"] for k in kids), ["c-cpu", "c-deploy"])
        parents = self.cw.describe_alarms(ParentsOfAlarmName="c-deploy")["CompositeAlarms"]
        self.assertEqual([p["AlarmName"] for p in parents], ["c-page"])
        self.cw.set_alarm_state(AlarmName="c-deploy", StateValue="ALARM", StateReason="deploy")
        got = self.cw.describe_alarms(AlarmNames=["c-page"], AlarmTypes=["CompositeAlarm"])
        self.assertEqual(got["CompositeAlarms"][0]["StateValue"], "OK")
        self.assertEqual(self.error(self.cw.put_composite_alarm, AlarmName="c-bad",
                                    AlarmRule="ALARM(c-nothing)"), "ValidationError")
        self.assertEqual(self.error(self.cw.put_composite_alarm, AlarmName="c-bad",
                                    AlarmRule="ALARM(c-cpu) AND"), "ValidationError")

    def test_composite_actions_suppressor_periods(self):
        for name in ("s-cpu", "s-maint"):
            self.cw.put_metric_alarm(**alarm_args(name, TreatMissingData="ignore"))
            self.cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="start")
        self.cw.put_composite_alarm(AlarmName="s-page", AlarmRule="ALARM(s-cpu)",
                                    ActionsSuppressor="s-maint", ActionsSuppressorWaitPeriod=60,
                                    ActionsSuppressorExtensionPeriod=90)

        def page():
            return self.cw.describe_alarms(AlarmNames=["s-page"],
                                           AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]

        self.assertNotIn("ActionsSuppressedBy", page())
        # Into ALARM: waiting up to 60 s for the suppressor.
        self.cw.set_alarm_state(AlarmName="s-cpu", StateValue="ALARM", StateReason="hot")
        p = page()
        self.assertEqual((p["StateValue"], p["ActionsSuppressedBy"],
                          p["ActionsSuppressedReason"]),
                         ("ALARM", "WaitPeriod", "Actions suppressed by WaitPeriod"))
        self.cw.set_alarm_state(AlarmName="s-maint", StateValue="ALARM", StateReason="work")
        self.assertEqual(page()["ActionsSuppressedBy"], "Alarm")
        self.cw.set_alarm_state(AlarmName="s-maint", StateValue="OK", StateReason="done")
        p = page()
        self.assertEqual((p["ActionsSuppressedBy"], p["ActionsSuppressorExtensionPeriod"]),
                         ("ExtensionPeriod", 90))

    def test_bad_input(self):
        self.assertEqual(self.error(self.cw.put_metric_alarm, **alarm_args("bad", Period=45)),
                         "InvalidParameterValue")
        self.assertEqual(self.error(self.cw.put_metric_alarm,
                                    **alarm_args("bad", EvaluationPeriods=2,
                                                 DatapointsToAlarm=3)),
                         "ValidationError")
        self.assertEqual(self.error(self.cw.put_metric_alarm,
                                    **alarm_args("bad", ExtendedStatistic="p99")),
                         "InvalidParameterCombination")
        self.assertEqual(self.error(self.cw.set_alarm_state, AlarmName="nope", StateValue="OK",
                                    StateReason="x"), "ResourceNotFound")
        self.assertEqual(self.error(self.cw.delete_alarms, AlarmNames=["nope"]),
                         "ResourceNotFound")
        self.assertEqual(self.cw.describe_alarms(AlarmNamePrefix="bad")["MetricAlarms"], [])

    def test_paging(self):
        for i in range(3):
            self.cw.put_metric_alarm(**alarm_args("page-%d" % i))
        names = []
        for page in self.cw.get_paginator("describe_alarms").paginate(
                AlarmNamePrefix="page-", PaginationConfig={"PageSize": 2}):
            names += [a["AlarmName"] for a in page["MetricAlarms"]]
        self.assertEqual(names, ["page-0", "page-1", "page-2"])

    def test_aws_cli(self):
        self.server.aws_cli("cloudwatch", "put-metric-alarm", "--alarm-name", "cli-alarm",
                            "--namespace", "E2E/Cli", "--metric-name", "m", "--statistic",
                            "Sum", "--period", "60", "--evaluation-periods", "2",
                            "--datapoints-to-alarm", "1", "--threshold", "3",
                            "--comparison-operator", "GreaterThanOrEqualToThreshold",
                            "--treat-missing-data", "notBreaching")
        _, out, _ = self.server.aws_cli("cloudwatch", "describe-alarms", "--alarm-names",
                                        "cli-alarm")
        a = json.loads(out)["MetricAlarms"][0]
        self.assertEqual(a["AlarmName"], "cli-alarm")
        self.assertEqual(a["DatapointsToAlarm"], 1)
        self.assertEqual(a["Threshold"], 3.0)
        # No data treated as not breaching: OK at the first evaluation.
        self.assertTrue(wait_until(lambda: self.cw.describe_alarms(
            AlarmNames=["cli-alarm"])["MetricAlarms"][0]["StateValue"] == "OK", timeout=10))

    def test_cloudformation_alarm(self):
        cfn = self.server.boto3_client("cloudformation")
        template = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Slow:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: stack-slow
      Namespace: E2E/Stack
      MetricName: Latency
      Statistic: p99
      ExtendedStatistic: p99
      Period: 60
      EvaluationPeriods: 3
      DatapointsToAlarm: 2
      Threshold: 250
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref Topic]
Outputs:
  Arn: {Value: !GetAtt Slow.Arn}
"""
        cfn.create_stack(StackName="alarm-stack", TemplateBody=template)
        stack = stack_settled(cfn, "alarm-stack")
        # Statistic and ExtendedStatistic together: CloudWatch's own error
        # fails the stack.
        self.assertEqual(stack["StackStatus"], "ROLLBACK_COMPLETE")
        template = template.replace("      Statistic: p99\n", "")
        cfn.create_stack(StackName="alarm-stack-2", TemplateBody=template)
        stack = stack_settled(cfn, "alarm-stack-2")
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual(stack["Outputs"][0]["OutputValue"],
                         "arn:aws:cloudwatch:%s:%s:alarm:stack-slow" % (REGION, ACCOUNT))
        a = self.cw.describe_alarms(AlarmNames=["stack-slow"])["MetricAlarms"][0]
        self.assertEqual(a["ExtendedStatistic"], "p99")
        self.assertEqual(a["DatapointsToAlarm"], 2)
        self.assertTrue(a["AlarmActions"][0].startswith("arn:aws:sns:"))
        cfn.delete_stack(StackName="alarm-stack-2")
        self.assertTrue(wait_until(lambda: self.cw.describe_alarms(
            AlarmNames=["stack-slow"])["MetricAlarms"] == []))


class AlarmsRestartTest(unittest.TestCase):
    def test_alarms_survive_kill9(self):
        require_boto3()
        server = Server(*FAST).start()
        try:
            cw = server.boto3_client("cloudwatch")
            cw.put_metric_alarm(**alarm_args("kept", TreatMissingData="ignore"))
            cw.set_alarm_state(AlarmName="kept", StateValue="ALARM", StateReason="before")
            server.kill9()
            server.start()
            cw = server.boto3_client("cloudwatch")
            a = cw.describe_alarms(AlarmNames=["kept"])["MetricAlarms"][0]
            self.assertEqual(a["StateValue"], "ALARM")
            self.assertEqual(a["StateReason"], "before")
            self.assertEqual(len(cw.describe_alarm_history(AlarmName="kept")["AlarmHistoryItems"]),
                             2)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
