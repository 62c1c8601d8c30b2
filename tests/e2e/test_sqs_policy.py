"""SQS permissions (AddPermission / RemovePermission editing the queue's
Policy), tag validation and per-entry batch checks, through boto3 (awsJson
with current boto3, awsQuery with Debian's 1.26) and the AWS CLI."""

import json
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3

OTHER = "111122223333"


class SqsPermissionsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sqs = self.server.boto3_client("sqs")

    def error(self, fn, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        e = cm.exception.response["Error"]
        return e["Code"], e["Message"]

    def policy(self, url):
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
        text = attrs.get("Attributes", {}).get("Policy")
        return json.loads(text) if text else None

    def test_add_and_remove_permission(self):
        url = self.sqs.create_queue(QueueName="perm")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:%s:perm" % ACCOUNT
        self.sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=[OTHER],
                                Actions=["SendMessage"])
        self.sqs.add_permission(QueueUrl=url, Label="both", AWSAccountIds=[OTHER, ACCOUNT],
                                Actions=["ReceiveMessage", "DeleteMessage"])
        self.assertEqual(self.policy(url), {
            "Version": "2012-10-17",
            "Id": arn + "/SQSDefaultPolicy",
            "Statement": [
                {"Sid": "send", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
                 "Action": "SQS:SendMessage", "Resource": arn},
                {"Sid": "both", "Effect": "Allow",
                 "Principal": {"AWS": ["arn:aws:iam::%s:root" % OTHER,
                                       "arn:aws:iam::%s:root" % ACCOUNT]},
                 "Action": ["SQS:ReceiveMessage", "SQS:DeleteMessage"], "Resource": arn},
            ]})
        self.sqs.remove_permission(QueueUrl=url, Label="send")
        self.assertEqual([s["Sid"] for s in self.policy(url)["Statement"]], ["both"])
        self.sqs.remove_permission(QueueUrl=url, Label="both")
        self.assertIsNone(self.policy(url))

    def test_permission_errors(self):
        url = self.sqs.create_queue(QueueName="perm-errors")["QueueUrl"]
        self.sqs.add_permission(QueueUrl=url, Label="taken", AWSAccountIds=[OTHER],
                                Actions=["SendMessage"])
        code, message = self.error(self.sqs.add_permission, QueueUrl=url, Label="taken",
                                   AWSAccountIds=[OTHER], Actions=["DeleteMessage"])
        self.assertEqual(code, "InvalidParameterValue")
        self.assertEqual(message, "Value taken for parameter Label is invalid. "
                                  "Reason: Already exists.")
        code, message = self.error(self.sqs.add_permission, QueueUrl=url, Label="no spaces",
                                   AWSAccountIds=[OTHER], Actions=["SendMessage"])
        self.assertEqual(code, "InvalidParameterValue")
        code, message = self.error(self.sqs.add_permission, QueueUrl=url, Label="l",
                                   AWSAccountIds=[OTHER], Actions=["CreateQueue"])
        self.assertEqual(message, "Value SQS:CreateQueue for parameter ActionName is invalid. "
                                  "Reason: Only the queue owner is allowed to invoke this action.")
        code, message = self.error(self.sqs.add_permission, QueueUrl=url, Label="l",
                                   AWSAccountIds=["12345"], Actions=["SendMessage"])
        self.assertEqual(message, "Value [12345] for parameter PrincipalId is invalid. "
                                  "Reason: Unable to verify.")
        code, _ = self.error(self.sqs.add_permission, QueueUrl=url, Label="l",
                             AWSAccountIds=[OTHER], Actions=["SendMessage"] * 8)
        self.assertIn(code, ("OverLimit", "AWS.SimpleQueueService.OverLimit"))
        code, message = self.error(self.sqs.remove_permission, QueueUrl=url, Label="nope")
        self.assertEqual(code, "InvalidParameterValue")
        self.assertEqual(message, "Value nope for parameter Label is invalid. "
                                  "Reason: can't find label on existing policy.")

    def test_tag_validation(self):
        url = self.sqs.create_queue(QueueName="tagged", tags={"team": "core"})["QueueUrl"]
        self.sqs.tag_queue(QueueUrl=url, Tags={"a.b:c/d=e+f-g@h_i j": "", "ключ": "値"})
        for tags in ({"aws:reserved": "v"}, {"k" * 129: "v"}, {"k": "v" * 257},
                     {"semi;colon": "v"}):
            code, _ = self.error(self.sqs.tag_queue, QueueUrl=url, Tags=tags)
            self.assertEqual(code, "InvalidParameterValue", tags)
        code, message = self.error(self.sqs.tag_queue, QueueUrl=url, Tags={
            "k%d" % i: "v" for i in range(48)})
        self.assertEqual(message, "Too many tags added for queue tagged.")
        self.assertEqual(len(self.sqs.list_queue_tags(QueueUrl=url)["Tags"]), 3)
        code, _ = self.error(self.sqs.untag_queue, QueueUrl=url, TagKeys=["aws:x"])
        self.assertEqual(code, "InvalidParameterValue")

    def test_batch_entry_delay_over_900_fails_that_entry(self):
        url = self.sqs.create_queue(QueueName="delays")["QueueUrl"]
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "late", "MessageBody": "x", "DelaySeconds": 901},
            {"Id": "ok", "MessageBody": "y", "DelaySeconds": 900}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
        self.assertEqual([(e["Id"], e["Code"], e["SenderFault"]) for e in out["Failed"]],
                         [("late", "InvalidParameterValue", True)])


class SqsPermissionsCliTest(ServerTestCase):
    def test_cli_permissions_and_tags(self):
        _, out, _ = self.server.aws_cli("sqs", "create-queue", "--queue-name", "cli-perm")
        url = json.loads(out)["QueueUrl"]
        self.server.aws_cli("sqs", "add-permission", "--queue-url", url, "--label", "cli",
                            "--aws-account-ids", OTHER, "--actions", "SendMessage",
                            "ReceiveMessage")
        _, out, _ = self.server.aws_cli("sqs", "get-queue-attributes", "--queue-url", url,
                                        "--attribute-names", "Policy")
        statement = json.loads(json.loads(out)["Attributes"]["Policy"])["Statement"][0]
        self.assertEqual(statement["Action"], ["SQS:SendMessage", "SQS:ReceiveMessage"])
        self.server.aws_cli("sqs", "remove-permission", "--queue-url", url, "--label", "cli")
        rc, _, err = self.server.aws_cli("sqs", "tag-queue", "--queue-url", url, "--tags",
                                         "aws:k=v", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidParameterValue", err)


if __name__ == "__main__":
    unittest.main()
