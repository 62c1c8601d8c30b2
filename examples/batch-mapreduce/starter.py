"""The starter: S3 calls it when an object named _READY is created in the
input bucket (the bucket's notification filters on that suffix). The
marker says its folder is complete; the starter starts one wordcount
execution over that folder, named after the folder and the marker's event
sequencer, so S3 delivering the same event twice starts one job."""

import json
import os
import re
import urllib.parse

import boto3

STATE_MACHINE = os.environ["STATE_MACHINE"]
OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]
MARKER = "_READY"


def job_name(prefix, sequencer):
    """An execution name (at most 80 of [A-Za-z0-9_-]) for this marker."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-") or "root"
    sequencer = sequencer[:32]
    return "%s-%s" % (base[:80 - 1 - len(sequencer)], sequencer)


def handler(event, context):
    sfn = boto3.client("stepfunctions")
    started = []
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        if not key.endswith(MARKER):
            continue
        prefix = key[:-len(MARKER)]
        name = job_name(prefix, record["s3"]["object"].get("sequencer", "0"))
        try:
            sfn.start_execution(stateMachineArn=STATE_MACHINE, name=name, input=json.dumps({
                "input_bucket": record["s3"]["bucket"]["name"], "prefix": prefix,
                "output_bucket": OUTPUT_BUCKET}))
        except sfn.exceptions.ExecutionAlreadyExists:
            pass  # the same event delivered again: that job runs already
        started.append(name)
    return {"started": started}
