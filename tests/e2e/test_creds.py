"""Per-function credentials (issue 16 item 5): a function's SDK calls carry
the temporary credentials of a session of its execution role
(assumed-role/ROLE/FUNCTION), evaluated against the role's policies under
`--iam enforce`; a role Lambda may not assume is refused at CreateFunction;
under the default `--iam off` the same handler works whatever role it names."""

import json
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3, zip_of

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
     "Resource": "arn:aws:sqs:*:%s:allowed-*" % ACCOUNT},
    {"Effect": "Allow", "Action": "dynamodb:PutItem",
     "Resource": "arn:aws:dynamodb:*:%s:table/allowed" % ACCOUNT}]}

# Clients built as code written for AWS builds them: no endpoint, no keys.
HANDLER = """
import os
import boto3

def attempt(call):
    try:
        call()
        return "ok"
    except Exception as e:
        err = getattr(e, "response", {}).get("Error", {})
        return [err.get("Code", type(e).__name__), err.get("Message", str(e))]

def handler(event, context):
    out = {"key": os.environ.get("AWS_ACCESS_KEY_ID", "")[:4],
           "token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    out["arn"] = boto3.client("sts").get_caller_identity()["Arn"]
    sqs = boto3.client("sqs")
    out["sqs"] = attempt(lambda: sqs.send_message(QueueUrl=event["queue"], MessageBody="hi"))
    ddb = boto3.client("dynamodb")
    out["ddb"] = attempt(lambda: ddb.put_item(TableName=event["table"],
                                              Item={"pk": {"S": context.function_name}}))
    return out
"""



class CredsCase(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.lam = cls.server.boto3_client("lambda")
        sqs = cls.server.boto3_client("sqs")
        cls.queues = {n: sqs.create_queue(QueueName=n)["QueueUrl"]
                      for n in ("allowed-q", "other-q")}
        ddb = cls.server.boto3_client("dynamodb")
        for table in ("allowed", "other"):
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])

    def create(self, name, role):
        return self.lam.create_function(FunctionName=name, Runtime="python3.9", Role=role,
                                        Handler="app.handler", Timeout=30,
                                        Code={"ZipFile": zip_of({"app.py": HANDLER})})

    def run_handler(self, name, queue, table):
        r = self.lam.invoke(FunctionName=name, Payload=json.dumps(
            {"queue": self.queues[queue], "table": table}).encode())
        body = r["Payload"].read()
        self.assertNotIn("FunctionError", r, body)
        return json.loads(body)


class CredsEnforceTest(CredsCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        iam = cls.server.boto3_client("iam")
        cls.role = iam.create_role(RoleName="fn-role",
                                   AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName="fn-role", PolicyName="data",
                            PolicyDocument=json.dumps(ROLE_POLICY))
        iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))

    def test_calls_are_evaluated_against_the_execution_role(self):
        self.create("worker", self.role)
        out = self.run_handler("worker", "allowed-q", "allowed")
        session = "arn:aws:sts::%s:assumed-role/fn-role/worker" % ACCOUNT
        self.assertEqual(out["key"], "ASIA")
        self.assertTrue(out["token"])
        self.assertEqual(out["arn"], session)
        self.assertEqual(out["sqs"], "ok")
        self.assertEqual(out["ddb"], "ok")
        # What the role's policy does not allow is refused, naming the session.
        out = self.run_handler("worker", "other-q", "other")
        self.assertIn(out["sqs"][0], ("AccessDenied", "AccessDeniedException"))
        self.assertIn("User: %s is not authorized to perform: sqs:SendMessage" % session,
                      out["sqs"][1])
        self.assertEqual(out["ddb"][0], "AccessDeniedException")
        self.assertIn("User: %s is not authorized to perform: dynamodb:PutItem" % session,
                      out["ddb"][1])

    def test_a_role_lambda_cannot_assume_is_refused(self):
        from botocore.exceptions import ClientError
        for role in ("arn:aws:iam::%s:role/no-such-role" % ACCOUNT,
                     "arn:aws:iam::%s:role/ec2-role" % ACCOUNT):
            with self.assertRaises(ClientError) as cm:
                self.create("refused", role)
            err = cm.exception.response
            self.assertEqual(err["Error"]["Code"], "InvalidParameterValueException")
            self.assertEqual(err["Error"]["Message"],
                             "The role defined for the function cannot be assumed by Lambda.")
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertNotIn("refused", [f["FunctionName"]
                                     for f in self.lam.list_functions()["Functions"]])
        self.create("movable", self.role)
        with self.assertRaises(ClientError) as cm:
            self.lam.update_function_configuration(FunctionName="movable",
                                                   Role="arn:aws:iam::%s:role/ec2-role" % ACCOUNT)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValueException")
        self.assertEqual(self.lam.get_function_configuration(FunctionName="movable")["Role"],
                         self.role)


class CredsOffTest(CredsCase):
    """The default: nothing is evaluated, so any role works, even one IAM
    does not know; the function still signs with a session of its own."""

    def test_the_same_handler_works_with_any_role(self):
        self.create("anyrole", "arn:aws:iam::%s:role/not-created" % ACCOUNT)
        out = self.run_handler("anyrole", "other-q", "other")
        self.assertEqual(out["key"], "ASIA")
        self.assertEqual(out["arn"], "arn:aws:sts::%s:assumed-role/not-created/anyrole" % ACCOUNT)
        self.assertEqual((out["sqs"], out["ddb"]), ("ok", "ok"))


NOTIFY_HANDLER = """
import os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["OUT"], MessageBody="invoked")
"""


ECHO_HANDLER = """
import json
import os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


class ResourcePolicyEnforceTest(CredsCase):
    """Services acting on their own need the target's resource policy under
    --iam enforce: a queue policy for SNS -> SQS, a Lambda permission
    (AddPermission) for SNS, EventBridge and S3 -> Lambda, with
    aws:SourceArn."""
    server_args = ("--iam", "enforce")

    def received(self, sqs, url, wait=3):
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got)

    def test_sns_to_sqs_needs_the_queue_policy(self):
        sns = self.server.boto3_client("sns")
        sqs = self.server.boto3_client("sqs")
        topic = sns.create_topic(Name="orders")["TopicArn"]
        url = self.queues["allowed-q"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        sns.publish(TopicArn=topic, Message="no policy")
        self.assertEqual(self.received(sqs, url), 0)
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        sns.publish(TopicArn=topic, Message="allowed")
        self.assertEqual(self.received(sqs, url, wait=10), 1)
        # Another topic is not the policy's SourceArn.
        other = sns.create_topic(Name="other-topic")["TopicArn"]
        sns.subscribe(TopicArn=other, Protocol="sqs", Endpoint=arn)
        sns.publish(TopicArn=other, Message="wrong source")
        self.assertEqual(self.received(sqs, url), 0)

    def test_sns_to_lambda_needs_a_permission(self):
        iam = self.server.boto3_client("iam")
        role = iam.create_role(RoleName="notify-role",
                               AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName="notify-role", PolicyName="data",
                            PolicyDocument=json.dumps(ROLE_POLICY))
        fn = self.lam.create_function(
            FunctionName="notified", Runtime="python3.9", Role=role, Handler="app.handler",
            Timeout=30, Code={"ZipFile": zip_of({"app.py": NOTIFY_HANDLER})},
            Environment={"Variables": {"OUT": self.queues["allowed-q"]}})["FunctionArn"]
        sns = self.server.boto3_client("sns")
        sqs = self.server.boto3_client("sqs")
        topic = sns.create_topic(Name="to-lambda")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
        sns.publish(TopicArn=topic, Message="no permission")
        self.assertEqual(self.received(sqs, self.queues["allowed-q"]), 0)
        self.lam.add_permission(FunctionName="notified", StatementId="sns",
                                Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                                SourceArn=topic)
        sns.publish(TopicArn=topic, Message="permitted")
        self.assertEqual(self.received(sqs, self.queues["allowed-q"], wait=20), 1)

    def echo_function(self, name):
        """A function that sends each event it gets to a new queue; its ARN
        and the queue's URL."""
        iam = self.server.boto3_client("iam")
        role = iam.create_role(RoleName=name + "-role",
                               AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name + "-role", PolicyName="data",
                            PolicyDocument=json.dumps(ROLE_POLICY))
        url = self.server.boto3_client("sqs").create_queue(QueueName="allowed-" + name)["QueueUrl"]
        fn = self.lam.create_function(
            FunctionName=name, Runtime="python3.9", Role=role, Handler="app.handler",
            Timeout=30, Code={"ZipFile": zip_of({"app.py": ECHO_HANDLER})},
            Environment={"Variables": {"OUT": url}})["FunctionArn"]
        return fn, url

    def bodies(self, url, wait):
        sqs = self.server.boto3_client("sqs")
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait,
                                  MaxNumberOfMessages=10).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in got]

    def test_eventbridge_to_lambda_needs_a_permission(self):
        fn, url = self.echo_function("ruled")
        events = self.server.boto3_client("events")
        rule = events.put_rule(Name="to-ruled",
                               EventPattern=json.dumps({"source": ["app"]}))["RuleArn"]
        events.put_targets(Rule="to-ruled", Targets=[{"Id": "f", "Arn": fn}])

        def put(n):
            events.put_events(Entries=[{"Source": "app", "DetailType": "t",
                                        "Detail": json.dumps({"n": n})}])

        put(1)
        self.assertEqual(self.bodies(url, 3), [])
        self.lam.add_permission(FunctionName="ruled", StatementId="events",
                                Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                                SourceArn=rule)
        put(2)
        got = self.bodies(url, 20)
        self.assertEqual([b["detail"]["n"] for b in got], [2])

    def test_s3_to_lambda_needs_a_permission(self):
        fn, url = self.echo_function("uploaded")
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="creds-uploads")
        # AWS checks the permission when the notification is configured, so
        # it comes first; removing it stops the deliveries.
        self.lam.add_permission(FunctionName="uploaded", StatementId="s3",
                                Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                                SourceArn="arn:aws:s3:::creds-uploads",
                                SourceAccount=ACCOUNT)
        s3.put_bucket_notification_configuration(
            Bucket="creds-uploads", NotificationConfiguration={"LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:*"]}]})
        s3.put_object(Bucket="creds-uploads", Key="one", Body=b"1")
        got = self.bodies(url, 20)
        self.assertEqual([b["Records"][0]["s3"]["object"]["key"] for b in got], ["one"])
        self.lam.remove_permission(FunctionName="uploaded", StatementId="s3")
        s3.put_object(Bucket="creds-uploads", Key="two", Body=b"2")
        self.assertEqual(self.bodies(url, 3), [])


if __name__ == "__main__":
    unittest.main()
