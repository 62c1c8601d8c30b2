"""STS over the wire (issue 16 item 2): AssumeRole with the trust policy
checked against the caller under `--iam enforce` (a user named by the trust
policy, an account trust that needs the caller's own permission, external
ids, session tags), DurationSeconds bounds, session policies intersecting
the role's, forged or missing session tokens refused, GetSessionToken, GetCallerIdentity for assumed roles; and
under the default `--iam off` through boto3 and the AWS CLI."""

import datetime
import json
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal, actions="sts:AssumeRole", condition=None):
    s = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions}
    if condition:
        s["Condition"] = condition
    return doc(s)


USER = "arn:aws:iam::%s:user/%%s" % ACCOUNT
ROLE = "arn:aws:iam::%s:role/%%s" % ACCOUNT
QUEUES = "arn:aws:sqs:*:%s:sts-*" % ACCOUNT


class StsCase(ServerTestCase):
    def error(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        e = cm.exception.response
        return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]

    def as_creds(self, service, creds):
        return self.server.boto3_client(service, aws_access_key_id=creds["AccessKeyId"],
                                        aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"])


class AssumeRoleEnforceTest(StsCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        iam = cls.server.boto3_client("iam")
        cls.keys = {user: cls.server.create_user(user) for user in ("alice", "bob")}
        iam.put_user_policy(UserName="bob", PolicyName="assume", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE % "account-role"}))
        queues = {"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUES}
        roles = {
            "reader": trust(USER % "alice"),
            "account-role": trust("arn:aws:iam::%s:root" % ACCOUNT),
            "ext-role": trust(USER % "alice",
                              condition={"StringEquals": {"sts:ExternalId": "ext-1234"}}),
            "tag-role": trust(USER % "alice", ["sts:AssumeRole", "sts:TagSession"]),
        }
        for name, policy in roles.items():
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy)
            iam.put_role_policy(RoleName=name, PolicyName="queues", PolicyDocument=doc(queues))
        iam.put_role_policy(RoleName="tag-role", PolicyName="queues", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUES,
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))
        sqs = cls.server.boto3_client("sqs")
        cls.queue = sqs.create_queue(QueueName="sts-q")["QueueUrl"]
        cls.other = sqs.create_queue(QueueName="other-q")["QueueUrl"]

    def sts(self, user, **kwargs):
        return self.server.boto3_client("sts", **self.keys[user], **kwargs)

    def unchecked(self, user):
        """A client that leaves the checking to the server."""
        from botocore.config import Config
        return self.sts(user, config=Config(parameter_validation=False))

    def test_a_user_named_by_the_trust_policy_assumes_the_role(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        out = self.sts("alice").assume_role(RoleArn=ROLE % "reader", RoleSessionName="s1")
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertTrue(creds["SessionToken"])
        left = creds["Expiration"] - before
        self.assertTrue(datetime.timedelta(minutes=59) < left < datetime.timedelta(minutes=61), left)
        session = "arn:aws:sts::%s:assumed-role/reader/s1" % ACCOUNT
        self.assertEqual(out["AssumedRoleUser"]["Arn"], session)
        self.assertRegex(out["AssumedRoleUser"]["AssumedRoleId"], r"^AROA[A-Z0-9]+:s1$")
        ident = self.as_creds("sts", creds).get_caller_identity()
        self.assertEqual(ident["Arn"], session)
        self.assertEqual(ident["UserId"], out["AssumedRoleUser"]["AssumedRoleId"])
        self.assertEqual(ident["Account"], ACCOUNT)
        # The session has the role's permissions, not alice's (she has none).
        sqs = self.as_creds("sqs", creds)
        sqs.send_message(QueueUrl=self.queue, MessageBody="as reader")
        code, message, status = self.error(sqs.send_message, QueueUrl=self.other, MessageBody="x")
        self.assertEqual((code, status), ("AccessDenied", 403))
        self.assertIn("User: %s is not authorized to perform: sqs:SendMessage" % session, message)

    def test_forged_or_missing_session_tokens_are_refused(self):
        creds = self.sts("alice").assume_role(RoleArn=ROLE % "reader",
                                              RoleSessionName="forger")["Credentials"]
        token = creds["SessionToken"]
        forged = dict(creds, SessionToken=token[:-1] + ("A" if token[-1] != "A" else "B"))
        expected = ("InvalidClientTokenId",
                    "The security token included in the request is invalid.", 403)
        self.assertEqual(self.error(self.as_creds("sts", forged).get_caller_identity), expected)
        missing = self.server.boto3_client("sts", aws_access_key_id=creds["AccessKeyId"],
                                           aws_secret_access_key=creds["SecretAccessKey"])
        self.assertEqual(self.error(missing.get_caller_identity), expected)
        # A JSON protocol names it as its own.
        code, _, _ = self.error(self.as_creds("dynamodb", forged).list_tables)
        self.assertEqual(code, "UnrecognizedClientException")
        # S3 answers with its own code and message.
        code, message, status = self.error(self.as_creds("s3", forged).list_buckets)
        self.assertEqual((code, message, status),
                         ("InvalidToken", "The provided token is malformed or otherwise invalid.",
                          400))
        # Nothing was spoiled: the real token still signs.
        self.assertEqual(self.as_creds("sts", creds).get_caller_identity()["Arn"],
                         "arn:aws:sts::%s:assumed-role/reader/forger" % ACCOUNT)

    def test_the_trust_policy_decides_who_may_assume(self):
        # Trusting the account delegates to the caller's own policies.
        code, message, status = self.error(self.sts("alice").assume_role,
                                           RoleArn=ROLE % "account-role", RoleSessionName="aa")
        self.assertEqual((code, status), ("AccessDenied", 403))
        self.assertEqual(message, "User: %s is not authorized to perform: sts:AssumeRole on "
                                  "resource: %s" % (USER % "alice", ROLE % "account-role"))
        self.sts("bob").assume_role(RoleArn=ROLE % "account-role", RoleSessionName="bb")
        code, message, _ = self.error(self.sts("bob").assume_role, RoleArn=ROLE % "reader",
                                      RoleSessionName="bb")
        self.assertEqual(code, "AccessDenied")
        code, message, _ = self.error(self.server.boto3_client("sts").assume_role,
                                      RoleArn=ROLE % "reader", RoleSessionName="root")
        self.assertEqual((code, message), ("AccessDenied", "Roles may not be assumed by root accounts."))
        code, message, _ = self.error(self.sts("alice").assume_role, RoleArn=ROLE % "no-such-role",
                                      RoleSessionName="aa")
        self.assertEqual(code, "AccessDenied")
        self.assertIn("sts:AssumeRole on resource: %s" % (ROLE % "no-such-role"), message)

    def test_external_id_condition(self):
        sts = self.sts("alice")
        for extra in ({}, {"ExternalId": "wrong-id"}):
            code, _, _ = self.error(sts.assume_role, RoleArn=ROLE % "ext-role",
                                    RoleSessionName="ee", **extra)
            self.assertEqual(code, "AccessDenied")
        sts.assume_role(RoleArn=ROLE % "ext-role", RoleSessionName="ee", ExternalId="ext-1234")

    def test_duration_bounds(self):
        sts = self.unchecked("alice")
        code, message, status = self.error(sts.assume_role, RoleArn=ROLE % "reader",
                                           RoleSessionName="dd", DurationSeconds=899)
        self.assertEqual((code, status), ("ValidationError", 400))
        self.assertEqual(message, "1 validation error detected: Value '899' at 'durationSeconds' "
                                  "failed to satisfy constraint: Member must have value greater "
                                  "than or equal to 900")
        code, message, _ = self.error(sts.assume_role, RoleArn=ROLE % "reader",
                                      RoleSessionName="dd", DurationSeconds=7200)
        self.assertEqual((code, message), ("ValidationError", "The requested DurationSeconds "
                                           "exceeds the MaxSessionDuration set for this role."))
        code, message, _ = self.error(sts.assume_role, RoleArn=ROLE % "reader",
                                      RoleSessionName="bad name!")
        self.assertEqual(code, "ValidationError")
        self.assertIn("at 'roleSessionName' failed to satisfy constraint: Member must satisfy "
                      "regular expression pattern: [\\w+=,.@-]*", message)
        # Role chaining: a session assuming a role gets an hour at most.
        creds = sts.assume_role(RoleArn=ROLE % "reader", RoleSessionName="cc")["Credentials"]
        code, message, _ = self.error(self.as_creds("sts", creds).assume_role,
                                      RoleArn=ROLE % "reader", RoleSessionName="c2",
                                      DurationSeconds=3601)
        self.assertEqual(message, "The requested DurationSeconds exceeds the 1 hour session limit "
                                  "for roles assumed by role chaining.")

    def test_session_policy_intersects_the_role(self):
        sts = self.sts("alice")
        out = sts.assume_role(RoleArn=ROLE % "reader", RoleSessionName="narrow", Policy=doc(
            {"Effect": "Allow", "Action": "sqs:GetQueueUrl", "Resource": "*"}))
        self.assertIn("PackedPolicySize", out)
        sqs = self.as_creds("sqs", out["Credentials"])
        sqs.get_queue_url(QueueName="sts-q")
        code, message, _ = self.error(sqs.send_message, QueueUrl=self.queue, MessageBody="x")
        self.assertEqual(code, "AccessDenied")
        self.assertIn("because no session policy allows the sqs:SendMessage action", message)
        code, _, status = self.error(sts.assume_role, RoleArn=ROLE % "reader",
                                     RoleSessionName="bad", Policy='{"Statement": 1}')
        self.assertEqual((code, status), ("MalformedPolicyDocument", 400))

    def test_session_tags_need_tag_session_and_reach_conditions(self):
        sts = self.sts("alice")
        code, message, _ = self.error(sts.assume_role, RoleArn=ROLE % "reader",
                                      RoleSessionName="tt", Tags=[{"Key": "team", "Value": "blue"}])
        self.assertEqual(code, "AccessDenied")
        self.assertIn("sts:TagSession", message)
        for team, allowed in (("blue", True), ("red", False)):
            creds = sts.assume_role(RoleArn=ROLE % "tag-role", RoleSessionName="t-" + team,
                                    Tags=[{"Key": "team", "Value": team}])["Credentials"]
            sqs = self.as_creds("sqs", creds)
            if allowed:
                sqs.send_message(QueueUrl=self.queue, MessageBody=team)
            else:
                code, _, _ = self.error(sqs.send_message, QueueUrl=self.queue, MessageBody=team)
                self.assertEqual(code, "AccessDenied")

    def test_get_session_token(self):
        out = self.sts("alice").get_session_token(DurationSeconds=900)
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        sts = self.as_creds("sts", creds)
        self.assertEqual(sts.get_caller_identity()["Arn"], USER % "alice")
        code, message, _ = self.error(sts.get_session_token)
        self.assertEqual((code, message), ("AccessDenied", "Cannot call GetSessionToken with "
                                                           "session credentials"))
        # The root's sessions last an hour at most.
        now = datetime.datetime.now(datetime.timezone.utc)
        root = self.server.boto3_client("sts").get_session_token(DurationSeconds=7200)
        self.assertLess(root["Credentials"]["Expiration"] - now, datetime.timedelta(minutes=61))
        code, _, _ = self.error(self.unchecked("alice").get_session_token, DurationSeconds=100)
        self.assertEqual(code, "ValidationError")


class AssumeRoleOffTest(StsCase):
    """The default --iam off: no trust policy is evaluated, so the root pair
    assumes any role that exists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.server.boto3_client("iam").create_role(
            RoleName="dev-role", AssumeRolePolicyDocument=trust(USER % "someone-else"))

    def test_root_assumes_an_existing_role(self):
        out = self.server.boto3_client("sts").assume_role(RoleArn=ROLE % "dev-role",
                                                          RoleSessionName="dev")
        ident = self.as_creds("sts", out["Credentials"]).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:sts::%s:assumed-role/dev-role/dev" % ACCOUNT)
        code, _, _ = self.error(self.server.boto3_client("sts").assume_role,
                                RoleArn=ROLE % "missing", RoleSessionName="dev")
        self.assertEqual(code, "AccessDenied")

    def test_aws_cli(self):
        _, out, _ = self.server.aws_cli("sts", "assume-role", "--role-arn", ROLE % "dev-role",
                                        "--role-session-name", "cli", "--duration-seconds", "900")
        got = json.loads(out)
        self.assertEqual(got["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::%s:assumed-role/dev-role/cli" % ACCOUNT)
        self.assertTrue(got["Credentials"]["AccessKeyId"].startswith("ASIA"))
        _, out, _ = self.server.aws_cli("sts", "get-session-token")
        self.assertTrue(json.loads(out)["Credentials"]["SessionToken"])
        code, _, err = self.server.aws_cli("sts", "assume-role", "--role-arn", ROLE % "dev-role",
                                           "--role-session-name", "bad name!", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("ValidationError", err)


if __name__ == "__main__":
    unittest.main()
