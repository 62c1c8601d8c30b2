"""Step Functions' API Gateway task (arn:aws:states:::apigateway:invoke) end
to end under `--iam enforce`: boto3 builds a REST API and an HTTP API in
front of a small http.server in this process (HTTP_PROXY) and a REST method
with AWS_IAM authorization (MOCK); state machines call them. The backend
checks what arrives (method, stage and path, query, headers, the body
without its nulls); the results and errors are AWS's shapes
({Headers, ResponseBody, StatusCode, StatusText}, ApiGateway.<status>);
IAM_ROLE signs as the state machine's role, whose policy decides;
RESOURCE_POLICY calls as states.amazonaws.com for the state machine, which
a REST API's resource policy names (AWS's example)."""

import json
import threading
import unittest
from http.server import ThreadingHTTPServer

from harness import ServerTestCase, require_boto3, rest_mock_method, trust_policy, wait_until
# The backend that records what reaches it: 404 under /missing, else 201
# with {"path": ...} and X-Backend: yes.
from test_apigw_http import Backend


class SfnApiGatewayTaskTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
        cls.backend.daemon_threads = True
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % cls.backend.server_address[1]
        rest = cls.server.boto3_client("apigateway")
        cls.api_id = rest.create_rest_api(name="sfn-task")["id"]
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in rest.get_resources(restApiId=cls.api_id)["items"]
                if r["path"] == "/"][0]
        proxy = rest.create_resource(restApiId=cls.api_id, parentId=root, pathPart="{proxy+}")
        rest.put_method(restApiId=cls.api_id, resourceId=proxy["id"], httpMethod="ANY",
                        authorizationType="NONE")
        rest.put_integration(
            restApiId=cls.api_id, resourceId=proxy["id"], httpMethod="ANY", type="HTTP_PROXY",
            integrationHttpMethod="ANY", uri=base + "/base/{proxy}",
            requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        secure = rest.create_resource(restApiId=cls.api_id, parentId=root, pathPart="secure")
        rest.put_method(restApiId=cls.api_id, resourceId=secure["id"], httpMethod="GET",
                        authorizationType="AWS_IAM")
        rest.put_integration(restApiId=cls.api_id, resourceId=secure["id"], httpMethod="GET",
                             type="MOCK",
                             requestTemplates={"application/json": '{"statusCode": 200}'})
        rest.put_method_response(restApiId=cls.api_id, resourceId=secure["id"],
                                 httpMethod="GET", statusCode="200")
        rest.put_integration_response(restApiId=cls.api_id, resourceId=secure["id"],
                                      httpMethod="GET", statusCode="200",
                                      responseTemplates={"application/json": '{"ok": true}'})
        rest.create_deployment(restApiId=cls.api_id, stageName="prod")

        gw = cls.server.boto3_client("apigatewayv2")
        cls.http_api_id = gw.create_api(Name="sfn-task-http", ProtocolType="HTTP")["ApiId"]
        integ = gw.create_integration(
            ApiId=cls.http_api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
            IntegrationUri=base + "/v2/{proxy}", PayloadFormatVersion="1.0")
        gw.create_route(ApiId=cls.http_api_id, RouteKey="ANY /items/{proxy+}",
                        Target="integrations/" + integ["IntegrationId"])
        gw.create_stage(ApiId=cls.http_api_id, StageName="$default", AutoDeploy=True)

        iam = cls.server.boto3_client("iam")
        trust = trust_policy("states.amazonaws.com")
        cls.invoker_role = iam.create_role(RoleName="sfn-api-invoker",
                                           AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName="sfn-api-invoker", PolicyName="invoke",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow", "Action": "execute-api:Invoke",
                                "Resource": "arn:aws:execute-api:*:*:%s/prod/GET/secure"
                                            % cls.api_id}]}))
        cls.plain_role = iam.create_role(RoleName="sfn-api-plain",
                                         AssumeRolePolicyDocument=trust)["Role"]["Arn"]

    @classmethod
    def tearDownClass(cls):
        cls.backend.shutdown()
        cls.backend.server_close()
        super().tearDownClass()

    def setUp(self):
        Backend.seen.clear()
        self.sfn = self.server.boto3_client("stepfunctions")

    def run_task(self, name, parameters, role=None, catch=None):
        task = {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
                "Parameters": parameters, "End": True}
        states = {"Call": task}
        if catch:
            task["Catch"] = [{"ErrorEquals": [catch], "Next": "Caught"}]
            states["Caught"] = {"Type": "Pass", "End": True}
        arn = self.sfn.create_state_machine(
            name=name, roleArn=role or self.plain_role,
            definition=json.dumps({"StartAt": "Call", "States": states}))["stateMachineArn"]
        x = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps({"id": 7}))
        return wait_until(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            self.sfn.describe_execution(executionArn=x["executionArn"])), timeout=20)

    def endpoint(self, api_id):
        return "%s.execute-api.us-east-1.amazonaws.com" % api_id

    def test_a_rest_api_call_answers_aws_shape(self):
        d = self.run_task("apigw-rest", {
            "ApiEndpoint": self.endpoint(self.api_id), "Method": "POST", "Stage": "prod",
            "Path.$": "States.Format('orders/{}', $.id)",
            "QueryParameters": {"kind": ["rush"], "tags": ["a", "b"]},
            "Headers": {"x-shop": ["south"]},
            "RequestBody": {"order.$": "$.id", "note": None}})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual((out["StatusCode"], out["StatusText"]), (201, "Created"))
        self.assertEqual(out["ResponseBody"], {"path": "/base/orders/7?kind=rush&tags=a&tags=b"})
        headers = {k.lower(): v for k, v in out["Headers"].items()}
        self.assertEqual(headers["x-backend"], ["yes"])
        seen = Backend.seen[-1]
        self.assertEqual(seen["method"], "POST")
        self.assertEqual(json.loads(seen["body"]), {"order": 7})  # nulls are not sent
        self.assertEqual(seen["headers"]["x-shop"], "south")

    def test_an_http_api_default_stage_has_no_stage_segment(self):
        d = self.run_task("apigw-http", {
            "ApiEndpoint": self.endpoint(self.http_api_id), "Method": "PUT",
            "Path": "/items/x", "RequestBody": "plain text", "AllowNullValues": True})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["ResponseBody"], {"path": "/v2/x"})
        self.assertEqual(Backend.seen[-1]["body"], b"plain text")

    def test_errors_are_the_status_code_and_are_caught(self):
        call = {"ApiEndpoint": self.endpoint(self.api_id), "Method": "GET", "Stage": "prod",
                "Path": "missing"}
        d = self.run_task("apigw-404", call)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "ApiGateway.404"), d)
        self.assertEqual(json.loads(d["cause"]), {"path": "/base/missing"})
        d = self.run_task("apigw-404-caught", call, catch="ApiGateway.404")
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["Error"], "ApiGateway.404")
        # Headers Step Functions does not send are refused before any call.
        d = self.run_task("apigw-bad-header", dict(call, Headers={"Authorization": ["x"]}))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Runtime"), d)
        self.assertIn("Authorization", d["cause"])
        self.assertEqual(Backend.seen[-1]["path"], "/base/missing")  # only the two calls
        self.assertEqual(len(Backend.seen), 2)

    def test_iam_role_signs_as_the_state_machine_role(self):
        call = {"ApiEndpoint": self.endpoint(self.api_id), "Method": "GET", "Stage": "prod",
                "Path": "secure"}
        d = self.run_task("apigw-iam", dict(call, AuthType="IAM_ROLE"), role=self.invoker_role)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["ResponseBody"], {"ok": True})
        # Unsigned: the method wants a signature.
        d = self.run_task("apigw-noauth", dict(call, AuthType="NO_AUTH"), role=self.invoker_role)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "ApiGateway.403"), d)
        self.assertEqual(json.loads(d["cause"]), {"message": "Missing Authentication Token"})
        # A role whose policies do not allow execute-api:Invoke.
        d = self.run_task("apigw-iam-denied", dict(call, AuthType="IAM_ROLE"))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "ApiGateway.403"), d)
        self.assertIn("assumed-role/sfn-api-plain/", d["cause"])
        self.assertIn("is not authorized to perform: execute-api:Invoke", d["cause"])

    def test_resource_policy_names_the_state_machine(self):
        rest = self.server.boto3_client("apigateway")
        machine = "arn:aws:states:us-east-1:000000000000:stateMachine:apigw-policy"
        api_id = rest.create_rest_api(name="sfn-walled", policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/hello",
                "Condition": {"StringEquals": {"aws:SourceArn": [machine]}}}]}))["id"]
        rest_mock_method(rest, api_id, "hello")
        rest.create_deployment(restApiId=api_id, stageName="prod")
        call = {"ApiEndpoint": self.endpoint(api_id), "Method": "GET", "Stage": "prod",
                "Path": "hello", "AuthType": "RESOURCE_POLICY"}
        d = self.run_task("apigw-policy", call)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["ResponseBody"], {"ok": True})
        arn = "arn:aws:execute-api:us-east-1:000000000000:%s/prod/GET/hello" % api_id
        d = self.run_task("apigw-policy-other", call)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "ApiGateway.403"), d)
        self.assertEqual(json.loads(d["cause"]), {"Message": (
            "User: states.amazonaws.com is not authorized to perform: execute-api:Invoke on "
            "resource: " + arn + " because no resource-based policy allows the "
            "execute-api:Invoke action")})
        d = self.run_task("apigw-policy-noauth", dict(call, AuthType="NO_AUTH"))
        self.assertEqual((d["status"], d["error"]), ("FAILED", "ApiGateway.403"), d)
        self.assertIn("User: anonymous is not authorized", d["cause"])


if __name__ == "__main__":
    unittest.main()
