"""Creates the stream-processing pattern on a nimbus server (or AWS):

  clicks (Kinesis, 4 shards)
    -> aggregator (Lambda, 10 s tumbling windows, poison records bisected
       out to the clicks-failed queue) -> click-counts (DynamoDB)
    -> clicks-raw (Firehose, reading the same stream) -> clicks-raw-ACCOUNT (S3)

Usage: python3 deploy.py [ENDPOINT]   (default http://localhost:4566)"""

import io
import os
import sys
import zipfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::000000000000:role/stream-processing"


def clients(endpoint):
    def client(name):
        return boto3.client(name, endpoint_url=endpoint,
                            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    return client


def function_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("aggregator.py")
        info.external_attr = 0o644 << 16
        with open(os.path.join(HERE, "aggregator.py")) as f:
            z.writestr(info, f.read())
    return buf.getvalue()


def deploy(endpoint, window_seconds=10, delivery_seconds=5, shards=4):
    """Creates everything; returns the names the other scripts use."""
    client = clients(endpoint)
    kinesis, lam, ddb = client("kinesis"), client("lambda"), client("dynamodb")
    sqs, s3, firehose, sts = client("sqs"), client("s3"), client("firehose"), client("sts")
    account = sts.get_caller_identity()["Account"]
    region = kinesis.meta.region_name
    stream_arn = "arn:aws:kinesis:%s:%s:stream/clicks" % (region, account)
    bucket = "clicks-raw-%s" % account

    kinesis.create_stream(StreamName="clicks", ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName="clicks",
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ddb.create_table(
        TableName="click-counts", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "page", "AttributeType": "S"},
                              {"AttributeName": "window", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "page", "KeyType": "HASH"},
                   {"AttributeName": "window", "KeyType": "RANGE"}])
    queue_url = sqs.create_queue(QueueName="clicks-failed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url,
                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=bucket)

    lam.create_function(FunctionName="aggregator", Runtime="python3.11", Role=ROLE,
                        Handler="aggregator.handler", Code={"ZipFile": function_zip()},
                        Timeout=30, Environment={"Variables": {"TABLE": "click-counts"}})
    lam.create_event_source_mapping(
        FunctionName="aggregator", EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON",
        BatchSize=100, TumblingWindowInSeconds=window_seconds,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})

    firehose.create_delivery_stream(
        DeliveryStreamName="clicks-raw", DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::" + bucket,
            "Prefix": "clicks/dt=!{timestamp:yyyy-MM-dd}/",
            "ErrorOutputPrefix": "failed/!{firehose:error-output-type}/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": delivery_seconds},
        })
    return {"stream": "clicks", "table": "click-counts", "queue_url": queue_url,
            "bucket": bucket}


if __name__ == "__main__":
    names = deploy(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4566")
    for k, v in names.items():
        print("%-10s %s" % (k, v))
