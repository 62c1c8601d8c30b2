"""API Gateway REST gateway responses end to end: responses put with boto3
(both generations), the AWS CLI and an OpenAPI import change the status,
headers and body of the gateway's own errors (a missing resource, a
validator's 400) on real HTTP requests to the stage once deployed, and
leave the integration's answers alone. One server for the file."""

import json
import unittest
import urllib.error
import urllib.request

from harness import ServerTestCase, require_boto3


def fetch(url, method="GET", headers=None):
    r = urllib.request.Request(url, data=b"{}" if method == "POST" else None, method=method,
                               headers=headers or {})
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


class ApiGatewayGatewayResponsesTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        rest = cls.server.boto3_client("apigateway")
        api = rest.create_rest_api(name="custom-errors")["id"]
        cls.api = api
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        pets = rest.create_resource(restApiId=api, parentId=root, pathPart="pets")["id"]
        validator = rest.create_request_validator(
            restApiId=api, name="params", validateRequestParameters=True)["id"]
        common = dict(restApiId=api, resourceId=pets, httpMethod="POST")
        rest.put_method(authorizationType="NONE", requestValidatorId=validator,
                        requestParameters={"method.request.querystring.owner": True}, **common)
        rest.put_integration(type="MOCK",
                             requestTemplates={"application/json": '{"statusCode": 200}'},
                             **common)
        rest.put_method_response(statusCode="200", **common)
        rest.put_integration_response(statusCode="200",
                                      responseTemplates={"application/json": '{"ok": true}'},
                                      **common)
        rest.create_deployment(restApiId=api, stageName="prod")
        cls.rest = rest
        cls.base = "%s/_aws/execute-api/%s/prod" % (cls.server.endpoint, api)

    def test_put_response_changes_the_answer_after_deployment(self):
        rest = self.rest
        rest.put_gateway_response(
            restApiId=self.api, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
            responseParameters={"gatewayresponse.header.x-why": "'no such route'",
                                "gatewayresponse.header.x-tenant":
                                    "method.request.header.x-tenant"},
            responseTemplates={"application/json":
                               '{"error": $context.error.messageString, '
                               '"type": "$context.error.responseType"}'})
        status, _, body = fetch(self.base + "/nothing")
        self.assertEqual((status, json.loads(body)), (403, {"message": "Missing Authentication Token"}))
        rest.create_deployment(restApiId=self.api, stageName="prod")
        status, headers, body = fetch(self.base + "/nothing", headers={"x-tenant": "acme"})
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-why"], "no such route")
        self.assertEqual(headers["x-tenant"], "acme")
        self.assertEqual(json.loads(body), {"error": "Missing Authentication Token",
                                            "type": "MISSING_AUTHENTICATION_TOKEN"})
        got = rest.get_gateway_response(restApiId=self.api,
                                        responseType="MISSING_AUTHENTICATION_TOKEN")
        self.assertEqual((got["statusCode"], got["defaultResponse"]), ("404", False))
        # DEFAULT_4XX reaches a validator's 400; the integration's 200 is untouched.
        rest.put_gateway_response(
            restApiId=self.api, responseType="DEFAULT_4XX",
            responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"})
        rest.create_deployment(restApiId=self.api, stageName="prod")
        status, headers, body = fetch(self.base + "/pets", "POST",
                                      {"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(body)), (400, {
            "message": "Missing required request parameters: [owner]"}))
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        status, headers, body = fetch(self.base + "/pets?owner=me", "POST",
                                      {"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        self.assertIsNone(headers.get("Access-Control-Allow-Origin"))

    def test_defaults_listed_and_bad_input(self):
        rest = self.rest
        items = rest.get_gateway_responses(restApiId=self.api)["items"]
        by_type = {i["responseType"]: i for i in items}
        self.assertEqual(len(items), 21)
        self.assertEqual(by_type["THROTTLED"]["statusCode"], "429")
        self.assertTrue(by_type["THROTTLED"]["defaultResponse"])
        self.assertNotIn("statusCode", by_type["DEFAULT_5XX"])
        with self.assertRaises(rest.exceptions.BadRequestException):
            rest.put_gateway_response(restApiId=self.api, responseType="THROTTLED",
                                      responseParameters={"gatewayresponse.header.X": "bogus"})
        with self.assertRaises(rest.exceptions.NotFoundException):
            rest.delete_gateway_response(restApiId=self.api, responseType="QUOTA_EXCEEDED")
        updated = rest.update_gateway_response(
            restApiId=self.api, responseType="QUOTA_EXCEEDED",
            patchOperations=[{"op": "replace", "path": "/statusCode", "value": "503"}])
        self.assertEqual(updated["statusCode"], "503")
        rest.delete_gateway_response(restApiId=self.api, responseType="QUOTA_EXCEEDED")
        self.assertEqual(rest.get_gateway_response(
            restApiId=self.api, responseType="QUOTA_EXCEEDED")["statusCode"], "429")

    def test_cli(self):
        api = self.rest.create_rest_api(name="cli-errors")["id"]
        root = [r["id"] for r in self.rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        self.rest.put_method(restApiId=api, resourceId=root, httpMethod="GET",
                             authorizationType="NONE")
        self.rest.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK",
                                  requestTemplates={"application/json": '{"statusCode": 200}'})
        self.server.aws_cli("apigateway", "put-gateway-response", "--rest-api-id", api,
                            "--response-type", "MISSING_AUTHENTICATION_TOKEN",
                            "--status-code", "410", "--response-templates",
                            json.dumps({"application/json": '{"gone": true}'}))
        self.server.aws_cli("apigateway", "create-deployment", "--rest-api-id", api,
                            "--stage-name", "v1")
        status, _, body = fetch("%s/_aws/execute-api/%s/v1/missing" % (self.server.endpoint, api))
        self.assertEqual((status, json.loads(body)), (410, {"gone": True}))
        _, out, _ = self.server.aws_cli("apigateway", "get-gateway-responses",
                                        "--rest-api-id", api)
        mine = [i for i in json.loads(out)["items"]
                if i["responseType"] == "MISSING_AUTHENTICATION_TOKEN"][0]
        self.assertEqual((mine["statusCode"], mine["defaultResponse"]), ("410", False))

    def test_openapi_import(self):
        doc = {
            "swagger": "2.0", "info": {"title": "imported-errors", "version": "1"},
            "paths": {"/ok": {"get": {"x-amazon-apigateway-integration": {
                "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200"}}}}}},
            "x-amazon-apigateway-gateway-responses": {
                "MISSING_AUTHENTICATION_TOKEN": {
                    "statusCode": 404,
                    "responseParameters": {"gatewayresponse.header.x-imported": "'yes'"},
                    "responseTemplates": {"application/json": '{"where": "$context.stage"}'}}},
        }
        api = self.rest.import_rest_api(body=json.dumps(doc).encode())["id"]
        got = self.rest.get_gateway_response(restApiId=api,
                                             responseType="MISSING_AUTHENTICATION_TOKEN")
        self.assertEqual((got["statusCode"], got["defaultResponse"]), ("404", False))
        self.rest.create_deployment(restApiId=api, stageName="live")
        status, headers, body = fetch("%s/_aws/execute-api/%s/live/nope"
                                      % (self.server.endpoint, api))
        self.assertEqual((status, json.loads(body)), (404, {"where": "live"}))
        self.assertEqual(headers["x-imported"], "yes")


if __name__ == "__main__":
    unittest.main()
