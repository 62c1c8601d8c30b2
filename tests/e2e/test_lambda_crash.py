"""Lambda state survives kill -9: events accepted (202) while the function is
switched off run after a restart on the same data directory; code is durable
once CreateFunction / UpdateFunctionCode answer, and the unpacked tree is a
cache rebuilt from the stored zip."""

import json
import os
import shutil
import stat
import unittest

from harness import ACCOUNT, Server, require_boto3
from test_lambda import ROLE, py_zip, wait_until


class LambdaKill9Test(unittest.TestCase):
    def test_queued_events_survive_kill9(self):
        require_boto3()
        server = Server("--lambda-retry-delays", "100,100").start()
        try:
            lam = server.boto3_client("lambda")
            sqs = server.boto3_client("sqs")
            url = sqs.create_queue(QueueName="done")["QueueUrl"]
            lam.create_function(FunctionName="k9", Runtime="python3.9", Role=ROLE,
                                Handler="app.handler", Code={"ZipFile": py_zip()})
            lam.put_function_event_invoke_config(
                FunctionName="k9", DestinationConfig={"OnSuccess": {
                    "Destination": "arn:aws:sqs:us-east-1:%s:done" % ACCOUNT}})
            lam.put_function_concurrency(FunctionName="k9", ReservedConcurrentExecutions=0)
            for i in range(5):
                r = lam.invoke(FunctionName="k9", InvocationType="Event",
                               Payload=json.dumps({"i": i}).encode())
                self.assertEqual(r["StatusCode"], 202)
            server.kill9()
            server.start()
            lam = server.boto3_client("lambda")
            sqs = server.boto3_client("sqs")
            lam.delete_function_concurrency(FunctionName="k9")
            seen = set()

            def receive():
                for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                             WaitTimeSeconds=1).get("Messages", []):
                    seen.add(json.loads(m["Body"])["requestPayload"]["i"])
                return len(seen) == 5
            self.assertTrue(wait_until(receive, timeout=40), seen)
        finally:
            server.cleanup()


    def test_code_survives_kill9_and_a_lost_cache(self):
        require_boto3()
        server = Server("--durability", "sync").start()
        try:
            lam = server.boto3_client("lambda")
            lam.create_function(FunctionName="code1", Runtime="python3.9", Role=ROLE,
                                Handler="app.handler",
                                Code={"ZipFile": py_zip("def handler(e, c):\n    return 1\n")})
            lam.create_function(FunctionName="code2", Runtime="python3.9", Role=ROLE,
                                Handler="app.handler",
                                Code={"ZipFile": py_zip("def handler(e, c):\n    return 2\n")})
            lam.update_function_code(FunctionName="code2", Publish=True,
                                     ZipFile=py_zip("def handler(e, c):\n    return 3\n"))
            server.kill9()  # right after the answers: nothing invoked yet

            server.start()
            lam = server.boto3_client("lambda")
            self.assertEqual(invoke(lam, "code1"), 1)
            self.assertEqual(invoke(lam, "code2"), 3)
            server.stop()

            # The unpacked trees are a node-local cache: without them every
            # function runs again, its code unpacked from the stored zip.
            cache = os.path.join(server.data_dir, "lambda", "code")
            self.assertTrue(os.path.isdir(cache))
            remove_tree(cache)
            server.start()
            lam = server.boto3_client("lambda")
            self.assertEqual(invoke(lam, "code1"), 1)
            self.assertEqual(invoke(lam, "code2", "1"), 3)
            self.assertEqual(len(os.listdir(cache)), 2)
        finally:
            server.cleanup()


def invoke(lam, name, qualifier=None):
    args = {"FunctionName": name, "Payload": b"{}"}
    if qualifier:
        args["Qualifier"] = qualifier
    r = lam.invoke(**args)
    body = r["Payload"].read()
    if "FunctionError" in r:
        raise AssertionError("%s failed: %s" % (name, body))
    return json.loads(body)


def remove_tree(path):
    """Unpacked code is read-only: make its directories writable first."""
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(root, d), stat.S_IRWXU)
    os.chmod(path, stat.S_IRWXU)
    shutil.rmtree(path)


if __name__ == "__main__":
    unittest.main()
