"""examples/webapp end to end against a real server, the way its README
deploys it: `aws cloudformation package` (the function folders zipped into a
bucket) and `aws cloudformation deploy` of the SAM template; the site
uploaded with `aws s3 sync` and its config.js; the website answered on its
endpoint; the HTTP API's CORS preflight for the site's origin; a POST without
or with a wrong token refused (401 / 403) and with the token stored; the item
listed, marked processed by the Node.js worker, and its notification read
from the topic's queue; the stack deleted with everything in it. And the
same template brought up by `nimbus deploy` in one step; both again with
`--iam enforce`."""

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse

from harness import ROOT, ServerTestCase, nimbus_binary, require_boto3, wait_until

EXAMPLE = os.path.join(ROOT, "examples", "webapp")
NODE_MODULES = os.path.join(ROOT, "tests", "js", "node_modules")
TOKEN = "s3cret-token-for-tests"


def vendor_node_modules(function_dir, source=NODE_MODULES):
    """Copies the packages function_dir/package.json depends on (and theirs)
    from `source` into function_dir/node_modules, as `npm install` would;
    False when `source` does not have them."""
    with open(os.path.join(function_dir, "package.json")) as f:
        todo = list(json.load(f).get("dependencies", {}))
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        src = os.path.join(source, name)
        if not os.path.isfile(os.path.join(src, "package.json")):
            return False
        shutil.copytree(src, os.path.join(function_dir, "node_modules", name), symlinks=False)
        with open(os.path.join(src, "package.json")) as f:
            todo += list(json.load(f).get("dependencies", {}))
    return True


def request(server, url, method="GET", body=None, headers=None):
    """`url` (http://HOST:PORT/path) sent to the server at 127.0.0.1 with its
    host as the Host header (no DNS for *.localhost needed); (status,
    headers lower-cased, body text)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, u.path or "/", body=body, headers=dict(headers or {}, Host=u.netloc))
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


class WebappExampleTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        if not os.path.isdir(NODE_MODULES):
            self.skipTest("tests/js/node_modules is missing (run npm ci in tests/js)")
        self.work = tempfile.mkdtemp(prefix="webapp-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.app = os.path.join(self.work, "webapp")
        shutil.copytree(EXAMPLE, self.app)
        if not vendor_node_modules(os.path.join(self.app, "functions", "worker")):
            self.skipTest("tests/js/node_modules lacks the worker's SDK clients")

    def deploy(self):
        cli = self.server.aws_cli
        cli("s3", "mb", "s3://webapp-artifacts")
        packaged = os.path.join(self.work, "packaged.yaml")
        cli("cloudformation", "package", "--template-file",
            os.path.join(self.app, "template.yaml"), "--s3-bucket", "webapp-artifacts",
            "--output-template-file", packaged)
        cli("cloudformation", "deploy", "--template-file", packaged, "--stack-name", "webapp",
            "--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "ApiToken=" + TOKEN)
        cfn = self.server.boto3_client("cloudformation")
        stack = cfn.describe_stacks(StackName="webapp")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    def upload_site(self, out):
        site = os.path.join(self.app, "site")
        with open(os.path.join(site, "config.js"), "w") as f:
            f.write("window.WEBAPP_CONFIG = %s;\n" % json.dumps({"apiUrl": out["ApiUrl"]}))
        self.server.aws_cli("s3", "sync", site, "s3://" + out["SiteBucket"])

    def test_deploy_browse_create_process_notify_delete(self):
        out = self.deploy()
        site, api = out["WebsiteURL"], out["ApiUrl"]
        self.assertTrue(urllib.parse.urlparse(site).hostname.endswith(".s3-website.localhost"))
        self.upload_site(out)

        status, headers, body = request(self.server, site + "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html")
        self.assertIn("<h1>Items</h1>", body)
        status, _, body = request(self.server, site + "/config.js")
        self.assertEqual(status, 200)
        self.assertIn(api, body)
        self.assertIn("fetch(apiUrl", request(self.server, site + "/app.js")[2])

        # The site's origin may call the API; another may not.
        preflight = {"Origin": site, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type"}
        status, headers, _ = request(self.server, api + "/items", "OPTIONS", headers=preflight)
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], site)
        status, headers, _ = request(self.server, api + "/items", "OPTIONS",
                                     headers=dict(preflight, Origin="http://evil.example"))
        self.assertNotIn("access-control-allow-origin", headers)

        item = json.dumps({"name": "write the README"})
        self.assertEqual(request(self.server, api + "/items", "POST", item)[0], 401)
        status, _, _ = request(self.server, api + "/items", "POST", item,
                               {"Authorization": "Bearer wrong"})
        self.assertEqual(status, 403)
        status, _, body = request(self.server, api + "/items", "POST", "[]",
                                  {"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 400, body)
        status, headers, body = request(
            self.server, api + "/items", "POST", item,
            {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json",
             "Origin": site})
        self.assertEqual(status, 201, body)
        self.assertEqual(headers.get("access-control-allow-origin"), site)
        created = json.loads(body)
        self.assertEqual((created["name"], created["status"]), ("write the README", "new"))

        def listed():
            status, _, body = request(self.server, api + "/items")
            self.assertEqual(status, 200, body)
            return json.loads(body)["items"]
        self.assertEqual([i["id"] for i in listed()], [created["id"]])
        self.assertTrue(wait_until(lambda: listed()[0]["status"] == "processed", timeout=60),
                        listed())

        sqs = self.server.boto3_client("sqs")

        def notified():
            got = sqs.receive_message(QueueUrl=out["InboxUrl"], WaitTimeSeconds=1)
            return got.get("Messages")
        messages = wait_until(notified, timeout=30)
        self.assertTrue(messages)
        self.assertEqual(json.loads(messages[0]["Body"]),
                         {"id": created["id"], "name": "write the README",
                          "status": "processed"})

        # Deleting the stack needs the site bucket empty, as on AWS.
        self.server.aws_cli("s3", "rm", "--recursive", "s3://" + out["SiteBucket"])
        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "webapp")
        self.server.aws_cli("cloudformation", "wait", "stack-delete-complete",
                            "--stack-name", "webapp")
        self.assertIn("NoSuchBucket", request(self.server, site + "/")[2])
        ddb = self.server.boto3_client("dynamodb")
        self.assertNotIn(out["ItemsTable"], ddb.list_tables()["TableNames"])

    def test_nimbus_deploy_brings_it_up(self):
        # Without the copied node_modules nimbus deploy npm-installs the
        # worker's dependencies itself; with them the run needs no registry.
        p = subprocess.run(
            [nimbus_binary(), "deploy", os.path.join(self.app, "template.yaml"),
             "--stack-name", "webapp-cli", "--parameter-overrides", "ApiToken=" + TOKEN],
            env=self.server.client_env(), capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("WebsiteURL: http://", p.stdout)
        cfn = self.server.boto3_client("cloudformation")
        stack = cfn.describe_stacks(StackName="webapp-cli")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        status, _, body = request(self.server, out["ApiUrl"] + "/items", "POST",
                                  json.dumps({"name": "from nimbus deploy"}),
                                  {"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 201, body)

        def processed():
            items = json.loads(request(self.server, out["ApiUrl"] + "/items")[2])["items"]
            return items and items[0]["status"] == "processed"
        self.assertTrue(wait_until(processed, timeout=60))


class WebappExampleEnforcedTest(WebappExampleTest):
    """The same under `--iam enforce`: the template's grants (policy
    templates, permissions, BucketPolicy, QueuePolicy) are what let it work."""
    server_args = ("--iam", "enforce")


if __name__ == "__main__":
    import unittest
    unittest.main()
