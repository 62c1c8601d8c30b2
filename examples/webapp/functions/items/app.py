"""The items API behind the HTTP API (payload format 2.0).

GET /items lists the items, newest first. POST /items (behind the token
authorizer) stores {"name": ...} as a new item with status "new" and queues
its id for the worker, which marks it processed."""

import base64
import json
import os
import time
import uuid

import boto3

TABLE = os.environ["TABLE_NAME"]
QUEUE_URL = os.environ["QUEUE_URL"]
MAX_NAME = 200

dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")


def answer(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"},
            "body": json.dumps(body)}


def item_of(record):
    return {"id": record["id"]["S"], "name": record["name"]["S"],
            "status": record["status"]["S"], "created": int(record["created"]["N"])}


def list_items():
    items, start = [], None
    while True:
        page = dynamodb.scan(TableName=TABLE, **({"ExclusiveStartKey": start} if start else {}))
        items += [item_of(r) for r in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    items.sort(key=lambda i: i["created"], reverse=True)
    return answer(200, {"items": items})


def create_item(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    try:
        name = json.loads(body).get("name", "")
    except (ValueError, AttributeError):
        return answer(400, {"message": "the body must be a JSON object"})
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        return answer(400, {"message": "name must be 1 to %d characters" % MAX_NAME})
    item = {"id": uuid.uuid4().hex, "name": name.strip(), "status": "new",
            "created": int(time.time() * 1000)}
    dynamodb.put_item(TableName=TABLE, Item={
        "id": {"S": item["id"]}, "name": {"S": item["name"]}, "status": {"S": item["status"]},
        "created": {"N": str(item["created"])}})
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"id": item["id"]}))
    return answer(201, item)


def handler(event, context):
    method = event["requestContext"]["http"]["method"]
    if method == "GET":
        return list_items()
    if method == "POST":
        return create_item(event)
    return answer(405, {"message": "method not allowed"})
