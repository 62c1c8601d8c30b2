"""CloudFormation's policy, bus, group and stream types against a real
server through boto3: a stack with an SNS TopicPolicy, an IAM Policy and
ManagedPolicy on a role, an EventBridge bus, a Scheduler group, a Kinesis
stream and a Firehose delivery stream reading it into a bucket; what the
services hold matches the template and the outputs (Ref / Fn::GetAtt), a
record put to the stream lands in the bucket, and the delete removes it
all."""

import json
import unittest

from harness import ServerTestCase, require_boto3, stack_settled, wait_until

TEMPLATE = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sns:Publish, Resource: !Ref Topic}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: firehose.amazonaws.com}, Action: sts:AssumeRole}]
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: read-stream
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "kinesis:*", Resource: !GetAtt Stream.Arn}]}
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:PutObject", Resource: "*"}]}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: cfn-types-bus}
  Group: {Type: AWS::Scheduler::ScheduleGroup}
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Bucket: {Type: AWS::S3::Bucket}
  Delivery:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      DeliveryStreamType: KinesisStreamAsSource
      KinesisStreamSourceConfiguration: {KinesisStreamARN: !GetAtt Stream.Arn, RoleARN: !GetAtt Role.Arn}
      ExtendedS3DestinationConfiguration:
        BucketARN: !GetAtt Bucket.Arn
        RoleARN: !GetAtt Role.Arn
        Prefix: records/
        BufferingHints: {IntervalInSeconds: 0, SizeInMBs: 1}
Outputs:
  Bucket: {Value: !Ref Bucket}
  Managed: {Value: !Ref Managed}
  BusArn: {Value: !GetAtt Bus.Arn}
  Group: {Value: !Ref Group}
  GroupArn: {Value: !GetAtt Group.Arn}
  Stream: {Value: !Ref Stream}
  Delivery: {Value: !Ref Delivery}
  DeliveryArn: {Value: !GetAtt Delivery.Arn}
"""


class ResourceTypesTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")

    def settled(self, stack):
        return stack_settled(self.cfn, stack, 60)

    def test_stack_of_policies_buses_groups_and_streams(self):
        client = self.server.boto3_client
        self.cfn.create_stack(StackName="types", TemplateBody=TEMPLATE,
                              Capabilities=["CAPABILITY_IAM"])
        s = self.settled("types")
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", s.get("StackStatusReason"))
        out = {o["OutputKey"]: o["OutputValue"] for o in s["Outputs"]}

        self.assertEqual(client("events").describe_event_bus(Name="cfn-types-bus")["Arn"],
                         out["BusArn"])
        self.assertEqual(client("scheduler").get_schedule_group(Name=out["Group"])["Arn"],
                         out["GroupArn"])
        iam = client("iam")
        self.assertEqual(iam.get_policy(PolicyArn=out["Managed"])["Policy"]["AttachmentCount"], 1)
        fh = client("firehose").describe_delivery_stream(DeliveryStreamName=out["Delivery"])
        self.assertEqual(fh["DeliveryStreamDescription"]["DeliveryStreamARN"], out["DeliveryArn"])
        topic = [r["PhysicalResourceId"] for r in
                 self.cfn.describe_stack_resources(StackName="types")["StackResources"]
                 if r["LogicalResourceId"] == "Topic"][0]
        policy = json.loads(client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
        self.assertEqual(policy["Statement"][0]["Principal"], {"Service": "events.amazonaws.com"})

        # The stream feeds the delivery stream, which writes to the bucket.
        client("kinesis").put_record(StreamName=out["Stream"], Data=b"hello\n", PartitionKey="k")
        s3 = client("s3")
        listed = wait_until(lambda: s3.list_objects_v2(Bucket=out["Bucket"],
                                                       Prefix="records/").get("Contents"),
                            timeout=30)
        self.assertTrue(listed)
        # The stack's bucket is emptied so that its delete can remove it.
        for o in listed:
            s3.delete_object(Bucket=out["Bucket"], Key=o["Key"])

        stack_id = s["StackId"]
        self.cfn.delete_stack(StackName="types")
        s = self.settled(stack_id)
        self.assertEqual(s["StackStatus"], "DELETE_COMPLETE", s.get("StackStatusReason"))
        with self.assertRaises(Exception):
            client("kinesis").describe_stream_summary(StreamName=out["Stream"])
        with self.assertRaises(Exception):
            iam.get_policy(PolicyArn=out["Managed"])
        names = [b["Name"] for b in client("events").list_event_buses()["EventBuses"]]
        self.assertNotIn("cfn-types-bus", names)


if __name__ == "__main__":
    unittest.main()
