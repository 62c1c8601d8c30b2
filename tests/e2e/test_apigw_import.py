"""OpenAPI import over the wire: ImportRestApi / PutRestApi (the document as
the request's raw body, mode and failonwarnings as query parameters) and
ImportApi / ReimportApi through boto3 (both generations) and the AWS CLI,
the imported APIs answering on their invoke addresses, and bad documents
refused with AWS's BadRequestException. GetExport (OpenAPI 3 and Swagger,
JSON and YAML, with extensions) with boto3 and the CLI, imported again."""

import json
import os
import tempfile
import urllib.error
import urllib.request

import yaml

from harness import ServerTestCase, require_boto3

SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "imported", "version": "1"},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
    "paths": {
        "/ping": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": "pong"}}}}}},
    },
}

OPENAPI_YAML = """openapi: 3.0.1
info: {title: http-imported}
x-amazon-apigateway-cors: {allowOrigins: ["*"]}
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        payloadFormatVersion: 2.0
        uri: arn:aws:lambda:us-east-1:000000000000:function:nobody
"""


class ApiGatewayImportTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.rest = cls.server.boto3_client("apigateway")
        cls.gw = cls.server.boto3_client("apigatewayv2")

    def call(self, api_id, path):
        try:
            with urllib.request.urlopen(self.server.endpoint + "/_aws/execute-api/" + api_id + path,
                                        timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_import_rest_api_then_put_and_deploy(self):
        api = self.rest.import_rest_api(body=json.dumps(SWAGGER).encode(), failOnWarnings=True)
        self.assertEqual(api["name"], "imported")
        self.assertEqual(api["binaryMediaTypes"], ["image/png"])
        paths = sorted(r["path"] for r in self.rest.get_resources(restApiId=api["id"])["items"])
        self.assertEqual(paths, ["/", "/ping"])
        self.rest.create_deployment(restApiId=api["id"], stageName="v1")
        self.assertEqual(self.call(api["id"], "/v1/ping"), (200, "pong"))

        doc = dict(SWAGGER, paths={"/other": SWAGGER["paths"]["/ping"]})
        self.rest.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(doc).encode())
        paths = sorted(r["path"] for r in self.rest.get_resources(restApiId=api["id"])["items"])
        self.assertEqual(paths, ["/", "/other", "/ping"])
        self.rest.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(doc).encode())
        paths = sorted(r["path"] for r in self.rest.get_resources(restApiId=api["id"])["items"])
        self.assertEqual(paths, ["/", "/other"])

        with self.assertRaises(self.rest.exceptions.BadRequestException) as e:
            self.rest.import_rest_api(body=b"{\"hello\": 1}")
        self.assertEqual(e.exception.response["Error"]["Message"], "Invalid OpenAPI input.")
        with self.assertRaises(self.rest.exceptions.BadRequestException) as e:
            self.rest.import_rest_api(body=b"{\n  \"swagger\": \"2.0\",\n  \"paths\": [,\n}")
        self.assertTrue(e.exception.response["Error"]["Message"].startswith(
            "Invalid OpenAPI input. (line 3"), e.exception.response["Error"]["Message"])
        bad = dict(SWAGGER, paths={"/x": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": "not-an-arn"}}}})
        with self.assertRaises(self.rest.exceptions.BadRequestException) as e:
            self.rest.put_rest_api(restApiId=api["id"], body=json.dumps(bad).encode())
        self.assertIn("Errors found during import", e.exception.response["Error"]["Message"])

    def test_import_and_reimport_http_api(self):
        api = self.gw.import_api(Body=OPENAPI_YAML)
        self.assertEqual(api["Name"], "http-imported")
        self.assertEqual(api["CorsConfiguration"]["AllowOrigins"], ["*"])
        routes = self.gw.get_routes(ApiId=api["ApiId"])["Items"]
        self.assertEqual([r["RouteKey"] for r in routes], ["GET /a"])
        integration = self.gw.get_integration(
            ApiId=api["ApiId"], IntegrationId=routes[0]["Target"].split("/")[1])
        self.assertEqual(integration["PayloadFormatVersion"], "2.0")
        self.gw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
        self.assertEqual(self.call(api["ApiId"], "/b")[0], 404)

        self.gw.reimport_api(ApiId=api["ApiId"], Body=OPENAPI_YAML.replace("/a:", "/b:"))
        routes = self.gw.get_routes(ApiId=api["ApiId"])["Items"]
        self.assertEqual([r["RouteKey"] for r in routes], ["GET /b"])
        # The route is served (the function does not exist: 500, not 404).
        self.assertEqual(self.call(api["ApiId"], "/b")[0], 500)

        with self.assertRaises(self.gw.exceptions.BadRequestException):
            self.gw.import_api(Body="openapi: 3.0.1\npaths: {}\n")
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.reimport_api(ApiId="nope", Body=OPENAPI_YAML)

    def test_get_export(self):
        api = self.rest.import_rest_api(body=json.dumps(SWAGGER).encode())["id"]
        self.rest.create_deployment(restApiId=api, stageName="live")
        out = self.rest.get_export(restApiId=api, stageName="live", exportType="oas30",
                                   parameters={"extensions": "integrations"})
        self.assertEqual(out["contentType"], "application/json")
        doc = json.loads(out["body"].read())
        self.assertEqual(doc["openapi"], "3.0.1")
        self.assertEqual(doc["info"]["title"], "imported")
        integration = doc["paths"]["/ping"]["get"]["x-amazon-apigateway-integration"]
        self.assertEqual(integration["type"], "mock")
        self.assertEqual(sorted(doc["components"]["schemas"]), ["Empty", "Error"])
        out = self.rest.get_export(restApiId=api, stageName="live", exportType="swagger",
                                   accepts="application/yaml")
        self.assertEqual(out["contentType"], "application/yaml")
        text = out["body"].read().decode()
        self.assertTrue(text.startswith('---\nswagger: "2.0"\n'), text)  # block YAML, not JSON
        doc = yaml.safe_load(text)
        self.assertEqual((doc["swagger"], doc["basePath"]), ("2.0", "/live"))
        self.assertNotIn("x-amazon-apigateway-integration", doc["paths"]["/ping"]["get"])
        as_json = self.rest.get_export(restApiId=api, stageName="live", exportType="swagger")
        self.assertEqual(doc, json.loads(as_json["body"].read()))
        # OpenAPI 3 YAML with its integrations, imported again, answers.
        out = self.rest.get_export(restApiId=api, stageName="live", exportType="oas30",
                                   accepts="application/yaml",
                                   parameters={"extensions": "integrations"})
        text = out["body"].read().decode()
        self.assertEqual(yaml.safe_load(text)["openapi"], "3.0.1")
        again = self.rest.import_rest_api(body=text.encode())["id"]
        self.rest.create_deployment(restApiId=again, stageName="live")
        self.assertEqual(self.call(again, "/live/ping"), (200, "pong"))
        with self.assertRaises(self.rest.exceptions.NotFoundException):
            self.rest.get_export(restApiId=api, stageName="nope", exportType="swagger")

    def test_export_http_api(self):
        api = self.gw.import_api(Body=OPENAPI_YAML)["ApiId"]
        self.gw.create_stage(ApiId=api, StageName="prod")
        self.gw.create_deployment(ApiId=api, StageName="prod")
        out = self.gw.export_api(ApiId=api, Specification="OAS30", OutputType="JSON")
        doc = json.loads(out["body"].read())
        self.assertEqual(doc["openapi"], "3.0.1")
        self.assertEqual(doc["info"]["title"], "http-imported")
        integration = doc["paths"]["/a"]["get"]["x-amazon-apigateway-integration"]
        self.assertEqual((integration["type"], integration["payloadFormatVersion"]),
                         ("aws_proxy", "2.0"))
        self.assertEqual(doc["x-amazon-apigateway-cors"]["allowOrigins"], ["*"])
        # YAML of a stage, without extensions; imported again, the same route.
        out = self.gw.export_api(ApiId=api, Specification="OAS30", OutputType="YAML",
                                 StageName="prod", IncludeExtensions=False)
        text = out["body"].read().decode()
        self.assertTrue(text.startswith('openapi: "3.0.1"\n'), text)
        self.assertNotIn("x-amazon-apigateway-integration", text)
        again = self.gw.import_api(Body=self.gw.export_api(
            ApiId=api, Specification="OAS30", OutputType="YAML")["body"].read().decode())
        routes = self.gw.get_routes(ApiId=again["ApiId"])["Items"]
        self.assertEqual([r["RouteKey"] for r in routes], ["GET /a"])
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.export_api(ApiId=api, Specification="OAS30", OutputType="JSON",
                               StageName="nope")
        with self.assertRaises(self.gw.exceptions.NotFoundException):
            self.gw.export_api(ApiId="nope", Specification="OAS30", OutputType="JSON")
        # The AWS CLI writes it to a file.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "export.yaml")
            self.server.aws_cli("apigatewayv2", "export-api", "--api-id", api,
                                "--specification", "OAS30", "--output-type", "YAML", path)
            with open(path) as f:
                self.assertIn("/a:", f.read())

    def test_cli_get_export(self):
        api = self.rest.import_rest_api(body=json.dumps(SWAGGER).encode())["id"]
        self.rest.create_deployment(restApiId=api, stageName="live")
        # The AWS CLI writes the document to a file; imported again, it answers.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "export.json")
            self.server.aws_cli("apigateway", "get-export", "--rest-api-id", api,
                                "--stage-name", "live", "--export-type", "swagger",
                                "--parameters", "extensions=apigateway", path)
            with open(path, "rb") as f:
                again = self.rest.import_rest_api(body=f.read())["id"]
            # --accepts application/yaml: the same document as YAML.
            path_yaml = os.path.join(d, "export.yaml")
            _, out, _ = self.server.aws_cli(
                "apigateway", "get-export", "--rest-api-id", api, "--stage-name", "live",
                "--export-type", "oas30", "--accepts", "application/yaml", path_yaml)
            self.assertEqual(json.loads(out)["contentType"], "application/yaml")
            with open(path_yaml) as f:
                text = f.read()
            self.assertTrue(text.startswith('---\nopenapi: "3.0.1"\n'), text)
            self.assertIn("get", yaml.safe_load(text)["paths"]["/ping"])
        self.rest.create_deployment(restApiId=again, stageName="live")
        self.assertEqual(self.call(again, "/live/ping"), (200, "pong"))

    def test_cli_import_rest_api(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "api.json")
            with open(path, "w") as f:
                json.dump(SWAGGER, f)
            _, out, _ = self.server.aws_cli("apigateway", "import-rest-api",
                                            "--body", "fileb://" + path)
            api = json.loads(out)
            self.assertEqual(api["name"], "imported")
            self.rest.create_deployment(restApiId=api["id"], stageName="cli")
            self.assertEqual(self.call(api["id"], "/cli/ping"), (200, "pong"))
