"""SAM Api and HttpApi events against a real server: `aws cloudformation
deploy` of a SAM template with one Python function behind the implicit REST
API (an `Api` event) and another behind the implicit HTTP API (an `HttpApi`
event); both URLs called over HTTP (path-style and with the API's Host
header); the stack's tags and the aws:cloudformation:* ones on both APIs
and their stages, moved by the update; an update adding a route to each,
served; a delete removing both APIs. An explicit HttpApi with a Lambda authorizer (SAM's Auth) guarding
its routes. A REST API from a body in S3 with an
AWS::ApiGateway::GatewayResponse shaping the gateway's own error answer."""

import http.client
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from harness import wait_until
from test_cfn import CfnBase

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.9
    Handler: index.handler
    Timeout: 10
Resources:
  RestFn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps(
                {"from": "rest", "path": event["path"], "resource": event["resource"]})}
      Events:
        Hello:
          Type: Api
          Properties: {Path: /hello, Method: get}
        EXTRA_REST
  HttpFn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        import json
        def handler(event, context):
            return {"from": "http", "route": event["routeKey"],
                    "id": (event.get("pathParameters") or {}).get("id")}
      Events:
        Item:
          Type: HttpApi
          Properties: {Path: "/items/{id}", Method: get}
        EXTRA_HTTP
Outputs:
  RestId: {Value: !Ref ServerlessRestApi}
  HttpId: {Value: !Ref ServerlessHttpApi}
  HttpEndpoint: {Value: !GetAtt ServerlessHttpApi.ApiEndpoint}
"""

EXTRA_REST = """Bye:
          Type: Api
          Properties: {Path: /bye, Method: post}"""
EXTRA_HTTP = """All:
          Type: HttpApi
          Properties: {Path: "/all/{proxy+}", Method: any}"""


class CfnApiGatewayTest(CfnBase):
    def deploy(self, path, *extra):
        return self.server.aws_cli("cloudformation", "deploy", "--template-file", path,
                                   "--stack-name", "apis", "--capabilities", "CAPABILITY_IAM",
                                   *extra)

    def tags(self, rest_id, http_id):
        """The tags of both APIs and their stages, by ARN."""
        rest = self.server.boto3_client("apigateway")
        v2 = self.server.boto3_client("apigatewayv2")
        arn = "arn:aws:apigateway:us-east-1::/"
        return {
            "rest": rest.get_tags(resourceArn=arn + "restapis/" + rest_id)["tags"],
            "prod": rest.get_tags(resourceArn=arn + "restapis/%s/stages/Prod" % rest_id)["tags"],
            "http": v2.get_tags(ResourceArn=arn + "apis/" + http_id)["Tags"],
            "default": v2.get_tags(ResourceArn=arn + "apis/%s/stages/$default" % http_id)["Tags"]}

    def call(self, api_id, path, method="GET"):
        """Path-style; returns (status, body)."""
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, method=method,
            data=b"{}" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def write(self, path, extra):
        text = TEMPLATE.replace("EXTRA_REST", EXTRA_REST if extra else "")
        text = text.replace("EXTRA_HTTP", EXTRA_HTTP if extra else "")
        with open(path, "w") as f:
            f.write(text)

    def test_deploy_call_update_delete(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "template.yaml")
            self.write(path, extra=False)
            self.deploy(path, "--tags", "team=ops")
            self.assertEqual(self.settled("apis")["StackStatus"], "CREATE_COMPLETE")
            out = self.outputs("apis")
            rest_id, http_id = out["RestId"], out["HttpId"]

            # The REST API: the Prod stage SAM makes, payload format 1.0.
            status, body = self.call(rest_id, "/Prod/hello")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), {"from": "rest", "path": "/hello",
                                                "resource": "/hello"})
            status, body = self.call(rest_id, "/Prod/bye", "POST")
            self.assertEqual(status, 403)
            self.assertEqual(json.loads(body), {"message": "Missing Authentication Token"})

            # The HTTP API: $default stage (no stage segment), format 2.0,
            # at the ApiEndpoint the stack outputs (its Host header).
            endpoint = urllib.parse.urlparse(out["HttpEndpoint"])
            self.assertEqual(endpoint.hostname, http_id + ".execute-api.localhost")
            server = urllib.parse.urlparse(self.server.endpoint)
            conn = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
            conn.request("GET", "/items/42", headers={"Host": endpoint.netloc})
            r = conn.getresponse()
            body = r.read().decode()
            conn.close()
            self.assertEqual(r.status, 200, body)
            self.assertEqual(json.loads(body), {"from": "http", "route": "GET /items/{id}",
                                                "id": "42"})
            self.assertEqual(self.call(http_id, "/all/x")[0], 404)

            tags = self.tags(rest_id, http_id)
            self.assertEqual(tags["rest"]["aws:cloudformation:logical-id"], "ServerlessRestApi")
            self.assertEqual(tags["http"]["aws:cloudformation:logical-id"], "ServerlessHttpApi")
            for name, got in tags.items():
                self.assertEqual(got["team"], "ops", name)
                self.assertEqual(got["aws:cloudformation:stack-name"], "apis", name)

            # An update adds a route to each: the REST API's new deployment
            # and the HTTP API's re-imported routes are served.
            self.write(path, extra=True)
            self.deploy(path, "--tags", "team=sre")
            self.assertEqual(self.settled("apis")["StackStatus"], "UPDATE_COMPLETE")
            self.assertEqual(self.outputs("apis")["RestId"], rest_id)
            status, body = self.call(rest_id, "/Prod/bye", "POST")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["resource"], "/bye")
            self.assertEqual(self.call(rest_id, "/Prod/hello")[0], 200)
            status, body = self.call(http_id, "/all/a/b", "DELETE")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["route"], "ANY /all/{proxy+}")
            for name, got in self.tags(rest_id, http_id).items():
                self.assertEqual(got["team"], "sre", name)

            # Delete: both APIs are gone.
            self.cfn.delete_stack(StackName="apis")
            apigw = self.server.boto3_client("apigateway")
            apigw2 = self.server.boto3_client("apigatewayv2")

            def gone():
                ids = [a["id"] for a in apigw.get_rest_apis()["items"]]
                http_ids = [a["ApiId"] for a in apigw2.get_apis()["Items"]]
                return rest_id not in ids and http_id not in http_ids
            wait_until(gone, timeout=30)
            self.assertEqual(self.call(rest_id, "/Prod/hello")[0], 404)


AUTH_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.9
    Handler: index.handler
    Timeout: 10
Resources:
  Guarded:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://app.example"]
        AllowMethods: [GET]
        AllowHeaders: [authorization]
      Auth:
        DefaultAuthorizer: Lam
        Authorizers:
          Lam:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: 2.0
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], ReauthorizeEvery: 0}
  RestGuarded:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors: {AllowOrigin: "'https://app.example'", AllowHeaders: "'authorization'"}
      Auth:
        AddDefaultAuthorizerToCorsPreflight: false
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt TokenFn.Arn
            Identity: {ReauthorizeEvery: 0}
  TokenFn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        def handler(event, context):
            effect = "Allow" if event["authorizationToken"] == "letmein" else "Deny"
            return {"principalId": "tester", "policyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                   "Resource": event["methodArn"]}]}}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        def handler(event, context):
            token = event["headers"].get("authorization")
            return {"isAuthorized": token == "letmein", "context": {"who": "tester"}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        def handler(event, context):
            auth = event["requestContext"].get("authorizer") or {}
            return {"who": (auth.get("lambda") or {}).get("who")}
      Events:
        Me:
          Type: HttpApi
          Properties: {ApiId: !Ref Guarded, Path: /me, Method: get}
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Guarded, Path: /open, Method: get, Auth: {Authorizer: NONE}}
  RestFn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200,
                    "body": json.dumps(event["requestContext"]["authorizer"]["principalId"])}
      Events:
        Me:
          Type: Api
          Properties: {RestApiId: !Ref RestGuarded, Path: /me, Method: get}
Outputs:
  ApiId: {Value: !Ref Guarded}
  RestId: {Value: !Ref RestGuarded}
"""


class CfnApiGatewayAuthTest(CfnBase):
    def test_http_api_lambda_authorizer(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "template.yaml")
            with open(path, "w") as f:
                f.write(AUTH_TEMPLATE)
            self.server.aws_cli("cloudformation", "deploy", "--template-file", path,
                                "--stack-name", "guarded", "--capabilities", "CAPABILITY_IAM")
            self.assertEqual(self.settled("guarded")["StackStatus"], "CREATE_COMPLETE")
            api_id = self.outputs("guarded")["ApiId"]

            def get(path, api=api_id, **headers):
                req = urllib.request.Request(
                    self.server.endpoint + "/_aws/execute-api/" + api + path, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        return r.status, r.read().decode()
                except urllib.error.HTTPError as e:
                    return e.code, e.read().decode()
            self.assertEqual(get("/me"), (401, '{"message":"Unauthorized"}'))
            self.assertEqual(get("/me", Authorization="wrong")[0], 403)
            status, body = get("/me", Authorization="letmein")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), {"who": "tester"})
            # CorsConfiguration: the gateway answers the browser's preflight.
            req = urllib.request.Request(
                self.server.endpoint + "/_aws/execute-api/" + api_id + "/me", method="OPTIONS",
                headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                         "Access-Control-Request-Headers": "authorization"})
            with urllib.request.urlopen(req, timeout=30) as r:
                self.assertEqual(r.status, 204)
                self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example")
            # The REST API's TOKEN authorizer.
            rest_id = self.outputs("guarded")["RestId"]
            self.assertEqual(get("/Prod/me", api=rest_id)[0], 401)
            self.assertEqual(get("/Prod/me", api=rest_id, Authorization="wrong")[0], 403)
            self.assertEqual(get("/Prod/me", api=rest_id, Authorization="letmein"),
                             (200, '"tester"'))
            # Its Cors: the preflight is a MOCK OPTIONS method, unguarded.
            req = urllib.request.Request(
                self.server.endpoint + "/_aws/execute-api/" + rest_id + "/Prod/me",
                method="OPTIONS", headers={"Origin": "https://app.example"})
            with urllib.request.urlopen(req, timeout=30) as r:
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example")
                self.assertEqual(r.headers["Access-Control-Allow-Methods"], "GET,OPTIONS")
            # Auth NONE: the route calls no authorizer.
            status, body = get("/open")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), {"who": None})


S3_TEMPLATE = """
Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: from-s3
      BodyS3Location: {Bucket: api-defs, Key: rest.yaml}
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Rest
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: 404
      ResponseParameters: {gatewayresponse.header.x-from: "'stack'"}
      ResponseTemplates: {application/json: '{"missing": "$context.path"}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: NotFound
    Properties: {RestApiId: !Ref Rest, StageName: live}
Outputs:
  RestId: {Value: !Ref Rest}
"""

REST_YAML = """swagger: "2.0"
info: {title: ignored}
paths:
  /ping:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"pong": true}'}
"""


class CfnApiGatewayS3Test(CfnBase):
    def test_rest_api_body_from_s3_with_a_gateway_response(self):
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="api-defs")
        s3.put_object(Bucket="api-defs", Key="rest.yaml", Body=REST_YAML.encode())
        self.cfn.create_stack(StackName="froms3", TemplateBody=S3_TEMPLATE)
        events = lambda: [e.get("ResourceStatusReason") for e in self.cfn.describe_stack_events(
            StackName="froms3")["StackEvents"]]
        self.assertEqual(self.settled("froms3")["StackStatus"], "CREATE_COMPLETE", events())
        rest_id = self.outputs("froms3")["RestId"]
        apigw = self.server.boto3_client("apigateway")
        self.assertEqual(apigw.get_rest_api(restApiId=rest_id)["name"], "from-s3")
        with urllib.request.urlopen(self.server.endpoint + "/_aws/execute-api/" + rest_id +
                                    "/live/ping", timeout=30) as r:
            self.assertEqual(json.loads(r.read()), {"pong": True})
        # The stack's GatewayResponse shapes the gateway's own 403 for an
        # unknown path (it was in place before the stack's deployment).
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(self.server.endpoint + "/_aws/execute-api/" + rest_id +
                                   "/live/nope", timeout=30)
        self.assertEqual(e.exception.code, 404)
        self.assertEqual(e.exception.headers["x-from"], "stack")
        self.assertEqual(json.loads(e.exception.read()), {"missing": "/live/nope"})


KEYS_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Keyed:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Throttle: {RateLimit: 100, BurstLimit: 50}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.9
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "keyed"}
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Keyed, Path: /k, Method: get}
Outputs:
  RestId: {Value: !Ref Keyed}
  KeyId: {Value: !Ref KeyedApiKey}
"""


class CfnApiGatewayKeysTest(CfnBase):
    def test_sam_usage_plan_and_api_key(self):
        self.cfn.create_stack(StackName="keyed", TemplateBody=KEYS_TEMPLATE,
                              Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
        self.assertEqual(self.settled("keyed")["StackStatus"], "CREATE_COMPLETE")
        out = self.outputs("keyed")
        apigw = self.server.boto3_client("apigateway")
        key = apigw.get_api_key(apiKey=out["KeyId"], includeValue=True)
        self.assertTrue(key["enabled"])
        plans = apigw.get_usage_plans(keyId=out["KeyId"])["items"]
        self.assertEqual(len(plans), 1)
        self.assertEqual(plans[0]["apiStages"][0]["apiId"], out["RestId"])

        def get(**headers):
            req = urllib.request.Request(self.server.endpoint + "/_aws/execute-api/" +
                                         out["RestId"] + "/v1/k", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()
        self.assertEqual(get()[0], 403)
        self.assertEqual(get(**{"x-api-key": key["value"]}), (200, "keyed"))
        self.cfn.delete_stack(StackName="keyed")
        wait_until(lambda: not apigw.get_usage_plans()["items"], timeout=30)
        self.assertEqual(apigw.get_api_keys()["items"], [])
