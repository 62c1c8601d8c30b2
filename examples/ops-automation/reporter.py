"""The nightly report: EventBridge Scheduler invokes it with the firing's
scheduled time; it scans the inventory table, writes the report to the
reports bucket as reports/<date>.json, and alerts the ops-alerts topic when
some stock is below the LOW threshold."""

import json
import os

import boto3

TABLE = os.environ.get("TABLE", "inventory")
BUCKET = os.environ["BUCKET"]
TOPIC = os.environ["TOPIC"]
LOW = int(os.environ.get("LOW", "5"))


def handler(event, context):
    ddb = boto3.client("dynamodb")
    items, start = [], None
    while True:
        page = ddb.scan(TableName=TABLE, **({"ExclusiveStartKey": start} if start else {}))
        items += [{"sku": i["sku"]["S"], "count": int(i["count"]["N"])} for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    items.sort(key=lambda i: i["sku"])
    scheduled = event.get("scheduled", "unscheduled")
    low = [i for i in items if i["count"] < LOW]
    report = {"scheduled": scheduled, "items": items, "total": sum(i["count"] for i in items),
              "low": low}
    key = "reports/%s.json" % scheduled[:10]
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=json.dumps(report).encode(),
                                  ContentType="application/json")
    if low:
        boto3.client("sns").publish(
            TopicArn=TOPIC, Subject="Low stock",
            Message=json.dumps({"report": key, "low": low}))
    return {"report": key, "low": len(low)}
