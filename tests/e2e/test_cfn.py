"""CloudFormation against a real server: the AWS CLI's `cloudformation
deploy` (a change set, then its execution) of a template with a queue, a
table, a role and a Python function wired to the queue, then an update and a
delete; `cloudformation package` + `deploy --s3-bucket` of a parent with a
nested stack (both templates uploaded to nimbus's S3 and read back by
TemplateURL); and the stack API through boto3 (current and Debian's 1.26):
create, events, resources, outputs and exports, a failing resource rolled
back with its reason, a failed update rolled back, bad templates refused
with AWS's words."""

import os
import tempfile
import unittest

from harness import ServerTestCase, function_log, require_boto3, stack_settled, wait_until

APP = """
AWSTemplateFormatVersion: "2010-09-09"
Description: queue, table and a function wired to the queue
Parameters:
  Greeting: {Type: String, Default: hello}
  Visibility: {Type: Number, Default: 30}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Visibility}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.9
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment: {Variables: {GREETING: !Ref Greeting, TABLE: !Ref Table}}
      Code:
        ZipFile: |
          import json, os
          def handler(event, context):
              for r in event["Records"]:
                  print("CFN " + os.environ["GREETING"] + " " + r["body"])
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
      BatchSize: 1
Outputs:
  QueueUrl: {Value: !Ref Queue}
  TableName: {Value: !Ref Table, Export: {Name: !Sub "${AWS::StackName}-table"}}
"""


class CfnBase(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")
        self.sqs = self.server.boto3_client("sqs")
        self.ddb = self.server.boto3_client("dynamodb")
        self.logs = self.server.boto3_client("logs")

    def settled(self, stack):
        return stack_settled(self.cfn, stack, 30)

    def outputs(self, stack):
        s = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in s.get("Outputs", [])}

    def worker_lines(self, function):
        return function_log(self.logs, function, "CFN ")


class CliDeployTest(CfnBase):
    def deploy(self, path, *extra):
        return self.server.aws_cli("cloudformation", "deploy", "--template-file", path,
                                   "--stack-name", "app", "--capabilities", "CAPABILITY_IAM",
                                   *extra)

    def test_deploy_update_delete(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "template.yaml")
            with open(path, "w") as f:
                f.write(APP)
            self.deploy(path)
            stack = self.cfn.describe_stacks(StackName="app")["Stacks"][0]
            self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
            out = self.outputs("app")
            self.ddb.describe_table(TableName=out["TableName"])
            resources = {r["LogicalResourceId"]: r for r in
                         self.cfn.list_stack_resources(StackName="app")["StackResourceSummaries"]}
            self.assertEqual(sorted(resources), ["Mapping", "Queue", "Role", "Table", "Worker"])
            function = resources["Worker"]["PhysicalResourceId"]
            # The function gets what the queue receives.
            self.sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="one")
            wait_until(lambda: "CFN hello one" in self.worker_lines(function), timeout=30)

            # An update through a second change set: parameters only.
            self.deploy(path, "--parameter-overrides", "Greeting=hi", "Visibility=60")
            stack = self.cfn.describe_stacks(StackName="app")["Stacks"][0]
            self.assertEqual(stack["StackStatus"], "UPDATE_COMPLETE")
            attrs = self.sqs.get_queue_attributes(QueueUrl=out["QueueUrl"],
                                                  AttributeNames=["VisibilityTimeout"])
            self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "60")
            self.sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody="two")
            wait_until(lambda: "CFN hi two" in self.worker_lines(function), timeout=30)
            # Nothing changed: the CLI says so and succeeds.
            code, stdout, stderr = self.deploy(path, "--parameter-overrides", "Greeting=hi",
                                               "Visibility=60", "--no-fail-on-empty-changeset")
            self.assertIn("No changes to deploy", stdout + stderr)

            self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "app")
            self.server.aws_cli("cloudformation", "wait", "stack-delete-complete",
                                "--stack-name", "app")
            with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
                self.sqs.get_queue_attributes(QueueUrl=out["QueueUrl"])
            with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
                self.ddb.describe_table(TableName=out["TableName"])


PARENT = """
Parameters:
  Delay: {Type: Number, Default: 3}
Resources:
  Inner:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
      Parameters: {Delay: !Ref Delay}
Outputs:
  InnerQueue: {Value: !GetAtt Inner.Outputs.QueueUrl}
"""

CHILD = """
Parameters:
  Delay: {Type: Number}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {DelaySeconds: !Ref Delay}
Outputs:
  QueueUrl: {Value: !Ref Queue}
"""


class CliPackageTest(CfnBase):
    def test_package_and_deploy_a_nested_stack_through_s3(self):
        self.server.boto3_client("s3").create_bucket(Bucket="artifacts")
        with tempfile.TemporaryDirectory() as d:
            for name, body in (("parent.yaml", PARENT), ("child.yaml", CHILD)):
                with open(os.path.join(d, name), "w") as f:
                    f.write(body)
            packaged = os.path.join(d, "packaged.yaml")
            self.server.aws_cli("cloudformation", "package", "--template-file",
                                os.path.join(d, "parent.yaml"), "--s3-bucket", "artifacts",
                                "--output-template-file", packaged)
            with open(packaged) as f:
                text = f.read()
            self.assertIn("/artifacts/", text)  # the child's URL in nimbus's S3
            # --s3-bucket: the CLI uploads the parent too and creates its
            # change set by TemplateURL.
            self.server.aws_cli("cloudformation", "deploy", "--template-file", packaged,
                                "--stack-name", "nest", "--s3-bucket", "artifacts",
                                "--parameter-overrides", "Delay=4")
        self.assertEqual(self.settled("nest")["StackStatus"], "CREATE_COMPLETE")
        url = self.outputs("nest")["InnerQueue"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
        self.assertEqual(attrs["Attributes"]["DelaySeconds"], "4")
        inner = self.cfn.describe_stack_resource(StackName="nest", LogicalResourceId="Inner")
        self.assertEqual(inner["StackResourceDetail"]["ResourceType"], "AWS::CloudFormation::Stack")
        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "nest")
        self.server.aws_cli("cloudformation", "wait", "stack-delete-complete",
                            "--stack-name", "nest")
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_attributes(QueueUrl=url)


class StackApiTest(CfnBase):
    def test_create_events_resources_exports_delete(self):
        body = APP.replace("Default: hello", "Default: boto")
        sid = self.cfn.create_stack(StackName="api", TemplateBody=body,
                                    Capabilities=["CAPABILITY_IAM"])["StackId"]
        self.assertTrue(sid.startswith("arn:aws:cloudformation:us-east-1:000000000000:stack/api/"))
        self.assertEqual(self.settled("api")["StackStatus"], "CREATE_COMPLETE")
        events = self.cfn.describe_stack_events(StackName="api")["StackEvents"]
        self.assertEqual(events[0]["ResourceStatus"], "CREATE_COMPLETE")
        self.assertEqual(events[0]["LogicalResourceId"], "api")
        self.assertEqual(events[-1]["ResourceStatus"], "CREATE_IN_PROGRESS")
        worker = self.cfn.describe_stack_resource(StackName="api", LogicalResourceId="Worker")
        self.assertEqual(worker["StackResourceDetail"]["ResourceType"], "AWS::Lambda::Function")
        exports = {e["Name"]: e["Value"] for e in self.cfn.list_exports()["Exports"]}
        self.assertEqual(exports["api-table"], self.outputs("api")["TableName"])
        summaries = self.cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
        self.assertIn("api", [s["StackName"] for s in summaries])
        self.assertIn("Worker", self.cfn.get_template(StackName="api")["TemplateBody"])
        self.cfn.delete_stack(StackName=sid)
        wait_until(lambda: self.cfn.describe_stacks(StackName=sid)["Stacks"][0]["StackStatus"]
                   == "DELETE_COMPLETE", timeout=30)
        self.assertNotIn("api-table", [e["Name"] for e in self.cfn.list_exports()["Exports"]])

    def test_failures_roll_back_with_their_reason(self):
        self.cfn.create_stack(StackName="broken", TemplateBody="""
Resources:
  Good: {Type: AWS::SQS::Queue}
  Bad: {Type: AWS::SQS::Queue, DependsOn: Good, Properties: {DelaySeconds: 9000}}
""")
        stack = self.settled("broken")
        self.assertEqual(stack["StackStatus"], "ROLLBACK_COMPLETE")
        events = self.cfn.describe_stack_events(StackName="broken")["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        self.assertEqual(failed[0]["LogicalResourceId"], "Bad")
        self.assertIn("DelaySeconds", failed[0]["ResourceStatusReason"])
        rolling = [e for e in events if e["LogicalResourceId"] == "broken"
                   and e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"]
        self.assertIn("The following resource(s) failed to create: [Bad]",
                      rolling[0]["ResourceStatusReason"])
        self.assertEqual(self.sqs.list_queues(QueueNamePrefix="broken-").get("QueueUrls", []), [])

    def test_failed_update_rolls_back(self):
        v1 = "Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: keep, DelaySeconds: 1}}\n"
        v2 = ("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: keep, DelaySeconds: 2}}\n"
              "  Bad: {Type: AWS::SQS::Queue, DependsOn: Q, Properties: {DelaySeconds: 9000}}\n")
        self.cfn.create_stack(StackName="upd", TemplateBody=v1)
        self.assertEqual(self.settled("upd")["StackStatus"], "CREATE_COMPLETE")
        self.cfn.update_stack(StackName="upd", TemplateBody=v2)
        self.assertEqual(self.settled("upd")["StackStatus"], "UPDATE_ROLLBACK_COMPLETE")
        url = self.sqs.get_queue_url(QueueName="keep")["QueueUrl"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
        self.assertEqual(attrs["Attributes"]["DelaySeconds"], "1")
        with self.assertRaises(self.cfn.exceptions.ClientError) as e:
            self.cfn.update_stack(StackName="upd", TemplateBody=v1)
        self.assertEqual(e.exception.response["Error"]["Message"], "No updates are to be performed.")

    def test_bad_templates_use_aws_words(self):
        cases = [
            ("Resources: {A: {Type: AWS::Nope::Thing}}",
             "Template format error: Unrecognized resource types: [AWS::Nope::Thing]"),
            ("Resources: {A: {Type: AWS::SQS::Queue, Properties: {P: !Ref B}}}",
             "Template format error: Unresolved resource dependencies [B] in the Resources block "
             "of the template"),
            ("Resources:\n  A: {Type: AWS::SQS::Queue, DependsOn: B}\n"
             "  B: {Type: AWS::SQS::Queue, DependsOn: A}\n",
             "Circular dependency between resources: [A, B]"),
            ("Resources: [", None),
        ]
        for body, message in cases:
            with self.assertRaises(self.cfn.exceptions.ClientError) as e:
                self.cfn.create_stack(StackName="bad", TemplateBody=body)
            err = e.exception.response["Error"]
            self.assertEqual(err["Code"], "ValidationError")
            if message:
                self.assertEqual(err["Message"], message)
            else:
                self.assertTrue(err["Message"].startswith("Template format error: YAML not well-formed."))
        with self.assertRaises(self.cfn.exceptions.InsufficientCapabilitiesException):
            self.cfn.create_stack(StackName="bad", TemplateBody=APP)
        self.assertNotIn("bad", [s["StackName"] for s in self.cfn.list_stacks()["StackSummaries"]])
        # TemplateURL: read from nimbus's S3, or AWS's words.
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="tpl")
        s3.put_object(Bucket="tpl", Key="app.yaml", Body=APP.encode())
        url = self.server.endpoint + "/tpl/app.yaml"
        v = self.cfn.validate_template(TemplateURL=url)
        self.assertEqual(v["Capabilities"], ["CAPABILITY_IAM"])
        for bad, message in ((self.server.endpoint + "/tpl/none.yaml",
                              "S3 error: The specified key does not exist."),
                             ("https://example.com/app.yaml",
                              "TemplateURL must be an Amazon S3 URL.")):
            with self.assertRaises(self.cfn.exceptions.ClientError) as e:
                self.cfn.create_stack(StackName="bad", TemplateURL=bad)
            self.assertEqual(e.exception.response["Error"]["Message"], message)
        v = self.cfn.validate_template(TemplateBody=APP)
        self.assertEqual([p["ParameterKey"] for p in v["Parameters"]], ["Greeting", "Visibility"])
        self.assertEqual(v["Capabilities"], ["CAPABILITY_IAM"])


if __name__ == "__main__":
    unittest.main()
