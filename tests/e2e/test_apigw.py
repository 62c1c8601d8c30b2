"""API Gateway (HTTP and REST APIs) and Lambda function URLs end to end: the
control APIs through boto3 (both generations) and the AWS CLI, the data plane
through urllib, http.client (a Host header) and curl, against one real Python
handler on one server (the class shares both; tests that change state make
their own API)."""

import base64
import http.client
import json
import shutil
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import ACCESS_KEY, ACCOUNT, SECRET_KEY, ServerTestCase, require_boto3, zip_of

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

HANDLER = """
import base64, json
def handler(event, context):
    if event.get("type") == "TOKEN":  # as a Lambda authorizer
        token = event["authorizationToken"]
        if token not in ("allow", "deny"):
            raise Exception("Unauthorized")
        statement = {"Action": "execute-api:Invoke", "Resource": event["methodArn"],
                     "Effect": "Allow" if token == "allow" else "Deny"}
        return {"principalId": "user-" + token, "context": {"tier": "gold"},
                "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    if event.get("type") == "REQUEST" and "routeArn" in event:  # an HTTP API authorizer
        return {"isAuthorized": event["identitySource"] == ["letmein"],
                "context": {"who": "e2e"}}
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


class ApiGatewayTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.lam = cls.server.boto3_client("lambda")
        cls.fn_arn = cls.lam.create_function(
            FunctionName="apigw-echo", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": HANDLER})}, Timeout=10)["FunctionArn"]
        cls.uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                   % cls.fn_arn)
        cls.gw = cls.server.boto3_client("apigatewayv2")
        cls.rest = cls.server.boto3_client("apigateway")
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

    def fetch(self, host, path, method="GET", headers=None):
        """http.client with a Host header; returns (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.request(method, path, headers=dict(headers or {}, Host=host))
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, r.headers, body

    # HTTP APIs

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
        # Binary request bodies arrive base64.
        status, _, body = self.call(api_id, "/upload", method="PUT", body=bytes(range(256)),
                                    headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), bytes(range(256)))

    def test_host_header_addresses_the_api(self):
        api_id = self.api["ApiId"]
        for host in ("%s.execute-api.localhost" % api_id,
                     "%s.execute-api.us-east-1.localhost:%d" % (api_id, self.server.port)):
            status, _, body = self.fetch(host, "/hello")
            self.assertEqual(status, 200, body)
            event = json.loads(body)["event"]
            self.assertEqual(event["rawPath"], "/hello")
            self.assertEqual(event["requestContext"]["domainName"], host.split(":")[0])
        curl = shutil.which("curl")
        if curl is not None:
            out = subprocess.run(
                [curl, "-s", "-H", "Host: %s.execute-api.localhost" % api_id,
                 "http://127.0.0.1:%d/from-curl?q=1" % self.server.port],
                capture_output=True, timeout=30, check=True).stdout
            self.assertEqual(json.loads(out)["event"]["rawPath"], "/from-curl")

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

    def test_routes_stages_and_format_1(self):
        api_id = self.gw.create_api(Name="routes", ProtocolType="HTTP")["ApiId"]
        integ = self.gw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=self.fn_arn,
            PayloadFormatVersion="1.0")["IntegrationId"]
        for key in ("GET /pets/{id}", "ANY /pets/{proxy+}"):
            self.gw.create_route(ApiId=api_id, RouteKey=key, Target="integrations/" + integ)
        self.gw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
        self.assertEqual(sorted(r["RouteKey"] for r in self.gw.get_routes(ApiId=api_id)["Items"]),
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

    def test_lambda_authorizer_with_simple_responses(self):
        api_id = self.gw.create_api(Name="private", ProtocolType="HTTP")["ApiId"]
        integ = self.gw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=self.fn_arn,
            PayloadFormatVersion="2.0")["IntegrationId"]
        auth = self.gw.create_authorizer(
            ApiId=api_id, Name="simple", AuthorizerType="REQUEST", AuthorizerUri=self.uri,
            AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
            IdentitySource=["$request.header.Authorization"])
        self.gw.create_route(ApiId=api_id, RouteKey="GET /private",
                             Target="integrations/" + integ, AuthorizationType="CUSTOM",
                             AuthorizerId=auth["AuthorizerId"])
        self.gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        status, _, body = self.call(api_id, "/private")
        self.assertEqual((status, json.loads(body)), (401, {"message": "Unauthorized"}))
        status, _, body = self.call(api_id, "/private", headers={"Authorization": "nope"})
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        status, _, body = self.call(api_id, "/private", headers={"Authorization": "letmein"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["event"]["requestContext"]["authorizer"],
                         {"lambda": {"who": "e2e"}})

    def test_control_errors(self):
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.get_api(ApiId="missing")
        with self.assertRaises(self.gw.exceptions.BadRequestException):
            self.gw.create_route(ApiId=self.api["ApiId"], RouteKey="GET no-slash")
        with self.assertRaises(self.gw.exceptions.ConflictException):
            self.gw.create_route(ApiId=self.api["ApiId"], RouteKey="$default")
        ids = [a["ApiId"] for a in self.gw.get_apis()["Items"]]
        self.assertIn(self.api["ApiId"], ids)
        with self.assertRaises(self.rest.exceptions.NotFoundException):
            self.rest.get_rest_api(restApiId="missing")

    def test_cli(self):
        # The AWS CLI (skipped under Debian's python: the harness runs it once):
        # a quick create that answers, and a REST API boto3 then sees.
        _, out, _ = self.server.aws_cli("apigatewayv2", "create-api", "--name", "cli",
                                        "--protocol-type", "HTTP", "--target", self.fn_arn)
        status, _, body = self.call(json.loads(out)["ApiId"], "/plain")
        self.assertEqual((status, json.loads(body)), (200, {"plain": True}))
        _, out, _ = self.server.aws_cli("apigateway", "create-rest-api", "--name", "cli-rest")
        api = json.loads(out)
        self.assertEqual(self.rest.get_rest_api(restApiId=api["id"])["name"], "cli-rest")

    # REST APIs

    def rest_root(self, api):
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in self.rest.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        self.assertEqual(api.get("rootResourceId", root), root)
        return root

    def test_rest_proxy_resource_and_missing_authentication_token(self):
        api = self.rest.create_rest_api(name="rest")
        proxy = self.rest.create_resource(restApiId=api["id"], parentId=self.rest_root(api),
                                          pathPart="{proxy+}")
        self.assertEqual(proxy["path"], "/{proxy+}")
        self.rest.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                             authorizationType="NONE")
        self.rest.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                                  type="AWS_PROXY", integrationHttpMethod="POST", uri=self.uri)
        self.rest.create_deployment(restApiId=api["id"], stageName="dev",
                                    variables={"color": "blue"})
        self.assertEqual(self.rest.get_stage(restApiId=api["id"], stageName="dev")["variables"],
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

    def test_rest_mock_integration(self):
        api = self.rest.create_rest_api(name="mock")
        res = self.rest.create_resource(restApiId=api["id"], parentId=self.rest_root(api),
                                        pathPart="health")["id"]
        common = dict(restApiId=api["id"], resourceId=res, httpMethod="GET")
        self.rest.put_method(authorizationType="NONE", **common)
        self.rest.put_integration(type="MOCK",
                                  requestTemplates={"application/json": '{"statusCode": 200}'},
                                  **common)
        self.rest.put_method_response(statusCode="200", **common)
        self.rest.put_integration_response(
            statusCode="200", responseTemplates={"application/json": '{"ok": true}'}, **common)
        self.rest.create_deployment(restApiId=api["id"], stageName="v1")
        status, _, body = self.call(api["id"], "/v1/health")
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        with self.assertRaises(self.rest.exceptions.ConflictException):
            self.rest.create_resource(restApiId=api["id"], parentId=self.rest_root(api),
                                      pathPart="health")

    def test_rest_authorizer_api_keys_and_usage_plans(self):
        api = self.rest.create_rest_api(name="guarded")
        res = self.rest.create_resource(restApiId=api["id"], parentId=self.rest_root(api),
                                        pathPart="guarded")["id"]
        auth = self.rest.create_authorizer(
            restApiId=api["id"], name="tokens", type="TOKEN", authorizerUri=self.uri,
            identitySource="method.request.header.Authorization",
            authorizerResultTtlInSeconds=0)
        common = dict(restApiId=api["id"], resourceId=res, httpMethod="GET")
        self.rest.put_method(authorizationType="CUSTOM", authorizerId=auth["id"],
                             apiKeyRequired=True, **common)
        self.rest.put_integration(type="AWS_PROXY", integrationHttpMethod="POST", uri=self.uri,
                                  **common)
        self.rest.create_deployment(restApiId=api["id"], stageName="prod")
        key = self.rest.create_api_key(name="e2e", enabled=True)
        plan = self.rest.create_usage_plan(
            name="e2e", apiStages=[{"apiId": api["id"], "stage": "prod"}],
            throttle={"rateLimit": 0.01, "burstLimit": 2})
        self.rest.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"],
                                        keyType="API_KEY")

        def get(**headers):
            req = urllib.request.Request(
                self.server.endpoint + "/_aws/execute-api/%s/prod/guarded" % api["id"],
                headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read()

        status, headers, body = get()
        self.assertEqual((status, json.loads(body)), (401, {"message": "Unauthorized"}))
        self.assertEqual(headers["x-amzn-ErrorType"], "UnauthorizedException")
        self.assertEqual(get(Authorization="bad")[0], 401)
        status, _, body = get(Authorization="deny")
        self.assertEqual(status, 403)
        self.assertIn("explicit deny", json.loads(body)["Message"])
        status, _, body = get(Authorization="allow")  # no API key
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        for _ in range(2):
            status, _, body = get(Authorization="allow", **{"x-api-key": key["value"]})
            self.assertEqual(status, 200, body)
        authorizer = json.loads(body)["event"]["requestContext"]["authorizer"]
        self.assertEqual((authorizer["principalId"], authorizer["tier"]), ("user-allow", "gold"))
        status, headers, body = get(Authorization="allow", **{"x-api-key": key["value"]})
        self.assertEqual((status, json.loads(body)), (429, {"message": "Too Many Requests"}))
        today = time.strftime("%Y-%m-%d", time.gmtime())
        usage = self.rest.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
        self.assertEqual(usage["items"], {key["id"]: [[2, 0]]})

    # Function URLs

    def test_function_url_life_cycle_and_invoke(self):
        out = self.lam.create_function_url_config(
            FunctionName="apigw-echo", AuthType="NONE",
            Cors={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET"]})
        url = out["FunctionUrl"]
        host = url.split("//", 1)[1].split("/", 1)[0]
        self.assertRegex(url, r"^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:%d/$"
                         % self.server.port)
        self.assertEqual(out["FunctionArn"],
                         "arn:aws:lambda:us-east-1:%s:function:apigw-echo" % ACCOUNT)
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_function_url_config(FunctionName="apigw-echo", AuthType="NONE")
        got = self.lam.get_function_url_config(FunctionName="apigw-echo")
        self.assertEqual((got["FunctionUrl"], got["AuthType"]), (url, "NONE"))
        listed = self.lam.list_function_url_configs(FunctionName="apigw-echo")
        self.assertEqual([c["FunctionUrl"] for c in listed["FunctionUrlConfigs"]], [url])

        status, headers, body = self.fetch(host, "/hi?x=1",
                                           headers={"Origin": "https://app.example"})
        self.assertEqual(status, 200, body)
        event = json.loads(body)["event"]
        self.assertEqual((event["version"], event["rawPath"], event["rawQueryString"]),
                         ("2.0", "/hi", "x=1"))
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://app.example")
        self.assertEqual(json.loads(body)["requestId"], headers["x-amzn-RequestId"])
        status, _, body = self.fetch(host, "/plain")
        self.assertEqual((status, json.loads(body)), (200, {"plain": True}))

        self.lam.update_function_url_config(FunctionName="apigw-echo", AuthType="AWS_IAM")
        status, _, _ = self.fetch(host, "/hi")
        self.assertEqual(status, 403)
        # Signed for lambda with the server's keys, the caller reaches the function.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        signed = AWSRequest(method="GET", url="http://%s/hi" % host)
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", "us-east-1").add_auth(signed)
        status, _, body = self.fetch(host, "/hi", headers=dict(signed.headers.items()))
        self.assertEqual(status, 200, body)
        ctx = json.loads(body)["event"]["requestContext"]
        self.assertEqual(ctx["accountId"], ACCOUNT)
        self.assertEqual(ctx["authorizer"]["iam"]["accessKey"], ACCESS_KEY)
        self.lam.delete_function_url_config(FunctionName="apigw-echo")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_url_config(FunctionName="apigw-echo")
        status, _, _ = self.fetch(host, "/hi")
        self.assertEqual(status, 404)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.create_function_url_config(FunctionName="no-such-fn", AuthType="NONE")


if __name__ == "__main__":
    unittest.main()
