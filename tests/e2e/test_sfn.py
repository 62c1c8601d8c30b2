"""Step Functions end to end: state machines and executions with boto3 (awsJson
1.0) and the AWS CLI against a real server, Task states calling a real Python
function, SQS and DynamoDB, and a Standard execution that survives kill -9
while it waits."""

import json
import shutil
import tempfile
import unittest

from harness import REGION, Server, ServerTestCase, require_boto3, wait_until
from test_lambda import py_zip

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


WORKER_PY = """
class NotYet(Exception):
    pass

def handler(event, context):
    if event.get("fail"):
        raise NotYet("not yet: " + event["fail"])
    return {"doubled": event["n"] * 2}
"""


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

    def test_versions_and_aliases(self):
        if not hasattr(self.sfn, "publish_state_machine_version"):
            self.skipTest("this botocore's Step Functions model has no versions")
        def machine(result):
            return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result,
                                                     "End": True}}}
        arn = self.create("versions", machine("one"))
        v1 = self.sfn.publish_state_machine_version(stateMachineArn=arn,
                                                    description="first")["stateMachineVersionArn"]
        self.assertEqual(v1, arn + ":1")
        v2 = self.sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(machine("two")),
                                           publish=True)["stateMachineVersionArn"]
        self.assertEqual(v2, arn + ":2")
        alias = self.sfn.create_state_machine_alias(
            name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
        )["stateMachineAliasArn"]
        x = self.sfn.start_execution(stateMachineArn=alias)["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=10)
        self.assertEqual((json.loads(d["output"]), d["stateMachineVersionArn"],
                          d["stateMachineAliasArn"]), ("one", v1, alias))
        with self.assertRaises(self.sfn.exceptions.ValidationException):
            self.sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
                {"stateMachineVersionArn": v1, "weight": 60},
                {"stateMachineVersionArn": v2, "weight": 60}])
        with self.assertRaises(self.sfn.exceptions.ConflictException):
            self.sfn.delete_state_machine_version(stateMachineVersionArn=v1)
        versions = self.sfn.list_state_machine_versions(stateMachineArn=arn)
        self.assertEqual([v["stateMachineVersionArn"] for v in versions["stateMachineVersions"]],
                         [v2, v1])

    def test_redrive_execution(self):
        if not hasattr(self.sfn, "redrive_execution"):
            self.skipTest("this botocore's Step Functions model has no RedriveExecution")
        arn = self.create("redriven", {"StartAt": "Mark", "States": {
            "Mark": {"Type": "Pass", "Result": 1, "ResultPath": "$.m", "Next": "Boom"},
            "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "again"}}})
        x = self.sfn.start_execution(stateMachineArn=arn, input='{"a":1}')["executionArn"]
        self.assertEqual(wait_until(lambda: finished(self.sfn, x), timeout=10)["status"], "FAILED")
        self.assertIn("redriveDate", self.sfn.redrive_execution(executionArn=x))
        wait_until(lambda: [e["type"] for e in self.sfn.get_execution_history(
            executionArn=x)["events"]].count("ExecutionFailed") == 2, timeout=10)
        d = self.sfn.describe_execution(executionArn=x)
        self.assertEqual((d["status"], d["redriveCount"], d["redriveStatus"]),
                         ("FAILED", 1, "REDRIVABLE"))
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=x)["events"]]
        self.assertEqual(types.count("PassStateEntered"), 1)
        self.assertEqual(types[types.index("ExecutionRedriven") + 1], "FailStateEntered")
        ok = self.sfn.start_execution(stateMachineArn=self.create("fine", {
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["executionArn"]
        wait_until(lambda: finished(self.sfn, ok), timeout=10)
        with self.assertRaises(self.sfn.exceptions.ExecutionNotRedrivable):
            self.sfn.redrive_execution(executionArn=ok)

    def test_jsonata_machine_from_the_docs(self):
        # "Transforming data with JSONata in Step Functions": with the input
        # {"title": "Doctor"} and the variable customerName set to "María",
        # the Arguments of the documented example evaluate to this object.
        arn = self.create("e2e-jsonata", {
            "QueryLanguage": "JSONata", "StartAt": "Remember", "States": {
                "Remember": {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "Route"},
                "Route": {"Type": "Choice", "Default": "Other", "Choices": [
                    {"Condition": "{% $exists($states.input.title) %}", "Next": "Greet"}]},
                "Greet": {"Type": "Pass", "End": True, "Output": {
                    "static": "Hello", "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}", "not-evaluated": "$customerName"}},
                "Other": {"Type": "Fail", "Error": "NoTitle",
                          "Cause": "{% 'no title for ' & $customerName %}"}}})
        x = self.sfn.start_execution(stateMachineArn=arn, input='{"title": "Doctor"}')["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"static": "Hello", "title": "Doctor",
                                                   "name": "María", "not-evaluated": "$customerName"})
        x = self.sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "NoTitle", "no title for María"))
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition) as cm:
            self.create("e2e-jsonata-bad", {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
                "A": {"Type": "Pass", "InputPath": "$.a", "End": True}}})
        self.assertIn("The field \"InputPath\" is not supported by Step Functions at /States/A",
                      cm.exception.response["Error"]["Message"])

    def test_jsonpath_states_assign_and_read_variables(self):
        # Assign in JSONPath states: `.$` fields read the state's result as
        # `$`; later states read `$name` in Parameters, Choice rules,
        # ItemsPath and intrinsics; a catcher assigns from the error output.
        arn = self.create("e2e-jsonpath-vars", {
            "StartAt": "Load", "States": {
                "Load": {"Type": "Pass", "Result": {"items": [2, 3], "status": "ok"},
                         "Assign": {"items.$": "$.items", "status.$": "$.status",
                                    "n.$": "States.ArrayLength($.items)", "who.$": "$$.Execution.Name"},
                         "ResultPath": None, "Next": "Route"},
                "Route": {"Type": "Choice", "Default": "Bad", "Choices": [
                    {"Variable": "$status", "StringEquals": "ok", "Next": "Each",
                     "Assign": {"route": "ok"}}]},
                "Each": {"Type": "Map", "ItemsPath": "$items", "ResultPath": "$.squares",
                         "ItemProcessor": {"StartAt": "Sq", "States": {"Sq": {
                             "Type": "Pass", "End": True,
                             "Parameters": {"v.$": "States.MathAdd($, $n)"}}}},
                         "Next": "Risky"},
                "Risky": {"Type": "Parallel", "Branches": [{"StartAt": "Boom", "States": {
                    "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}],
                          "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"why.$": "$.Error"},
                                     "ResultPath": None, "Next": "Report"}],
                          "End": True},
                "Report": {"Type": "Pass", "End": True, "Parameters": {
                    "squares.$": "$.squares", "route.$": "$route", "why.$": "$why",
                    "msg.$": "States.Format('{} items for {}', $n, $who)"}},
                "Bad": {"Type": "Fail", "Error": "Bad"}}})
        x = self.sfn.start_execution(stateMachineArn=arn, name="run-1", input="{}")["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {
            "squares": [{"v": 4}, {"v": 5}], "route": "ok", "why": "Boom",
            "msg": "2 items for run-1"})
        events = self.sfn.get_execution_history(executionArn=x)["events"]
        exited = [e["stateExitedEventDetails"] for e in events if e["type"] == "PassStateExited"]
        if "assignedVariables" in exited[0]:  # botocore models before late 2024 lack it
            self.assertEqual(exited[0]["assignedVariables"], {
                "items": "[2,3]", "status": '"ok"', "n": "2", "who": '"run-1"'})
        # A variable nothing assigned fails the execution at run time.
        arn = self.create("e2e-jsonpath-unset", {"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"x.$": "$nothing"}, "End": True}}})
        x = self.sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Runtime"))

    def test_jsonata_regular_expressions_and_url_functions(self):
        # Step Functions runs every JSONata 2.0.6 function but $eval.
        arn = self.create("e2e-jsonata-regex", {
            "QueryLanguage": "JSONata", "StartAt": "Parse", "States": {
                "Parse": {"Type": "Pass", "End": True, "Output": {
                    "ids": "{% $match($states.input.text, /order-(\\d+)/).groups[0] %}",
                    "masked": "{% $replace($states.input.text, /\\d/, '#') %}",
                    "words": "{% $split($states.input.text, /\\s+/) %}",
                    "query": "{% $encodeUrlComponent($states.input.text) %}",
                    "hex": "{% $formatBase(255, 16) %}"}}}})
        x = self.sfn.start_execution(stateMachineArn=arn,
                                     input='{"text": "order-12 and order-345"}')["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {
            "ids": ["12", "345"], "masked": "order-## and order-###",
            "words": ["order-12", "and", "order-345"],
            "query": "order-12%20and%20order-345", "hex": "ff"})
        # A pattern that does not compile is refused with the definition.
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.create("e2e-jsonata-bad-regex", {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
                "A": {"Type": "Pass", "End": True, "Output": "{% $match('a', /a{2,1}/) %}"}}})

    def test_jsonata_joins_positions_parents_and_read_dates(self):
        # The binding operators @ and # and the parent operator %; $toMillis
        # reading a date/time picture.
        arn = self.create("e2e-jsonata-joins", {
            "QueryLanguage": "JSONata", "StartAt": "Join", "States": {
                "Join": {"Type": "Pass", "End": True, "Output": {
                    "loans": "{% $states.input.(loans@$l.books@$b[$l.isbn = $b.isbn]"
                             ".{'who': $l.who, 'title': $b.title}) %}",
                    "ranked": "{% $states.input.books^(title)#$i.($string($i) & ':' & title) %}",
                    "shelves": "{% $states.input.shelves.items.(%.name & '/' & $) %}",
                    "when": "{% $toMillis('23rd March 2018 10:33 pm', "
                            "'[D1o] [MNn] [Y] [h]:[m01] [P]') %}"}}}})
        text = json.dumps({
            "books": [{"isbn": "1", "title": "Dune"}, {"isbn": "2", "title": "Emma"}],
            "loans": [{"who": "ann", "isbn": "2"}, {"who": "bob", "isbn": "1"}],
            "shelves": [{"name": "a", "items": ["x", "y"]}, {"name": "b", "items": ["z"]}]})
        x = self.sfn.start_execution(stateMachineArn=arn, input=text)["executionArn"]
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {
            "loans": [{"who": "ann", "title": "Emma"}, {"who": "bob", "title": "Dune"}],
            "ranked": ["0:Dune", "1:Emma"], "shelves": ["a/x", "a/y", "b/z"],
            "when": 1521844380000})
        # A parent nothing can supply is refused with the definition.
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.create("e2e-jsonata-bad-parent", {"QueryLanguage": "JSONata", "StartAt": "A",
                                                   "States": {"A": {"Type": "Pass", "End": True,
                                                                    "Output": "{% %.x %}"}}})

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
        # Activities have tags too.
        act = self.sfn.create_activity(name="e2e-act", tags=[{"key": "team", "value": "core"}])
        self.sfn.tag_resource(resourceArn=act["activityArn"], tags=[{"key": "cost", "value": "7"}])
        _, out, _ = self.server.aws_cli("stepfunctions", "list-tags-for-resource",
                                        "--resource-arn", act["activityArn"])
        self.assertEqual(json.loads(out)["tags"], [{"key": "cost", "value": "7"},
                                                   {"key": "team", "value": "core"}])


class SfnTaskTest(ServerTestCase):
    """Task states calling a real Python function, SQS and DynamoDB."""

    def setUp(self):
        require_boto3()
        self.sfn = self.server.boto3_client("stepfunctions")
        self.lam = self.server.boto3_client("lambda")
        self.sqs = self.server.boto3_client("sqs")
        self.ddb = self.server.boto3_client("dynamodb")

    def function(self, name):
        try:
            return self.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        except self.lam.exceptions.ResourceNotFoundException:
            pass
        return self.lam.create_function(
            FunctionName=name, Runtime="python3.9", Handler="app.handler",
            Role="arn:aws:iam::000000000000:role/lambda-role",
            Code={"ZipFile": py_zip(WORKER_PY)})["FunctionArn"]

    def run_machine(self, name, definition, value):
        arn = self.sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                            roleArn=ROLE)["stateMachineArn"]
        x = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps(value))["executionArn"]
        return x, wait_until(lambda: finished(self.sfn, x), timeout=60)

    def test_function_queue_and_table(self):
        fn = self.function("e2e-sfn-worker")
        q = self.sqs.create_queue(QueueName="e2e-sfn-out")["QueueUrl"]
        self.ddb.create_table(TableName="e2e-sfn-results", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        x, d = self.run_machine("e2e-tasks", {
            "StartAt": "Double",
            "States": {
                "Double": {"Type": "Task", "Resource": fn, "ResultPath": "$.legacy",
                           "Next": "Invoke"},
                "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                           "Parameters": {"FunctionName": "e2e-sfn-worker",
                                          "Payload": {"n.$": "$.legacy.doubled"}},
                           "ResultSelector": {"n.$": "$.Payload.doubled",
                                              "status.$": "$.StatusCode"},
                           "ResultPath": "$.invoked", "Next": "Send"},
                "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                         "Parameters": {"QueueUrl": q, "MessageBody.$": "$.invoked"},
                         "ResultPath": "$.sent", "Next": "Put"},
                "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                        "Parameters": {"TableName": "e2e-sfn-results",
                                       "Item": {"id": {"S.$": "$$.Execution.Name"},
                                                "n": {"N.$": "States.Format('{}', $.invoked.n)"}}},
                        "ResultPath": None, "Next": "Get"},
                "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                        "Parameters": {"TableName": "e2e-sfn-results",
                                       "Key": {"id": {"S.$": "$$.Execution.Name"}}},
                        "ResultSelector": {"n.$": "$.Item.n.N"}, "ResultPath": "$.stored",
                        "End": True},
            },
        }, {"n": 5})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["legacy"], {"doubled": 10})
        self.assertEqual(out["invoked"], {"n": 20, "status": 200})
        self.assertIn("MessageId", out["sent"])
        self.assertEqual(out["stored"], {"n": "20"})
        msgs = self.sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(json.loads(msgs[0]["Body"]), {"n": 20, "status": 200})
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=x)["events"]]
        self.assertEqual(types[1:6], ["TaskStateEntered", "LambdaFunctionScheduled",
                                      "LambdaFunctionStarted", "LambdaFunctionSucceeded",
                                      "TaskStateExited"])
        self.assertIn("TaskSucceeded", types)

    def test_test_state_calls_the_function_without_an_execution(self):
        if not hasattr(self.sfn, "test_state"):
            self.skipTest("this botocore's Step Functions model has no TestState")
        self.function("e2e-sfn-worker")
        # TestState's endpoint has the host prefix "sync-" too.
        from botocore.config import Config
        sfn = self.server.boto3_client("stepfunctions", config=Config(inject_host_prefix=False))
        out = sfn.test_state(definition=json.dumps({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "e2e-sfn-worker", "Payload": {"n.$": "$.n"}},
            "ResultSelector": {"n.$": "$.Payload.doubled"}, "ResultPath": "$.r",
            "Next": "Done"}), roleArn=ROLE, input='{"n": 4}', inspectionLevel="DEBUG")
        self.assertEqual(out["status"], "SUCCEEDED", out)
        self.assertEqual(out["nextState"], "Done")
        self.assertEqual(json.loads(out["output"]), {"n": 4, "r": {"n": 8}})
        self.assertEqual(json.loads(out["inspectionData"]["afterResultSelector"]), {"n": 8})
        waited = sfn.test_state(definition='{"Type": "Wait", "Seconds": 3600, "End": true}',
                                roleArn=ROLE, input='{"a": 1}')
        self.assertEqual((waited["status"], json.loads(waited["output"])), ("SUCCEEDED", {"a": 1}))
        with self.assertRaises(sfn.exceptions.InvalidDefinition):
            sfn.test_state(definition='{"Type": "Pass"}', roleArn=ROLE)

    def test_distributed_map_over_a_csv_writes_its_results_to_s3(self):
        self.function("e2e-sfn-worker")
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="e2e-dmap")
        s3.put_object(Bucket="e2e-dmap", Key="in/orders.csv",
                      Body=b"id,qty\n1,2\n2,\"3\"\n3,4\n4,5\n5,6\n")
        x, d = self.run_machine("e2e-dmap", {
            "StartAt": "Each",
            "States": {"Each": {
                "Type": "Map", "Label": "orders",
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                               "Parameters": {"Bucket": "e2e-dmap", "Key.$": "$.key"},
                               "ReaderConfig": {"InputType": "CSV",
                                                "CSVHeaderLocation": "FIRST_ROW"}},
                "ItemBatcher": {"MaxItemsPerBatch": 3},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Count",
                    "States": {"Count": {
                        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "e2e-sfn-worker",
                                       "Payload": {"n.$": "States.ArrayLength($.Items)"}},
                        "OutputPath": "$.Payload", "End": True}}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": "e2e-dmap", "Prefix": "out"}},
                "End": True}},
        }, {"key": "in/orders.csv"})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertIn(":mapRun:e2e-dmap/orders:", out["MapRunArn"])
        key = out["ResultWriterDetails"]["Key"]
        self.assertTrue(key.startswith("out/") and key.endswith("/manifest.json"), key)
        manifest = json.loads(s3.get_object(Bucket="e2e-dmap", Key=key)["Body"].read())
        [results] = manifest["ResultFiles"]["SUCCEEDED"]
        runs = json.loads(s3.get_object(Bucket="e2e-dmap", Key=results["Key"])["Body"].read())
        self.assertEqual([json.loads(r["Output"]) for r in runs],
                         [{"doubled": 6}, {"doubled": 4}])
        self.assertEqual(json.loads(runs[0]["Input"])["Items"][1], {"id": "2", "qty": "3"})
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=x)["events"]]
        self.assertIn("MapRunStarted", types)
        self.assertIn("MapRunSucceeded", types)
        # The batches' own events are their (Express) child executions'.
        self.assertNotIn("TaskSucceeded", types)

    def test_s3_sdk_integration_writes_and_reads_an_object(self):
        s3 = self.server.boto3_client("s3")
        s3.create_bucket(Bucket="e2e-sfn-sdk")
        x, d = self.run_machine("e2e-sfn-s3", {
            "StartAt": "Put",
            "States": {
                "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                        "Parameters": {"Bucket": "e2e-sfn-sdk", "Key": "report.json",
                                       "Body.$": "$.report", "ContentType": "application/json"},
                        "ResultPath": "$.put", "Next": "Get"},
                "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                        "Parameters": {"Bucket": "e2e-sfn-sdk", "Key": "report.json"},
                        "ResultSelector": {"body.$": "$.Body", "type.$": "$.ContentType",
                                           "etag.$": "$.ETag"},
                        "ResultPath": "$.got", "Next": "Missing"},
                "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                            "Parameters": {"Bucket": "e2e-sfn-sdk", "Key": "nope"},
                            "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"],
                                       "ResultPath": "$.missing", "Next": "Done"}],
                            "End": True},
                "Done": {"Type": "Succeed"}},
        }, {"report": {"total": 3}})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(json.loads(out["got"]["body"]), {"total": 3})
        self.assertEqual(out["got"]["type"], "application/json")
        self.assertEqual(out["got"]["etag"], out["put"]["ETag"])
        self.assertEqual(out["missing"]["Error"], "S3.NoSuchKeyException")
        body = s3.get_object(Bucket="e2e-sfn-sdk", Key="report.json")["Body"].read()
        self.assertEqual(json.loads(body), {"total": 3})
        # An object a state's output cannot hold (256 KiB).
        s3.put_object(Bucket="e2e-sfn-sdk", Key="big", Body=b"x" * (256 * 1024 + 1))
        _, d = self.run_machine("e2e-sfn-s3-big", {
            "StartAt": "Get",
            "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                               "Parameters": {"Bucket": "e2e-sfn-sdk", "Key": "big"},
                               "End": True}}}, {})
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.DataLimitExceeded"), d)

    def test_distributed_map_iterations_are_child_executions(self):
        x, d = self.run_machine("e2e-dmap-children", {
            "StartAt": "Each",
            "States": {"Each": {
                "Type": "Map", "Label": "items", "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Tag",
                    "States": {"Tag": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}},
                "End": True}},
        }, {"items": [1, 2, 3]})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), [{"v": 1}, {"v": 2}, {"v": 3}])
        [run] = self.sfn.list_map_runs(executionArn=x)["mapRuns"]
        children = self.sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
        self.assertEqual(len(children), 3)
        self.assertEqual({c["status"] for c in children}, {"SUCCEEDED"})
        self.assertTrue(all(c["stateMachineArn"].endswith(":stateMachine:e2e-dmap-children/items")
                            for c in children), children)
        child = self.sfn.describe_execution(executionArn=children[0]["executionArn"])
        self.assertEqual(child["mapRunArn"], run["mapRunArn"])
        self.assertEqual(json.loads(child["output"]), {"v": json.loads(child["input"])})
        types = [e["type"] for e in
                 self.sfn.get_execution_history(executionArn=child["executionArn"])["events"]]
        self.assertEqual(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                 "ExecutionSucceeded"])

    def test_function_errors_are_retried_and_caught(self):
        fn = self.function("e2e-sfn-worker")
        x, d = self.run_machine("e2e-retry", {
            "StartAt": "Call",
            "States": {
                "Call": {"Type": "Task", "Resource": fn,
                         "Retry": [{"ErrorEquals": ["NotYet"], "IntervalSeconds": 1,
                                    "MaxAttempts": 1}],
                         "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error",
                                    "Next": "Caught"}],
                         "End": True},
                "Caught": {"Type": "Pass", "End": True},
            },
        }, {"fail": "soon"})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        error = json.loads(d["output"])["error"]
        self.assertEqual(error["Error"], "NotYet")
        self.assertEqual(json.loads(error["Cause"])["errorMessage"], "not yet: soon")
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=x)["events"]]
        self.assertEqual(types.count("LambdaFunctionFailed"), 2)
        _, d = self.run_machine("e2e-missing-queue", {
            "StartAt": "Send",
            "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                "Parameters": {"QueueUrl": "http://localhost/000000000000/nope",
                                               "MessageBody": "x"},
                                "End": True}},
        }, {})
        self.assertEqual((d["status"], d["error"]), ("FAILED", "SQS.QueueDoesNotExistException"))

    def test_task_token_round_trip(self):
        q = self.sqs.create_queue(QueueName="e2e-sfn-asks")["QueueUrl"]
        arn = self.sfn.create_state_machine(name="e2e-ask", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Ask",
            "States": {"Ask": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": q,
                               "MessageBody": {"token.$": "$$.Task.Token", "q.$": "$.q"}},
                "HeartbeatSeconds": 60, "End": True}}}))["stateMachineArn"]
        x = self.sfn.start_execution(stateMachineArn=arn,
                                     input=json.dumps({"q": "why?"}))["executionArn"]
        msgs = wait_until(lambda: self.sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)
                          .get("Messages"), timeout=20)
        body = json.loads(msgs[0]["Body"])
        self.assertEqual(body["q"], "why?")
        self.assertEqual(self.sfn.describe_execution(executionArn=x)["status"], "RUNNING")
        self.sfn.send_task_heartbeat(taskToken=body["token"])
        self.sfn.send_task_success(taskToken=body["token"], output=json.dumps({"a": 42}))
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", {"a": 42}))
        with self.assertRaises(self.sfn.exceptions.TaskTimedOut):
            self.sfn.send_task_success(taskToken=body["token"], output="{}")
        with self.assertRaises(self.sfn.exceptions.InvalidToken):
            self.sfn.send_task_failure(taskToken="not-a-token")

    def test_activity_worker_round_trip(self):
        a = self.sfn.create_activity(name="e2e-review")["activityArn"]
        arn = self.sfn.create_state_machine(name="e2e-review", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Review", "States": {"Review": {
                "Type": "Task", "Resource": a, "HeartbeatSeconds": 60, "End": True}}}))[
            "stateMachineArn"]
        x = self.sfn.start_execution(stateMachineArn=arn,
                                     input=json.dumps({"doc": 7}))["executionArn"]
        task = self.sfn.get_activity_task(activityArn=a, workerName="e2e-worker")
        self.assertEqual(json.loads(task["input"]), {"doc": 7})
        self.sfn.send_task_heartbeat(taskToken=task["taskToken"])
        self.sfn.send_task_failure(taskToken=task["taskToken"], error="Rejected", cause="no")
        d = wait_until(lambda: finished(self.sfn, x), timeout=20)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Rejected", "no"))
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=x)["events"]]
        self.assertEqual(types[2:5], ["ActivityScheduled", "ActivityStarted", "ActivityFailed"])
        self.assertIn(a, [x["activityArn"] for x in self.sfn.list_activities()["activities"]])

    def test_start_execution_sync_waits_for_the_child(self):
        child = self.sfn.create_state_machine(name="e2e-child", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Add", "States": {"Add": {
                "Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "End": True}}}))["stateMachineArn"]
        _, d = self.run_machine("e2e-parent", {
            "StartAt": "Run",
            "States": {"Run": {"Type": "Task",
                               "Resource": "arn:aws:states:::states:startExecution.sync",
                               "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
                               "End": True}},
        }, {"n": 1})
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual((out["Status"], json.loads(out["Output"])), ("SUCCEEDED", {"n": 2}))
        self.assertEqual(out["StateMachineArn"], child)


class SfnCrashTest(unittest.TestCase):
    """A Standard execution waiting in a Wait state, for a task token, or
    inside a Map's iterations, survives kill -9."""

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


    def test_map_in_flight_resumes_after_kill9(self):
        server = Server(data_dir=self.data_dir).start()
        try:
            sfn = server.boto3_client("stepfunctions")
            arn = sfn.create_state_machine(name="crash-map", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Each", "States": {"Each": {
                    "Type": "Map", "MaxConcurrency": 3, "End": True,
                    "ItemProcessor": {"StartAt": "Nap", "States": {
                        "Nap": {"Type": "Wait", "Seconds": 1, "End": True}}}}}}))["stateMachineArn"]
            x = sfn.start_execution(stateMachineArn=arn, input="[0,1,2,3,4,5]")["executionArn"]
            server.kill9()
            server = Server(data_dir=self.data_dir).start()
            sfn = server.boto3_client("stepfunctions")
            d = wait_until(lambda: finished(sfn, x), timeout=20)
            self.assertEqual((d["status"], json.loads(d["output"])),
                             ("SUCCEEDED", [0, 1, 2, 3, 4, 5]))
            types = [e["type"] for e in sfn.get_execution_history(executionArn=x)["events"]]
            self.assertEqual(types.count("MapIterationSucceeded"), 6)
            # Three iterations run at once: the first three start before any ends.
            first_end = types.index("MapIterationSucceeded")
            self.assertEqual(types[:first_end].count("MapIterationStarted"), 3)
        finally:
            server.cleanup()

    def test_task_waiting_for_its_token_survives_kill9(self):
        server = Server(data_dir=self.data_dir).start()
        try:
            sfn = server.boto3_client("stepfunctions")
            sqs = server.boto3_client("sqs")
            q = sqs.create_queue(QueueName="crash-asks")["QueueUrl"]
            arn = sfn.create_state_machine(name="crash-ask", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Ask", "States": {"Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": q, "MessageBody": {"token.$": "$$.Task.Token"}},
                    "End": True}}}))["stateMachineArn"]
            x = sfn.start_execution(stateMachineArn=arn)["executionArn"]
            msgs = wait_until(lambda: sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)
                              .get("Messages"), timeout=20)
            wait_until(lambda: sfn.get_execution_history(executionArn=x, reverseOrder=True,
                                                         maxResults=1)["events"][0]["type"]
                       == "TaskSubmitted", timeout=20)
            server.kill9()
            server = Server(data_dir=self.data_dir).start()
            sfn = server.boto3_client("stepfunctions")
            token = json.loads(msgs[0]["Body"])["token"]
            sfn.send_task_success(taskToken=token, output='{"done": true}')
            d = wait_until(lambda: finished(sfn, x), timeout=20)
            self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", {"done": True}))
            types = [e["type"] for e in sfn.get_execution_history(executionArn=x)["events"]]
            self.assertEqual(types.count("TaskScheduled"), 1)  # not sent again
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
