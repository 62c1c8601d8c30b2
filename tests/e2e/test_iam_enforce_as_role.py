"""`nimbus serve --iam enforce`: services send as the role AWS uses. A
function's destinations and dead-letter queue must be reachable by its
execution role when they are configured (refused: InvalidParameterValue),
and its asynchronous destination is sent as that role (refused: the record
is not sent); a queue policy naming the role allows on its own; Firehose
writes its objects as the stream's RoleARN (refused: the records wait and
are written once the role may) and invokes its Lambda processor as that
role (refused: the records go to the processing-failed output; a role that
does not trust Firehose: Lambda.AssumeRoleAccessDenied in the server log
and the records kept until it does); SNS
delivers to Firehose as the subscription's SubscriptionRoleArn (refused:
the subscription's dead-letter queue gets the message) and logs delivery
status as the topic's feedback role (refused: nothing is logged); a Scheduler
universal target calls its operation as the schedule's role (refused: the
schedule's dead-letter queue gets the event), and a schedule's dead-letter
queue is sent to as its role too (refused: the event is dropped and
AWS/Scheduler's InvocationsFailedToBeSentToDeadLetterCount_AccessDenied
counts it)."""

import json
import time
import unittest

from botocore.exceptions import ClientError

from harness import ACCOUNT, REGION, ServerTestCase, require_boto3, trust_policy, wait_until
from test_events import receive_all
from test_firehose import BUFFER, MIB, TRANSFORM, objects
from test_lambda import py_zip
from test_scheduler import at_in
from test_sfn import finished

QARN = "arn:aws:sqs:%s:%s:%%s" % (REGION, ACCOUNT)


def allow(action, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


class ActingAsRoleTest(ServerTestCase):
    server_args = ("--iam", "enforce", "--lambda-retry-delays", "100,100")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.iam = cls.server.boto3_client("iam")
        cls.sqs = cls.server.boto3_client("sqs")
        cls.lam = cls.server.boto3_client("lambda")
        cls.s3 = cls.server.boto3_client("s3")
        cls.fh = cls.server.boto3_client("firehose")

    def role(self, name, service):
        return self.iam.create_role(RoleName=name,
                                    AssumeRolePolicyDocument=trust_policy(service))["Role"]["Arn"]

    def function_to(self, name, role, queue):
        self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                 Handler="app.handler", Code={"ZipFile": py_zip()})
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": QARN % queue}})

    def invoke_and_wait(self, name, n, url, expect):
        self.lam.invoke(FunctionName=name, InvocationType="Event",
                        Payload=json.dumps({"n": n}).encode())
        got = receive_all(self.sqs, url, 1, timeout=10 if expect else 4)
        return [json.loads(m["Body"])["requestPayload"]["n"] for m in got]

    def refused(self, call, **kwargs):
        """The InvalidParameterValueException message `call(**kwargs)` gets."""
        with self.assertRaises(ClientError) as e:
            call(**kwargs)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValueException")
        return e.exception.response["Error"]["Message"]

    def test_destinations_the_role_cannot_reach_are_refused(self):
        role = self.role("cfg-role", "lambda.amazonaws.com")
        self.sqs.create_queue(QueueName="cfg-dlq")
        dlq = QARN % "cfg-dlq"
        code = {"ZipFile": py_zip()}
        fn = dict(Runtime="python3.11", Role=role, Handler="app.handler", Code=code)
        self.assertEqual(
            self.refused(self.lam.create_function, FunctionName="cfg-fn",
                         DeadLetterConfig={"TargetArn": dlq}, **fn),
            "The provided execution role does not have permissions to call SendMessage on SQS")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName="cfg-fn")
        self.lam.create_function(FunctionName="cfg-fn", **fn)
        self.assertEqual(
            self.refused(self.lam.put_function_event_invoke_config, FunctionName="cfg-fn",
                         DestinationConfig={"OnFailure": {"Destination": dlq}}),
            "The function execution role does not have permissions to call SendMessage on "
            + dlq)
        self.refused(self.lam.update_function_configuration, FunctionName="cfg-fn",
                     DeadLetterConfig={"TargetArn": dlq})
        self.iam.put_role_policy(RoleName="cfg-role", PolicyName="send",
                                 PolicyDocument=allow("sqs:SendMessage", dlq))
        self.lam.put_function_event_invoke_config(
            FunctionName="cfg-fn", DestinationConfig={"OnFailure": {"Destination": dlq}})
        self.lam.update_function_configuration(FunctionName="cfg-fn",
                                               DeadLetterConfig={"TargetArn": dlq})
        self.lam.create_function(FunctionName="cfg-fn-2", DeadLetterConfig={"TargetArn": dlq},
                                 **fn)

    def test_destination_is_sent_as_the_execution_role(self):
        role = self.role("dest-role", "lambda.amazonaws.com")
        url = self.sqs.create_queue(QueueName="dest-out")["QueueUrl"]
        # Configuring the destination needs the permission; then it is taken
        # away, and the record is sent as the role at each invocation.
        self.iam.put_role_policy(RoleName="dest-role", PolicyName="send",
                                 PolicyDocument=allow("sqs:SendMessage", QARN % "dest-out"))
        self.function_to("dest-fn", role, "dest-out")
        self.iam.delete_role_policy(RoleName="dest-role", PolicyName="send")
        self.assertEqual(self.invoke_and_wait("dest-fn", 1, url, False), [])
        self.iam.put_role_policy(RoleName="dest-role", PolicyName="send",
                                 PolicyDocument=allow("sqs:SendMessage", QARN % "dest-out"))
        # The refused record was not kept: only the second arrives.
        self.assertEqual(self.invoke_and_wait("dest-fn", 2, url, True), [2])

    def test_a_queue_policy_naming_the_role_allows_on_its_own(self):
        role = self.role("dest-role-2", "lambda.amazonaws.com")
        url = self.sqs.create_queue(QueueName="dest-out-2")["QueueUrl"]
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "sqs:SendMessage",
                 "Resource": QARN % "dest-out-2"}]})})
        self.function_to("dest-fn-2", role, "dest-out-2")
        self.assertEqual(self.invoke_and_wait("dest-fn-2", 3, url, True), [3])

    def firehose_stream(self, name, role):
        """A delivery stream to a new bucket `name`, written as `role`; its ARN."""
        self.s3.create_bucket(Bucket=name)
        return self.fh.create_delivery_stream(
            DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
                "RoleARN": role, "BucketARN": "arn:aws:s3:::" + name,
                "BufferingHints": BUFFER})["DeliveryStreamARN"]

    def test_firehose_writes_objects_as_the_stream_role(self):
        role = self.role("fh-role", "firehose.amazonaws.com")
        self.firehose_stream("fh-as-role", role)
        # 1 MiB fills the buffer: delivered at once, when the role may.
        self.fh.put_record_batch(DeliveryStreamName="fh-as-role",
                                 Records=[{"Data": b"k" * (MIB // 2)}] * 2)
        time.sleep(3)
        self.assertEqual(objects(self.s3, "fh-as-role"), {})
        self.iam.put_role_policy(RoleName="fh-role", PolicyName="put",
                                 PolicyDocument=allow("s3:PutObject", "arn:aws:s3:::fh-as-role/*"))
        # The refused records were kept and are retried.
        got = wait_until(lambda: objects(self.s3, "fh-as-role"), timeout=30)
        self.assertEqual(b"".join(got.values()), b"k" * MIB)

    def test_firehose_invokes_its_processor_as_the_stream_role(self):
        fn_role = self.role("fh-fn-role", "lambda.amazonaws.com")
        fn = self.lam.create_function(FunctionName="fh-upper", Runtime="python3.11",
                                      Role=fn_role, Handler="app.handler", Timeout=30,
                                      Code={"ZipFile": py_zip(TRANSFORM)})["FunctionArn"]
        role = self.role("fh-proc-role", "firehose.amazonaws.com")
        self.iam.put_role_policy(RoleName="fh-proc-role", PolicyName="put",
                                 PolicyDocument=allow("s3:PutObject", "arn:aws:s3:::fh-proc-role/*"))
        self.s3.create_bucket(Bucket="fh-proc-role")
        self.fh.create_delivery_stream(
            DeliveryStreamName="fh-proc-role", ExtendedS3DestinationConfiguration={
                "RoleARN": role, "BucketARN": "arn:aws:s3:::fh-proc-role",
                "BufferingHints": BUFFER, "ErrorOutputPrefix": "errors/",
                "ProcessingConfiguration": {"Enabled": True, "Processors": [
                    {"Type": "Lambda", "Parameters": [
                        {"ParameterName": "LambdaArn", "ParameterValue": fn},
                        {"ParameterName": "NumberOfRetries", "ParameterValue": "0"}]}]}})

        def put(data):  # fills the 1 MiB buffer: delivered at once
            self.fh.put_record_batch(DeliveryStreamName="fh-proc-role",
                                     Records=[{"Data": data * (MIB // 2)}] * 2)

        put(b"a")
        got = wait_until(lambda: objects(self.s3, "fh-proc-role"), timeout=30)
        self.assertEqual([k.startswith("errors/processing-failed/") for k in got], [True])
        lines = [json.loads(x) for x in list(got.values())[0].decode().splitlines()]
        self.assertEqual([x["errorCode"] for x in lines], ["Lambda.InvokeAccessDenied"] * 2)
        self.assertEqual(lines[0]["errorMessage"], "Access was denied. Ensure that the access "
                         "policy allows access to the Lambda function.")
        self.assertEqual(lines[0]["lambdaArn"], fn)
        self.iam.put_role_policy(RoleName="fh-proc-role", PolicyName="invoke",
                                 PolicyDocument=allow("lambda:InvokeFunction", fn))
        put(b"b")
        got = wait_until(lambda: len(objects(self.s3, "fh-proc-role")) == 2 and
                         objects(self.s3, "fh-proc-role"), timeout=60)
        delivered = [v for k, v in got.items() if not k.startswith("errors/")]
        self.assertEqual(delivered, [b"B" * MIB])

    def test_firehose_role_that_does_not_trust_firehose_is_assume_role_access_denied(self):
        fn_role = self.role("fh-fn-role-2", "lambda.amazonaws.com")
        fn = self.lam.create_function(FunctionName="fh-upper-2", Runtime="python3.11",
                                      Role=fn_role, Handler="app.handler", Timeout=30,
                                      Code={"ZipFile": py_zip(TRANSFORM)})["FunctionArn"]
        # Allowed everything it needs, but trusting Lambda, not Firehose.
        self.role("fh-untrusting", "lambda.amazonaws.com")
        self.iam.put_role_policy(RoleName="fh-untrusting", PolicyName="all",
                                 PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                     {"Effect": "Allow", "Action": "s3:PutObject",
                                      "Resource": "arn:aws:s3:::fh-untrusting/*"},
                                     {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                      "Resource": fn}]}))
        self.s3.create_bucket(Bucket="fh-untrusting")
        self.fh.create_delivery_stream(
            DeliveryStreamName="fh-untrusting", ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::%s:role/fh-untrusting" % ACCOUNT,
                "BucketARN": "arn:aws:s3:::fh-untrusting",
                "BufferingHints": BUFFER, "ErrorOutputPrefix": "errors/",
                "ProcessingConfiguration": {"Enabled": True, "Processors": [
                    {"Type": "Lambda", "Parameters": [
                        {"ParameterName": "LambdaArn", "ParameterValue": fn},
                        {"ParameterName": "NumberOfRetries", "ParameterValue": "0"}]}]}})
        self.fh.put_record_batch(DeliveryStreamName="fh-untrusting",
                                 Records=[{"Data": b"c" * (MIB // 2)}] * 2)
        # AWS logs Firehose's Lambda.AssumeRoleAccessDenied to the stream's
        # CloudWatch error log; the processing-failed records cannot reach S3
        # as that role either (S3.AssumeRoleAccessDenied): nimbus's server
        # log says both, and the records are kept.
        log = wait_until(lambda: "S3.AssumeRoleAccessDenied" in self.server.read_log() and
                         self.server.read_log(), timeout=20)
        self.assertIn("firehose: processing fh-untrusting: Lambda.AssumeRoleAccessDenied: Access "
                      "was denied. Ensure that the trust policy for the provided IAM role allows "
                      "Firehose to assume the role.", log)
        self.assertIn("firehose: delivering fh-untrusting: S3.AssumeRoleAccessDenied", log)
        self.assertEqual(objects(self.s3, "fh-untrusting"), {})
        self.iam.update_assume_role_policy(RoleName="fh-untrusting",
                                           PolicyDocument=trust_policy("firehose.amazonaws.com"))
        got = wait_until(lambda: objects(self.s3, "fh-untrusting"), timeout=60)
        self.assertEqual(list(got.values()), [b"C" * MIB])

    def test_universal_target_calls_as_the_schedule_role(self):
        scheduler = self.server.boto3_client("scheduler")
        role = self.role("sched-role", "scheduler.amazonaws.com")
        url = self.sqs.create_queue(QueueName="sched-out")["QueueUrl"]
        dlq = self.sqs.create_queue(QueueName="sched-dlq")["QueueUrl"]

        def schedule(name):
            scheduler.create_schedule(
                Name=name, ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "RoleArn": role,
                        "Input": json.dumps({"QueueUrl": url, "MessageBody": name}),
                        "RetryPolicy": {"MaximumRetryAttempts": 0},
                        "DeadLetterConfig": {"Arn": QARN % "sched-dlq"}})

        # The role sends the dead letters (Scheduler's documented permission).
        self.iam.put_role_policy(RoleName="sched-role", PolicyName="dlq",
                                 PolicyDocument=allow("sqs:SendMessage", QARN % "sched-dlq"))
        schedule("refused")
        dead = receive_all(self.sqs, dlq, 1, timeout=15)
        self.assertEqual(len(dead), 1)
        self.assertEqual(self.sqs.receive_message(QueueUrl=url).get("Messages", []), [])
        self.iam.put_role_policy(RoleName="sched-role", PolicyName="send",
                                 PolicyDocument=allow("sqs:SendMessage", QARN % "sched-out"))
        schedule("allowed")
        got = receive_all(self.sqs, url, 1, timeout=15)
        self.assertEqual([m["Body"] for m in got], ["allowed"])
        time.sleep(0.5)
        self.assertEqual(self.sqs.receive_message(QueueUrl=dlq).get("Messages", []), [])

    def dead_letter_metric(self, name):
        """The Sum of AWS/Scheduler's `name` over the last minutes (None: no data)."""
        cw = self.server.boto3_client("cloudwatch")
        now = time.time()
        points = cw.get_metric_statistics(
            Namespace="AWS/Scheduler", MetricName=name, StartTime=now - 600, EndTime=now + 60,
            Period=3600, Statistics=["Sum"],
            Dimensions=[{"Name": "ScheduleGroup", "Value": "default"}])["Datapoints"]
        return sum(p["Sum"] for p in points) if points else None

    def test_a_schedules_dead_letter_queue_is_sent_to_as_its_role(self):
        scheduler = self.server.boto3_client("scheduler")
        role = self.role("sched-dlq-role", "scheduler.amazonaws.com")
        dlq = self.sqs.create_queue(QueueName="sched-dlq-2")["QueueUrl"]

        def schedule(name):  # its target is refused: the event goes to the DLQ
            scheduler.create_schedule(
                Name=name, ScheduleExpression=at_in(2), FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": QARN % "sched-nowhere", "RoleArn": role,
                        "RetryPolicy": {"MaximumRetryAttempts": 0},
                        "DeadLetterConfig": {"Arn": QARN % "sched-dlq-2"}})

        schedule("dropped")
        failed = "InvocationsFailedToBeSentToDeadLetterCount_AccessDenied"
        self.assertEqual(wait_until(lambda: self.dead_letter_metric(failed), timeout=20), 1)
        self.assertEqual(self.sqs.receive_message(QueueUrl=dlq).get("Messages", []), [])
        self.iam.put_role_policy(RoleName="sched-dlq-role", PolicyName="dlq",
                                 PolicyDocument=allow("sqs:SendMessage", QARN % "sched-dlq-2"))
        schedule("dead-lettered")
        dead = receive_all(self.sqs, dlq, 1, timeout=15)
        self.assertEqual(len(dead), 1)
        self.assertEqual(dead[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"],
                         "NO_PERMISSIONS")
        sent = "InvocationsSentToDeadLetterCount"
        self.assertEqual(wait_until(lambda: self.dead_letter_metric(sent), timeout=20), 1)

    def test_step_functions_tasks_meet_dynamodb_leading_keys(self):
        ddb = self.server.boto3_client("dynamodb")
        sfn = self.server.boto3_client("stepfunctions")
        ddb.create_table(TableName="sfn-owned", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        for pk in ("mine", "theirs"):
            ddb.put_item(TableName="sfn-owned", Item={"pk": {"S": pk}, "v": {"S": pk}})
        role = self.role("sfn-ddb-role", "states.amazonaws.com")
        self.iam.put_role_policy(RoleName="sfn-ddb-role", PolicyName="own", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItem",
                 "Resource": "arn:aws:dynamodb:%s:%s:table/sfn-owned" % (REGION, ACCOUNT),
                 "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["mine"]}}}]}))
        arn = sfn.create_state_machine(name="sfn-ddb", roleArn=role, definition=json.dumps(
            {"StartAt": "Get", "States": {"Get": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "sfn-owned", "Key": {"pk": {"S.$": "$.pk"}}},
                "ResultSelector": {"v.$": "$.Item.v.S"}, "End": True}}}))["stateMachineArn"]

        def run(pk):
            x = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"pk": pk}))
            return wait_until(lambda: finished(sfn, x["executionArn"]), timeout=30)

        mine = run("mine")
        self.assertEqual(mine["status"], "SUCCEEDED", mine)
        self.assertEqual(json.loads(mine["output"]), {"v": "mine"})
        theirs = run("theirs")
        self.assertEqual(theirs["status"], "FAILED", theirs)
        self.assertIn("AccessDenied", theirs.get("error", ""))

    def test_sns_delivers_to_firehose_as_the_subscription_role(self):
        fh_role = self.role("fh-writer", "firehose.amazonaws.com")
        self.iam.put_role_policy(RoleName="fh-writer", PolicyName="put",
                                 PolicyDocument=allow("s3:PutObject", "arn:aws:s3:::sns-fh/*"))
        stream = self.firehose_stream("sns-fh", fh_role)
        sns_role = self.role("sns-fh-role", "sns.amazonaws.com")
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="to-fh")["TopicArn"]
        dlq = self.sqs.create_queue(QueueName="sns-fh-dlq")["QueueUrl"]
        # SNS sends to a dead-letter queue as itself: the queue policy says so.
        self.sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": QARN % "sns-fh-dlq"}]})})
        sns.subscribe(TopicArn=topic, Protocol="firehose", Endpoint=stream, Attributes={
            "SubscriptionRoleArn": sns_role, "RawMessageDelivery": "true",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": QARN % "sns-fh-dlq"})})
        sns.publish(TopicArn=topic, Message="refused")
        dead = receive_all(self.sqs, dlq, 1, timeout=15)
        self.assertEqual(len(dead), 1)
        self.assertIn("refused", dead[0]["Body"])
        self.iam.put_role_policy(RoleName="sns-fh-role", PolicyName="put",
                                 PolicyDocument=allow("firehose:PutRecord*", stream))
        for n in range(5):
            sns.publish(TopicArn=topic, Message=str(n) * 250_000)
        got = wait_until(lambda: objects(self.s3, "sns-fh"), timeout=30)
        body = b"".join(got.values())
        self.assertTrue(body.startswith(b"0" * 250_000))
        self.assertNotIn(b"refused", body)

    def test_sns_logs_delivery_status_as_the_feedback_role(self):
        sns = self.server.boto3_client("sns")
        logs = self.server.boto3_client("logs")
        role = self.role("sns-feedback", "sns.amazonaws.com")
        topic = sns.create_topic(Name="status", Attributes={
            "SQSSuccessFeedbackRoleArn": role, "SQSSuccessFeedbackSampleRate": "100"})["TopicArn"]
        url = self.sqs.create_queue(QueueName="sns-status", Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": QARN % "sns-status"}]})})["QueueUrl"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QARN % "sns-status")
        group = "sns/%s/%s/status" % (REGION, ACCOUNT)

        def records():
            try:
                return logs.filter_log_events(logGroupName=group)["events"]
            except logs.exceptions.ResourceNotFoundException:
                return []
        # The role may not write logs: delivered, nothing logged.
        sns.publish(TopicArn=topic, Message="unlogged")
        self.assertEqual(len(receive_all(self.sqs, url, 1, timeout=10)), 1)
        time.sleep(0.5)
        self.assertEqual(records(), [])
        self.iam.put_role_policy(RoleName="sns-feedback", PolicyName="logs",
                                 PolicyDocument=allow("logs:PutLogEvents", "*"))
        message_id = sns.publish(TopicArn=topic, Message="logged")["MessageId"]
        self.assertEqual(len(receive_all(self.sqs, url, 1, timeout=10)), 1)
        got = wait_until(records, timeout=10)
        self.assertEqual([json.loads(e["message"])["notification"]["messageId"] for e in got],
                         [message_id])


if __name__ == "__main__":
    unittest.main()
