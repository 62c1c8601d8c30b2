"""EventBridge Scheduler end to end: schedule groups and schedules with boto3
(restJson) and the AWS CLI against a real server; one-time schedules a few
seconds ahead delivering to SQS, also across kill -9 (one due while the
server is down; 200 due together, killed while they fire)."""

import datetime
import json
import shutil
import tempfile
import time
import unittest

from harness import REGION, Server, ServerTestCase, require_boto3, wait_until
from test_events import receive_all

ROLE = "arn:aws:iam::000000000000:role/scheduler"


def at_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return "at(%s)" % t.strftime("%Y-%m-%dT%H:%M:%S")


def queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def has_member(client, shape, member):
    return member in client.meta.service_model.shape_for(shape).members


class SchedulerTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.scheduler = self.server.boto3_client("scheduler")
        self.sqs = self.server.boto3_client("sqs")

    def test_groups_schedules_and_their_errors(self):
        s = self.scheduler
        arn = s.create_schedule_group(Name="e2e-ops", Tags=[{"Key": "team", "Value": "a"}])[
            "ScheduleGroupArn"]
        self.assertEqual(arn, "arn:aws:scheduler:%s:000000000000:schedule-group/e2e-ops" % REGION)
        self.assertEqual(s.get_schedule_group(Name="default")["State"], "ACTIVE")
        s.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "test"}])
        tags = s.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(sorted(t["Key"] for t in tags), ["env", "team"])
        s.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(len(s.list_tags_for_resource(ResourceArn=arn)["Tags"]), 1)
        with self.assertRaises(s.exceptions.ConflictException):
            s.create_schedule_group(Name="e2e-ops")

        target = {"Arn": "arn:aws:sqs:%s:000000000000:e2e-nowhere" % REGION, "RoleArn": ROLE,
                  "Input": '{"job": "report"}'}
        for i in range(5):
            s.create_schedule(Name="e2e-nightly-%d" % i, GroupName="e2e-ops",
                              ScheduleExpression="cron(0 2 * * ? *)",
                              ScheduleExpressionTimezone="Europe/Paris",
                              FlexibleTimeWindow={"Mode": "FLEXIBLE",
                                                  "MaximumWindowInMinutes": 15},
                              Target=target)
        got = s.get_schedule(Name="e2e-nightly-0", GroupName="e2e-ops")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Europe/Paris")
        self.assertEqual(got["FlexibleTimeWindow"],
                         {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15})
        self.assertEqual(got["Target"]["Input"], '{"job": "report"}')
        self.assertEqual(got["Target"]["RetryPolicy"]["MaximumRetryAttempts"], 185)
        self.assertIsInstance(got["CreationDate"], datetime.datetime)
        names = []
        for page in s.get_paginator("list_schedules").paginate(
                GroupName="e2e-ops", PaginationConfig={"PageSize": 2}):
            names += [x["Name"] for x in page["Schedules"]]
        self.assertEqual(names, ["e2e-nightly-%d" % i for i in range(5)])

        s.update_schedule(Name="e2e-nightly-0", GroupName="e2e-ops",
                          ScheduleExpression="rate(1 hour)", State="DISABLED",
                          FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
        self.assertEqual(len(s.list_schedules(State="DISABLED")["Schedules"]), 1)

        with self.assertRaises(s.exceptions.ConflictException) as cm:
            s.create_schedule(Name="e2e-nightly-1", GroupName="e2e-ops",
                              ScheduleExpression="rate(1 hour)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Schedule e2e-nightly-1 already exists.")
        with self.assertRaises(s.exceptions.ResourceNotFoundException) as cm:
            s.get_schedule(Name="e2e-missing")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Schedule e2e-missing does not exist.")
        with self.assertRaises(s.exceptions.ValidationException) as cm:
            s.create_schedule(Name="e2e-bad", ScheduleExpression="rate(1 minutes)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
        self.assertTrue(cm.exception.response["Error"]["Message"].startswith(
            "Invalid Schedule Expression rate(1 minutes)."))
        with self.assertRaises(s.exceptions.ValidationException):
            s.create_schedule(Name="e2e-bad", ScheduleExpression="rate(1 hour)",
                              ScheduleExpressionTimezone="Mars/Olympus",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
        with self.assertRaises(s.exceptions.ResourceNotFoundException):
            s.get_schedule(Name="e2e-bad")

        s.delete_schedule_group(Name="e2e-ops")
        with self.assertRaises(s.exceptions.ResourceNotFoundException):
            s.get_schedule(Name="e2e-nightly-2", GroupName="e2e-ops")
        self.assertEqual(s.list_schedules(NamePrefix="e2e-nightly")["Schedules"], [])

    def test_one_time_schedules_deliver_to_sqs(self):
        url, arn = queue(self.sqs, "e2e-sched-q")
        fifo_url, fifo_arn = queue(self.sqs, "e2e-sched-q.fifo", FifoQueue="true")
        extra = {}
        if has_member(self.scheduler, "CreateScheduleInput", "ActionAfterCompletion"):
            extra["ActionAfterCompletion"] = "DELETE"
        sched = self.scheduler.create_schedule(
            Name="e2e-soon", ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": arn, "RoleArn": ROLE,
                    "Input": '{"schedule": "<aws.scheduler.schedule-arn>"}'},
            **extra)["ScheduleArn"]
        self.scheduler.create_schedule(
            Name="e2e-soon-fifo", ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": fifo_arn, "RoleArn": ROLE, "Input": "tick",
                    "SqsParameters": {"MessageGroupId": "g"}})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([json.loads(m["Body"]) for m in got], [{"schedule": sched}])
        fifo = receive_all(self.sqs, fifo_url, 1)
        self.assertEqual(fifo[0]["Body"], "tick")
        self.assertEqual(fifo[0]["Attributes"]["MessageGroupId"], "g")
        if extra:
            self.assertTrue(wait_until(lambda: [x["Name"] for x in self.scheduler.list_schedules(
                NamePrefix="e2e-soon")["Schedules"]] == ["e2e-soon-fifo"]))
        # Nothing more arrives.
        time.sleep(1.5)
        self.assertEqual(self.sqs.receive_message(QueueUrl=url).get("Messages", []), [])
        # Each delivery was an attempt, counted in AWS/Scheduler for the group.
        cw = self.server.boto3_client("cloudwatch")
        now = datetime.datetime.now(datetime.timezone.utc)

        def attempts():
            points = cw.get_metric_statistics(
                Namespace="AWS/Scheduler", MetricName="InvocationAttemptCount",
                Dimensions=[{"Name": "ScheduleGroup", "Value": "default"}],
                StartTime=now - datetime.timedelta(minutes=10),
                EndTime=now + datetime.timedelta(minutes=1), Period=3600,
                Statistics=["Sum"])["Datapoints"]
            return sum(p["Sum"] for p in points)
        self.assertTrue(wait_until(lambda: attempts() >= 2))

    def test_the_universal_target_calls_an_operation_with_the_input(self):
        url, _ = queue(self.sqs, "e2e-sched-universal")
        self.scheduler.create_schedule(
            Name="e2e-universal", ScheduleExpression=at_in(2),
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "RoleArn": ROLE,
                    "Input": json.dumps({"QueueUrl": url, "MessageBody": "via the SDK"})})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([m["Body"] for m in got], ["via the SDK"])

    def test_a_topic_target_publishes_the_input(self):
        url, arn = queue(self.sqs, "e2e-sched-topic-q")
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="e2e-sched-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                      Attributes={"RawMessageDelivery": "true"})
        self.scheduler.create_schedule(
            Name="e2e-topic", ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": topic, "RoleArn": ROLE, "Input": "disk almost full"})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual([m["Body"] for m in got], ["disk almost full"])

    def test_an_event_bus_target_puts_the_event(self):
        url, arn = queue(self.sqs, "e2e-sched-bus-q")
        events = self.server.boto3_client("events")
        bus = events.create_event_bus(Name="e2e-sched-bus")["EventBusArn"]
        events.put_rule(Name="from-scheduler", EventBusName="e2e-sched-bus",
                        EventPattern=json.dumps({"source": ["ops.scheduler"]}))
        events.put_targets(Rule="from-scheduler", EventBusName="e2e-sched-bus",
                           Targets=[{"Id": "q", "Arn": arn}])
        self.scheduler.create_schedule(
            Name="e2e-bus", ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": bus, "RoleArn": ROLE, "Input": json.dumps({"job": "report"}),
                    "EventBridgeParameters": {"DetailType": "Nightly",
                                              "Source": "ops.scheduler"}})
        got = receive_all(self.sqs, url, 1)
        self.assertEqual(len(got), 1)
        event = json.loads(got[0]["Body"])
        self.assertEqual((event["source"], event["detail-type"], event["detail"]),
                         ("ops.scheduler", "Nightly", {"job": "report"}))

    def test_a_state_machine_target_starts_an_execution(self):
        sfn = self.server.boto3_client("stepfunctions")
        machine = sfn.create_state_machine(
            name="e2e-sched-machine", roleArn=ROLE,
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                    "End": True}}}),
        )["stateMachineArn"]
        self.scheduler.create_schedule(
            Name="e2e-machine", ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": machine, "RoleArn": ROLE,
                    "Input": json.dumps({"run": "<aws.scheduler.execution-id>"})})
        runs = wait_until(lambda: sfn.list_executions(stateMachineArn=machine)["executions"],
                          timeout=30)
        self.assertEqual(len(runs), 1)
        described = sfn.describe_execution(executionArn=runs[0]["executionArn"])
        self.assertEqual(len(json.loads(described["input"])["run"]), 36)

    def test_cli(self):
        _, arn = queue(self.sqs, "e2e-sched-cli")
        _, out, _ = self.server.aws_cli(
            "scheduler", "create-schedule", "--name", "e2e-cli",
            "--schedule-expression", "rate(5 minutes)",
            "--flexible-time-window", "Mode=OFF",
            "--target", json.dumps({"Arn": arn, "RoleArn": ROLE}))
        self.assertTrue(json.loads(out)["ScheduleArn"].endswith(":schedule/default/e2e-cli"))
        _, out, _ = self.server.aws_cli("scheduler", "get-schedule", "--name", "e2e-cli")
        self.assertEqual(json.loads(out)["ScheduleExpression"], "rate(5 minutes)")
        _, out, _ = self.server.aws_cli("scheduler", "list-schedule-groups")
        self.assertIn("default", [g["Name"] for g in json.loads(out)["ScheduleGroups"]])
        self.server.aws_cli("scheduler", "delete-schedule", "--name", "e2e-cli")
        code, _, err = self.server.aws_cli("scheduler", "get-schedule", "--name", "e2e-cli",
                                           check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ResourceNotFoundException", err)


class SchedulerCrashTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-scheduler-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_a_schedule_due_while_killed_fires_once_after_restart(self):
        server = Server(data_dir=self.data_dir).start()
        try:
            sqs = server.boto3_client("sqs")
            url, arn = queue(sqs, "e2e-crash-q")
            server.boto3_client("scheduler").create_schedule(
                Name="e2e-crash", ScheduleExpression=at_in(3),
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": arn, "RoleArn": ROLE, "Input": "due"})
            server.kill9()
            time.sleep(4)  # the schedule falls due while nothing runs
            server = Server(data_dir=self.data_dir).start()
            sqs = server.boto3_client("sqs")
            url = sqs.get_queue_url(QueueName="e2e-crash-q")["QueueUrl"]
            got = receive_all(sqs, url, 2, timeout=6)
            self.assertEqual([m["Body"] for m in got], ["due"])
        finally:
            server.cleanup()

    def test_schedules_firing_when_killed_each_fire_after_restart(self):
        n = 200
        server = Server(data_dir=self.data_dir).start()
        try:
            sqs = server.boto3_client("sqs")
            url, arn = queue(sqs, "e2e-crash-many")
            scheduler = server.boto3_client("scheduler")
            # All due in the same second, after the last is created (200
            # signed calls, each a synced write: seconds under the
            # sanitizers on a loaded machine).
            due, due_at = at_in(12), time.time() + 12
            started = time.time()
            for i in range(n):
                scheduler.create_schedule(
                    Name="many-%d" % i, ScheduleExpression=due,
                    FlexibleTimeWindow={"Mode": "OFF"},
                    Target={"Arn": arn, "RoleArn": ROLE, "Input": str(i)})

            created_s = time.time() - started
            self.assertLess(created_s, 11, "creating the schedules took too long")

            def firing():
                attrs = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
                return int(attrs["ApproximateNumberOfMessages"])
            # Killed as soon as the first firings are in the queue (polled
            # without pauses, to land while the others are being sent).
            time.sleep(max(0.0, due_at - time.time() - 2))
            deadline, at_kill = time.time() + 15, 0
            while not at_kill and time.time() < deadline:
                at_kill = firing()
            server.kill9()
            server = Server(data_dir=self.data_dir).start()
            sqs = server.boto3_client("sqs")
            url = sqs.get_queue_url(QueueName="e2e-crash-many")["QueueUrl"]
            # Until every schedule's message came (some come twice: sent
            # before the kill, and again after it as their firing was not
            # yet acknowledged).
            got = []

            def all_fired():
                got.extend(m["Body"] for m in receive_all(sqs, url, 1, timeout=1))
                return len(set(got)) == n
            wait_until(all_fired, timeout=30)
            missing = sorted({str(i) for i in range(n)} - set(got), key=int)
            self.assertEqual(missing, [], "created in %.1f s" % created_s)
            print("\n%d schedules, killed with about %d fired: %d delivered, %d of them again"
                  % (n, at_kill, len(got), len(got) - len(set(got))))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
