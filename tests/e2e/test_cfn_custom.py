"""CloudFormation custom resources against a real server: a Python Lambda
handler written in the cfn-response pattern (a plain urllib PUT of its
answer, empty Content-Type, to the request's ResponseURL) backs a
Custom::Echo resource whose Data feeds an Output through Fn::GetAtt; an
update hands it OldResourceProperties; an answer of FAILED rolls the stack
back with the handler's reason; the stack's delete waits for the Delete
answer."""

import unittest

from harness import ServerTestCase, require_boto3, stack_settled

TEMPLATE = """
Parameters:
  Word: {Type: String}
  Fail: {Type: String, Default: "no"}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.9
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          import json, urllib.request

          def send(event, status, data, physical_id, reason=""):
              body = json.dumps({
                  "Status": status, "Reason": reason, "PhysicalResourceId": physical_id,
                  "StackId": event["StackId"], "RequestId": event["RequestId"],
                  "LogicalResourceId": event["LogicalResourceId"], "NoEcho": False,
                  "Data": data}).encode()
              req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                           headers={"content-type": "",
                                                    "content-length": str(len(body))})
              urllib.request.urlopen(req).read()

          def handler(event, context):
              props = event["ResourceProperties"]
              physical = event.get("PhysicalResourceId") or "echo-" + props["Word"]
              if props.get("Fail") == "yes" and event["RequestType"] != "Delete":
                  return send(event, "FAILED", {}, physical, "asked to fail")
              old = event.get("OldResourceProperties", {}).get("Word", "")
              send(event, "SUCCESS", {"Upper": props["Word"].upper(), "Old": old,
                                      "Kind": event["RequestType"]}, physical)
  Echo:
    Type: Custom::Echo
    Properties:
      ServiceToken: !GetAtt Handler.Arn
      Word: !Ref Word
      Fail: !Ref Fail
Outputs:
  Upper: {Value: !GetAtt Echo.Upper}
  Old: {Value: !Join ["", ["was:", !GetAtt Echo.Old]]}
  Id: {Value: !Ref Echo}
"""


class CustomResourceTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")

    def settled(self, stack):
        return stack_settled(self.cfn, stack, 60)

    def params(self, word, fail="no"):
        return [{"ParameterKey": "Word", "ParameterValue": word},
                {"ParameterKey": "Fail", "ParameterValue": fail}]

    def outputs(self, stack):
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def test_create_update_delete_through_a_lambda_handler(self):
        self.cfn.create_stack(StackName="echo", TemplateBody=TEMPLATE,
                              Parameters=self.params("hello"), Capabilities=["CAPABILITY_IAM"])
        s = self.settled("echo")
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", s.get("StackStatusReason"))
        self.assertEqual(self.outputs(s), {"Upper": "HELLO", "Old": "was:", "Id": "echo-hello"})

        self.cfn.update_stack(StackName="echo", TemplateBody=TEMPLATE,
                              Parameters=self.params("world"), Capabilities=["CAPABILITY_IAM"])
        s = self.settled("echo")
        self.assertEqual(s["StackStatus"], "UPDATE_COMPLETE", s.get("StackStatusReason"))
        self.assertEqual(self.outputs(s), {"Upper": "WORLD", "Old": "was:hello", "Id": "echo-hello"})

        self.cfn.delete_stack(StackName="echo")
        stack_id = s["StackId"]
        s = self.settled(stack_id)
        self.assertEqual(s["StackStatus"], "DELETE_COMPLETE")
        kinds = [e["ResourceStatus"] for e in
                 self.cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
                 if e["LogicalResourceId"] == "Echo"]
        self.assertIn("DELETE_COMPLETE", kinds)

    def test_failed_answer_rolls_back_with_the_reason(self):
        self.cfn.create_stack(StackName="nope", TemplateBody=TEMPLATE,
                              Parameters=self.params("x", fail="yes"),
                              Capabilities=["CAPABILITY_IAM"])
        s = self.settled("nope")
        self.assertEqual(s["StackStatus"], "ROLLBACK_COMPLETE")
        reasons = [e.get("ResourceStatusReason", "") for e in
                   self.cfn.describe_stack_events(StackName="nope")["StackEvents"]
                   if e["LogicalResourceId"] == "Echo" and e["ResourceStatus"] == "CREATE_FAILED"]
        self.assertEqual(len(reasons), 1)
        self.assertTrue(reasons[0].startswith(
            "Received response status [FAILED] from custom resource. Message returned: "
            "asked to fail (RequestId: "), reasons[0])


if __name__ == "__main__":
    unittest.main()
