"""S3 browser POST uploads: a form made by boto3's generate_presigned_post
(SigV2 by default, SigV4 with signature_version s3v4), posted as a browser
posts it (multipart/form-data built here, sent with urllib): conditions met
and broken, expiry, a tampered signature, ${filename}, the 201 document, the
303 redirect, content-length-range on the streamed size, and the
ObjectCreated:Post notification."""

import json
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

from harness import ServerTestCase, require_boto3, wait_until

REGION = "us-east-1"
ACCOUNT = "000000000000"
BUCKET = "e2e-post"
TAGGING = "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>"


def multipart(fields, filename="hello.txt", content=b"hello", file_type="text/plain"):
    """A browser's form body: the fields in order, the file last."""
    boundary = "----nimbus" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    out.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, filename, file_type)).encode())
    out.append(content)
    out.append(("\r\n--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def post(url, fields, **kw):
    body, content_type = multipart(fields, **kw)
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": content_type})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def error_of(body):
    root = ET.fromstring(body)
    return root.findtext("Code"), root.findtext("Message")


class S3PostTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        from botocore.config import Config
        cls.s3 = cls.server.boto3_client("s3")
        cls.s3v4 = cls.server.boto3_client("s3", config=Config(signature_version="s3v4"))
        cls.s3.create_bucket(Bucket=BUCKET)

    def test_sigv2_form_uploads(self):
        form = self.s3.generate_presigned_post(BUCKET, "v2/plain.txt")
        self.assertIn("AWSAccessKeyId", form["fields"])
        status, headers, body = post(form["url"], form["fields"], content=b"v2 body")
        self.assertEqual(status, 204, body)
        self.assertTrue(headers["ETag"].startswith('"'))
        got = self.s3.get_object(Bucket=BUCKET, Key="v2/plain.txt")
        self.assertEqual(got["Body"].read(), b"v2 body")

    def test_sigv4_form_with_filename_fields_and_201(self):
        form = self.s3v4.generate_presigned_post(
            BUCKET, "v4/${filename}",
            Fields={"success_action_status": "201", "Content-Type": "text/plain",
                    "x-amz-meta-owner": "alice", "Cache-Control": "max-age=60",
                    "tagging": TAGGING},
            Conditions=[{"success_action_status": "201"}, {"Content-Type": "text/plain"},
                        {"x-amz-meta-owner": "alice"}, {"Cache-Control": "max-age=60"},
                        {"tagging": TAGGING}],
            ExpiresIn=300)
        self.assertEqual(form["fields"]["x-amz-algorithm"], "AWS4-HMAC-SHA256")
        status, _, body = post(form["url"], form["fields"], filename="photo.txt",
                               content=b"v4 body")
        self.assertEqual(status, 201, body)
        doc = ET.fromstring(body)
        self.assertEqual(doc.tag, "PostResponse")
        self.assertEqual(doc.findtext("Bucket"), BUCKET)
        self.assertEqual(doc.findtext("Key"), "v4/photo.txt")
        self.assertTrue(doc.findtext("ETag").startswith('"'))
        # The object's URL in the style posted (path-style here), its key
        # encoded whole as S3 encodes it.
        self.assertEqual(doc.findtext("Location"), form["url"] + "/v4%2Fphoto.txt")
        head = self.s3.head_object(Bucket=BUCKET, Key="v4/photo.txt")
        self.assertEqual(head["ContentType"], "text/plain")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["Metadata"], {"owner": "alice"})
        self.assertEqual(head["ContentLength"], 7)
        tags = self.s3.get_object_tagging(Bucket=BUCKET, Key="v4/photo.txt")["TagSet"]
        self.assertEqual(tags, [{"Key": "team", "Value": "web"}])

    def test_virtual_hosted_post(self):
        form = self.s3v4.generate_presigned_post(BUCKET, "in/vhost.txt")
        port = urllib.parse.urlsplit(self.server.endpoint).port
        body, content_type = multipart(form["fields"], content=b"vhost")
        req = urllib.request.Request("http://127.0.0.1:%d/" % port, data=body, method="POST",
                                     headers={"Content-Type": content_type,
                                              "Host": "%s.s3.localhost:%d" % (BUCKET, port)})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 204)
            self.assertEqual(r.headers["Location"],
                             "http://%s.s3.localhost:%d/in%%2Fvhost.txt" % (BUCKET, port))
        got = self.s3.get_object(Bucket=BUCKET, Key="in/vhost.txt")
        self.assertEqual(got["Body"].read(), b"vhost")

    def test_redirect_and_200(self):
        form = self.s3.generate_presigned_post(
            BUCKET, "redir.txt",
            Fields={"success_action_redirect": "https://app.example/done?x=1"},
            Conditions=[{"success_action_redirect": "https://app.example/done?x=1"}])
        status, headers, _ = post(form["url"], form["fields"])
        self.assertEqual(status, 303)
        location = urllib.parse.urlsplit(headers["Location"])
        self.assertEqual(location.netloc, "app.example")
        query = urllib.parse.parse_qs(location.query)
        self.assertEqual(query["x"], ["1"])
        self.assertEqual(query["bucket"], [BUCKET])
        self.assertEqual(query["key"], ["redir.txt"])
        self.assertTrue(query["etag"][0].startswith('"'))
        form = self.s3.generate_presigned_post(
            BUCKET, "ok200.txt", Fields={"success_action_status": "200"},
            Conditions=[{"success_action_status": "200"}])
        status, _, body = post(form["url"], form["fields"])
        self.assertEqual((status, body), (200, b""))

    def test_conditions_broken_change_nothing(self):
        form = self.s3v4.generate_presigned_post(
            BUCKET, "cond/${filename}", Fields={"Content-Type": "image/png"},
            Conditions=[["starts-with", "$Content-Type", "image/"]])
        fields = dict(form["fields"], **{"Content-Type": "text/html"})
        status, _, body = post(form["url"], fields)
        self.assertEqual(status, 403)
        code, message = error_of(body)
        self.assertEqual(code, "AccessDenied")
        self.assertEqual(message, 'Invalid according to Policy: Policy Condition failed: '
                                  '["starts-with", "$content-type", "image/"]')
        fields = dict(form["fields"], key="elsewhere/x")
        status, _, body = post(form["url"], fields)
        self.assertEqual(status, 403)
        self.assertIn("Policy Condition failed", error_of(body)[1])
        fields = dict(form["fields"], extra="1")
        status, _, body = post(form["url"], fields)
        self.assertEqual(error_of(body), ("AccessDenied",
                                          "Invalid according to Policy: Extra input fields: extra"))
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="cond/")
        self.assertEqual(listed["KeyCount"], 0)
        self.assertEqual(post(form["url"], form["fields"], filename="a.png")[0], 204)

    def test_expired_and_tampered(self):
        form = self.s3v4.generate_presigned_post(BUCKET, "exp.txt", ExpiresIn=-10)
        status, _, body = post(form["url"], form["fields"])
        self.assertEqual(status, 403)
        self.assertEqual(error_of(body),
                         ("AccessDenied", "Invalid according to Policy: Policy expired."))
        form = self.s3v4.generate_presigned_post(BUCKET, "tamper.txt")
        sig = form["fields"]["x-amz-signature"]
        fields = dict(form["fields"], **{"x-amz-signature": ("0" if sig[0] != "0" else "1") + sig[1:]})
        status, _, body = post(form["url"], fields)
        self.assertEqual((status, error_of(body)[0]), (403, "SignatureDoesNotMatch"))
        form = self.s3.generate_presigned_post(BUCKET, "tamper.txt")
        fields = dict(form["fields"], AWSAccessKeyId="AKIANOSUCHKEY0000000")
        status, _, body = post(form["url"], fields)
        self.assertEqual((status, error_of(body)[0]), (403, "InvalidAccessKeyId"))
        with self.assertRaises(Exception):
            self.s3.head_object(Bucket=BUCKET, Key="tamper.txt")
        # A form without policy or signature is an anonymous caller.
        status, _, body = post(form["url"], {"key": "anon.txt"})
        self.assertEqual((status, error_of(body)[0]), (403, "AccessDenied"))
        # No key field.
        fields = dict(form["fields"])
        del fields["key"]
        status, _, body = post(form["url"], fields)
        self.assertEqual((status, error_of(body)[0]), (400, "InvalidArgument"))

    def test_content_length_range_on_the_streamed_size(self):
        form = self.s3v4.generate_presigned_post(
            BUCKET, "sized.bin", Conditions=[["content-length-range", 10, 2 * 1024 * 1024]])
        status, _, body = post(form["url"], form["fields"], content=b"short")
        self.assertEqual((status, error_of(body)[0]), (400, "EntityTooSmall"))
        big = b"x" * (3 * 1024 * 1024)  # streamed by the edge (over 1 MiB)
        status, _, body = post(form["url"], form["fields"], content=big)
        self.assertEqual((status, error_of(body)[0]), (400, "EntityTooLarge"))
        with self.assertRaises(Exception):
            self.s3.head_object(Bucket=BUCKET, Key="sized.bin")
        fits = bytes(range(256)) * (6 * 1024)  # 1.5 MiB, every byte value
        status, _, body = post(form["url"], form["fields"], content=fits)
        self.assertEqual(status, 204, body)
        got = self.s3.get_object(Bucket=BUCKET, Key="sized.bin")["Body"].read()
        self.assertEqual(got, fits)

    def test_post_notification(self):
        sqs = self.server.boto3_client("sqs")
        url = sqs.create_queue(QueueName="post-events")["QueueUrl"]
        self.s3.create_bucket(Bucket="e2e-post-events")
        self.s3.put_bucket_notification_configuration(
            Bucket="e2e-post-events", NotificationConfiguration={"QueueConfigurations": [{
                "QueueArn": "arn:aws:sqs:%s:%s:post-events" % (REGION, ACCOUNT),
                "Events": ["s3:ObjectCreated:Post"]}]})
        form = self.s3.generate_presigned_post("e2e-post-events", "up/${filename}")
        self.assertEqual(post(form["url"], form["fields"], filename="n.txt")[0], 204)
        records = []

        def got_record():
            out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in out.get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                records.extend(json.loads(m["Body"]).get("Records", []))
            return records

        wait_until(got_record)
        [record] = records
        self.assertEqual(record["eventName"], "ObjectCreated:Post")
        self.assertEqual(record["s3"]["object"]["key"], "up/n.txt")
        self.assertEqual(record["s3"]["object"]["size"], 5)


class S3PostEnforcedTest(ServerTestCase):
    """Under --iam enforce the form's signer needs s3:PutObject on the key
    (its own policies and the bucket's), and an unsigned form is an
    anonymous caller the bucket policy decides."""

    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.s3 = cls.server.boto3_client("s3")
        cls.s3.create_bucket(Bucket="e2e-post-iam")
        cls.s3.put_bucket_policy(Bucket="e2e-post-iam", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::e2e-post-iam/public/*"}]}))
        creds = cls.server.create_user("uploader", {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::e2e-post-iam/mine/*"}]})
        cls.user = cls.server.boto3_client("s3", **creds)

    def test_the_signer_needs_put_object_on_the_key(self):
        form = self.user.generate_presigned_post("e2e-post-iam", "mine/a.txt")
        self.assertEqual(post(form["url"], form["fields"])[0], 204)
        form = self.user.generate_presigned_post("e2e-post-iam", "theirs/a.txt")
        status, _, body = post(form["url"], form["fields"])
        self.assertEqual((status, error_of(body)[0]), (403, "AccessDenied"))
        self.assertIn("s3:PutObject", error_of(body)[1])
        self.assertEqual(self.s3.list_objects_v2(Bucket="e2e-post-iam", Prefix="theirs/")["KeyCount"],
                         0)

    def test_anonymous_forms_by_bucket_policy(self):
        url = self.server.endpoint + "/e2e-post-iam"
        self.assertEqual(post(url, {"key": "public/${filename}"}, filename="p.txt")[0], 204)
        self.assertEqual(self.s3.get_object(Bucket="e2e-post-iam", Key="public/p.txt")["Body"].read(),
                         b"hello")
        status, _, body = post(url, {"key": "private/p.txt"})
        self.assertEqual((status, error_of(body)[0]), (403, "AccessDenied"))


if __name__ == "__main__":
    unittest.main()
