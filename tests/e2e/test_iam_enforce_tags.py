"""`nimbus serve --iam enforce` with aws:ResourceTag/KEY: a user allowed
only on resources tagged team=a reaches those and is refused the others,
with AWS's message; a tag change applies to the next request. Each tagged
service answers its resources' tags (queues, topics, tables, functions, IAM
roles with iam:ResourceTag too)."""

import json
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3, trust_policy, zip_of

TEAM_A = {"StringEquals": {"aws:ResourceTag/team": "a"}}


class ResourceTagTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.carol = cls.server.create_user("carol", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:*", "sns:*", "dynamodb:*", "lambda:InvokeFunction"],
             "Resource": "*",
             "Condition": TEAM_A},
            {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:ResourceTag/team": "a"}}}]})

    def denied(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        return cm.exception.response["Error"]

    def test_queues_by_their_tags(self):
        root = self.server.boto3_client("sqs")
        a = root.create_queue(QueueName="tags-a", tags={"team": "a"})["QueueUrl"]
        b = root.create_queue(QueueName="tags-b", tags={"team": "b"})["QueueUrl"]
        sqs = self.server.boto3_client("sqs", **self.carol)
        sqs.send_message(QueueUrl=a, MessageBody="hi")
        error = self.denied(sqs.send_message, QueueUrl=b, MessageBody="hi")
        self.assertIn(error["Code"], ("AccessDenied", "AccessDeniedException"))
        self.assertEqual(
            error["Message"],
            "User: arn:aws:iam::%s:user/carol is not authorized to perform: sqs:SendMessage "
            "on resource: arn:aws:sqs:us-east-1:%s:tags-b because no identity-based policy "
            "allows the sqs:SendMessage action" % (ACCOUNT, ACCOUNT))
        # Retagged: the next request sees the new tags; untagged: refused.
        root.tag_queue(QueueUrl=b, Tags={"team": "a"})
        sqs.send_message(QueueUrl=b, MessageBody="hi")
        root.untag_queue(QueueUrl=a, TagKeys=["team"])
        self.denied(sqs.send_message, QueueUrl=a, MessageBody="hi")

    def test_topics_and_tables_by_their_tags(self):
        sns_root = self.server.boto3_client("sns")
        a = sns_root.create_topic(Name="tags-a", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
        b = sns_root.create_topic(Name="tags-b", Tags=[{"Key": "team", "Value": "b"}])["TopicArn"]
        sns = self.server.boto3_client("sns", **self.carol)
        sns.publish(TopicArn=a, Message="hi")
        # SNS's own words: AuthorizationError, the action as "SNS:Publish".
        error = self.denied(sns.publish, TopicArn=b, Message="hi")
        self.assertEqual(error["Code"], "AuthorizationError")
        self.assertEqual(
            error["Message"],
            "User: arn:aws:iam::%s:user/carol is not authorized to perform: SNS:Publish "
            "on resource: %s because no identity-based policy allows the SNS:Publish action"
            % (ACCOUNT, b))

        ddb_root = self.server.boto3_client("dynamodb")
        for name, team in (("tags-a", "a"), ("tags-b", "b")):
            ddb_root.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                Tags=[{"Key": "team", "Value": team}])
        ddb = self.server.boto3_client("dynamodb", **self.carol)
        ddb.put_item(TableName="tags-a", Item={"pk": {"S": "1"}})
        error = self.denied(ddb.put_item, TableName="tags-b", Item={"pk": {"S": "1"}})
        self.assertEqual(error["Code"], "AccessDeniedException")
        self.assertIn("dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:%s:table/tags-b"
                      % ACCOUNT, error["Message"])

    def test_functions_by_their_tags(self):
        iam, lam_root = self.server.boto3_client("iam"), self.server.boto3_client("lambda")
        role = iam.create_role(RoleName="tags-fn-role",
                               AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
        code = zip_of({"app.py": "def handler(event, context):\n    return {'ok': True}\n"})
        for name, team in (("tags-fn-a", "a"), ("tags-fn-b", "b")):
            lam_root.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                     Handler="app.handler", Code={"ZipFile": code},
                                     Tags={"team": team})
        lam = self.server.boto3_client("lambda", **self.carol)
        out = lam.invoke(FunctionName="tags-fn-a", Payload=b"{}")
        self.assertEqual(json.loads(out["Payload"].read()), {"ok": True})
        error = self.denied(lam.invoke, FunctionName="tags-fn-b", Payload=b"{}")
        self.assertEqual(error["Code"], "AccessDeniedException")
        arn_b = "arn:aws:lambda:us-east-1:%s:function:tags-fn-b" % ACCOUNT
        self.assertEqual(
            error["Message"],
            "User: arn:aws:iam::%s:user/carol is not authorized to perform: lambda:InvokeFunction "
            "on resource: %s because no identity-based policy allows the lambda:InvokeFunction "
            "action" % (ACCOUNT, arn_b))
        # TagResource / UntagResource apply to the next call.
        lam_root.tag_resource(Resource=arn_b, Tags={"team": "a"})
        lam.invoke(FunctionName="tags-fn-b", Payload=b"{}")
        lam_root.untag_resource(Resource=arn_b, TagKeys=["team"])
        self.denied(lam.invoke, FunctionName="tags-fn-b", Payload=b"{}")

    def test_roles_by_iam_resource_tag(self):
        root = self.server.boto3_client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
             "Action": "sts:AssumeRole"}]})
        root.create_role(RoleName="tagged-a", AssumeRolePolicyDocument=trust,
                         Tags=[{"Key": "team", "Value": "a"}])
        root.create_role(RoleName="untagged", AssumeRolePolicyDocument=trust)
        iam = self.server.boto3_client("iam", **self.carol)
        self.assertEqual(iam.get_role(RoleName="tagged-a")["Role"]["RoleName"], "tagged-a")
        self.assertEqual(self.denied(iam.get_role, RoleName="untagged")["Code"], "AccessDenied")


if __name__ == "__main__":
    unittest.main()
