"""The aggregating function: counts clicks per page in each tumbling window
of the click stream, and when Lambda says the window is over
(isFinalInvokeForWindow) adds the window's counts to the click-counts table.

Between invocations of a window the counts travel in `state` (Lambda keeps
it per shard); a record whose page is "poison" fails the batch, so
BisectBatchOnFunctionError narrows the failure down to that record, which
goes to the mapping's on-failure queue while the rest is counted."""

import base64
import json
import os

import boto3

TABLE = os.environ.get("TABLE", "click-counts")


def handler(event, context):
    counts = dict(event.get("state") or {})
    for record in event["Records"]:
        click = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if click.get("page") == "poison":
            raise ValueError("cannot count a poison click")
        counts[click["page"]] = counts.get(click["page"], 0) + 1
    if not event["isFinalInvokeForWindow"]:
        return {"state": counts}
    ddb = boto3.client("dynamodb")
    for page, n in counts.items():
        ddb.update_item(
            TableName=TABLE,
            Key={"page": {"S": page}, "window": {"S": event["window"]["start"]}},
            UpdateExpression="ADD clicks :n",
            ExpressionAttributeValues={":n": {"N": str(n)}})
    return None
