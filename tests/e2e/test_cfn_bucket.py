"""CloudFormation's AWS::S3::Bucket with its configurations applied through
S3 against a real server (boto3): a bucket whose NotificationConfiguration
sends .txt uploads under in/ to a queue (with the QueuePolicy AWS asks for),
whose CorsConfiguration answers a browser's preflight, with versioning,
lifecycle rules and tags; an object put lands as an S3 event record in the
queue; an update dropping CORS and the notification takes both away. An
AWS::IAM::InstanceProfile holds its role and is gone with the stack."""

import json
import unittest
import urllib.error
import urllib.request

from harness import ServerTestCase, require_boto3, stack_settled

ORIGIN = "https://app.example.com"

TEMPLATE = """
Parameters:
  Configured: {Type: String, Default: "yes"}
Conditions:
  On: !Equals [!Ref Configured, "yes"]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: QueuePolicy
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags: [{Key: team, Value: web}]
      LifecycleConfiguration:
        Rules: [{Id: tmp, Status: Enabled, Prefix: tmp/, ExpirationInDays: 1}]
      CorsConfiguration: !If
        - On
        - CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: ['https://app.example.com'], AllowedHeaders: ['*'], MaxAge: 600}]
        - !Ref AWS::NoValue
      NotificationConfiguration: !If
        - On
        - QueueConfigurations:
            - Event: s3:ObjectCreated:*
              Queue: !GetAtt Queue.Arn
              Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: suffix, Value: .txt}]}}
        - !Ref AWS::NoValue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: {Roles: [!Ref Role]}
Outputs:
  Bucket: {Value: !Ref Bucket}
  QueueUrl: {Value: !Ref Queue}
  Profile: {Value: !Ref Profile}
  ProfileArn: {Value: !GetAtt Profile.Arn}
"""


class CfnBucketTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")
        self.s3 = self.server.boto3_client("s3")
        self.sqs = self.server.boto3_client("sqs")

    def deploy(self, configured, update=False):
        call = self.cfn.update_stack if update else self.cfn.create_stack
        call(StackName="site", TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"],
             Parameters=[{"ParameterKey": "Configured", "ParameterValue": configured}])
        s = stack_settled(self.cfn, "site", 60)
        self.assertEqual(s["StackStatus"], "UPDATE_COMPLETE" if update else "CREATE_COMPLETE",
                         s.get("StackStatusReason"))
        return {o["OutputKey"]: o["OutputValue"] for o in s["Outputs"]}

    def preflight(self, bucket):
        req = urllib.request.Request("%s/%s/in/a.txt" % (self.server.endpoint, bucket),
                                     method="OPTIONS")
        req.add_header("Origin", ORIGIN)
        req.add_header("Access-Control-Request-Method", "PUT")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.headers

    def events(self, queue_url, wait=5):
        """The S3 event records in the queue (the s3:TestEvent skipped)."""
        records = []
        for _ in range(3):
            got = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=wait).get("Messages", [])
            for m in got:
                body = json.loads(m["Body"])
                records += body.get("Records", [])
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            if records:
                break
        return records

    def test_bucket_configurations_applied_and_removed(self):
        out = self.deploy("yes")
        bucket, queue_url = out["Bucket"], out["QueueUrl"]

        # What S3 holds.
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=bucket)["Status"], "Enabled")
        tags = self.s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        self.assertEqual([t for t in tags if not t["Key"].startswith("aws:")],
                         [{"Key": "team", "Value": "web"}])
        self.assertIn({"Key": "aws:cloudformation:logical-id", "Value": "Bucket"}, tags)
        rules = self.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        self.assertEqual(rules[0]["Expiration"]["Days"], 1)

        # The notification: only in/*.txt arrives, as S3's event record.
        self.s3.put_object(Bucket=bucket, Key="out/skip.txt", Body=b"no")
        self.s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"hello")
        records = self.events(queue_url)
        self.assertEqual([r["s3"]["object"]["key"] for r in records], ["in/a.txt"])
        self.assertEqual(records[0]["eventName"], "ObjectCreated:Put")
        self.assertEqual(records[0]["s3"]["bucket"]["name"], bucket)

        # The CORS rule answers a browser's preflight.
        status, headers = self.preflight(bucket)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], ORIGIN)
        self.assertEqual(headers["Access-Control-Max-Age"], "600")

        # The instance profile holds the role.
        iam = self.server.boto3_client("iam")
        profile = iam.get_instance_profile(InstanceProfileName=out["Profile"])["InstanceProfile"]
        self.assertEqual(profile["Arn"], out["ProfileArn"])
        self.assertEqual(len(profile["Roles"]), 1)

        # The update takes CORS and the notification away, in place.
        out2 = self.deploy("no", update=True)
        self.assertEqual(out2["Bucket"], bucket)
        status, _ = self.preflight(bucket)
        self.assertEqual(status, 403)
        config = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertNotIn("QueueConfigurations", config)
        self.s3.put_object(Bucket=bucket, Key="in/b.txt", Body=b"quiet")
        self.assertEqual(self.events(queue_url, wait=1), [])

        # A versioned bucket with objects: emptied before the delete.
        versions = self.s3.list_object_versions(Bucket=bucket)
        for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
            self.s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        stack_id = self.cfn.describe_stacks(StackName="site")["Stacks"][0]["StackId"]
        self.cfn.delete_stack(StackName="site")
        self.assertEqual(stack_settled(self.cfn, stack_id, 60)["StackStatus"], "DELETE_COMPLETE")
        self.assertNotIn(bucket, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])
        with self.assertRaises(iam.exceptions.NoSuchEntityException):
            iam.get_instance_profile(InstanceProfileName=out["Profile"])


if __name__ == "__main__":
    unittest.main()
