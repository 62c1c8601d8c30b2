"""Queued async invocations survive kill -9: events accepted (202) while the
function is switched off run after a restart on the same data directory."""

import io
import json
import unittest
import zipfile

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


if __name__ == "__main__":
    unittest.main()
