"""The reducer: the workflow's last task. Merges the mappers' intermediate
objects into jobs/<job>/result.json in the output bucket: every word's
total count, the number of words, and the inputs that were set aside
(a mapper that failed twice) with their error."""

import collections
import json

import boto3


def handler(event, context):
    s3 = boto3.client("s3")
    counts, failed = collections.Counter(), []
    for item in event["partials"]:
        if "error" in item:
            failed.append({"key": item["key"], "error": item["error"].get("Error", "")})
            continue
        body = s3.get_object(Bucket=event["output_bucket"], Key=item["partial"])["Body"]
        counts.update(json.loads(body.read()))
    result = {"job": event["job"], "inputs": len(event["partials"]),
              "counted": len(event["partials"]) - len(failed), "total": sum(counts.values()),
              "words": dict(sorted(counts.items())), "failed": failed}
    key = "jobs/%s/result.json" % event["job"]
    s3.put_object(Bucket=event["output_bucket"], Key=key, Body=json.dumps(result).encode(),
                  ContentType="application/json")
    return {"result": key, "total": result["total"], "distinct": len(counts),
            "failed": [f["key"] for f in failed]}
