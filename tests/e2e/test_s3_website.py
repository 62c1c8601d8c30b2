"""S3 static website hosting end to end: the configuration set with boto3
(both generations) and the AWS CLI (`aws s3 website`), then plain unsigned
HTTP requests with the website Host header (BUCKET.s3-website.localhost and
the region forms); a CloudFormation bucket with WebsiteConfiguration and a
BucketPolicy whose WebsiteURL output answers; anonymous access under
`--iam enforce` decided by the bucket policy; CORS on the website endpoint
(a browser's preflight with urllib, Access-Control-* headers on GET)."""

import http.client
import json
import os
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import ServerTestCase, require_boto3


def fetch(server, host, path="/", method="GET", headers=None):
    """One request to the server with `host` as the Host header; no redirects
    followed. (status, headers dict lower-cased, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.request(method, path, headers=dict(headers or {}, Host=host))
        r = conn.getresponse()
        body = r.read().decode("utf-8", "replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


class WebsiteCase(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def host(self, bucket, form="%s.s3-website.localhost"):
        return (form % bucket) + ":%d" % self.server.port

    def site(self, bucket, path="/", **kwargs):
        return fetch(self.server, self.host(bucket), path, **kwargs)

    def page(self, bucket, key, body, **extra):
        self.s3.put_object(Bucket=bucket, Key=key, Body=body.encode(),
                           ContentType=extra.pop("ContentType", "text/html"), **extra)


class S3WebsiteTest(WebsiteCase):
    def test_index_folders_error_document_and_headers(self):
        b = "site-basic"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
        self.page(b, "index.html", "<h1>home</h1>")
        self.page(b, "docs/index.html", "<h1>docs</h1>")
        self.page(b, "error.html", "<h1>oops</h1>")
        self.page(b, "app.js", "alert(1)", ContentType="text/javascript",
                  CacheControl="no-cache", Metadata={"build": "42"})

        status, headers, body = self.site(b, "/")
        self.assertEqual((status, body), (200, "<h1>home</h1>"))
        self.assertEqual(headers["content-type"], "text/html")
        self.assertIn("etag", headers)
        for form in ("%s.s3-website-us-east-1.localhost", "%s.s3-website.us-east-1.localhost",
                     "%s.s3-website-us-east-1.amazonaws.com"):
            self.assertEqual(fetch(self.server, self.host(b, form), "/docs/")[2], "<h1>docs</h1>")
        status, headers, _ = self.site(b, "/docs")
        self.assertEqual((status, headers["location"]), (302, "/docs/"))
        status, headers, body = self.site(b, "/app.js")
        self.assertEqual((status, body), (200, "alert(1)"))
        self.assertEqual(headers["cache-control"], "no-cache")
        self.assertEqual(headers["x-amz-meta-build"], "42")
        status, headers, body = self.site(b, "/app.js", method="HEAD")
        self.assertEqual((status, headers["content-length"], body), (200, "8", ""))
        status, _, body = self.site(b, "/app.js", headers={"Range": "bytes=0-4"})
        self.assertEqual((status, body), (206, "alert"))
        etag = self.site(b, "/app.js")[1]["etag"]
        self.assertEqual(self.site(b, "/app.js", headers={"If-None-Match": etag})[0], 304)

        status, headers, body = self.site(b, "/no/such/page")
        self.assertEqual((status, body), (404, "<h1>oops</h1>"))

    def test_s3s_error_pages_and_methods(self):
        status, headers, body = self.site("site-none")
        self.assertEqual(status, 404)
        self.assertIn("<li>Code: NoSuchBucket</li>", body)
        self.assertIn("<li>BucketName: site-none</li>", body)
        self.assertTrue(headers["content-type"].startswith("text/html"))

        b = "site-errors"
        self.s3.create_bucket(Bucket=b)
        status, _, body = self.site(b)
        self.assertEqual(status, 404)
        self.assertIn("<li>Code: NoSuchWebsiteConfiguration</li>", body)
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}})
        status, _, body = self.site(b, "/missing%3Cb%3E.html")
        self.assertEqual(status, 404)
        self.assertIn("<h1>404 Not Found</h1>", body)
        self.assertIn("<li>Code: NoSuchKey</li>", body)
        self.assertIn("<li>Key: missing&lt;b&gt;.html</li>", body)
        for method in ("POST", "PUT", "DELETE"):
            status, _, body = self.site(b, "/x", method=method)
            self.assertEqual(status, 405, method)
            self.assertIn("MethodNotAllowed", body)
        self.assertEqual(self.s3.list_objects_v2(Bucket=b)["KeyCount"], 0)

    def test_redirects(self):
        b = "site-redirects"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "RoutingRules": [
                {"Condition": {"KeyPrefixEquals": "docs/"},
                 "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
                {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
                 "Redirect": {"HostName": "example.com", "Protocol": "https",
                              "HttpRedirectCode": "302"}}]})
        self.page(b, "old.html", "", WebsiteRedirectLocation="/new.html")
        status, headers, _ = self.site(b, "/docs/a.html")
        self.assertEqual(status, 301)
        self.assertEqual(headers["location"],
                         "http://%s/documents/a.html" % self.host(b))
        status, headers, _ = self.site(b, "/gone")
        self.assertEqual((status, headers["location"]), (302, "https://example.com/gone"))
        status, headers, _ = self.site(b, "/old.html")
        self.assertEqual((status, headers["location"]), (301, "/new.html"))

        other = "site-moved"
        self.s3.create_bucket(Bucket=other)
        self.s3.put_bucket_website(Bucket=other, WebsiteConfiguration={
            "RedirectAllRequestsTo": {"HostName": "www.example.org"}})
        status, headers, _ = self.site(other, "/a/b")
        self.assertEqual((status, headers["location"]), (301, "http://www.example.org/a/b"))

    def test_cors_preflight_and_headers(self):
        b = "site-fonts"
        origin = "https://app.example"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}})
        self.page(b, "font.woff", "woff", ContentType="font/woff")

        def browser(method, path, headers):
            # As a browser sends it: to the website host, unsigned.
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.server.port, path),
                                         method=method, headers=dict(headers, Host=self.host(b)))
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read()

        ask = {"Origin": origin, "Access-Control-Request-Method": "GET",
               "Access-Control-Request-Headers": "Range"}
        status, _, body = browser("OPTIONS", "/font.woff", ask)
        self.assertEqual(status, 403)
        self.assertIn(b"CORS is not enabled for this bucket.", body)
        self.s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": [origin], "AllowedMethods": ["GET"], "AllowedHeaders": ["range"],
            "MaxAgeSeconds": 300}]})
        status, headers, _ = browser("OPTIONS", "/font.woff", ask)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], origin)
        self.assertEqual(headers["Access-Control-Allow-Methods"], "GET")
        self.assertEqual(headers["Access-Control-Allow-Headers"], "range")
        self.assertEqual(headers["Access-Control-Max-Age"], "300")
        status, _, body = browser("OPTIONS", "/font.woff", dict(ask, Origin="https://x.example"))
        self.assertEqual(status, 403)
        self.assertIn(b"<li>Code: AccessForbidden</li>", body)

        status, headers, body = browser("GET", "/font.woff", {"Origin": origin})
        self.assertEqual((status, body), (200, b"woff"))
        self.assertEqual(headers["Access-Control-Allow-Origin"], origin)
        status, headers, _ = browser("GET", "/font.woff", {"Origin": "https://x.example"})
        self.assertEqual(status, 200)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def test_aws_cli_website_command(self):
        b = "site-cli"
        self.server.aws_cli("s3", "mb", "s3://" + b)
        self.server.aws_cli("s3", "website", "s3://" + b, "--index-document", "home.html",
                            "--error-document", "err.html")
        with tempfile.TemporaryDirectory() as d:
            for name, text in (("home.html", "cli home"), ("err.html", "cli error")):
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            self.server.aws_cli("s3", "sync", d, "s3://" + b)
        self.assertEqual(self.site(b)[0:3:2], (200, "cli home"))
        self.assertEqual(self.site(b, "/nope")[0:3:2], (404, "cli error"))

    def test_cloudformation_bucket_website_and_policy(self):
        cfn = self.server.boto3_client("cloudformation")
        template = {
            "Resources": {
                "Site": {"Type": "AWS::S3::Bucket", "Properties": {
                    "WebsiteConfiguration": {
                        "IndexDocument": "index.html", "ErrorDocument": "404.html",
                        "RoutingRules": [{
                            "RoutingRuleCondition": {"KeyPrefixEquals": "old/"},
                            "RedirectRule": {"ReplaceKeyPrefixWith": "new/"}}]}}},
                "SitePolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                    "Bucket": {"Ref": "Site"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": {"Fn::Sub": "${Site.Arn}/*"}}]}}}},
            "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Site", "WebsiteURL"]}},
                        "Name": {"Value": {"Ref": "Site"}}}}
        cfn.create_stack(StackName="website", TemplateBody=json.dumps(template))
        cfn.get_waiter("stack_create_complete").wait(
            StackName="website", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in cfn.describe_stacks(StackName="website")["Stacks"][0]["Outputs"]}
        name = outputs["Name"]
        url = urllib.parse.urlparse(outputs["Url"])
        self.assertEqual(url.hostname, name + ".s3-website.localhost")
        self.assertEqual(url.port, self.server.port)
        policy = json.loads(self.s3.get_bucket_policy(Bucket=name)["Policy"])
        self.assertEqual(policy["Statement"][0]["Resource"], "arn:aws:s3:::%s/*" % name)
        self.page(name, "index.html", "from the stack")
        self.assertEqual(fetch(self.server, url.netloc, "/")[2], "from the stack")
        status, headers, _ = fetch(self.server, url.netloc, "/old/x")
        self.assertEqual((status, headers["location"]), (301, "http://%s/new/x" % url.netloc))

        # An update without the website removes it.
        del template["Resources"]["Site"]["Properties"]["WebsiteConfiguration"]
        template["Resources"]["Site"]["Properties"]["Tags"] = [{"Key": "k", "Value": "v"}]
        cfn.update_stack(StackName="website", TemplateBody=json.dumps(template))
        cfn.get_waiter("stack_update_complete").wait(
            StackName="website", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        self.assertIn("NoSuchWebsiteConfiguration", fetch(self.server, url.netloc, "/")[2])

        self.s3.delete_object(Bucket=name, Key="index.html")
        cfn.delete_stack(StackName="website")
        cfn.get_waiter("stack_delete_complete").wait(
            StackName="website", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        self.assertIn("NoSuchBucket", fetch(self.server, url.netloc, "/")[2])


class S3WebsiteEnforcedTest(WebsiteCase):
    server_args = ("--iam", "enforce")

    def test_anonymous_reads_follow_the_bucket_policy(self):
        b = "site-private"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}})
        self.page(b, "index.html", "hello")
        status, _, body = self.site(b)
        self.assertEqual(status, 403)
        self.assertIn("<li>Code: AccessDenied</li>", body)

        def allow(*statements):
            self.s3.put_bucket_policy(Bucket=b, Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": list(statements)}))
        get = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
               "Resource": "arn:aws:s3:::%s/*" % b}
        allow(get)
        self.assertEqual(self.site(b)[0:3:2], (200, "hello"))
        self.assertEqual(self.site(b, "/missing")[0], 403)  # no s3:ListBucket
        allow(get, {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::%s" % b})
        self.assertEqual(self.site(b, "/missing")[0], 404)


if __name__ == "__main__":
    unittest.main()
