"""Tag keys starting with aws: are AWS's: IAM, Kinesis, Step Functions and
Scheduler refuse them from clients, each with its own error code, on create
and on tag and untag calls, and change nothing. Every service reads the
prefix in any case (common/tag_keys.h), CloudWatch alarms, S3 and
CloudFormation's stack tags too. CloudFormation's calls set them
(test_cfn_stack_api checks the aws:cloudformation:* tags)."""

import json
import unittest

from botocore.exceptions import ClientError

from harness import ServerTestCase, require_boto3, trust_policy

AWS_TAG = [{"Key": "aws:cloudformation:stack-name", "Value": "s"}]


class AwsTagKeysTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()

    def refused(self, code, call, **kwargs):
        with self.assertRaises(ClientError) as e:
            call(**kwargs)
        self.assertEqual(e.exception.response["Error"]["Code"], code)
        self.assertIn("starts with 'aws:', which is reserved for AWS use",
                      e.exception.response["Error"]["Message"])

    def test_iam(self):
        iam = self.server.boto3_client("iam")
        trust = trust_policy("lambda.amazonaws.com")
        self.refused("InvalidInput", iam.create_role, RoleName="aws-tagged",
                     AssumeRolePolicyDocument=trust, Tags=AWS_TAG)
        self.assertNotIn("aws-tagged", [r["RoleName"] for r in iam.list_roles()["Roles"]])
        iam.create_role(RoleName="tag-keys", AssumeRolePolicyDocument=trust,
                        Tags=[{"Key": "team", "Value": "a"}])
        self.refused("InvalidInput", iam.tag_role, RoleName="tag-keys",
                     Tags=[{"Key": "AWS:x", "Value": "1"}])
        self.refused("InvalidInput", iam.untag_role, RoleName="tag-keys", TagKeys=["aws:x"])
        self.assertEqual(iam.list_role_tags(RoleName="tag-keys")["Tags"],
                         [{"Key": "team", "Value": "a"}])
        self.refused("InvalidInput", iam.create_user, UserName="aws-tagged", Tags=AWS_TAG)
        iam.create_user(UserName="tag-keys")
        self.refused("InvalidInput", iam.tag_user, UserName="tag-keys", Tags=AWS_TAG)
        self.assertEqual(iam.list_user_tags(UserName="tag-keys")["Tags"], [])

    def test_kinesis(self):
        kinesis = self.server.boto3_client("kinesis")
        model = kinesis.meta.service_model
        if "Tags" in model.operation_model("CreateStream").input_shape.members:
            self.refused("InvalidArgumentException", kinesis.create_stream,
                         StreamName="aws-tagged", ShardCount=1, Tags={"aws:x": "1"})
        kinesis.create_stream(StreamName="tag-keys", ShardCount=1)
        self.refused("InvalidArgumentException", kinesis.add_tags_to_stream,
                     StreamName="tag-keys", Tags={"aws:x": "1"})
        self.refused("InvalidArgumentException", kinesis.remove_tags_from_stream,
                     StreamName="tag-keys", TagKeys=["aws:x"])
        if "TagResource" in model.operation_names:
            arn = kinesis.describe_stream_summary(
                StreamName="tag-keys")["StreamDescriptionSummary"]["StreamARN"]
            self.refused("InvalidArgumentException", kinesis.tag_resource,
                         ResourceARN=arn, Tags={"Aws:y": "1"})
        self.assertEqual(kinesis.list_tags_for_stream(StreamName="tag-keys")["Tags"], [])
        names = kinesis.list_streams()["StreamNames"]
        self.assertNotIn("aws-tagged", names)

    def test_step_functions(self):
        sfn = self.server.boto3_client("stepfunctions")
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        role = "arn:aws:iam::000000000000:role/sfn"
        self.refused("ValidationException", sfn.create_state_machine, name="aws-tagged",
                     definition=definition, roleArn=role, tags=[{"key": "aws:x", "value": "1"}])
        arn = sfn.create_state_machine(name="tag-keys", definition=definition,
                                       roleArn=role)["stateMachineArn"]
        self.refused("ValidationException", sfn.tag_resource, resourceArn=arn,
                     tags=[{"key": "aws:x", "value": "1"}])
        self.refused("ValidationException", sfn.untag_resource, resourceArn=arn,
                     tagKeys=["aws:x"])
        self.assertEqual(sfn.list_tags_for_resource(resourceArn=arn)["tags"], [])
        names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
        self.assertNotIn("aws-tagged", names)

    def test_scheduler(self):
        scheduler = self.server.boto3_client("scheduler")
        self.refused("ValidationException", scheduler.create_schedule_group, Name="aws-tagged",
                     Tags=AWS_TAG)
        arn = scheduler.create_schedule_group(Name="tag-keys")["ScheduleGroupArn"]
        self.refused("ValidationException", scheduler.tag_resource, ResourceArn=arn,
                     Tags=AWS_TAG)
        self.refused("ValidationException", scheduler.untag_resource, ResourceArn=arn,
                     TagKeys=["aws:x"])
        self.assertEqual(scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"], [])
        names = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
        self.assertNotIn("aws-tagged", names)

    def test_the_prefix_in_any_case(self):
        # One definition of the reserved prefix for every service: AWS:, Aws:.
        def refused(code, call, **kwargs):
            with self.assertRaises(ClientError) as e:
                call(**kwargs)
            self.assertEqual(e.exception.response["Error"]["Code"], code)

        sns = self.server.boto3_client("sns")
        refused("InvalidParameter", sns.create_topic, Name="cased",
                Tags=[{"Key": "AWS:x", "Value": "1"}])
        self.assertEqual(sns.list_topics()["Topics"], [])
        ddb = self.server.boto3_client("dynamodb")
        table = ddb.create_table(
            TableName="cased", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])["TableDescription"]
        refused("ValidationException", ddb.tag_resource, ResourceArn=table["TableArn"],
                Tags=[{"Key": "Aws:x", "Value": "1"}])
        self.assertEqual(ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"], [])
        events = self.server.boto3_client("events")
        refused("ValidationException", events.create_event_bus, Name="cased",
                Tags=[{"Key": "AWS:x", "Value": "1"}])
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="cased")
        refused("InvalidTag", s3.put_bucket_tagging, Bucket="cased",
                Tagging={"TagSet": [{"Key": "AWS:x", "Value": "1"}]})
        sqs = self.server.boto3_client("sqs")
        with self.assertRaises(ClientError):
            sqs.create_queue(QueueName="cased", tags={"AWS:x": "1"})
        self.assertNotIn("QueueUrls", sqs.list_queues())
        cw = self.server.boto3_client("cloudwatch")
        refused("InvalidParameterValue", cw.put_metric_alarm, AlarmName="cased",
                Namespace="N", MetricName="m", Statistic="Sum", Period=60,
                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                Tags=[{"Key": "AWS:x", "Value": "1"}])
        self.assertEqual(cw.describe_alarms(AlarmNames=["cased"])["MetricAlarms"], [])
        cfn = self.server.boto3_client("cloudformation")
        refused("ValidationError", cfn.create_stack, StackName="cased",
                TemplateBody='{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}',
                Tags=[{"Key": "Aws:x", "Value": "1"}])


if __name__ == "__main__":
    unittest.main()
