"""kill -9 while stacks are being created, then while they are being
deleted: after a restart on the same data directory every stack the server
acknowledged ends in a settled state (a create cut short rolls back, a
delete goes on), and exactly the resources of the CREATE_COMPLETE stacks
exist: nothing half-created is left behind and nothing acknowledged is
lost. And kill -9 while stacks wait on a custom resource's handler (a
create, an update): after the restart the create is rolled back and the
update reverted through the handler (its ResponseURL naming the port the
server came back on), neither left IN_PROGRESS."""

import json
import shutil
import socket
import tempfile
import threading
import time
import unittest

from harness import Server, kill9_under_load, require_boto3, stack_settled, wait_until

# Five resources a stack, created concurrently by the engine, so that a kill
# finds stacks with some resources done and some in flight.
TEMPLATE = json.dumps({
    "Resources": {
        "Q1": {"Type": "AWS::SQS::Queue"},
        "Q2": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 40}},
        "Q3": {"Type": "AWS::SQS::Queue", "DependsOn": "Q1"},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
    },
    "Outputs": {"Queue": {"Value": {"Ref": "Q1"}}},
})

SETTLED_CREATE = {"CREATE_COMPLETE", "ROLLBACK_COMPLETE"}

# A custom resource whose Lambda handler answers (cfn-response style)
# unless its Hang property is "yes": then the stack waits on it, in its
# durable record, until the kill.
WAITING_TEMPLATE = """
Parameters:
  Word: {Type: String}
  Hang: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          import json, urllib.request

          def handler(event, context):
              props = event["ResourceProperties"]
              if props.get("Hang") == "yes" and event["RequestType"] != "Delete":
                  return  # never answers: the stack waits
              body = json.dumps({
                  "Status": "SUCCESS", "PhysicalResourceId": "echo",
                  "StackId": event["StackId"], "RequestId": event["RequestId"],
                  "LogicalResourceId": event["LogicalResourceId"],
                  "Data": {"Word": props["Word"], "Kind": event["RequestType"]}}).encode()
              req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                           headers={"content-type": ""})
              urllib.request.urlopen(req).read()
  Topic: {Type: AWS::SNS::Topic}
  Echo:
    Type: Custom::Echo
    DependsOn: Topic
    Properties:
      ServiceToken: !GetAtt Handler.Arn
      Word: !Ref Word
      Hang: !Ref Hang
Outputs:
  Word: {Value: !GetAtt Echo.Word}
  Kind: {Value: !GetAtt Echo.Kind}
  Topic: {Value: !Ref Topic}
"""


def clients(server):
    from botocore.config import Config
    config = Config(retries={"max_attempts": 1}, max_pool_connections=16)
    return {name: server.boto3_client(name, config=config)
            for name in ("cloudformation", "sqs", "sns", "dynamodb")}


class CfnCrashTest(unittest.TestCase):
    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-cfn-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def settle(self, cfn):
        """Waits until no stack is in progress; answers name -> status of
        every stack (also those whose create the kill cut short before it
        was acknowledged)."""
        deadline = time.time() + 60
        while True:
            status = {}
            for page in cfn.get_paginator("list_stacks").paginate():
                for s in page["StackSummaries"]:
                    status[s["StackName"]] = s["StackStatus"]
            if all(not v.endswith("_IN_PROGRESS") for v in status.values()):
                return status
            self.assertLess(time.time(), deadline, status)
            time.sleep(0.2)

    def existing(self, c):
        """The queues, topics and tables that exist now, by name."""
        queues = set()
        for page in c["sqs"].get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1000}):
            queues |= {u.rsplit("/", 1)[1] for u in page.get("QueueUrls", [])}
        topics = set()
        for page in c["sns"].get_paginator("list_topics").paginate():
            topics |= {t["TopicArn"].rsplit(":", 1)[1] for t in page["Topics"]}
        tables = set()
        for page in c["dynamodb"].get_paginator("list_tables").paginate():
            tables |= set(page["TableNames"])
        return queues | topics | tables

    def stack_resources(self, cfn, name):
        resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
        for r in resources:
            self.assertEqual(r["ResourceStatus"], "CREATE_COMPLETE", (name, r))
        return {r["PhysicalResourceId"].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                for r in resources}

    def test_stack_operations_settle_after_kill_9(self):
        server = Server(data_dir=self.data_dir).start()
        acked = set()
        lock = threading.Lock()

        def creator(n):
            cfn = clients(server)["cloudformation"]

            def create(i):
                name = "s%d-%d" % (n, i)
                cfn.create_stack(StackName=name, TemplateBody=TEMPLATE)
                with lock:
                    acked.add(name)
            return create

        kill9_under_load(server, [creator(n) for n in range(4)], seconds=1.5)
        self.assertGreater(len(acked), 4)

        server = Server(data_dir=self.data_dir).start()
        try:
            c = clients(server)
            status = self.settle(c["cloudformation"])
            self.assertLessEqual(acked, set(status), "an acknowledged stack was lost")
            self.assertLessEqual(set(status.values()), SETTLED_CREATE, status)
            complete = [s for s, v in status.items() if v == "CREATE_COMPLETE"]
            expected = set()
            for name in complete:
                owned = self.stack_resources(c["cloudformation"], name)
                self.assertEqual(len(owned), 5, name)
                expected |= owned
            # Every resource of a complete stack exists, and nothing else:
            # a rolled-back create left nothing behind.
            self.assertEqual(self.existing(c), expected)

            # Now delete every stack and kill the server while the deletes
            # run: each delete that was acknowledged goes on after a restart.
            deleted = set()
            names = sorted(status)

            def deleter(n):
                cfn = clients(server)["cloudformation"]

                def delete(i):
                    k = n + 4 * i
                    if k >= len(names):
                        time.sleep(0.05)
                        return
                    cfn.delete_stack(StackName=names[k])
                    with lock:
                        deleted.add(names[k])
                return delete

            kill9_under_load(server, [deleter(n) for n in range(4)], seconds=0.5)
        finally:
            server.cleanup()

        server = Server(data_dir=self.data_dir).start()
        try:
            c = clients(server)
            # Deleted stacks leave ListStacks' default view as DELETE_COMPLETE.
            status = self.settle(c["cloudformation"])
            for name in deleted:
                self.assertEqual(status.get(name), "DELETE_COMPLETE", name)
            expected = set()
            for name, v in status.items():
                if v == "CREATE_COMPLETE":
                    self.assertNotIn(name, deleted)
                    expected |= self.stack_resources(c["cloudformation"], name)
            self.assertEqual(self.existing(c), expected)
        finally:
            server.cleanup()

    def test_kill_9_while_stacks_wait_on_a_custom_resource(self):
        def params(word, hang):
            return [{"ParameterKey": "Word", "ParameterValue": word},
                    {"ParameterKey": "Hang", "ParameterValue": hang}]

        def echo_status(cfn, stack):
            return cfn.describe_stack_resource(
                StackName=stack, LogicalResourceId="Echo")["StackResourceDetail"]["ResourceStatus"]

        server = Server(data_dir=self.data_dir).start()
        port = server.port
        try:
            c = clients(server)
            cfn = c["cloudformation"]
            cfn.create_stack(StackName="upd", TemplateBody=WAITING_TEMPLATE,
                             Parameters=params("before", "no"), Capabilities=["CAPABILITY_IAM"])
            s = stack_settled(cfn, "upd", 60)
            self.assertEqual(s["StackStatus"], "CREATE_COMPLETE", s.get("StackStatusReason"))
            cfn.update_stack(StackName="upd", TemplateBody=WAITING_TEMPLATE,
                             Parameters=params("after", "yes"), Capabilities=["CAPABILITY_IAM"])
            cfn.create_stack(StackName="new", TemplateBody=WAITING_TEMPLATE,
                             Parameters=params("never", "yes"), Capabilities=["CAPABILITY_IAM"])
            # Both wait on their handler (invoked, not answering).
            self.assertTrue(wait_until(lambda: echo_status(cfn, "upd") == "UPDATE_IN_PROGRESS"
                                       and echo_status(cfn, "new") == "CREATE_IN_PROGRESS", 60))
            time.sleep(1.0)
            new_topic = [r["PhysicalResourceId"] for r in
                         cfn.describe_stack_resources(StackName="new")["StackResources"]
                         if r["LogicalResourceId"] == "Topic"]
            self.assertEqual(len(new_topic), 1)
            self.assertEqual(cfn.describe_stacks(StackName="upd")["Stacks"][0]["StackStatus"],
                             "UPDATE_IN_PROGRESS")
            server.kill9()
        finally:
            server.cleanup()

        # Another port (the old one held, so it cannot come back): the
        # resumed operations' requests name where the server answers now.
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        server = Server(data_dir=self.data_dir).start()
        try:
            self.assertNotEqual(server.port, port)
            c = clients(server)
            cfn = c["cloudformation"]
            status = self.settle(cfn)
            # The create is rolled back: its topic is gone.
            self.assertEqual(status["new"], "ROLLBACK_COMPLETE", status)
            topics = {t["TopicArn"] for t in c["sns"].list_topics()["Topics"]}
            self.assertNotIn(new_topic[0], topics)
            # The update is reverted: the handler got an Update back to the
            # old properties and answered it.
            self.assertEqual(status["upd"], "UPDATE_ROLLBACK_COMPLETE", status)
            s = cfn.describe_stacks(StackName="upd")["Stacks"][0]
            outputs = {o["OutputKey"]: o["OutputValue"] for o in s["Outputs"]}
            self.assertEqual(outputs["Word"], "before")  # the previous outputs
            # The forward update never completed: Echo's UPDATE_COMPLETE is
            # the revert's, answered by the handler after the restart.
            echo = [e["ResourceStatus"] for e in
                    cfn.describe_stack_events(StackName="upd")["StackEvents"]
                    if e["LogicalResourceId"] == "Echo"]
            self.assertEqual(echo.count("UPDATE_COMPLETE"), 1, echo)

            cfn.delete_stack(StackName="upd")
            stack_id = s["StackId"]
            self.assertEqual(stack_settled(cfn, stack_id, 60)["StackStatus"], "DELETE_COMPLETE")
        finally:
            server.cleanup()
            blocker.close()


if __name__ == "__main__":
    unittest.main()
