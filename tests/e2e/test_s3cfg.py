"""S3 bucket configurations and event notifications end to end: boto3 (both
generations) and the AWS CLI against a real server; notification records
read back from a real SQS queue and compared field by field."""

import json
import os
import tempfile
import unittest

from harness import ACCOUNT, REGION, ServerTestCase, require_boto3, wait_until


def error_of(cm):
    e = cm.exception.response["Error"]
    return e["Code"], e.get("Message"), cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]


class S3ConfigTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.s3 = self.server.boto3_client("s3")
        self.sqs = self.server.boto3_client("sqs")

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    def receive(self, url, count=1, timeout=20):
        got = []

        def more():
            out = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in out.get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return len(got) >= count
        wait_until(more, timeout=timeout)
        return got

    def test_configurations_round_trip(self):
        b = self.bucket("cfg-round-trip")
        cors = {"CORSRules": [{"AllowedOrigins": ["https://app.example.com"],
                               "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
                               "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]}
        self.s3.put_bucket_cors(Bucket=b, CORSConfiguration=cors)
        self.assertEqual(self.s3.get_bucket_cors(Bucket=b)["CORSRules"], cors["CORSRules"])
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::%s/*" % b}]})
        self.s3.put_bucket_policy(Bucket=b, Policy=policy)
        self.assertEqual(json.loads(self.s3.get_bucket_policy(Bucket=b)["Policy"]), json.loads(policy))
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "404.html"}})
        site = self.s3.get_bucket_website(Bucket=b)
        self.assertEqual(site["IndexDocument"], {"Suffix": "index.html"})
        self.assertEqual(site["ErrorDocument"], {"Key": "404.html"})
        self.s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
            {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "Expiration": {"Days": 1}}]})
        rules = self.s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
        self.assertEqual(rules[0]["ID"], "tmp")
        self.assertEqual(rules[0]["Expiration"], {"Days": 1})
        enc = self.s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]
        self.assertEqual(enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        pab = self.s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        self.assertTrue(pab["BlockPublicAcls"])
        self.s3.put_bucket_request_payment(Bucket=b, RequestPaymentConfiguration={"Payer": "Requester"})
        self.assertEqual(self.s3.get_bucket_request_payment(Bucket=b)["Payer"], "Requester")

        self.s3.delete_bucket_cors(Bucket=b)
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_cors(Bucket=b)
        self.assertEqual(error_of(cm), ("NoSuchCORSConfiguration",
                                        "The CORS configuration does not exist", 404))
        self.s3.delete_bucket_policy(Bucket=b)
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_policy(Bucket=b)
        self.assertEqual(error_of(cm)[0], "NoSuchBucketPolicy")

    def test_policy_status(self):
        b = self.bucket("cfg-policy-status")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_policy_status(Bucket=b)
        self.assertEqual(error_of(cm)[0], "NoSuchBucketPolicy")

        def status_of(statement):
            self.s3.put_bucket_policy(Bucket=b, Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [dict(
                    statement, Action="s3:GetObject", Resource="arn:aws:s3:::%s/*" % b)]}))
            return self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"]

        self.assertTrue(status_of({"Effect": "Allow", "Principal": "*"}))
        self.assertFalse(status_of({"Effect": "Allow", "Principal": "*", "Condition": {
            "IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}))
        self.assertFalse(status_of({"Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT}}))
        self.assertFalse(status_of({"Effect": "Deny", "Principal": "*"}))
        self.s3.delete_bucket_policy(Bucket=b)
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_policy_status(Bucket=b)
        self.assertEqual(error_of(cm)[0], "NoSuchBucketPolicy")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_policy_status(Bucket="cfg-no-such-bucket")
        self.assertEqual(error_of(cm)[0], "NoSuchBucket")

    def test_bad_configurations_get_s3s_errors(self):
        b = self.bucket("cfg-errors")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [
                {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})
        self.assertEqual(error_of(cm), (
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is PATCH", 400))
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_bucket_policy(Bucket=b, Policy="nope")
        self.assertEqual(error_of(cm), (
            "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400))
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
                {"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]})
        code, message, status = error_of(cm)
        self.assertEqual((code, status), ("InvalidArgument", 400))
        self.assertEqual(message, "'Days' for Expiration action must be a positive integer")
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.get_bucket_cors(Bucket="cfg-no-such-bucket")
        self.assertEqual(error_of(cm)[0], "NoSuchBucket")

    def test_notifications_to_sqs_with_the_exact_record(self):
        b = self.bucket("cfg-events")
        url = self.sqs.create_queue(QueueName="cfg-events")["QueueUrl"]
        arn = "arn:aws:sqs:%s:%s:cfg-events" % (REGION, ACCOUNT)
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
            "QueueConfigurations": [{"Id": "created", "QueueArn": arn,
                                     "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                                     "Filter": {"Key": {"FilterRules": [
                                         {"Name": "prefix", "Value": "in/"}]}}}]})
        got = self.s3.get_bucket_notification_configuration(Bucket=b)
        self.assertEqual(got["QueueConfigurations"][0]["QueueArn"], arn)
        self.assertEqual(got["QueueConfigurations"][0]["Id"], "created")
        [test] = self.receive(url)
        self.assertEqual(set(test), {"Service", "Event", "Time", "Bucket", "RequestId", "HostId"})
        self.assertEqual((test["Service"], test["Event"], test["Bucket"]),
                         ("Amazon S3", "s3:TestEvent", b))

        self.s3.put_object(Bucket=b, Key="out/skipped.txt", Body=b"no")
        put = self.s3.put_object(Bucket=b, Key="in/a b.txt", Body=b"hello")
        request_id = put["ResponseMetadata"]["RequestId"]
        [message] = self.receive(url)
        [record] = message["Records"]
        self.assertRegex(record.pop("eventTime"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        obj = record["s3"]["object"]
        self.assertRegex(obj.pop("sequencer"), r"^[0-9A-F]{16}$")
        self.assertEqual(record["responseElements"]["x-amz-request-id"], request_id)
        record.pop("responseElements")
        record.pop("userIdentity")
        record.pop("requestParameters")
        self.assertEqual(record, {
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
            "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "created",
                   "bucket": {"name": b, "ownerIdentity": {"principalId": ACCOUNT},
                              "arn": "arn:aws:s3:::" + b},
                   "object": {"key": "in/a+b.txt", "size": 5,
                              "eTag": "5d41402abc4b2a76b9719d911017c592"}}})

        self.s3.delete_object(Bucket=b, Key="in/a b.txt")
        [removed] = self.receive(url)
        self.assertEqual(removed["Records"][0]["eventName"], "ObjectRemoved:Delete")
        self.assertNotIn("size", removed["Records"][0]["s3"]["object"])

    def test_notifications_to_a_topic(self):
        b = self.bucket("cfg-topic-events")
        url = self.sqs.create_queue(QueueName="cfg-topic-q")["QueueUrl"]
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="cfg-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs",
                      Endpoint="arn:aws:sqs:%s:%s:cfg-topic-q" % (REGION, ACCOUNT))
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
            "TopicConfigurations": [{"Id": "t", "TopicArn": topic,
                                     "Events": ["s3:ObjectCreated:*"]}]})
        [test] = self.receive(url)
        self.assertEqual(test["TopicArn"], topic)
        self.assertEqual(json.loads(test["Message"])["Event"], "s3:TestEvent")
        self.s3.put_object(Bucket=b, Key="k.txt", Body=b"hello")
        [envelope] = self.receive(url)
        self.assertEqual(envelope["Type"], "Notification")
        [record] = json.loads(envelope["Message"])["Records"]
        self.assertEqual(record["eventName"], "ObjectCreated:Put")
        self.assertEqual(record["s3"]["configurationId"], "t")
        self.assertEqual(record["s3"]["object"]["key"], "k.txt")

    def test_eventbridge_gets_every_object_event(self):
        b = self.bucket("cfg-eventbridge")
        url = self.sqs.create_queue(QueueName="cfg-eb-q")["QueueUrl"]
        events = self.server.boto3_client("events")
        events.put_rule(Name="cfg-s3-objects", EventPattern=json.dumps({
            "source": ["aws.s3"], "detail": {"bucket": {"name": [b]}}}))
        events.put_targets(Rule="cfg-s3-objects", Targets=[
            {"Id": "q", "Arn": "arn:aws:sqs:%s:%s:cfg-eb-q" % (REGION, ACCOUNT)}])
        self.s3.put_bucket_notification_configuration(
            Bucket=b, NotificationConfiguration={"EventBridgeConfiguration": {}})
        self.assertIn("EventBridgeConfiguration",
                      self.s3.get_bucket_notification_configuration(Bucket=b))
        put = self.s3.put_object(Bucket=b, Key="in/a b.txt", Body=b"hello")
        [created] = self.receive(url)
        self.assertEqual((created["source"], created["detail-type"], created["account"]),
                         ("aws.s3", "Object Created", ACCOUNT))
        self.assertEqual(created["resources"], ["arn:aws:s3:::" + b])
        detail = created["detail"]
        self.assertEqual((detail["reason"], detail["request-id"]),
                         ("PutObject", put["ResponseMetadata"]["RequestId"]))
        self.assertEqual((detail["object"]["key"], detail["object"]["size"],
                          detail["object"]["etag"]),
                         ("in/a b.txt", 5, "5d41402abc4b2a76b9719d911017c592"))
        self.s3.delete_object(Bucket=b, Key="in/a b.txt")
        [deleted] = self.receive(url)
        self.assertEqual((deleted["detail-type"], deleted["detail"]["deletion-type"]),
                         ("Object Deleted", "Permanently Deleted"))

    def test_a_destination_that_does_not_exist_is_refused(self):
        b = self.bucket("cfg-bad-dest")
        missing = "arn:aws:sqs:%s:%s:cfg-missing" % (REGION, ACCOUNT)
        with self.assertRaises(self.s3.exceptions.ClientError) as cm:
            self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": missing, "Events": ["s3:ObjectCreated:*"]}]})
        self.assertEqual(error_of(cm), (
            "InvalidArgument", "Unable to validate the following destination configurations", 400))
        self.assertEqual(self.s3.get_bucket_notification_configuration(Bucket=b).get(
            "QueueConfigurations", []), [])

    def test_aws_cli(self):
        b = self.bucket("cfg-cli")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}, f)
        try:
            self.server.aws_cli("s3api", "put-bucket-cors", "--bucket", b,
                                "--cors-configuration", "file://" + f.name)
        finally:
            os.unlink(f.name)
        _, out, _ = self.server.aws_cli("s3api", "get-bucket-cors", "--bucket", b)
        self.assertEqual(json.loads(out)["CORSRules"][0]["AllowedMethods"], ["GET"])
        self.server.aws_cli("s3api", "put-bucket-request-payment", "--bucket", b,
                            "--request-payment-configuration", "Payer=Requester")
        _, out, _ = self.server.aws_cli("s3api", "get-bucket-request-payment", "--bucket", b)
        self.assertEqual(json.loads(out)["Payer"], "Requester")
        code, _, err = self.server.aws_cli("s3api", "get-bucket-website", "--bucket", b, check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("NoSuchWebsiteConfiguration", err)


if __name__ == "__main__":
    unittest.main()
