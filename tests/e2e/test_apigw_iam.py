"""AWS_IAM authorization on API Gateway methods and routes under
`nimbus serve --iam enforce`: requests signed with botocore's SigV4Auth
(service execute-api) and sent with urllib; unsigned, badly signed and
unknown-key requests refused with AWS's bodies; an IAM user's policy
decides execute-api:Invoke; a REST API's resource policy (set with boto3,
shorthand resources expanded on save) allows and denies by source address
and names an IAM user its AWS_IAM method lets in. One server for the file."""

import json
import unittest
import urllib.error
import urllib.request

from harness import (ACCESS_KEY, SECRET_KEY, ServerTestCase, require_boto3,
                     rest_mock_method)


def send(url, method="GET", body=None, key=ACCESS_KEY, secret=SECRET_KEY, sign=True):
    headers = {}
    if sign:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method=method, url=url, data=body)
        SigV4Auth(Credentials(key, secret), "execute-api", "us-east-1").add_auth(req)
        headers = dict(req.headers.items())
    r = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class IamAuthorizationTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        rest = cls.server.boto3_client("apigateway")
        api = rest.create_rest_api(name="iam")
        cls.api_id = api["id"]
        # Debian's botocore predates rootResourceId: the root is the resource at "/".
        root = [r["id"] for r in rest.get_resources(restApiId=cls.api_id)["items"]
                if r["path"] == "/"][0]
        res = rest.create_resource(restApiId=cls.api_id, parentId=root, pathPart="secure")
        rest.put_method(restApiId=cls.api_id, resourceId=res["id"], httpMethod="GET",
                        authorizationType="AWS_IAM")
        rest.put_integration(restApiId=cls.api_id, resourceId=res["id"], httpMethod="GET",
                             type="MOCK",
                             requestTemplates={"application/json": '{"statusCode": 200}'})
        rest.put_method_response(restApiId=cls.api_id, resourceId=res["id"], httpMethod="GET",
                                 statusCode="200")
        rest.put_integration_response(restApiId=cls.api_id, resourceId=res["id"],
                                      httpMethod="GET", statusCode="200",
                                      responseTemplates={"application/json": '{"ok": true}'})
        rest.create_deployment(restApiId=cls.api_id, stageName="prod")
        cls.url = "%s/_aws/execute-api/%s/prod/secure" % (cls.server.endpoint, cls.api_id)

    def test_signatures(self):
        status, _, body = send(self.url)
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        status, headers, body = send(self.url, sign=False)
        self.assertEqual((status, json.loads(body)),
                         (403, {"message": "Missing Authentication Token"}))
        self.assertEqual(headers["x-amzn-ErrorType"], "MissingAuthenticationTokenException")
        status, _, body = send(self.url, key="AKIANOBODY0000000000")
        self.assertEqual((status, json.loads(body)), (403, {
            "message": "The security token included in the request is invalid."}))
        status, _, body = send(self.url, secret="wrong")
        self.assertEqual(status, 403)
        self.assertTrue(json.loads(body)["message"].startswith(
            "The request signature we calculated does not match"))

    def test_policies_decide(self):
        arn = "arn:aws:execute-api:us-east-1:000000000000:%s/prod/GET/secure" % self.api_id
        nobody = self.server.create_user("apigw-nobody")
        status, _, body = send(self.url, key=nobody["aws_access_key_id"],
                               secret=nobody["aws_secret_access_key"])
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body), {"Message": (
            "User: arn:aws:iam::000000000000:user/apigw-nobody is not authorized to perform: "
            "execute-api:Invoke on resource: " + arn)})
        invoker = self.server.create_user("apigw-invoker", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke",
             "Resource": "arn:aws:execute-api:*:*:%s/prod/GET/*" % self.api_id}]})
        status, _, _ = send(self.url, key=invoker["aws_access_key_id"],
                            secret=invoker["aws_secret_access_key"])
        self.assertEqual(status, 200)

    def test_resource_policy_shown_escaped_by_the_cli(self):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
        _, out, _ = self.server.aws_cli("apigateway", "create-rest-api", "--name", "cli-walled",
                                        "--policy", json.dumps(policy))
        api_id = json.loads(out)["id"]
        _, out, _ = self.server.aws_cli("apigateway", "get-rest-api", "--rest-api-id", api_id)
        shown = json.loads(out)["policy"]
        self.assertTrue(shown.startswith('{\\"Version\\":'), shown)
        saved = json.loads(json.loads('"%s"' % shown))
        self.assertEqual(saved["Statement"][0]["Resource"],
                         "arn:aws:execute-api:us-east-1:000000000000:%s/*" % api_id)
        self.assertEqual(saved["Statement"][0]["Condition"], policy["Statement"][0]["Condition"])

    def test_resource_policy(self):
        rest = self.server.boto3_client("apigateway")
        friend = self.server.create_user("apigw-friend")
        stranger = self.server.create_user("apigw-stranger")
        anywhere = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke"}
        policy = {"Version": "2012-10-17", "Statement": [
            dict(anywhere, Resource="execute-api:/*/GET/open",
                 Condition={"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}),
            dict(anywhere, Resource="execute-api:/*/GET/blocked"),
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/GET/blocked",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:user/apigw-friend"},
             "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/secure"}]}
        api_id = rest.create_rest_api(name="walled", policy=json.dumps(policy))["id"]
        # Shown as AWS shows it: escaped as the inside of a JSON string
        # (quotes and slashes), which clients unescape before parsing.
        shown = rest.get_rest_api(restApiId=api_id)["policy"]
        self.assertTrue(shown.startswith('{\\"Version\\":\\"2012-10-17\\"'), shown)
        self.assertIn('\\"127.0.0.0\\/8\\"', shown)
        saved = json.loads(json.loads('"%s"' % shown))
        self.assertEqual(saved["Statement"][3]["Resource"],
                         "arn:aws:execute-api:us-east-1:000000000000:%s/prod/GET/secure" % api_id)
        for part, auth in (("open", "NONE"), ("blocked", "NONE"), ("other", "NONE"),
                           ("secure", "AWS_IAM")):
            rest_mock_method(rest, api_id, part, auth)
        rest.create_deployment(restApiId=api_id, stageName="prod")
        base = "%s/_aws/execute-api/%s/prod/" % (self.server.endpoint, api_id)
        arn = "arn:aws:execute-api:us-east-1:000000000000:%s/prod/GET/" % api_id

        status, _, body = send(base + "open", sign=False)
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        status, headers, body = send(base + "blocked", sign=False)
        self.assertEqual((status, json.loads(body)), (403, {"Message": (
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            + arn + "blocked with an explicit deny in a resource-based policy")}))
        self.assertEqual(headers["x-amzn-ErrorType"], "AccessDeniedException")
        status, _, body = send(base + "other", sign=False)
        self.assertEqual((status, json.loads(body)), (403, {"Message": (
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            + arn + "other because no resource-based policy allows the execute-api:Invoke action")}))
        # AWS_IAM, one account: the policy naming the user lets in a user
        # whose own policies say nothing; a stranger has neither.
        status, _, body = send(base + "secure", key=friend["aws_access_key_id"],
                               secret=friend["aws_secret_access_key"])
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        status, _, body = send(base + "secure", key=stranger["aws_access_key_id"],
                               secret=stranger["aws_secret_access_key"])
        self.assertEqual((status, json.loads(body)), (403, {"Message": (
            "User: arn:aws:iam::000000000000:user/apigw-stranger is not authorized to perform: "
            "execute-api:Invoke on resource: " + arn + "secure")}))


if __name__ == "__main__":
    unittest.main()
