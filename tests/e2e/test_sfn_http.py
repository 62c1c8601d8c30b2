"""Step Functions' HTTP Task (arn:aws:states:::http:invoke) end to end: boto3
creates an EventBridge connection and a state machine whose Task calls a
small HTTP endpoint in the test (ephemeral port) through it; the endpoint
checks what arrives (method, path and query, the task's headers and the
connection's authorization and parameters, the JSON and URL-encoded
bodies), and the execution's result and errors are AWS's shapes."""

import http.server
import json
import threading
import urllib.parse

from harness import ServerTestCase, require_boto3, wait_until

ROLE = "arn:aws:iam::000000000000:role/sfn"


class Endpoint:
    """Records every request; /missing answers 404, the rest a JSON echo."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                with endpoint.lock:
                    endpoint.requests.append({"method": self.command, "path": self.path,
                                              "headers": dict(self.headers), "body": body})
                status = 404 if self.path.startswith("/missing") else 200
                out = json.dumps({"seen": self.path}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Trace", "t-1")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def last(self):
        with self.lock:
            return self.requests[-1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class SfnHttpTaskTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = Endpoint()

    @classmethod
    def tearDownClass(cls):
        cls.endpoint.close()
        super().tearDownClass()

    def setUp(self):
        require_boto3()
        self.sfn = self.server.boto3_client("stepfunctions")
        self.events = self.server.boto3_client("events")

    def connection(self, name):
        return self.events.create_connection(
            Name=name, AuthorizationType="API_KEY",
            AuthParameters={
                "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-1"},
                "InvocationHttpParameters": {
                    "HeaderParameters": [{"Key": "x-tenant", "Value": "north",
                                          "IsValueSecret": False}]}})["ConnectionArn"]

    def run_task(self, name, parameters, catch=None):
        task = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                "Parameters": parameters, "End": True}
        states = {"Call": task}
        if catch:
            task["Catch"] = [{"ErrorEquals": [catch], "Next": "Caught"}]
            states["Caught"] = {"Type": "Pass", "End": True}
        arn = self.sfn.create_state_machine(
            name=name, roleArn=ROLE,
            definition=json.dumps({"StartAt": "Call", "States": states}))["stateMachineArn"]
        x = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps({"id": 7}))
        return wait_until(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            self.sfn.describe_execution(executionArn=x["executionArn"])), timeout=20)

    def test_a_call_through_a_connection_answers_aws_shape(self):
        conn = self.connection("e2e-sfn-http")
        d = self.run_task("e2e-http", {
            "ApiEndpoint.$": "States.Format('%s/orders/{}', $.id)" % self.endpoint.url,
            "Method": "POST",
            "Authentication": {"ConnectionArn": conn},
            "Headers": {"x-shop": "south"},
            "QueryParameters": {"kind": "rush", "tags": ["a", "b"]},
            "RequestBody": {"order.$": "$.id"}})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["StatusText"], "OK")
        self.assertEqual(out["ResponseBody"], {"seen": "/orders/7?kind=rush&tags=a&tags=b"})
        self.assertEqual(out["Headers"]["x-trace"], ["t-1"])
        seen = self.endpoint.last()
        self.assertEqual((seen["method"], seen["path"]),
                         ("POST", "/orders/7?kind=rush&tags=a&tags=b"))
        self.assertEqual(json.loads(seen["body"]), {"order": 7})
        headers = {k.lower(): v for k, v in seen["headers"].items()}
        self.assertEqual(headers["x-api-key"], "k-1")
        self.assertEqual(headers["x-tenant"], "north")
        self.assertEqual(headers["x-shop"], "south")

        # A URL-encoded body, arrays as ArrayFormat says.
        d = self.run_task("e2e-http-form", {
            "ApiEndpoint": self.endpoint.url + "/form", "Method": "PUT",
            "Authentication": {"ConnectionArn": conn},
            "RequestBody": {"name": "a b", "ids": [1, 2]},
            "Transform": {"RequestBodyEncoding": "URL_ENCODED",
                          "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        seen = self.endpoint.last()
        self.assertEqual(urllib.parse.unquote(seen["body"]), "name=a b&ids[]=1&ids[]=2")
        headers = {k.lower(): v for k, v in seen["headers"].items()}
        self.assertEqual(headers["content-type"], "application/x-www-form-urlencoded")

    def test_errors_are_the_status_code_and_are_caught(self):
        conn = self.connection("e2e-sfn-http-errors")
        call = {"ApiEndpoint": self.endpoint.url + "/missing", "Method": "GET",
                "Authentication": {"ConnectionArn": conn}}
        d = self.run_task("e2e-http-404", call)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Http.StatusCode.404"), d)
        self.assertEqual(json.loads(d["cause"])["StatusCode"], 404)
        d = self.run_task("e2e-http-404-caught", call, catch="States.Http.StatusCode.404")
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["Error"], "States.Http.StatusCode.404")
        # Nothing listens: the socket's error.
        d = self.run_task("e2e-http-refused", dict(call, ApiEndpoint="http://127.0.0.1:9/x"))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Http.Socket"), d)
        # No such connection.
        d = self.run_task("e2e-http-noconn", dict(call, Authentication={
            "ConnectionArn": conn.replace("e2e-sfn-http-errors", "nope")}))
        self.assertEqual(d["status"], "FAILED", d)
        self.assertIn("does not exist", d["cause"])


if __name__ == "__main__":
    import unittest
    unittest.main()
