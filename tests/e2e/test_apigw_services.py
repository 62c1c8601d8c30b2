"""API Gateway AWS integrations to other services end to end: a REST API
whose POST /orders puts the order on an SQS queue through a mapping
template (the message read back with boto3), and one whose POST /runs
starts a Step Functions execution through action/StartExecution, an HTTP
API whose route sends to SQS through the SQS-SendMessage subtype, and a
stage's access log line read back with FilterLogEvents. boto3 (both
generations) for the control plane, urllib for the data plane; one server
for the file."""

import json
import unittest
import urllib.error
import urllib.request

from harness import ACCOUNT, ServerTestCase, require_boto3, wait_until

ROLE = "arn:aws:iam::%s:role/apigw-role" % ACCOUNT

PASS_MACHINE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


class ApiGatewayServicesTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_boto3()
        cls.rest = cls.server.boto3_client("apigateway")
        cls.sqs = cls.server.boto3_client("sqs")
        cls.sfn = cls.server.boto3_client("stepfunctions")
        cls.v2 = cls.server.boto3_client("apigatewayv2")
        cls.logs = cls.server.boto3_client("logs")

    def call(self, api_id, path, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(
            self.server.endpoint + "/_aws/execute-api/" + api_id + path, method="POST",
            data=data, headers=dict({"Content-Type": "application/json"}, **(headers or {})))
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_http_api_subtype_sends_to_a_queue(self):
        url = self.sqs.create_queue(QueueName="http-orders")["QueueUrl"]
        api = self.v2.create_api(Name="orders", ProtocolType="HTTP")["ApiId"]
        integration = self.v2.create_integration(
            ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage",
            PayloadFormatVersion="1.0", CredentialsArn=ROLE,
            RequestParameters={"QueueUrl": url, "MessageBody": "$request.body.order"})
        self.assertEqual(integration["IntegrationSubtype"], "SQS-SendMessage")
        self.v2.create_route(ApiId=api, RouteKey="POST /orders",
                             Target="integrations/" + integration["IntegrationId"])
        self.v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
        status, body = self.call(api, "/orders", {"order": "two books"})
        self.assertEqual(status, 200, body)
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["two books"])
        self.assertEqual(json.loads(body)["MessageId"], got[0]["MessageId"])
        # A queue that does not exist: SQS's own error, relayed with its status.
        self.v2.update_integration(
            ApiId=api, IntegrationId=integration["IntegrationId"],
            RequestParameters={"QueueUrl": url + "-gone", "MessageBody": "$request.body.order"})
        status, body = self.call(api, "/orders", {"order": "lost"})
        self.assertEqual(status, 400, body)
        self.assertIn("QueueDoesNotExist", body)
        with self.assertRaises(Exception) as refused:
            self.v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                                       IntegrationSubtype="SQS-SendMessage",
                                       PayloadFormatVersion="1.0",
                                       RequestParameters={"QueueUrl": url})
        self.assertIn("BadRequestException", str(refused.exception))

    def test_access_log_line_is_read_back(self):
        api = self.rest_method(
            "logged", "ping",
            dict(uri="arn:aws:apigateway:us-east-1:sqs:action/ListQueues"),
            [{"statusCode": "200", "responseTemplates": {"application/json": '{"ok": true}'}}])
        self.logs.create_log_group(logGroupName="gw-access")
        self.rest.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": "arn:aws:logs:us-east-1:%s:log-group:gw-access" % ACCOUNT},
            {"op": "replace", "path": "/accessLogSettings/format",
             "value": '{"id":"$context.requestId","route":"$context.httpMethod '
                      '$context.resourcePath","status":"$context.status"}'}])
        req = urllib.request.Request(self.server.endpoint + "/_aws/execute-api/" + api +
                                     "/prod/ping", method="POST", data=b"{}",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
            request_id = r.headers["x-amzn-RequestId"]
        lines = []

        def written():
            events = self.logs.filter_log_events(logGroupName="gw-access")["events"]
            lines[:] = [json.loads(e["message"]) for e in events]
            return lines

        self.assertTrue(wait_until(written, timeout=5))
        self.assertEqual(lines, [{"id": request_id, "route": "POST /ping", "status": "200"}])

    def rest_method(self, name, part, integration, responses):
        rest = self.rest
        api = rest.create_rest_api(name=name)
        root = [r["id"] for r in rest.get_resources(restApiId=api["id"])["items"]
                if r["path"] == "/"][0]
        res = rest.create_resource(restApiId=api["id"], parentId=root, pathPart=part)["id"]
        common = dict(restApiId=api["id"], resourceId=res, httpMethod="POST")
        rest.put_method(authorizationType="NONE", **common)
        rest.put_integration(type="AWS", integrationHttpMethod="POST", credentials=ROLE,
                             **integration, **common)
        for r in responses:
            rest.put_method_response(statusCode=r["statusCode"], **common)
            rest.put_integration_response(**r, **common)
        rest.create_deployment(restApiId=api["id"], stageName="prod")
        return api["id"]

    def test_rest_api_puts_an_order_on_a_queue(self):
        url = self.sqs.create_queue(QueueName="orders")["QueueUrl"]
        api = self.rest_method(
            "orders", "orders",
            dict(uri="arn:aws:apigateway:us-east-1:sqs:path/%s/orders" % ACCOUNT,
                 passthroughBehavior="NEVER",
                 requestParameters={"integration.request.header.Content-Type":
                                    "'application/x-www-form-urlencoded'"},
                 requestTemplates={"application/json":
                                   "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
                                   "&MessageAttribute.1.Name=stage"
                                   "&MessageAttribute.1.Value.DataType=String"
                                   "&MessageAttribute.1.Value.StringValue=$context.stage"}),
            [{"statusCode": "202", "responseTemplates": {"application/json": (
                '#set($r = $input.path(\'$.SendMessageResponse.SendMessageResult\'))\n'
                '{"orderId": "$r.MessageId"}')}},
             {"statusCode": "400", "selectionPattern": "4\\d{2}",
              "responseTemplates": {"application/json": '{"error": "bad order"}'}}])
        status, body = self.call(api, "/prod/orders", {"item": "book", "qty": 2})
        self.assertEqual(status, 202, body)
        order_id = json.loads(body)["orderId"]
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                       WaitTimeSeconds=1)["Messages"]
        self.assertEqual(len(got), 1)
        self.assertEqual(json.loads(got[0]["Body"]), {"item": "book", "qty": 2})
        self.assertEqual(got[0]["MessageId"], order_id)
        self.assertEqual(got[0]["MessageAttributes"]["stage"]["StringValue"], "prod")
        # passthroughBehavior NEVER: a body of another type is refused.
        status, body = self.call(api, "/prod/orders", b"x", {"Content-Type": "text/plain"})
        self.assertEqual(status, 415)

    def test_rest_api_starts_an_execution(self):
        machine = self.sfn.create_state_machine(name="runs", definition=PASS_MACHINE,
                                                roleArn=ROLE)["stateMachineArn"]
        template = ('{"stateMachineArn": "%s", "input": "$util.escapeJavaScript($input.json(\'$\'))"}'
                    % machine)
        api = self.rest_method(
            "runs", "runs",
            dict(uri="arn:aws:apigateway:us-east-1:states:action/StartExecution",
                 requestTemplates={"application/json": template}),
            [{"statusCode": "200"},
             {"statusCode": "400", "selectionPattern": "4\\d{2}"}])
        status, body = self.call(api, "/prod/runs", {"run": 7})
        self.assertEqual(status, 200, body)
        arn = json.loads(body)["executionArn"]
        desc = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(json.loads(desc["input"]), {"run": 7})
        # A machine that does not exist: Step Functions' error, by status.
        bad = self.rest_method(
            "runs-bad", "runs",
            dict(uri="arn:aws:apigateway:us-east-1:states:action/StartExecution",
                 requestTemplates={"application/json": template.replace(":runs", ":nope")}),
            [{"statusCode": "200"},
             {"statusCode": "400", "selectionPattern": "4\\d{2}"}])
        status, body = self.call(bad, "/prod/runs", {})
        self.assertEqual(status, 400, body)
        self.assertEqual(json.loads(body)["__type"], "StateMachineDoesNotExist")


if __name__ == "__main__":
    unittest.main()
