"""`nimbus serve --iam enforce` with resource policies: within the account a
request is allowed when the caller's identity policy OR the resource's
policy (naming the caller) allows it and neither denies it explicitly; SQS
queue policies, SNS topic policies, Lambda function policies and S3 bucket
policies all take part, and S3 decides unsigned requests by the bucket
policy ("*")."""

import io
import json
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCOUNT, ServerTestCase, require_boto3

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}


def user_arn(name):
    return "arn:aws:iam::%s:user/%s" % (ACCOUNT, name)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class ResourcePolicyTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        # bob's own policy allows everything on SQS; alice has none.
        cls.creds = {"alice": cls.server.create_user("alice"),
                     "bob": cls.server.create_user("bob", {"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})}

    def client(self, service, who):
        return self.server.boto3_client(service, **self.creds[who])

    def denied(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        return cm.exception.response["Error"]

    def test_queue_policy_allows_and_denies(self):
        sqs = self.server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="shared")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:%s:shared" % ACCOUNT
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy(
            {"Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
             "Action": "sqs:SendMessage", "Resource": arn},
            {"Effect": "Deny", "Principal": {"AWS": user_arn("bob")},
             "Action": "sqs:ReceiveMessage", "Resource": arn})})
        # alice: no identity policy, the queue's allows.
        self.client("sqs", "alice").send_message(QueueUrl=url, MessageBody="from alice")
        err = self.denied(self.client("sqs", "alice").receive_message, QueueUrl=url)
        self.assertIn("because no identity-based policy allows the sqs:ReceiveMessage action",
                      err["Message"])
        # bob: his own policy allows, the queue's explicit deny wins.
        bob = self.client("sqs", "bob")
        bob.send_message(QueueUrl=url, MessageBody="from bob")
        err = self.denied(bob.receive_message, QueueUrl=url)
        self.assertEqual(err["Message"],
                         "User: %s is not authorized to perform: sqs:ReceiveMessage on "
                         "resource: %s with an explicit deny in a resource-based policy"
                         % (user_arn("bob"), arn))

    def test_topic_policy_allows_a_named_user(self):
        sns = self.server.boto3_client("sns")
        arn = sns.create_topic(Name="news")["TopicArn"]
        self.denied(self.client("sns", "alice").publish, TopicArn=arn, Message="x")
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy(
            {"Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
             "Action": "sns:Publish", "Resource": arn}))
        self.client("sns", "alice").publish(TopicArn=arn, Message="x")
        self.denied(self.client("sns", "bob").publish, TopicArn=arn, Message="x")

    def test_bus_policy_allows_a_named_user(self):
        events = self.server.boto3_client("events")
        arn = events.create_event_bus(Name="shared-bus")["EventBusArn"]
        entry = {"Source": "app", "DetailType": "t", "Detail": "{}", "EventBusName": "shared-bus"}
        err = self.denied(self.client("events", "alice").put_events, Entries=[entry])
        self.assertEqual(err["Code"], "AccessDeniedException")
        events.put_permission(EventBusName="shared-bus", Policy=policy(
            {"Sid": "alice", "Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
             "Action": "events:PutEvents", "Resource": arn}))
        out = self.client("events", "alice").put_events(Entries=[entry])
        self.assertEqual(out["FailedEntryCount"], 0)
        self.denied(self.client("events", "bob").put_events, Entries=[entry])
        events.remove_permission(EventBusName="shared-bus", StatementId="alice")
        self.denied(self.client("events", "alice").put_events, Entries=[entry])

    def test_function_policy_allows_a_named_user(self):
        role = self.server.boto3_client("iam").create_role(
            RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", "def handler(event, context):\n    return 'hi'\n")
        lam = self.server.boto3_client("lambda")
        lam.create_function(FunctionName="shared-fn", Runtime="python3.11", Role=role,
                            Handler="app.handler", Code={"ZipFile": buf.getvalue()})
        alice = self.client("lambda", "alice")
        err = self.denied(alice.invoke, FunctionName="shared-fn")
        self.assertEqual(err["Code"], "AccessDeniedException")
        lam.add_permission(FunctionName="shared-fn", StatementId="alice",
                           Action="lambda:InvokeFunction", Principal=user_arn("alice"))
        self.assertEqual(alice.invoke(FunctionName="shared-fn")["Payload"].read(), b'"hi"')
        self.denied(self.client("lambda", "bob").invoke, FunctionName="shared-fn")

    def test_bucket_policy_and_anonymous_reads(self):
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="site")
        s3.put_object(Bucket="site", Key="public/index.html", Body=b"<h1>hi</h1>")
        s3.put_object(Bucket="site", Key="private/secret.txt", Body=b"secret")
        alice = self.client("s3", "alice")
        err = self.denied(alice.get_object, Bucket="site", Key="private/secret.txt")
        self.assertEqual(err["Code"], "AccessDenied")
        s3.put_bucket_policy(Bucket="site", Policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::site/public/*"},
            {"Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}))
        self.assertEqual(alice.get_object(Bucket="site", Key="private/secret.txt")["Body"].read(),
                         b"secret")
        self.denied(self.client("s3", "bob").get_object, Bucket="site",
                    Key="private/secret.txt")
        self.denied(alice.put_object, Bucket="site", Key="public/x", Body=b"x")

        def fetch(path, method="GET"):
            req = urllib.request.Request(self.server.endpoint + path, method=method)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()
        self.assertEqual(fetch("/site/public/index.html"), (200, b"<h1>hi</h1>"))
        status, body = fetch("/site/private/secret.txt")
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        self.assertEqual(fetch("/site/public/new", method="PUT")[0], 403)
        # Other services still refuse unsigned requests.
        status, _ = fetch("/?Action=ListQueues&Version=2012-11-05")
        self.assertEqual(status, 403)


class UnsignedOffTest(ServerTestCase):
    def test_unsigned_s3_requests_are_refused_without_enforcement(self):
        require_boto3()
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="open")
        s3.put_bucket_policy(Bucket="open", Policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::open/*"}))
        s3.put_object(Bucket="open", Key="k", Body=b"v")
        req = urllib.request.Request(self.server.endpoint + "/open/k")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(cm.exception.code, 403)


if __name__ == "__main__":
    unittest.main()
