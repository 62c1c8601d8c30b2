"""Creates the batch (MapReduce) pattern on a nimbus server (or AWS):

  mapreduce-input-ACCOUNT (S3)            mapreduce-output-ACCOUNT (S3)
  wordcount (Step Functions, Standard):
    Split  (Task: splitter lists the input keys)
    Map    (one mapper per input object; a failing one is retried once,
            then set aside) -> jobs/<job>/partials/<key>.json
    Reduce (Task: reducer merges the partials) -> jobs/<job>/result.json
    the job's status (RUNNING, SUCCEEDED, FAILED) -> mapreduce-jobs (DynamoDB)
  an object named _READY in the input bucket (ObjectCreated notification)
    -> starter (Lambda) starts wordcount over the marker's folder

Usage: python3 deploy.py [ENDPOINT] [--native BINARY]
  ENDPOINT defaults to http://localhost:4566; --native deploys BINARY (the
  native mapper, build/bench/mapreduce_mapper) as the mapper, a provided.al2
  function, instead of mapper.py."""

import argparse
import io
import json
import os
import sys
import zipfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::000000000000:role/batch-mapreduce"
FUNCTIONS = ("splitter", "mapper", "reducer")
JOBS = "mapreduce-jobs"


def clients(endpoint):
    def client(name):
        return boto3.client(name, endpoint_url=endpoint,
                            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    return client


def function_zip(name, path=None, mode=0o644):
    """A zip holding one file `name`: HERE/name, or the file at `path`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path or os.path.join(HERE, name), "rb") as f:
            z.writestr(info, f.read())
    return buf.getvalue()


def function_code(name, native=None):
    """CreateFunction's runtime, handler and code for function `name`; the
    mapper is the native `bootstrap` at path `native` when given."""
    if name == "mapper" and native:
        return {"Runtime": "provided.al2", "Handler": "bootstrap",
                "Code": {"ZipFile": function_zip("bootstrap", native, 0o755)}}
    return {"Runtime": "python3.11", "Handler": name + ".handler",
            "Code": {"ZipFile": function_zip(name + ".py")}}


def job_record(table, status, **attributes):
    """A Task state putting the job's row into `table` (DynamoDB optimized
    integration); `attributes` are extra DynamoDB attribute values."""
    item = {"job": {"S.$": "$$.Execution.Name"}, "status": {"S": status},
            "execution": {"S.$": "$$.Execution.Id"}}
    item.update(attributes)
    return {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": table, "Item": item}, "ResultPath": None}


def job_update(table, status, **attributes):
    """A Task state setting the job row's status and `attributes` (the row
    keeps what RecordStart put)."""
    attributes["status"] = {"S": status}
    names = {"#" + k: k for k in attributes}
    return {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": table, "Key": {"job": {"S.$": "$$.Execution.Name"}},
                "UpdateExpression": "SET " + ", ".join("#%s = :%s" % (k, k) for k in attributes),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {":" + k: v for k, v in attributes.items()}},
            "ResultPath": None}


def definition(arns, table=JOBS, max_concurrency=10):
    """The workflow; `arns` maps each of FUNCTIONS to its function ARN, the
    job's status is kept in `table`."""
    failed = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure",
               "Next": "RecordFailure"}]
    count = {
        "Type": "Task", "Resource": arns["mapper"], "End": True,
        # Anything may be passing (a throttle, a timeout): one more try a
        # second later. A second failure sets the input aside.
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1,
                   "BackoffRate": 2.0}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                   "Next": "SetAside"}],
    }
    return {
        "Comment": "Word count over every object under a prefix: split, map, reduce",
        "StartAt": "RecordStart",
        "States": {
            "RecordStart": dict(job_record(
                table, "RUNNING",
                input={"S.$": "States.Format('s3://{}/{}', $.input_bucket, $.prefix)"},
                started={"S.$": "$$.Execution.StartTime"}), Next="Split"),
            "Split": {
                "Type": "Task", "Resource": arns["splitter"], "Next": "Map", "Catch": failed,
                "Parameters": {"input_bucket.$": "$.input_bucket", "prefix.$": "$.prefix",
                               "output_bucket.$": "$.output_bucket",
                               "job.$": "$$.Execution.Name"},
            },
            "Map": {
                "Type": "Map", "ItemsPath": "$.splits", "MaxConcurrency": max_concurrency,
                "ItemSelector": {"input_bucket.$": "$.input_bucket",
                                 "output_bucket.$": "$.output_bucket", "job.$": "$.job",
                                 "key.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Count", "States": {
                    "Count": count,
                    "SetAside": {"Type": "Pass", "End": True,
                                 "Parameters": {"key.$": "$.key", "error.$": "$.error"}},
                }},
                "ResultPath": "$.partials", "Next": "Reduce", "Catch": failed,
            },
            "Reduce": {
                "Type": "Task", "Resource": arns["reducer"], "Next": "RecordSuccess",
                "Parameters": {"output_bucket.$": "$.output_bucket", "job.$": "$.job",
                               "partials.$": "$.partials"},
                "ResultPath": "$.summary", "Catch": failed,
            },
            "RecordSuccess": dict(job_update(
                table, "SUCCEEDED", result={"S.$": "$.summary.result"},
                total={"N.$": "States.JsonToString($.summary.total)"},
                failed={"N.$": "States.JsonToString(States.ArrayLength($.summary.failed))"}),
                OutputPath="$.summary", End=True),
            "RecordFailure": dict(job_update(
                table, "FAILED", error={"S.$": "$.failure.Error"},
                cause={"S.$": "$.failure.Cause"}), Next="JobFailed"),
            "JobFailed": {"Type": "Fail", "ErrorPath": "$.failure.Error",
                          "CausePath": "$.failure.Cause"},
        },
    }


def deploy(endpoint, native=None):
    """Creates everything; returns the names the test and the README use.
    `native`: the path of the native mapper to deploy instead of mapper.py."""
    client = clients(endpoint)
    lam, s3, sfn, sts = client("lambda"), client("s3"), client("stepfunctions"), client("sts")
    ddb = client("dynamodb")
    account = sts.get_caller_identity()["Account"]
    inputs, outputs = "mapreduce-input-%s" % account, "mapreduce-output-%s" % account
    s3.create_bucket(Bucket=inputs)
    s3.create_bucket(Bucket=outputs)
    ddb.create_table(TableName=JOBS, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "job", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "job", "KeyType": "HASH"}])
    arns = {}
    for name in FUNCTIONS:
        arns[name] = lam.create_function(FunctionName=name, Role=ROLE, Timeout=60, MemorySize=256,
                                         **function_code(name, native))["FunctionArn"]
    machine = sfn.create_state_machine(name="wordcount", roleArn=ROLE, type="STANDARD",
                                       definition=json.dumps(definition(arns)))
    starter = lam.create_function(
        FunctionName="starter", Runtime="python3.11", Role=ROLE, Handler="starter.handler",
        Code={"ZipFile": function_zip("starter.py")}, Timeout=30,
        Environment={"Variables": {"STATE_MACHINE": machine["stateMachineArn"],
                                   "OUTPUT_BUCKET": outputs}})["FunctionArn"]
    lam.add_permission(FunctionName="starter", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::" + inputs)
    s3.put_bucket_notification_configuration(Bucket=inputs, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": starter, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": "_READY"}]}}}]})
    return {"input_bucket": inputs, "output_bucket": outputs,
            "state_machine": machine["stateMachineArn"], "jobs_table": JOBS}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Deploys the batch (MapReduce) example.")
    parser.add_argument("endpoint", nargs="?", default="http://localhost:4566")
    parser.add_argument("--native", metavar="BINARY",
                        help="the native mapper (build/bench/mapreduce_mapper) to deploy")
    args = parser.parse_args()
    names = deploy(args.endpoint, native=args.native)
    for k, v in names.items():
        print("%-14s %s" % (k, v))
