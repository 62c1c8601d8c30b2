"""`nimbus serve --iam enforce`: services act as the role AWS would use. An
event source mapping reads its queue as the function's execution role, and
an EventBridge rule target with a RoleArn (here a Kinesis stream) is
delivered as that role: refused while the role lacks the permission, working
once it is added."""

import json
import time
import unittest

from harness import (ACCOUNT, REGION, ServerTestCase, require_boto3, trust_policy, wait_until,
                     zip_of)




def allow(action, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


class ServiceRolesTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()

    def client(self, service):
        return self.server.boto3_client(service)

    def test_mapping_reads_its_queue_as_the_execution_role(self):
        from botocore.exceptions import ClientError
        iam, sqs, lam = self.client("iam"), self.client("sqs"), self.client("lambda")
        role = iam.create_role(RoleName="esm-role",
                               AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
        sqs.create_queue(QueueName="esm-src")
        queue = "arn:aws:sqs:%s:%s:esm-src" % (REGION, ACCOUNT)
        lam.create_function(FunctionName="esm-fn", Runtime="python3.11", Role=role,
                            Handler="app.handler", Code={"ZipFile": zip_of(
                                {"app.py": "def handler(event, context):\n    return None\n"})})
        with self.assertRaises(ClientError) as cm:
            lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="esm-fn")
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "InvalidParameterValueException")
        self.assertEqual(err["Message"], "The provided execution role does not have permissions "
                                         "to call ReceiveMessage on SQS")
        iam.attach_role_policy(
            RoleName="esm-role",
            PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
        lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="esm-fn")

    def test_rule_target_is_delivered_as_its_role(self):
        iam, events = self.client("iam"), self.client("events")
        kinesis, sqs = self.client("kinesis"), self.client("sqs")
        role = iam.create_role(RoleName="events-kinesis",
                               AssumeRolePolicyDocument=trust_policy("events.amazonaws.com"))["Role"]["Arn"]
        kinesis.create_stream(StreamName="rule-out", ShardCount=1)
        stream = kinesis.describe_stream(StreamName="rule-out")["StreamDescription"]["StreamARN"]
        dlq_url = sqs.create_queue(QueueName="rule-dlq")["QueueUrl"]
        dlq = "arn:aws:sqs:%s:%s:rule-dlq" % (REGION, ACCOUNT)
        sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": dlq}]})})
        events.put_rule(Name="to-stream", EventPattern=json.dumps({"source": ["app"]}))
        events.put_targets(Rule="to-stream", Targets=[{
            "Id": "s", "Arn": stream, "RoleArn": role, "DeadLetterConfig": {"Arn": dlq}}])

        def put(detail):
            events.put_events(Entries=[{"Source": "app", "DetailType": "t",
                                        "Detail": json.dumps(detail)}])

        put({"n": 1})
        got = []
        self.assertTrue(wait_until(lambda: got.extend(sqs.receive_message(
            QueueUrl=dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=1).get(
                "Messages", [])) or got, timeout=10))
        attrs = got[0]["MessageAttributes"]
        self.assertEqual(attrs["ERROR_CODE"]["StringValue"], "NO_PERMISSIONS")
        self.assertIn("is not authorized to perform: kinesis:PutRecord on resource: " + stream,
                      attrs["ERROR_MESSAGE"]["StringValue"])

        iam.put_role_policy(RoleName="events-kinesis", PolicyName="put",
                            PolicyDocument=allow("kinesis:PutRecord", stream))
        put({"n": 2})
        shard = kinesis.list_shards(StreamName="rule-out")["Shards"][0]["ShardId"]
        it = kinesis.get_shard_iterator(StreamName="rule-out", ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = []
        deadline = time.time() + 10
        while not records and time.time() < deadline:
            out = kinesis.get_records(ShardIterator=it)
            records, it = out["Records"], out["NextShardIterator"]
            if not records:
                time.sleep(0.1)
        self.assertEqual(len(records), 1)
        self.assertEqual(json.loads(records[0]["Data"])["detail"], {"n": 2})


if __name__ == "__main__":
    unittest.main()
