"""S3 checksums end to end with boto3 (both generations): x-amz-checksum-*
values stored and answered with ChecksumMode=ENABLED (current boto3 checks
them against the body it reads), BadDigest for a wrong value, multipart
part and composite checksums, GetObjectAttributes."""

import base64
import hashlib
import struct
import unittest
import zlib

from harness import ServerTestCase, require_boto3


def crc32(data):
    return base64.b64encode(struct.pack(">I", zlib.crc32(data))).decode()


def sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class S3ChecksumsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.s3 = cls.server.boto3_client("s3")
        cls.s3.create_bucket(Bucket="e2e-sums")

    def test_put_get_head_and_attributes(self):
        s3 = self.s3
        body = b"hello checksums"
        put = s3.put_object(Bucket="e2e-sums", Key="k", Body=body, ChecksumAlgorithm="CRC32")
        self.assertEqual(put["ChecksumCRC32"], crc32(body))
        head = s3.head_object(Bucket="e2e-sums", Key="k", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], crc32(body))
        got = s3.get_object(Bucket="e2e-sums", Key="k", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ChecksumCRC32"], crc32(body))
        attrs = s3.get_object_attributes(Bucket="e2e-sums", Key="k",
                                         ObjectAttributes=["ETag", "Checksum", "ObjectSize"])
        self.assertEqual(attrs["Checksum"]["ChecksumCRC32"], crc32(body))
        self.assertEqual(attrs["ObjectSize"], len(body))
        self.assertEqual(attrs["ETag"], hashlib.md5(body).hexdigest())

    def test_wrong_checksum_is_bad_digest(self):
        s3 = self.s3
        with self.assertRaises(s3.exceptions.ClientError) as cm:
            s3.put_object(Bucket="e2e-sums", Key="bad", Body=b"data",
                          ChecksumSHA256=sha256(b"other"))
        self.assertEqual(cm.exception.response["Error"]["Code"], "BadDigest")
        with self.assertRaises(s3.exceptions.ClientError):
            s3.head_object(Bucket="e2e-sums", Key="bad")

    def test_multipart_composite_checksum(self):
        s3 = self.s3
        parts = [b"a" * (5 << 20), b"tail"]
        up = s3.create_multipart_upload(Bucket="e2e-sums", Key="mp", ChecksumAlgorithm="SHA256")
        done_parts = []
        for n, data in enumerate(parts, start=1):
            r = s3.upload_part(Bucket="e2e-sums", Key="mp", UploadId=up["UploadId"],
                               PartNumber=n, Body=data, ChecksumAlgorithm="SHA256")
            self.assertEqual(r["ChecksumSHA256"], sha256(data))
            done_parts.append({"PartNumber": n, "ETag": r["ETag"],
                               "ChecksumSHA256": r["ChecksumSHA256"]})
        done = s3.complete_multipart_upload(Bucket="e2e-sums", Key="mp",
                                            UploadId=up["UploadId"],
                                            MultipartUpload={"Parts": done_parts})
        digests = b"".join(hashlib.sha256(p).digest() for p in parts)
        composite = base64.b64encode(hashlib.sha256(digests).digest()).decode()
        self.assertEqual(done["ChecksumSHA256"], composite + "-2")
        attrs = s3.get_object_attributes(Bucket="e2e-sums", Key="mp",
                                         ObjectAttributes=["Checksum", "ObjectParts"])
        self.assertEqual(attrs["Checksum"]["ChecksumSHA256"], composite)
        self.assertEqual(attrs["ObjectParts"]["TotalPartsCount"], 2)
        self.assertEqual([p["ChecksumSHA256"] for p in attrs["ObjectParts"]["Parts"]],
                         [sha256(p) for p in parts])


if __name__ == "__main__":
    unittest.main()
