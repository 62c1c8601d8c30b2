"""API Gateway REST stage caches end to end: a stage with its cache cluster
on and method caching from UpdateStage patches, in front of a real Python
function that counts its invocations. A second call within the TTL does not
invoke it, another value of a cache key parameter does, FlushStageCache
(boto3 and `aws apigateway flush-stage-cache`) empties the cache, and
Cache-Control: max-age=0 refreshes an entry only for a SigV4-signed caller
(requireAuthorizationForCacheControl). boto3 (both generations) and urllib;
one server and one function for the file."""

import io
import json
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCESS_KEY, ACCOUNT, SECRET_KEY, ServerTestCase, require_boto3

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

# The count lives in the warm environment; the request id tells the calls apart.
HANDLER = """
calls = 0
def handler(event, context):
    global calls
    calls += 1
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": '{"calls": %d, "id": "%s", "type": "%s"}' % (
                calls, context.aws_request_id,
                (event.get("queryStringParameters") or {}).get("type", ""))}
"""


def send(url, headers=None, sign=False):
    headers = dict(headers or {})
    if sign:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method="GET", url=url, headers=headers)
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", "us-east-1").add_auth(req)
        headers = dict(req.headers.items())
    r = urllib.request.Request(url, method="GET", headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class ApiGatewayCacheTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", HANDLER)
        lam = cls.server.boto3_client("lambda")
        arn = lam.create_function(FunctionName="cached-pets", Runtime="python3.11", Role=ROLE,
                                  Handler="app.handler", Code={"ZipFile": buf.getvalue()},
                                  Timeout=10)["FunctionArn"]
        cls.uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
                   % arn)
        cls.rest = cls.server.boto3_client("apigateway")

    def make_api(self, name):
        rest = self.rest
        api = rest.create_rest_api(name=name)["id"]
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in rest.get_resources(restApiId=api)["items"]
                if r["path"] == "/"][0]
        pets = rest.create_resource(restApiId=api, parentId=root, pathPart="pets")["id"]
        common = dict(restApiId=api, resourceId=pets, httpMethod="GET")
        rest.put_method(authorizationType="NONE",
                        requestParameters={"method.request.querystring.type": False}, **common)
        rest.put_integration(type="AWS_PROXY", integrationHttpMethod="POST", uri=self.uri,
                             cacheKeyParameters=["method.request.querystring.type"], **common)
        rest.create_deployment(restApiId=api, stageName="prod", cacheClusterEnabled=True,
                               cacheClusterSize="0.5")
        stage = rest.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "300"}])
        self.assertTrue(stage["cacheClusterEnabled"])
        self.assertEqual(stage["cacheClusterStatus"], "AVAILABLE")
        self.assertEqual(stage["cacheClusterSize"], "0.5")
        self.assertTrue(stage["methodSettings"]["*/*"]["cachingEnabled"])
        self.assertEqual(stage["methodSettings"]["*/*"]["cacheTtlInSeconds"], 300)
        return api, "%s/_aws/execute-api/%s/prod/pets" % (self.server.endpoint, api)

    def test_cached_method_skips_the_function_until_flushed(self):
        api, url = self.make_api("cached")
        status, first = send(url + "?type=dog")
        self.assertEqual(status, 200)
        status, second = send(url + "?type=dog")
        self.assertEqual(status, 200)
        self.assertEqual(second, first)  # same invocation: the function was not called
        _, cat = send(url + "?type=cat")
        self.assertEqual(cat["calls"], first["calls"] + 1)
        self.assertEqual(cat["type"], "cat")
        self.assertEqual(send(url + "?type=dog")[1], first)
        self.rest.flush_stage_cache(restApiId=api, stageName="prod")
        _, after = send(url + "?type=dog")
        self.assertEqual(after["calls"], cat["calls"] + 1)
        self.assertNotEqual(after["id"], first["id"])
        self.assertEqual(send(url + "?type=dog")[1], after)
        with self.assertRaises(self.rest.exceptions.NotFoundException):
            self.rest.flush_stage_cache(restApiId=api, stageName="nope")

    def test_max_age_zero_refreshes_for_a_signed_caller(self):
        api, url = self.make_api("invalidate")
        _, first = send(url)
        # Unsigned: the header is ignored (SUCCEED_WITH_RESPONSE_HEADER).
        self.assertEqual(send(url, {"Cache-Control": "max-age=0"})[1], first)
        # Signed by a known key (no --iam enforce: every signer may).
        _, fresh = send(url, {"Cache-Control": "max-age=0"}, sign=True)
        self.assertEqual(fresh["calls"], first["calls"] + 1)
        self.assertEqual(send(url)[1], fresh)
        self.rest.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
             "value": "FAIL_WITH_403"}])
        status, body = send(url, {"Cache-Control": "max-age=0"})
        self.assertEqual(status, 403)
        self.assertIn("execute-api:InvalidateCache", body["Message"])

    def test_cli_flushes_and_reads_the_stage(self):
        api, url = self.make_api("cli-cache")
        _, first = send(url)
        self.assertEqual(send(url)[1], first)
        self.server.aws_cli("apigateway", "flush-stage-cache", "--rest-api-id", api,
                            "--stage-name", "prod")
        _, after = send(url)
        self.assertNotEqual(after["id"], first["id"])
        _, out, _ = self.server.aws_cli("apigateway", "get-stage", "--rest-api-id", api,
                                        "--stage-name", "prod")
        self.assertEqual(json.loads(out)["cacheClusterStatus"], "AVAILABLE")


if __name__ == "__main__":
    unittest.main()
