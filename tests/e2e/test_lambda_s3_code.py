"""Lambda code from nimbus's S3 (Code.S3Bucket / S3Key) through boto3
(current and Debian's 1.26) and the AWS CLI: a function created from an
object, updated from another key, AWS's error for a missing key or bucket;
and a SAM template whose CodeUri is s3://bucket/key deployed through
CloudFormation."""

import io
import json
import unittest
import zipfile

from harness import ACCOUNT, ServerTestCase, require_boto3, wait_until

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT


def py_zip(answer):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return %r\n" % answer)
    return buf.getvalue()


class LambdaS3CodeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        require_boto3()
        super().setUpClass()
        cls.s3 = cls.server.boto3_client("s3")
        cls.lam = cls.server.boto3_client("lambda")
        cls.s3.create_bucket(Bucket="code")

    def invoke(self, name):
        r = self.lam.invoke(FunctionName=name, Payload=b"{}")
        return json.loads(r["Payload"].read())

    def test_create_update_and_missing_objects(self):
        self.s3.put_object(Bucket="code", Key="fn/v1.zip", Body=py_zip("one"))
        created = self.lam.create_function(
            FunctionName="from-s3", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"S3Bucket": "code", "S3Key": "fn/v1.zip"})
        self.assertEqual(created["CodeSize"], len(py_zip("one")))
        self.assertEqual(self.invoke("from-s3"), "one")

        self.s3.put_object(Bucket="code", Key="fn/v2.zip", Body=py_zip("two"))
        self.lam.update_function_code(FunctionName="from-s3", S3Bucket="code", S3Key="fn/v2.zip")
        self.assertEqual(self.invoke("from-s3"), "two")

        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.update_function_code(FunctionName="from-s3", S3Bucket="code",
                                          S3Key="fn/missing.zip")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                         "S3 Error Message: The specified key does not exist.")
        self.assertEqual(self.invoke("from-s3"), "two")

        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.create_function(
                FunctionName="no-bucket", Runtime="python3.11", Role=ROLE,
                Handler="app.handler", Code={"S3Bucket": "no-such-bucket", "S3Key": "k.zip"})
        self.assertIn("S3 Error Code: NoSuchBucket.", e.exception.response["Error"]["Message"])
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName="no-bucket")

    def test_aws_cli_update_from_s3(self):
        self.s3.put_object(Bucket="code", Key="cli/v1.zip", Body=py_zip("cli-one"))
        self.s3.put_object(Bucket="code", Key="cli/v2.zip", Body=py_zip("cli-two"))
        self.server.aws_cli("lambda", "create-function", "--function-name", "cli-s3",
                            "--runtime", "python3.11", "--role", ROLE, "--handler", "app.handler",
                            "--code", "S3Bucket=code,S3Key=cli/v1.zip")
        self.assertEqual(self.invoke("cli-s3"), "cli-one")
        self.server.aws_cli("lambda", "update-function-code", "--function-name", "cli-s3",
                            "--s3-bucket", "code", "--s3-key", "cli/v2.zip")
        self.assertEqual(self.invoke("cli-s3"), "cli-two")
        rc, out, err = self.server.aws_cli("lambda", "update-function-code", "--function-name",
                                           "cli-s3", "--s3-bucket", "code", "--s3-key", "nope",
                                           check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidParameterValueException", err)
        self.assertIn("S3 Error Code: NoSuchKey", err)

    def test_sam_code_uri_from_s3(self):
        cfn = self.server.boto3_client("cloudformation")
        self.s3.put_object(Bucket="code", Key="sam/app.zip", Body=py_zip("sam"))
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "AWS::Serverless-2016-10-31",
            "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
                "Runtime": "python3.11", "Handler": "app.handler",
                "CodeUri": "s3://code/sam/app.zip"}}},
            "Outputs": {"Name": {"Value": {"Ref": "Fn"}}},
        }
        cfn.create_stack(StackName="s3code", TemplateBody=json.dumps(template),
                         Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
        status = wait_until(lambda: (lambda s: s if not s.endswith("IN_PROGRESS") else None)(
            cfn.describe_stacks(StackName="s3code")["Stacks"][0]["StackStatus"]))
        self.assertEqual(status, "CREATE_COMPLETE")
        outputs = cfn.describe_stacks(StackName="s3code")["Stacks"][0]["Outputs"]
        self.assertEqual(self.invoke(outputs[0]["OutputValue"]), "sam")


if __name__ == "__main__":
    unittest.main()
