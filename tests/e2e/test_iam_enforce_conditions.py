"""`nimbus serve --iam enforce`: policy conditions decide real clients'
calls (issue 16 item 3). One user's managed policies use each condition
operator family (String*, Numeric*, Date*, Bool, IpAddress / NotIpAddress,
ArnLike, Null, ...IfExists, ForAllValues / ForAnyValue) with the global
keys nimbus sets (aws:username as a policy variable, aws:userid,
aws:PrincipalArn, aws:SourceIp, aws:CurrentTime, aws:SecureTransport,
aws:RequestTag, aws:TagKeys) and the service keys a call's input sets
(s3:prefix, s3:max-keys); a permissions boundary limits another user. Each
case is a call that is allowed and one that is refused with AWS's
AccessDenied, through boto3 (both generations)."""

import json
import unittest

from harness import ACCOUNT, REGION, ServerTestCase, require_boto3

Q = "arn:aws:sqs:%s:%s:%%s" % (REGION, ACCOUNT)
T = "arn:aws:sns:%s:%s:%%s" % (REGION, ACCOUNT)

STRINGS_AND_TAGS = [
    # A policy variable in a condition value: each user lists its own prefix.
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::cond-home",
     "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::cond-paged",
     "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}},
    # Queues are created only with team=blue and no other tag key.
    {"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": Q % "cond-tagged-*",
     "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"},
                   "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
    # Tagging needs an owner tag (Null false) and any cost-center key.
    {"Effect": "Allow", "Action": "sqs:TagQueue", "Resource": Q % "cond-tagged-*",
     "Condition": {"Null": {"aws:RequestTag/owner": "false"},
                   "ForAnyValue:StringEquals": {"aws:TagKeys": ["cost-center"]}}},
    # Topics may be made untagged, or with env=dev.
    {"Effect": "Allow", "Action": "sns:CreateTopic", "Resource": T % "cond-*",
     "Condition": {"StringEqualsIfExists": {"aws:RequestTag/env": "dev"}}},
]

REQUEST_KEYS = [
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": Q % "cond-open",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}},
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": Q % "cond-expired",
     "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}},
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": Q % "cond-tls-only"},
    {"Effect": "Deny", "Action": "sqs:*", "Resource": Q % "cond-tls-only",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
    {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
    {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
     "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::%s:user/cond-*" % ACCOUNT},
                   "StringLike": {"aws:userid": "AIDA*"}}},
    {"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::%s:user/cond-*" % ACCOUNT}}},
]


def doc(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))


class ConditionsTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        iam = cls.server.boto3_client("iam")
        creds = cls.server.create_user("cond-user")
        for name, statements in (("strings", STRINGS_AND_TAGS), ("request", REQUEST_KEYS)):
            arn = iam.create_policy(PolicyName="cond-" + name,
                                    PolicyDocument=doc(statements))["Policy"]["Arn"]
            iam.attach_user_policy(UserName="cond-user", PolicyArn=arn)
        s3 = cls.server.boto3_client("s3")
        for bucket in ("cond-home", "cond-paged"):
            s3.create_bucket(Bucket=bucket)
        sqs = cls.server.boto3_client("sqs")
        cls.urls = {n: sqs.create_queue(QueueName=n)["QueueUrl"]
                    for n in ("cond-open", "cond-expired", "cond-tls-only")}
        cls.s3 = cls.server.boto3_client("s3", **creds)
        cls.sqs = cls.server.boto3_client("sqs", **creds)
        cls.sns = cls.server.boto3_client("sns", **creds)
        cls.ddb = cls.server.boto3_client("dynamodb", **creds)
        cls.lam = cls.server.boto3_client("lambda", **creds)

    def denied(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403, err)
        self.assertIn(err["Error"]["Code"], ("AccessDenied", "AccessDeniedException",
                                             "AuthorizationError"))
        return err["Error"]["Message"]

    def test_string_conditions_with_a_policy_variable(self):
        self.s3.list_objects_v2(Bucket="cond-home", Prefix="home/cond-user/docs")
        self.denied(self.s3.list_objects_v2, Bucket="cond-home", Prefix="home/someone/")
        self.denied(self.s3.list_objects_v2, Bucket="cond-home")  # no prefix: no key, false

    def test_numeric_condition_on_a_service_key(self):
        self.s3.list_objects_v2(Bucket="cond-paged", MaxKeys=5)
        self.denied(self.s3.list_objects_v2, Bucket="cond-paged", MaxKeys=50)

    def test_request_tags_and_tag_keys(self):
        url = self.sqs.create_queue(QueueName="cond-tagged-a", tags={"team": "blue"})["QueueUrl"]
        message = self.denied(self.sqs.create_queue, QueueName="cond-tagged-b",
                              tags={"team": "red"})
        self.assertIn("sqs:CreateQueue on resource: %s because no identity-based policy allows"
                      % (Q % "cond-tagged-b"), message)
        self.denied(self.sqs.create_queue, QueueName="cond-tagged-c",
                    tags={"team": "blue", "extra": "x"})  # ForAllValues: a key not listed
        self.sqs.tag_queue(QueueUrl=url, Tags={"owner": "me", "cost-center": "42"})
        self.denied(self.sqs.tag_queue, QueueUrl=url, Tags={"cost-center": "42"})  # Null: no owner
        self.denied(self.sqs.tag_queue, QueueUrl=url, Tags={"owner": "me"})  # ForAnyValue: none

    def test_if_exists(self):
        self.sns.create_topic(Name="cond-plain")
        self.sns.create_topic(Name="cond-dev", Tags=[{"Key": "env", "Value": "dev"}])
        self.denied(self.sns.create_topic, Name="cond-prod",
                    Tags=[{"Key": "env", "Value": "prod"}])

    def test_current_time(self):
        self.sqs.send_message(QueueUrl=self.urls["cond-open"], MessageBody="now")
        self.denied(self.sqs.send_message, QueueUrl=self.urls["cond-expired"], MessageBody="x")

    def test_secure_transport_is_false_over_plain_http(self):
        message = self.denied(self.sqs.send_message, QueueUrl=self.urls["cond-tls-only"],
                              MessageBody="x")
        self.assertIn("with an explicit deny in an identity-based policy", message)

    def test_source_ip(self):
        self.ddb.list_tables()
        self.denied(self.sns.list_topics)

    def test_principal_arn_and_userid(self):
        self.sqs.list_queues()
        self.denied(self.lam.list_functions)

    def test_a_permissions_boundary_limits_what_policies_allow(self):
        iam = self.server.boto3_client("iam")
        creds = self.server.create_user("cond-bounded", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:ListQueues", "dynamodb:ListTables"],
             "Resource": "*"}]})
        ddb = self.server.boto3_client("dynamodb", **creds)
        sqs = self.server.boto3_client("sqs", **creds)
        ddb.list_tables()
        iam.put_user_permissions_boundary(
            UserName="cond-bounded", PermissionsBoundary="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
        sqs.list_queues()
        self.denied(ddb.list_tables)
        iam.delete_user_permissions_boundary(UserName="cond-bounded")
        ddb.list_tables()


if __name__ == "__main__":
    unittest.main()
