"""The server itself: admin endpoints, bad input at the edge, signals, restart."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import Server, ServerTestCase, nimbus_binary


def raw_request(port, data, read_until_close=True, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
            if not read_until_close:
                break
        return b"".join(chunks)


class AdminTest(ServerTestCase):
    def test_health(self):
        h = self.server.health()
        self.assertEqual(h["status"], "ok")
        self.assertIn("sts", h["services"])
        self.assertEqual(h["durability"], "sync")

    def test_metrics_are_prometheus_text(self):
        # One request so the per-operation histogram exists.
        raw_request(self.server.port, b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\n"
                    b"Connection: close\r\n\r\n")
        text = self.server.metrics()
        self.assertIn("# TYPE nimbus_http_requests gauge", text)
        self.assertRegex(text, r"\nnimbus_http_requests [1-9]")
        self.assertIn("nimbus_storage_commits", text)

    def test_unknown_admin_path_is_404(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.server.endpoint + "/_nimbus/nope")
        self.assertEqual(cm.exception.code, 404)


class EdgeTest(ServerTestCase):
    def test_garbage_gets_400_and_server_keeps_serving(self):
        resp = raw_request(self.server.port, b"\x00\x01 not http at all\r\n\r\n")
        self.assertTrue(resp.startswith(b"HTTP/1.1 400"), resp[:100])
        self.assertEqual(self.server.health()["status"], "ok")

    def test_unsigned_aws_request_is_rejected(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        req = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        resp = raw_request(self.server.port, req)
        self.assertTrue(resp.startswith(b"HTTP/1.1 403"), resp[:200])
        self.assertIn(b"<Code>", resp)

    def test_oversized_header_is_431(self):
        req = b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
        resp = raw_request(self.server.port, req)
        self.assertTrue(resp.startswith(b"HTTP/1.1 431"), resp[:100])
        self.assertEqual(self.server.health()["status"], "ok")


class LifecycleTest(unittest.TestCase):
    def test_sigterm_exits_cleanly_and_restart_reuses_data_dir(self):
        data_dir = tempfile.mkdtemp(prefix="nimbus-life-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        s = Server(data_dir=data_dir).start()
        self.addCleanup(s.cleanup)
        self.assertEqual(s.stop(signal.SIGTERM), 0)
        s2 = Server(data_dir=data_dir).start()
        self.addCleanup(s2.cleanup)
        self.assertEqual(s2.health()["status"], "ok")
        self.assertEqual(s2.stop(signal.SIGTERM), 0)

    def test_sigterm_exits_cleanly_with_timers_pending(self):
        # A schedule rule and a waiting state machine keep durable timers
        # armed; shutting down must cancel them, not crash (it did: the
        # Scheduler went before the services whose timers it held).
        s = Server().start()
        try:
            s.boto3_client("events").put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
            sfn = s.boto3_client("stepfunctions")
            arn = sfn.create_state_machine(
                name="waits", roleArn="arn:aws:iam::000000000000:role/r",
                definition=json.dumps({"StartAt": "W", "States": {
                    "W": {"Type": "Wait", "Seconds": 3600, "End": True}}}))["stateMachineArn"]
            sfn.start_execution(stateMachineArn=arn)
            self.assertEqual(s.stop(signal.SIGTERM), 0)
        finally:
            s.cleanup()

    def test_second_server_on_same_data_dir_is_refused(self):
        s = Server().start()
        try:
            p = subprocess.run([nimbus_binary(), "serve", "--port", "0", "--data-dir",
                                s.data_dir], capture_output=True, timeout=10)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(b"in use", p.stderr)
        finally:
            s.cleanup()

    def test_port_in_use_is_a_clear_error(self):
        s = Server().start()
        try:
            with tempfile.TemporaryDirectory() as d:
                p = subprocess.run([nimbus_binary(), "serve", "--port", str(s.port),
                                    "--data-dir", d], capture_output=True, timeout=10)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(str(s.port).encode(), p.stderr)
        finally:
            s.cleanup()


class CliTest(unittest.TestCase):
    def run_nimbus(self, *args):
        return subprocess.run([nimbus_binary()] + list(args), capture_output=True, timeout=10)

    def test_version_names_model_version(self):
        p = self.run_nimbus("version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.decode(), r"nimbus \d+\.\d+\.\d+")
        self.assertRegex(p.stdout.decode(), r"botocore \d+\.\d+\.\d+")

    def test_help_lists_commands(self):
        p = self.run_nimbus("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"serve", p.stdout)

    def test_bad_option_tells_what_to_do(self):
        p = self.run_nimbus("serve", "--durability", "sometimes")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"--help", p.stderr)

    def test_no_command_tells_what_to_do(self):
        p = self.run_nimbus()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"serve", p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
