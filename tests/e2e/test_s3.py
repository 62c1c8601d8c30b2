"""S3 end to end: buckets and objects with boto3 (both generations), the
AWS CLI's `aws s3` commands and virtual-hosted requests, against a real
server (bodies over 1 MiB take the streamed path)."""

import hashlib
import http.client
import os
import tempfile
import unittest

from harness import ACCESS_KEY, REGION, SECRET_KEY, ServerTestCase, require_boto3


def error_code(cm):
    return cm.exception.response["Error"]["Code"]


class S3BucketsTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def test_bucket_lifecycle_and_errors(self):
        self.s3.create_bucket(Bucket="e2e-life")
        self.s3.head_bucket(Bucket="e2e-life")
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn("e2e-life", names)
        self.assertIsNone(self.s3.get_bucket_location(Bucket="e2e-life").get("LocationConstraint"))
        with self.assertRaises(self.s3.exceptions.BucketAlreadyOwnedByYou):
            self.s3.create_bucket(Bucket="e2e-life")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.create_bucket(Bucket="Bad_Name")
        self.assertEqual(error_code(cm), "InvalidBucketName")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.s3.put_object(Bucket="e2e-life", Key="k", Body=b"x")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.delete_bucket(Bucket="e2e-life")
        self.assertEqual(error_code(cm), "BucketNotEmpty")
        self.s3.delete_object(Bucket="e2e-life", Key="k")
        self.s3.delete_bucket(Bucket="e2e-life")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.head_bucket(Bucket="e2e-life")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        with self.assertRaises(self.s3.exceptions.NoSuchBucket):
            self.s3.get_object(Bucket="e2e-life", Key="k")

    def test_location_constraint_in_another_region(self):
        west = self.server.boto3_client("s3", region_name="us-west-2")
        west.create_bucket(Bucket="e2e-west",
                           CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        self.assertEqual(west.get_bucket_location(Bucket="e2e-west")["LocationConstraint"],
                         "us-west-2")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.create_bucket(Bucket="e2e-west2",
                                  CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        self.assertEqual(error_code(cm), "IllegalLocationConstraintException")


class S3ObjectsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.server.boto3_client("s3").create_bucket(Bucket="e2e-objects")
        except ImportError:
            pass

    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def test_put_get_head_with_headers_and_metadata(self):
        body = b"hello nimbus"
        out = self.s3.put_object(Bucket="e2e-objects", Key="dir/a b+c.txt", Body=body,
                                 ContentType="text/plain", CacheControl="no-cache",
                                 ContentDisposition="inline", Metadata={"Color": "blue"})
        self.assertEqual(out["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = self.s3.get_object(Bucket="e2e-objects", Key="dir/a b+c.txt")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["CacheControl"], "no-cache")
        self.assertEqual(got["ContentDisposition"], "inline")
        self.assertEqual(got["Metadata"], {"color": "blue"})
        self.assertEqual(got["ETag"], out["ETag"])
        head = self.s3.head_object(Bucket="e2e-objects", Key="dir/a b+c.txt")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["AcceptRanges"], "bytes")

    def test_large_object_is_streamed_both_ways(self):
        body = os.urandom(3 * 1024 * 1024 + 17)
        out = self.s3.put_object(Bucket="e2e-objects", Key="big.bin", Body=body)
        self.assertEqual(out["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = self.s3.get_object(Bucket="e2e-objects", Key="big.bin")
        self.assertEqual(got["ContentLength"], len(body))
        self.assertEqual(hashlib.md5(got["Body"].read()).hexdigest(), hashlib.md5(body).hexdigest())

    def test_ranges(self):
        self.s3.put_object(Bucket="e2e-objects", Key="digits", Body=b"0123456789")
        part = self.s3.get_object(Bucket="e2e-objects", Key="digits", Range="bytes=2-5")
        self.assertEqual(part["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(part["ContentRange"], "bytes 2-5/10")
        self.assertEqual(part["Body"].read(), b"2345")
        tail = self.s3.get_object(Bucket="e2e-objects", Key="digits", Range="bytes=-3")
        self.assertEqual(tail["Body"].read(), b"789")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_object(Bucket="e2e-objects", Key="digits", Range="bytes=10-")
        self.assertEqual(error_code(cm), "InvalidRange")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 416)

    def test_conditional_get(self):
        etag = self.s3.put_object(Bucket="e2e-objects", Key="cond", Body=b"v")["ETag"]
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_object(Bucket="e2e-objects", Key="cond", IfMatch='"nope"')
        self.assertEqual(error_code(cm), "PreconditionFailed")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_object(Bucket="e2e-objects", Key="cond", IfNoneMatch=etag)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        self.assertEqual(self.s3.get_object(Bucket="e2e-objects", Key="cond",
                                            IfMatch=etag)["Body"].read(), b"v")

    def test_missing_key_and_delete(self):
        with self.assertRaises(self.s3.exceptions.NoSuchKey) as cm:
            self.s3.get_object(Bucket="e2e-objects", Key="never")
        self.assertEqual(cm.exception.response["Error"]["Key"], "never")
        self.s3.put_object(Bucket="e2e-objects", Key="gone", Body=b"x")
        out = self.s3.delete_object(Bucket="e2e-objects", Key="gone")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.head_object(Bucket="e2e-objects", Key="gone")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_bad_content_md5_is_refused(self):
        import base64
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_object(Bucket="e2e-objects", Key="md5", Body=b"body", ContentMD5=wrong)
        self.assertEqual(error_code(cm), "BadDigest")
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket="e2e-objects", Key="md5")

    def test_virtual_hosted_style(self):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        self.s3.put_object(Bucket="e2e-objects", Key="vhost.txt", Body=b"by host")
        host = "e2e-objects.s3.localhost:%d" % self.server.port
        req = AWSRequest(method="GET", url="http://%s/vhost.txt" % host,
                         headers={"x-amz-content-sha256": hashlib.sha256(b"").hexdigest()})
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/vhost.txt", headers=dict(req.headers.items(), Host=host))
        resp = conn.getresponse()
        body = resp.read()
        self.assertEqual((resp.status, body), (200, b"by host"))
        conn.close()


class S3ListCopyDeleteTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def test_listing_paging_copy_and_delete_objects(self):
        self.s3.create_bucket(Bucket="e2e-list")
        keys = ["a/1", "a/2", "b", "c d", "a/sub/3"]
        for k in keys:
            self.s3.put_object(Bucket="e2e-list", Key=k, Body=k.encode())
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket="e2e-list", Delimiter="/", PaginationConfig={"PageSize": 1})
        seen, prefixes = [], []
        for page in pages:
            seen += [o["Key"] for o in page.get("Contents", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        self.assertEqual(seen, ["b", "c d"])
        self.assertEqual(prefixes, ["a/"])
        v1 = self.s3.list_objects(Bucket="e2e-list", Prefix="a/", EncodingType="url")
        self.assertEqual([o["Key"] for o in v1["Contents"]], ["a/1", "a/2", "a/sub/3"])
        out = self.s3.copy_object(Bucket="e2e-list", Key="copied", CopySource="e2e-list/c d",
                                  MetadataDirective="REPLACE", ContentType="text/x-copy")
        self.assertEqual(out["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"c d").hexdigest())
        got = self.s3.get_object(Bucket="e2e-list", Key="copied")
        self.assertEqual((got["Body"].read(), got["ContentType"]), (b"c d", "text/x-copy"))
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.copy_object(Bucket="e2e-list", Key="x", CopySource="e2e-list/b",
                                CopySourceIfMatch='"nope"')
        self.assertEqual(error_code(cm), "PreconditionFailed")
        deleted = self.s3.delete_objects(Bucket="e2e-list", Delete={
            "Objects": [{"Key": k} for k in keys + ["copied"]]})
        self.assertEqual(sorted(d["Key"] for d in deleted["Deleted"]), sorted(keys + ["copied"]))
        self.assertEqual(self.s3.list_objects_v2(Bucket="e2e-list")["KeyCount"], 0)

    def test_conditional_put(self):
        members = self.s3.meta.service_model.operation_model("PutObject").input_shape.members
        if "IfNoneMatch" not in members:
            self.skipTest("this botocore's PutObject has no IfNoneMatch")
        self.s3.create_bucket(Bucket="e2e-cond")
        self.s3.put_object(Bucket="e2e-cond", Key="once", Body=b"1", IfNoneMatch="*")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_object(Bucket="e2e-cond", Key="once", Body=b"2", IfNoneMatch="*")
        self.assertEqual(error_code(cm), "PreconditionFailed")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)


class S3MultipartTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def test_managed_transfers_with_threads(self):
        from boto3.s3.transfer import TransferConfig
        self.s3.create_bucket(Bucket="e2e-transfer")
        config = TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
        data = os.urandom(11 * 1024 * 1024 + 3)
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "src.bin"), os.path.join(d, "dst.bin")
            with open(src, "wb") as f:
                f.write(data)
            self.s3.upload_file(src, "e2e-transfer", "big.bin", Config=config)
            head = self.s3.head_object(Bucket="e2e-transfer", Key="big.bin")
            self.assertEqual(head["ContentLength"], len(data))
            self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
            self.s3.download_file("e2e-transfer", "big.bin", dst, Config=config)
            with open(dst, "rb") as f:
                self.assertEqual(hashlib.md5(f.read()).hexdigest(), hashlib.md5(data).hexdigest())

    def test_multipart_errors_and_abort(self):
        self.s3.create_bucket(Bucket="e2e-mpu")
        up = self.s3.create_multipart_upload(Bucket="e2e-mpu", Key="k")["UploadId"]
        e1 = self.s3.upload_part(Bucket="e2e-mpu", Key="k", UploadId=up, PartNumber=1,
                                 Body=b"small")["ETag"]
        e2 = self.s3.upload_part(Bucket="e2e-mpu", Key="k", UploadId=up, PartNumber=2,
                                 Body=b"small")["ETag"]
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.complete_multipart_upload(Bucket="e2e-mpu", Key="k", UploadId=up,
                                              MultipartUpload={"Parts": [
                                                  {"PartNumber": 1, "ETag": e1},
                                                  {"PartNumber": 2, "ETag": e2}]})
        self.assertEqual(error_code(cm), "EntityTooSmall")
        parts = self.s3.list_parts(Bucket="e2e-mpu", Key="k", UploadId=up)["Parts"]
        self.assertEqual([p["PartNumber"] for p in parts], [1, 2])
        uploads = self.s3.list_multipart_uploads(Bucket="e2e-mpu")["Uploads"]
        self.assertEqual([u["UploadId"] for u in uploads], [up])
        self.s3.abort_multipart_upload(Bucket="e2e-mpu", Key="k", UploadId=up)
        with self.assertRaises(self.s3.exceptions.NoSuchUpload):
            self.s3.list_parts(Bucket="e2e-mpu", Key="k", UploadId=up)


class S3PresignedTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")
        try:
            self.s3.create_bucket(Bucket="e2e-presign")
        except self.s3.exceptions.BucketAlreadyOwnedByYou:
            pass

    def test_presigned_get_and_put_with_urllib_and_curl(self):
        import shutil
        import subprocess
        import urllib.error
        import urllib.request
        self.s3.put_object(Bucket="e2e-presign", Key="shared.txt", Body=b"presigned body")
        url = self.s3.generate_presigned_url("get_object", Params={
            "Bucket": "e2e-presign", "Key": "shared.txt"}, ExpiresIn=300)
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), b"presigned body")
        put_url = self.s3.generate_presigned_url("put_object", Params={
            "Bucket": "e2e-presign", "Key": "uploaded.txt"}, ExpiresIn=300)
        # SigV2 signs the Content-Type: send the (empty) one that was signed.
        req = urllib.request.Request(put_url, data=b"sent by urllib", method="PUT",
                                     headers={"Content-Type": ""})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)
        self.assertEqual(self.s3.get_object(Bucket="e2e-presign", Key="uploaded.txt")["Body"].read(),
                         b"sent by urllib")
        # Tampering with the signed URL is refused.
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url.replace("shared.txt", "uploaded.txt"), timeout=10)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"SignatureDoesNotMatch", cm.exception.read())
        curl = shutil.which("curl")
        if curl:
            out = subprocess.run([curl, "-s", "-f", url], capture_output=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, b"presigned body")

    def test_sigv4_presigned_get(self):
        import urllib.request
        from botocore.config import Config
        v4 = self.server.boto3_client("s3", config=Config(signature_version="s3v4"))
        v4.put_object(Bucket="e2e-presign", Key="v4.txt", Body=b"signed v4")
        url = v4.generate_presigned_url("get_object", Params={
            "Bucket": "e2e-presign", "Key": "v4.txt"}, ExpiresIn=60)
        self.assertIn("X-Amz-Signature=", url)
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), b"signed v4")

    def test_expired_presigned_url_is_refused(self):
        import time
        import urllib.error
        import urllib.request
        url = self.s3.generate_presigned_url("get_object", Params={
            "Bucket": "e2e-presign", "Key": "any"}, ExpiresIn=1)
        time.sleep(2)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"AccessDenied", cm.exception.read())


class S3StreamedSignaturesTest(ServerTestCase):
    """Every signature that covers only the head lets the body stream: a PUT
    larger than the server's whole-body limit (--max-body-bytes, 1 MiB here)
    through boto3's default presigned URL (SigV2), a SigV4 presigned URL and
    SigV2's Authorization header all land, byte for byte."""

    server_args = ("--max-body-bytes", str(1 << 20))

    def test_large_puts_signed_by_the_head_alone(self):
        import urllib.request
        require_boto3()
        from botocore.config import Config
        body = os.urandom(3 << 20)
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="e2e-streamed")
        for name, client in (("v2", s3),
                             ("v4", self.server.boto3_client("s3", config=Config(signature_version="s3v4")))):
            url = client.generate_presigned_url("put_object", Params={
                "Bucket": "e2e-streamed", "Key": name}, ExpiresIn=300)
            req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
            with urllib.request.urlopen(req, timeout=60) as r:
                self.assertEqual(r.status, 200, name)
                self.assertEqual(r.headers["ETag"], '"%s"' % hashlib.md5(body).hexdigest(), name)
        v2_header = self.server.boto3_client("s3", config=Config(signature_version="s3"))
        v2_header.put_object(Bucket="e2e-streamed", Key="v2-header", Body=body)
        for key in ("v2", "v4", "v2-header"):
            self.assertEqual(s3.get_object(Bucket="e2e-streamed", Key=key)["Body"].read(), body, key)


class S3CliTest(ServerTestCase):
    def test_mb_cp_ls_rb(self):
        self.server.aws_cli("s3", "mb", "s3://e2e-cli")
        _, out, _ = self.server.aws_cli("s3", "ls")
        self.assertIn("e2e-cli", out)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "up.txt")
            with open(src, "wb") as f:
                f.write(b"from the cli\n" * 1000)
            self.server.aws_cli("s3", "cp", src, "s3://e2e-cli/up.txt")
            dst = os.path.join(d, "down.txt")
            self.server.aws_cli("s3", "cp", "s3://e2e-cli/up.txt", dst)
            with open(dst, "rb") as f:
                self.assertEqual(f.read(), b"from the cli\n" * 1000)
        _, out, _ = self.server.aws_cli("s3", "ls", "s3://e2e-cli/")
        self.assertIn("up.txt", out)
        self.server.aws_cli("s3", "rm", "s3://e2e-cli/up.txt")
        self.server.aws_cli("s3", "rb", "s3://e2e-cli")
        _, out, _ = self.server.aws_cli("s3", "ls")
        self.assertNotIn("e2e-cli", out)


    def test_sync_both_ways_with_a_multipart_file(self):
        self.server.aws_cli("s3", "mb", "s3://e2e-sync")
        with tempfile.TemporaryDirectory() as d:
            up = os.path.join(d, "up")
            os.makedirs(os.path.join(up, "nested"))
            files = {"a.txt": b"a" * 100, "nested/b.bin": os.urandom(9 * 1024 * 1024)}
            for name, data in files.items():
                with open(os.path.join(up, name), "wb") as f:
                    f.write(data)
            self.server.aws_cli("s3", "sync", up, "s3://e2e-sync/tree")
            down = os.path.join(d, "down")
            self.server.aws_cli("s3", "sync", "s3://e2e-sync/tree", down)
            for name, data in files.items():
                with open(os.path.join(down, name), "rb") as f:
                    self.assertEqual(f.read(), data, name)
        self.server.aws_cli("s3", "rb", "s3://e2e-sync", "--force")


if __name__ == "__main__":
    unittest.main()
