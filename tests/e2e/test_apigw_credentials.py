"""Integrations' credentials role under `nimbus serve --iam enforce`: API
Gateway invokes the function as the role (no resource-policy permission
needed) when the role trusts apigateway.amazonaws.com and its policies allow
lambda:InvokeFunction; otherwise the client gets AWS's 500 and the server
logs the execution-log reason ("Invalid permissions on Lambda function", or
"API Gateway does not have permission to assume the provided role" for one
that does not trust it). A Lambda proxy and a Lambda non-proxy (AWS) REST
integration, an HTTP API's quick-created Lambda integration. AWS integrations to SQS (a REST action/SendMessage, an HTTP
API SQS-SendMessage subtype) send as the role: a role that may sends, one
that may not gets SQS's AccessDenied (selected by status), one that does
not trust API Gateway is a 500 with "API Gateway does not have permission
to assume the provided role" in the log. Lambda authorizers' own roles
(REST authorizerCredentials, HTTP API AuthorizerCredentialsArn) alike: a
refused one is the authorizer's configuration error. boto3 (both
generations) and urllib, one server for the file."""

import io
import json
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ServerTestCase, require_boto3

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}
GATEWAY_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "invoked"}
"""

AUTHORIZER = """
def handler(event, context):
    return {"principalId": "u", "isAuthorized": True, "policyDocument": {
        "Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
"""


class IntegrationCredentialsTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        iam = cls.server.boto3_client("iam")
        fn_role = iam.create_role(RoleName="fn-role",
                                  AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
        lam = cls.server.boto3_client("lambda")
        arns = []
        for name, code in (("cred-fn", HANDLER), ("cred-auth", AUTHORIZER)):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("app.py", code)
            arns.append(lam.create_function(FunctionName=name, Runtime="python3.11",
                                            Role=fn_role["Arn"], Handler="app.handler",
                                            Code={"ZipFile": buf.getvalue()},
                                            Timeout=10)["FunctionArn"])
        cls.fn, cls.auth_fn = arns
        invoke = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arns}]}
        cls.roles = {}
        for name, trust, policy in (("gw-invoke", GATEWAY_TRUST, invoke),
                                    ("gw-nothing", GATEWAY_TRUST, None),
                                    ("gw-untrusted", LAMBDA_TRUST, invoke)):
            cls.roles[name] = iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            if policy:
                iam.put_role_policy(RoleName=name, PolicyName="invoke",
                                    PolicyDocument=json.dumps(policy))
        cls.rest = cls.server.boto3_client("apigateway")
        sqs = cls.server.boto3_client("sqs")
        cls.sqs = sqs
        cls.queue = sqs.create_queue(QueueName="gw-orders")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(
            QueueUrl=cls.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        send = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}
        for name, trust in (("gw-send", GATEWAY_TRUST), ("gw-send-untrusted", LAMBDA_TRUST)):
            cls.roles[name] = iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            iam.put_role_policy(RoleName=name, PolicyName="send",
                                PolicyDocument=json.dumps(send))

    def api(self, role, kind):
        rest = self.rest
        api = rest.create_rest_api(name="creds")["id"]
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        res = rest.create_resource(restApiId=api, parentId=root, pathPart="go")["id"]
        common = dict(restApiId=api, resourceId=res, httpMethod="GET")
        rest.put_method(authorizationType="NONE", **common)
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
               % self.fn)
        rest.put_integration(type=kind, integrationHttpMethod="POST", uri=uri,
                             credentials=self.roles[role], **common)
        if kind == "AWS":
            rest.put_method_response(statusCode="200", **common)
            rest.put_integration_response(statusCode="200", **common)
        rest.create_deployment(restApiId=api, stageName="dev")
        return "%s/_aws/execute-api/%s/dev/go" % (self.server.endpoint, api)

    def get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_a_role_that_may_invoke_needs_no_permission(self):
        status, body = self.get(self.api("gw-invoke", "AWS_PROXY"))
        self.assertEqual((status, body), (200, b"invoked"))
        status, body = self.get(self.api("gw-invoke", "AWS"))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["body"], "invoked")

    def test_a_role_that_may_not_is_a_500(self):
        for role in ("gw-nothing", "gw-untrusted"):
            for kind in ("AWS_PROXY", "AWS"):
                status, body = self.get(self.api(role, kind))
                self.assertEqual((status, json.loads(body)),
                                 (500, {"message": "Internal server error"}), (role, kind))
        log = self.server.read_log()
        # A role that cannot be assumed is named as such, not as the
        # function's permissions (the ones that may be assumed are).
        self.assertIn("Execution failed due to configuration error: Invalid permissions on "
                      "Lambda function", log)
        self.assertIn("Execution failed due to configuration error: API Gateway does not have "
                      "permission to assume the provided role " + self.roles["gw-untrusted"], log)

    def test_an_http_api_lambda_integration_invokes_as_its_credentials_arn(self):
        v2 = self.server.boto3_client("apigatewayv2")
        answers = {}
        for role in ("gw-invoke", "gw-nothing", "gw-untrusted"):
            # Quick create: the integration takes the CredentialsArn.
            api = v2.create_api(Name="fn-creds", ProtocolType="HTTP", Target=self.fn,
                                CredentialsArn=self.roles[role])["ApiId"]
            status, body = self.get("%s/_aws/execute-api/%s/go" % (self.server.endpoint, api))
            answers[role] = (status, body if status == 200 else json.loads(body))
        self.assertEqual(answers, {
            "gw-invoke": (200, b"invoked"),
            "gw-nothing": (500, {"message": "Internal Server Error"}),
            "gw-untrusted": (500, {"message": "Internal Server Error"})})
        log = self.server.read_log()
        self.assertIn("Execution failed due to configuration error: API Gateway does not have "
                      "permission to assume the provided role " + self.roles["gw-untrusted"], log)

    def authorizer_uri(self):
        return ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                % self.auth_fn)

    def test_a_rest_authorizer_invokes_as_its_credentials_role(self):
        rest = self.rest
        answers = {}
        for role in ("gw-invoke", "gw-nothing", "gw-untrusted"):
            api = rest.create_rest_api(name="auth-creds")["id"]
            root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                    if r["path"] == "/"][0]
            authorizer = rest.create_authorizer(
                restApiId=api, name="a", type="TOKEN", authorizerUri=self.authorizer_uri(),
                identitySource="method.request.header.Authorization",
                authorizerCredentials=self.roles[role])["id"]
            common = dict(restApiId=api, resourceId=root, httpMethod="GET")
            rest.put_method(authorizationType="CUSTOM", authorizerId=authorizer, **common)
            rest.put_integration(
                type="AWS_PROXY", integrationHttpMethod="POST", credentials=self.roles["gw-invoke"],
                uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                % self.fn, **common)
            rest.create_deployment(restApiId=api, stageName="dev")
            url = "%s/_aws/execute-api/%s/dev/" % (self.server.endpoint, api)
            status, body = self.get(urllib.request.Request(url, headers={"Authorization": "t"}))
            answers[role] = (status, body if status == 200 else json.loads(body))
        self.assertEqual(answers, {"gw-invoke": (200, b"invoked"),
                                   "gw-nothing": (500, {"message": None}),
                                   "gw-untrusted": (500, {"message": None})})
        self.assertIn("Execution failed due to configuration error: API Gateway does not have "
                      "permission to assume the provided role " + self.roles["gw-untrusted"],
                      self.server.read_log())

    def test_an_http_api_authorizer_invokes_as_its_credentials_arn(self):
        v2 = self.server.boto3_client("apigatewayv2")
        api = v2.create_api(Name="auth-creds", ProtocolType="HTTP")["ApiId"]
        integration = v2.create_integration(
            ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=self.fn,
            PayloadFormatVersion="2.0", CredentialsArn=self.roles["gw-invoke"])["IntegrationId"]
        for role in ("gw-invoke", "gw-nothing", "gw-untrusted"):
            authorizer = v2.create_authorizer(
                ApiId=api, Name=role, AuthorizerType="REQUEST",
                AuthorizerUri=self.authorizer_uri(), AuthorizerPayloadFormatVersion="2.0",
                EnableSimpleResponses=True, IdentitySource=["$request.header.Authorization"],
                AuthorizerCredentialsArn=self.roles[role])["AuthorizerId"]
            v2.create_route(ApiId=api, RouteKey="GET /" + role, AuthorizationType="CUSTOM",
                            AuthorizerId=authorizer, Target="integrations/" + integration)
        v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
        answers = {}
        for role in ("gw-invoke", "gw-nothing", "gw-untrusted"):
            url = "%s/_aws/execute-api/%s/%s" % (self.server.endpoint, api, role)
            status, body = self.get(urllib.request.Request(url, headers={"Authorization": "t"}))
            answers[role] = (status, body if status == 200 else json.loads(body))
        self.assertEqual(answers, {
            "gw-invoke": (200, b"invoked"),
            "gw-nothing": (500, {"message": "Internal Server Error"}),
            "gw-untrusted": (500, {"message": "Internal Server Error"})})

    def sqs_api(self, role):
        """POST /send?m=TEXT sends TEXT to the queue as `role`; SQS's 4xx
        answers are selected as the method's 403."""
        rest = self.rest
        api = rest.create_rest_api(name="sqs-creds")["id"]
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        res = rest.create_resource(restApiId=api, parentId=root, pathPart="send")["id"]
        common = dict(restApiId=api, resourceId=res, httpMethod="POST")
        rest.put_method(authorizationType="NONE",
                        requestParameters={"method.request.querystring.m": True}, **common)
        rest.put_integration(
            type="AWS", integrationHttpMethod="POST",
            uri="arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
            credentials=self.roles[role],
            requestParameters={
                "integration.request.querystring.QueueUrl": "'%s'" % self.queue,
                "integration.request.querystring.MessageBody": "method.request.querystring.m"},
            **common)
        for status, pattern in (("200", None), ("403", "4\\d{2}")):
            rest.put_method_response(statusCode=status, **common)
            extra = {"selectionPattern": pattern} if pattern else {}
            rest.put_integration_response(statusCode=status, **extra, **common)
        rest.create_deployment(restApiId=api, stageName="dev")
        return "%s/_aws/execute-api/%s/dev/send" % (self.server.endpoint, api)

    def post(self, url):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"),
                                        timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def drain(self):
        got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=1).get("Messages", [])
        for m in got:
            self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
        return [m["Body"] for m in got]

    def test_a_rest_sqs_integration_sends_as_its_role(self):
        status, body = self.post(self.sqs_api("gw-send") + "?m=allowed")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.drain(), ["allowed"])
        status, body = self.post(self.sqs_api("gw-nothing") + "?m=refused")
        self.assertEqual(status, 403, body)
        self.assertIn(b"AccessDenied", body)
        self.assertIn(b"sqs:SendMessage", body)
        status, body = self.post(self.sqs_api("gw-send-untrusted") + "?m=untrusted")
        self.assertEqual((status, json.loads(body)),
                         (500, {"message": "Internal server error"}))
        self.assertEqual(self.drain(), [])
        self.assertIn("Execution failed due to configuration error: API Gateway does not have "
                      "permission to assume the provided role " + self.roles["gw-send-untrusted"],
                      self.server.read_log())

    def test_an_http_api_sqs_subtype_sends_as_its_credentials_arn(self):
        v2 = self.server.boto3_client("apigatewayv2")
        api = v2.create_api(Name="sqs-creds", ProtocolType="HTTP")["ApiId"]
        for role in ("gw-send", "gw-nothing", "gw-send-untrusted"):
            integration = v2.create_integration(
                ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage",
                PayloadFormatVersion="1.0", CredentialsArn=self.roles[role],
                RequestParameters={"QueueUrl": self.queue, "MessageBody": role})
            v2.create_route(ApiId=api, RouteKey="POST /" + role,
                            Target="integrations/" + integration["IntegrationId"])
        v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
        base = "%s/_aws/execute-api/%s/" % (self.server.endpoint, api)
        status, body = self.post(base + "gw-send")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.drain(), ["gw-send"])
        status, body = self.post(base + "gw-nothing")
        self.assertEqual(status, 403, body)
        self.assertIn(b"AccessDenied", body)
        status, body = self.post(base + "gw-send-untrusted")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal Server Error"}))
        self.assertEqual(self.drain(), [])


if __name__ == "__main__":
    unittest.main()
