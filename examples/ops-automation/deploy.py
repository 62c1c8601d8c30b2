"""Creates the operations-automation pattern on a nimbus server (or AWS):

  nightly-report (EventBridge Scheduler, cron 02:00 in TIMEZONE)
    -> reporter (Lambda) scans inventory (DynamoDB), writes
       reports/<date>.json to ops-reports-ACCOUNT (S3), and alerts
       ops-alerts (SNS) when stock is low
  ops-uploads-ACCOUNT (S3, ObjectCreated notification)
    -> ingest (Lambda) puts each sku,count line into inventory;
       a poison upload alerts ops-alerts ("Upload rejected") and,
       not retried, -> ops-dead-letters (SQS)
  ingest-errors (CloudWatch alarm on ingest's AWS/Lambda Errors, per
       minute) -> ops-alerts, for failures ingest cannot report itself
       (a crash, a timeout)
  ops-alerts -> ops-alerts-inbox (SQS) and ALERT_URL (an HTTP endpoint,
       alert_receiver.py, which confirms its subscription)

Usage: python3 deploy.py [ENDPOINT [ALERT_URL]]
       (default http://localhost:4566, no HTTP endpoint)"""

import io
import os
import sys
import zipfile
from urllib.parse import urlparse

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::000000000000:role/ops-automation"
NIGHTLY = "cron(0 2 * * ? *)"


def clients(endpoint):
    def client(name):
        return boto3.client(name, endpoint_url=endpoint,
                            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    return client


def function_zip(name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o644 << 16
        with open(os.path.join(HERE, name)) as f:
            z.writestr(info, f.read())
    return buf.getvalue()


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def schedule_report(scheduler, function_arn, expression=NIGHTLY, timezone="UTC"):
    """Creates (or replaces) the schedule that runs the report."""
    spec = dict(Name="nightly-report", ScheduleExpression=expression,
                ScheduleExpressionTimezone=timezone, FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": function_arn, "RoleArn": ROLE,
                        "Input": '{"scheduled": "<aws.scheduler.scheduled-time>"}',
                        "RetryPolicy": {"MaximumRetryAttempts": 3}})
    try:
        scheduler.create_schedule(**spec)
    except scheduler.exceptions.ConflictException:
        scheduler.update_schedule(**spec)


def deploy(endpoint, expression=NIGHTLY, timezone="UTC", alert_url=None):
    """Creates everything; returns the names the test and the README use.
    `alert_url`: an http(s) endpoint subscribed to ops-alerts (it must
    confirm, as alert_receiver.py does)."""
    client = clients(endpoint)
    lam, ddb, s3, sns = client("lambda"), client("dynamodb"), client("s3"), client("sns")
    sqs, scheduler, sts = client("sqs"), client("scheduler"), client("sts")
    cloudwatch = client("cloudwatch")
    account = sts.get_caller_identity()["Account"]
    uploads, reports = "ops-uploads-%s" % account, "ops-reports-%s" % account

    ddb.create_table(TableName="inventory", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}])
    s3.create_bucket(Bucket=uploads)
    s3.create_bucket(Bucket=reports)
    topic = sns.create_topic(Name="ops-alerts")["TopicArn"]
    inbox_url, inbox_arn = queue(sqs, "ops-alerts-inbox")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
    if alert_url:
        # Pending until the endpoint fetches the SubscribeURL SNS POSTs it.
        sns.subscribe(TopicArn=topic, Protocol=urlparse(alert_url).scheme, Endpoint=alert_url)
    dead_url, dead_arn = queue(sqs, "ops-dead-letters")

    ingest = lam.create_function(
        FunctionName="ingest", Runtime="python3.11", Role=ROLE, Handler="ingest.handler",
        Code={"ZipFile": function_zip("ingest.py")}, Timeout=30,
        Environment={"Variables": {"TABLE": "inventory", "TOPIC": topic}},
        DeadLetterConfig={"TargetArn": dead_arn})["FunctionArn"]
    lam.put_function_event_invoke_config(FunctionName="ingest", MaximumRetryAttempts=0)
    lam.add_permission(FunctionName="ingest", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::" + uploads)
    s3.put_bucket_notification_configuration(Bucket=uploads, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": ingest,
                                          "Events": ["s3:ObjectCreated:*"]}]})

    # An ingest that fails in any way (a crash, a timeout) alerts ops-alerts
    # once the minute's Errors are in.
    cloudwatch.put_metric_alarm(
        AlarmName="ingest-errors", AlarmDescription="The ingest function failed",
        Namespace="AWS/Lambda", MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "ingest"}], Statistic="Sum",
        Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[topic])

    reporter = lam.create_function(
        FunctionName="reporter", Runtime="python3.11", Role=ROLE, Handler="reporter.handler",
        Code={"ZipFile": function_zip("reporter.py")}, Timeout=30,
        Environment={"Variables": {"TABLE": "inventory", "BUCKET": reports, "TOPIC": topic,
                                   "LOW": "5"}})["FunctionArn"]
    schedule_report(scheduler, reporter, expression, timezone)
    return {"uploads": uploads, "reports": reports, "topic": topic, "inbox_url": inbox_url,
            "dead_letters_url": dead_url, "reporter": reporter}


if __name__ == "__main__":
    names = deploy(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4566",
                   alert_url=sys.argv[2] if len(sys.argv) > 2 else None)
    for k, v in names.items():
        print("%-16s %s" % (k, v))
