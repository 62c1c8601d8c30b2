"""API Gateway REST operations around authorizers and keys, end to end:
TestInvokeAuthorizer runs a real Python TOKEN / REQUEST authorizer on the
request its input describes (boto3, both generations, and `aws apigateway
test-invoke-authorizer`); ImportApiKeys reads AWS's CSV key file (boto3 and
`aws apigateway import-api-keys --body fileb://`) into keys that join their
usage plans, with warnings and failonwarnings; UpdateUsage grants a key more
of its quota (boto3 and `aws apigateway update-usage`), which urllib's
requests and GetUsage see. One server and one function for the class;
DurableUsageTest restarts a server of its own (clean stop and kill -9) and
sees the quota used and GetUsage kept; AccountThrottleTest's server has a
small account-level throttle."""

import io
import json
import os
import signal
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import zipfile

from harness import ACCOUNT, Server, ServerTestCase, require_boto3, rest_mock_method

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

# TOKEN: the token is the user; REQUEST: the X-Token header and the `user`
# query string. "deny-me" is AWS's Unauthorized.
AUTHORIZER = """
def handler(event, context):
    if event["type"] == "TOKEN":
        who = event["authorizationToken"]
    else:
        who = event["headers"].get("x-token", "") + "/" + \\
            (event.get("queryStringParameters") or {}).get("user", "")
    if who == "deny-me":
        raise Exception("Unauthorized")
    return {"principalId": "user-" + who,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": event["methodArn"]}]},
            "context": {"arn": event["methodArn"]}}
"""

KEY1 = "apikey1234abcdefghij0123456789"
KEY2 = "apikey1234abcdefghij9876543210"
KEY3 = "apikey1234abcdefghij5555555555"


def get(url, key):
    r = urllib.request.Request(url, method="GET", headers={"x-api-key": key})
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


class ApiGatewayKeysTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", AUTHORIZER)
        lam = cls.server.boto3_client("lambda")
        arn = lam.create_function(FunctionName="keys-authorizer", Runtime="python3.11",
                                  Role=ROLE, Handler="app.handler",
                                  Code={"ZipFile": buf.getvalue()}, Timeout=10)["FunctionArn"]
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations"
               % arn)
        rest = cls.rest = cls.server.boto3_client("apigateway")
        api = cls.api = rest.create_rest_api(name="keyed")["id"]
        cls.token = rest.create_authorizer(
            restApiId=api, name="token", type="TOKEN", authorizerUri=uri,
            identitySource="method.request.header.Authorization")["id"]
        cls.request = rest.create_authorizer(
            restApiId=api, name="request", type="REQUEST", authorizerUri=uri,
            identitySource="method.request.header.X-Token, method.request.querystring.user")["id"]
        # GET /pets needs a key; a MOCK answers.
        rest_mock_method(rest, api, "pets", api_key_required=True)
        rest.create_deployment(restApiId=api, stageName="prod")
        cls.url = "%s/_aws/execute-api/%s/prod/pets" % (cls.server.endpoint, api)

    # --- TestInvokeAuthorizer ---------------------------------------------

    def test_token_authorizer_answers_its_policy(self):
        out = self.rest.test_invoke_authorizer(restApiId=self.api, authorizerId=self.token,
                                               headers={"Authorization": "ann"},
                                               pathWithQueryString="/pets/7?x=1")
        self.assertEqual(out["clientStatus"], 0, out.get("log"))
        self.assertEqual(out["principalId"], "user-ann")
        policy = json.loads(out["policy"])
        self.assertEqual(policy["Statement"][0]["Effect"], "Allow")
        self.assertEqual(policy["Statement"][0]["Resource"],
                         "arn:aws:execute-api:us-east-1:%s:%s/ESTestInvoke-stage/GET/pets/7"
                         % (ACCOUNT, self.api))
        self.assertIn("Using valid authorizer policy for principal: user-ann", out["log"])
        self.assertIsInstance(out["latency"], int)

    def test_unauthorized_and_missing_identities_are_401(self):
        out = self.rest.test_invoke_authorizer(restApiId=self.api, authorizerId=self.token,
                                               headers={"Authorization": "deny-me"})
        self.assertEqual(out["clientStatus"], 401)
        self.assertNotIn("principalId", out)
        out = self.rest.test_invoke_authorizer(restApiId=self.api, authorizerId=self.token,
                                               headers={})
        self.assertEqual(out["clientStatus"], 401)
        with self.assertRaises(self.rest.exceptions.NotFoundException):
            self.rest.test_invoke_authorizer(restApiId=self.api, authorizerId="nope")

    def test_request_authorizer_reads_headers_and_query(self):
        out = self.rest.test_invoke_authorizer(
            restApiId=self.api, authorizerId=self.request,
            multiValueHeaders={"X-Token": ["t1"]}, pathWithQueryString="/pets?user=bob",
            stageVariables={"v": "1"})
        self.assertEqual(out["clientStatus"], 0, out.get("log"))
        self.assertEqual(out["principalId"], "user-t1/bob")

    def test_cli_test_invoke_authorizer(self):
        _, out, _ = self.server.aws_cli("apigateway", "test-invoke-authorizer",
                                        "--rest-api-id", self.api,
                                        "--authorizer-id", self.token,
                                        "--headers", "Authorization=cli")
        out = json.loads(out)
        self.assertEqual(out["clientStatus"], 0)
        self.assertEqual(out["principalId"], "user-cli")

    # --- ImportApiKeys and UpdateUsage --------------------------------------

    def plan(self, name, limit):
        return self.rest.create_usage_plan(
            name=name, quota={"limit": limit, "period": "DAY"},
            apiStages=[{"apiId": self.api, "stage": "prod"}])["id"]

    def test_imported_keys_join_their_plan_and_update_usage_grants_more(self):
        plan = self.plan("imported", 2)
        csv = ("Name,key,Description,Enabled,usageplanIds\n"
               "first,%s,an imported key,TRUE,%s\n"
               "short,tooshort,,,\n" % (KEY1, plan)).encode()
        with self.assertRaises(self.rest.exceptions.BadRequestException):
            self.rest.import_api_keys(body=csv, format="csv", failOnWarnings=True)
        out = self.rest.import_api_keys(body=csv, format="csv")
        self.assertEqual(len(out["ids"]), 1)
        self.assertEqual(out["warnings"],
                         ["Line 3: API Key value should be at least 20 characters"])
        key = self.rest.get_api_key(apiKey=out["ids"][0], includeValue=True)
        self.assertEqual((key["name"], key["value"], key["enabled"]), ("first", KEY1, True))
        self.assertEqual([get(self.url, KEY1) for _ in range(3)], [200, 200, 429])

        usage = self.rest.update_usage(usagePlanId=plan, keyId=key["id"], patchOperations=[
            {"op": "replace", "path": "/remaining", "value": "2"}])
        self.assertEqual(usage["items"][key["id"]], [[2, 2]])
        self.assertEqual([get(self.url, KEY1) for _ in range(3)], [200, 200, 429])
        day = usage["startDate"]
        usage = self.rest.get_usage(usagePlanId=plan, keyId=key["id"], startDate=day,
                                    endDate=day)
        self.assertEqual(usage["items"][key["id"]], [[4, 0]])
        with self.assertRaises(self.rest.exceptions.BadRequestException):
            self.rest.update_usage(usagePlanId=plan, keyId=key["id"], patchOperations=[
                {"op": "replace", "path": "/remaining", "value": "-1"}])

    def test_cli_imports_keys_and_updates_usage(self):
        plan = self.plan("cli", 1)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "keys.csv")
            with open(path, "w") as f:
                f.write("key,name,UsagePlanIds\n%s,second,\"%s\"\n" % (KEY2, plan))
            _, out, _ = self.server.aws_cli("apigateway", "import-api-keys",
                                            "--body", "fileb://" + path, "--format", "csv",
                                            "--fail-on-warnings")
            with open(path, "w") as f:
                f.write("name,description\nx,y\n")
            code, _, err = self.server.aws_cli("apigateway", "import-api-keys", "--body",
                                               "fileb://" + path, "--format", "csv", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("Missing required column 'Key'", err)
        ids = json.loads(out)["ids"]
        self.assertEqual(len(ids), 1)
        self.assertEqual([get(self.url, KEY2) for _ in range(2)], [200, 429])
        _, out, _ = self.server.aws_cli("apigateway", "update-usage", "--usage-plan-id", plan,
                                        "--key-id", ids[0], "--patch-operations",
                                        "op=replace,path=/remaining,value=1")
        self.assertEqual(json.loads(out)["items"][ids[0]], [[1, 1]])
        self.assertEqual([get(self.url, KEY2) for _ in range(2)], [200, 429])


class DurableUsageTest(unittest.TestCase):
    """Usage counts across restarts of one server on its data directory: a
    clean stop keeps every count; kill -9 keeps what was counted more than
    the flush delay (1 s, README) before it. A MOCK answers; no function."""

    KEY = "apikeydurable0123456789abcdef"

    def setUp(self):
        require_boto3()
        self.server = Server().start()
        self.addCleanup(self.server.cleanup)
        rest = self.rest = self.server.boto3_client("apigateway")
        api = self.api = rest.create_rest_api(name="durable")["id"]
        rest_mock_method(rest, api, "pets", api_key_required=True)
        rest.create_deployment(restApiId=api, stageName="prod")
        self.key = rest.create_api_key(name="durable", enabled=True, value=self.KEY)["id"]
        self.plan = rest.create_usage_plan(name="durable", quota={"limit": 12, "period": "DAY"},
                                           apiStages=[{"apiId": api, "stage": "prod"}])["id"]
        rest.create_usage_plan_key(usagePlanId=self.plan, keyId=self.key, keyType="API_KEY")

    def restart(self, sig):
        self.server.stop(sig)
        self.server.start()
        self.rest = self.server.boto3_client("apigateway")

    def calls(self, n):
        url = "%s/_aws/execute-api/%s/prod/pets" % (self.server.endpoint, self.api)
        return [get(url, self.KEY) for _ in range(n)]

    def used_and_remaining(self):
        day = time.strftime("%Y-%m-%d", time.gmtime())
        out = self.rest.get_usage(usagePlanId=self.plan, keyId=self.key, startDate=day,
                                  endDate=day)
        return out["items"][self.key][0]

    def test_counts_survive_a_clean_stop_and_kill_9(self):
        self.assertEqual(self.calls(4), [200] * 4)
        self.restart(signal.SIGTERM)
        self.assertEqual(self.used_and_remaining(), [4, 8])
        self.assertEqual(self.calls(3), [200] * 3)
        time.sleep(1.5)  # past the flush delay: these three are written
        self.assertEqual(self.calls(2), [200] * 2)
        self.restart(signal.SIGKILL)
        used, remaining = self.used_and_remaining()
        self.assertIn(used, (7, 8, 9))  # the last two may be forgotten
        self.assertEqual(used + remaining, 12)
        self.assertEqual(self.calls(remaining + 1), [200] * remaining + [429])
        # An UpdateUsage grant is durable once answered, even across kill -9.
        self.rest.update_usage(usagePlanId=self.plan, keyId=self.key, patchOperations=[
            {"op": "replace", "path": "/remaining", "value": "3"}])
        self.restart(signal.SIGKILL)
        self.assertEqual(self.used_and_remaining(), [12, 3])
        self.assertEqual(self.calls(4), [200, 200, 200, 429])


class AccountThrottleTest(unittest.TestCase):
    """The account-level throttle of a server started with a small one
    (`--apigateway-account-rate-limit 2 --apigateway-account-burst-limit 5`):
    GetAccount (boto3 and the CLI) shows it; a burst of requests to a MOCK
    gets AWS's 429 once the bucket is empty."""

    def setUp(self):
        require_boto3()
        self.server = Server("--apigateway-account-rate-limit", "2",
                             "--apigateway-account-burst-limit", "5").start()
        self.addCleanup(self.server.cleanup)

    def test_account_limits_shown_and_enforced(self):
        rest = self.server.boto3_client("apigateway")
        self.assertEqual(rest.get_account()["throttleSettings"],
                         {"burstLimit": 5, "rateLimit": 2.0})
        api = rest.create_rest_api(name="throttled")["id"]
        rest_mock_method(rest, api, "pets")
        rest.create_deployment(restApiId=api, stageName="prod")
        url = "%s/_aws/execute-api/%s/prod/pets" % (self.server.endpoint, api)
        statuses = [get(url, "") for _ in range(8)]
        # Five from the burst, perhaps one more refilled meanwhile.
        self.assertIn(statuses.count(200), (5, 6), statuses)
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertEqual(statuses[-1], 429)
        r = urllib.request.Request(url)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(r, timeout=30)
        self.assertEqual(json.loads(e.exception.read()), {"message": "Too Many Requests"})
        self.assertEqual(e.exception.headers["x-amzn-ErrorType"], "TooManyRequestsException")
        try:
            _, out, _ = self.server.aws_cli("apigateway", "get-account")
        except unittest.SkipTest:
            return
        self.assertEqual(json.loads(out)["throttleSettings"], {"burstLimit": 5, "rateLimit": 2.0})


if __name__ == "__main__":
    unittest.main()
