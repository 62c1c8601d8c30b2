"""The SAM transform against a real server: `aws cloudformation deploy` of a
SAM template (a function with an SQS event, a SimpleTable, Globals) through
a change set, the function invoked directly and through the queue, the
processed template read back, then an update and a delete; CreateStack
through boto3 without CAPABILITY_AUTO_EXPAND refused as AWS refuses it."""

import json
import os
import tempfile

from harness import wait_until
from test_cfn import CfnBase

SAM_APP = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
Globals:
  Function:
    Runtime: python3.9
    Timeout: 10
    Environment: {Variables: {GREETING: !Ref Greeting}}
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Items:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: pk, Type: String}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      AutoPublishAlias: live
      FunctionUrlConfig: {AuthType: NONE}
      EventInvokeConfig: {MaximumRetryAttempts: 0}
      Environment: {Variables: {TABLE: !Ref Items}}
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Items}
      InlineCode: |
        import os
        def handler(event, context):
            for r in event.get("Records", []):
                print("CFN " + os.environ["GREETING"] + " " + r["body"])
            return {"greeting": os.environ["GREETING"], "table": os.environ["TABLE"]}
      Events:
        FromQueue:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 1}
        Daily:
          Type: ScheduleV2
          # OmitName: named per stack (SAM names it WorkerDaily otherwise,
          # which two stacks of this template would share).
          Properties: {ScheduleExpression: rate(1 day), OmitName: true}
Outputs:
  QueueUrl: {Value: !Ref Queue}
  TableName: {Value: !Ref Items}
  FunctionName: {Value: !Ref Worker}
  AliasArn: {Value: !Ref Worker.Alias}
  Url: {Value: !GetAtt WorkerUrl.FunctionUrl}
"""


class SamDeployTest(CfnBase):
    def setUp(self):
        super().setUp()
        self.lam = self.server.boto3_client("lambda")

    def deploy(self, path, *extra):
        return self.server.aws_cli("cloudformation", "deploy", "--template-file", path,
                                   "--stack-name", "samapp", "--capabilities", "CAPABILITY_IAM",
                                   *extra)

    def test_deploy_invoke_update_delete(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "template.yaml")
            with open(path, "w") as f:
                f.write(SAM_APP)
            self.deploy(path)
            stack = self.cfn.describe_stacks(StackName="samapp")["Stacks"][0]
            self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
            resources = {r["LogicalResourceId"]: r["ResourceType"] for r in
                         self.cfn.list_stack_resources(StackName="samapp")["StackResourceSummaries"]}
            versions = [k for k in resources if k.startswith("WorkerVersion")]
            for extra in ("WorkerUrl", "WorkerUrlPublicPermissions",
                          "WorkerURLInvokeAllowPublicAccess", "WorkerEventInvokeConfig",
                          "WorkerDaily", "WorkerDailyRole"):
                resources.pop(extra)
            self.assertEqual(len(versions), 1)
            self.assertEqual(resources, {
                "Queue": "AWS::SQS::Queue",
                "Items": "AWS::DynamoDB::Table",
                "Worker": "AWS::Lambda::Function",
                "WorkerRole": "AWS::IAM::Role",
                "WorkerFromQueue": "AWS::Lambda::EventSourceMapping",
                versions[0]: "AWS::Lambda::Version",
                "WorkerAliaslive": "AWS::Lambda::Alias",
            })
            out = self.outputs("samapp")
            table = self.ddb.describe_table(TableName=out["TableName"])["Table"]
            self.assertEqual(table["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])

            # Invoked through its alias (Worker.Alias resolved to the
            # alias's ARN): Globals and the function's own variables merged.
            self.assertTrue(out["AliasArn"].endswith(":function:" + out["FunctionName"] + ":live"))
            r = self.lam.invoke(FunctionName=out["AliasArn"], Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()),
                             {"greeting": "hello", "table": out["TableName"]})
            # The ScheduleV2 event is a Scheduler schedule on the alias.
            daily = self.cfn.describe_stack_resource(StackName="samapp", LogicalResourceId="WorkerDaily")
            schedule = self.server.boto3_client("scheduler").get_schedule(
                Name=daily["StackResourceDetail"]["PhysicalResourceId"])
            self.assertEqual(schedule["Target"]["Arn"], out["AliasArn"])
            self.assertEqual(schedule["ScheduleExpression"], "rate(1 day)")
            # The URL and the invoke configuration are the alias's.
            url = self.lam.get_function_url_config(FunctionName=out["FunctionName"],
                                                   Qualifier="live")
            self.assertEqual(url["FunctionUrl"], out["Url"])
            self.assertEqual(url["AuthType"], "NONE")
            config = self.lam.get_function_event_invoke_config(FunctionName=out["FunctionName"],
                                                               Qualifier="live")
            self.assertEqual(config["MaximumRetryAttempts"], 0)
            # And through the queue, by the generated event source mapping.
            self.sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="one")
            wait_until(lambda: "CFN hello one" in self.worker_lines(out["FunctionName"]),
                       timeout=30)

            # Original is what was sent; Processed is the expansion.
            original = self.cfn.get_template(StackName="samapp")["TemplateBody"]
            self.assertIn("AWS::Serverless::Function", str(original))
            processed = self.cfn.get_template(StackName="samapp",
                                              TemplateStage="Processed")["TemplateBody"]
            if isinstance(processed, str):
                processed = json.loads(processed)
            self.assertNotIn("Transform", processed)
            self.assertEqual(processed["Resources"]["WorkerRole"]["Type"], "AWS::IAM::Role")

            # An update: new code (a new version, the alias moved to it, as
            # AutoPublishAlias does) and a parameter the Globals pass on.
            with open(path, "w") as f:
                f.write(SAM_APP.replace('return {"greeting"', 'return {"v": 2, "greeting"'))
            self.deploy(path, "--parameter-overrides", "Greeting=hi")
            self.assertEqual(self.cfn.describe_stacks(StackName="samapp")["Stacks"][0]
                             ["StackStatus"], "UPDATE_COMPLETE")
            r = self.lam.invoke(FunctionName=out["AliasArn"], Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()),
                             {"v": 2, "greeting": "hi", "table": out["TableName"]})
            alias = self.lam.get_alias(FunctionName=out["FunctionName"], Name="live")
            self.assertEqual(alias["FunctionVersion"], "2")

            self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "samapp")
            self.server.aws_cli("cloudformation", "wait", "stack-delete-complete",
                                "--stack-name", "samapp")
            with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
                self.ddb.describe_table(TableName=out["TableName"])

    def test_create_stack_needs_auto_expand_and_bad_sam_is_refused(self):
        with self.assertRaises(self.cfn.exceptions.InsufficientCapabilitiesException) as e:
            self.cfn.create_stack(StackName="direct", TemplateBody=SAM_APP,
                                  Capabilities=["CAPABILITY_IAM"])
        self.assertIn("CAPABILITY_AUTO_EXPAND", e.exception.response["Error"]["Message"])
        bad = SAM_APP.replace("InlineCode: |", "CodeUri: ./src\n      Unused: |")
        with self.assertRaises(self.cfn.exceptions.ClientError) as e:
            self.cfn.create_stack(StackName="direct", TemplateBody=bad,
                                  Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationError")
        self.assertIn("Resource with id [Worker] is invalid. 'CodeUri' is not a valid S3 Uri",
                      e.exception.response["Error"]["Message"])
        self.assertEqual(self.cfn.list_stacks()["StackSummaries"], [])
        # With both capabilities the stack is created straight away.
        self.cfn.create_stack(StackName="direct", TemplateBody=SAM_APP,
                              Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
        self.assertEqual(self.settled("direct")["StackStatus"], "CREATE_COMPLETE")
