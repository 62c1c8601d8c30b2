"""The official AWS Lambda Node.js runtime interface client (aws-lambda-ric,
pinned in package.json, built by `npm ci` here) as a `provided` function:
the zip holds a `bootstrap` that starts the client, the client itself and
function/index.mjs. Driven through the Lambda API with boto3 (current and
Debian's 1.26) and the AWS CLI against a real server.

Skips only when the client is not installed (scripts/setup.sh installs it)."""

import base64
import io
import json
import os
import re
import sys
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

from harness import ACCOUNT, ServerTestCase, require_boto3, wait_until  # noqa: E402

CONTEXT_ERROR = "Client context must be a valid Base64-encoded JSON object."

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT
RIC = os.path.join(HERE, "node_modules", "aws-lambda-ric")
# The client's runtime files; its build inputs (deps/, src/, node-gyp) stay out.
RIC_FILES = ("package.json", "bin", "dist")


def ric_installed():
    return os.path.exists(os.path.join(RIC, "dist", "rapid-client.node"))


def add_tree(z, src, prefix):
    paths = [src] if os.path.isfile(src) else [
        os.path.join(d, f) for d, _, files in os.walk(src) for f in files]
    for path in sorted(paths):
        info = zipfile.ZipInfo(prefix + os.path.relpath(path, os.path.dirname(src)))
        info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())


def function_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(os.listdir(os.path.join(HERE, "function"))):
            add_tree(z, os.path.join(HERE, "function", name), "")
        for name in RIC_FILES:
            add_tree(z, os.path.join(RIC, name), "node_modules/aws-lambda-ric/")
    return buf.getvalue()


class RicTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        if not ric_installed():
            raise unittest.SkipTest("aws-lambda-ric is not installed in %s "
                                    "(scripts/setup.sh runs npm ci there)" % HERE)
        require_boto3()
        super().setUpClass()
        cls.zip = function_zip()
        cls.lam = cls.server.boto3_client("lambda")

    def create(self, name, handler, runtime="provided.al2023", **kw):
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE,
                                 Handler=handler, Code={"ZipFile": self.zip},
                                 Timeout=10, **kw)

    def invoke(self, name, payload, **kw):
        r = self.lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kw)
        self.assertEqual(r["StatusCode"], 200)
        return r, json.loads(r["Payload"].read())

    def assert_error(self, name, payload, error_type, message):
        r, body = self.invoke(name, payload)
        self.assertEqual(r.get("FunctionError"), "Unhandled", body)
        self.assertEqual(body["errorType"], error_type)
        self.assertEqual(body["errorMessage"], message)
        return body

    def test_async_handler_result_and_context(self):
        self.create("ric-async", "index.handler")
        r, body = self.invoke("ric-async", {"order": 42})
        self.assertNotIn("FunctionError", r)
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        self.assertEqual(body["echo"], {"order": 42})
        self.assertTrue(body["waited"])
        self.assertEqual(body["requestId"], r["ResponseMetadata"]["RequestId"])
        self.assertEqual(body["functionName"], "ric-async")
        self.assertEqual(body["functionVersion"], "$LATEST")
        self.assertEqual(body["invokedFunctionArn"],
                         "arn:aws:lambda:us-east-1:%s:function:ric-async" % ACCOUNT)
        self.assertEqual(body["memoryLimitInMB"], "128")
        self.assertEqual(body["logGroupName"], "/aws/lambda/ric-async")
        self.assertTrue(0 < body["remainingBefore"] <= 10000, body)
        # The handler awaited 50 ms between the two readings.
        self.assertLessEqual(body["remainingAfter"], body["remainingBefore"] - 40)
        # The same (warm) client answers the next one with its own request id.
        r2, body2 = self.invoke("ric-async", {"order": 43})
        self.assertEqual(body2["echo"], {"order": 43})
        self.assertEqual(body2["requestId"], r2["ResponseMetadata"]["RequestId"])
        self.assertNotEqual(body2["requestId"], body["requestId"])

    def test_handler_error_type_from_the_body(self):
        # The client sends no Lambda-Runtime-Function-Error-Type header for a
        # handler's error: the type comes from the body it posts.
        self.create("ric-error", "index.handler", runtime="provided.al2")
        body = self.assert_error("ric-error", {"fail": 7}, "OrderRejected", "order 7 rejected")
        self.assertEqual(body["trace"][0], "OrderRejected: order 7 rejected")
        r, ok = self.invoke("ric-error", {"after": "error"})
        self.assertNotIn("FunctionError", r)
        self.assertEqual(ok["echo"], {"after": "error"})

    def test_callback_handler(self):
        self.create("ric-callback", "index.callback")
        r, body = self.invoke("ric-callback", {"n": 21})
        self.assertNotIn("FunctionError", r)
        self.assertEqual(body, {"callback": True, "n": 42})
        self.assert_error("ric-callback", {"fail": True}, "Error", "callback failed")

    def test_uncaught_exception_ends_the_environment(self):
        # The client reports an exception thrown outside the handler's promise,
        # then exits; the next invoke gets a fresh environment.
        self.create("ric-uncaught", "index.uncaught")
        for _ in range(2):
            self.assert_error("ric-uncaught", {}, "TypeError", "thrown from a timer")

    def test_init_errors(self):
        self.create("ric-no-handler", "index.nope")
        self.assert_error("ric-no-handler", {}, "Runtime.HandlerNotFound",
                          "index.nope is undefined or not exported")
        self.create("ric-no-module", "missing.handler")
        body = self.assert_error("ric-no-module", {}, "Runtime.ImportModuleError",
                                 "Error: Cannot find module 'missing'\nRequire stack:\n"
                                 "- /var/task/node_modules/aws-lambda-ric/dist/index.mjs")
        self.assertTrue(body["trace"][0].startswith("Runtime.ImportModuleError"), body)

    def test_client_context(self):
        # Base64 JSON at the Invoke API; the client parses the JSON it gets.
        self.create("ric-context", "index.ctx")
        doc = {"client": {"installation_id": "i-1", "app_title": "nimbus"},
               "custom": {"line": "a\nb", "n": 1}, "env": {"platform": "linux"}}
        encoded = base64.b64encode(json.dumps(doc, indent=2).encode()).decode()
        r, body = self.invoke("ric-context", {}, ClientContext=encoded)
        self.assertNotIn("FunctionError", r, body)
        self.assertEqual(body["clientContext"], doc)
        _, body = self.invoke("ric-context", {})
        self.assertIsNone(body["clientContext"])
        from botocore.exceptions import ClientError
        for bad in ("not base64!", base64.b64encode(b"[1, 2]").decode(),
                    base64.b64encode(b"{oops").decode()):
            with self.assertRaises(ClientError) as caught:
                self.lam.invoke(FunctionName="ric-context", Payload=b"{}", ClientContext=bad)
            err = caught.exception.response
            self.assertEqual(err["Error"]["Code"], "InvalidRequestContentException", bad)
            self.assertEqual(err["Error"]["Message"], CONTEXT_ERROR)
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_alternative_http_client(self):
        # AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1 makes the client use
        # node:http instead of its native (curl) addon for the Runtime API.
        self.create("ric-alt", "index.handler",
                    Environment={"Variables": {"AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1": "true"}})
        r, body = self.invoke("ric-alt", {"alt": 1})
        self.assertNotIn("FunctionError", r)
        self.assertEqual(body["echo"], {"alt": 1})
        self.assertEqual(body["requestId"], r["ResponseMetadata"]["RequestId"])
        self.assert_error("ric-alt", {"fail": 3}, "OrderRejected", "order 3 rejected")

    def test_logs_tail_and_cloudwatch(self):
        self.create("ric-logs", "index.handler")
        marker = "m-%d" % os.getpid()
        r, body = self.invoke("ric-logs", {"marker": marker}, LogType="Tail")
        rid = r["ResponseMetadata"]["RequestId"]
        tail = base64.b64decode(r["LogResult"]).decode()
        line = re.compile(r"^\S+Z\t%s\tINFO\tric event \{\"marker\":\"%s\"\}$" % (rid, marker), re.M)
        self.assertRegex(tail, line)
        self.assertIn("END RequestId: %s" % rid, tail)
        self.assertRegex(tail, r"REPORT RequestId: %s\tDuration: [\d.]+ ms\tBilled Duration: "
                               r"\d+ ms\tMemory Size: 128 MB" % rid)

        logs = self.server.boto3_client("logs")

        def messages():
            events = logs.filter_log_events(logGroupName="/aws/lambda/ric-logs")["events"]
            text = "\n".join(e["message"] for e in events)
            return text if "REPORT RequestId: %s" % rid in text else None

        text = wait_until(messages)
        self.assertIsNotNone(text, "no REPORT line in /aws/lambda/ric-logs")
        self.assertIn("Executing 'index.handler' in function directory '/var/task'", text)
        self.assertIn("START RequestId: %s Version: $LATEST" % rid, text)
        self.assertRegex(text, line)
        self.assertIn("END RequestId: %s" % rid, text)
        # The same through the AWS CLI.
        _, out, _ = self.server.aws_cli("logs", "filter-log-events", "--log-group-name",
                                        "/aws/lambda/ric-logs", "--filter-pattern", marker)
        found = [e["message"] for e in json.loads(out)["events"]]
        self.assertEqual(len(found), 1, found)
        self.assertRegex(found[0], line)

    def test_cli_invoke(self):
        self.create("ric-cli", "index.handler")
        out = os.path.join(self.server.data_dir, "..", "ric-cli-%d.json" % os.getpid())
        try:
            _, stdout, _ = self.server.aws_cli("lambda", "invoke", "--function-name", "ric-cli",
                                               "--payload", '{"cli": true}', out)
            self.assertEqual(json.loads(stdout)["StatusCode"], 200)
            with open(out) as f:
                self.assertEqual(json.load(f)["echo"], {"cli": True})
        finally:
            if os.path.exists(out):
                os.unlink(out)


if __name__ == "__main__":
    unittest.main()
