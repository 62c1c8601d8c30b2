"""The ingest function: S3 calls it for each file uploaded to the uploads
bucket; each line of the file is `sku,count`, put into the inventory table.

A file with a line that is not `sku,count` is rejected: an "Upload
rejected" alert goes to the ops-alerts topic (TOPIC), then the function
raises; Lambda retries it as its event invoke config says, then sends the
event to the function's dead-letter queue, where an operator finds the
poison upload."""

import json

import os
import urllib.parse

import boto3

TABLE = os.environ.get("TABLE", "inventory")
TOPIC = os.environ.get("TOPIC")


def parse(text):
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        sku, sep, count = line.partition(",")
        if not sep or not sku.strip() or not count.strip().isdigit():
            raise ValueError("line %d is not sku,count: %r" % (n, line))
        rows.append((sku.strip(), int(count)))
    return rows


def handler(event, context):
    s3 = boto3.client("s3")
    ddb = boto3.client("dynamodb")
    stored = 0
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        try:
            rows = parse(body)
        except ValueError as e:
            if TOPIC:
                boto3.client("sns").publish(
                    TopicArn=TOPIC, Subject="Upload rejected",
                    Message=json.dumps({"bucket": bucket, "key": key, "error": str(e)}))
            raise
        for sku, count in rows:
            ddb.put_item(TableName=TABLE, Item={"sku": {"S": sku}, "count": {"N": str(count)},
                                                "source": {"S": key}})
            stored += 1
    return {"stored": stored}
