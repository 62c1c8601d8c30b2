"""API Gateway HTTP and HTTP_PROXY integrations and stage throttling end to
end: REST APIs and HTTP APIs in front of a small threaded http.server in
this process, created with boto3 (both generations) and called with urllib;
the backend records what it received. One server and one backend for the
file."""

import json
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import ServerTestCase, require_boto3


class Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Backend.seen.append({"method": self.command, "path": self.path,
                             "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": body})
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        out = json.dumps({"path": self.path}).encode()
        status = 404 if "/missing" in self.path else 201
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the gateway gave up waiting (the timeout tests)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer


class HttpIntegrationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
        cls.backend.daemon_threads = True
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        cls.base = "http://127.0.0.1:%d" % cls.backend.server_address[1]
        cls.gw = cls.server.boto3_client("apigatewayv2")
        cls.rest = cls.server.boto3_client("apigateway")

    @classmethod
    def tearDownClass(cls):
        cls.backend.shutdown()
        cls.backend.server_close()
        super().tearDownClass()

    def setUp(self):
        Backend.seen.clear()

    def call(self, api_id, path, method="GET", body=None, headers=None):
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, data=body,
            method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def rest_api(self, integration, path_part="{proxy+}"):
        api = self.rest.create_rest_api(name="http-" + path_part)
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in self.rest.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        res = self.rest.create_resource(restApiId=api["id"], parentId=root,
                                        pathPart=path_part)
        self.rest.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod="ANY",
                             authorizationType="NONE")
        self.rest.put_integration(restApiId=api["id"], resourceId=res["id"], httpMethod="ANY",
                                  **integration)
        return api["id"], res["id"]

    def test_rest_http_proxy_passes_everything_through(self):
        api_id, _ = self.rest_api({
            "type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
            "uri": self.base + "/base/{proxy}",
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}})
        self.rest.create_deployment(restApiId=api_id, stageName="prod")
        status, headers, body = self.call(api_id, "/prod/a/b%20c?x=1&x=2", method="POST",
                                          body=b"hello", headers={"X-Custom": "v",
                                                                  "Content-Type": "text/plain"})
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {"path": "/base/a/b%20c?x=1&x=2"})
        self.assertEqual(headers["X-Backend"], "yes")
        self.assertEqual(headers.get_all("Set-Cookie"), ["a=1", "b=2"])
        self.assertTrue(headers["x-amzn-RequestId"])
        seen = Backend.seen[-1]
        self.assertEqual(seen["method"], "POST")
        self.assertEqual(seen["body"], b"hello")
        self.assertEqual(seen["headers"]["x-custom"], "v")
        self.assertEqual(seen["headers"]["host"], self.base[len("http://"):])
        self.assertEqual(seen["headers"]["x-forwarded-for"], "127.0.0.1")
        # A HEAD is relayed without a body.
        status, _, body = self.call(api_id, "/prod/x", method="HEAD")
        self.assertEqual((status, body), (201, b""))

    def test_rest_http_maps_status_and_headers(self):
        api_id, res_id = self.rest_api({
            "type": "HTTP", "integrationHttpMethod": "PUT", "uri": self.base + "/things/{id}",
            "requestParameters": {"integration.request.path.id": "method.request.path.id",
                                  "integration.request.header.X-From": "'gateway'"}},
            path_part="{id}")
        for code, pattern in (("200", None), ("400", "4\\d\\d")):
            self.rest.put_method_response(restApiId=api_id, resourceId=res_id,
                                          httpMethod="ANY", statusCode=code)
            kwargs = {"selectionPattern": pattern} if pattern else {}
            self.rest.put_integration_response(
                restApiId=api_id, resourceId=res_id, httpMethod="ANY", statusCode=code,
                responseParameters={"method.response.header.X-Up":
                                    "integration.response.header.X-Backend"}, **kwargs)
        self.rest.create_deployment(restApiId=api_id, stageName="prod")
        status, headers, body = self.call(api_id, "/prod/7?dropped=1", method="POST",
                                          body=b'{"n":1}',
                                          headers={"Content-Type": "application/json",
                                                   "X-Dropped": "1"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["X-Up"], "yes")
        self.assertIsNone(headers.get("Set-Cookie"))
        seen = Backend.seen[-1]
        self.assertEqual((seen["method"], seen["path"], seen["body"]),
                         ("PUT", "/things/7", b'{"n":1}'))
        self.assertEqual(seen["headers"]["x-from"], "gateway")
        self.assertNotIn("x-dropped", seen["headers"])
        status, _, _ = self.call(api_id, "/prod/missing")
        self.assertEqual(status, 400)

    def test_rest_timeout_and_unreachable_endpoint(self):
        api_id, _ = self.rest_api({"type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
                                   "uri": self.base + "/slow", "timeoutInMillis": 200})
        self.rest.create_deployment(restApiId=api_id, stageName="prod")
        status, _, body = self.call(api_id, "/prod/x")
        self.assertEqual((status, json.loads(body)), (504, {"message": "Endpoint request timed out"}))
        api_id, _ = self.rest_api({"type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
                                   "uri": "http://127.0.0.1:1/nothing"})
        self.rest.create_deployment(restApiId=api_id, stageName="prod")
        status, _, body = self.call(api_id, "/prod/x")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal server error"}))

    def test_http_api_proxy(self):
        api = self.gw.create_api(Name="http-proxy", ProtocolType="HTTP")
        api_id = api["ApiId"]
        integ = self.gw.create_integration(
            ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
            IntegrationUri=self.base + "/v1/{proxy}", PayloadFormatVersion="1.0",
            RequestParameters={"append:header.x-stage": "$context.requestId"})
        self.gw.create_route(ApiId=api_id, RouteKey="ANY /items/{proxy+}",
                             Target="integrations/" + integ["IntegrationId"])
        slow = self.gw.create_integration(
            ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
            IntegrationUri=self.base + "/slow", PayloadFormatVersion="1.0", TimeoutInMillis=200)
        self.gw.create_route(ApiId=api_id, RouteKey="GET /slow",
                             Target="integrations/" + slow["IntegrationId"])
        self.gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        status, headers, body = self.call(api_id, "/items/a/b?q=1", method="DELETE")
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {"path": "/v1/a/b?q=1"})
        seen = Backend.seen[-1]
        self.assertEqual(seen["method"], "DELETE")
        self.assertEqual(seen["headers"]["x-stage"], headers["apigw-requestid"])
        status, _, body = self.call(api_id, "/slow")
        self.assertEqual((status, json.loads(body)), (503, {"message": "Service Unavailable"}))


    def test_stage_and_route_throttling(self):
        api_id, _ = self.rest_api({"type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
                                   "uri": self.base + "/t"}, path_part="thr")
        self.rest.create_deployment(restApiId=api_id, stageName="prod")
        stage = self.rest.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0"}])
        self.assertEqual(stage["methodSettings"]["*/*"]["throttlingBurstLimit"], 1)
        self.assertEqual(self.call(api_id, "/prod/thr")[0], 201)
        status, headers, body = self.call(api_id, "/prod/thr")
        self.assertEqual((status, json.loads(body)), (429, {"message": "Too Many Requests"}))
        self.assertEqual(headers["x-amzn-ErrorType"], "TooManyRequestsException")
        self.assertEqual(len(Backend.seen), 1)

        api = self.gw.create_api(Name="throttled", ProtocolType="HTTP", Target=self.base)
        self.gw.update_stage(ApiId=api["ApiId"], StageName="$default", RouteSettings={
            "$default": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0}})
        self.assertEqual(self.call(api["ApiId"], "/x")[0], 201)
        status, _, body = self.call(api["ApiId"], "/x")
        self.assertEqual((status, json.loads(body)), (429, {"message": "Too Many Requests"}))

if __name__ == "__main__":
    unittest.main()
