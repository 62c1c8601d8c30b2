"""API Gateway REST non-proxy Lambda integrations with Velocity mapping
templates end to end: a request template builds the function's event from
$input.params and $input.json, a response template reshapes its answer, a
function error is mapped to 400 by selectionPattern. boto3 (both
generations) and urllib against a real Python function; one server and one
function for the file."""

import io
import json
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCOUNT, ServerTestCase, require_boto3

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

HANDLER = """
def handler(event, context):
    if event.get("size", 0) > 10:
        raise ValueError("TooBig: at most 10, asked " + str(event["size"]))
    return {"pet": event["pet"], "size": event["size"], "tags": event["tags"],
            "stage": event["stage"], "requestId": context.aws_request_id}
"""

REQUEST_TEMPLATE = """#set($body = $input.path('$'))
{
  "pet": "$util.escapeJavaScript($input.params('id'))",
  "size": $input.json('$.size'),
  "tags": [#foreach($t in $body.tags)"$t.toUpperCase()"#if($foreach.hasNext),#end#end],
  "stage": "${context.stage}-$stageVariables.color"
}"""

RESPONSE_TEMPLATE = """#set($r = $input.path('$'))
{"name": "$r.pet", "summary": "$r.size $r.tags.size() tags on $r.stage", "id": "$r.requestId"}"""

ERROR_TEMPLATE = """{"error": "$util.escapeJavaScript($input.path('$.errorMessage'))"}"""


class ApiGatewayVtlTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", HANDLER)
        lam = cls.server.boto3_client("lambda")
        arn = lam.create_function(FunctionName="vtl-pets", Runtime="python3.11", Role=ROLE,
                                  Handler="app.handler", Code={"ZipFile": buf.getvalue()},
                                  Timeout=10)["FunctionArn"]
        cls.uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                   % arn)
        cls.rest = cls.server.boto3_client("apigateway")

    def call(self, api_id, path, body):
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, method="POST",
            data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read())

    def test_lambda_non_proxy_with_templates(self):
        rest = self.rest
        api = rest.create_rest_api(name="vtl")
        root = [r["id"] for r in rest.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        pets = rest.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")["id"]
        pet = rest.create_resource(restApiId=api["id"], parentId=pets, pathPart="{id}")["id"]
        common = dict(restApiId=api["id"], resourceId=pet, httpMethod="POST")
        rest.put_method(authorizationType="NONE", **common)
        rest.put_integration(type="AWS", integrationHttpMethod="POST", uri=self.uri,
                             passthroughBehavior="NEVER",
                             requestTemplates={"application/json": REQUEST_TEMPLATE}, **common)
        for code in ("200", "400"):
            rest.put_method_response(statusCode=code, **common)
        rest.put_integration_response(statusCode="200",
                                      responseTemplates={"application/json": RESPONSE_TEMPLATE},
                                      **common)
        rest.put_integration_response(
            statusCode="400", selectionPattern="TooBig:.*",
            responseParameters={"method.response.header.X-Limit": "'10'"},
            responseTemplates={"application/json": ERROR_TEMPLATE}, **common)
        got = rest.get_integration_response(statusCode="400", **common)
        self.assertEqual(got["selectionPattern"], "TooBig:.*")
        rest.create_deployment(restApiId=api["id"], stageName="prod", variables={"color": "blue"})

        status, headers, body = self.call(api["id"], "/prod/pets/rex", {"size": 3,
                                                                          "tags": ["a", "b"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["name"], "rex")
        self.assertEqual(body["summary"], "3 2 tags on prod-blue")
        self.assertTrue(body["id"])  # the function's request id came through the template
        self.assertTrue(headers["x-amzn-RequestId"])

        status, headers, body = self.call(api["id"], "/prod/pets/rex", {"size": 11, "tags": []})
        self.assertEqual((status, body), (400, {"error": "TooBig: at most 10, asked 11"}))
        self.assertEqual(headers["X-Limit"], "10")

        # passthroughBehavior NEVER: a content type without a template is refused.
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api["id"] + "/prod/pets/rex",
            method="POST", data=b"x", headers={"Content-Type": "text/plain"})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(refused.exception.code, 415)
        self.assertEqual(json.loads(refused.exception.read()),
                         {"message": "Unsupported Media Type"})


if __name__ == "__main__":
    unittest.main()
