"""Lambda through boto3 (current and Debian's 1.26) and the AWS CLI against a
real server: python, node and provided functions from zips built here; sync,
async and dry-run invokes; errors, timeouts, aliases with weights, reserved
concurrency, destinations, metrics, function logs."""

import base64
import io
import json
import os
import re
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCESS_KEY, ACCOUNT, SECRET_KEY, ServerTestCase, nimbus_binary, require_boto3, wait_until

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

ECHO_PY = """
import json, time
def handler(event, context):
    print("event", json.dumps(event))
    if isinstance(event, dict):
        if event.get("fail"):
            raise ValueError("asked to fail")
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("raw"):
            return event["raw"]
    return {"echo": event, "fn": context.function_name,
            "left": context.get_remaining_time_in_millis() > 0}
"""

ECHO_NODE = """
exports.handler = async (event, context) => {
  console.log("node event", JSON.stringify(event));
  if (event && event.fail) throw new Error("node failed");
  return {echo: event, fn: context.functionName};
};
"""


def make_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def py_zip(src=ECHO_PY):
    return make_zip({"app.py": (src, 0o644)})


def echo_binary():
    path = os.path.join(os.path.dirname(nimbus_binary()), "src", "runtime", "runtime_echo_function")
    return path if os.path.exists(path) else None


# Most cases use runtimes every boto3 generation knows; test_current_runtimes
# covers those newer than Debian's botocore 1.29.27 model (python3.12,
# nodejs20.x/22.x, provided.al2023): the engine does not enforce the model's
# stale enums, and python3.* / nodejs* run on the host's interpreters.


class LambdaTestBase(ServerTestCase):
    server_args = ("--lambda-retry-delays", "100,200")

    def setUp(self):
        require_boto3()
        self.lam = self.server.boto3_client("lambda")

    def create(self, name, zip_bytes=None, runtime="python3.9", handler="app.handler", **kw):
        args = dict(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                    Code={"ZipFile": zip_bytes or py_zip()})
        args.update(kw)
        return self.lam.create_function(**args)

    def invoke(self, name, payload=None, **kw):
        if payload is not None:
            kw["Payload"] = json.dumps(payload).encode()
        r = self.lam.invoke(FunctionName=name, **kw)
        r["Body"] = r["Payload"].read()
        return r


class LambdaControlTest(LambdaTestBase):
    def test_create_get_list_update_delete(self):
        c = self.create("ctl", Timeout=5, MemorySize=256, Description="d",
                        Environment={"Variables": {"K": "V"}}, Tags={"t": "1"})
        self.assertEqual(c["FunctionArn"],
                         "arn:aws:lambda:us-east-1:%s:function:ctl" % ACCOUNT)
        self.assertEqual(c["State"], "Pending")
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.lam.get_waiter("function_active_v2").wait(FunctionName="ctl",
                                                       WaiterConfig={"Delay": 1})
        g = self.lam.get_function(FunctionName="ctl")
        self.assertEqual(g["Configuration"]["State"], "Active")
        self.assertEqual(g["Configuration"]["Environment"]["Variables"], {"K": "V"})
        self.assertEqual(g["Tags"], {"t": "1"})
        u = self.lam.update_function_configuration(FunctionName="ctl", Timeout=9)
        self.assertEqual(u["LastUpdateStatus"], "InProgress")
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="ctl",
                                                        WaiterConfig={"Delay": 1})
        self.assertEqual(self.lam.get_function_configuration(FunctionName="ctl")["Timeout"], 9)
        names = [f["FunctionName"] for f in
                 self.lam.get_paginator("list_functions").paginate(
                     PaginationConfig={"PageSize": 1}).build_full_result()["Functions"]]
        self.assertIn("ctl", names)
        d = self.lam.delete_function(FunctionName="ctl")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as e:
            self.lam.get_function(FunctionName="ctl")
        self.assertIn("Function not found: arn:aws:lambda", str(e.exception))

    def test_code_location_downloads_the_zip(self):
        """GetFunction's Code.Location is a working link to the function's zip
        (AWS: a presigned S3 URL valid for ten minutes); an altered link is refused
        with S3's answer."""
        zip_bytes = py_zip()
        self.create("dl", zip_bytes)
        location = self.lam.get_function(FunctionName="dl")["Code"]["Location"]
        with urllib.request.urlopen(location, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"], "application/zip")
            self.assertEqual(r.read(), zip_bytes)
        self.lam.update_function_code(FunctionName="dl", ZipFile=py_zip(ECHO_PY + "\n# v2\n"))
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="dl",
                                                        WaiterConfig={"Delay": 1})
        newer = self.lam.get_function(FunctionName="dl")["Code"]["Location"]
        self.assertNotEqual(newer.split("?")[0], location.split("?")[0])
        with urllib.request.urlopen(newer, timeout=10) as r:
            with zipfile.ZipFile(io.BytesIO(r.read())) as z:
                self.assertIn(b"# v2", z.read("app.py"))
        tampered = re.sub(r"Expires=(\d+)", lambda m: "Expires=%d" % (int(m.group(1)) + 60), newer)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(tampered, timeout=10)
        self.assertEqual(e.exception.code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", e.exception.read())

    def test_bad_zip_and_validation(self):
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as e:
            self.create("badzip", b"this is not a zip")
        self.assertIn("Could not unzip uploaded file", str(e.exception))
        with self.assertRaises(Exception) as e:
            self.create("toolong", Timeout=901)
        self.assertIn("timeout", str(e.exception))
        self.create("dup")
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.create("dup")

    def test_versions_aliases_settings(self):
        self.create("ver")
        v1 = self.lam.publish_version(FunctionName="ver")
        self.assertEqual(v1["Version"], "1")
        self.lam.update_function_code(FunctionName="ver", ZipFile=py_zip(ECHO_PY + "\n# v2\n"))
        self.assertEqual(self.lam.publish_version(FunctionName="ver")["Version"], "2")
        vs = self.lam.list_versions_by_function(FunctionName="ver")["Versions"]
        self.assertEqual([v["Version"] for v in vs], ["$LATEST", "1", "2"])
        a = self.lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        self.assertTrue(a["AliasArn"].endswith(":ver:live"))
        seen = set()
        for _ in range(30):
            seen.add(self.invoke("ver", {}, Qualifier="live")["ExecutedVersion"])
        self.assertEqual(seen, {"1", "2"})
        self.assertEqual(len(self.lam.list_aliases(FunctionName="ver")["Aliases"]), 1)
        self.lam.put_function_concurrency(FunctionName="ver", ReservedConcurrentExecutions=3)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="ver")
                         ["ReservedConcurrentExecutions"], 3)
        self.lam.add_permission(FunctionName="ver", StatementId="s3", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        policy = json.loads(self.lam.get_policy(FunctionName="ver")["Policy"])
        self.assertEqual(policy["Statement"][0]["Sid"], "s3")
        self.lam.put_function_event_invoke_config(FunctionName="ver", MaximumRetryAttempts=1)
        self.assertEqual(self.lam.get_function_event_invoke_config(FunctionName="ver")
                         ["MaximumRetryAttempts"], 1)
        pc = self.lam.put_provisioned_concurrency_config(
            FunctionName="ver", Qualifier="1", ProvisionedConcurrentExecutions=1)
        self.assertEqual(pc["RequestedProvisionedConcurrentExecutions"], 1)
        ready = wait_until(lambda: self.lam.get_provisioned_concurrency_config(
            FunctionName="ver", Qualifier="1")["Status"] == "READY")
        self.assertTrue(ready)
        acct = self.lam.get_account_settings()
        self.assertEqual(acct["AccountLimit"]["ConcurrentExecutions"], 1000)


class LambdaInvokeTest(LambdaTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def test_python_sync_tail_and_logs(self):
        self.create("py")
        r = self.invoke("py", {"a": 1}, LogType="Tail")
        self.assertEqual(r["StatusCode"], 200)
        body = json.loads(r["Body"])
        self.assertEqual(body, {"echo": {"a": 1}, "fn": "py", "left": True})
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        tail = base64.b64decode(r["LogResult"]).decode()
        self.assertIn("START RequestId:", tail)
        self.assertIn('event {"a": 1}', tail)
        self.assertIn("REPORT RequestId:", tail)
        logs = self.server.boto3_client("logs")

        def events():
            try:
                return logs.filter_log_events(logGroupName="/aws/lambda/py")["events"]
            except Exception:
                return []
        found = wait_until(lambda: any("REPORT RequestId" in e["message"] for e in events()),
                           timeout=10)
        self.assertTrue(found, "function log lines in CloudWatch Logs")

    def test_client_context_reaches_python_handler(self):
        # Invoke's ClientContext is base64 JSON on the wire; the handler sees
        # context.client_context.custom as Lambda's Python runtime gives it.
        source = ("def handler(event, context):\n"
                  "    cc = context.client_context\n"
                  "    return {'custom': cc and cc.custom, 'env': cc and cc.env,\n"
                  "            'id': context.identity.cognito_identity_id}\n")
        self.create("ctx", make_zip({"app.py": (source, 0o644)}))
        cc = base64.b64encode(json.dumps({"custom": {"k": "v"}, "env": {"e": "1"}}).encode())
        r = self.invoke("ctx", {}, ClientContext=cc.decode())
        self.assertEqual(json.loads(r["Body"]), {"custom": {"k": "v"}, "env": {"e": "1"}, "id": None})
        self.assertEqual(json.loads(self.invoke("ctx", {})["Body"]),
                         {"custom": None, "env": None, "id": None})

    def test_function_sdk_calls_reach_nimbus(self):
        # A handler that builds its client with no endpoint, as code written
        # for AWS does: AWS_ENDPOINT_URL brings the call back to nimbus, even
        # with the host's Debian botocore 1.29 inside the sandbox.
        sqs = self.server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="from-function")["QueueUrl"]
        # It signs with its execution role's session (never the server's
        # own pair): test_creds.py checks what that session may do.
        source = ("import boto3, os\n"
                  "def handler(event, context):\n"
                  "    assert os.environ['AWS_ACCESS_KEY_ID'] != event['key']\n"
                  "    c = boto3.client('sqs')\n"
                  "    c.send_message(QueueUrl=event['url'], MessageBody='sent by ' + "
                  "context.function_name)\n"
                  "    return c.meta.endpoint_url\n")
        self.create("sdk", make_zip({"app.py": (source, 0o644)}), Timeout=30)
        r = self.invoke("sdk", {"url": url, "key": ACCESS_KEY, "secret": SECRET_KEY})
        self.assertNotIn("FunctionError", r, r["Body"])
        self.assertEqual(json.loads(r["Body"]), self.server.endpoint)
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
        self.assertEqual([m["Body"] for m in got], ["sent by sdk"])

    def test_node_and_provided(self):
        self.create("node", make_zip({"index.js": (ECHO_NODE, 0o644)}), runtime="nodejs18.x",
                    handler="index.handler")
        r = self.invoke("node", {"n": 2})
        self.assertEqual(json.loads(r["Body"]), {"echo": {"n": 2}, "fn": "node"})
        e = self.invoke("node", {"fail": True})
        self.assertEqual(e["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(e["Body"])["errorMessage"], "node failed")
        binary = echo_binary()
        if binary is None:
            self.skipTest("runtime_echo_function not built")
        with open(binary, "rb") as f:
            code = make_zip({"bootstrap": (f.read(), 0o755)})
        self.create("native", code, runtime="provided.al2", handler="none")
        r = self.invoke("native", {"x": [1, 2]})
        self.assertEqual(json.loads(r["Body"]), {"x": [1, 2]})

    def test_current_runtimes(self):
        self.create("py312", runtime="python3.12")
        self.assertEqual(json.loads(self.invoke("py312", {"v": 12})["Body"])["echo"], {"v": 12})
        for rt in ("nodejs20.x", "nodejs22.x"):
            name = rt.replace(".", "-")
            self.create(name, make_zip({"index.js": (ECHO_NODE, 0o644)}), runtime=rt,
                        handler="index.handler")
            self.assertEqual(json.loads(self.invoke(name, {"n": 1})["Body"])["echo"], {"n": 1})
        self.assertEqual(self.lam.get_function_configuration(FunctionName="py312")["Runtime"],
                         "python3.12")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.create("cobol", runtime="cobol85")
        binary = echo_binary()
        if binary is None:
            self.skipTest("runtime_echo_function not built")
        with open(binary, "rb") as f:
            code = make_zip({"bootstrap": (f.read(), 0o755)})
        self.create("al2023", code, runtime="provided.al2023", handler="none")
        self.assertEqual(json.loads(self.invoke("al2023", {"y": 1})["Body"]), {"y": 1})

    def test_errors_timeout_non_json(self):
        self.create("err", Timeout=1)
        e = self.invoke("err", {"fail": True})
        self.assertEqual(e["StatusCode"], 200)
        self.assertEqual(e["FunctionError"], "Unhandled")
        doc = json.loads(e["Body"])
        self.assertEqual(doc["errorType"], "ValueError")
        self.assertEqual(doc["errorMessage"], "asked to fail")
        self.assertIsInstance(doc["stackTrace"], list)
        t = self.invoke("err", {"sleep": 3})
        self.assertEqual(t["FunctionError"], "Unhandled")
        # The time the sandbox ran, as Lambda reports it: never under the
        # timeout, a little over it on a loaded machine (AWS shows 1.01 too).
        self.assertRegex(t["Body"].decode(), r"Task timed out after 1\.[0-4]\d seconds")
        raw = self.create("raw", py_zip("def handler(e, c):\n    return 'not json at all'\n"))
        self.assertTrue(raw)
        self.assertEqual(self.invoke("raw", {})["Body"], b'"not json at all"')
        with self.assertRaises(self.lam.exceptions.RequestTooLargeException):
            self.lam.invoke(FunctionName="raw", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')

    def test_dry_run_and_async_with_destination(self):
        sqs = self.server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="lambda-dest")["QueueUrl"]
        qarn = "arn:aws:sqs:us-east-1:%s:lambda-dest" % ACCOUNT
        self.create("asy")
        self.lam.put_function_event_invoke_config(
            FunctionName="asy", MaximumRetryAttempts=1,
            DestinationConfig={"OnSuccess": {"Destination": qarn},
                               "OnFailure": {"Destination": qarn}})
        d = self.lam.invoke(FunctionName="asy", InvocationType="DryRun")
        self.assertEqual(d["StatusCode"], 204)
        a = self.lam.invoke(FunctionName="asy", InvocationType="Event", Payload=b'{"k": 1}')
        self.assertEqual(a["StatusCode"], 202)
        f = self.lam.invoke(FunctionName="asy", InvocationType="Event", Payload=b'{"fail": true}')
        self.assertEqual(f["StatusCode"], 202)
        got = {}

        def receive():
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1).get("Messages", []):
                rec = json.loads(m["Body"])
                got[rec["requestContext"]["condition"]] = rec
            return len(got) == 2
        self.assertTrue(wait_until(receive, timeout=20), got)
        self.assertEqual(got["Success"]["responsePayload"]["echo"], {"k": 1})
        self.assertEqual(got["RetriesExhausted"]["requestContext"]["approximateInvokeCount"], 2)

    def test_reserved_zero_throttles_and_metrics(self):
        self.create("off")
        self.lam.put_function_concurrency(FunctionName="off", ReservedConcurrentExecutions=0)
        with self.assertRaises(self.lam.exceptions.TooManyRequestsException) as e:
            self.lam.invoke(FunctionName="off", Payload=b"{}")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        # botocore puts the modelled error members at the top of the response.
        self.assertEqual(e.exception.response["Reason"],
                         "ReservedFunctionConcurrentInvocationLimitExceeded")
        self.assertEqual(e.exception.response["Type"], "User")
        self.assertEqual(e.exception.response["Error"]["Message"], "Rate Exceeded.")
        self.lam.delete_function_concurrency(FunctionName="off")
        self.invoke("off", {})
        m = self.server.metrics()  # (the client's one retry may count a second throttle)
        self.assertTrue(re.search(r'nimbus_lambda_throttles(_total)?\{function="off"\} [12]\n', m))
        self.assertTrue(re.search(r'nimbus_lambda_invocations(_total)?\{function="off"\} 1\n', m))
        self.assertIn('nimbus_lambda_duration_seconds_count{function="off"} 1', m)

    def test_bursts_scale_out_in_parallel_and_queue_on_warm_environments(self):
        """16 concurrent invokes of a cold function that sleeps 1 s get one
        environment each, started in parallel: all answered well within the
        16 s they would take one after another. A burst against a warm fast
        function is answered too (it queues for the warm environment)."""
        import time
        from concurrent.futures import ThreadPoolExecutor
        from botocore.config import Config
        self.create("burst", Timeout=30)
        self.create("burst-fast")
        lam = self.server.boto3_client("lambda", config=Config(
            retries={"max_attempts": 1}, max_pool_connections=16, read_timeout=60))

        def call(args):
            name, payload = args
            r = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
            return r.get("FunctionError"), json.loads(r["Payload"].read())

        started = time.time()
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(call, [("burst", {"sleep": 1, "n": i}) for i in range(16)]))
        took = time.time() - started
        for i, (error, body) in enumerate(answers):
            self.assertIsNone(error, body)
            self.assertEqual(body["echo"]["n"], i)
        self.assertLess(took, 12, "the burst's environments did not start in parallel")
        self.invoke("burst-fast", {})
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(call, [("burst-fast", {"n": i}) for i in range(64)]))
        for i, (error, body) in enumerate(answers):
            self.assertIsNone(error, body)
            self.assertEqual(body["echo"]["n"], i)

    def test_cli_invoke(self):
        self.create("cli")
        out = os.path.join(self.server.data_dir, "..", "cli-out-%d.json" % os.getpid())
        code, stdout, err = self.server.aws_cli(
            "lambda", "invoke", "--function-name", "cli", "--payload", '{"c": 3}', out)
        self.assertEqual(json.loads(stdout)["StatusCode"], 200)
        with open(out) as f:
            self.assertEqual(json.load(f)["echo"], {"c": 3})
        os.unlink(out)


if __name__ == "__main__":
    unittest.main()
