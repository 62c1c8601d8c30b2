"""Firehose delivery streams through boto3 (current and Debian's 1.26) and
the AWS CLI against a real server: the API and its errors, records
delivered to nimbus's S3 as objects (the default time layout, prefix
expressions, GZIP), a Kinesis stream as the source, Lambda processing with
its processing-failed error output, and records accepted before a kill -9
delivered after the restart."""

import gzip
import json
import unittest

from harness import ACCOUNT, REGION, Server, ServerTestCase, require_boto3, wait_until
from test_lambda import ROLE as LAMBDA_ROLE, py_zip

# A Firehose transformation: upper-cases records, drops "drop", fails "bad".
TRANSFORM = """
import base64
def handler(event, context):
    out = []
    for r in event["records"]:
        data = base64.b64decode(r["data"])
        if data == b"drop":
            out.append({"recordId": r["recordId"], "result": "Dropped"})
        elif data == b"bad":
            out.append({"recordId": r["recordId"], "result": "ProcessingFailed"})
        else:
            out.append({"recordId": r["recordId"], "result": "Ok",
                        "data": base64.b64encode(data.upper()).decode()})
    return {"records": out}
"""

ROLE = "arn:aws:iam::%s:role/firehose" % ACCOUNT
MIB = 1024 * 1024
# Debian's boto3 refuses IntervalInSeconds below 60: deliveries are made
# prompt by filling the 1 MiB buffer instead.
BUFFER = {"SizeInMBs": 1, "IntervalInSeconds": 60}


def destination(bucket, **extra):
    d = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::" + bucket,
         "BufferingHints": BUFFER}
    d.update(extra)
    return d


def objects(s3, bucket):
    """key -> body of every object in the bucket."""
    out = {}
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        out[o["Key"]] = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


class FirehoseTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.fh = self.server.boto3_client("firehose")
        self.s3 = self.server.boto3_client("s3")

    def test_a_topic_subscription_delivers_messages_as_records(self):
        self.s3.create_bucket(Bucket="fh-from-sns")
        arn = self.fh.create_delivery_stream(
            DeliveryStreamName="from-sns",
            ExtendedS3DestinationConfiguration=destination("fh-from-sns"))["DeliveryStreamARN"]
        sns = self.server.boto3_client("sns")
        topic = sns.create_topic(Name="to-firehose")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="firehose", Endpoint=arn,
                      Attributes={"SubscriptionRoleArn": ROLE, "RawMessageDelivery": "true"})
        # Five messages of 250 KB fill the 1 MiB buffer: delivered at once.
        for n in range(5):
            sns.publish(TopicArn=topic, Message=str(n) * 250_000)
        self.assertTrue(wait_until(lambda: objects(self.s3, "fh-from-sns"), timeout=20))
        body = b"".join(objects(self.s3, "fh-from-sns").values())
        self.assertTrue(body.startswith(b"0" * 250_000))
        self.assertIn(b"1" * 250_000, body)

    def test_api_and_errors(self):
        self.s3.create_bucket(Bucket="fh-api")
        arn = self.fh.create_delivery_stream(
            DeliveryStreamName="api", DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration=destination("fh-api"))["DeliveryStreamARN"]
        self.assertEqual(arn, "arn:aws:firehose:%s:%s:deliverystream/api" % (REGION, ACCOUNT))
        d = self.fh.describe_delivery_stream(DeliveryStreamName="api")["DeliveryStreamDescription"]
        self.assertEqual(d["DeliveryStreamStatus"], "ACTIVE")
        self.assertEqual(d["DeliveryStreamType"], "DirectPut")
        ext = d["Destinations"][0]["ExtendedS3DestinationDescription"]
        self.assertEqual(ext["BucketARN"], "arn:aws:s3:::fh-api")
        self.assertEqual(ext["BufferingHints"], BUFFER)
        self.assertIn("api", self.fh.list_delivery_streams()["DeliveryStreamNames"])
        with self.assertRaises(self.fh.exceptions.ResourceInUseException):
            self.fh.create_delivery_stream(
                DeliveryStreamName="api", ExtendedS3DestinationConfiguration=destination("fh-api"))
        with self.assertRaises(self.fh.exceptions.ResourceNotFoundException) as e:
            self.fh.describe_delivery_stream(DeliveryStreamName="missing")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Firehose missing under account %s not found." % ACCOUNT)
        with self.assertRaises(self.fh.exceptions.InvalidArgumentException) as e:
            self.fh.create_delivery_stream(
                DeliveryStreamName="bad", ExtendedS3DestinationConfiguration=destination(
                    "fh-api", Prefix="p/!{timestamp:yyyy}/"))
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "ErrorOutputPrefix cannot be null or empty when Prefix contains "
                         "expressions.")
        with self.assertRaises(self.fh.exceptions.ResourceNotFoundException):
            self.fh.put_record(DeliveryStreamName="missing", Record={"Data": b"x"})
        code, out, _ = self.server.aws_cli("firehose", "describe-delivery-stream",
                                           "--delivery-stream-name", "api")
        self.assertEqual(json.loads(out)["DeliveryStreamDescription"]["DeliveryStreamName"], "api")
        self.fh.delete_delivery_stream(DeliveryStreamName="api")
        self.assertNotIn("api", self.fh.list_delivery_streams()["DeliveryStreamNames"])

    def test_records_become_one_object_in_the_default_layout(self):
        self.s3.create_bucket(Bucket="fh-plain")
        self.fh.create_delivery_stream(DeliveryStreamName="plain",
                                       ExtendedS3DestinationConfiguration=destination("fh-plain"))
        rid = self.fh.put_record(DeliveryStreamName="plain", Record={"Data": b"one\n"})["RecordId"]
        self.assertTrue(rid)
        pad = [b"." * 500000, b"." * (MIB - 14 - 500000)]  # fill the buffer: delivered at once
        batch = self.fh.put_record_batch(
            DeliveryStreamName="plain",
            Records=[{"Data": b"two\n"}, {"Data": b"three\n"}] + [{"Data": p} for p in pad])
        self.assertEqual(batch["FailedPutCount"], 0)
        self.assertEqual(len(batch["RequestResponses"]), 4)
        got = wait_until(lambda: objects(self.s3, "fh-plain"), timeout=15)
        self.assertEqual(len(got), 1)
        key, body = next(iter(got.items()))
        self.assertEqual(body, b"one\ntwo\nthree\n" + b"".join(pad))
        self.assertRegex(key, r"^\d{4}/\d{2}/\d{2}/\d{2}/plain-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-"
                              r"\d{2}-[0-9a-f-]{36}$")

    def test_prefix_expressions_and_gzip(self):
        self.s3.create_bucket(Bucket="fh-gzip")
        self.fh.create_delivery_stream(
            DeliveryStreamName="gz",
            ExtendedS3DestinationConfiguration=destination(
                "fh-gzip", Prefix="clicks/dt=!{timestamp:yyyy'-'MM'-'dd}/!{firehose:random-string}/",
                ErrorOutputPrefix="failed/!{firehose:error-output-type}/",
                CompressionFormat="GZIP"))
        sent = [b"%d," % i for i in range(100)]
        rest = MIB - sum(len(r) for r in sent)
        sent += [b"." * 500000, b"." * (rest - 500000)]
        self.fh.put_record_batch(DeliveryStreamName="gz", Records=[{"Data": r} for r in sent])
        got = wait_until(lambda: objects(self.s3, "fh-gzip"), timeout=15)
        self.assertEqual(len(got), 1)
        body = next(iter(got.values()))
        self.assertLess(len(body), MIB // 10)
        self.assertEqual(gzip.decompress(body), b"".join(sent))
        for key in got:
            self.assertRegex(key, r"^clicks/dt=\d{4}-\d{2}-\d{2}/[A-Za-z0-9]{11}/gz-1-.*\.gz$")

    def test_a_kinesis_stream_source(self):
        kinesis = self.server.boto3_client("kinesis")
        kinesis.create_stream(StreamName="fh-src", ShardCount=2)
        self.s3.create_bucket(Bucket="fh-kinesis")
        stream_arn = "arn:aws:kinesis:%s:%s:stream/fh-src" % (REGION, ACCOUNT)
        self.fh.create_delivery_stream(
            DeliveryStreamName="fromk", DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
            ExtendedS3DestinationConfiguration=destination("fh-kinesis"))
        src = self.fh.describe_delivery_stream(
            DeliveryStreamName="fromk")["DeliveryStreamDescription"]["Source"]
        self.assertEqual(src["KinesisStreamSourceDescription"]["KinesisStreamARN"], stream_arn)
        with self.assertRaises(self.fh.exceptions.InvalidArgumentException) as e:
            self.fh.put_record(DeliveryStreamName="fromk", Record={"Data": b"x"})
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "This operation is not permitted on KinesisStreamAsSource delivery "
                         "stream type.")
        # One record per shard, 1 MiB in all: the buffer fills at once.
        for hash_key, fill in [("0", b"a"), (str(2 ** 127 + 1), b"b")]:
            kinesis.put_record(StreamName="fh-src", PartitionKey="k", ExplicitHashKey=hash_key,
                               Data=fill * (MIB // 2))
        got = wait_until(lambda: objects(self.s3, "fh-kinesis"), timeout=15)
        body = b"".join(got.values())
        self.assertEqual(sorted(set(body)), [ord("a"), ord("b")])
        self.assertEqual(len(body), MIB)

    def test_lambda_processing(self):
        lam = self.server.boto3_client("lambda")
        fn = lam.create_function(FunctionName="fh-transform", Runtime="python3.9",
                                 Role=LAMBDA_ROLE, Handler="app.handler", Timeout=30,
                                 Code={"ZipFile": py_zip(TRANSFORM)})["FunctionArn"]
        self.s3.create_bucket(Bucket="fh-proc")
        config = {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": fn}]}]}
        self.fh.create_delivery_stream(
            DeliveryStreamName="proc", ExtendedS3DestinationConfiguration=destination(
                "fh-proc", ErrorOutputPrefix="errors/", ProcessingConfiguration=config))
        d = self.fh.describe_delivery_stream(DeliveryStreamName="proc")["DeliveryStreamDescription"]
        ext = d["Destinations"][0]["ExtendedS3DestinationDescription"]
        self.assertEqual(ext["ProcessingConfiguration"], config)
        # 600 KiB, two small records, then 500 KiB: past the 1 MiB buffer, so
        # the first three are delivered at once (the last waits its interval).
        for data in (b"x" * (600 << 10), b"drop", b"bad", b"y" * (500 << 10)):
            self.fh.put_record(DeliveryStreamName="proc", Record={"Data": data})
        got = wait_until(lambda: len(objects(self.s3, "fh-proc")) == 2 and
                         objects(self.s3, "fh-proc"), timeout=60)
        self.assertTrue(got)
        errors = {k: v for k, v in got.items() if k.startswith("errors/processing-failed/")}
        delivered = {k: v for k, v in got.items() if k not in errors}
        self.assertEqual(list(delivered.values()), [b"X" * (600 << 10)])
        self.assertEqual(len(errors), 1)
        line = json.loads(list(errors.values())[0].decode().strip())
        self.assertEqual(line["errorCode"], "Lambda.ProcessingFailedStatus")
        self.assertEqual(line["rawData"], "YmFk")  # base64 of "bad"
        self.assertEqual(line["lambdaArn"], fn)
        with self.assertRaises(self.fh.exceptions.InvalidArgumentException):
            bad = dict(config, Processors=[{"Type": "Lambda", "Parameters": [
                {"ParameterName": "LambdaArn", "ParameterValue": fn},
                {"ParameterName": "NumberOfRetries", "ParameterValue": "900"}]}])
            self.fh.create_delivery_stream(
                DeliveryStreamName="proc-bad", ExtendedS3DestinationConfiguration=destination(
                    "fh-proc", ProcessingConfiguration=bad))


    def test_tags_encryption_and_update_destination(self):
        self.s3.create_bucket(Bucket="fh-upd")
        self.fh.create_delivery_stream(DeliveryStreamName="upd",
                                       ExtendedS3DestinationConfiguration=destination("fh-upd"))
        self.fh.tag_delivery_stream(DeliveryStreamName="upd",
                                    Tags=[{"Key": "team", "Value": "data"}])
        self.assertEqual(self.fh.list_tags_for_delivery_stream(DeliveryStreamName="upd")["Tags"],
                         [{"Key": "team", "Value": "data"}])
        self.fh.untag_delivery_stream(DeliveryStreamName="upd", TagKeys=["team"])
        self.assertEqual(self.fh.list_tags_for_delivery_stream(DeliveryStreamName="upd")["Tags"], [])
        self.fh.start_delivery_stream_encryption(DeliveryStreamName="upd")
        d = self.fh.describe_delivery_stream(DeliveryStreamName="upd")["DeliveryStreamDescription"]
        self.assertEqual(d["DeliveryStreamEncryptionConfiguration"]["Status"], "ENABLED")
        self.fh.stop_delivery_stream_encryption(DeliveryStreamName="upd")
        with self.assertRaises(self.fh.exceptions.ConcurrentModificationException):
            self.fh.update_destination(
                DeliveryStreamName="upd", CurrentDeliveryStreamVersionId="9",
                DestinationId=d["Destinations"][0]["DestinationId"],
                ExtendedS3DestinationUpdate={"Prefix": "v2/"})
        self.fh.update_destination(
            DeliveryStreamName="upd", CurrentDeliveryStreamVersionId=d["VersionId"],
            DestinationId=d["Destinations"][0]["DestinationId"],
            ExtendedS3DestinationUpdate={"Prefix": "v2/"})
        d = self.fh.describe_delivery_stream(DeliveryStreamName="upd")["DeliveryStreamDescription"]
        self.assertEqual(d["VersionId"], "2")
        self.assertEqual(d["DeliveryStreamEncryptionConfiguration"]["Status"], "DISABLED")
        self.assertEqual(d["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"], "v2/")
        for _ in range(2):
            self.fh.put_record(DeliveryStreamName="upd", Record={"Data": b"z" * (600 << 10)})
        got = wait_until(lambda: objects(self.s3, "fh-upd"), timeout=30)
        self.assertTrue(got)
        self.assertTrue(all(k.startswith("v2/") for k in got), got.keys())


class FirehoseRestartTest(unittest.TestCase):
    def test_accepted_records_are_delivered_after_kill9(self):
        require_boto3()
        server = Server().start()
        try:
            fh = server.boto3_client("firehose")
            s3 = server.boto3_client("s3")
            s3.create_bucket(Bucket="fh-durable")
            fh.create_delivery_stream(
                DeliveryStreamName="durable",
                ExtendedS3DestinationConfiguration=destination("fh-durable"))
            for i in range(20):
                fh.put_record(DeliveryStreamName="durable", Record={"Data": b"%02d;" % i})
            server.kill9()
            server.start()
            fh = server.boto3_client("firehose")
            s3 = server.boto3_client("s3")
            # Filling the buffer after the restart delivers it from its
            # oldest record: the ones accepted before the kill.
            for _ in range(2):
                fh.put_record(DeliveryStreamName="durable", Record={"Data": b"." * 600000})
            got = wait_until(lambda: objects(s3, "fh-durable"), timeout=20)
            self.assertTrue(got)
            data = b"".join(b for _, b in sorted(got.items()))
            self.assertTrue(b"".join(b"%02d;" % i for i in range(20)) in data)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
