"""STS AssumeRoleWithWebIdentity end to end under `--iam enforce` (issue 16
item 2): an OpenID issuer served by the test (discovery and JWKS on an
ephemeral port, tokens signed with `cryptography`), an IAM OIDC provider for
it, and a role whose trust policy names the provider with `aud` and `sub`
conditions. boto3's web identity credential provider (AWS_WEB_IDENTITY_TOKEN_FILE
and AWS_ROLE_ARN) gets a session that may use its queues and nothing else;
wrong audiences, other subjects, forged and expired tokens are refused with
AWS's errors."""

import datetime
import json
import os
import tempfile
import time
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3

QUEUES = "arn:aws:sqs:*:%s:web-*" % ACCOUNT


class WebIdentityTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("python cryptography is not installed")
        from test_apigw_jwt import Issuer
        cls.issuer = Issuer()
        host = cls.issuer.url[len("http://"):]
        iam = cls.server.boto3_client("iam")
        cls.provider = iam.create_open_id_connect_provider(
            Url=cls.issuer.url, ClientIDList=["webapp"],
            ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": cls.provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {host + ":aud": "webapp"},
                          "StringLike": {host + ":sub": "user-*"}}}]}
        cls.role = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"]["Arn"]
        iam.put_role_policy(RoleName="web", PolicyName="queues", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUES}]}))
        cls.queue = cls.server.boto3_client("sqs").create_queue(QueueName="web-q")["QueueUrl"]

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "issuer"):
            cls.issuer.close()
        super().tearDownClass()

    def unsigned_sts(self):
        from botocore import UNSIGNED
        from botocore.config import Config
        return self.server.boto3_client("sts", config=Config(signature_version=UNSIGNED))

    def assume(self, token, **kwargs):
        return self.unsigned_sts().assume_role_with_web_identity(
            RoleArn=kwargs.pop("RoleArn", self.role), RoleSessionName="s1",
            WebIdentityToken=token, **kwargs)

    def error(self, token, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.assume(token, **kwargs)
        e = cm.exception.response
        return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]

    def test_the_sdks_web_identity_provider_gets_the_roles_permissions(self):
        import boto3
        import botocore
        from botocore.exceptions import ClientError
        if tuple(int(p) for p in botocore.__version__.split(".")[:2]) < (1, 31):
            self.skipTest("botocore %s ignores AWS_ENDPOINT_URL for the credential provider's STS"
                          % botocore.__version__)
        with tempfile.NamedTemporaryFile("w", suffix=".jwt", delete=False) as f:
            f.write(self.issuer.token(sub="user-7"))
        saved = dict(os.environ)
        try:
            env = self.server.client_env()
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                env.pop(k, None)
            env.update({"AWS_WEB_IDENTITY_TOKEN_FILE": f.name, "AWS_ROLE_ARN": self.role,
                        "AWS_ROLE_SESSION_NAME": "ci-run"})
            os.environ.clear()
            os.environ.update(env)
            session = boto3.session.Session()
            who = session.client("sts").get_caller_identity()
            self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/web/ci-run" % ACCOUNT)
            sqs = session.client("sqs")
            sqs.send_message(QueueUrl=self.queue, MessageBody="from a web identity")
            with self.assertRaises(ClientError) as cm:
                sqs.create_queue(QueueName="elsewhere")
            self.assertIn(cm.exception.response["Error"]["Code"],
                          ("AccessDenied", "AccessDeniedException"))
        finally:
            os.environ.clear()
            os.environ.update(saved)
            os.unlink(f.name)
        got = self.server.boto3_client("sqs").receive_message(QueueUrl=self.queue)
        self.assertEqual(got["Messages"][0]["Body"], "from a web identity")

    def test_a_good_token_is_answered_like_aws(self):
        out = self.assume(self.issuer.token(), DurationSeconds=900)
        # The audit log names the token's subject and the session it got.
        with open(os.path.join(self.server.data_dir, "audit.jsonl")) as f:
            events = [json.loads(line) for line in f if line.strip()]
        minted = [e for e in events if e.get("responseElements", {}).get("credentials", {}).get(
            "accessKeyId") == out["Credentials"]["AccessKeyId"]]
        self.assertEqual(len(minted), 1, events)
        host = self.issuer.url[len("http://"):]
        self.assertEqual(minted[0]["userIdentity"], {
            "type": "WebIdentityUser", "principalId": host + ":webapp:user-1",
            "userName": "user-1", "identityProvider": host})
        self.assertEqual(out["SubjectFromWebIdentityToken"], "user-1")
        self.assertEqual(out["Audience"], "webapp")
        self.assertEqual(out["Provider"], self.issuer.url)
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::%s:assumed-role/web/s1" % ACCOUNT)
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        left = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs(left.total_seconds() - 900), 60)

    def test_bad_tokens_and_untrusted_claims_are_refused(self):
        from cryptography.hazmat.primitives.asymmetric import rsa
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.assertEqual(self.error(self.issuer.token(aud="other"))[:2],
                         ("InvalidIdentityToken", "Incorrect token audience"))
        code, message, status = self.error(self.issuer.token(exp=int(time.time()) - 60))
        self.assertEqual((code, status), ("ExpiredTokenException", 400))
        self.assertEqual(self.error(self.issuer.token(key=other_key))[0], "InvalidIdentityToken")
        self.assertEqual(self.error(self.issuer.token(iss="https://elsewhere.example"))[:2],
                         ("InvalidIdentityToken", "No OpenIDConnect provider found in your "
                          "account for https://elsewhere.example"))
        denied = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        self.assertEqual(self.error(self.issuer.token(sub="admin")), denied)
        self.assertEqual(self.error(self.issuer.token(),
                                    RoleArn="arn:aws:iam::%s:role/nope" % ACCOUNT), denied)

    def test_the_provider_is_read_through_the_cli_and_bad_urls_refused(self):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.server.boto3_client("iam").create_open_id_connect_provider(
                Url="http://idp.example.com", ThumbprintList=["0" * 40])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidInput")
        out = json.loads(self.server.aws_cli(
            "iam", "get-open-id-connect-provider",
            "--open-id-connect-provider-arn", self.provider)[1])
        self.assertEqual(out["Url"], self.issuer.url[len("http://"):])
        self.assertEqual(out["ClientIDList"], ["webapp"])

if __name__ == "__main__":
    unittest.main()
