"""CloudFormation's stack API around the engine against a real server:
stack tags reaching the resources with the aws:cloudformation:* tags and
changed by an update, OnFailure DELETE, DisableRollback with RollbackStack,
UpdateStack and DeleteStack from UPDATE_FAILED (what the failed update made
kept by its own DeletionPolicy), UpdateStack from CREATE_FAILED, change
sets with IncludeNestedStacks (nested stacks two deep, and nested stacks a
new stack's change set adds) and a nested stack's
termination protection, resource import (IMPORT change sets),
stack policies stored and denying an update, ListImports with the
exporter's delete refused, termination protection and NoEcho parameters, a delete that fails on a
bucket with objects (DELETE_FAILED) finished by DeleteStack with
RetainResources (and another by the CLI's --deletion-mode
FORCE_DELETE_STACK), the CLI's describe-stack-events, through boto3 (both
generations) and the AWS CLI."""

import json
import unittest

from harness import ServerTestCase, require_boto3, stack_settled

TAGGED = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: env, Value: dev}]}
  Topic: {Type: AWS::SNS::Topic}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Bucket: {Type: AWS::S3::Bucket}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(event, context):\n    return 1\n"}
"""

FAILING = """
Resources:
  Good: {Type: AWS::SQS::Queue}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {VisibilityTimeout: 999999}
"""

QUEUE = """
Parameters:
  Timeout: {Type: Number, Default: 30}
  Secret: {Type: String, NoEcho: true, Default: hunter2}
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Timeout
      Tags: [{Key: secret, Value: !Ref Secret}]
Outputs:
  Url: {Value: !Ref Good, Export: {Name: !Sub "${AWS::StackName}-url"}}
"""

IMPORTER = """
Parameters:
  From: {Type: String}
Resources:
  User:
    Type: AWS::SQS::Queue
    Properties: {Tags: [{Key: upstream, Value: {"Fn::ImportValue": !Sub "${From}-url"}}]}
"""

BASE = """
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: e2e-uf-a}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
"""

# Named replaced, Keep changed, Extra made, then Bad fails.
REPLACE_AND_BAD = """
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: e2e-uf-b}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Extra: {Type: AWS::SQS::Queue}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: [Named, Keep, Extra]
    Properties: {VisibilityTimeout: 999999}
"""

FIXED = """
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: e2e-uf-b}
  Keep:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: [Named, Keep]
    Properties: {VisibilityTimeout: 10}
"""

CHILD = """
Parameters:
  Timeout: {Type: Number}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Timeout}
Outputs:
  Url: {Value: !Ref Queue}
"""

PARENT = """
Parameters:
  Timeout: {Type: Number, Default: 30}
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://e2e-nested-templates/child.yaml
      Parameters: {Timeout: !Ref Timeout}
Outputs:
  Url: {Value: !GetAtt Child.Outputs.Url}
"""

MID = """
Parameters:
  Timeout: {Type: Number}
Resources:
  Inner:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: s3://e2e-nested-templates/child.yaml
      Parameters: {Timeout: !Ref Timeout}
Outputs:
  Url: {Value: !GetAtt Inner.Outputs.Url}
"""

GRANDPARENT = PARENT.replace("child.yaml", "mid.yaml")

IMPORTED = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties: {BucketName: e2e-import-bucket}
  Queue:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: {QueueName: e2e-import-queue}
"""

IMPORTED_TABLE = IMPORTED + """  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: e2e-import-missing
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""

DENY_GOOD = json.dumps({"Statement": [
    {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "LogicalResourceId/Good"}]})


class StackApiTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.cfn = self.server.boto3_client("cloudformation")
        self.sqs = self.server.boto3_client("sqs")

    def settled(self, stack):
        return stack_settled(self.cfn, stack, 60)

    def physical(self, stack, logical):
        return self.cfn.describe_stack_resource(
            StackName=stack, LogicalResourceId=logical)["StackResourceDetail"]["PhysicalResourceId"]

    def reasons(self, stack):
        events = self.cfn.describe_stack_events(StackName=stack)["StackEvents"]
        return "\n".join(e.get("ResourceStatusReason", "") for e in events)

    def test_stack_tags_reach_the_resources(self):
        stack_id = self.cfn.create_stack(StackName="tagged", TemplateBody=TAGGED,
                                         Capabilities=["CAPABILITY_IAM"],
                                         Tags=[{"Key": "team", "Value": "core"}])["StackId"]
        self.assertEqual(self.settled("tagged")["StackStatus"], "CREATE_COMPLETE",
                         self.reasons("tagged"))

        def pairs(tags):
            return {t["Key"]: t["Value"] for t in tags}

        sns = self.server.boto3_client("sns")
        ddb = self.server.boto3_client("dynamodb")
        s3 = self.server.boto3_client("s3")
        events = self.server.boto3_client("events")
        lam = self.server.boto3_client("lambda")
        iam = self.server.boto3_client("iam")
        url = self.physical("tagged", "Queue")
        topic = self.physical("tagged", "Topic")
        table = ddb.describe_table(TableName=self.physical("tagged", "Table"))["Table"]["TableArn"]
        bucket = self.physical("tagged", "Bucket")
        bus = events.describe_event_bus(Name="tagged-bus")["Arn"]
        function = lam.get_function(
            FunctionName=self.physical("tagged", "Function"))["Configuration"]["FunctionArn"]
        role = self.physical("tagged", "Role")
        now = {
            "Queue": lambda: self.sqs.list_queue_tags(QueueUrl=url)["Tags"],
            "Topic": lambda: pairs(sns.list_tags_for_resource(ResourceArn=topic)["Tags"]),
            "Table": lambda: pairs(ddb.list_tags_of_resource(ResourceArn=table)["Tags"]),
            "Bucket": lambda: pairs(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]),
            "Bus": lambda: pairs(events.list_tags_for_resource(ResourceARN=bus)["Tags"]),
            "Function": lambda: lam.list_tags(Resource=function)["Tags"],
            "Role": lambda: pairs(iam.list_role_tags(RoleName=role)["Tags"]),
        }

        # Every resource gets the aws:cloudformation:* tags, which the
        # services refuse from any other caller (README: Stack tags).
        def expected(logical, **own):
            return dict(own, **{"aws:cloudformation:stack-name": "tagged",
                                "aws:cloudformation:stack-id": stack_id,
                                "aws:cloudformation:logical-id": logical})

        for logical, tags in now.items():
            own = {"env": "dev"} if logical == "Queue" else {}
            self.assertEqual(tags(), expected(logical, team="core", **own), logical)

        # Neither may a stack's Tags have aws: keys.
        aws_tag = [{"Key": "aws:cloudformation:stack-name", "Value": "other"}]
        with self.assertRaises(self.cfn.exceptions.ClientError) as cm:
            self.cfn.create_stack(StackName="mine", TemplateBody=TAGGED, Tags=aws_tag)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "aws: prefixed tag key names are not allowed for external use.")

        self.cfn.update_stack(StackName="tagged", UsePreviousTemplate=True,
                              Capabilities=["CAPABILITY_IAM"],
                              Tags=[{"Key": "team", "Value": "edge"}])
        self.assertEqual(self.settled("tagged")["StackStatus"], "UPDATE_COMPLETE",
                         self.reasons("tagged"))
        self.assertEqual(self.physical("tagged", "Queue"), url)
        for logical, tags in now.items():
            own = {"env": "dev"} if logical == "Queue" else {}
            self.assertEqual(tags(), expected(logical, team="edge", **own), logical)
        self.cfn.delete_stack(StackName="tagged")

    def test_on_failure_delete_and_rollback_stack(self):
        stack_id = self.cfn.create_stack(StackName="od", TemplateBody=FAILING,
                                         OnFailure="DELETE")["StackId"]
        s = self.settled(stack_id)
        self.assertEqual(s["StackStatus"], "DELETE_COMPLETE")
        self.assertIn("The following resource(s) failed to create: [Bad]. Delete requested by user.",
                      self.reasons(stack_id))
        with self.assertRaises(self.cfn.exceptions.ClientError):
            self.cfn.describe_stacks(StackName="od")

        self.cfn.create_stack(StackName="dr", TemplateBody=FAILING, DisableRollback=True)
        s = self.settled("dr")
        self.assertEqual(s["StackStatus"], "CREATE_FAILED")
        good = self.physical("dr", "Good")
        self.sqs.get_queue_attributes(QueueUrl=good)  # kept for a look
        self.cfn.rollback_stack(StackName="dr")
        self.assertEqual(self.settled("dr")["StackStatus"], "ROLLBACK_COMPLETE")
        with self.assertRaises(self.sqs.exceptions.ClientError):
            self.sqs.get_queue_attributes(QueueUrl=good)
        self.cfn.delete_stack(StackName="dr")

    def queue_names(self):
        urls = self.sqs.list_queues(QueueNamePrefix="e2e-uf-").get("QueueUrls", [])
        return sorted(u.rsplit("/", 1)[1] for u in urls)

    def test_update_and_delete_from_update_failed(self):
        uf = self.cfn.create_stack(StackName="uf", TemplateBody=BASE)["StackId"]
        self.assertEqual(self.settled("uf")["StackStatus"], "CREATE_COMPLETE")
        self.cfn.update_stack(StackName="uf", TemplateBody=REPLACE_AND_BAD, DisableRollback=True)
        self.assertEqual(self.settled("uf")["StackStatus"], "UPDATE_FAILED")
        extra = self.physical("uf", "Extra")
        self.assertEqual(self.queue_names(), ["e2e-uf-a", "e2e-uf-b"])
        # The fix goes on from there: Bad made, Extra and the replaced
        # e2e-uf-a deleted in the cleanup.
        self.cfn.update_stack(StackName="uf", TemplateBody=FIXED)
        s = self.settled("uf")
        self.assertEqual(s["StackStatus"], "UPDATE_COMPLETE", self.reasons("uf"))
        self.assertEqual(self.queue_names(), ["e2e-uf-b"])
        with self.assertRaises(self.sqs.exceptions.ClientError):
            self.sqs.get_queue_attributes(QueueUrl=extra)
        keep = self.physical("uf", "Keep")
        attrs = self.sqs.get_queue_attributes(QueueUrl=keep, AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "60")
        self.cfn.delete_stack(StackName="uf")
        self.assertEqual(self.settled(uf)["StackStatus"], "DELETE_COMPLETE")

        # DeleteStack from UPDATE_FAILED takes what the update replaced too.
        ud = self.cfn.create_stack(StackName="ud", TemplateBody=BASE)["StackId"]
        self.assertEqual(self.settled("ud")["StackStatus"], "CREATE_COMPLETE")
        keep = self.physical("ud", "Keep")
        self.cfn.update_stack(StackName="ud", TemplateBody=REPLACE_AND_BAD, DisableRollback=True)
        self.assertEqual(self.settled("ud")["StackStatus"], "UPDATE_FAILED")
        extra = self.physical("ud", "Extra")
        self.cfn.delete_stack(StackName="ud")
        self.assertEqual(self.settled(ud)["StackStatus"], "DELETE_COMPLETE")
        self.assertEqual(self.queue_names(), [])
        for url in (keep, extra):
            with self.assertRaises(self.sqs.exceptions.ClientError):
                self.sqs.get_queue_attributes(QueueUrl=url)

    def test_what_a_failed_update_made_keeps_its_deletion_policy(self):
        rt = self.cfn.create_stack(StackName="rt", TemplateBody=BASE)["StackId"]
        self.assertEqual(self.settled("rt")["StackStatus"], "CREATE_COMPLETE")
        retaining = REPLACE_AND_BAD.replace("  Extra: {Type: AWS::SQS::Queue}",
                                            "  Extra: {Type: AWS::SQS::Queue, DeletionPolicy: Retain}")
        self.cfn.update_stack(StackName="rt", TemplateBody=retaining, DisableRollback=True)
        self.assertEqual(self.settled("rt")["StackStatus"], "UPDATE_FAILED")
        extra = self.physical("rt", "Extra")
        # The fix drops Extra; the failed update's template retained it.
        self.cfn.update_stack(StackName="rt", TemplateBody=FIXED)
        self.assertEqual(self.settled("rt")["StackStatus"], "UPDATE_COMPLETE", self.reasons("rt"))
        self.sqs.get_queue_attributes(QueueUrl=extra)
        self.cfn.delete_stack(StackName="rt")
        self.assertEqual(self.settled(rt)["StackStatus"], "DELETE_COMPLETE")
        self.sqs.get_queue_attributes(QueueUrl=extra)
        self.sqs.delete_queue(QueueUrl=extra)

    def test_update_from_create_failed(self):
        cu = self.cfn.create_stack(StackName="cu", TemplateBody=FAILING,
                                   DisableRollback=True)["StackId"]
        self.assertEqual(self.settled("cu")["StackStatus"], "CREATE_FAILED")
        good = self.physical("cu", "Good")
        # The fix goes on from what the create made: Good kept, Bad made.
        fixed = FAILING.replace("VisibilityTimeout: 999999", "VisibilityTimeout: 20")
        self.cfn.update_stack(StackName="cu", TemplateBody=fixed)
        s = self.settled("cu")
        self.assertEqual(s["StackStatus"], "UPDATE_COMPLETE", self.reasons("cu"))
        self.assertEqual(self.physical("cu", "Good"), good)
        bad = self.physical("cu", "Bad")
        attrs = self.sqs.get_queue_attributes(QueueUrl=bad, AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "20")
        self.cfn.delete_stack(StackName="cu")
        self.assertEqual(self.settled(cu)["StackStatus"], "DELETE_COMPLETE")
        with self.assertRaises(self.sqs.exceptions.ClientError):
            self.sqs.get_queue_attributes(QueueUrl=good)

    def test_nested_stacks_have_their_roots_termination_protection(self):
        s = self.nested_stack("nest", EnableTerminationProtection=True)
        child = self.physical("nest", "Child")
        # The nested stack has its root's termination protection.
        nested = self.cfn.describe_stacks(StackName=child)["Stacks"][0]
        self.assertTrue(nested["EnableTerminationProtection"])
        self.assertEqual(nested["RootId"], s["StackId"])
        with self.assertRaises(self.cfn.exceptions.ClientError):
            self.cfn.delete_stack(StackName=child)
        self.cfn.update_termination_protection(StackName="nest", EnableTerminationProtection=False)
        self.cfn.delete_stack(StackName="nest")
        self.assertEqual(stack_settled(self.cfn, s["StackId"], 60)["StackStatus"], "DELETE_COMPLETE")

    def nested_templates(self):
        """child.yaml and mid.yaml in the bucket the nested stacks read."""
        s3 = self.server.boto3_client("s3")
        try:
            s3.create_bucket(Bucket="e2e-nested-templates")
        except s3.exceptions.ClientError:
            pass  # made by another test
        s3.put_object(Bucket="e2e-nested-templates", Key="child.yaml", Body=CHILD.encode())
        s3.put_object(Bucket="e2e-nested-templates", Key="mid.yaml", Body=MID.encode())

    def nested_stack(self, name, **kwargs):
        self.nested_templates()
        self.cfn.create_stack(StackName=name, TemplateBody=PARENT, **kwargs)
        s = self.settled(name)
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", self.reasons(name))
        return s

    def test_change_set_with_nested_stacks(self):
        s = self.nested_stack("deep")
        url = s["Outputs"][0]["OutputValue"]
        child = self.physical("deep", "Child")
        root = self.cfn.create_change_set(
            StackName="deep", ChangeSetName="deeper", UsePreviousTemplate=True,
            IncludeNestedStacks=True,
            Parameters=[{"ParameterKey": "Timeout", "ParameterValue": "45"}])["Id"]
        described = self.cfn.describe_change_set(StackName="deep", ChangeSetName="deeper")
        self.assertTrue(described["IncludeNestedStacks"])
        [change] = described["Changes"]
        self.assertEqual(change["ResourceChange"]["LogicalResourceId"], "Child")
        inner = self.cfn.describe_change_set(ChangeSetName=change["ResourceChange"]["ChangeSetId"])
        self.assertEqual(inner["ParentChangeSetId"], root)
        self.assertEqual(inner["RootChangeSetId"], root)
        self.assertEqual(inner["StackId"], child)
        [queue] = inner["Changes"]
        self.assertEqual(queue["ResourceChange"]["LogicalResourceId"], "Queue")
        self.assertEqual(queue["ResourceChange"]["Action"], "Modify")

        self.cfn.execute_change_set(StackName="deep", ChangeSetName="deeper")
        self.assertEqual(self.settled("deep")["StackStatus"], "UPDATE_COMPLETE")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "45")
        self.cfn.delete_stack(StackName="deep")
        self.assertEqual(stack_settled(self.cfn, s["StackId"], 60)["StackStatus"], "DELETE_COMPLETE")

    def test_change_sets_two_deep(self):
        self.nested_templates()
        self.cfn.create_stack(StackName="grand", TemplateBody=GRANDPARENT)
        s = self.settled("grand")
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", self.reasons("grand"))
        url = s["Outputs"][0]["OutputValue"]
        root = self.cfn.create_change_set(
            StackName="grand", ChangeSetName="down", UsePreviousTemplate=True,
            IncludeNestedStacks=True,
            Parameters=[{"ParameterKey": "Timeout", "ParameterValue": "45"}])["Id"]
        [mid] = self.cfn.describe_change_set(ChangeSetName=root)["Changes"]
        mid = self.cfn.describe_change_set(ChangeSetName=mid["ResourceChange"]["ChangeSetId"])
        self.assertEqual(mid["ParentChangeSetId"], root)
        [inner] = mid["Changes"]
        self.assertEqual(inner["ResourceChange"]["LogicalResourceId"], "Inner")
        inner = self.cfn.describe_change_set(ChangeSetName=inner["ResourceChange"]["ChangeSetId"])
        self.assertEqual(inner["ParentChangeSetId"], mid["ChangeSetId"])
        self.assertEqual(inner["RootChangeSetId"], root)
        [queue] = inner["Changes"]
        self.assertEqual(queue["ResourceChange"]["LogicalResourceId"], "Queue")
        self.cfn.execute_change_set(ChangeSetName=root)
        self.assertEqual(self.settled("grand")["StackStatus"], "UPDATE_COMPLETE")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "45")
        self.cfn.delete_stack(StackName="grand")

    def test_change_set_adding_nested_stacks(self):
        # A new stack's change set: the nested stack it adds, and the one
        # that adds in turn, get CREATE change sets on placeholder stacks
        # (REVIEW_IN_PROGRESS) that go when the root is executed.
        self.nested_templates()
        root = self.cfn.create_change_set(
            StackName="adding", ChangeSetName="first", ChangeSetType="CREATE",
            TemplateBody=GRANDPARENT, IncludeNestedStacks=True)["Id"]
        self.cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=root)
        [child] = self.cfn.describe_change_set(ChangeSetName=root)["Changes"]
        self.assertEqual(child["ResourceChange"]["Action"], "Add")
        mid = self.cfn.describe_change_set(ChangeSetName=child["ResourceChange"]["ChangeSetId"])
        self.assertEqual(mid["ParentChangeSetId"], root)
        placeholder = self.cfn.describe_stacks(StackName=mid["StackId"])["Stacks"][0]
        self.assertEqual(placeholder["StackStatus"], "REVIEW_IN_PROGRESS")
        [inner] = mid["Changes"]
        self.assertEqual((inner["ResourceChange"]["LogicalResourceId"],
                          inner["ResourceChange"]["Action"]), ("Inner", "Add"))
        inner = self.cfn.describe_change_set(ChangeSetName=inner["ResourceChange"]["ChangeSetId"])
        self.assertEqual(inner["RootChangeSetId"], root)
        [queue] = inner["Changes"]
        self.assertEqual((queue["ResourceChange"]["LogicalResourceId"],
                          queue["ResourceChange"]["Action"]), ("Queue", "Add"))

        self.cfn.execute_change_set(ChangeSetName=root)
        s = self.settled("adding")
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", self.reasons("adding"))
        attrs = self.sqs.get_queue_attributes(QueueUrl=s["Outputs"][0]["OutputValue"],
                                              AttributeNames=["VisibilityTimeout"])
        self.assertEqual(attrs["Attributes"]["VisibilityTimeout"], "30")
        for placeholder in (mid["StackId"], inner["StackId"]):
            self.assertEqual(stack_settled(self.cfn, placeholder, 60)["StackStatus"],
                             "DELETE_COMPLETE")
        self.cfn.delete_stack(StackName="adding")

    def test_import_existing_resources(self):
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="e2e-import-bucket")
        queue_url = self.sqs.create_queue(QueueName="e2e-import-queue")["QueueUrl"]
        summary = self.cfn.get_template_summary(TemplateBody=IMPORTED)
        self.assertEqual(
            {i["ResourceType"]: i["ResourceIdentifiers"]
             for i in summary["ResourceIdentifierSummaries"]},
            {"AWS::S3::Bucket": ["BucketName"], "AWS::SQS::Queue": ["QueueUrl"]})
        to_import = [
            {"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Bucket",
             "ResourceIdentifier": {"BucketName": "e2e-import-bucket"}},
            {"ResourceType": "AWS::SQS::Queue", "LogicalResourceId": "Queue",
             "ResourceIdentifier": {"QueueUrl": queue_url}}]
        # Without a DeletionPolicy: refused, nothing made.
        with self.assertRaises(self.cfn.exceptions.ClientError) as e:
            self.cfn.create_change_set(
                StackName="adopted", ChangeSetName="imp", ChangeSetType="IMPORT",
                TemplateBody=IMPORTED.replace("    DeletionPolicy: Retain\n", ""),
                ResourcesToImport=to_import)
        self.assertIn("The following resources to import [Bucket, Queue] must have "
                      "DeletionPolicy attribute specified in the template.", str(e.exception))

        made = self.cfn.create_change_set(
            StackName="adopted", ChangeSetName="imp", ChangeSetType="IMPORT",
            TemplateBody=IMPORTED, ResourcesToImport=to_import)
        self.assertEqual(self.cfn.describe_stacks(StackName="adopted")["Stacks"][0]["StackStatus"],
                         "REVIEW_IN_PROGRESS")
        described = self.cfn.describe_change_set(ChangeSetName=made["Id"])
        self.assertEqual({c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Action"]
                          for c in described["Changes"]}, {"Bucket": "Import", "Queue": "Import"})
        self.cfn.execute_change_set(ChangeSetName=made["Id"])
        self.assertEqual(self.settled("adopted")["StackStatus"], "IMPORT_COMPLETE",
                         self.reasons("adopted"))
        self.assertEqual(self.physical("adopted", "Queue"), queue_url)
        events = self.cfn.describe_stack_events(StackName="adopted")["StackEvents"]
        self.assertIn(("Bucket", "IMPORT_COMPLETE"),
                      [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events])

        # A table that is not there: the import rolls back, nothing deleted.
        self.cfn.create_change_set(
            StackName="adopted", ChangeSetName="more", ChangeSetType="IMPORT",
            TemplateBody=IMPORTED_TABLE,
            ResourcesToImport=[{"ResourceType": "AWS::DynamoDB::Table",
                                "LogicalResourceId": "Table",
                                "ResourceIdentifier": {"TableName": "e2e-import-missing"}}])
        self.cfn.execute_change_set(StackName="adopted", ChangeSetName="more")
        self.assertEqual(self.settled("adopted")["StackStatus"], "IMPORT_ROLLBACK_COMPLETE")
        self.assertIn("with identifier 'e2e-import-missing' was not found", self.reasons("adopted"))
        resources = self.cfn.list_stack_resources(StackName="adopted")["StackResourceSummaries"]
        self.assertEqual(sorted(r["LogicalResourceId"] for r in resources), ["Bucket", "Queue"])

        # The stack's delete keeps them (Retain).
        self.cfn.delete_stack(StackName="adopted")
        self.assertEqual(stack_settled(self.cfn, made["StackId"], 60)["StackStatus"],
                         "DELETE_COMPLETE")
        s3.head_bucket(Bucket="e2e-import-bucket")
        self.sqs.get_queue_attributes(QueueUrl=queue_url)

    def test_policy_imports_protection_and_no_echo(self):
        self.cfn.create_stack(StackName="base", TemplateBody=QUEUE, StackPolicyBody=DENY_GOOD,
                              EnableTerminationProtection=True)
        s = self.settled("base")
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual({p["ParameterKey"]: p["ParameterValue"] for p in s["Parameters"]},
                         {"Timeout": "30", "Secret": "****"})
        self.assertNotIn("hunter2", json.dumps(
            self.cfn.describe_stack_events(StackName="base")["StackEvents"], default=str))
        self.assertEqual(json.loads(self.cfn.get_stack_policy(StackName="base")["StackPolicyBody"]),
                         json.loads(DENY_GOOD))

        # The policy denies the queue's change: rolled back with AWS's words.
        self.cfn.update_stack(StackName="base", UsePreviousTemplate=True,
                              Parameters=[{"ParameterKey": "Timeout", "ParameterValue": "60"},
                                          {"ParameterKey": "Secret", "UsePreviousValue": True}])
        self.assertEqual(self.settled("base")["StackStatus"], "UPDATE_ROLLBACK_COMPLETE")
        self.assertIn("Action denied by stack policy: Statement [#2] does not allow "
                      "[Update:Modify] for resource [LogicalResourceId/Good]", self.reasons("base"))

        # Termination protection refuses the delete.
        with self.assertRaises(self.cfn.exceptions.ClientError) as e:
            self.cfn.delete_stack(StackName="base")
        self.assertIn("cannot be deleted while TerminationProtection is enabled", str(e.exception))
        self.cfn.update_termination_protection(StackName="base", EnableTerminationProtection=False)

        # An importer keeps the export, and so the exporting stack.
        with self.assertRaises(self.cfn.exceptions.ClientError) as e:
            self.cfn.list_imports(ExportName="base-url")
        self.assertIn("Export 'base-url' is not imported by any stack.", str(e.exception))
        self.cfn.create_stack(StackName="user", TemplateBody=IMPORTER,
                              Parameters=[{"ParameterKey": "From", "ParameterValue": "base"}])
        self.assertEqual(self.settled("user")["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual(self.cfn.list_imports(ExportName="base-url")["Imports"], ["user"])
        self.cfn.delete_stack(StackName="base")
        s = self.settled("base")
        self.assertEqual(s["StackStatus"], "UPDATE_ROLLBACK_COMPLETE")
        self.assertEqual(s["StackStatusReason"],
                         "Export base-url cannot be deleted as it is in use by user")

        self.cfn.delete_stack(StackName="user")
        self.cfn.delete_stack(StackName="base")
        with self.assertRaises(self.cfn.exceptions.ClientError):
            self.cfn.describe_stacks(StackName="base")

    def test_cli(self):
        code, out, _ = self.server.aws_cli(
            "cloudformation", "create-stack", "--stack-name", "cli", "--template-body", FAILING,
            "--on-failure", "DO_NOTHING", "--tags", "Key=team,Value=cli")
        stack_id = json.loads(out)["StackId"]
        self.assertEqual(self.settled(stack_id)["StackStatus"], "CREATE_FAILED")
        tags = self.sqs.list_queue_tags(QueueUrl=self.physical("cli", "Good"))["Tags"]
        self.assertEqual(tags, {"team": "cli", "aws:cloudformation:stack-name": "cli",
                                "aws:cloudformation:stack-id": stack_id,
                                "aws:cloudformation:logical-id": "Good"})
        self.server.aws_cli("cloudformation", "rollback-stack", "--stack-name", "cli")
        self.assertEqual(self.settled("cli")["StackStatus"], "ROLLBACK_COMPLETE")
        self.server.aws_cli("cloudformation", "set-stack-policy", "--stack-name", "cli",
                            "--stack-policy-body", DENY_GOOD)
        code, out, _ = self.server.aws_cli("cloudformation", "get-stack-policy",
                                           "--stack-name", "cli")
        self.assertEqual(json.loads(json.loads(out)["StackPolicyBody"]), json.loads(DENY_GOOD))
        code, _, err = self.server.aws_cli("cloudformation", "list-imports", "--export-name",
                                           "nothing", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("Export 'nothing' is not imported by any stack.", err)
        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "cli")

    def test_retain_resources_after_a_failed_delete(self):
        # AWS's own example: a bucket that still holds objects cannot be
        # deleted, so the stack stops at DELETE_FAILED; RetainResources lets
        # the stack go and leaves the bucket.
        body = ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
                "    Properties: {BucketName: e2e-retained-bucket}\n"
                "  Queue: {Type: AWS::SQS::Queue, DependsOn: Bucket}\n")
        stack_id = self.cfn.create_stack(StackName="retain", TemplateBody=body)["StackId"]
        self.assertEqual(self.settled("retain")["StackStatus"], "CREATE_COMPLETE")
        s3 = self.server.boto3_client("s3")
        s3.put_object(Bucket="e2e-retained-bucket", Key="keep.txt", Body=b"data")
        with self.assertRaises(self.cfn.exceptions.ClientError) as early:
            self.cfn.delete_stack(StackName="retain", RetainResources=["Bucket"])
        self.assertIn("RetainResources can only be specified for a stack in DELETE_FAILED state",
                      str(early.exception))
        self.cfn.delete_stack(StackName="retain")
        s = self.settled("retain")
        self.assertEqual(s["StackStatus"], "DELETE_FAILED")
        self.assertIn("The following resource(s) failed to delete: [Bucket].",
                      s["StackStatusReason"])
        failed = self.cfn.describe_stack_resource(StackName="retain", LogicalResourceId="Bucket")
        self.assertEqual(failed["StackResourceDetail"]["ResourceStatus"], "DELETE_FAILED")

        self.cfn.delete_stack(StackName="retain", RetainResources=["Bucket"])
        self.assertEqual(self.settled(stack_id)["StackStatus"], "DELETE_COMPLETE")
        self.assertEqual(s3.get_object(Bucket="e2e-retained-bucket", Key="keep.txt")["Body"].read(),
                         b"data")
        s3.delete_object(Bucket="e2e-retained-bucket", Key="keep.txt")
        s3.delete_bucket(Bucket="e2e-retained-bucket")
        # The CLI reads the events of the deleted stack by its id (every
        # page of them).
        code, out, _ = self.server.aws_cli("cloudformation", "describe-stack-events",
                                           "--stack-name", stack_id)
        events = json.loads(out)["StackEvents"]
        self.assertEqual(events[0]["ResourceStatus"], "DELETE_COMPLETE")
        self.assertIn(("Bucket", "DELETE_SKIPPED"),
                      [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events])
        self.assertEqual(events[-1]["ResourceStatus"], "CREATE_IN_PROGRESS")
        # The CLI's --deletion-mode FORCE_DELETE_STACK skips what failed.
        forced = self.cfn.create_stack(
            StackName="forced", TemplateBody=body.replace("e2e-retained", "e2e-forced"))["StackId"]
        self.assertEqual(self.settled("forced")["StackStatus"], "CREATE_COMPLETE")
        s3.put_object(Bucket="e2e-forced-bucket", Key="keep.txt", Body=b"data")
        self.cfn.delete_stack(StackName="forced")
        self.assertEqual(self.settled("forced")["StackStatus"], "DELETE_FAILED")
        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "forced",
                            "--deletion-mode", "FORCE_DELETE_STACK")
        self.assertEqual(stack_settled(self.cfn, forced, 60)["StackStatus"], "DELETE_COMPLETE")
        s3.delete_object(Bucket="e2e-forced-bucket", Key="keep.txt")
        s3.delete_bucket(Bucket="e2e-forced-bucket")

    def test_import_with_the_cli(self):
        url = self.sqs.create_queue(QueueName="e2e-import-cli")["QueueUrl"]
        body = ("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain\n"
                "    Properties: {QueueName: e2e-import-cli}\n")
        resources = json.dumps([{"ResourceType": "AWS::SQS::Queue", "LogicalResourceId": "Queue",
                                 "ResourceIdentifier": {"QueueUrl": url}}])
        self.server.aws_cli("cloudformation", "create-change-set", "--stack-name", "cli-import",
                            "--change-set-name", "imp", "--change-set-type", "IMPORT",
                            "--template-body", body, "--resources-to-import", resources)
        self.server.aws_cli("cloudformation", "wait", "change-set-create-complete",
                            "--stack-name", "cli-import", "--change-set-name", "imp")
        self.server.aws_cli("cloudformation", "execute-change-set", "--stack-name", "cli-import",
                            "--change-set-name", "imp")
        self.server.aws_cli("cloudformation", "wait", "stack-import-complete",
                            "--stack-name", "cli-import")
        self.assertEqual(self.physical("cli-import", "Queue"), url)
        # Importing it again, into another stack, is refused.
        code, _, err = self.server.aws_cli(
            "cloudformation", "create-change-set", "--stack-name", "cli-import-2",
            "--change-set-name", "imp", "--change-set-type", "IMPORT", "--template-body", body,
            "--resources-to-import", resources, check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("Resources [Queue] passed in ResourceToImport are already in a stack", err)
        self.server.aws_cli("cloudformation", "delete-stack", "--stack-name", "cli-import")


if __name__ == "__main__":
    unittest.main()
