"""EventBridge API destinations end to end: boto3 creates a connection, an
API destination and a rule targeting it; a small HTTP receiver in the test
(ephemeral port) checks what nimbus sends: the authorization, the target's
HttpParameters (path wildcard, header, query string), the body after the
InputTransformer, a 500 retried until a 200, and an OAuth bearer token."""

import http.server
import json
import threading
import urllib.parse

from harness import ServerTestCase, require_boto3, wait_until


class Receiver:
    """Records every request; answers the first `fail_next` event requests
    with 500 and /token with an OAuth token."""

    def __init__(self):
        self.requests = []
        self.fail_next = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = 200, b""
                with receiver.lock:
                    if self.path.startswith("/token"):
                        answer = json.dumps({"access_token": "t-1", "expires_in": 600}).encode()
                    elif receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = 500
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body.decode(), "status": status})
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def at(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ApiDestinationsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.receiver.close()
        super().tearDownClass()

    def setUp(self):
        require_boto3()
        self.events = self.server.boto3_client("events")

    def route(self, rule, connection_arn, path, **target):
        dest = self.events.create_api_destination(
            Name=rule + "-dest", ConnectionArn=connection_arn, HttpMethod="POST",
            InvocationEndpoint=self.receiver.url + path + "/*")["ApiDestinationArn"]
        self.events.put_rule(Name=rule, EventPattern=json.dumps({"source": [rule]}))
        self.events.put_targets(Rule=rule, Targets=[dict(Id="api", Arn=dest, **target)])

    def test_events_reach_the_endpoint_with_parameters_and_are_retried(self):
        conn = self.events.create_connection(
            Name="e2e-key", AuthorizationType="API_KEY",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key",
                                                     "ApiKeyValue": "secret-key"}})
        self.assertEqual(conn["ConnectionState"], "AUTHORIZED")
        self.assertRegex(conn["ConnectionArn"], r":connection/e2e-key/[0-9a-f-]{36}$")
        described = self.events.describe_connection(Name="e2e-key")
        self.assertNotIn("secret-key", json.dumps(described, default=str))
        self.assertEqual(described["AuthParameters"]["ApiKeyAuthParameters"],
                         {"ApiKeyName": "x-api-key"})

        self.route("e2e-orders", conn["ConnectionArn"], "/orders",
                   HttpParameters={"PathParameterValues": ["$.detail.id"],
                                   "HeaderParameters": {"x-shop": "north"},
                                   "QueryStringParameters": {"kind": "$.detail-type"}},
                   InputTransformer={"InputPathsMap": {"id": "$.detail.id"},
                                     "InputTemplate": '{"order": <id>}'})
        with self.receiver.lock:
            self.receiver.fail_next = 1
        out = self.events.put_events(Entries=[
            {"Source": "e2e-orders", "DetailType": "Placed", "Detail": json.dumps({"id": "o-7"})}])
        self.assertEqual(out["FailedEntryCount"], 0)
        self.assertTrue(wait_until(lambda: len(self.receiver.at("/orders")) >= 2, timeout=20))
        first, second = self.receiver.at("/orders")[:2]
        self.assertEqual((first["status"], second["status"]), (500, 200))
        parsed = urllib.parse.urlsplit(second["path"])
        self.assertEqual(parsed.path, "/orders/o-7")
        self.assertEqual(urllib.parse.parse_qs(parsed.query), {"kind": ["Placed"]})
        self.assertEqual(second["headers"]["x-api-key"], "secret-key")
        self.assertEqual(second["headers"]["x-shop"], "north")
        self.assertEqual(second["headers"]["User-Agent"], "Amazon/EventBridge/ApiDestinations")
        self.assertEqual(json.loads(second["body"]), {"order": "o-7"})

    def test_oauth_connections_send_a_bearer_token(self):
        conn = self.events.create_connection(
            Name="e2e-oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
            AuthParameters={"OAuthParameters": {
                "ClientParameters": {"ClientID": "app", "ClientSecret": "s3cret"},
                "AuthorizationEndpoint": self.receiver.url + "/token", "HttpMethod": "POST"}})
        self.assertTrue(wait_until(lambda: self.events.describe_connection(
            Name="e2e-oauth")["ConnectionState"] == "AUTHORIZED", timeout=20))
        self.route("e2e-oauth", conn["ConnectionArn"], "/hooks",
                   HttpParameters={"PathParameterValues": ["one"]})
        self.events.put_events(Entries=[
            {"Source": "e2e-oauth", "DetailType": "Ping", "Detail": "{}"}])
        self.assertTrue(wait_until(lambda: self.receiver.at("/hooks/one"), timeout=20))
        hook = self.receiver.at("/hooks/one")[0]
        self.assertEqual(hook["headers"]["Authorization"], "Bearer t-1")
        self.assertEqual(json.loads(hook["body"])["detail-type"], "Ping")
        self.assertEqual(len(self.receiver.at("/token")), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
