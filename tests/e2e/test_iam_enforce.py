"""`nimbus serve --iam enforce`: a restricted user gets what its policies
allow and AWS's AccessDenied (per protocol) for the rest; root is never
limited; `--iam audit` answers as off but logs what enforce would deny; the
audit log records denials and IAM changes as CloudTrail-shaped JSON lines."""

import json
import os
import sys
import unittest

from harness import ACCOUNT, REGION, ServerTestCase, require_boto3, wait_until

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sqs:CreateQueue", "sqs:SendMessage", "sqs:GetQueueUrl"],
     "Resource": "arn:aws:sqs:*:%s:allowed-*" % ACCOUNT},
    {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"},
    {"Effect": "Deny", "Action": "sqs:SendMessage",
     "Resource": "arn:aws:sqs:*:%s:allowed-secret" % ACCOUNT}]}


def audit_lines(server):
    path = os.path.join(server.data_dir, "audit.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class IamEnforceTest(ServerTestCase):
    server_args = ("--iam", "enforce")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.creds = cls.server.create_user("restricted", POLICY)

    def denied(self, call, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        return cm.exception.response["Error"]

    def test_policy_allows_and_denies_per_resource(self):
        sqs = self.server.boto3_client("sqs", **self.creds)
        url = sqs.create_queue(QueueName="allowed-orders")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        sqs.list_queues()
        err = self.denied(sqs.create_queue, QueueName="other")
        self.assertIn(err["Code"], ("AccessDenied", "AccessDeniedException"))
        self.assertEqual(
            err["Message"],
            "User: arn:aws:iam::%s:user/restricted is not authorized to perform: "
            "sqs:CreateQueue on resource: arn:aws:sqs:us-east-1:%s:other because no "
            "identity-based policy allows the sqs:CreateQueue action" % (ACCOUNT, ACCOUNT))
        secret = sqs.create_queue(QueueName="allowed-secret")["QueueUrl"]
        err = self.denied(sqs.send_message, QueueUrl=secret, MessageBody="x")
        self.assertIn("with an explicit deny in an identity-based policy", err["Message"])

    def test_other_protocols_answer_their_own_code(self):
        iam = self.server.boto3_client("iam", **self.creds)
        err = self.denied(iam.create_user, UserName="mallory")
        self.assertEqual(err["Code"], "AccessDenied")
        self.assertIn("iam:CreateUser on resource: arn:aws:iam::%s:user/mallory" % ACCOUNT,
                      err["Message"])
        ddb = self.server.boto3_client("dynamodb", **self.creds)
        err = self.denied(ddb.list_tables)
        self.assertEqual(err["Code"], "AccessDeniedException")
        # GetCallerIdentity needs no permission.
        sts = self.server.boto3_client("sts", **self.creds)
        self.assertEqual(sts.get_caller_identity()["Arn"],
                         "arn:aws:iam::%s:user/restricted" % ACCOUNT)

    def test_root_is_not_limited_and_policy_changes_apply_at_once(self):
        root_ddb = self.server.boto3_client("dynamodb")
        root_ddb.list_tables()
        iam = self.server.boto3_client("iam")
        ddb = self.server.boto3_client("dynamodb", **self.server.create_user("grows"))
        self.denied(ddb.list_tables)
        iam.attach_user_policy(UserName="grows",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
        ddb.list_tables()

    def test_step_functions_creates_are_decided_on_the_name_they_make(self):
        # The service authorization reference lists CreateStateMachine and
        # CreateActivity on the ARN they make, and CreateStateMachineAlias on
        # its state machine: a policy can scope who creates which names.
        prefix = "arn:aws:states:%s:%s:" % (REGION, ACCOUNT)
        creds = self.server.create_user("sfn-team", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["states:CreateStateMachine", "states:CreateActivity",
                                           "states:CreateStateMachineAlias"],
             "Resource": [prefix + "stateMachine:team-*", prefix + "activity:team-*"]}]})
        sfn = self.server.boto3_client("stepfunctions", **creds)
        root = self.server.boto3_client("stepfunctions")
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        role = "arn:aws:iam::%s:role/sfn-team-role" % ACCOUNT
        made = sfn.create_state_machine(name="team-flow", definition=definition, roleArn=role)
        self.assertEqual(made["stateMachineArn"], prefix + "stateMachine:team-flow")
        err = self.denied(sfn.create_state_machine, name="other-flow", definition=definition,
                          roleArn=role)
        self.assertEqual(err["Code"], "AccessDeniedException")
        self.assertEqual(
            err["Message"],
            "User: arn:aws:iam::%s:user/sfn-team is not authorized to perform: "
            "states:CreateStateMachine on resource: %sstateMachine:other-flow because no "
            "identity-based policy allows the states:CreateStateMachine action" % (ACCOUNT, prefix))
        sfn.create_activity(name="team-work")
        err = self.denied(sfn.create_activity, name="other-work")
        self.assertIn("states:CreateActivity on resource: %sactivity:other-work" % prefix,
                      err["Message"])
        if not hasattr(root, "create_state_machine_alias"):
            sys.stderr.write("\n[sfn] this boto3 has no state machine aliases (Debian's 1.26): "
                             "CreateStateMachineAlias not tried\n")
            return
        ours = root.publish_state_machine_version(
            stateMachineArn=made["stateMachineArn"])["stateMachineVersionArn"]
        sfn.create_state_machine_alias(name="live", routingConfiguration=[
            {"stateMachineVersionArn": ours, "weight": 100}])
        other = root.create_state_machine(name="other-flow", definition=definition, roleArn=role,
                                          publish=True)["stateMachineVersionArn"]
        err = self.denied(sfn.create_state_machine_alias, name="live", routingConfiguration=[
            {"stateMachineVersionArn": other, "weight": 100}])
        self.assertIn("states:CreateStateMachineAlias on resource: %sstateMachine:other-flow "
                      "because" % prefix, err["Message"])

    def test_audit_log_records_denials_and_iam_changes(self):
        from botocore.exceptions import ClientError
        iam = self.server.boto3_client("iam", **self.creds)
        with self.assertRaises(ClientError):
            iam.delete_user(UserName="restricted")
        lines = wait_until(lambda: [e for e in audit_lines(self.server)
                                    if e.get("eventName") == "DeleteUser"])
        self.assertTrue(lines)
        self.assertEqual(lines[0]["userIdentity"]["arn"],
                         "arn:aws:iam::%s:user/restricted" % ACCOUNT)
        self.assertEqual(lines[0]["errorCode"], "AccessDenied")
        created = [e for e in audit_lines(self.server) if e.get("eventName") == "CreateUser"]
        self.assertTrue(any(e["userIdentity"]["type"] == "Root" for e in created))


class IamAuditModeTest(ServerTestCase):
    server_args = ("--iam", "audit")

    def test_audit_answers_as_off_and_logs_what_enforce_would_deny(self):
        require_boto3()
        creds = self.server.create_user("watched", POLICY)
        ddb = self.server.boto3_client("dynamodb", **creds)
        ddb.list_tables()
        lines = wait_until(lambda: [e for e in audit_lines(self.server)
                                    if e.get("eventName") == "ListTables"])
        self.assertTrue(lines)
        self.assertEqual(lines[0]["nimbusIamMode"], "audit")
        self.assertEqual(lines[0]["errorCode"], "AccessDeniedException")


class IamOffTest(ServerTestCase):
    def test_off_is_the_default(self):
        require_boto3()
        creds = self.server.create_user("free", POLICY)
        self.server.boto3_client("dynamodb", **creds).list_tables()


if __name__ == "__main__":
    unittest.main()
