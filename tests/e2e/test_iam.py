"""IAM through boto3 and the AWS CLI: users, access keys that sign requests
at once and stop when deactivated or deleted, groups, roles, policies with
versions, attachments, AWS managed policies, and what a restart keeps."""

import json
import unittest

from harness import ACCOUNT, Server, ServerTestCase, require_boto3

SQS_POLICY = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}


class IamBoto3Test(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.iam = self.server.boto3_client("iam")

    def error(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        return cm.exception.response

    def test_users_and_their_errors(self):
        user = self.iam.create_user(UserName="alice", Path="/eng/")["User"]
        self.assertEqual(user["Arn"], "arn:aws:iam::%s:user/eng/alice" % ACCOUNT)
        self.assertTrue(user["UserId"].startswith("AIDA"))
        err = self.error(self.iam.create_user, UserName="ALICE")
        self.assertEqual(err["Error"]["Code"], "EntityAlreadyExists")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        err = self.error(self.iam.get_user, UserName="nobody")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        self.assertEqual(err["Error"]["Message"], "The user with name nobody cannot be found.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        names = [u["UserName"] for u in self.iam.list_users(PathPrefix="/eng/")["Users"]]
        self.assertEqual(names, ["alice"])
        self.iam.delete_user(UserName="alice")

    def test_new_access_key_signs_at_once_and_stops_when_deleted(self):
        from botocore.exceptions import ClientError
        self.iam.create_user(UserName="signer")
        key = self.iam.create_access_key(UserName="signer")["AccessKey"]
        self.assertTrue(key["AccessKeyId"].startswith("AKIA"))
        sts = self.server.boto3_client("sts", aws_access_key_id=key["AccessKeyId"],
                                       aws_secret_access_key=key["SecretAccessKey"])
        ident = sts.get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:iam::%s:user/signer" % ACCOUNT)
        self.assertTrue(ident["UserId"].startswith("AIDA"))

        self.iam.update_access_key(UserName="signer", AccessKeyId=key["AccessKeyId"],
                                   Status="Inactive")
        with self.assertRaises(ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.iam.update_access_key(UserName="signer", AccessKeyId=key["AccessKeyId"],
                                   Status="Active")
        self.assertEqual(sts.get_caller_identity()["Account"], ACCOUNT)

        # A JSON protocol names the unknown key UnrecognizedClientException.
        sqs = self.server.boto3_client("sqs", aws_access_key_id=key["AccessKeyId"],
                                       aws_secret_access_key=key["SecretAccessKey"])
        sqs.list_queues()
        metadata = self.iam.list_access_keys(UserName="signer")["AccessKeyMetadata"]
        self.assertEqual([(m["AccessKeyId"], m["Status"]) for m in metadata],
                         [(key["AccessKeyId"], "Active")])
        self.iam.delete_access_key(UserName="signer", AccessKeyId=key["AccessKeyId"])
        with self.assertRaises(ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(ClientError) as cm:
            sqs.list_queues()
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("UnrecognizedClientException", "InvalidClientTokenId"))

    def test_groups_roles_and_policies(self):
        self.iam.create_user(UserName="bob")
        self.iam.create_group(GroupName="devs")
        self.iam.add_user_to_group(GroupName="devs", UserName="bob")
        self.assertEqual([u["UserName"] for u in self.iam.get_group(GroupName="devs")["Users"]],
                         ["bob"])
        role = self.iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(TRUST),
                                    Description="runs a function")["Role"]
        # boto3 decodes the URL-encoded document into a dict.
        self.assertEqual(role["AssumeRolePolicyDocument"], TRUST)
        self.assertEqual(self.iam.get_role(RoleName="fn")["Role"]["AssumeRolePolicyDocument"],
                         TRUST)
        policy = self.iam.create_policy(PolicyName="queues",
                                        PolicyDocument=json.dumps(SQS_POLICY))["Policy"]
        arn = policy["Arn"]
        self.assertEqual(arn, "arn:aws:iam::%s:policy/queues" % ACCOUNT)
        v2 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(SQS_POLICY),
                                            SetAsDefault=True)["PolicyVersion"]
        self.assertEqual(v2["VersionId"], "v2")
        self.assertTrue(v2["IsDefaultVersion"])
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        doc = self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        self.assertEqual(doc["Document"], SQS_POLICY)
        self.iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
        basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        self.iam.attach_role_policy(RoleName="fn", PolicyArn=basic)
        self.iam.put_role_policy(RoleName="fn", PolicyName="inline",
                                 PolicyDocument=json.dumps(SQS_POLICY))
        self.assertEqual(self.iam.get_role_policy(RoleName="fn", PolicyName="inline")
                         ["PolicyDocument"], SQS_POLICY)
        attached = self.iam.list_attached_role_policies(RoleName="fn")["AttachedPolicies"]
        self.assertEqual(attached, [{"PolicyName": "AWSLambdaBasicExecutionRole",
                                     "PolicyArn": basic}])
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        err = self.error(self.iam.delete_policy, PolicyArn=arn)
        self.assertEqual(err["Error"]["Code"], "DeleteConflict")
        err = self.error(self.iam.create_policy, PolicyName="bad", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*"}]}))
        self.assertEqual(err["Error"]["Code"], "MalformedPolicyDocument")
        self.assertEqual(err["Error"]["Message"], "Policy statement must contain resources.")
        managed = self.iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
        self.assertEqual(managed["Policy"]["PolicyName"], "AmazonSQSFullAccess")
        names = [p["PolicyName"] for p in
                 self.iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()
                 ["Policies"]]
        self.assertIn("AmazonDynamoDBFullAccess", names)

    def test_instance_profiles(self):
        self.iam.create_role(RoleName="ec2", AssumeRolePolicyDocument=json.dumps(TRUST))
        self.iam.create_instance_profile(InstanceProfileName="web")
        self.iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ec2")
        profile = self.iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in profile["Roles"]], ["ec2"])


class IamRestartTest(unittest.TestCase):
    def test_users_keys_and_policies_survive_a_restart(self):
        require_boto3()
        server = Server().start()
        try:
            iam = server.boto3_client("iam")
            iam.create_user(UserName="kept")
            key = iam.create_access_key(UserName="kept")["AccessKey"]
            iam.put_user_policy(UserName="kept", PolicyName="p",
                                PolicyDocument=json.dumps(SQS_POLICY))
            server.stop()
            server.start()
            iam = server.boto3_client("iam")
            self.assertEqual(iam.get_user_policy(UserName="kept", PolicyName="p")
                             ["PolicyDocument"], SQS_POLICY)
            sts = server.boto3_client("sts", aws_access_key_id=key["AccessKeyId"],
                                      aws_secret_access_key=key["SecretAccessKey"])
            self.assertEqual(sts.get_caller_identity()["Arn"],
                             "arn:aws:iam::%s:user/kept" % ACCOUNT)
        finally:
            server.cleanup()


class IamCliTest(ServerTestCase):
    def test_cli_user_key_and_policy(self):
        _, out, _ = self.server.aws_cli("iam", "create-user", "--user-name", "cli-user")
        self.assertEqual(json.loads(out)["User"]["UserName"], "cli-user")
        _, out, _ = self.server.aws_cli("iam", "create-access-key", "--user-name", "cli-user")
        self.assertTrue(json.loads(out)["AccessKey"]["AccessKeyId"].startswith("AKIA"))
        self.server.aws_cli("iam", "put-user-policy", "--user-name", "cli-user",
                            "--policy-name", "p", "--policy-document", json.dumps(SQS_POLICY))
        _, out, _ = self.server.aws_cli("iam", "get-user-policy", "--user-name", "cli-user",
                                        "--policy-name", "p")
        self.assertEqual(json.loads(out)["PolicyDocument"], SQS_POLICY)
        code, _, err = self.server.aws_cli("iam", "get-role", "--role-name", "none", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("NoSuchEntity", err)


if __name__ == "__main__":
    unittest.main()
