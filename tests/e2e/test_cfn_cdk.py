"""A template the AWS CDK synthesized (tests/cdk: aws-cdk-lib from npm, a
Python writer function, a table, a queue, and a worker function fed by the
queue through an SQS event source; kept as test data in
tests/cdk/template.json) deployed unchanged with `aws cloudformation
deploy`: the writer, invoked, puts an item and sends a message; the worker
marks the item processed. The template's AWS::CDK::Metadata resource and
aws:cdk:path metadata are accepted as AWS accepts them. Then the delete."""

import json
import os
import unittest

from harness import ServerTestCase, require_boto3, wait_until

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cdk", "template.json")


class CdkTemplateTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")

    def test_synthesized_template_deploys_and_runs(self):
        self.server.aws_cli("cloudformation", "deploy", "--template-file", TEMPLATE,
                            "--stack-name", "cdkapp", "--capabilities", "CAPABILITY_IAM")
        stack = self.cfn.describe_stacks(StackName="cdkapp")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        types = {r["LogicalResourceId"]: r["ResourceType"] for r in
                 self.cfn.describe_stack_resources(StackName="cdkapp")["StackResources"]}
        self.assertEqual(types["CDKMetadata"], "AWS::CDK::Metadata")
        self.assertIn("AWS::Lambda::EventSourceMapping", types.values())

        lam = self.server.boto3_client("lambda")
        r = lam.invoke(FunctionName=out["WriterName"], Payload=json.dumps({"id": "order-1"}))
        payload = r["Payload"].read()
        self.assertNotIn("FunctionError", r, payload)
        self.assertEqual(json.loads(payload), {"id": "order-1"})

        ddb = self.server.boto3_client("dynamodb")

        def state():
            item = ddb.get_item(TableName=out["TableName"], Key={"id": {"S": "order-1"}})
            return item.get("Item", {}).get("state", {}).get("S")
        self.assertEqual(wait_until(lambda: state() == "processed", 30) and state(), "processed")

        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "cdkapp")
        self.server.aws_cli("cloudformation", "wait", "stack-delete-complete",
                            "--stack-name", "cdkapp")
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName=out["TableName"])


if __name__ == "__main__":
    unittest.main()
