"""STS GetCallerIdentity through every client: the proof of the whole path
(edge -> SigV4 -> protocol engine -> service -> serializer)."""

import json
import re
import shutil
import subprocess
import unittest

from harness import ACCOUNT, ServerTestCase, require_boto3


class StsBoto3Test(ServerTestCase):
    def setUp(self):
        require_boto3()

    def test_get_caller_identity(self):
        sts = self.server.boto3_client("sts")
        ident = sts.get_caller_identity()
        self.assertEqual(ident["Account"], ACCOUNT)
        self.assertEqual(ident["Arn"], "arn:aws:iam::%s:root" % ACCOUNT)
        self.assertEqual(ident["UserId"], ACCOUNT)
        self.assertRegex(ident["ResponseMetadata"]["RequestId"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(ident["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_wrong_secret_is_signature_does_not_match(self):
        from botocore.exceptions import ClientError
        sts = self.server.boto3_client("sts", aws_secret_access_key="not-the-secret")
        with self.assertRaises(ClientError) as cm:
            sts.get_caller_identity()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_unknown_access_key_is_invalid_client_token_id(self):
        from botocore.exceptions import ClientError
        sts = self.server.boto3_client("sts", aws_access_key_id="AKIDUNKNOWN")
        with self.assertRaises(ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_unimplemented_operation_is_a_clear_error(self):
        from botocore.exceptions import ClientError
        sts = self.server.boto3_client("sts")
        with self.assertRaises(ClientError) as cm:
            sts.get_federation_token(Name="not-served")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 501)

    def test_per_operation_metrics(self):
        sts = self.server.boto3_client("sts")
        before = self._count()
        for _ in range(3):
            sts.get_caller_identity()
        self.assertEqual(self._count(), before + 3)

    def _count(self):
        m = re.search(r'^nimbus_request_duration_seconds_count\{service="sts",'
                      r'operation="GetCallerIdentity"\} (\d+)$', self.server.metrics(), re.M)
        return int(m.group(1)) if m else 0

    def test_many_calls_on_one_keep_alive_connection(self):
        sts = self.server.boto3_client("sts")
        for _ in range(50):
            self.assertEqual(sts.get_caller_identity()["Account"], ACCOUNT)


class StsJsonFormTest(ServerTestCase):
    """awsJson 1.0 with X-Amz-Target, the form newer SDK generations may send."""

    def test_json_get_caller_identity(self):
        require_boto3()
        import urllib.request
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method="POST", url=self.server.endpoint + "/", data=b"{}", headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AWSSecurityTokenServiceV20110615.GetCallerIdentity"})
        SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(req)
        p = req.prepare()
        r = urllib.request.urlopen(urllib.request.Request(
            p.url, data=p.body, headers=dict(p.headers), method="POST"))
        self.assertEqual(r.status, 200)
        body = json.loads(r.read())
        self.assertEqual(body["Account"], ACCOUNT)
        self.assertEqual(body["Arn"], "arn:aws:iam::%s:root" % ACCOUNT)
        self.assertTrue(r.headers["x-amzn-RequestId"])


class StsCliTest(ServerTestCase):
    def test_cli_get_caller_identity(self):
        _, out, _ = self.server.aws_cli("sts", "get-caller-identity")
        ident = json.loads(out)
        self.assertEqual(ident["Account"], ACCOUNT)
        self.assertEqual(ident["Arn"], "arn:aws:iam::%s:root" % ACCOUNT)

    def test_cli_bad_secret_fails_with_aws_error(self):
        aws = shutil.which("aws")
        if aws is None:
            raise unittest.SkipTest("the AWS CLI is not installed")
        env = self.server.client_env()
        env["AWS_SECRET_ACCESS_KEY"] = "wrong"
        p = subprocess.run([aws, "--endpoint-url", self.server.endpoint, "sts",
                            "get-caller-identity"], env=env, capture_output=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", p.stderr.decode())


class StsAuthOffTest(ServerTestCase):
    server_args = ("--auth", "off", "--account-id", "123456789012")

    def test_any_credentials_accepted_when_auth_off(self):
        require_boto3()
        sts = self.server.boto3_client("sts", aws_access_key_id="anything",
                                       aws_secret_access_key="whatever")
        self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")


if __name__ == "__main__":
    unittest.main()
