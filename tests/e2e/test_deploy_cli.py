"""`nimbus deploy` (the real binary) against a real server: a SAM template
with a Python function in a local folder (its requirements.txt naming a
local wheel, installed by pip into the package when pip is there) and a
Node function (a local tarball dependency installed by npm); the outputs
printed; both functions answer; a redeploy without changes says so;
`--watch` puts a saved handler live with no stack update, and a saved
template through a change set; a template with a failing resource prints
the reason (and its template line, or its SAM resource's) and exits 1, and
a refused template the lines of the names its error lists; an
AWS::Serverless::LayerVersion from a local folder used by a function through
`Layers: [!Ref ...]`, redeployed as a new layer version when its folder
changes."""

import base64
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
import unittest
import zipfile

from harness import ServerTestCase, nimbus_binary, require_boto3, wait_until

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
Globals:
  Function:
    Timeout: 10
Resources:
  PyFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: py/
      Handler: app.handler
      Runtime: python3.11
      Environment: {Variables: {GREETING: !Ref Greeting}}
  NodeFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./node
      Handler: index.handler
      Runtime: nodejs20.x
Outputs:
  PyName: {Value: !Ref PyFn}
  NodeName: {Value: !Ref NodeFn}
"""

PY_HANDLER = """
import os
try:
    import mylib
    lib = mylib.VALUE
except ImportError:
    lib = None
def handler(event, context):
    return {"v": %d, "greeting": os.environ["GREETING"], "lib": lib}
"""

NODE_HANDLER = """
let lib = null;
try { lib = require("nodelib"); } catch (e) {}
exports.handler = async () => ({v: 1, lib});
"""


def wheel(path):
    """A pure-Python wheel of package `mylib`, built by hand (no network)."""
    files = {
        "mylib/__init__.py": b'VALUE = "wheel"\n',
        "mylib-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: mylib\nVersion: 1.0\n",
        "mylib-1.0.dist-info/WHEEL":
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "%s,sha256=%s,%d\n" % (name, digest, len(data))
    record += "mylib-1.0.dist-info/RECORD,,\n"
    files["mylib-1.0.dist-info/RECORD"] = record.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def node_tarball(path):
    with tarfile.open(path, "w:gz") as t:
        for name, data in {"package/package.json":
                           b'{"name":"nodelib","version":"1.0.0","main":"index.js"}',
                           "package/index.js": b'module.exports = "tarball";\n'}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


LAYER_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.11]
      RetentionPolicy: Delete
  UsesLayer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      Runtime: python3.11
      Layers: [!Ref Shared]
Outputs:
  Name: {Value: !Ref UsesLayer}
  Layer: {Value: !Ref Shared}
"""


class DeployCliTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        require_boto3()
        super().setUpClass()
        cls.lam = cls.server.boto3_client("lambda")
        cls.cfn = cls.server.boto3_client("cloudformation")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nimbus-deploy-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def nimbus(self, *args, timeout=120):
        p = subprocess.run([nimbus_binary(), "deploy"] + list(args) +
                           ["--endpoint-url", self.server.endpoint],
                           env=self.server.client_env(), capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def invoke(self, name):
        r = self.lam.invoke(FunctionName=name, Payload=b"{}")
        return json.loads(r["Payload"].read())

    def app(self):
        tmpl = self.write("app/template.yaml", TEMPLATE)
        self.write("app/py/app.py", PY_HANDLER % 1)
        os.makedirs(os.path.join(self.dir, "vendor"))
        wheel(os.path.join(self.dir, "vendor", "mylib-1.0-py3-none-any.whl"))
        self.write("app/py/requirements.txt",
                   "# installed offline from a local wheel\n../../vendor/mylib-1.0-py3-none-any.whl\n")
        tgz = os.path.join(self.dir, "vendor", "nodelib-1.0.0.tgz")
        node_tarball(tgz)
        self.write("app/node/index.js", NODE_HANDLER)
        self.write("app/node/package.json", json.dumps(
            {"name": "fn", "version": "1.0.0", "dependencies": {"nodelib": "file:" + tgz}}))
        return tmpl

    def test_layer_from_a_local_folder(self):
        tmpl = self.write("layered/template.yaml", LAYER_TEMPLATE)
        self.write("layered/layer/python/shared.py", "WHO = 'layer v1'\n")
        self.write("layered/fn/app.py",
                   "import shared\ndef handler(event, context):\n    return shared.WHO\n")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "layered")
        self.assertEqual(rc, 0, out + err)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   self.cfn.describe_stacks(StackName="layered")["Stacks"][0]["Outputs"]}
        self.assertEqual(self.invoke(outputs["Name"]), "layer v1")
        first = outputs["Layer"]
        self.assertRegex(first, r":layer:Shared:1$")
        got = self.lam.get_function_configuration(FunctionName=outputs["Name"])
        self.assertEqual([l["Arn"] for l in got["Layers"]], [first])

        self.write("layered/layer/python/shared.py", "WHO = 'layer v2'\n")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "layered")
        self.assertEqual(rc, 0, out + err)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   self.cfn.describe_stacks(StackName="layered")["Stacks"][0]["Outputs"]}
        self.assertRegex(outputs["Layer"], r":layer:Shared:2$")
        self.assertEqual(self.invoke(outputs["Name"]), "layer v2")
        # RetentionPolicy Delete: the replaced version is gone.
        versions = self.lam.list_layer_versions(LayerName="Shared")["LayerVersions"]
        self.assertEqual([v["Version"] for v in versions], [2])

    def test_deploy_redeploy_and_watch(self):
        tmpl = self.app()
        rc, out, err = self.nimbus(tmpl, "--stack-name", "cliapp")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("Successfully created stack cliapp", out)
        self.assertIn("CREATE_COMPLETE", out)
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in self.cfn.describe_stacks(StackName="cliapp")["Stacks"][0]["Outputs"]}
        self.assertIn("PyName: " + outputs["PyName"], out)
        self.assertIn("NodeName: " + outputs["NodeName"], out)

        py = self.invoke(outputs["PyName"])
        self.assertEqual(py["v"], 1)
        self.assertEqual(py["greeting"], "hello")
        if shutil.which("pip") or shutil.which("pip3"):
            self.assertEqual(py["lib"], "wheel", "pip installed the requirement into the package")
        node = self.invoke(outputs["NodeName"])
        if shutil.which("npm"):
            self.assertEqual(node["lib"], "tarball", "npm installed the dependency")

        rc, out, err = self.nimbus(tmpl, "--stack-name", "cliapp")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("No changes to deploy. Stack cliapp is up to date", out)
        self.assertNotIn("Uploaded", out)

        rc, out, err = self.nimbus(tmpl, "--stack-name", "cliapp",
                                   "--parameter-overrides", "Greeting=hi")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("Successfully updated stack cliapp", out)
        self.assertEqual(self.invoke(outputs["PyName"])["greeting"], "hi")

        events = len(self.cfn.describe_stack_events(StackName="cliapp")["StackEvents"])
        watch = subprocess.Popen([nimbus_binary(), "deploy", tmpl, "--stack-name", "cliapp",
                                  "--parameter-overrides", "Greeting=hi", "--watch",
                                  "--endpoint-url", self.server.endpoint],
                                 env=self.server.client_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(
            iter(lambda: watch.stdout.readline().decode(), "")), daemon=True)
        reader.start()

        def printed(text):
            return wait_until(lambda: any(text in line for line in lines), timeout=30)

        try:
            self.assertTrue(printed("Watching"), "".join(lines))
            self.write("app/py/app.py", PY_HANDLER % 2)
            saved = time.time()
            got = wait_until(lambda: self.invoke(outputs["PyName"])["v"] == 2, timeout=10)
            self.assertTrue(got, "the saved handler answers: " + "".join(lines))
            print("\n  code update through --watch: %.0f ms" % ((time.time() - saved) * 1000))
            if shutil.which("pip") or shutil.which("pip3"):
                self.assertEqual(self.invoke(outputs["PyName"])["lib"], "wheel")
            after = len(self.cfn.describe_stack_events(StackName="cliapp")["StackEvents"])
            self.assertEqual(after, events, "a code-only change updates no stack")
            self.assertTrue(printed("Updated code of PyFn"), "".join(lines))

            # A template change is a change set.
            self.write("app/template.yaml", TEMPLATE.replace("Timeout: 10", "Timeout: 12"))
            self.assertTrue(printed("Successfully updated stack cliapp"), "".join(lines))
            conf = self.lam.get_function_configuration(FunctionName=outputs["PyName"])
            self.assertEqual(conf["Timeout"], 12)
            self.assertEqual(self.invoke(outputs["PyName"])["v"], 2)
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=10)
            reader.join(5)
        self.assertEqual(watch.returncode, 0, "".join(lines))

    def test_failing_resource_prints_the_reason(self):
        tmpl = self.write("bad/template.yaml", """
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 999999}
""")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "badapp")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("CREATE_FAILED", out)
        self.assertIn("ROLLBACK_COMPLETE", err)
        self.assertIn("Q (template.yaml line 3): Invalid value for the parameter VisibilityTimeout",
                      err)

        rc, out, err = self.nimbus(os.path.join(self.dir, "missing.yaml"))
        self.assertNotEqual(rc, 0)

    def test_refused_templates_name_their_lines(self):
        # A name the template refers to but does not declare: the line that
        # refers to it.
        tmpl = self.write("refs/template.yaml", """
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Gone.Arn, maxReceiveCount: 3}
""")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "refs")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Template error: instance of Fn::GetAtt references undefined resource "
                      "Gone (Gone: template.yaml line 6)", err)
        tmpl = self.write("refs/template.yaml", """
Resources:
  Q:
    Type: AWS::SQS::Queue
  P:
    Type: AWS::SQS::QueuePolicy
    Properties: {Queues: [!Ref Gone], PolicyDocument: {Statement: []}}
""")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "refs")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Unresolved resource dependencies [Gone] in the Resources block of the "
                      "template (Gone: template.yaml line 7)", err)
        # A type nimbus does not serve: the line that names it.
        tmpl = self.write("types/template.yaml", """
Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: x}
""")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "types")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Unrecognized resource types: [AWS::SSM::Parameter] "
                      "(AWS::SSM::Parameter: template.yaml line 4)", err)
        # A resource the SAM transform made fails: the SAM resource's line.
        tmpl = self.write("sam/template.yaml", """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return e"
      Handler: index.handler
      Runtime: python3.11
      Events:
        Work:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:000000000000:no-such-queue}
""")
        rc, out, err = self.nimbus(tmpl, "--stack-name", "samfail")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("FnWork (from Fn, template.yaml line 4): ", err)


if __name__ == "__main__":
    unittest.main()
