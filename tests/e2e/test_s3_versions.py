"""S3 versioning end to end with boto3 (both generations): version ids,
reads and deletes by version id, delete markers with their headers,
ListObjectVersions with its paginator, the null version of a suspended
bucket."""

import unittest

from harness import ServerTestCase, require_boto3


class S3VersioningTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")

    def test_versions_markers_and_listing(self):
        s3 = self.s3
        s3.create_bucket(Bucket="e2e-ver")
        self.assertNotIn("Status", s3.get_bucket_versioning(Bucket="e2e-ver"))
        s3.put_bucket_versioning(Bucket="e2e-ver",
                                 VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(s3.get_bucket_versioning(Bucket="e2e-ver")["Status"], "Enabled")
        v1 = s3.put_object(Bucket="e2e-ver", Key="k", Body=b"one")["VersionId"]
        v2 = s3.put_object(Bucket="e2e-ver", Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        got = s3.get_object(Bucket="e2e-ver", Key="k", VersionId=v1)
        self.assertEqual(got["Body"].read(), b"one")
        self.assertEqual(got["VersionId"], v1)
        self.assertEqual(s3.head_object(Bucket="e2e-ver", Key="k")["VersionId"], v2)

        deleted = s3.delete_object(Bucket="e2e-ver", Key="k")
        self.assertTrue(deleted["DeleteMarker"])
        marker = deleted["VersionId"]
        with self.assertRaises(s3.exceptions.NoSuchKey) as cm:
            s3.get_object(Bucket="e2e-ver", Key="k")
        headers = cm.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amz-delete-marker"), "true")
        self.assertEqual(headers.get("x-amz-version-id"), marker)
        with self.assertRaises(s3.exceptions.ClientError) as cm:
            s3.get_object(Bucket="e2e-ver", Key="k", VersionId=marker)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 405)
        self.assertEqual(cm.exception.response["Error"]["Code"], "MethodNotAllowed")
        with self.assertRaises(s3.exceptions.ClientError) as cm:
            s3.get_object(Bucket="e2e-ver", Key="k", VersionId="not-a-version")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidArgument")
        self.assertEqual(s3.list_objects_v2(Bucket="e2e-ver")["KeyCount"], 0)

        for i in range(3):
            s3.put_object(Bucket="e2e-ver", Key=f"p/{i}", Body=b"x")
        seen = []
        pages = s3.get_paginator("list_object_versions").paginate(
            Bucket="e2e-ver", PaginationConfig={"PageSize": 2})
        for page in pages:
            seen += [(v["Key"], v["VersionId"], v["IsLatest"]) for v in page.get("Versions", [])]
            seen += [(m["Key"], m["VersionId"], "marker") for m in page.get("DeleteMarkers", [])]
        self.assertEqual(sorted(seen[:3], key=str),
                         sorted([("k", marker, "marker"), ("k", v2, False), ("k", v1, False)],
                                key=str))
        self.assertEqual([s[0] for s in seen[3:]], ["p/0", "p/1", "p/2"])

        # The marker deleted by id: the object is back.
        s3.delete_object(Bucket="e2e-ver", Key="k", VersionId=marker)
        self.assertEqual(s3.get_object(Bucket="e2e-ver", Key="k")["Body"].read(), b"two")
        s3.delete_object(Bucket="e2e-ver", Key="k", VersionId=v2)
        self.assertEqual(s3.get_object(Bucket="e2e-ver", Key="k")["Body"].read(), b"one")

    def test_suspended_bucket_writes_the_null_version(self):
        s3 = self.s3
        s3.create_bucket(Bucket="e2e-susp")
        s3.put_bucket_versioning(Bucket="e2e-susp",
                                 VersioningConfiguration={"Status": "Enabled"})
        kept = s3.put_object(Bucket="e2e-susp", Key="k", Body=b"kept")["VersionId"]
        s3.put_bucket_versioning(Bucket="e2e-susp",
                                 VersioningConfiguration={"Status": "Suspended"})
        s3.put_object(Bucket="e2e-susp", Key="k", Body=b"a")
        s3.put_object(Bucket="e2e-susp", Key="k", Body=b"b")
        ids = [v["VersionId"] for v in s3.list_object_versions(Bucket="e2e-susp")["Versions"]]
        self.assertEqual(ids, ["null", kept])
        got = s3.get_object(Bucket="e2e-susp", Key="k", VersionId="null")
        self.assertEqual(got["Body"].read(), b"b")
        with self.assertRaises(s3.exceptions.ClientError) as cm:
            s3.put_bucket_versioning(Bucket="e2e-susp",
                                     VersioningConfiguration={"Status": "Off"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "MalformedXML")


if __name__ == "__main__":
    unittest.main()
