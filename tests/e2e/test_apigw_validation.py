"""API Gateway REST request validation end to end: a model (JSON Schema
draft 4) and a request validator made with boto3 (both generations) and the
AWS CLI, a POST method that requires a query string parameter and a header
and a body matching the model, in front of a MOCK integration; urllib sees
AWS's 400s. An API imported from an OpenAPI document (models from
`definitions`, `x-amazon-apigateway-request-validators`) refuses a bad body
through its imported validator, with $context.error.validationErrorString in
its BAD_REQUEST_BODY gateway response. A COGNITO_USER_POOLS method refuses
requests without a token of its user pool. One server for the file."""

import json
import unittest
import urllib.error
import urllib.request

from harness import ServerTestCase, require_boto3

PET = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
       "required": ["name"],
       "properties": {"name": {"type": "string", "minLength": 1},
                      "price": {"type": "number", "minimum": 0}}}


IMPORTED = {
    "swagger": "2.0", "info": {"title": "imported-validation", "version": "1"},
    "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": True}},
    "x-amazon-apigateway-request-validator": "body",
    "x-amazon-apigateway-gateway-responses": {"BAD_REQUEST_BODY": {"responseTemplates": {
        "application/json": '{"message": $context.error.messageString, '
                            '"why": "$context.error.validationErrorString"}'}}},
    "definitions": {
        "Pet": {"type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"},
                               "owner": {"$ref": "#/definitions/Owner"}}},
        "Owner": {"type": "object", "properties": {"id": {"type": "integer"}}}},
    "paths": {"/pets": {"post": {
        "parameters": [{"in": "body", "name": "pet", "schema": {"$ref": "#/definitions/Pet"}}],
        "x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": '{"ok": true}'}}}}}}},
}


def post(url, body, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = urllib.request.Request(url, data=data, method="POST", headers=h)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


class ApiGatewayValidationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        rest = cls.server.boto3_client("apigateway")
        api = rest.create_rest_api(name="validated")["id"]
        cls.api = api
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        pets = rest.create_resource(restApiId=api, parentId=root, pathPart="pets")["id"]
        rest.create_model(restApiId=api, name="Pet", contentType="application/json",
                          schema=json.dumps(PET))
        cls.validator = rest.create_request_validator(
            restApiId=api, name="all", validateRequestBody=True,
            validateRequestParameters=True)["id"]
        common = dict(restApiId=api, resourceId=pets, httpMethod="POST")
        rest.put_method(authorizationType="NONE", requestValidatorId=cls.validator,
                        requestModels={"application/json": "Pet"},
                        requestParameters={"method.request.querystring.owner": True,
                                           "method.request.header.x-tenant": True}, **common)
        rest.put_integration(type="MOCK",
                             requestTemplates={"application/json": '{"statusCode": 200}'},
                             **common)
        rest.put_method_response(statusCode="200", **common)
        rest.put_integration_response(statusCode="200",
                                      responseTemplates={"application/json": '{"ok": true}'},
                                      **common)
        rest.create_deployment(restApiId=api, stageName="prod")
        cls.rest = rest
        cls.url = "%s/_aws/execute-api/%s/prod/pets" % (cls.server.endpoint, api)

    def test_requests_are_validated(self):
        ok = {"x-tenant": "t1"}
        status, _, body = post(self.url + "?owner=me", {"name": "rex", "price": 2}, ok)
        self.assertEqual((status, body), (200, {"ok": True}))
        status, headers, body = post(self.url, {"name": "rex"})
        self.assertEqual((status, body), (400, {
            "message": "Missing required request parameters: [owner, x-tenant]"}))
        self.assertEqual(headers["x-amzn-ErrorType"], "BadRequestException")
        for bad in ({"price": 2}, {"name": "rex", "price": -1}, {"name": ""}, b"not json"):
            status, headers, body = post(self.url + "?owner=me", bad, ok)
            self.assertEqual((status, body), (400, {"message": "Invalid request body"}), bad)
            self.assertEqual(headers["x-amzn-ErrorType"], "BadRequestException")

    def test_control_operations(self):
        rest = self.rest
        model = rest.get_model(restApiId=self.api, modelName="Pet")
        self.assertEqual(json.loads(model["schema"]), PET)
        template = rest.get_model_template(restApiId=self.api, modelName="Pet")["value"]
        self.assertTrue(template.startswith("#set($inputRoot = $input.path('$'))\n{"), template)
        with self.assertRaises(rest.exceptions.NotFoundException):
            rest.get_model_template(restApiId=self.api, modelName="Nope")
        # Every new API has AWS's Empty and Error models.
        self.assertEqual(sorted(m["name"] for m in rest.get_models(restApiId=self.api)["items"]),
                         ["Empty", "Error", "Pet"])
        empty = rest.get_model(restApiId=self.api, modelName="Empty")
        self.assertEqual(empty["description"], "This is a default empty schema model")
        self.assertEqual(json.loads(empty["schema"])["title"], "Empty Schema")
        v = rest.get_request_validator(restApiId=self.api, requestValidatorId=self.validator)
        self.assertEqual((v["name"], v["validateRequestBody"], v["validateRequestParameters"]),
                         ("all", True, True))
        with self.assertRaises(rest.exceptions.BadRequestException):
            rest.create_model(restApiId=self.api, name="Broken",
                              contentType="application/json", schema='{"type": "pet"}')
        with self.assertRaises(rest.exceptions.ConflictException):
            rest.delete_model(restApiId=self.api, modelName="Pet")
        with self.assertRaises(rest.exceptions.NotFoundException):
            rest.get_request_validator(restApiId=self.api, requestValidatorId="nope")

    def test_cli(self):
        _, out, _ = self.server.aws_cli("apigateway", "create-request-validator",
                                        "--rest-api-id", self.api, "--name", "params",
                                        "--validate-request-parameters")
        vid = json.loads(out)["id"]
        _, out, _ = self.server.aws_cli("apigateway", "get-request-validators",
                                        "--rest-api-id", self.api)
        self.assertIn(vid, [v["id"] for v in json.loads(out)["items"]])
        self.server.aws_cli("apigateway", "delete-request-validator", "--rest-api-id",
                            self.api, "--request-validator-id", vid)
        _, out, _ = self.server.aws_cli("apigateway", "get-models", "--rest-api-id", self.api)
        self.assertEqual(sorted(m["name"] for m in json.loads(out)["items"]),
                         ["Empty", "Error", "Pet"])

    def test_imported_validator(self):
        api = self.rest.import_rest_api(body=json.dumps(IMPORTED).encode())["id"]
        self.assertEqual(
            sorted(m["name"] for m in self.rest.get_models(restApiId=api)["items"]),
            ["Empty", "Error", "Owner", "Pet"])
        pet = json.loads(self.rest.get_model(restApiId=api, modelName="Pet")["schema"])
        self.assertEqual(pet["properties"]["owner"]["$ref"],
                         "https://apigateway.amazonaws.com/restapis/%s/models/Owner" % api)
        validators = self.rest.get_request_validators(restApiId=api)["items"]
        self.assertEqual([(v["name"], v["validateRequestBody"]) for v in validators],
                         [("body", True)])
        self.rest.create_deployment(restApiId=api, stageName="v1")
        url = "%s/_aws/execute-api/%s/v1/pets" % (self.server.endpoint, api)
        status, _, body = post(url, {"name": "rex", "owner": {"id": 1}})
        self.assertEqual((status, body), (200, {"ok": True}))
        status, headers, body = post(url, {"owner": {"id": 1}})
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-ErrorType"], "BadRequestException")
        self.assertEqual(body, {"message": "Invalid request body",
                                "why": '[object has missing required properties (["name"])]'})
        # Owner's schema is its own model's, named by URL.
        status, _, body = post(url, {"name": "rex", "owner": {"id": "one"}})
        self.assertEqual(status, 400)
        self.assertIn("instance type (string) does not match", body["why"])

    def test_cognito_user_pool_method_is_never_open(self):
        # As SAM writes a Cognito-authorized API: no token, or one the pool
        # did not sign, is AWS's 401 (UNAUTHORIZED, shaped by the API's
        # gateway response); tokens are verified against the pool's keys
        # (cognito_test.cc), which this offline test cannot reach.
        doc = {
            "swagger": "2.0", "info": {"title": "pool", "version": "1"},
            "securityDefinitions": {"pool": {
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {
                    "type": "cognito_user_pools",
                    "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:"
                                     "userpool/us-east-1_abcdefghi"]}}},
            "x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {
                "responseTemplates": {"application/json": '{"type": "$context.error.responseType"}'}}},
            "paths": {"/mine": {"get": {
                "security": [{"pool": []}],
                "x-amazon-apigateway-integration": {
                    "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {"default": {"statusCode": "200"}}}}}},
        }
        api = self.rest.import_rest_api(body=json.dumps(doc).encode())["id"]
        self.rest.create_deployment(restApiId=api, stageName="v1")
        url = "%s/_aws/execute-api/%s/v1/mine" % (self.server.endpoint, api)

        def get(headers):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                            timeout=30) as r:
                    return r.status, json.loads(r.read() or b"null")
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())
        self.assertEqual(get({}), (401, {"type": "UNAUTHORIZED"}))
        self.assertEqual(get({"Authorization": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}),
                         (401, {"type": "UNAUTHORIZED"}))


if __name__ == "__main__":
    unittest.main()
