"""SNS email through a relay that wants STARTTLS and AUTH: a server started
with --sns-smtp-starttls required, --sns-smtp-user and
--sns-smtp-password-file mails the confirmation through a sink (below)
that offers STARTTLS with a self-signed certificate (accepted by
--sns-smtp-accept-self-signed) and takes AUTH PLAIN only over TLS."""

import base64
import os
import re
import socketserver
import ssl
import subprocess
import tempfile
import threading
import unittest

from harness import Server, require_boto3, wait_until


class TlsSink:
    """SMTP on an ephemeral port: STARTTLS, then AUTH PLAIN; keeps
    (tls, credentials, recipients, message bytes) per message."""

    def __init__(self, cert, key):
        self.mails = []
        self.lock = threading.Lock()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def say(line):
                    self.wfile.write(line.encode() + b"\r\n")
                    self.wfile.flush()
                say("220 sink ready")
                tls, creds, rcpts = False, None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode().rstrip("\r\n")
                    verb = cmd.split(" ")[0].upper()
                    if verb == "EHLO":
                        say("250-sink\r\n250 AUTH PLAIN" if tls else "250-sink\r\n250 STARTTLS")
                    elif verb == "STARTTLS":
                        say("220 go ahead")
                        conn = ctx.wrap_socket(self.connection, server_side=True)
                        self.rfile = conn.makefile("rb")
                        self.wfile = conn.makefile("wb")
                        tls = True
                    elif verb == "AUTH" and tls:
                        creds = base64.b64decode(cmd.split(" ")[2])
                        say("235 ok")
                    elif verb == "AUTH":
                        say("538 encryption required")
                    elif verb == "RCPT":
                        rcpts.append(cmd.split("<", 1)[1].rstrip(">"))
                        say("250 ok")
                    elif verb == "DATA":
                        say("354 go ahead")
                        lines = []
                        while True:
                            got = self.rfile.readline()
                            if got in (b".\r\n", b""):
                                break
                            lines.append(got)
                        with sink.lock:
                            sink.mails.append((tls, creds, list(rcpts), b"".join(lines)))
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def setUpModule():
    global SINK, SERVER, DIR
    require_boto3()
    DIR = tempfile.TemporaryDirectory(prefix="nimbus-smtp-tls-")
    cert, key, password = (os.path.join(DIR.name, n) for n in ("cert.pem", "key.pem", "pw"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    with open(password, "w") as f:
        f.write("s3cret\n")
    SINK = TlsSink(cert, key)
    SERVER = Server("--sns-smtp", "127.0.0.1:%d" % SINK.port, "--sns-smtp-starttls", "required",
                    "--sns-smtp-accept-self-signed", "true", "--sns-smtp-user", "mailer",
                    "--sns-smtp-password-file", password).start()


def tearDownModule():
    SERVER.cleanup()
    SINK.close()
    DIR.cleanup()


class SnsMailTlsTest(unittest.TestCase):
    def test_confirmation_mail_goes_over_tls_with_credentials(self):
        sns = SERVER.boto3_client("sns")
        arn = sns.create_topic(Name="mail-tls")["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")

        def got():
            with SINK.lock:
                return [m for m in SINK.mails if "ops@example.com" in m[2]]
        mails = wait_until(got, timeout=15)
        self.assertTrue(mails)
        tls, creds, _, data = mails[0]
        self.assertTrue(tls)
        self.assertEqual(creds, b"\0mailer\0s3cret")
        self.assertTrue(re.search(rb"Subscription Confirmation", data))


if __name__ == "__main__":
    unittest.main()
