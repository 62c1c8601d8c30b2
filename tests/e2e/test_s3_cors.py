"""S3 CORS at the edge: a browser's preflight (OPTIONS with Origin, unsigned)
answered from the bucket's CORS configuration, and Access-Control-* headers
on the answer to a request that sends Origin (a presigned GET, as a page's
fetch() sends it)."""

import unittest
import urllib.error
import urllib.request

from harness import ServerTestCase, require_boto3

ORIGIN = "https://app.example"


class S3CorsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.s3 = cls.server.boto3_client("s3")
        cls.s3.create_bucket(Bucket="e2e-cors")
        cls.s3.create_bucket(Bucket="e2e-nocors")
        cls.s3.put_bucket_cors(Bucket="e2e-cors", CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["content-type"], "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600}]})
        cls.s3.put_object(Bucket="e2e-cors", Key="page.txt", Body=b"hi")

    def preflight(self, path, origin, method, headers=None):
        req = urllib.request.Request(self.server.endpoint + path, method="OPTIONS")
        req.add_header("Origin", origin)
        req.add_header("Access-Control-Request-Method", method)
        if headers:
            req.add_header("Access-Control-Request-Headers", headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_preflight_allowed_and_refused(self):
        status, headers, _ = self.preflight("/e2e-cors/page.txt", ORIGIN, "PUT", "Content-Type")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], ORIGIN)
        self.assertIn("PUT", headers["Access-Control-Allow-Methods"])
        self.assertEqual(headers["Access-Control-Allow-Headers"], "content-type")
        self.assertEqual(headers["Access-Control-Max-Age"], "600")
        status, _, body = self.preflight("/e2e-cors/page.txt", "https://evil.example", "GET")
        self.assertEqual(status, 403)
        self.assertIn(b"CORSResponse: This CORS request is not allowed", body)
        status, _, _ = self.preflight("/e2e-cors/page.txt", ORIGIN, "DELETE")
        self.assertEqual(status, 403)
        status, _, body = self.preflight("/e2e-nocors/k", ORIGIN, "GET")
        self.assertEqual(status, 403)
        self.assertIn(b"CORS is not enabled for this bucket", body)

    def test_actual_request_gets_cors_headers(self):
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": "e2e-cors", "Key": "page.txt"}, ExpiresIn=60)
        req = urllib.request.Request(url, headers={"Origin": ORIGIN})
        with urllib.request.urlopen(req, timeout=5) as r:
            self.assertEqual(r.read(), b"hi")
            self.assertEqual(r.headers["Access-Control-Allow-Origin"], ORIGIN)
            self.assertEqual(r.headers["Access-Control-Expose-Headers"], "ETag")
            self.assertIn("Origin", r.headers["Vary"])
        req = urllib.request.Request(url, headers={"Origin": "https://evil.example"})
        with urllib.request.urlopen(req, timeout=5) as r:
            self.assertIsNone(r.headers["Access-Control-Allow-Origin"])


if __name__ == "__main__":
    unittest.main()
