"""API Gateway HTTP APIs end to end: the control API through boto3 (both
generations) and the AWS CLI, the data plane through urllib, http.client (a
Host header) and curl, against a real Python handler."""

import base64
import http.client
import io
import json
import shutil
import subprocess
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCOUNT, ServerTestCase, require_boto3

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

HANDLER = """
import base64, json
def handler(event, context):
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/plain"):
        return {"plain": True}
    if path.endswith("/cookies"):
        return {"statusCode": 201, "headers": {"x-custom": "yes"},
                "cookies": ["a=1; Path=/", "b=2"], "body": "made"}
    if path.endswith("/binary"):
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "isBase64Encoded": True, "body": base64.b64encode(bytes(range(256))).decode()}
    if path.endswith("/malformed"):
        return {"statusCode": "two hundred"}
    if path.endswith("/fail"):
        raise RuntimeError("asked to fail")
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"event": event, "requestId": context.aws_request_id})}
"""


def handler_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    return buf.getvalue()


class HttpApiTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        lam = cls.server.boto3_client("lambda")
        cls.fn_arn = lam.create_function(
            FunctionName="apigw-echo", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": handler_zip()}, Timeout=10)["FunctionArn"]
        cls.gw = cls.server.boto3_client("apigatewayv2")
        cls.api = cls.gw.create_api(Name="quick", ProtocolType="HTTP", Target=cls.fn_arn)

    def call(self, api_id, path, method="GET", body=None, headers=None):
        """Path-style: /_aws/execute-api/{apiId}{path}; returns (status, headers, body)."""
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, data=body,
            method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_quick_create_answers_with_the_event_of_format_2(self):
        api_id = self.api["ApiId"]
        self.assertEqual(self.api["ApiEndpoint"],
                         "http://%s.execute-api.localhost:%d" % (api_id, self.server.port))
        stage = self.gw.get_stage(ApiId=api_id, StageName="$default")
        self.assertTrue(stage["AutoDeploy"])
        status, headers, body = self.call(api_id, "/pets/7?x=1&x=2", method="POST",
                                          body=b'{"a":1}',
                                          headers={"Content-Type": "application/json",
                                                   "Cookie": "c1=v1; c2=v2"})
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        event = out["event"]
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/pets/7")
        self.assertEqual(event["rawQueryString"], "x=1&x=2")
        self.assertEqual(event["queryStringParameters"], {"x": "1,2"})
        self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(event["body"], '{"a":1}')
        self.assertFalse(event["isBase64Encoded"])
        ctx = event["requestContext"]
        self.assertEqual(ctx["http"]["method"], "POST")
        self.assertEqual(ctx["http"]["sourceIp"], "127.0.0.1")
        self.assertEqual(ctx["apiId"], api_id)
        self.assertEqual(ctx["stage"], "$default")
        # One id: the gateway's header, the event and the function's context.
        self.assertEqual(ctx["requestId"], headers["apigw-requestid"])
        self.assertEqual(out["requestId"], headers["apigw-requestid"])

    def test_host_header_addresses_the_api(self):
        api_id = self.api["ApiId"]
        for host in ("%s.execute-api.localhost" % api_id,
                     "%s.execute-api.us-east-1.localhost:%d" % (api_id, self.server.port)):
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            conn.request("GET", "/hello", headers={"Host": host})
            r = conn.getresponse()
            body = r.read()
            conn.close()
            self.assertEqual(r.status, 200, body)
            event = json.loads(body)["event"]
            self.assertEqual(event["rawPath"], "/hello")
            self.assertEqual(event["requestContext"]["domainName"], host.split(":")[0])

    def test_response_mapping(self):
        api_id = self.api["ApiId"]
        status, headers, body = self.call(api_id, "/plain")
        self.assertEqual((status, json.loads(body)), (200, {"plain": True}))
        self.assertEqual(headers["Content-Type"], "application/json")
        status, headers, body = self.call(api_id, "/cookies")
        self.assertEqual((status, body, headers["x-custom"]), (201, b"made", "yes"))
        self.assertEqual(headers.get_all("Set-Cookie"), ["a=1; Path=/", "b=2"])
        status, headers, body = self.call(api_id, "/binary")
        self.assertEqual((status, body), (200, bytes(range(256))))
        for path in ("/malformed", "/fail"):
            status, _, body = self.call(api_id, path)
            self.assertEqual((status, json.loads(body)),
                             (500, {"message": "Internal Server Error"}), path)

    def test_binary_request_bodies_arrive_base64(self):
        status, _, body = self.call(self.api["ApiId"], "/upload", method="PUT",
                                    body=bytes(range(256)),
                                    headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), bytes(range(256)))

    def test_routes_stages_and_format_1_through_the_cli(self):
        _, out, _ = self.server.aws_cli("apigatewayv2", "create-api", "--name", "cli",
                                        "--protocol-type", "HTTP")
        api_id = json.loads(out)["ApiId"]
        _, out, _ = self.server.aws_cli(
            "apigatewayv2", "create-integration", "--api-id", api_id, "--integration-type",
            "AWS_PROXY", "--integration-uri", self.fn_arn, "--payload-format-version", "1.0")
        integ = json.loads(out)["IntegrationId"]
        for key in ("GET /pets/{id}", "ANY /pets/{proxy+}"):
            self.server.aws_cli("apigatewayv2", "create-route", "--api-id", api_id,
                                "--route-key", key, "--target", "integrations/" + integ)
        self.server.aws_cli("apigatewayv2", "create-stage", "--api-id", api_id,
                            "--stage-name", "prod", "--auto-deploy")
        _, out, _ = self.server.aws_cli("apigatewayv2", "get-routes", "--api-id", api_id)
        self.assertEqual(sorted(r["RouteKey"] for r in json.loads(out)["Items"]),
                         ["ANY /pets/{proxy+}", "GET /pets/{id}"])
        status, _, body = self.call(api_id, "/prod/pets/7")
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertEqual(event["version"], "1.0")
        self.assertEqual(event["resource"], "/pets/{id}")
        self.assertEqual(event["pathParameters"], {"id": "7"})
        self.assertEqual(event["requestContext"]["stage"], "prod")
        status, _, body = self.call(api_id, "/prod/pets/a/b", method="DELETE")
        self.assertEqual(json.loads(body)["event"]["pathParameters"], {"proxy": "a/b"})
        status, _, body = self.call(api_id, "/prod/toys")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))
        status, _, body = self.call("nosuchapi", "/prod/pets/7")
        self.assertEqual(status, 404)

    def test_control_errors(self):
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.get_api(ApiId="missing")
        with self.assertRaises(self.gw.exceptions.BadRequestException):
            self.gw.create_route(ApiId=self.api["ApiId"], RouteKey="GET no-slash")
        with self.assertRaises(self.gw.exceptions.ConflictException):
            self.gw.create_route(ApiId=self.api["ApiId"], RouteKey="$default")
        ids = [a["ApiId"] for a in self.gw.get_apis()["Items"]]
        self.assertIn(self.api["ApiId"], ids)

    def test_curl(self):
        curl = shutil.which("curl")
        if curl is None:
            raise unittest.SkipTest("curl is not installed")
        api_id = self.api["ApiId"]
        out = subprocess.run(
            [curl, "-s", "-H", "Host: %s.execute-api.localhost" % api_id,
             "http://127.0.0.1:%d/from-curl?q=1" % self.server.port],
            capture_output=True, timeout=30, check=True).stdout
        self.assertEqual(json.loads(out)["event"]["rawPath"], "/from-curl")


class RestApiTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        lam = cls.server.boto3_client("lambda")
        fn_arn = lam.create_function(
            FunctionName="rest-echo", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": handler_zip()}, Timeout=10)["FunctionArn"]
        cls.uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                   % fn_arn)
        cls.gw = cls.server.boto3_client("apigateway")

    def call(self, api_id, path, method="GET"):
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_proxy_resource_and_missing_authentication_token(self):
        api = self.gw.create_rest_api(name="rest")
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in self.gw.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        self.assertEqual(api.get("rootResourceId", root), root)
        proxy = self.gw.create_resource(restApiId=api["id"], parentId=root, pathPart="{proxy+}")
        self.assertEqual(proxy["path"], "/{proxy+}")
        self.gw.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                           authorizationType="NONE")
        self.gw.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                                type="AWS_PROXY", integrationHttpMethod="POST", uri=self.uri)
        self.gw.create_deployment(restApiId=api["id"], stageName="dev",
                                  variables={"color": "blue"})
        self.assertEqual(self.gw.get_stage(restApiId=api["id"], stageName="dev")["variables"],
                         {"color": "blue"})
        status, headers, body = self.call(api["id"], "/dev/a/b?x=1&x=2")
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertEqual(event["resource"], "/{proxy+}")
        self.assertEqual(event["path"], "/a/b")
        self.assertEqual(event["httpMethod"], "GET")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b"})
        self.assertEqual(event["multiValueQueryStringParameters"], {"x": ["1", "2"]})
        self.assertEqual(event["stageVariables"], {"color": "blue"})
        self.assertEqual(event["requestContext"]["requestId"], headers["x-amzn-RequestId"])
        status, _, body = self.call(api["id"], "/dev")  # the root has no method
        self.assertEqual((status, json.loads(body)),
                         (403, {"message": "Missing Authentication Token"}))
        status, _, body = self.call(api["id"], "/dev/malformed")
        self.assertEqual((status, json.loads(body)), (502, {"message": "Internal server error"}))

    def test_mock_integration_through_the_cli(self):
        _, out, _ = self.server.aws_cli("apigateway", "create-rest-api", "--name", "mock")
        api = json.loads(out)
        _, out, _ = self.server.aws_cli("apigateway", "create-resource", "--rest-api-id", api["id"],
                                        "--parent-id", api["rootResourceId"], "--path-part", "health")
        res = json.loads(out)["id"]
        common = ["--rest-api-id", api["id"], "--resource-id", res, "--http-method", "GET"]
        self.server.aws_cli("apigateway", "put-method", *common, "--authorization-type", "NONE")
        self.server.aws_cli("apigateway", "put-integration", *common, "--type", "MOCK",
                            "--request-templates", '{"application/json": "{\\"statusCode\\": 200}"}')
        self.server.aws_cli("apigateway", "put-method-response", *common, "--status-code", "200")
        self.server.aws_cli("apigateway", "put-integration-response", *common, "--status-code", "200",
                            "--response-templates", '{"application/json": "{\\"ok\\": true}"}')
        self.server.aws_cli("apigateway", "create-deployment", "--rest-api-id", api["id"],
                            "--stage-name", "v1")
        status, _, body = self.call(api["id"], "/v1/health")
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.get_rest_api(restApiId="missing")
        with self.assertRaises(self.gw.exceptions.ConflictException):
            self.gw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"],
                                    pathPart="health")


class FunctionUrlTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.lam = cls.server.boto3_client("lambda")
        cls.lam.create_function(
            FunctionName="url-echo", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": handler_zip()}, Timeout=10)

    def fetch(self, url, path="/", method="GET", headers=None):
        host = url.split("//", 1)[1].split("/", 1)[0]
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.request(method, path, headers=dict(headers or {}, Host=host))
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, r.headers, body

    def test_url_config_life_cycle_and_invoke(self):
        out = self.lam.create_function_url_config(
            FunctionName="url-echo", AuthType="NONE",
            Cors={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET"]})
        url = out["FunctionUrl"]
        self.assertRegex(url, r"^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:%d/$"
                         % self.server.port)
        self.assertEqual(out["FunctionArn"], "arn:aws:lambda:us-east-1:%s:function:url-echo" % ACCOUNT)
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_function_url_config(FunctionName="url-echo", AuthType="NONE")
        got = self.lam.get_function_url_config(FunctionName="url-echo")
        self.assertEqual((got["FunctionUrl"], got["AuthType"]), (url, "NONE"))
        listed = self.lam.list_function_url_configs(FunctionName="url-echo")["FunctionUrlConfigs"]
        self.assertEqual([c["FunctionUrl"] for c in listed], [url])

        status, headers, body = self.fetch(url, "/hi?x=1", headers={"Origin": "https://app.example"})
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertEqual((event["version"], event["rawPath"], event["rawQueryString"]),
                         ("2.0", "/hi", "x=1"))
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://app.example")
        self.assertEqual(json.loads(body)["requestId"], headers["x-amzn-RequestId"])

        self.lam.update_function_url_config(FunctionName="url-echo", AuthType="AWS_IAM")
        status, _, _ = self.fetch(url, "/hi")
        self.assertEqual(status, 403)
        self.lam.delete_function_url_config(FunctionName="url-echo")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_url_config(FunctionName="url-echo")
        status, _, _ = self.fetch(url, "/hi")
        self.assertEqual(status, 404)

    def test_cli_and_missing_function(self):
        _, out, _ = self.server.aws_cli("lambda", "create-function-url-config", "--function-name",
                                        "url-echo", "--auth-type", "NONE")
        url = json.loads(out)["FunctionUrl"]
        status, _, body = self.fetch(url, "/plain")
        self.assertEqual((status, json.loads(body)), (200, {"plain": True}))
        self.server.aws_cli("lambda", "delete-function-url-config", "--function-name", "url-echo")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.create_function_url_config(FunctionName="no-such-fn", AuthType="NONE")


if __name__ == "__main__":
    unittest.main()
