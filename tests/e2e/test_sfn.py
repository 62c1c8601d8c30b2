"""Step Functions end to end: state machines and executions with boto3 (awsJson
1.0) and the AWS CLI against a real server, and a Standard execution that
survives kill -9 while it waits."""

import json
import shutil
import tempfile
import unittest

from harness import REGION, Server, ServerTestCase, require_boto3, wait_until

ROLE = "arn:aws:iam::000000000000:role/sfn"

WAIT_MACHINE = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Parameters": {"msg.$": "States.Format('hi {}', $.who)"},
                  "ResultPath": "$.greeting", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Route"},
        "Route": {"Type": "Choice",
                  "Choices": [{"Variable": "$.who", "StringEquals": "ann", "Next": "Done"}],
                  "Default": "Nope"},
        "Done": {"Type": "Succeed"},
        "Nope": {"Type": "Fail", "Error": "Who", "Cause": "unknown"},
    },
}


def finished(sfn, arn):
    d = sfn.describe_execution(executionArn=arn)
    return d if d["status"] != "RUNNING" else None


class SfnTest(ServerTestCase):
    def setUp(self):
        require_boto3()
        self.sfn = self.server.boto3_client("stepfunctions")

    def create(self, name, definition, **kw):
        return self.sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                             roleArn=ROLE, **kw)["stateMachineArn"]

    def test_standard_execution_runs_to_its_end_with_history(self):
        arn = self.create("e2e-greeter", WAIT_MACHINE)
        self.assertEqual(arn, "arn:aws:states:%s:000000000000:stateMachine:e2e-greeter" % REGION)
        x = self.sfn.start_execution(stateMachineArn=arn, name="ann-1",
                                     input=json.dumps({"who": "ann"}))["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"who": "ann", "greeting": {"msg": "hi ann"}})
        events = self.sfn.get_execution_history(executionArn=x)["events"]
        self.assertEqual([e["type"] for e in events][:4],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                          "WaitStateEntered"])
        self.assertEqual(events[1]["stateEnteredEventDetails"]["name"], "Greet")
        self.assertEqual(events[-1]["type"], "ExecutionSucceeded")
        self.assertEqual(events[-1]["previousEventId"], events[-2]["id"])
        back = self.sfn.get_execution_history(executionArn=x, reverseOrder=True, maxResults=1)
        self.assertEqual(back["events"][0]["type"], "ExecutionSucceeded")
        self.assertIn("nextToken", back)
        bob = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps({"who": "bob"}))
        d = wait_until(lambda: finished(self.sfn, bob["executionArn"]), timeout=20)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Who", "unknown"))
        listed = self.sfn.list_executions(stateMachineArn=arn, statusFilter="FAILED")["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [bob["executionArn"]])

    def test_errors_as_aws_words_them(self):
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition) as cm:
            self.create("e2e-bad", {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing "
                         "'Next' target: B at /States/A/Next, MISSING_END_STATE: Workflow has no "
                         "terminal state at /'")
        arn = self.create("e2e-errors", WAIT_MACHINE)
        self.sfn.start_execution(stateMachineArn=arn, name="same", input='{"who":"ann"}')
        with self.assertRaises(self.sfn.exceptions.ExecutionAlreadyExists):
            self.sfn.start_execution(stateMachineArn=arn, name="same", input='{"who":"bob"}')
        with self.assertRaises(self.sfn.exceptions.InvalidExecutionInput):
            self.sfn.start_execution(stateMachineArn=arn, input="{not json")
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist) as cm:
            self.sfn.describe_execution(executionArn=arn.replace(":stateMachine:", ":execution:") + ":nope")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        with self.assertRaises(self.sfn.exceptions.StateMachineDoesNotExist):
            self.sfn.describe_state_machine(stateMachineArn=arn + "-missing")

    def test_express_sync_execution(self):
        if not hasattr(self.sfn, "start_sync_execution"):
            self.skipTest("this boto3 has no StartSyncExecution")
        arn = self.create("e2e-express", {
            "StartAt": "Add", "States": {
                "Add": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.a, 1)"},
                        "End": True}}}, type="EXPRESS")
        # StartSyncExecution's endpoint has the host prefix "sync-", which a
        # local endpoint cannot resolve: the client is told not to add it.
        from botocore.config import Config
        sync = self.server.boto3_client("stepfunctions", config=Config(
            inject_host_prefix=False, retries={"max_attempts": 1}))
        out = sync.start_sync_execution(stateMachineArn=arn, input='{"a": 41}')
        self.assertEqual(out["status"], "SUCCEEDED")
        self.assertEqual(json.loads(out["output"]), {"n": 42})

    def test_cli_lists_and_tags(self):
        arn = self.create("e2e-cli", WAIT_MACHINE, tags=[{"key": "team", "value": "core"}])
        _, out, _ = self.server.aws_cli("stepfunctions", "list-state-machines")
        self.assertIn(arn, [m["stateMachineArn"] for m in json.loads(out)["stateMachines"]])
        _, out, _ = self.server.aws_cli("stepfunctions", "list-tags-for-resource",
                                        "--resource-arn", arn)
        self.assertEqual(json.loads(out)["tags"], [{"key": "team", "value": "core"}])
        _, out, _ = self.server.aws_cli("stepfunctions", "describe-state-machine",
                                        "--state-machine-arn", arn)
        self.assertEqual(json.loads(json.loads(out)["definition"]), WAIT_MACHINE)


class SfnCrashTest(unittest.TestCase):
    """A Standard execution waiting in a Wait state survives kill -9."""

    def setUp(self):
        require_boto3()
        self.data_dir = tempfile.mkdtemp(prefix="nimbus-sfn-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_waiting_execution_resumes_after_kill9(self):
        server = Server(data_dir=self.data_dir).start()
        try:
            sfn = server.boto3_client("stepfunctions")
            definition = dict(WAIT_MACHINE)
            definition["States"] = dict(WAIT_MACHINE["States"])
            definition["States"]["Nap"] = {"Type": "Wait", "Seconds": 2, "Next": "Route"}
            arn = sfn.create_state_machine(name="crash", definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]
            x = sfn.start_execution(stateMachineArn=arn, input='{"who":"ann"}')["executionArn"]
            server.kill9()
            server = Server(data_dir=self.data_dir).start()
            sfn = server.boto3_client("stepfunctions")
            d = wait_until(lambda: finished(sfn, x), timeout=20)
            self.assertEqual(d["status"], "SUCCEEDED")
            types = [e["type"] for e in sfn.get_execution_history(executionArn=x)["events"]]
            self.assertEqual(types.count("ExecutionStarted"), 1)
            self.assertEqual(types.count("WaitStateExited"), 1)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
