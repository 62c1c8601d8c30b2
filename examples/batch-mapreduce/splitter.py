"""The splitter: the workflow's first task. Lists the job's input objects
(every non-empty key under `prefix` in `input_bucket`, page by page, but
the starter's `_READY` markers) and returns them as the splits the Map
state hands to the mappers, one object per split."""

import boto3


def handler(event, context):
    s3 = boto3.client("s3")
    keys, token = [], None
    while True:
        page = s3.list_objects_v2(Bucket=event["input_bucket"], Prefix=event.get("prefix", ""),
                                  **({"ContinuationToken": token} if token else {}))
        keys += [o["Key"] for o in page.get("Contents", [])
                 if o["Size"] > 0 and not o["Key"].endswith("_READY")]
        token = page.get("NextContinuationToken")
        if not token:
            break
    if not keys:
        raise ValueError("no input objects under s3://%s/%s" % (event["input_bucket"],
                                                                 event.get("prefix", "")))
    return {"input_bucket": event["input_bucket"], "output_bucket": event["output_bucket"],
            "job": event["job"], "splits": keys}
