"""`nimbus serve --iam enforce`: API Gateway invokes a function (a proxy
integration or a Lambda authorizer) only when the function's resource
policy allows apigateway.amazonaws.com for the caller's execute-api ARN, as
on AWS; otherwise the client gets the gateway's 500 and the server logs
AWS's execution-log line. `--iam audit` answers as off."""

import json
import unittest
import urllib.error
import urllib.request

from harness import ACCOUNT, ServerTestCase, require_boto3, zip_of

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}

HANDLER = """
import json
def handler(event, context):
    if event.get("type") == "TOKEN":
        statement = {"Action": "execute-api:Invoke", "Resource": event["methodArn"],
                     "Effect": "Allow"}
        return {"principalId": "me",
                "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    path = event.get("rawPath") or event.get("path")
    return {"statusCode": 200, "body": json.dumps({"path": path})}
"""



class GatewayPermissionMixin:
    def setUp(self):
        require_boto3()
        self.lam = self.server.boto3_client("lambda")
        self.gw = self.server.boto3_client("apigatewayv2")
        self.rest = self.server.boto3_client("apigateway")

    def function(self, name):
        iam = self.server.boto3_client("iam")
        role = iam.create_role(RoleName=name + "-role",
                               AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        arn = self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                       Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})},
                                       Timeout=10)["FunctionArn"]
        uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations" % arn
        return arn, uri

    def call(self, api_id, path, method="GET", headers=None):
        req = urllib.request.Request(self.server.endpoint + "/_aws/execute-api/" + api_id + path,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def allow(self, name, sid, source_arn):
        self.lam.add_permission(FunctionName=name, StatementId=sid,
                                Action="lambda:InvokeFunction",
                                Principal="apigateway.amazonaws.com", SourceArn=source_arn)

    def rest_api(self, uri, method="GET", authorizer=None):
        api = self.rest.create_rest_api(name="perm")
        root = [r["id"] for r in self.rest.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        proxy = self.rest.create_resource(restApiId=api["id"], parentId=root,
                                          pathPart="{proxy+}")
        kwargs = {"authorizationType": "NONE"}
        if authorizer:
            auth = self.rest.create_authorizer(restApiId=api["id"], name="tok", type="TOKEN",
                                               authorizerUri=authorizer,
                                               identitySource="method.request.header.Authorization",
                                               authorizerResultTtlInSeconds=0)
            kwargs = {"authorizationType": "CUSTOM", "authorizerId": auth["id"]}
        self.rest.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod=method,
                             **kwargs)
        self.rest.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod=method,
                                  type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
        self.rest.create_deployment(restApiId=api["id"], stageName="dev")
        return api["id"]


class GatewayPermissionEnforceTest(GatewayPermissionMixin, ServerTestCase):
    server_args = ("--iam", "enforce")

    def test_http_api_needs_a_permission(self):
        arn, _ = self.function("http-fn")
        api_id = self.gw.create_api(Name="quick", ProtocolType="HTTP", Target=arn)["ApiId"]
        self.assertEqual(self.call(api_id, "/pets/7"),
                         (500, {"message": "Internal Server Error"}))
        self.assertIn("Execution failed due to configuration error: Invalid permissions on "
                      "Lambda function", self.server.read_log())
        # Another API's permission does not help; this API's does.
        self.allow("http-fn", "other", "arn:aws:execute-api:us-east-1:%s:other/*" % ACCOUNT)
        self.assertEqual(self.call(api_id, "/pets/7")[0], 500)
        self.allow("http-fn", "mine", "arn:aws:execute-api:us-east-1:%s:%s/*" % (ACCOUNT, api_id))
        self.assertEqual(self.call(api_id, "/pets/7"), (200, {"path": "/pets/7"}))

    def test_rest_api_permission_names_stage_method_and_path(self):
        _, uri = self.function("rest-fn")
        api_id = self.rest_api(uri, method="ANY")
        self.assertEqual(self.call(api_id, "/dev/pets/7"),
                         (500, {"message": "Internal server error"}))
        # As SAM grants it: any stage, GET, any path below /pets.
        self.allow("rest-fn", "get-pets",
                   "arn:aws:execute-api:us-east-1:%s:%s/*/GET/pets/*" % (ACCOUNT, api_id))
        self.assertEqual(self.call(api_id, "/dev/pets/7"), (200, {"path": "/pets/7"}))
        self.assertEqual(self.call(api_id, "/dev/pets/7", method="DELETE")[0], 500)
        self.assertEqual(self.call(api_id, "/dev/toys/1")[0], 500)

    def test_rest_lambda_authorizer_needs_its_own_permission(self):
        _, uri = self.function("auth-fn")
        api_id = self.rest_api(uri, authorizer=uri)
        self.allow("auth-fn", "routes", "arn:aws:execute-api:us-east-1:%s:%s/*/*/*"
                   % (ACCOUNT, api_id))
        # The authorizer's call names /authorizers/ID, which the route grant does not cover.
        self.assertEqual(self.call(api_id, "/dev/x", headers={"Authorization": "t"})[0], 500)
        self.allow("auth-fn", "authorizers", "arn:aws:execute-api:us-east-1:%s:%s/authorizers/*"
                   % (ACCOUNT, api_id))
        self.assertEqual(self.call(api_id, "/dev/x", headers={"Authorization": "t"}),
                         (200, {"path": "/x"}))


class GatewayPermissionAuditTest(GatewayPermissionMixin, ServerTestCase):
    server_args = ("--iam", "audit")

    def test_audit_invokes_without_a_permission(self):
        arn, uri = self.function("audit-fn")
        api_id = self.gw.create_api(Name="quick", ProtocolType="HTTP", Target=arn)["ApiId"]
        self.assertEqual(self.call(api_id, "/a"), (200, {"path": "/a"}))
        self.assertEqual(self.call(self.rest_api(uri), "/dev/b"), (200, {"path": "/b"}))


if __name__ == "__main__":
    unittest.main()
