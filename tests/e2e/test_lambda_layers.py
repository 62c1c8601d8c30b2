"""Lambda layers through boto3 (current and Debian's 1.26) and the AWS CLI:
PublishLayerVersion from ZipFile and from an S3 object, Get / GetByArn /
List / ListVersions with filters and paging, layer permissions, delete, and
the layer table surviving kill -9; Python and Node functions importing from
their layers, and UpdateFunctionConfiguration swapping a layer version."""

import io
import json
import os
import tempfile
import unittest
import urllib.request
import zipfile

from harness import ACCOUNT, REGION, Server, ServerTestCase, require_boto3, wait_until

ARN = "arn:aws:lambda:%s:%s:layer:" % (REGION, ACCOUNT)
ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def layer_zip(text):
    return zip_of({"python/mod.py": "VALUE = %r\n" % text})


class LambdaLayersTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        require_boto3()
        super().setUpClass()
        cls.lam = cls.server.boto3_client("lambda")
        cls.s3 = cls.server.boto3_client("s3")

    def test_publish_get_list_delete(self):
        v1 = self.lam.publish_layer_version(
            LayerName="deps", Description="first", Content={"ZipFile": layer_zip("one")},
            CompatibleRuntimes=["python3.11"], CompatibleArchitectures=["x86_64"],
            LicenseInfo="MIT")
        self.assertEqual(v1["LayerVersionArn"], ARN + "deps:1")
        self.assertEqual(v1["LayerArn"], ARN + "deps")
        self.assertEqual(v1["Version"], 1)
        self.assertEqual(v1["Content"]["CodeSize"], len(layer_zip("one")))
        self.assertEqual(len(v1["Content"]["CodeSha256"]), 44)
        self.assertIn("CreatedDate", v1)

        self.s3.create_bucket(Bucket="layer-code")
        self.s3.put_object(Bucket="layer-code", Key="deps.zip", Body=layer_zip("two"))
        v2 = self.lam.publish_layer_version(
            LayerName="deps", Content={"S3Bucket": "layer-code", "S3Key": "deps.zip"},
            CompatibleRuntimes=["nodejs20.x"])
        self.assertEqual(v2["Version"], 2)
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.publish_layer_version(
                LayerName="deps", Content={"S3Bucket": "layer-code", "S3Key": "missing.zip"})
        self.assertIn("S3 Error Code: NoSuchKey", e.exception.response["Error"]["Message"])

        got = self.lam.get_layer_version(LayerName="deps", VersionNumber=1)
        self.assertEqual(got["Description"], "first")
        self.assertEqual(got["CompatibleRuntimes"], ["python3.11"])
        # Content.Location downloads the layer's zip (a presigned URL on AWS).
        with urllib.request.urlopen(got["Content"]["Location"], timeout=10) as r:
            with zipfile.ZipFile(io.BytesIO(r.read())) as z:
                self.assertEqual(z.read("python/mod.py"), b"VALUE = 'one'\n")
        self.assertEqual(self.lam.get_layer_version_by_arn(Arn=ARN + "deps:2")["Version"], 2)

        versions = self.lam.list_layer_versions(LayerName="deps")["LayerVersions"]
        self.assertEqual([v["Version"] for v in versions], [2, 1])
        py = self.lam.list_layer_versions(LayerName="deps", CompatibleRuntime="python3.11")
        self.assertEqual([v["Version"] for v in py["LayerVersions"]], [1])
        pages = self.lam.get_paginator("list_layer_versions").paginate(
            LayerName="deps", PaginationConfig={"PageSize": 1})
        self.assertEqual([v["Version"] for p in pages for v in p["LayerVersions"]], [2, 1])
        layers = {l["LayerName"]: l for l in self.lam.list_layers()["Layers"]}
        self.assertEqual(layers["deps"]["LatestMatchingVersion"]["Version"], 2)

        self.lam.delete_layer_version(LayerName="deps", VersionNumber=2)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as e:
            self.lam.get_layer_version(LayerName="deps", VersionNumber=2)
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "The resource you requested does not exist.")
        self.assertEqual(self.lam.publish_layer_version(
            LayerName="deps", Content={"ZipFile": layer_zip("three")})["Version"], 3)

    def invoke(self, name):
        r = self.lam.invoke(FunctionName=name, Payload=b"{}")
        self.assertNotIn("FunctionError", r)
        return json.loads(r["Payload"].read())

    def test_functions_run_with_their_layers(self):
        one = self.lam.publish_layer_version(
            LayerName="pylib", Content={"ZipFile": layer_zip("one")})["LayerVersionArn"]
        two = self.lam.publish_layer_version(
            LayerName="pylib", Content={"ZipFile": layer_zip("two")})["LayerVersionArn"]
        created = self.lam.create_function(
            FunctionName="py-layers", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Layers=[one], Code={"ZipFile": zip_of({"app.py": (
                "import mod\n"
                "def handler(event, context):\n"
                "    return mod.VALUE\n")})})
        self.assertEqual(created["Layers"], [{"Arn": one, "CodeSize": len(layer_zip("one"))}])
        self.assertEqual(self.invoke("py-layers"), "one")
        self.lam.update_function_configuration(FunctionName="py-layers", Layers=[two])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="py-layers")
        got = self.lam.get_function(FunctionName="py-layers")["Configuration"]
        self.assertEqual([l["Arn"] for l in got["Layers"]], [two])
        self.assertEqual(self.invoke("py-layers"), "two")

        node = self.lam.publish_layer_version(
            LayerName="nodelib", CompatibleRuntimes=["nodejs20.x"],
            Content={"ZipFile": zip_of({
                "nodejs/node_modules/greeting/index.js": "exports.hello = () => 'hi';\n"})})
        self.lam.create_function(
            FunctionName="node-layers", Runtime="nodejs20.x", Role=ROLE,
            Handler="index.handler", Layers=[node["LayerVersionArn"]],
            Code={"ZipFile": zip_of({"index.js": (
                "const greeting = require('greeting');\n"
                "exports.handler = async () => greeting.hello();\n")})})
        self.assertEqual(self.invoke("node-layers"), "hi")

        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.lam.update_function_configuration(
                FunctionName="py-layers", Layers=[ARN + "pylib:99"])
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Layer version %spylib:99 does not exist." % ARN)
        self.assertEqual(self.invoke("py-layers"), "two")

    def test_permissions(self):
        self.lam.publish_layer_version(LayerName="shared", Content={"ZipFile": layer_zip("s")})
        added = self.lam.add_layer_version_permission(
            LayerName="shared", VersionNumber=1, StatementId="all",
            Action="lambda:GetLayerVersion", Principal="*")
        statement = json.loads(added["Statement"])
        self.assertEqual(statement["Resource"], ARN + "shared:1")
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.add_layer_version_permission(
                LayerName="shared", VersionNumber=1, StatementId="all",
                Action="lambda:GetLayerVersion", Principal="*")
        policy = json.loads(self.lam.get_layer_version_policy(
            LayerName="shared", VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["all"])
        self.lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1,
                                                 StatementId="all")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as e:
            self.lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "No policy is associated with the given resource.")

    def test_aws_cli(self):
        with tempfile.NamedTemporaryFile(suffix=".zip", delete=False) as f:
            f.write(layer_zip("cli"))
        try:
            rc, out, err = self.server.aws_cli(
                "lambda", "publish-layer-version", "--layer-name", "cli-layer",
                "--zip-file", "fileb://" + f.name, "--compatible-runtimes", "python3.11")
        finally:
            os.unlink(f.name)
        self.assertEqual(json.loads(out)["LayerVersionArn"], ARN + "cli-layer:1")
        rc, out, err = self.server.aws_cli("lambda", "list-layer-versions", "--layer-name",
                                           "cli-layer")
        self.assertEqual(len(json.loads(out)["LayerVersions"]), 1)
        rc, out, err = self.server.aws_cli("lambda", "get-layer-version", "--layer-name",
                                           "cli-layer", "--version-number", "7", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("ResourceNotFoundException", err)

    def test_cloudformation_layer_version(self):
        cfn = self.server.boto3_client("cloudformation")
        self.s3.create_bucket(Bucket="cfn-layers")
        self.s3.put_object(Bucket="cfn-layers", Key="l.zip", Body=layer_zip("cfn"))
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {
                    "LayerName": "cfn-layer", "CompatibleRuntimes": ["python3.11"],
                    "Content": {"S3Bucket": "cfn-layers", "S3Key": "l.zip"}}},
                "Share": {"Type": "AWS::Lambda::LayerVersionPermission", "Properties": {
                    "LayerVersionArn": {"Ref": "Layer"}, "Action": "lambda:GetLayerVersion",
                    "Principal": "*"}}},
            "Outputs": {"Arn": {"Value": {"Ref": "Layer"}}},
        }

        def settled():
            s = cfn.describe_stacks(StackName="layers")["Stacks"][0]["StackStatus"]
            return None if s.endswith("IN_PROGRESS") else s

        cfn.create_stack(StackName="layers", TemplateBody=json.dumps(template))
        self.assertEqual(wait_until(settled), "CREATE_COMPLETE")
        outputs = cfn.describe_stacks(StackName="layers")["Stacks"][0]["Outputs"]
        self.assertEqual(outputs[0]["OutputValue"], ARN + "cfn-layer:1")
        policy = json.loads(self.lam.get_layer_version_policy(
            LayerName="cfn-layer", VersionNumber=1)["Policy"])
        self.assertEqual(len(policy["Statement"]), 1)
        cfn.delete_stack(StackName="layers")

        def gone():
            try:
                s = cfn.describe_stacks(StackName="layers")["Stacks"][0]["StackStatus"]
            except cfn.exceptions.ClientError:
                return True
            return s == "DELETE_COMPLETE"

        self.assertTrue(wait_until(gone))
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_layer_version(LayerName="cfn-layer", VersionNumber=1)


class LambdaLayersKill9Test(unittest.TestCase):
    def test_layers_survive_kill9(self):
        require_boto3()
        server = Server("--durability", "sync").start()
        try:
            lam = server.boto3_client("lambda")
            v1 = lam.publish_layer_version(LayerName="kept", Content={"ZipFile": layer_zip("k")})
            lam.publish_layer_version(LayerName="kept", Content={"ZipFile": layer_zip("l")})
            server.kill9()  # right after the answers
            server.start()
            lam = server.boto3_client("lambda")
            got = lam.get_layer_version(LayerName="kept", VersionNumber=1)
            self.assertEqual(got["Content"]["CodeSha256"], v1["Content"]["CodeSha256"])
            self.assertEqual(lam.publish_layer_version(
                LayerName="kept", Content={"ZipFile": layer_zip("m")})["Version"], 3)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
